"""The event table: documents in, one row per dated event out.

:func:`build_table` reads each document on its own (so a run can be split across
machines), resolves its dates with :mod:`normalizers`, drops what stands in site
boilerplate, and turns every remaining ``event`` mention into a row. Periods
(十四五, a plan's years) are kept apart in :attr:`TableResult.periods`.

Schema of the table (one row per event; all text columns are ``str``):

============== ======================================================================
column         meaning
============== ======================================================================
event_id       stable id: the same event keeps it when other documents are added,
               removed or reordered, and across runs (a hash of the document's name,
               the sentence and the date as written, never of the resolved value)
association    the association the event belongs to (manifest, else detected)
start, end     inclusive first and last day (``datetime.date``)
granularity    day, week, part, month, quarter, season, half, year
title          short: the heading of the enumerated item, else the event's clause
description    the full sentence the date stands in
date_text      the date as written
doc            the document's file name
doc_title      the document's title
published      the document's publication date (``datetime.date`` or None)
source_url     the document's address, when known
span_start     offset of ``date_text`` in the document's text
span_end       ``text[span_start:span_end] == date_text``
anchor         how the date was resolved (explicit, dct, narrative, previous-mention …)
organisations  other organisations named in the sentence, joined with "；"
status         review status: "" (not reviewed), "confirmed" or "corrected"
============== ======================================================================
"""

from __future__ import annotations

import bisect
import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from normalizers import DateMention, DocumentContext, normalize
from timeline.associations import detect_association, find_organisations
from timeline.boilerplate import boilerplate_spans
from timeline.dates import collect_manifest
from timeline.documents import (
    DEFAULT_MAX_BYTES,
    DOCUMENT_SUFFIXES,
    Document,
    DocumentError,
    expand_paths,
    load_document,
    resolved,
)
from timeline.engine import Engine, process_documents
from timeline.events import event_title, sentence_bounds
from timeline.manifest import DocumentMetadata, ManifestError  # noqa: F401 (re-exported)
from timeline.reviews import Review, ReviewReport, apply_reviews, load_reviews

COLUMNS = (
    "event_id",
    "association",
    "start",
    "end",
    "granularity",
    "title",
    "description",
    "date_text",
    "doc",
    "doc_title",
    "published",
    "source_url",
    "span_start",
    "span_end",
    "anchor",
    "organisations",
    "status",
)
PERIOD_COLUMNS = (
    "doc",
    "association",
    "start",
    "end",
    "date_text",
    "description",
    "span_start",
    "span_end",
)
ORGANISATION_SEPARATOR = "；"
UNKNOWN_ASSOCIATION = "（未识别协会）"

Manifest = dict[Path, DocumentMetadata]


@dataclass(frozen=True)
class DocumentEvents:
    """One document's events and periods, or the error that stopped it."""

    path: Path
    rows: list[dict] = field(default_factory=list)
    periods: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    repairs: list[str] = field(default_factory=list)  # see Document.repairs


@dataclass
class TableResult:
    """What :func:`build_events` made of a set of documents.

    Three kinds of trouble, each a list of ``(path, message)`` with the message
    naming the file: ``errors``, documents that could not be read at all (their
    events are missing); ``problems``, input that is not a document but counts
    (a bad manifest row, whose metadata is missing; a folder argument without
    documents); ``repairs``, documents read by giving something up (a
    character cut off at the end, a page too deep for the HTML parser, a Word
    file named .txt), whose events are in the table. Each of them, like a review that cannot be applied, fails the run
    (:attr:`failed`); only the first two make the table :attr:`incomplete`.
    """

    table: pd.DataFrame
    periods: pd.DataFrame
    extracted: pd.DataFrame | None = None  # the table before reviews were applied
    errors: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)
    reviews: ReviewReport = field(default_factory=ReviewReport)
    documents: int = 0
    problems: list[tuple[Path, str]] = field(default_factory=list)
    repairs: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def incomplete(self) -> bool:
        """Events or their metadata are missing: a document or a manifest row failed."""
        return bool(self.errors) or bool(self.problems)

    @property
    def failed(self) -> bool:
        return self.incomplete or bool(self.repairs) or bool(self.reviews.messages)


def event_id(doc: str, sentence: str, date_text: str, occurrence: int) -> str:
    """A stable id from what the text says, not from what the resolver made of it.

    >>> event_id("a.txt", "8月22日，军团开展活动。", "8月22日", 1)
    'ev-...'
    """
    key = "\x1f".join((doc, re.sub(r"\s+", " ", sentence).strip(), date_text, str(occurrence)))
    return "ev-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _inside(span: tuple[int, int], zones: list[tuple[int, int]] | _Zones) -> bool:
    if isinstance(zones, _Zones):
        return zones.contain(span)
    return any(start <= span[0] and span[1] <= end for start, end in zones)


class _Zones:
    """Boilerplate zones, asked "is this span inside one?" in logarithmic time.

    A long capture has thousands of zones and thousands of dates: asking every
    zone for every date would take their product.
    """

    def __init__(self, zones: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(zones)
        self.starts = [start for start, _ in ordered]
        self.reach: list[int] = []  # the furthest end of the zones so far
        for _, end in ordered:
            self.reach.append(max(end, self.reach[-1]) if self.reach else end)

    def contain(self, span: tuple[int, int]) -> bool:
        index = bisect.bisect_right(self.starts, span[0])
        return index > 0 and self.reach[index - 1] >= span[1]


#: How far from its date a sentence is looked for, when its line is longer than
#: :data:`LINE_REACH` either way. Sentences end at line breaks, so an ordinary
#: document is read exactly as it is; a "sentence" running on for pages (a table
#: flattened into one line, a hostile file) is cut, or each of its dates would
#: read all of it and a document would take the square of its length.
SENTENCE_REACH = 200
#: A line is taken whole, for its sentence and the heading of its enumerated
#: item (``（三）参与植树护绿。…``), when it ends within this many characters.
LINE_REACH = 2000


def _surroundings(text: str, span: tuple[int, int]) -> tuple[str, int]:
    r"""The part of ``text`` where the sentence and title of ``span`` are looked for.

    Returns the part and its offset in ``text``: the mention's whole line when
    it reaches no further than :data:`LINE_REACH` either side, else
    :data:`SENTENCE_REACH` characters on that side.

    >>> _surroundings("第一行。\n8月22日，协会召开年会。\n第三行。", (5, 10))
    ('8月22日，协会召开年会。', 5)
    """
    start, end = span
    low = max(0, start - LINE_REACH)
    found = text.rfind("\n", low, start)
    first = found + 1 if found >= 0 else (0 if low == 0 else start - SENTENCE_REACH)
    high = min(len(text), end + LINE_REACH)
    found = text.find("\n", end, high)
    last = found if found >= 0 else (len(text) if high == len(text) else end + SENTENCE_REACH)
    return text[first:last], first


def _context(document: Document, metadata: DocumentMetadata | None) -> DocumentContext:
    published = metadata.published if metadata and metadata.published else document.published
    return DocumentContext(published=published)


def document_events(
    path: str | Path,
    metadata: DocumentMetadata | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> DocumentEvents:
    """Read one document and turn its dated sentences into rows; errors are returned.

    ``max_bytes`` is the size limit per document (None: no limit).
    """
    path = Path(path)
    try:
        document = load_document(path, max_bytes)
    except DocumentError as error:
        return DocumentEvents(path=path, error=str(error))
    try:
        outcome = _rows_of(document, metadata)
    except Exception as error:  # a bug on one document must not stop the others
        return DocumentEvents(
            path=path, error=f"{path.name}: processing failed: {type(error).__name__}: {error}"
        )
    outcome.repairs.extend(f"{document.name}: {repair}" for repair in document.repairs)
    return outcome


def _rows_of(document: Document, metadata: DocumentMetadata | None) -> DocumentEvents:
    text = document.text
    resolution = normalize(text, _context(document, metadata))
    zones = boilerplate_spans(text)
    title = (
        metadata.title if metadata and metadata.title else _document_title(document, zones)
    ) or ""
    association = (
        metadata.association if metadata and metadata.association else None
    ) or detect_association(text, title or None, zones)
    association = association or UNKNOWN_ASSOCIATION
    url = (metadata.url if metadata and metadata.url else document.url) or ""
    warnings = [
        f"{document.name}: offset {w.span[0]}: {w.text}: {w.message}" for w in resolution.warnings
    ]
    if url and not _http_address(url):
        warnings.append(f"{document.name}: its address {url!r} is not an http(s) address; left out")
        url = ""
    rows: list[dict] = []
    periods: list[dict] = []
    seen: dict[tuple[str, str], int] = {}
    zones = _Zones(zones)
    for mention in resolution.mentions:
        if _inside(mention.span, zones):
            continue
        near, offset = _surroundings(text, mention.span)
        local = (mention.span[0] - offset, mention.span[1] - offset)
        first, last = sentence_bounds(near, local)
        sentence = near[first:last].strip()
        if mention.kind != "event":
            periods.append(_period_row(document, association, mention, sentence))
            continue
        occurrence = seen[(sentence, mention.text)] = seen.get((sentence, mention.text), 0) + 1
        event_name = event_title(near, local)
        if _says_nothing(event_name, mention.text):
            # A dateline (2021-2-9, 发布时间:…) dates the document: name it by its headline.
            event_name = _headline_above(text, mention.span[0], zones) or title or event_name
        others = [name for name in find_organisations(sentence) if name != association]
        rows.append(
            {
                "event_id": event_id(document.name, sentence, mention.text, occurrence),
                "association": _one_line(association),
                "start": mention.start,
                "end": mention.end,
                "granularity": mention.granularity,
                "title": _one_line(event_name),
                "description": _printable(sentence),
                "date_text": mention.text,
                "doc": document.name,
                "doc_title": _one_line(title),
                "published": resolution.published,
                "source_url": url,
                "span_start": mention.span[0],
                "span_end": mention.span[1],
                "anchor": mention.anchor,
                "organisations": _one_line(ORGANISATION_SEPARATOR.join(others)),
                "status": "",
            }
        )
    return DocumentEvents(path=document.path, rows=rows, periods=periods, warnings=warnings)


#: C0 and C1 control characters but tab and line breaks: ESC, BEL and the like
#: would reach a terminal through `timeline chronology`, and mean nothing in text.
_CONTROLS = {
    code: None for code in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if code not in (9, 10, 13)
}
_LINE_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")


def _printable(text: str) -> str:
    r"""Text without control characters (tab and line breaks stay).

    >>> _printable("8月22日，协会召开\x1b[2J年会\x07。")
    '8月22日，协会召开[2J年会。'
    """
    return text.translate(_CONTROLS)


def _one_line(text: str) -> str:
    r""":func:`_printable`, line breaks and tabs made spaces: a title or a name.

    >>> _one_line("年会通知\r\nBEGIN:VEVENT")
    '年会通知 BEGIN:VEVENT'
    """
    return _printable(_LINE_BREAKS.sub(" ", text)).strip()


def _http_address(url: str) -> bool:
    """Whether ``url`` is a plain http(s) address: the only kind a source link may be.

    >>> _http_address("https://www.example.org/a?b=1"), _http_address("javascript:alert(1)")
    (True, False)
    >>> _http_address('https://example.org/"onmouseover=alert(1)')
    False
    """
    if any(ord(c) < 0x21 or ord(c) == 0x7F or c.isspace() or c in '<>"\\{}|^`' for c in url):
        return False  # characters that a URL must percent-encode, and attribute breakers
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


_LABELS = re.compile(
    r"^(?:发布|发表|更新|上传)?(?:时间|日期)|^(?:release|published|date)", re.IGNORECASE
)


def _says_nothing(title: str, date_text: str) -> bool:
    """True for a title that is only the date or a header label (发布时间)."""
    words = re.sub(r"[\s\W_]+", "", title.replace(date_text, ""))
    return len(words) < 2 or bool(_LABELS.match(words)) and len(words) <= 6


def _document_title(document: Document, zones: list[tuple[int, int]]) -> str:
    """A plain-text capture's title: its first headline-like line outside boilerplate.

    Web captures start with the site's navigation; a file's first line is only
    its title when nothing better stands before the article.
    """
    if document.format not in ("txt", "md"):
        return document.title or ""
    position = 0
    for line in document.text.split("\n"):
        start, position = position, position + len(line) + 1
        stripped = line.strip().lstrip("#").strip()
        if not stripped or _inside((start, start + len(line)), zones):
            continue
        if 4 <= len(stripped) <= 60 and not _LABELS.match(stripped):
            return stripped
        break
    return (document.title or "")[:40]


HEADLINE_LINES = 30


def _headline_above(text: str, position: int, zones: list[tuple[int, int]] | _Zones) -> str:
    """The nearest line above ``position`` that reads like a headline (not boilerplate).

    At most :data:`HEADLINE_LINES` lines up: a dateline's headline stands just above it.
    """
    end = text.rfind("\n", 0, position)
    for _ in range(HEADLINE_LINES):
        if end <= 0:
            break
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if len(line) >= 6 and not _inside((start, end), zones):
            return line if len(line) <= 40 else line[:39] + "…"
        end = start - 1
    return ""


def _period_row(document: Document, association: str, mention: DateMention, sentence: str) -> dict:
    return {
        "doc": document.name,
        "association": _one_line(association),
        "start": mention.start,
        "end": mention.end,
        "date_text": mention.text,
        "description": _printable(sentence),
        "span_start": mention.span[0],
        "span_end": mention.span[1],
    }


def require_columns(table: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise ``ValueError`` naming the columns an exporter needs and ``table`` lacks."""
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(f"the event table lacks columns: {', '.join(missing)}")


def empty_table() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in COLUMNS})


def _frame(rows: list[dict], columns: Iterable[str]) -> pd.DataFrame:
    columns = list(columns)
    if not rows:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("span_start", "span_end"):
        if column in frame:
            frame[column] = frame[column].astype("int64")
    return frame


def default_reviews(paths: Iterable[str | Path]) -> Path | None:
    """``reviews.csv`` (or ``.xlsx``) in the first folder argument, when it exists."""
    for argument in paths:
        folder = Path(argument)
        if folder.is_dir():
            for name in ("reviews.csv", "reviews.xlsx"):
                if (folder / name).is_file():
                    return folder / name
            return None
    return None


def build_events(
    paths: Iterable[str | Path],
    manifest: str | Path | Manifest | None = None,
    reviews: str | Path | list[Review] | None = None,
    progress: Callable[[Path], None] | None = None,
    max_document_bytes: int | None = DEFAULT_MAX_BYTES,
    engine: Engine | None = None,
) -> TableResult:
    """Every document under ``paths`` processed on its own, gathered in one table.

    Two stages: the documents are processed on their own by ``engine`` (serial,
    local processes or a Dask cluster, with or without a cache; see
    :mod:`timeline.engine`), then gathered here in their order: duplicates,
    reviews and the table's order need them all.

    ``manifest``: a manifest file, an already loaded manifest, or None for each
    folder's ``documents.csv``; its bad rows are reported in
    :attr:`TableResult.problems` and its good rows used. ``reviews``: a reviews
    file or loaded reviews, applied by ``event_id`` (rejected events leave the
    table, corrected ones take the reviewer's values; reviews of events that no
    longer exist, and rows that cannot be read, are reported).
    ``max_document_bytes``: the size limit per document, larger ones are
    errors (None: no limit). Nothing a document holds stops the others; only a
    manifest or reviews file that cannot be used at all raises
    (:class:`ManifestError`, :class:`timeline.reviews.ReviewError`).
    """
    paths = list(paths)
    result = TableResult(table=empty_table(), periods=_frame([], PERIOD_COLUMNS))
    if isinstance(manifest, dict):
        loaded = manifest
    else:
        problems: list[str] = []
        loaded = collect_manifest(paths, manifest, problems)
        result.problems.extend((_named_file(problem), problem) for problem in problems)
    review_problems = ReviewReport()
    if reviews is not None and not isinstance(reviews, list):
        reviews = load_reviews(reviews, review_problems)
    files = expand_paths(paths)
    result.documents = len(files)
    for argument in paths:
        folder = Path(argument)
        if folder.is_dir() and not expand_paths([folder]):
            result.problems.append(
                (folder, f"{folder}: no documents in this folder ({', '.join(DOCUMENT_SUFFIXES)})")
            )
    rows: list[dict] = []
    periods: list[dict] = []
    tasks = [(path, loaded.get(resolved(path))) for path in files]
    outcomes = process_documents(tasks, max_document_bytes, engine, progress)
    for path, outcome in zip(files, outcomes, strict=True):
        if outcome.error is not None:
            result.errors.append((path, outcome.error))
            continue
        rows.extend(outcome.rows)
        periods.extend(outcome.periods)
        result.warnings.extend((path, warning) for warning in outcome.warnings)
        result.repairs.extend((path, repair) for repair in outcome.repairs)
    table = _frame(rows, COLUMNS)
    duplicated = table["event_id"].duplicated(keep="first")
    for _, row in table[duplicated].iterrows():
        result.warnings.append(
            (Path(row["doc"]), f"{row['doc']}: the same event appears twice: {row['date_text']}")
        )
    table = table[~duplicated]
    result.extracted = table
    if reviews is not None:
        table, result.reviews = apply_reviews(table, reviews)
        result.reviews.problems[:0] = review_problems.problems
    result.table = table.sort_values(
        ["association", "start", "end", "doc", "span_start"], kind="stable"
    ).reset_index(drop=True)
    result.periods = _frame(periods, PERIOD_COLUMNS)
    return result


def _named_file(message: str) -> Path:
    """The file a ``"path, line N: ..."`` message names."""
    return Path(message.split(", line ", 1)[0])


def build_table(
    paths: Iterable[str | Path],
    manifest: str | Path | Manifest | None = None,
    reviews: str | Path | list[Review] | None = None,
) -> pd.DataFrame:
    """The event table of the documents under ``paths`` (see the module's schema).

    Documents that could not be read are listed in ``table.attrs["errors"]`` as
    ``(path, message)`` pairs; :func:`build_events` returns them with the warnings
    and the review report.
    """
    result = build_events(paths, manifest, reviews)
    result.table.attrs["errors"] = [(str(path), message) for path, message in result.errors]
    return result.table


# --- writing ----------------------------------------------------------------------


WRITERS = (".csv", ".parquet", ".json", ".xlsx")


def _for_text(table: pd.DataFrame) -> pd.DataFrame:
    """Dates as ISO strings, for formats without a date type."""
    out = table.copy()
    for column in ("start", "end", "published"):
        if column in out:
            out[column] = out[column].map(
                lambda value: value.isoformat() if isinstance(value, date) else ""
            )
    return out


def table_bytes(table: pd.DataFrame, suffix: str) -> bytes:
    """The table as the bytes of a .csv, .parquet, .json or .xlsx file."""
    suffix = suffix.lower()
    if suffix not in WRITERS:
        raise ValueError(
            f"unknown table format {suffix or '(none)'}; use one of {', '.join(WRITERS)}"
        )
    if suffix == ".csv":
        return _for_text(table).to_csv(index=False).encode("utf-8")
    if suffix == ".json":
        text = _for_text(table).to_json(orient="records", force_ascii=False, indent=1)
        return text.encode("utf-8")
    buffer = io.BytesIO()
    if suffix == ".xlsx":
        _for_text(table).to_excel(buffer, index=False, sheet_name="events")
        return no_formulas(buffer.getvalue())
    else:
        frame = table.copy()
        for column in ("start", "end", "published"):
            frame[column] = pd.to_datetime(frame[column]).dt.date
        frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def no_formulas(workbook_bytes: bytes) -> bytes:
    """The workbook with every cell that became a formula turned back into text.

    openpyxl stores a string starting with ``=`` as a formula: a sentence such
    as ``=HYPERLINK("http://…","点击")`` from a document would become a live
    link, or worse, in the reviewer's spreadsheet. Text stays text.
    """
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(workbook_bytes))
    formulas = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    if not formulas:
        return workbook_bytes
    for cell in formulas:
        cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the table in the format its suffix names: .csv, .parquet, .json or .xlsx.

    The file is written atomically: a reader, or a failed run, never leaves half
    a table behind, and an existing table stays as it was until the new one is
    complete.
    """
    from exports.files import write_atomic

    path = Path(path)
    try:
        data = table_bytes(table, path.suffix)
    except ValueError as error:
        raise ValueError(f"{path.name}: {error}") from None
    return write_atomic(path, data)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table` back, with real dates."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif suffix == ".json":
        frame = pd.read_json(path, orient="records", dtype=False)
    elif suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    elif suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        raise ValueError(f"{path.name}: unknown table format {suffix or '(none)'}")
    for column in ("start", "end", "published"):
        frame[column] = frame[column].map(_to_date)
    for column in ("span_start", "span_end"):
        frame[column] = frame[column].astype("int64")
    return frame.fillna("")


def _to_date(value) -> date | None:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, date):
        return value if type(value) is date else value.date()
    return date.fromisoformat(str(value)[:10])


__all__ = [
    "COLUMNS",
    "ManifestError",
    "TableResult",
    "build_events",
    "build_table",
    "document_events",
    "event_id",
    "read_table",
    "table_bytes",
    "write_table",
]
