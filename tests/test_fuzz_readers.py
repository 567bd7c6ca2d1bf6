"""Property tests of the readers: generated and damaged bytes of every format.

A user's folder holds whatever a disk, a mail client or a crawler left there:
Word files cut short or with a flipped byte, PDFs whose cross-reference table
points anywhere, web pages in an encoding they do not declare, review sheets
saved by any spreadsheet in any encoding. Whatever the bytes,

* :func:`timeline.documents.load_document` returns a document or raises
  :class:`~timeline.documents.DocumentError` (one line naming the file), and
* :func:`timeline.reviews.load_reviews` returns reviews or raises
  :class:`~timeline.reviews.ReviewError`,

never another exception. The inputs start from well-formed files built here
(a .docx by python-docx, a .pdf written out object by object, HTML, CSV and a
workbook by openpyxl) and are then damaged: cut short, bytes flipped, runs
inserted or deleted, zip members swapped for garbage. Example counts follow
``HYPOTHESIS_PROFILE`` as in ``test_properties.py``; the long campaign
(``benchmarks/fuzz_campaign.py``) runs these properties with many more.
"""

from __future__ import annotations

import codecs
import functools
import io
import os
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline.documents import DocumentError, load_document
from timeline.reviews import SHEET_COLUMNS, SHEET_HEADERS, ReviewError, load_reviews

_EXAMPLES = {"dev": 30, "ci": 100, "explore": 1000}
_PROFILE_NAME = os.environ.get("HYPOTHESIS_PROFILE") or "dev"
READERS = settings(
    max_examples=_EXAMPLES.get(_PROFILE_NAME, 30),
    derandomize=_PROFILE_NAME != "explore",
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gb18030", "big5", "latin-1"]
WORDS = [
    "2023年8月22日", "协会召开会员大会", "8月31日—9月3日", "今年", "June 18, 2021", "民國112年",
    "香港紡織業聯會", "<b>", "&amp;", "\u202e", "\x00", "\ufeff", "\r\n", "=1+1", "\t", ",", '"',
]  # fmt: skip

texts = st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=12).map("".join)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


# ------------------------------------------------------------- well-formed files


@functools.cache
def _docx_bytes(paragraphs: tuple[str, ...]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph("".join(ch for ch in paragraph if ch.isprintable()))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _zip_bytes(members: list[tuple[str, bytes]], compress: bool) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _pdf_bytes(objects: list[bytes], xref_shift: int, trailer_root: bytes) -> bytes:
    """A PDF written out object by object; ``xref_shift`` moves every offset."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out) + xref_shift)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % max(offset, 0)
    out += b"trailer\n<< /Size %d /Root %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer_root,
        start + xref_shift,
    )
    return bytes(out)


@st.composite
def pdfs(draw) -> bytes:
    words = draw(st.lists(st.sampled_from(WORDS), max_size=4))
    shown = b" ".join(b"(" + w.encode("latin-1", "replace") + b") Tj" for w in words)
    content = b"BT /F1 12 Tf 72 712 Td " + shown + b" ET"
    if draw(st.booleans()):
        stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(zlib.compress(content))
        stream += zlib.compress(content) + b"\nendstream"
    else:
        length = draw(st.sampled_from([len(content), 0, 10**12, -1]))
        stream = b"<< /Length %d >>\nstream\n" % length + content + b"\nendstream"
    pages = draw(st.sampled_from([b"[3 0 R]", b"[3 0 R 3 0 R]", b"[2 0 R]", b"[]", b"3 0 R"]))
    count = draw(st.sampled_from([b"1", b"0", b"-1", b"999999999", b"/X"]))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids " + pages + b" /Count " + count + b" >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        stream,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (" + draw(st.sampled_from(WORDS)).encode("utf-16", "replace") + b")"
        b" /CreationDate (D:"
        + draw(st.sampled_from([b"20230822", b"99999999", b"", b"x"]))
        + b") >>",
    ]
    shift = draw(st.sampled_from([0, 0, 0, 1, -5, 1000, 10**9]))
    root = draw(st.sampled_from([b"1 0 R", b"1 0 R /Info 6 0 R", b"6 0 R", b"9 0 R", b"null"]))
    return _pdf_bytes(objects, shift, root)


@st.composite
def docx_files(draw) -> bytes:
    if draw(st.integers(0, 3)) == 0:  # a zip of members in Word's names, holding anything
        names = ["[Content_Types].xml", "word/document.xml", "_rels/.rels", "docProps/core.xml"]
        members = [
            (name, draw(st.sampled_from([b"", b"<w:document/>", b"<?xml version='1.0'?><a>"])))
            for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True))
        ]
        return _zip_bytes(members, draw(st.booleans()))
    paragraphs = tuple(draw(st.lists(st.sampled_from(WORDS[:7]), max_size=3)))
    return _docx_bytes(paragraphs)


@st.composite
def html_files(draw) -> bytes:
    body = draw(texts)
    charset = draw(st.sampled_from(["", "utf-8", "gbk", "big5", "utf-16", "x-unknown"]))
    meta = f'<meta charset="{charset}">' if charset else ""
    title = draw(st.sampled_from(["", "<title>", "<title>协会动态</title>"]))
    page = f"<html><head>{meta}{title}</head><body><p>{body}</p></body></html>"
    if draw(st.booleans()):
        page = page[: draw(st.integers(0, len(page)))]
    return _encode(page, draw(st.sampled_from(ENCODINGS)))


@st.composite
def damaged(draw, files) -> bytes:
    """Well-formed bytes, then cut short, flipped, deleted or inserted into, a few times."""
    data = bytearray(draw(files))
    for _ in range(draw(st.integers(0, 3))):
        how = draw(st.sampled_from(["cut", "flip", "delete", "insert"]))
        at = draw(st.integers(0, len(data)))
        if how == "cut":
            del data[at:]
        elif how == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif how == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


document_bytes = st.one_of(
    st.binary(max_size=256),
    st.builds(_encode, texts, st.sampled_from(ENCODINGS)),
    damaged(html_files()),
    damaged(docx_files()),
    damaged(pdfs()),
)
DOCUMENT_SUFFIXES = [".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".dat", ""]


# ------------------------------------------------------------- review sheets


@st.composite
def review_rows(draw) -> list[list[str]]:
    columns = draw(
        st.lists(
            st.sampled_from([*SHEET_COLUMNS, *SHEET_HEADERS.values(), "", "x"]),
            min_size=1,
            max_size=6,
        )
    )
    cell = st.sampled_from(
        ["confirmed", "拒绝", "ok", "", "2023-08-22", "2023年8月22日", "8月", "2023-02-30", "e1"]
    ) | st.text(max_size=10)
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(columns) + 1), max_size=6))
    return [columns, *rows]


@st.composite
def csv_sheets(draw) -> bytes:
    import csv

    buffer = io.StringIO(newline="")
    delimiter = draw(st.sampled_from([",", "\t", ";"]))
    csv.writer(buffer, delimiter=delimiter).writerows(draw(review_rows()))
    encoding = draw(st.sampled_from(ENCODINGS))
    data = _encode(buffer.getvalue(), encoding)
    if encoding.startswith("utf-16-") and draw(st.booleans()):
        bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
        data = bom + data
    return data


@functools.cache
def _xlsx_bytes(sheets: tuple[tuple[tuple[str, ...], ...], ...]) -> bytes:
    """One workbook per content, cached: openpyxl stamps the time, and hypothesis
    needs the same bytes for the same draws."""
    from openpyxl import Workbook

    workbook = Workbook()
    for number, rows in enumerate(sheets):
        sheet = workbook.active if number == 0 else workbook.create_sheet(f"s{number}")
        for row in rows:
            sheet.append(["".join(ch for ch in cell if ch.isprintable()) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@st.composite
def xlsx_sheets(draw) -> bytes:
    sheets = draw(st.lists(review_rows(), min_size=1, max_size=2))
    return _xlsx_bytes(tuple(tuple(tuple(row) for row in rows) for rows in sheets))


sheet_files = st.one_of(
    st.tuples(st.just(".csv"), damaged(csv_sheets())),
    st.tuples(st.sampled_from([".xlsx", ".xlsm"]), damaged(xlsx_sheets())),
    st.tuples(st.sampled_from([".csv", ".xlsx"]), st.binary(max_size=256)),
)


# ------------------------------------------------------------- the checks


def check_document(folder: Path, suffix: str, data: bytes) -> None:
    """Only a document or a :class:`DocumentError` may come out of ``load_document``."""
    path = folder / f"fuzzed{suffix}"
    path.write_bytes(data)
    try:
        document = load_document(path)
    except DocumentError as error:
        assert "\n" not in str(error).strip(), f"a multi-line error: {error}"
        return
    assert isinstance(document.text, str)


def check_reviews(folder: Path, suffix: str, data: bytes) -> None:
    """Only reviews or a :class:`ReviewError` may come out of ``load_reviews``."""
    path = folder / f"reviews{suffix}"
    path.write_bytes(data)
    try:
        reviews = load_reviews(path)
    except ReviewError:
        return
    assert all(review.status in ("confirmed", "rejected", "corrected") for review in reviews)


@READERS
@given(suffix=st.sampled_from(DOCUMENT_SUFFIXES), data=document_bytes)
def test_load_document_raises_only_document_error(tmp_path_factory, suffix, data) -> None:
    check_document(tmp_path_factory.mktemp("doc"), suffix, data)


@READERS
@given(sheet=sheet_files)
def test_load_reviews_raises_only_review_error(tmp_path_factory, sheet) -> None:
    check_reviews(tmp_path_factory.mktemp("rev"), *sheet)


@pytest.mark.parametrize("suffix", [".html", ".docx", ".txt", ""])
def test_a_zip_asking_for_an_unknown_version_is_a_document_error(tmp_path, suffix) -> None:
    """Found by the campaign: a zip whose central directory says "version needed 8.4"
    made :mod:`zipfile` raise NotImplementedError out of the size check."""
    data = bytearray(_zip_bytes([("word/document.xml", b"<w:document/>")], True))
    central = data.index(b"PK\x01\x02")
    data[central + 6 : central + 8] = b"T\x00"  # version needed to extract: 8.4
    check_document(tmp_path, suffix, bytes(data))


def test_the_generated_files_are_read_when_whole(tmp_path: Path) -> None:
    """The well-formed starting points are real files of their format (else the damage proves little)."""
    path = tmp_path / "whole.docx"
    path.write_bytes(_docx_bytes(("2023年8月22日", "协会召开会员大会")))
    assert "2023年8月22日" in load_document(path).text
    path = tmp_path / "whole.pdf"
    path.write_bytes(
        _pdf_bytes(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
                b" /Resources << /Font << /F1 5 0 R >> >> >>",
                b"<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 712 Td (Meeting 2023-08-22) Tj ET\nendstream",
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            ],
            0,
            b"1 0 R",
        )
    )
    assert "2023-08-22" in load_document(path).text
    path = tmp_path / "reviews.csv"
    path.write_bytes("事件编号,审核结果,开始日期\ne1,确认,2023-08-22\n".encode("gb18030"))
    assert [(r.event_id, r.status) for r in load_reviews(path)] == [("e1", "confirmed")]
