"""The chronology as a Word document (大事记.docx) a secretariat can edit and print.

A title, then a heading per year and one paragraph per event: its date written
the Chinese way (bold), its title, and its source (association, document,
publication day) in a smaller grey line. The text is in 宋体 (SimSun) with
黑体 (SimHei) headings, set as the *East Asian* font of every style (``w:eastAsia``):
that is the slot Word and WPS read for Chinese characters, and a document that
only sets the Latin font shows Chinese in whatever the reader's default is. Where
neither font is installed (LibreOffice on Linux), fontconfig substitutes a CJK
font such as Noto Sans CJK. The footer holds the page number (a ``PAGE`` field,
so it stays right after edits).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from exports.chronology import format_date, headline, select, when
from timeline import schema
from timeline.files import write_atomic

BODY_FONT = ("Times New Roman", "宋体")  # (Latin, East Asian)
HEADING_FONT = ("Arial", "黑体")
SOURCE_GREY = RGBColor(0x55, 0x55, 0x55)
DEFAULT_TITLE = "大事记"


def _fonts(style_or_run, latin: str, east_asian: str) -> None:
    """Set the Latin and the East Asian font of a style or a run."""
    style_or_run.font.name = latin
    properties = style_or_run.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(slot), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.attrib.pop(qn("w:asciiTheme"), None)
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
    fonts.attrib.pop(qn("w:hAnsiTheme"), None)


def _page_number(paragraph) -> None:
    """``第 N 页`` with N a PAGE field, centred."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1")):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)
    paragraph.add_run(" 页")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _source(row: pd.Series, with_association: bool) -> str:
    parts = []
    if with_association:
        parts.append(_text(row.get("association")))
    document = _text(row.get("doc_title")) or _text(row.get("doc"))
    if document:
        parts.append(f"《{document}》" if _text(row.get("doc_title")) else document)
    published = row.get("published")
    if isinstance(published, date):
        parts.append(f"{format_date(published, published, 'day')}发布")
    return "来源：" + "，".join(part for part in parts if part)


def chronology_docx(
    table: pd.DataFrame,
    association: str | None = None,
    since: date | None = None,
    until: date | None = None,
    title: str | None = None,
) -> bytes:
    """The chronology of ``table`` (one association's, or all) as ``.docx`` bytes."""
    rows = select(table, association, since, until)
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.8)
    styles = document.styles
    _fonts(styles["Normal"], *BODY_FONT)
    styles["Normal"].font.size = Pt(12)
    for name in ("Title", "Heading 1", "Heading 2"):
        _fonts(styles[name], *HEADING_FONT)
        styles[name].font.color.rgb = RGBColor(0, 0, 0)
    styles["Title"].font.size = Pt(22)
    styles["Heading 1"].font.size = Pt(16)
    document.core_properties.title = title or f"{association or ''}{DEFAULT_TITLE}"
    document.core_properties.language = "zh-CN"

    heading = document.add_paragraph(title or DEFAULT_TITLE, style="Title")
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = document.add_paragraph(association or "全部协会")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if rows.empty:
        document.add_paragraph("暂无事件。")
    year = None
    for _, row in rows.iterrows():
        event = schema.decode(row.to_dict())
        if event is None or event.role == "published":
            continue  # a document's own publication line is no happening (as in the text)
        if event.start.year != year:
            year = event.start.year
            document.add_heading(f"{year}年", level=1)
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.paragraph_format.keep_with_next = True
        written = paragraph.add_run(when(event))
        written.bold = True
        paragraph.add_run("　" + headline(event))
        source = document.add_paragraph()
        source.paragraph_format.space_after = Pt(8)
        source.paragraph_format.left_indent = Cm(0.74)
        run = source.add_run(_source(row, with_association=association is None))
        run.font.size = Pt(9)
        run.font.color.rgb = SOURCE_GREY
    _page_number(section.footer.paragraphs[0])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_chronology_docx(
    table: pd.DataFrame,
    path: str | Path,
    association: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Path:
    """Write :func:`chronology_docx` to ``path`` atomically and return the path."""
    path = Path(path)
    write_atomic(path, chronology_docx(table, association, since, until))
    return path


__all__ = ["chronology_docx", "write_chronology_docx"]
