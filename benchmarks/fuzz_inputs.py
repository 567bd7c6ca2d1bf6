"""Seeded input generators of the fuzz campaign (``fuzz_campaign.py``).

Hypothesis costs milliseconds per example to draw, which is more than
``find_dates`` costs to run; a million examples need a cheaper source. Every
generator here takes a :class:`random.Random` and returns one input, so the
input of example ``i`` of a property is a pure function of the campaign seed,
the property and ``i``: a failure is reproduced from those three numbers
(``fuzz_campaign.py --reproduce``). The word tables are the tests' own
(``tests/test_properties.py``, ``tests/test_fuzz_pipeline.py``,
``tests/test_fuzz_readers.py``), so the campaign and CI draw from one grammar.

Well-formed .docx and .xlsx files are slow to build (python-docx, openpyxl:
10–30 ms each), so each worker builds a small pool of them once, from the
seed, and the examples damage copies of them; zip and PDF structures are
written here byte by byte, malformed on purpose.
"""

from __future__ import annotations

import codecs
import csv
import io
import random
import re
import struct
import warnings
import zipfile
import zlib
from datetime import date, datetime, timedelta

import test_fuzz_pipeline as pipeline_tables
import test_fuzz_readers as reader_tables
import test_properties as find_dates_tables

from normalizers import DocumentContext
from normalizers.context import DOCUMENT_TYPES
from timeline.reviews import SHEET_COLUMNS, SHEET_HEADERS

FRAGMENTS = find_dates_tables.FRAGMENTS
WORDS = reader_tables.WORDS
ENCODINGS = reader_tables.ENCODINGS
DOCUMENT_SUFFIXES = reader_tables.DOCUMENT_SUFFIXES
PROSE = pipeline_tables.PROSE
DATES = pipeline_tables.DATES
BOILERPLATE = pipeline_tables.BOILERPLATE
HOSTILE = pipeline_tables.HOSTILE
SEPARATORS = pipeline_tables.SEPARATORS

_FULL_WIDTH = str.maketrans("0123456789-/.", "０１２３４５６７８９－／．")
_CN_DIGITS = "〇一二三四五六七八九"
#: Code point ranges random characters come from (weights follow the corpus:
#: mostly CJK and ASCII, some of everything else).
_CHAR_RANGES = [
    (0x20, 0x7E, 30), (0x4E00, 0x9FFF, 30), (0x3000, 0x303F, 6), (0xFF00, 0xFFEF, 6),
    (0x00, 0x1F, 3), (0x80, 0x2FF, 4), (0x2000, 0x206F, 4), (0x0300, 0x036F, 2),
    (0xE000, 0xF8FF, 1), (0x10000, 0x10FFFF, 2), (0xFE00, 0xFE0F, 1), (0xFFF0, 0xFFFF, 1),
]  # fmt: skip
_RANGE_WEIGHTS = [weight for *_, weight in _CHAR_RANGES]
#: The time written into every generated zip and document (they carry no clock).
_STAMP = datetime(2023, 8, 22, 9, 30)
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")


# ---------------------------------------------------------------- text


def random_chars(rng: random.Random, most: int) -> str:
    """Up to ``most`` characters from anywhere in Unicode except surrogates."""
    out = []
    for low, high, _ in rng.choices(_CHAR_RANGES, _RANGE_WEIGHTS, k=rng.randint(0, most)):
        out.append(chr(rng.randint(low, high)))
    return "".join(out)


def number(rng: random.Random, low: int, high: int) -> str:
    """A number in one of the spellings the corpus uses (ASCII, 0-padded, full-width, 二〇二三, 二十)."""
    value = rng.randint(low, high)
    how = rng.randrange(5)
    if how == 0:
        return str(value)
    if how == 1:
        return f"{value:02d}"
    if how == 2:
        return str(value).translate(_FULL_WIDTH)
    if how == 3 or value >= 100:
        return "".join(_CN_DIGITS[int(c)] for c in str(value))
    tens, ones = divmod(value, 10)
    if value < 10:
        return _CN_DIGITS[value] if value else "零"
    return (_CN_DIGITS[tens] if tens > 1 else "") + "十" + (_CN_DIGITS[ones] if ones else "")


def date_phrase(rng: random.Random) -> str:
    """A date as written (sometimes impossible: month 13, day 0, year 99999)."""
    year = number(rng, 1890, 2110) if rng.random() < 0.7 else number(rng, 0, 99999)
    month, day = number(rng, 0, 14), number(rng, 0, 33)
    how = rng.randrange(6)
    if how == 0:
        return f"{year}年{month}月{day}日"
    if how == 1:
        return f"{year}年{month}月"
    if how == 2:
        return f"{month}月{day}{rng.choice(['日', '号', ''])}"
    if how == 3:
        sep = rng.choice(["-", "/", ".", "－", "／"])
        return f"{year}{sep}{month}{sep}{day}"
    if how == 4:
        joiner = rng.choice(["至", "到", "—", "-", "~", "～", "－", "—至"])
        tail = f"{number(rng, 0, 33)}日" if rng.random() < 0.5 else date_phrase(rng)
        return f"{month}月{day}日{joiner}{tail}"
    return f"{number(rng, 0, 99)}年代"


def piece(rng: random.Random) -> str:
    how = rng.randrange(8)
    if how < 3:
        return rng.choice(FRAGMENTS)
    if how < 5:
        return date_phrase(rng)
    if how == 5:
        return number(rng, 0, 99999)
    if how == 6:
        return random_chars(rng, 4)
    return "".join(
        rng.choices(
            "0123456789０１２３４５６７８９年月日号至到—-－～〇零一二三四五六七八九十",
            k=rng.randint(0, 6),
        )
    )


def any_text(rng: random.Random) -> str:
    """Random unicode, or date-ish pieces in a row (as ``test_properties.texts``)."""
    if rng.random() < 0.3:
        return random_chars(rng, 40)
    return "".join(piece(rng) for _ in range(rng.randint(0, 30)))


def date_heavy_text(rng: random.Random) -> str:
    return "".join(
        date_phrase(rng) if rng.random() < 0.5 else rng.choice(FRAGMENTS)
        for _ in range(rng.randint(1, 40))
    )


def long_text(rng: random.Random) -> str:
    """A document-sized text (10–80 kB): prose, dates, boilerplate, hostile strings, noise."""
    parts = []
    for _ in range(rng.randint(300, 2500)):
        how = rng.randrange(10)
        if how < 3:
            parts.append(rng.choice(PROSE))
        elif how < 5:
            parts.append(rng.choice(DATES) if rng.random() < 0.5 else date_phrase(rng))
        elif how < 7:
            parts.append(rng.choice(SEPARATORS))
        elif how == 7:
            parts.append(rng.choice(BOILERPLATE + HOSTILE))
        else:
            parts.append(piece(rng))
    return "".join(parts)


def context(rng: random.Random) -> DocumentContext | None:
    how = rng.randrange(3)
    if how == 0:
        return None
    published = date(1950, 1, 1) + timedelta(days=rng.randrange(51500)) if how == 1 else None
    return DocumentContext(published=published, document_type=rng.choice(DOCUMENT_TYPES))


# ---------------------------------------------------------------- damage


def damage(rng: random.Random, data: bytes, most: int = 3) -> bytes:
    """``data`` cut short, bytes flipped, runs deleted, inserted or repeated, up to ``most`` times."""
    out = bytearray(data)
    for _ in range(rng.randint(0, most)):
        how = rng.randrange(5)
        at = rng.randint(0, len(out))
        if how == 0:
            del out[at:]
        elif how == 1 and at < len(out):
            out[at] ^= rng.randint(1, 255)
        elif how == 2:
            del out[at : at + rng.randint(1, 64)]
        elif how == 3:
            out[at:at] = rng.randbytes(rng.randint(1, 16))
        else:
            out[at:at] = out[at : at + rng.randint(1, 32)] * rng.randint(2, 50)
    return bytes(out)


# ---------------------------------------------------------------- zip structures


def zip_bytes(members: list[tuple[str, bytes]], compress: bool) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", method) as archive:
        warnings.simplefilter("ignore")  # duplicate names are on purpose
        for name, data in members:  # a fixed time: the same bytes in every run
            archive.writestr(zipfile.ZipInfo(name, _STAMP.timetuple()[:6]), data, method)
    return buffer.getvalue()


_WORD_MEMBERS = ["[Content_Types].xml", "word/document.xml", "_rels/.rels", "docProps/core.xml",
                 "word/_rels/document.xml.rels", "word/styles.xml", "xl/workbook.xml",
                 "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "../../evil.xml"]  # fmt: skip
_XML_BODIES = [
    b"", b"<w:document/>", b"<?xml version='1.0'?><a>", b"<!DOCTYPE a [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><a>&e;</a>",
    b"<!DOCTYPE l [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]><l>&b;</l>",
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>2023\xe5\xb9\xb48\xe6\x9c\x8822\xe6\x97\xa5</w:t></w:r></w:p></w:body></w:document>',
    b"\xff\xfe<\x00a\x00>\x00", b"<a>" * 500,
]  # fmt: skip


def word_like_zip(rng: random.Random) -> bytes:
    """A zip of Word's (and Excel's) member names holding anything."""
    names = rng.sample(_WORD_MEMBERS, rng.randint(0, 5))
    if rng.random() < 0.2 and names:
        names.append(names[0])  # a duplicate name
    members = [(name, rng.choice(_XML_BODIES)) for name in names]
    if rng.random() < 0.1:  # a member that inflates a lot
        members.append(("word/media/zeros.bin", b"\0" * rng.choice([10**5, 10**6, 8 * 10**6])))
    return zip_bytes(members, rng.random() < 0.5)


_ZIP_FIELDS = [  # (signature, offset of a field in that record, struct format)
    (b"PK\x03\x04", 4, "<H"), (b"PK\x03\x04", 6, "<H"), (b"PK\x03\x04", 8, "<H"),
    (b"PK\x03\x04", 18, "<I"), (b"PK\x03\x04", 22, "<I"), (b"PK\x03\x04", 26, "<H"),
    (b"PK\x03\x04", 28, "<H"), (b"PK\x01\x02", 6, "<H"), (b"PK\x01\x02", 8, "<H"),
    (b"PK\x01\x02", 10, "<H"), (b"PK\x01\x02", 20, "<I"), (b"PK\x01\x02", 24, "<I"),
    (b"PK\x01\x02", 28, "<H"), (b"PK\x01\x02", 30, "<H"), (b"PK\x01\x02", 42, "<I"),
    (b"PK\x05\x06", 8, "<H"), (b"PK\x05\x06", 10, "<H"), (b"PK\x05\x06", 12, "<I"),
    (b"PK\x05\x06", 16, "<I"), (b"PK\x05\x06", 20, "<H"),
]  # fmt: skip
_FIELD_VALUES = [0, 1, 2, 8, 9, 12, 14, 20, 45, 63, 99, 0x7FFF, 0xFFFF, 0xFFFFFFFF, 10**6]


def malformed_zip(rng: random.Random, data: bytes) -> bytes:
    """``data`` (a zip) with header fields set to hostile values: flags (encrypted),
    method, version needed, sizes, name lengths, offsets, entry counts."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        signature, offset, fmt = rng.choice(_ZIP_FIELDS)
        places = []
        start = out.find(signature)
        while start != -1 and len(places) < 8:
            places.append(start)
            start = out.find(signature, start + 1)
        if not places:
            continue
        at = rng.choice(places) + offset
        size = struct.calcsize(fmt)
        if at + size <= len(out):
            value = rng.choice(_FIELD_VALUES) & (0xFFFF if fmt == "<H" else 0xFFFFFFFF)
            out[at : at + size] = struct.pack(fmt, value)
    return bytes(out)


# ---------------------------------------------------------------- PDF structures


def pdf_bytes(rng: random.Random) -> bytes:
    """A PDF written out object by object, its structure wrong in one or more places."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(0, 4))]
    shown = b" ".join(b"(" + w.encode("latin-1", "replace") + b") Tj" for w in words)
    content = b"BT /F1 12 Tf 72 712 Td " + shown + b" ET"
    if rng.random() < 0.5:
        packed = zlib.compress(content)
        if rng.random() < 0.2:
            packed = packed[: rng.randint(0, len(packed))]
        stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed
    else:
        length = rng.choice([len(content), 0, 10**12, -1, len(content) + 7])
        filters = rng.choice([b"", b" /Filter /LZWDecode", b" /Filter [/ASCIIHexDecode /FlateDecode]",
                              b" /Filter /DCTDecode", b" /Filter /Nonsense", b" /DecodeParms << /Predictor 12 /Columns 0 >>"])  # fmt: skip
        stream = b"<< /Length %d%s >>\nstream\n" % (length, filters) + content
    stream += b"\nendstream"
    pages = rng.choice(
        [b"[3 0 R]", b"[3 0 R 3 0 R]", b"[2 0 R]", b"[]", b"3 0 R", b"[7 0 R]", b"[1 0 R]"]
    )
    count = rng.choice([b"1", b"0", b"-1", b"999999999", b"/X", b"1.5"])
    depth = rng.choice([1, 10, 200, 5000])
    nested = b"[" * depth + b"1" + b"]" * (depth if rng.random() < 0.7 else 0)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids " + pages + b" /Count " + count + b" >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox "
        + rng.choice([b"[0 0 612 792]", b"[0 0 0 0]", b"[]", b"null"])
        + b" /Contents "
        + rng.choice([b"4 0 R", b"[4 0 R 4 0 R]", b"9 0 R", b"3 0 R"])
        + b" /Resources << /Font << /F1 5 0 R >> >> >>",
        stream,
        rng.choice(
            [
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                b"<< /Type /Font /Subtype /Type0 /Encoding /Identity-H /ToUnicode 4 0 R >>",
                b"<< /Type /Font /Subtype /Type3 /CharProcs 5 0 R >>",
            ]
        ),  # fmt: skip
        b"<< /Title (" + rng.choice(WORDS).encode("utf-16", "replace") + b")"
        b" /CreationDate (D:"
        + rng.choice([b"20230822", b"99999999", b"", b"x", b"2023'"])
        + b") >>",
        b"<< /Type /Page /Parent 7 0 R /Kids [7 0 R] /X " + nested + b" >>",
    ]
    if rng.random() < 0.1:
        objects[0] = b"<< /Type /Catalog /Pages 2 0 R /Encrypt << /Filter /Standard /V 9 /R 9 >> >>"
    out = bytearray(
        b"%PDF-" + rng.choice([b"1.4", b"1.7", b"2.0", b"9.9", b""]) + b"\n%\xe2\xe3\xcf\xd3\n"
    )
    offsets = []
    shift = rng.choice([0, 0, 0, 1, -5, 1000, 10**9])
    for number_, body in enumerate(objects, start=1):
        offsets.append(len(out) + shift)
        out += b"%d 0 obj\n" % number_ + body + b"\nendobj\n"
    start = len(out)
    if rng.random() < 0.8:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for offset in offsets:
            out += b"%010d 00000 n \n" % max(offset, 0)
    root = rng.choice(
        [b"1 0 R", b"1 0 R /Info 6 0 R", b"6 0 R", b"9 0 R", b"null", b"1 0 R /Prev 0"]
    )
    out += b"trailer\n<< /Size %d /Root %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + rng.choice([1, 0, 100]),
        root,
        start + shift,
    )
    return bytes(out)


# ---------------------------------------------------------------- pools of well-formed files


def _unstamped(data: bytes) -> bytes:
    """``data`` (a zip) rewritten with one fixed time on every member, so that a
    pool built from one seed is the same bytes in every process and every run."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_STAMP.timetuple()[:6])
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            body = source.read(info)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" when saving
                body = _CORE_TIMES.sub(rb"\g<1>2023-08-22T09:30:00Z", body)
            target.writestr(fixed, body)
    return out.getvalue()


def docx_pool(seed: int, size: int = 24) -> list[bytes]:
    """``size`` real .docx files (python-docx), paragraphs from the word tables."""
    import docx

    rng = random.Random(seed)
    pool = []
    for _ in range(size):
        document = docx.Document()
        for _ in range(rng.randint(0, 6)):
            text = rng.choice(PROSE) + rng.choice(DATES) + rng.choice(WORDS[:7])
            document.add_paragraph("".join(ch for ch in text if ch.isprintable()))
        if rng.random() < 0.3:
            table = document.add_table(rows=2, cols=2)
            table.cell(0, 0).text = rng.choice(DATES)
        document.core_properties.created = document.core_properties.modified = _STAMP
        buffer = io.BytesIO()
        document.save(buffer)
        pool.append(_unstamped(buffer.getvalue()))
    return pool


def review_rows(rng: random.Random) -> list[list[str]]:
    choices = [*SHEET_COLUMNS, *SHEET_HEADERS.values(), "", "x"]
    columns = [rng.choice(choices) for _ in range(rng.randint(1, 6))]
    cells = ["confirmed", "拒绝", "ok", "", "2023-08-22", "2023年8月22日", "8月", "2023-02-30", "e1",
             "'=1+1", "a\rb", "\r", "确认", "rejected", "corrected", "2023-13-01"]  # fmt: skip
    rows = [columns]
    for _ in range(rng.randint(0, 6)):
        rows.append(
            [
                rng.choice(cells) if rng.random() < 0.7 else random_chars(rng, 10)
                for _ in range(rng.randint(0, len(columns) + 1))
            ]
        )
    return rows


def xlsx_pool(seed: int, size: int = 24) -> list[bytes]:
    """``size`` real workbooks (openpyxl) of review rows, one or two sheets."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    pool = []
    for _ in range(size):
        workbook = Workbook()
        for number_ in range(rng.randint(1, 2)):
            sheet = workbook.active if number_ == 0 else workbook.create_sheet(f"s{number_}")
            for row in review_rows(rng):
                sheet.append(["".join(ch for ch in cell if ch.isprintable()) for cell in row])
        workbook.properties.created = workbook.properties.modified = _STAMP
        buffer = io.BytesIO()
        workbook.save(buffer)
        pool.append(_unstamped(buffer.getvalue()))
    return pool


# ---------------------------------------------------------------- documents and sheets


def html_page(rng: random.Random) -> bytes:
    body = "".join(
        rng.choice(WORDS) if rng.random() < 0.6 else random_chars(rng, 12)
        for _ in range(rng.randint(0, 12))
    )
    charset = rng.choice(["", "utf-8", "gbk", "big5", "utf-16", "x-unknown", "utf-7"])
    meta = f'<meta charset="{charset}">' if charset else ""
    title = rng.choice(["", "<title>", "<title>协会动态</title>"])
    extra = rng.choice(
        [
            "",
            "<script>",
            "<style>p{}</style>",
            "<!--",
            "<table><tr><td>" * 50,
            "<![CDATA[",
            "&#xFFFFFFFF;",
        ]
    )
    page = f"<html><head>{meta}{title}</head><body>{extra}<p>{body}</p></body></html>"
    if rng.random() < 0.5:
        page = page[: rng.randint(0, len(page))]
    return page.encode(rng.choice(ENCODINGS), errors="replace")


def document_input(rng: random.Random, docx_bases: list[bytes]) -> tuple[str, bytes]:
    """(suffix, bytes) for ``load_document``: every format, whole or damaged."""
    how = rng.randrange(12)
    if how == 0:
        data = rng.randbytes(rng.randint(0, 256))
    elif how == 1:
        data = any_text(rng).encode(rng.choice(ENCODINGS), errors="replace")
    elif how in (2, 3):
        data = damage(rng, html_page(rng))
    elif how in (4, 5):
        data = damage(rng, rng.choice(docx_bases))
    elif how == 6:
        data = malformed_zip(rng, rng.choice(docx_bases))
    elif how == 7:
        data = damage(rng, word_like_zip(rng))
    elif how == 8:
        data = malformed_zip(rng, word_like_zip(rng))
    else:
        data = damage(rng, pdf_bytes(rng))
    suffix = rng.choice(DOCUMENT_SUFFIXES)
    if rng.random() < 0.6:  # mostly under the suffix of what the bytes are
        suffix = {0: suffix, 1: ".txt", 2: ".html", 3: ".htm"}.get(
            how, ".docx" if how < 9 else ".pdf"
        )
    return suffix, data


def csv_sheet(rng: random.Random) -> bytes:
    buffer = io.StringIO(newline="")
    delimiter = rng.choice([",", "\t", ";"])
    csv.writer(buffer, delimiter=delimiter).writerows(review_rows(rng))
    encoding = rng.choice(ENCODINGS)
    data = buffer.getvalue().encode(encoding, errors="replace")
    if encoding.startswith("utf-16-") and rng.random() < 0.5:
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    return data


def review_input(rng: random.Random, xlsx_bases: list[bytes]) -> tuple[str, bytes]:
    """(suffix, bytes) for ``load_reviews``: CSV in any encoding, workbooks, damaged."""
    how = rng.randrange(8)
    if how < 4:
        return ".csv", damage(rng, csv_sheet(rng), most=2)
    if how < 6:
        return rng.choice([".xlsx", ".xlsm"]), damage(rng, rng.choice(xlsx_bases))
    if how == 6:
        return ".xlsx", malformed_zip(rng, rng.choice(xlsx_bases))
    return rng.choice([".csv", ".xlsx"]), rng.randbytes(rng.randint(0, 256))


def generated_documents(rng: random.Random) -> list[pipeline_tables.GeneratedDocument]:
    """One to three documents for the pipeline property (as ``test_fuzz_pipeline.documents``)."""

    def sentence() -> str:
        if rng.random() < 0.4:
            return f"{rng.choice(DATES)}，{rng.choice(PROSE)}。"
        parts = []
        for _ in range(rng.randint(1, 12)):
            how = rng.randrange(6)
            if how == 0:
                parts.append(rng.choice(PROSE))
            elif how == 1:
                parts.append(rng.choice(DATES) if rng.random() < 0.5 else date_phrase(rng))
            elif how == 2:
                parts.append(rng.choice(SEPARATORS))
            elif how == 3:
                parts.append(rng.choice(HOSTILE))
            elif how == 4:
                parts.append(random_chars(rng, 6).replace("\x00", ""))
            else:
                parts.append(str(rng.randint(0, 99999)))
        return "".join(parts)

    def line() -> str:
        how = rng.randrange(4)
        if how < 2:
            return sentence()
        return rng.choice(BOILERPLATE if how == 2 else HOSTILE)

    out = []
    for _ in range(rng.randint(1, 3)):
        published = None
        if rng.random() < 0.5:
            published = date(1950, 1, 1) + timedelta(days=rng.randrange(51500))
        out.append(
            pipeline_tables.GeneratedDocument(
                lines=[line() for _ in range(rng.randint(1, 10))],
                format=rng.choice(["txt", "md", "html"]),
                encoding=rng.choice(pipeline_tables.ENCODINGS),
                cut=rng.random() < 0.5,
                title=None if rng.random() < 0.5 else rng.choice(PROSE + HOSTILE),
                published=published,
            )
        )
    return out
