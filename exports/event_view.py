"""An event as its card shows it: the table's row made into page text, once.

The date cut into ``<time>`` parts, the sentence cut around the date as written,
the title clipped, the association's colour and shape, why the event is not in
the calendar feeds, and the other documents that report it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from exports.chronology import DASH, format_date
from exports.page_rows import text as _text
from timeline import schema

#: Colour classes c0 … c7 in timeline.css: the Okabe–Ito palette, which readers with
#: any common colour-vision deficiency can tell apart.
PALETTE_SIZE = 8
#: Mark shapes s0 … s3 (circle, square, diamond, triangle): with the colour, 32
#: distinct looks, so two associations whose names hash to one colour still differ.
SHAPES = 4
#: Granularities drawn as outlined spans behind the day marks in the overview.
COARSE = frozenset({"week", "part", "month", "quarter", "season", "half", "year", "decade"})
TITLE_CHARACTERS = 40


@dataclass(frozen=True)
class DatePart:
    text: str
    datetime: str


@dataclass(frozen=True)
class SourceView:
    """Another document reporting the same happening."""

    title: str
    doc: str
    url: str | None


@dataclass(frozen=True)
class EventView:
    """One event as the template shows it; every string is still raw text."""

    index: int
    event_id: str
    year: int
    group: int  # 0 for the whole year, else the month of the start
    start: date
    end: date
    dates: tuple[DatePart, ...]
    precision: str
    precision_title: str
    title: str
    full_title: str  # the title before cutting, for the hover text
    association: str
    lane: int
    colour: int
    shape: int
    coarse: bool
    calendar: str  # "" when the event is in the calendar feeds, else why not
    before: str
    mark: str
    after: str
    source_url: str | None  # an http(s) address, the only kind that becomes a link
    source_text: str  # any other address, shown as text
    doc: str
    doc_title: str
    published: str
    organisations: str
    status: str
    time: str = ""  # 09:00—11:30, local time
    time_datetime: str = ""  # 2024-11-01T09:00
    written: str = ""  # the date as the text qualifies it (春节前), when it does
    role: str = ""  # 截止日期 for a deadline
    sources: tuple[SourceView, ...] = ()  # the other documents reporting it


def web_address(url: str) -> str | None:
    """``url`` when it is an http(s) address that may become a link, else None.

    >>> web_address("javascript:alert(1)") is None
    True
    """
    return schema.http_url(url)


def split_sentence(sentence: str, date_text: str) -> tuple[str, str, str]:
    """The sentence cut around the first occurrence of the date as written.

    >>> split_sentence("8月22日，协会召开年会。", "8月22日")
    ('', '8月22日', '，协会召开年会。')
    """
    at = sentence.find(date_text) if date_text else -1
    if at < 0:
        return sentence, "", ""
    return sentence[:at], date_text, sentence[at + len(date_text) :]


#: Characters that continue a date: an occurrence of 2023年 followed by one of
#: these (2023年3月, 2023年底) or preceded by a digit (12023年) is inside a longer
#: date, not the mention itself.
DATE_CONTINUES = frozenset(
    "0123456789０１２３４５６７８９〇零一二三四五六七八九十廿卅月日号號底初末中上下旬季度春夏秋冬前后半第/-."
)
DATE_PRECEDES = frozenset("0123456789０１２３４５６７８９/-.")


def mention_offset(sentence: str, date_text: str) -> int:
    """Where the mention itself stands in its sentence, or -1.

    The table keeps the sentence and the date as written, not the offset inside
    the sentence, and the same characters may also stand inside a longer date:
    2023年 is in 2023年3月15日 before it is in 2023年年会. The first occurrence
    that is not part of a longer date is taken (the exporters read only the
    table; they do not run the normalizers again).

    >>> mention_offset("2023年3月15日，协会筹备2023年年会。", "2023年")
    15
    """
    if not date_text:
        return -1
    first = at = sentence.find(date_text)
    while at >= 0:
        after = sentence[at + len(date_text) : at + len(date_text) + 1]
        before = sentence[at - 1 : at] if at else ""
        inside = (after and after in DATE_CONTINUES and date_text[-1] not in "日号號") or (
            before and before in DATE_PRECEDES
        )
        if not inside:
            return at
        at = sentence.find(date_text, at + 1)
    return first


def split_at_mention(sentence: str, date_text: str) -> tuple[str, str, str]:
    """The sentence cut around the mention's own span (see :func:`mention_offset`)."""
    at = mention_offset(sentence, date_text)
    if at < 0:
        return sentence, "", ""
    return sentence[:at], date_text, sentence[at + len(date_text) :]


#: Where a title may be cut, best first: after a clause, then before a space.
_CLAUSE_MARKS = "，；：、。！？,;:"
_ELLIPSIS = "…"


def clip(text: str, limit: int = TITLE_CHARACTERS) -> str:
    """``text`` cut to at most ``limit`` characters at a clause or word boundary, with "…".

    A cut in the middle of a word is the last resort; a text that already ends
    with an ellipsis is not given a second one.

    >>> clip("协会召开第五届会员大会，选举产生新一届理事会，审议工作报告", 16)
    '协会召开第五届会员大会…'
    >>> clip("Anhui Textile Industry Association", 16)
    'Anhui Textile…'
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    window = text[: limit - 1]
    half = (limit - 1) // 2
    for marks in (_CLAUSE_MARKS, " "):
        cut = max(window.rfind(mark) for mark in marks)
        if cut >= half:
            return window[:cut].rstrip(_CLAUSE_MARKS + " ") + _ELLIPSIS
    return window.rstrip() + _ELLIPSIS


@lru_cache(maxsize=4096)
def association_look(name: str) -> tuple[int, int]:
    """The colour class and mark shape of an association, from its name alone.

    A stable hash (SHA-256 of the UTF-8 name), so the same name keeps its colour
    and shape in every build and every corpus, whatever else is in it.

    >>> association_look("汕头市纺织服装产业协会") == association_look("汕头市纺织服装产业协会")
    True
    """
    number = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")
    return number % PALETTE_SIZE, (number // PALETTE_SIZE) % SHAPES


def calendar_exclusion(
    row: Mapping[str, Any], include_years: bool, include_open: bool = False
) -> str:
    """Why an event of the table is not in the calendar feeds, or "" when it is.

    The feeds' own rule (:func:`timeline.schema.calendar_exclusion`), plus no
    event without usable dates.
    """
    return _exclusion(schema.decode(dict(row)), include_years, include_open)


def _exclusion(event: schema.Event | None, include_years: bool, include_open: bool) -> str:
    """:func:`calendar_exclusion` of a row already decoded."""
    if event is None or event.end == date.max:
        return "没有确定的结束日期"
    return schema.calendar_exclusion(event, include_years, include_open)


def _last_of_month(day: date) -> bool:
    return day.month != date.fromordinal(day.toordinal() + 1).month


def _machine_date(day: date, precision: str) -> str:
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


@lru_cache(maxsize=65536)  # a corpus has far fewer distinct ranges than events
def date_parts(start: date, end: date, granularity: str) -> tuple[DatePart, ...]:
    """The Chinese date, cut at its dash into ``<time>`` parts with machine values.

    >>> [(p.text, p.datetime) for p in date_parts(date(2020, 7, 1), date(2020, 10, 31), "month")]
    [('2020年7月', '2020-07'), ('10月', '2020-10')]
    """
    text = format_date(start, end, granularity)
    whole_months = start.day == 1 and _last_of_month(end)
    whole_years = whole_months and start.month == 1 and end.month == 12
    if whole_years and granularity in ("year", "decade"):
        precision = "year"
    elif whole_months and granularity != "day":
        precision = "month"
    else:
        precision = "day"
    pieces = text.split(DASH)
    if len(pieces) == 2:
        return (
            DatePart(pieces[0], _machine_date(start, precision)),
            DatePart(pieces[1], _machine_date(end, precision)),
        )
    if start == end:
        return (DatePart(text, start.isoformat()),)
    if precision == "year" and start.year == end.year:
        return (DatePart(text, _machine_date(start, "year")),)
    if precision != "day" and (start.year, start.month) == (end.year, end.month):
        return (DatePart(text, _machine_date(start, "month")),)
    return (DatePart(text, start.isoformat()),)


@lru_cache(maxsize=65536)
def _precision(start: date, end: date, granularity: str) -> str:
    return schema.precision_label(granularity, start, end)


def _group(start: date, end: date, granularity: str) -> int:
    whole_year = (start.month, start.day) == (1, 1) and end >= date(start.year, 12, 31)
    return 0 if granularity in ("year", "decade") or whole_year else start.month


def lane_counts(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, int]]:
    """Associations with their number of events, the busiest first, then by name."""
    return lanes_of(row["association"] for row in rows)


def lanes_of(names: Iterable[str]) -> list[tuple[str, int]]:
    """:func:`lane_counts` of the events' association ``names``, counted at once."""
    return sorted(Counter(names).items(), key=lambda item: (-item[1], item[0]))


def event_views(
    rows: list[dict],
    lanes: dict[str, int],
    include_years: bool = False,
    include_open: bool = False,
    numbers: list[int] | None = None,
    events: list[schema.Event | None] | None = None,
) -> list[EventView]:
    """The cards of ``rows``; ``numbers`` are their places in the whole table's page order.

    ``events`` are the rows already decoded (:func:`timeline.schema.decode`), when
    the caller has them: a row is decoded once, however many pages show it.
    """
    views = []
    for place, row in enumerate(rows):
        index = numbers[place] if numbers is not None else place
        start, end, granularity = row["start"], row["end"], _text(row["granularity"])
        precision = _precision(start, end, granularity)
        description = _text(row["description"]) or _text(row["title"])
        event = events[place] if events is not None else schema.decode(row)
        before, mark, after = split_at_mention(description, _text(row["date_text"]))
        if event is not None and event.status == "corrected":
            before, mark, after = description, "", ""  # the reviewer's date, not this one
        colour, shape = association_look(row["association"])
        url = _text(row.get("source_url")).strip()
        link = web_address(url) if url else None
        published = _published(row.get("published"))
        views.append(
            EventView(
                index=index,
                event_id=_text(row["event_id"]),
                year=start.year,
                group=_group(start, end, granularity),
                start=start,
                end=end,
                dates=date_parts(start, end, granularity),
                precision=precision,
                precision_title=f"精确到{precision}",
                title=clip(_text(row["title"])),
                full_title=_text(row["title"]),
                association=row["association"],
                lane=lanes[row["association"]],
                colour=colour,
                shape=shape,
                coarse=granularity in COARSE,
                calendar=_exclusion(event, include_years, include_open),
                before=before,
                mark=mark,
                after=after,
                source_url=link,
                source_text="" if link else url,
                doc=_text(row.get("doc")),
                doc_title=_text(row.get("doc_title")),
                published=published,
                organisations=_text(row.get("organisations")),
                status=schema.STATUS.get(_text(row.get("status")), ""),
                **_extras(event),
            )
        )
    return views


def _published(value: Any) -> str:
    """The document's date as its card says it (发布于 …), or ""."""
    day = schema.as_date(value)
    return _day_text(day) if day else ""


@lru_cache(maxsize=65536)
def _day_text(day: date) -> str:
    return format_date(day, day, "day")


def _extras(event: schema.Event | None) -> dict[str, Any]:
    """Time, qualifier, role and the other sources of an event, for its card."""
    if event is None:
        return {}
    extras: dict[str, Any] = {}
    if event.timed:
        extras["time"] = schema.time_text(event.time_start) + (
            DASH + schema.time_text(event.time_end) if event.time_end else ""
        )
        extras["time_datetime"] = f"{event.start.isoformat()}T{schema.time_text(event.time_start)}"
    if event.qualifier and event.date_text:
        extras["written"] = event.written_date
    if event.role == "deadline":
        extras["role"] = schema.ROLE["deadline"]
    # The other documents: a source of the event's own document is left out whatever its
    # sentence (the page reads no source's sentence: exports.page_rows).
    extras["sources"] = tuple(
        SourceView(s.title, s.doc, schema.http_url(s.url))
        for s in event.all_sources[1:]
        if s.doc != event.doc
    )
    return extras


__all__ = [
    "COARSE",
    "PALETTE_SIZE",
    "SHAPES",
    "DatePart",
    "EventView",
    "SourceView",
    "association_look",
    "calendar_exclusion",
    "clip",
    "date_parts",
    "event_views",
    "mention_offset",
    "split_at_mention",
    "split_sentence",
    "web_address",
]
