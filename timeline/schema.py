"""The event table's contract: its columns, their vocabularies, and the one decoder.

Every module that writes the table (:mod:`timeline.table`) or reads it
(:mod:`exports.ics`, :mod:`exports.html`, :mod:`exports.chronology`, the review
sheets) goes through this module: the column names, what their values mean and
how each cell is decoded from a DataFrame, a CSV, JSON, XLSX or Parquet file are
said here once. It imports nothing from the project, so that ``exports`` can read
the table without depending on how ``timeline`` builds it.

Schema (one row per event; all text columns are ``str``):

============== ======================================================================
column         meaning
============== ======================================================================
event_id       stable id: the same event keeps it when other documents are added,
               removed or reordered, and across runs (a hash of the document's name,
               the sentence and the date as written, never of the resolved value)
association    the association the event belongs to (manifest, else detected)
start, end     inclusive first and last day (``datetime.date``)
granularity    day, week, part, month, quarter, season, half, year (:data:`PRECISION`)
title          short: the heading of the enumerated item, else the event's clause
description    the full sentence the date stands in
date_text      the date as written
doc            the document's file name
doc_title      the document's title
published      the document's publication date (``datetime.date`` or None)
source_url     the document's address, when known (http or https only)
span_start     offset of ``date_text`` in the document's text
span_end       ``text[span_start:span_end] == date_text``
anchor         how the date was resolved (:data:`ANCHOR`)
organisations  other organisations named in the sentence, joined with "；"
status         review status: "" (not reviewed), "confirmed" or "corrected"
role           event, published (the document's own date line) or deadline (:data:`ROLE`)
qualifier      how the event relates to its date: "", before, after, since, as-of,
               around, from, deadline (:data:`QUALIFIER`)
time_start     time of day written with the date, ``HH:MM`` local (Asia/Shanghai), or ""
time_end       its end, ``HH:MM``, or ""
sources        every document reporting this event: a JSON array of objects with
               ``doc``, ``title``, ``url``, ``sentence`` and ``ids`` (the ids the
               source's own mentions have on their own; a review made against any
               of them applies to this event), the row's own document first
============== ======================================================================
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from timeline.cells import frame_csv, neutralise_frame, restore

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
    "role",
    "qualifier",
    "time_start",
    "time_end",
    "sources",
)
DATE_COLUMNS = ("start", "end", "published")
INTEGER_COLUMNS = ("span_start", "span_end")
#: Columns a table written before they existed may lack; they read as their default.
OPTIONAL_COLUMNS = {
    "role": "event",
    "qualifier": "",
    "time_start": "",
    "time_end": "",
    "sources": "",
}
ORGANISATION_SEPARATOR = "；"

# --- vocabularies -------------------------------------------------------------------

#: Precision (the ``granularity`` column) → how the page and the feeds name it.
PRECISION = {
    "day": "日",
    "week": "周",
    "part": "旬",  # 上旬/中旬/下旬; 年初/年底 are told apart by :func:`precision_label`
    "month": "月",
    "quarter": "季度",
    "season": "季节",
    "half": "半年",
    "year": "年",
    "decade": "年代",
}
#: Precisions too coarse for a calendar: left out of the feeds unless asked for.
YEAR_LEVEL = frozenset({"year", "decade"})
#: How the date was resolved (the ``anchor`` column), for a reader.
ANCHOR = {
    "explicit": "原文写明",
    "dct": "据文件发布日期推断",
    "narrative": "据上下文日期推断",
    "previous-mention": "据前文提到的日期推断",
    "as-of": "据“截至”日期推断",
    "range-start": "据区间起点推断",
}
#: What the row is (the ``role`` column).
ROLE = {
    "event": "活动",  # something happened or will happen then
    "published": "发布日期",  # the document's own date line: never a calendar event
    "deadline": "截止日期",  # something must be done by then
}
#: Review status → label. Rejected events leave the table.
STATUS = {"confirmed": "已人工确认", "corrected": "已人工更正"}
#: Qualifier → the date as the text qualifies it (``{}`` is the date): 春节前, 截至9月.
QUALIFIER = {
    "": "{}",
    "before": "{}前",
    "after": "{}后",
    "since": "{}以来",
    "as-of": "截至{}",
    "around": "{}前后",
    "from": "{}起",
    "deadline": "{}前",
}
#: Qualifiers that leave the event's own day open: out of the feeds unless asked for.
OPEN_QUALIFIERS = frozenset({"before", "after", "since", "as-of", "around"})


def precision_label(granularity: str, start: date, end: date) -> str:
    """The precision's name; a ``part`` longer than a month is 年初/年底, not a 旬."""
    if granularity == "part" and (end - start).days > 31:
        return "年初/年底"
    return PRECISION.get(granularity, granularity)


def qualified(qualifier: str, written: str) -> str:
    """``written`` (a date as text) with its qualifier: ``qualified("before", "春节")`` → 春节前."""
    return QUALIFIER.get(qualifier, "{}").format(written)


# --- cells ------------------------------------------------------------------------------


def is_missing(value: object) -> bool:
    """None, NaN, NaT or an empty string: a cell with nothing in it."""
    if value is None or value is pd.NaT or value == "":
        return True
    return isinstance(value, float) and math.isnan(value)


def as_date(value: object) -> date | None:
    """A cell as a ``date``: a date, a datetime or Timestamp, an ISO string; else None.

    >>> as_date("2023-08-22"), as_date(""), as_date(float("nan")), as_date("8月")
    (datetime.date(2023, 8, 22), None, None, None)
    """
    if is_missing(value):
        return None
    if isinstance(value, datetime):  # pandas.Timestamp is one too
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def as_time(value: object) -> time | None:
    """A cell as a time of day (``HH:MM``); None when empty or not a time."""
    if is_missing(value):
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    try:
        return time.fromisoformat(str(value).strip()[:5])
    except ValueError:
        return None


def time_text(value: time | None) -> str:
    """A time as the table writes it (``09:30``), or ""."""
    return value.strftime("%H:%M") if value is not None else ""


def as_text(value: object) -> str:
    """A cell as text ("" for an empty cell)."""
    return "" if is_missing(value) else str(value)


#: Everything ``str.splitlines()`` breaks on, and tabs: a one-line value has none.
LINE_BREAKS = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BREAKS = re.compile(f"[{LINE_BREAKS}]+")
#: C0 and C1 control characters but tabs and line breaks, and the bidirectional
#: controls that would let a viewer reorder the text around them.
_CONTROLS = {
    code: None
    for code in (
        *range(0x20),
        0x7F,
        *range(0x80, 0xA0),
        0x061C,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    )
    if chr(code) not in LINE_BREAKS
}
#: The same characters as one pattern: most text has none, and a search is far
#: cheaper than ``str.translate`` over every character of a long Chinese text.
_ANY_CONTROL = re.compile("[" + "".join(re.escape(chr(code)) for code in _CONTROLS) + "]")


#: A surrogate code point: only those change when text is encoded and decoded.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Whitespace one_line would change: at either end, doubled, or other than a space
#: (``\s`` is the whitespace ``str.split`` splits on).
_UNTIDY = re.compile(r"^\s|\s$|\s\s|[^\S ]")


def printable(text: object) -> str:
    r"""Text without control characters (tabs and line breaks stay), lone surrogates made �.

    >>> printable("8月22日，协会召开\x1b[2J年会\x07。")
    '8月22日，协会召开[2J年会。'
    """
    text = as_text(text)
    if not text.isascii() and _SURROGATE.search(text):  # each lone surrogate becomes �
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text.translate(_CONTROLS) if _ANY_CONTROL.search(text) else text


def one_line(text: object) -> str:
    r""":func:`printable`, line breaks and tabs made single spaces: a title or a name.

    >>> one_line("年会通知\r\nBEGIN:VEVENT")
    '年会通知 BEGIN:VEVENT'
    """
    text = printable(text)
    # Every line break and tab is whitespace to split(): tidy text is left as it is.
    return " ".join(text.split()) if _UNTIDY.search(text) else text


def http_url(value: object) -> str | None:
    """The address when it is a plain http(s) URL, else None: the only kind of link.

    >>> http_url("https://www.example.org/a?b=1"), http_url("javascript:alert(1)")
    ('https://www.example.org/a?b=1', None)
    >>> http_url('https://example.org/"onmouseover=alert(1)') is None
    True
    """
    url = as_text(value).strip()
    if not url or any(
        ord(c) < 0x21 or ord(c) == 0x7F or c.isspace() or c in '<>"\\{}|^`' for c in url
    ):
        return None  # characters a URL must percent-encode, and attribute breakers
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() in ("http", "https") and parts.hostname:
            return url
    except ValueError:
        pass
    return None


# --- the value type ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One document that reports an event."""

    doc: str
    title: str = ""
    url: str = ""
    sentence: str = ""
    ids: tuple[str, ...] = ()  # the ids its mentions had on their own: aliases for reviews


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the table, decoded: what the exporters read.

    Build it with :func:`decode` (or :func:`events` for a whole table); a cell
    that cannot be decoded gives the column's empty value, and a row without
    dates gives no event at all.
    """

    event_id: str
    association: str
    start: date
    end: date
    granularity: str
    title: str
    description: str
    date_text: str
    doc: str
    doc_title: str = ""
    published: date | None = None
    source_url: str | None = None
    span_start: int = 0
    span_end: int = 0
    anchor: str = ""
    organisations: str = ""
    status: str = ""
    role: str = "event"
    qualifier: str = ""
    time_start: time | None = None
    time_end: time | None = None
    sources: tuple[Source, ...] = ()

    @property
    def timed(self) -> bool:
        """A single day with a time of day: a calendar can remind of it."""
        return self.time_start is not None and self.start == self.end

    @property
    def open_ended(self) -> bool:
        """The text places the event only relative to its date (春节前, 截至9月)."""
        return self.qualifier in OPEN_QUALIFIERS

    @property
    def written_date(self) -> str:
        """The date as written, with its qualifier: 春节前."""
        return qualified(self.qualifier, self.date_text)

    @property
    def all_sources(self) -> tuple[Source, ...]:
        """Every source; a table without a ``sources`` column has its own document."""
        if self.sources:
            return self.sources
        return (Source(self.doc, self.doc_title, self.source_url or "", self.description),)


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def decode_sources(value: object, *, sentences: bool = True) -> tuple[Source, ...]:
    """The ``sources`` cell (a JSON array) as :class:`Source` values; () when unreadable.

    ``sentences`` False: each source's document, title and link only (its
    ``sentence`` and ``ids`` left empty), all a feed's VEVENT reads of them: a
    merged row of a large corpus lists dozens of sources, each sentence cleaned
    for nothing.
    """
    if isinstance(value, (list, tuple)):
        items = value
    else:
        try:
            items = json.loads(as_text(value) or "[]")
        except ValueError:
            return ()
    out: list[Source | None] = []  # None: the next of the records, once cleaned
    records: list[dict] = []
    for item in items if isinstance(items, list | tuple) else ():
        if isinstance(item, Source):
            out.append(item)
        elif isinstance(item, dict) and as_text(item.get("doc")):
            out.append(None)
            records.append(item)
    docs = _one_lines([record.get("doc") for record in records])
    titles = _one_lines([record.get("title") for record in records])
    # most sources have no link: an empty one is no link without asking http_url
    links = [http_url(link) or "" if (link := r.get("url")) else "" for r in records]
    if sentences:
        said = [text.strip() for text in _printables([r.get("sentence") for r in records])]
        ids = [tuple(one_line(i) for i in r.get("ids") or () if as_text(i)) for r in records]
        made = list(map(Source, docs, titles, links, said, ids))
    else:
        made = list(map(Source, docs, titles, links))
    if len(made) == len(out):
        return tuple(made)
    cleaned = iter(made)
    return tuple(next(cleaned) if item is None else item for item in out)


def _one_lines(values: list) -> list:
    """``[one_line(v) for v in values]``, at once when nothing in them needs cleaning.

    Texts joined by single spaces show whatever :func:`one_line` would change in
    any one of them (a control character, a lone surrogate, a break or tab,
    doubled whitespace, whitespace at either end, which meets the space beside
    it): when the joined text has none, every text is its own cleaned form.
    """
    if len(values) > 2 and all(type(value) is str for value in values):
        joined = " ".join(value for value in values if value)  # an empty text is clean
        if not _UNTIDY.search(joined) and printable(joined) == joined:
            return values
    return [one_line(value) for value in values]


def _printables(values: list) -> list:
    """``[printable(v) for v in values]``, at once when none holds what it removes."""
    if len(values) > 2 and all(type(value) is str for value in values):
        joined = "".join(values)
        if printable(joined) == joined:
            return values
    return [printable(value) for value in values]


#: The keys of a source's JSON object in the ``sources`` cell, in the order they are written.
SOURCE_KEYS = ("doc", "title", "url", "sentence", "ids")


def source_item(source: Source) -> dict[str, Any]:
    """A source as its JSON object in the ``sources`` cell (:data:`SOURCE_KEYS`, in order)."""
    return {
        "doc": source.doc,
        "title": source.title,
        "url": source.url,
        "sentence": source.sentence,
        "ids": list(source.ids),
    }


def encode_sources(sources: Iterable[Source]) -> str:
    """:class:`Source` values as the ``sources`` cell: compact JSON, keys in order."""
    return encode_source_items([source_item(source) for source in sources])


def encode_source_items(items: list[dict[str, Any]]) -> str:
    """Sources already as their JSON objects (:func:`source_item`) as the ``sources`` cell."""
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


#: Why an event is not in the calendar feeds, as the page and the feeds page say it.
NOT_IN_CALENDAR = {
    "published": "文档的发布日期",
    "year": "只精确到年",
    "open": "只说了在某日之前、之后或截至某日",
}


def calendar_exclusion(
    event: Event, include_years: bool = False, include_open: bool = False
) -> str:
    """Why ``event`` is left out of the calendar feeds, or "" when it is in them.

    The one rule for the feeds (:mod:`exports.ics`) and the page that explains
    them: publication lines never; year-level events only with ``include_years``;
    open-ended ones (春节前, 截至9月) only with ``include_open``.
    """
    if event.role == "published":
        return NOT_IN_CALENDAR["published"]
    if not include_years and event.granularity in YEAR_LEVEL:
        return NOT_IN_CALENDAR["year"]
    if not include_open and event.open_ended:
        return NOT_IN_CALENDAR["open"]
    return ""


def decode(row: dict[str, Any], *, sentences: bool = True) -> Event | None:
    """One row (a dict of cells) as an :class:`Event`; None without usable dates.

    ``sentences`` False: its sources without their sentences (:func:`decode_sources`).
    """
    start, end = as_date(row.get("start")), as_date(row.get("end"))
    if start is None or end is None or end < start:
        return None
    role = one_line(row.get("role")) or "event"
    return Event(
        event_id=one_line(row.get("event_id")),
        association=one_line(row.get("association")),
        start=start,
        end=end,
        granularity=one_line(row.get("granularity")),
        title=one_line(row.get("title")),
        description=printable(row.get("description")).strip(),
        date_text=one_line(row.get("date_text")),
        doc=one_line(row.get("doc")),
        doc_title=one_line(row.get("doc_title")),
        published=as_date(row.get("published")),
        source_url=http_url(row.get("source_url")),
        span_start=_int(row.get("span_start")),
        span_end=_int(row.get("span_end")),
        anchor=one_line(row.get("anchor")),
        organisations=one_line(row.get("organisations")),
        status=one_line(row.get("status")),
        role=role if role in ROLE else "event",
        qualifier=q if (q := one_line(row.get("qualifier"))) in QUALIFIER else "",
        time_start=as_time(row.get("time_start")),
        time_end=as_time(row.get("time_end")),
        sources=decode_sources(row.get("sources"), sentences=sentences),
    )


#: Rows turned into Python dicts at a time by :func:`events`: a whole large table
#: at once would hold every cell as a Python object (some 3 KB a row).
EVENTS_CHUNK = 5000


def events(table: pd.DataFrame) -> Iterator[Event]:
    """Every row of ``table`` that has usable dates, decoded, in the table's order."""
    for event in decoded_rows(table):
        if event is not None:
            yield event


def decoded_rows(table: pd.DataFrame, *, sentences: bool = True) -> Iterator[Event | None]:
    """Every row of ``table`` decoded (:func:`decode`), one per row: None without usable dates."""
    for first in range(0, len(table), EVENTS_CHUNK):
        for row in table.iloc[first : first + EVENTS_CHUNK].to_dict(orient="records"):
            yield decode(row, sentences=sentences)


def require_columns(table: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise ``ValueError`` naming the columns an exporter needs and ``table`` lacks."""
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise ValueError(f"the event table lacks columns: {', '.join(missing)}")


# --- files ------------------------------------------------------------------------------

WRITERS = (".csv", ".parquet", ".json", ".xlsx")


def empty_table() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in COLUMNS})


def for_text(table: pd.DataFrame) -> pd.DataFrame:
    """Dates as ISO strings, for formats without a date type."""
    out = table.copy()
    for column in DATE_COLUMNS:
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
        return b"".join(table_pieces(table, suffix))
    if suffix == ".json":
        text = for_text(table).to_json(orient="records", force_ascii=False, indent=1)
        return text.encode("utf-8")
    buffer = io.BytesIO()
    if suffix == ".xlsx":
        neutralise_frame(for_text(table)).to_excel(buffer, index=False, sheet_name="events")
        return no_formulas(buffer.getvalue())
    frame = table.copy()
    for column in DATE_COLUMNS:
        if not _only_days(frame[column]):  # a day is already what the conversion makes
            frame[column] = pd.to_datetime(frame[column]).dt.date
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _only_days(column: pd.Series) -> bool:
    """Whether every cell is a ``datetime.date`` (no time, no missing cell, no text): the
    table's ``start`` and ``end``, which a conversion to timestamps and back made again,
    one object per cell (30 ms of writing ``events.parquet`` at 10,000 documents)."""
    return column.dtype == object and all(type(cell) is date for cell in column.tolist())


#: Rows of a CSV table made into text at a time (:func:`table_pieces`).
CSV_CHUNK = 20_000


def table_pieces(table: pd.DataFrame, suffix: str, chunk: int = CSV_CHUNK) -> Iterator[bytes]:
    """The bytes of :func:`table_bytes`, in pieces: a CSV table ``chunk`` rows at a time.

    The other formats come in one piece. A CSV file is the same bytes whichever
    the pieces (each row's text depends on its own cells only), and never more
    than ``chunk`` rows of it are text at once.
    """
    if suffix.lower() != ".csv":
        yield table_bytes(table, suffix)
        return
    for first in range(0, max(len(table), 1), chunk):
        part = for_text(table.iloc[first : first + chunk])
        yield frame_csv(part, header=first == 0).encode("utf-8")


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


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`table_bytes` back, with real dates.

    A table written before a column existed gets it with its default
    (:data:`OPTIONAL_COLUMNS`).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False).map(restore)
    elif suffix == ".json":
        frame = pd.read_json(path, orient="records", dtype=False)
    elif suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=str, keep_default_na=False).map(restore)
    elif suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        raise ValueError(f"{path.name}: unknown table format {suffix or '(none)'}")
    for column in DATE_COLUMNS:
        frame[column] = frame[column].map(as_date)
    for column in INTEGER_COLUMNS:
        frame[column] = frame[column].astype("int64")
    for column, default in OPTIONAL_COLUMNS.items():
        if column not in frame:
            frame[column] = default
    return frame.fillna("")
