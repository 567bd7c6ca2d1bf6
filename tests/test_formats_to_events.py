"""Real files of every format, written here, through the whole table: the events that come out."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from timeline.table import build_events

ARTICLE = [
    "宁夏纺织服装协会2023年工作纪要",
    "8月22日，宁夏纺织服装协会与宁夏联通开展党建共建活动。",
    "8月23日至24日，协会调研小组走访灵武市5家规上毛纺企业。",
    "宁夏纺织服装协会",
]
EXPECTED = {
    ("8月22日", date(2023, 8, 22), date(2023, 8, 22)),
    ("8月23日至24日", date(2023, 8, 23), date(2023, 8, 24)),
}


def _events(folder: Path) -> set[tuple[str, date, date]]:
    result = build_events([folder])
    assert not result.errors, result.errors
    table = result.table
    assert set(table["association"]) == {"宁夏纺织服装协会"}
    return {
        (row.date_text, row.start, row.end)
        for row in table.itertuples()
        if row.granularity == "day"
    }


def test_a_word_document_dated_by_its_core_properties(tmp_path: Path) -> None:
    document = docx.Document()
    for paragraph in ARTICLE:
        document.add_paragraph(paragraph)
    document.core_properties.created = __import__("datetime").datetime(2023, 9, 8, 10, 0)
    document.save(tmp_path / "纪要.docx")
    assert _events(tmp_path) == EXPECTED


def test_a_pdf_dated_by_its_header_line(tmp_path: Path) -> None:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(tmp_path / "report.pdf"))
    page.setFont("STSong-Light", 12)
    for number, line in enumerate([ARTICLE[0], "发布时间:2023-09-08", *ARTICLE[1:]]):
        page.drawString(50, 780 - 20 * number, line)
    page.save()
    events = _events(tmp_path)
    assert events >= EXPECTED
    assert ("2023-09-08", date(2023, 9, 8), date(2023, 9, 8)) in events


def test_an_html_page_dated_by_its_metadata_without_its_menu_or_related_news(
    tmp_path: Path,
) -> None:
    paragraphs = "".join(f"<p>{line}</p>" for line in ARTICLE[1:3])
    related = "".join(
        f"<li><a href='/n{i}'>2024年{i}月行业动态汇编第{i}期</a></li>" for i in range(1, 8)
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{ARTICLE[0]}</title>
<meta property="article:published_time" content="2023-09-08T09:00:00+08:00">
<link rel="canonical" href="https://example.org/news/1.html"></head><body>
<nav><ul><li><a href="/">首页</a></li><li><a href="/about">2022年协会简介</a></li></ul></nav>
<article><h1>{ARTICLE[0]}</h1>{paragraphs}<p>{ARTICLE[3]}</p></article>
<aside><h2>相关新闻</h2><ul>{related}</ul></aside>
<footer>版权所有©2014 宁ICP备2020011239号</footer></body></html>"""
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    result = build_events([tmp_path])
    table = result.table
    assert {
        (r.date_text, r.start, r.end) for r in table.itertuples() if r.granularity == "day"
    } == EXPECTED
    assert not any(text.startswith("2024年") or text == "2022年" for text in table["date_text"])
    assert set(table["source_url"]) == {"https://example.org/news/1.html"}


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-16"])
def test_plain_text_in_every_chinese_encoding(tmp_path: Path, encoding: str) -> None:
    text = "\n".join([ARTICLE[0], "发布时间:2023-09-08", *ARTICLE[1:]]) + "\n"
    (tmp_path / "news.txt").write_bytes(text.encode(encoding))
    assert _events(tmp_path) >= EXPECTED
