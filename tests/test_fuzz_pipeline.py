"""Property tests over the whole pipeline: generated files through ``build_events``.

Documents are generated from Chinese prose, date fragments in every spelling,
site boilerplate (menus, related-news lists, copyright and contact lines) and
hostile strings, then written to temporary files as plain text or web pages in
a random encoding (UTF-8 with or without a byte-order mark, UTF-16, GB18030,
Big5), sometimes cut short inside their last character, sometimes with a
manifest. Whatever comes, :func:`timeline.table.build_events`

* does not raise, and fails a document only for a reason a user can act on
  (nothing but white space, no text in a web page);
* gives rows whose ``span_start``/``span_end`` index the document's text
  (``text[span_start:span_end] == date_text``) and whose sentence holds the
  date as written;
* with ``start <= end``, and years within 1900–2100 unless a four-digit year
  is written in the document;
* with event ids unique in the table.

Example counts follow ``HYPOTHESIS_PROFILE`` as in ``test_properties.py``:
``dev`` (default, quick), ``ci`` (more), ``explore`` (many, random). A longer
campaign runs outside CI: ``benchmarks/fuzz_campaign.py``.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline.documents import load_document
from timeline.table import build_events

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
_EXAMPLES = {"dev": 40, "ci": 120, "explore": 1000}
_PROFILE_NAME = os.environ.get("HYPOTHESIS_PROFILE") or "dev"
PIPELINE = settings(
    max_examples=_EXAMPLES.get(_PROFILE_NAME, 40),
    derandomize=_PROFILE_NAME != "explore",
    database=None,
    deadline=None,
    suppress_health_check=_QUIET,
)

YEAR_MIN, YEAR_MAX = 1900, 2100

# ----------------------------------------------------------------- strategies

# fmt: off
PROSE = [
    "汕头市纺织服装产业协会召开第三届会员大会", "协会组织会员参与植树护绿活动", "中国纺织工业联合会在北京召开年会",
    "会议审议通过了理事会工作报告", "服装制造军团与宁夏联通开展党建共建活动", "秘书处牵头组织企业赴广州考察",
    "辽宁省纺织服装协会举办表彰大会", "香港紡織業聯會舉行周年大會", "展会将在上海国家会展中心举办",
    "来自全国各地的三百余名会员代表参加了会议", "Hong Kong Chamber of Commerce held its annual meeting",
]
DATES = [
    "2023年8月22日", "8月22日", "2023-09-08", "2021-2-9", "2023年9月", "2024年", "2020年11月18日至20日",
    "8月31日—9月3日", "2019—2020年", "2023年上半年", "2023年第三季度", "2023年底", "今年", "去年", "明年",
    "当天", "次日", "上周五", "春节", "元宵节", "农历正月十五", "二〇二三年八月", "２０２３年８月２２日",
    "June 18, 2021", "18 June 2021", "十四五", "90年代", "1850年", "2999年", "9999年12月31日", "0000年1月1日",
    "2月30日", "13月1日", "民國112年", "99年", "1月1日至12月31日", "7月12日", "周三",
]
BOILERPLATE = [
    "首页 | 协会动态 | 关于我们 | 联系我们", "相关新闻", "上一篇：协会领导赴浙江调研 2023-03-01",
    "版权所有 © 2023 中国纺织工业联合会 京ICP备05012345号", "联系电话：010-85229999 传真：010-85229998",
    "发布时间：2023-09-08 来源：本站 浏览次数：1024", "技术支持：某某网络", "【打印】【关闭】",
    "地址：北京市朝阳区东三环 邮编：100020", "Copyright 2008-2024 All Rights Reserved",
]
HOSTILE = [
    "<script>alert(1)</script>", '"onerror=alert(1)', "</style>", "{{ 7*7 }}", "javascript:alert(1)",
    "\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", "../../etc/passwd", "\u202e\u2066\u200f", "\x1b[2J",
    "=HYPERLINK(\"http://e\")", "&amp;&lt;", "<!--", "]]>", "\ufeff", "\u3000\u00a0",
]
# fmt: on
SEPARATORS = ["，", "。", "、", "；", "：", "（", "）", " ", "\n", "\r\n", "\t", "——", "至", "-"]

pieces = st.one_of(
    st.sampled_from(PROSE),
    st.sampled_from(DATES),
    st.sampled_from(SEPARATORS),
    st.sampled_from(HOSTILE),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=6,
    ),
    st.integers(0, 99999).map(str),
)
sentences = st.one_of(
    st.builds(lambda d, p: f"{d}，{p}。", st.sampled_from(DATES), st.sampled_from(PROSE)),
    st.lists(pieces, min_size=1, max_size=12).map("".join),
)
lines = st.one_of(sentences, sentences, st.sampled_from(BOILERPLATE), st.sampled_from(HOSTILE))
bodies = st.lists(lines, min_size=1, max_size=10)

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "gb18030", "big5"]


@dataclass(frozen=True)
class GeneratedDocument:
    lines: list[str]
    format: str  # txt, md or html
    encoding: str
    cut: bool  # the last byte dropped: a file cut short
    title: str | None
    published: date | None  # in the manifest

    def markup(self) -> str:
        if self.format != "html":
            return "\n".join(self.lines)
        title = f"<title>{html.escape(self.title)}</title>" if self.title is not None else ""
        charset = self.encoding.removesuffix("-sig")
        paragraphs = "".join(f"<p>{html.escape(line)}</p>\n" for line in self.lines)
        return (
            f'<!DOCTYPE html><html><head><meta charset="{charset}">{title}</head>'
            f"<body><article>{paragraphs}</article></body></html>"
        )

    def data(self) -> bytes:
        text = self.markup()
        try:
            data = text.encode(self.encoding)
        except UnicodeEncodeError:
            data = text.encode("utf-8")
        return data[:-1] if self.cut and len(data) > 1 else data


documents = st.builds(
    GeneratedDocument,
    lines=bodies,
    format=st.sampled_from(["txt", "md", "html"]),
    encoding=st.sampled_from(ENCODINGS),
    cut=st.booleans(),
    title=st.none() | st.sampled_from(PROSE + HOSTILE),
    published=st.none() | st.dates(date(1950, 1, 1), date(2090, 12, 31)),
)

# ------------------------------------------------------------------ checking

#: A year written out: four or more digits in a row, ASCII, full-width or 二〇二三.
_WRITTEN_YEAR = re.compile(r"[\d〇○零一二三四五六七八九]{4,}")

#: Why a generated document may fairly fail: it holds no text at all.
_FAIR_ERRORS = re.compile(
    r"only white space|no text in the web page|no HTML in the file|is empty"
    r"|looks like a binary file|cannot decode"
)


def write_documents(folder: Path, generated: list[GeneratedDocument]) -> None:
    rows = ["file,published"]
    for number, document in enumerate(generated):
        name = f"d{number:02d}.{document.format}"
        (folder / name).write_bytes(document.data())
        if document.published is not None:
            rows.append(f"{name},{document.published.isoformat()}")
    if len(rows) > 1:
        (folder / "documents.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def check_pipeline(folder: Path) -> pd.DataFrame:
    """Run build_events over ``folder`` and check every row against its document."""
    result = build_events([folder])
    assert not result.problems, result.problems
    for path, message in result.errors:
        assert _FAIR_ERRORS.search(message), (path.name, message)
    table = result.table
    assert table["event_id"].is_unique
    texts: dict[str, str] = {}
    for row in table.itertuples(index=False):
        if row.doc not in texts:
            texts[row.doc] = load_document(folder / row.doc).text
        text = texts[row.doc]
        assert 0 <= row.span_start < row.span_end <= len(text), row
        assert text[row.span_start : row.span_end] == row.date_text, row
        assert row.date_text in row.description, (row.date_text, row.description)
        assert isinstance(row.start, date) and isinstance(row.end, date)
        assert row.start <= row.end, row
        for day in (row.start, row.end):
            if not YEAR_MIN <= day.year <= YEAR_MAX:
                assert _WRITTEN_YEAR.search(row.date_text) or (
                    row.anchor != "explicit" and _WRITTEN_YEAR.search(text)
                ), (f"year {day.year} with no four-digit year written", row)
    for row in result.periods.itertuples(index=False):
        text = texts.get(row.doc) or load_document(folder / row.doc).text
        assert text[row.span_start : row.span_end] == row.date_text, row
    return table


# -------------------------------------------------------------------- tests


@PIPELINE
@given(generated=st.lists(documents, min_size=1, max_size=3))
def test_build_events_holds_its_promises_on_any_documents(
    generated: list[GeneratedDocument],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_documents(folder, generated)
        check_pipeline(folder)


@PIPELINE
@given(document=documents)
def test_a_document_gives_the_same_events_alone_or_with_others(
    document: GeneratedDocument,
) -> None:
    """Each document is processed on its own: its neighbours change none of its rows."""
    other = GeneratedDocument(
        lines=["2023年8月22日，汕头市纺织服装产业协会召开第三届会员大会。"],
        format="txt",
        encoding="utf-8",
        cut=False,
        title=None,
        published=None,
    )
    with tempfile.TemporaryDirectory() as alone, tempfile.TemporaryDirectory() as together:
        write_documents(Path(alone), [document])
        write_documents(Path(together), [document, other])
        first = check_pipeline(Path(alone))
        second = check_pipeline(Path(together))
        second = second[second["doc"] == "d00." + document.format]
        key = ["event_id", "start", "end", "span_start", "span_end"]
        assert first[key].sort_values(key).values.tolist() == (
            second[key].sort_values(key).values.tolist()
        )


def test_the_checker_catches_a_span_that_does_not_index_the_text(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("2023年8月22日，协会召开年会。", encoding="utf-8")
    table = check_pipeline(tmp_path)
    assert len(table) == 1
    broken = table.assign(span_start=table["span_start"] + 1)
    text = load_document(tmp_path / "a.txt").text
    row = next(broken.itertuples(index=False))
    assert text[row.span_start : row.span_end] != row.date_text
