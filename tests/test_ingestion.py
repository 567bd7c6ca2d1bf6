"""Ingestion: real files of every supported format, built here, read into Documents."""

from __future__ import annotations

import doctest
import io
import os
import socket
from datetime import date, datetime
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

import timeline.documents
from timeline.documents import Document, DocumentError, expand_paths, load_document, read_text

BIG5_TEXT = "香港紡織業聯會於2023年9月8日舉行周年大會，農曆新年期間暫停辦公。\n"
GB_TEXT = "发布时间:2023-09-08\n8月22日，服装制造军团与宁夏联通开展党建共建活动。\n"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any connection attempt is recorded and refused: reading never fetches."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- #
# Plain text                                                                   #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("text", "encoded", "encoding"),
    [
        pytest.param(GB_TEXT, GB_TEXT.encode("utf-8"), "utf-8", id="utf-8"),
        pytest.param(GB_TEXT, GB_TEXT.encode("utf-8-sig"), "utf-8-sig", id="utf-8-bom"),
        pytest.param(GB_TEXT, GB_TEXT.encode("utf-16"), "utf-16-le", id="utf-16-bom"),
        pytest.param(
            GB_TEXT, b"\xfe\xff" + GB_TEXT.encode("utf-16-be"), "utf-16-be", id="utf-16-be-bom"
        ),
        pytest.param(GB_TEXT, GB_TEXT.encode("utf-16-le"), "utf-16-le", id="utf-16-no-bom"),
        pytest.param(GB_TEXT, GB_TEXT.encode("gb18030"), "gb18030", id="gb18030"),
        pytest.param(
            "8月22日开展活动。",
            "8月22日开展活动。".encode("gb18030"),
            "gb18030",
            id="gb18030-short",
        ),
        pytest.param("日期", "日期".encode("gb18030"), "gb18030", id="gb18030-two-characters"),
        pytest.param("会议", "会议".encode("gb18030"), "gb18030", id="gb18030-also-valid-big5"),
        pytest.param(BIG5_TEXT, BIG5_TEXT.encode("big5"), "big5", id="big5"),
        pytest.param("會議", "會議".encode("big5"), "big5", id="big5-two-characters"),
    ],
)
def test_plain_text_encodings_are_detected(
    tmp_path: Path, text: str, encoded: bytes, encoding: str
) -> None:
    document = load_document(write(tmp_path / "doc.txt", encoded))
    assert document.text == text
    assert document.encoding == encoding
    assert document.format == "txt"


def test_big5_is_not_misread_as_gb18030(tmp_path: Path) -> None:
    encoded = BIG5_TEXT.encode("big5")
    assert encoded.decode("gb18030") != BIG5_TEXT  # the trap: it decodes, as nonsense
    text = read_text(write(tmp_path / "hk.txt", encoded))
    assert "農曆新年期間暫停辦公" in text
    assert text.index("2023年9月8日") == BIG5_TEXT.index("2023年9月8日")


def test_text_title_is_the_first_non_empty_line(tmp_path: Path) -> None:
    document = load_document(
        write(tmp_path / "a.txt", "\n\n  关于召开理事会的通知  \n正文".encode())
    )
    assert document.title == "关于召开理事会的通知"
    assert document.published is None
    assert document.published_source is None
    assert document.url is None


def test_markdown_title_drops_the_heading_marks(tmp_path: Path) -> None:
    document = load_document(write(tmp_path / "a.md", "## 年会纪要 ##\n\n9月8日召开。".encode()))
    assert document.title == "年会纪要"
    assert document.format == "md"
    assert document.text == "## 年会纪要 ##\n\n9月8日召开。"


def test_document_is_frozen_and_named_after_its_file(tmp_path: Path) -> None:
    document = load_document(write(tmp_path / "sub.txt", b"x"))
    assert isinstance(document, Document)
    assert document.name == "sub.txt"
    assert document.path == tmp_path / "sub.txt"
    with pytest.raises(AttributeError):
        document.text = "y"  # type: ignore[misc]


# --------------------------------------------------------------------------- #
# Web pages                                                                    #
# --------------------------------------------------------------------------- #

ARTICLE = [
    "2023年9月8日，中国纺织工业联合会在北京召开2023年会员大会，来自全国各地的三百余名会员代表参加了会议。",
    "会议审议通过了理事会工作报告，并部署了下一阶段的重点工作。会议指出，今年以来行业经济运行总体平稳。",
    "会议决定，第十届中国国际纺织面料博览会将于10月12日至14日在上海国家会展中心举办。",
]
NAVIGATION = ["首页", "协会动态", "关于我们"]
RELATED = ["纺织行业春季联谊会圆满落幕", "协会领导赴浙江调研产业集群"]
FOOTER = "版权所有 © 2023 中国纺织工业联合会 京ICP备05012345号"


def news_page(
    *,
    charset: str = "utf-8",
    meta: str = "",
    article_extra: str = "",
) -> str:
    paragraphs = "\n".join(f"<p>{paragraph}</p>" for paragraph in ARTICLE)
    menu = "".join(f'<li><a href="/{i}">{label}</a></li>' for i, label in enumerate(NAVIGATION))
    related = "".join(
        f'<li><a href="/r{i}">{title}</a><span class="date">2023-0{i + 3}-01</span></li>'
        for i, title in enumerate(RELATED)
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>中国纺织工业联合会召开2023年会员大会_中国纺织工业联合会</title>
{meta}
</head><body>
<div class="nav"><ul>{menu}</ul></div>
<div class="main">
<h1>中国纺织工业联合会召开2023年会员大会</h1>
{article_extra}
<div class="article-content">
{paragraphs}
</div></div>
<div class="related"><h3>相关新闻</h3><ul>{related}</ul></div>
<div class="footer">{FOOTER} 联系电话：010-85229999</div>
</body></html>"""


META = """
<meta property="og:title" content="中国纺织工业联合会召开2023年会员大会">
<meta property="og:url" content="https://www.example.org.cn/zixun/news-4.html">
<link rel="canonical" href="https://www.example.org.cn/zixun/news-4.html">
<meta property="article:published_time" content="2023-09-08T10:00:00+08:00">
"""


def test_html_keeps_the_article_and_drops_navigation_related_news_and_footer(
    tmp_path: Path, no_network: list[object]
) -> None:
    document = load_document(write(tmp_path / "news.html", news_page(meta=META).encode()))
    for paragraph in ARTICLE:
        assert paragraph in document.text
    assert "\n".join(ARTICLE) in document.text  # paragraph breaks are newlines
    for unwanted in [*NAVIGATION, *RELATED, "相关新闻", "版权所有", "ICP"]:
        assert unwanted not in document.text
    assert no_network == []


def test_html_metadata_comes_from_the_meta_tags(tmp_path: Path) -> None:
    document = load_document(write(tmp_path / "news.html", news_page(meta=META).encode()))
    assert document.title == "中国纺织工业联合会召开2023年会员大会"
    assert document.published == date(2023, 9, 8)
    assert document.published_source == "html-meta"
    assert document.url == "https://www.example.org.cn/zixun/news-4.html"
    assert document.format == "html"
    assert document.encoding == "utf-8"


@pytest.mark.parametrize(
    "meta",
    [
        pytest.param('<meta name="pubdate" content="2023-09-08">', id="meta-pubdate"),
        pytest.param('<meta name="PubDate" content="2023-09-08 10:30">', id="meta-PubDate"),
        pytest.param(
            '<script type="application/ld+json">{"@type": "NewsArticle",'
            ' "datePublished": "2023-09-08T10:00:00+08:00"}</script>',
            id="json-ld",
        ),
    ],
)
def test_html_publication_date_forms(tmp_path: Path, meta: str) -> None:
    document = load_document(write(tmp_path / "p.html", news_page(meta=meta).encode()))
    assert document.published == date(2023, 9, 8)


def test_html_time_element_dates_the_page(tmp_path: Path) -> None:
    page = news_page(article_extra='<time datetime="2023-09-08T10:00">9月8日</time>')
    assert load_document(write(tmp_path / "t.html", page.encode())).published == date(2023, 9, 8)


def test_html_without_date_metadata_has_no_publication_date(tmp_path: Path) -> None:
    """Not today's date, not a related-news date, not the article's first date."""
    document = load_document(write(tmp_path / "bare.html", news_page().encode()))
    assert document.published is None
    assert document.published_source is None
    assert document.url is None


def test_html_in_gb2312_is_decoded_by_its_meta_charset(tmp_path: Path) -> None:
    page = news_page(charset="gb2312", meta=META)
    document = load_document(write(tmp_path / "gb.htm", page.encode("gb18030")))
    assert ARTICLE[2] in document.text
    assert document.encoding == "gb18030"
    assert document.format == "html"


def test_html_in_big5_is_decoded_by_its_meta_charset(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="big5"><title>周年大會</title></head><body>'
        f"<article><p>{BIG5_TEXT.strip()}</p></article></body></html>"
    )
    document = load_document(write(tmp_path / "hk.html", page.encode("big5")))
    assert BIG5_TEXT.strip() in document.text
    assert document.title == "周年大會"


def test_html_with_a_bom_and_no_declared_charset(tmp_path: Path) -> None:
    page = news_page(meta=META).replace("charset=utf-8", "")
    document = load_document(write(tmp_path / "bom.html", page.encode("utf-8-sig")))
    assert ARTICLE[0] in document.text


def test_html_fragment_falls_back_to_its_visible_text(tmp_path: Path) -> None:
    fragment = "<p>本会定于10月12日召开理事会。</p><script>var x = '9月1日';</script>"
    document = load_document(write(tmp_path / "frag.html", fragment.encode()))
    assert document.text == "本会定于10月12日召开理事会。"


def test_html_is_never_fetched_even_when_it_holds_only_an_address(
    tmp_path: Path, no_network: list[object]
) -> None:
    path = write(tmp_path / "link.html", b"https://www.example.com/2023/09/08/news.html")
    assert load_document(path).text == "https://www.example.com/2023/09/08/news.html"
    assert no_network == []


def test_empty_html_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="empty.html"):
        load_document(write(tmp_path / "empty.html", b"  \n"))


# --------------------------------------------------------------------------- #
# Word files                                                                   #
# --------------------------------------------------------------------------- #


def word_file(path: Path, *, title: str = "", created: datetime | None = None) -> Path:
    document = docx.Document()
    document.add_heading("香港紡織業聯會周年大會", level=1)
    document.add_paragraph("本会于2023年9月8日召开第十届会员大会。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "报名截止"
    table.cell(0, 1).text = "9月30日"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "展会10月12日至14日举行"
    document.add_paragraph("")
    document.add_paragraph("农历新年期间（1月21日至1月27日）暂停办公。")
    document.core_properties.title = title
    document.core_properties.created = created or datetime(2023, 9, 8, 2, 30)
    document.save(path)
    return path


def test_docx_text_is_its_paragraphs_and_table_cells_in_order(tmp_path: Path) -> None:
    document = load_document(word_file(tmp_path / "report.docx"))
    assert document.text == "\n".join(
        [
            "香港紡織業聯會周年大會",
            "本会于2023年9月8日召开第十届会员大会。",
            "报名截止",
            "9月30日",
            "展会10月12日至14日举行",
            "农历新年期间（1月21日至1月27日）暂停办公。",
        ]
    )
    assert document.format == "docx"
    assert document.encoding is None


def test_docx_publication_date_is_its_creation_date(tmp_path: Path) -> None:
    document = load_document(word_file(tmp_path / "report.docx"))
    assert document.published == date(2023, 9, 8)
    assert document.published_source == "docx-core"


def test_docx_title_from_core_properties_else_first_paragraph(tmp_path: Path) -> None:
    titled = load_document(word_file(tmp_path / "a.docx", title="年会通知"))
    untitled = load_document(word_file(tmp_path / "b.docx"))
    assert titled.title == "年会通知"
    assert untitled.title == "香港紡織業聯會周年大會"


def test_read_text_of_a_docx_is_its_document_text(tmp_path: Path) -> None:
    path = word_file(tmp_path / "report.docx")
    assert read_text(path) == load_document(path).text


# --------------------------------------------------------------------------- #
# PDF                                                                          #
# --------------------------------------------------------------------------- #

PDF_LINES = [
    "中国纺织工业联合会于2023年9月8日举行年会。",
    "Published on 8 September 2023; the fair runs 12 to 14 October 2023.",
]


def pdf_file(path: Path, lines: list[str], *, title: str = "", created: str | None = None) -> Path:
    """A PDF with a real text layer: reportlab's built-in Chinese CID font needs no TTF."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    if title:
        page.setTitle(title)
    page.setFont("STSong-Light", 12)
    for number, line in enumerate(lines):
        page.drawString(72, 720 - 20 * number, line)
    if not lines:
        page.rect(72, 72, 400, 600, fill=1)  # a "scanned" page: a picture, no text
    page.save()
    writer = PdfWriter(clone_from=io.BytesIO(buffer.getvalue()))
    if created:
        writer.add_metadata({"/CreationDate": created})
    writer.write(path)
    return path


def test_pdf_text_layer_is_read(tmp_path: Path) -> None:
    document = load_document(pdf_file(tmp_path / "r.pdf", PDF_LINES))
    assert document.text.splitlines() == PDF_LINES
    assert document.format == "pdf"
    assert document.title == PDF_LINES[0]


def test_pdf_metadata_from_document_information(tmp_path: Path) -> None:
    path = pdf_file(
        tmp_path / "r.pdf", PDF_LINES, title="年会纪要", created="D:20230908100000+08'00'"
    )
    document = load_document(path)
    assert document.title == "年会纪要"
    assert document.published == date(2023, 9, 8)
    assert document.published_source == "pdf-info"


def test_scanned_pdf_without_text_layer_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"scan\.pdf.*no text layer: scanned PDF\?"):
        load_document(pdf_file(tmp_path / "scan.pdf", []))


# --------------------------------------------------------------------------- #
# Errors                                                                       #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        pytest.param("random.docx", os.urandom(2000), "not a Word", id="docx-random-bytes"),
        pytest.param(
            "truncated.docx", b"PK\x03\x04" + b"\x00" * 40, "not a Word", id="docx-bad-zip"
        ),
        pytest.param("random.pdf", os.urandom(2000), "not a PDF", id="pdf-random-bytes"),
        pytest.param("header.pdf", b"%PDF-1.4\n" + os.urandom(500), "not a PDF", id="pdf-bad-body"),
        pytest.param("binary.txt", b"\x80\x00\xff\xfe\x81" * 20, "", id="txt-binary"),
    ],
)
def test_corrupt_files_give_an_error_naming_them(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    with pytest.raises(DocumentError, match=name.replace(".", r"\.") + ".*" + reason):
        load_document(write(tmp_path / name, data))


def test_a_zip_that_is_not_a_word_file(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "x")
    with pytest.raises(DocumentError, match=r"archive\.docx"):
        load_document(path)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"absent\.pdf: no such file"):
        load_document(tmp_path / "absent.pdf")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.txt", b"x")
    path.chmod(0)
    try:
        with pytest.raises(DocumentError, match=r"secret\.txt: permission denied"):
            load_document(path)
    finally:
        path.chmod(0o600)


def test_folder_named_like_a_document_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "x.txt").mkdir()
    with pytest.raises(DocumentError, match=r"x\.txt: is a folder"):
        load_document(tmp_path / "x.txt")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_named_pipe_is_an_error_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(DocumentError, match=r"pipe\.txt: not a regular file"):
        load_document(tmp_path / "pipe.txt")


def test_broken_symbolic_link_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "gone.html").symlink_to(tmp_path / "nowhere.html")
    with pytest.raises(DocumentError, match=r"gone\.html: broken symbolic link"):
        load_document(tmp_path / "gone.html")


def test_unknown_suffix_is_recognised_by_its_content(tmp_path: Path) -> None:
    pdf = pdf_file(tmp_path / "r.pdf", PDF_LINES)
    renamed = pdf.rename(tmp_path / "download")
    assert load_document(renamed).format == "pdf"
    assert load_document(write(tmp_path / "notes", "9月8日".encode())).format == "txt"


# --------------------------------------------------------------------------- #
# Folders                                                                      #
# --------------------------------------------------------------------------- #


def test_folders_expand_to_every_document_format(tmp_path: Path) -> None:
    names = [
        "a.txt",
        "b.md",
        "c.HTML",
        "d.htm",
        "e.docx",
        "f.PDF",
        "documents.csv",
        "g.png",
        "~$e.docx",
        ".hidden.txt",
        ".git/h.txt",
        "sub/i.pdf",
    ]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert expand_paths([tmp_path]) == [
        tmp_path / name
        for name in ["a.txt", "b.md", "c.HTML", "d.htm", "e.docx", "f.PDF", "sub/i.pdf"]
    ]


def test_symbolic_link_loops_are_not_followed_forever(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_bytes(b"x")
    (tmp_path / "sub" / "b.txt").write_bytes(b"x")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "sub" / "self").symlink_to(tmp_path / "sub" / "self")
    assert expand_paths([tmp_path]) == [tmp_path / "a.txt", tmp_path / "sub" / "b.txt"]


def test_linked_folders_are_followed_once(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.txt").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    found = expand_paths([tmp_path])
    assert len(found) == 1
    assert found[0].name == "a.txt"


def test_expansion_keeps_missing_paths_for_the_caller_to_report(tmp_path: Path) -> None:
    assert expand_paths([tmp_path / "absent.docx"]) == [tmp_path / "absent.docx"]


def test_documentation_examples_hold() -> None:
    for module in (timeline.documents, *_format_modules()):
        failures, _ = doctest.testmod(module)
        assert failures == 0, module.__name__


def _format_modules() -> list:
    """The modules of :mod:`timeline.documents`, one per format."""
    import importlib

    names = ("base", "text", "html", "docx", "pdf", "paths")
    return [importlib.import_module(f"timeline.documents.{name}") for name in names]
