"""The event table as static HTML pages: a chronology to filter, search and print.

:func:`write_timeline` writes ``index.html`` (the overview and the newest
:data:`FIRST_PAGE_EVENTS` events), a page per year (``years/<year>.html``), a
page per association (``associations/<slug>.html``) and the corpus's search
index in script pieces (``search/``, :mod:`exports.search_index`), a year at a
time, so the first page stays small whatever the corpus. Every page works from
``file://`` as well as from a web server: its CSS and script are inline, it asks
for nothing over the network (no fonts, no CDNs), data pieces are loaded with
``<script src>`` (never ``fetch``), and a ``Content-Security-Policy`` meta tag
allows only the exact inline ``<style>`` and ``<script>`` it was built with, by
their SHA-256 hashes, and the site's own script files ('self'), so text from a
document can never run as code even if an escaping bug slipped through.
:func:`render_timeline` gives the first page alone, as a string.

Everything from the table goes through Jinja2's autoescaping. The data the script
needs (association names, each event's dates) travels in a
``<script type="application/json">`` block made with :func:`json.dumps` and with
``<``, ``>``, ``&``, U+2028 and U+2029 escaped, so no string can close the block.

The same table always renders the same bytes: events are ordered by start, end,
association and id, and the page holds no timestamp.

>>> from datetime import date
>>> import pandas as pd
>>> table = pd.DataFrame([{"event_id": "ev-1", "association": "汕头市纺织服装产业协会",
...     "start": date(2023, 8, 22), "end": date(2023, 8, 22), "granularity": "day",
...     "title": "年会", "description": "8月22日，协会召开年会。", "date_text": "8月22日"}])
>>> "<mark>8月22日</mark>" in render_timeline(table)
True
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from exports.chronology import DASH, format_date
from exports.overview_bins import BinCounts
from exports.search_index import SEARCH_FOLDER, SearchIndex
from timeline import schema
from timeline.faults import step
from timeline.files import unchanged, write_atomic
from timeline.slugs import slugify

DEFAULT_TITLE = "协会大事记"
ALL_ASSOCIATIONS = "全部协会"
INDEX = "index.html"
FEEDS_PAGE = "feeds.html"

#: Colour classes c0 … c7 in timeline.css: the Okabe–Ito palette, which readers with
#: any common colour-vision deficiency can tell apart.
PALETTE_SIZE = 8
#: Mark shapes s0 … s3 (circle, square, diamond, triangle): with the colour, 32
#: distinct looks, so two associations whose names hash to one colour still differ.
SHAPES = 4
#: Granularities drawn as outlined spans behind the day marks in the overview.
COARSE = frozenset({"week", "part", "month", "quarter", "season", "half", "year", "decade"})
TITLE_CHARACTERS = 40

# The overview's geometry, in CSS pixels (x positions are percentages of the plot).
AXIS_HEIGHT = 28
LANE_HEIGHT = 36
MIN_LABEL_SPACING = 36  # between year labels, in a 900 px wide plot
PLOT_PIXELS = 900

REQUIRED_COLUMNS = (
    "event_id",
    "association",
    "start",
    "end",
    "granularity",
    "title",
    "description",
    "date_text",
)


# --- feeds -------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedLink:
    """One calendar feed as the page shows it.

    ``relative`` links are turned into ``webcal://`` by the page's script when it
    is served over http(s); from ``file://`` they stay plain download links.
    """

    label: str
    association: str | None
    events: int
    subscribe: str
    download: str
    relative: bool
    year: int | None = None  # a yearly archive feed: events older than the subscribed ones


def _field(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _feed_path(path: Any) -> str:
    """A feed's path relative to the output folder, checked so it stays inside it."""
    text = str(path).replace("\\", "/")
    parts = urlsplit(text)
    if (
        not text
        or parts.scheme
        or parts.netloc
        or parts.query
        or parts.fragment
        or text.startswith("/")
        or any(segment in ("", ".", "..") for segment in text.split("/"))
        or any(ord(character) < 0x20 for character in text)
    ):
        raise ValueError(f"feed path must be relative to the output folder: {text!r}")
    return quote(text, safe="/")


def _base_url(base_url: str | None) -> tuple[str, str, str] | None:
    """``(scheme, host, path/)`` of an http(s) base address, or None."""
    if base_url is None:
        return None
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"base_url must be an http(s) address such as https://host/path/: {base_url!r}"
        )
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return parts.scheme, parts.netloc, path


def feed_links(feeds: Iterable[Any], base_url: str | None = None) -> list[FeedLink]:
    """The subscribe and download links of ``feeds``, in the order given.

    Each feed is a mapping or object with ``association`` (None for all),
    ``slug``, ``path`` (relative to the output folder) and ``events``.

    >>> feed_links([{"association": None, "slug": "all", "path": "feeds/all.ics", "events": 3}],
    ...            "https://example.org/timeline/")[0].subscribe
    'webcal://example.org/timeline/feeds/all.ics'
    """
    base = _base_url(base_url)
    links = []
    for feed in feeds:
        path = _feed_path(_field(feed, "path"))
        association = _field(feed, "association")
        year = _field(feed, "year")
        year = int(year) if year else None
        label = f"{year}年存档" if year else association or ALL_ASSOCIATIONS
        events = int(_field(feed, "events") or 0)
        if base is None:
            links.append(FeedLink(label, association, events, path, path, True, year))
        else:
            scheme, host, prefix = base
            links.append(
                FeedLink(
                    label,
                    association,
                    events,
                    subscribe=f"webcal://{host}{prefix}{path}",
                    download=f"{scheme}://{host}{prefix}{path}",
                    relative=False,
                    year=year,
                )
            )
    return links


# --- events ------------------------------------------------------------------------


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


@dataclass
class MonthGroup:
    year: int
    month: int  # 0 for events of the whole year
    events: list[EventView] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "全年" if self.month == 0 else f"{self.month}月"

    @property
    def id(self) -> str:
        return (
            f"year-{self.year}-whole" if self.month == 0 else f"month-{self.year}-{self.month:02d}"
        )


@dataclass
class YearSection:
    year: int
    months: list[MonthGroup] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"year-{self.year}"

    @property
    def count(self) -> int:
        return sum(len(group.events) for group in self.months)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


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
    event = schema.decode(dict(row))
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


def _precision(start: date, end: date, granularity: str) -> str:
    return schema.precision_label(granularity, start, end)


def _group(start: date, end: date, granularity: str) -> int:
    whole_year = (start.month, start.day) == (1, 1) and end >= date(start.year, 12, 31)
    return 0 if granularity in ("year", "decade") or whole_year else start.month


def _rows(table: pd.DataFrame) -> list[dict]:
    schema.require_columns(table, REQUIRED_COLUMNS)
    rows = []
    for row in table.to_dict("records"):
        start, end = schema.as_date(row["start"]), schema.as_date(row["end"])
        if start is None or end is None:
            continue
        if _text(row.get("role")) == "published":
            continue  # the document's own date line: shown with its document (发布于…)
        rows.append({**row, "start": start, "end": end, "association": _text(row["association"])})
    rows.sort(key=lambda r: (r["start"], r["end"], r["association"], _text(r["event_id"])))
    return rows


def _lanes(rows: list[dict]) -> list[tuple[str, int]]:
    """Associations with their number of events, the busiest first, then by name."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["association"]] = counts.get(row["association"], 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def event_views(
    rows: list[dict],
    lanes: dict[str, int],
    include_years: bool = False,
    include_open: bool = False,
    numbers: list[int] | None = None,
) -> list[EventView]:
    """The cards of ``rows``; ``numbers`` are their places in the whole table's page order."""
    views = []
    for place, row in enumerate(rows):
        index = numbers[place] if numbers is not None else place
        start, end, granularity = row["start"], row["end"], _text(row["granularity"])
        precision = _precision(start, end, granularity)
        description = _text(row["description"]) or _text(row["title"])
        event = schema.decode(row)
        before, mark, after = split_at_mention(description, _text(row["date_text"]))
        if event is not None and event.status == "corrected":
            before, mark, after = description, "", ""  # the reviewer's date, not this one
        colour, shape = association_look(row["association"])
        url = _text(row.get("source_url")).strip()
        link = web_address(url) if url else None
        published = schema.as_date(row.get("published"))
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
                calendar=calendar_exclusion(row, include_years, include_open),
                before=before,
                mark=mark,
                after=after,
                source_url=link,
                source_text="" if link else url,
                doc=_text(row.get("doc")),
                doc_title=_text(row.get("doc_title")),
                published=format_date(published, published, "day") if published else "",
                organisations=_text(row.get("organisations")),
                status=schema.STATUS.get(_text(row.get("status")), ""),
                **_extras(event),
            )
        )
    return views


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
    others = [
        s for s in event.all_sources[1:] if (s.doc, s.sentence) != (event.doc, event.description)
    ]
    extras["sources"] = tuple(
        SourceView(s.title, s.doc, schema.http_url(s.url)) for s in others if s.doc != event.doc
    )
    return extras


def year_sections(views: list[EventView]) -> list[YearSection]:
    """Events grouped by the year of their start, then the whole year first, then by month."""
    years: dict[int, dict[int, MonthGroup]] = {}
    for view in views:
        groups = years.setdefault(view.year, {})
        groups.setdefault(view.group, MonthGroup(view.year, view.group)).events.append(view)
    return [
        YearSection(year, [groups[month] for month in sorted(groups)])
        for year, groups in sorted(years.items())
    ]


# --- the overview ------------------------------------------------------------------


@dataclass(frozen=True)
class Lane:
    index: int
    name: str
    count: int
    colour: int
    shape: int
    y: int


@dataclass(frozen=True)
class Tick:
    year: int
    x: str  # percent of the plot's width
    labelled: bool
    linked: bool
    href: str = ""


@dataclass(frozen=True)
class Mark:
    """A link drawn in the overview: one event, or a count of events (a bin)."""

    index: int  # the event's number in page order; -1 for a bin
    event_id: str
    colour: int
    shape: int
    coarse: bool  # an outlined span behind the day marks
    x: str  # percent: the left edge of a span, the centre of a day mark
    width: str  # percent, spans only
    y: int
    label: str
    href: str = ""
    first: int = 0  # days since 1970-01-01 of the first day, and of the day after the last
    last: int = 0
    lane: int = 0
    height: int = 0  # bins only: grows with the count
    level: str = ""  # bins only: "year" or "month"


@dataclass(frozen=True)
class Overview:
    height: int
    lanes: list[Lane]
    ticks: list[Tick]
    spans: list[Mark]
    days: list[Mark]
    axis_y: int
    lane_height: int
    first: str  # the first and the day after the last day shown, ISO
    last: str
    range_text: str
    description: str
    bins: list[Mark] = field(default_factory=list)
    month_bins: list[list[int]] = field(default_factory=list)  # drawn by the page when zoomed


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").removesuffix(".")


EPOCH = date(1970, 1, 1).toordinal()


def _epoch_day(day: date) -> int:
    return day.toordinal() - EPOCH


def overview(
    views: list[EventView],
    lanes: list[tuple[str, int]],
    years: set[int],
    *,
    href: Callable[[EventView], str] | None = None,
    year_href: Callable[[int], str] | None = None,
    bins: BinCounts | None = None,
) -> Overview:
    """One lane per association across the years: a mark per event, or counts.

    Positions are percentages of the plot's width, so the drawing fits any
    screen; the page's script moves them when the reader zooms or pans. Events
    of a month or a year are outlined spans drawn first, behind; events of a day
    are solid marks on top, so a year never hides the days inside it. With
    ``bins`` (a corpus with too many events to see one by one) the marks are
    counts per association and year, and per month for a closer zoom, each a
    link to its year's page.
    """
    if bins is not None:
        first, last = bins.first_year, bins.last_year
    else:
        first = min(view.start.year for view in views)
        last = max(view.end.year for view in views)
    origin = date(first, 1, 1).toordinal()
    days = date(last + 1, 1, 1).toordinal() - origin
    href = href or (lambda view: f"#event-{view.event_id}")
    year_href = year_href or (lambda year: f"#year-{year}")

    def x(day: date) -> float:
        return (day.toordinal() - origin) * 100 / days

    per_year = PLOT_PIXELS / (last - first + 1)
    step = max(1, math.ceil(MIN_LABEL_SPACING / per_year))
    ticks = [
        Tick(
            year=year,
            x=_number(x(date(year, 1, 1))),
            labelled=(year - first) % step == 0,
            linked=year in years,
            href=year_href(year),
        )
        for year in range(first, last + 1)
    ]
    lane_views = []
    for index, (name, count) in enumerate(lanes):
        colour, shape = association_look(name)
        lane_views.append(
            Lane(index, name, count, colour, shape, AXIS_HEIGHT + index * LANE_HEIGHT)
        )
    spans, day_marks = [], []
    for view in views if bins is None else ():
        after = date.fromordinal(view.end.toordinal() + 1)
        left, right = x(view.start), x(after)
        top = AXIS_HEIGHT + view.lane * LANE_HEIGHT
        when = DASH.join(part.text for part in view.dates)
        label = f"{when} {view.full_title}（{view.association}）"
        common = {
            "label": label,
            "href": href(view),
            "first": _epoch_day(view.start),
            "last": _epoch_day(after),
            "lane": view.lane,
        }
        if view.coarse:
            spans.append(
                Mark(
                    view.index,
                    view.event_id,
                    view.colour,
                    view.shape,
                    True,
                    _number(left),
                    _number(right - left),
                    top + 5,
                    **common,
                )
            )
        else:
            day_marks.append(
                Mark(
                    view.index,
                    view.event_id,
                    view.colour,
                    view.shape,
                    False,
                    _number((left + right) / 2),
                    "0",
                    top + LANE_HEIGHT // 2,
                    **common,
                )
            )
    bin_marks = []
    if bins is not None:
        names = [name for name, _ in lanes]
        counted = bins.marks()
        most = {"year": max(b.count for b in counted)}

        for count_bin in counted:
            start, after = count_bin.start, count_bin.after
            colour, shape = association_look(names[count_bin.lane])
            height = max(
                4, round((LANE_HEIGHT - 10) * math.sqrt(count_bin.count / most[count_bin.level]))
            )
            top = AXIS_HEIGHT + count_bin.lane * LANE_HEIGHT + (LANE_HEIGHT - height) // 2
            where = f"{start.year}年" + (f"{start.month}月" if count_bin.level == "month" else "")
            bin_marks.append(
                Mark(
                    -1,
                    "",
                    colour,
                    shape,
                    True,
                    _number(x(start)),
                    _number(x(after) - x(start)),
                    top,
                    f"{where}：{count_bin.count} 条（{names[count_bin.lane]}）",
                    href=year_href(start.year)
                    + (
                        f"#month-{start.year}-{start.month:02d}"
                        if count_bin.level == "month"
                        else ""
                    ),
                    first=_epoch_day(start),
                    last=_epoch_day(after),
                    lane=count_bin.lane,
                    height=height,
                    level=count_bin.level,
                )
            )
    total = bins.total if bins is not None else len(views)
    span = f"{first}年" if first == last else f"{first}{DASH}{last}年"
    return Overview(
        height=AXIS_HEIGHT + len(lanes) * LANE_HEIGHT + 4,
        lanes=lane_views,
        ticks=ticks,
        spans=spans,
        days=day_marks,
        axis_y=AXIS_HEIGHT - 10,
        lane_height=LANE_HEIGHT,
        first=date(first, 1, 1).isoformat(),
        last=date(last + 1, 1, 1).isoformat(),
        range_text=span,
        description=f"{span}各协会事件分布：{len(lanes)} 个协会，共 {total} 条事件",
        bins=bin_marks,
        month_bins=bins.month_counts() if bins is not None else [],
    )


# --- rendering ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("exports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _asset(name: str, closing: str) -> Markup:
    """An inline CSS or script file of ours; it must not close its own element."""
    environment = _environment()
    source, _, _ = environment.loader.get_source(environment, name)
    if closing in source.lower():
        raise ValueError(f"{name} must not contain {closing}")
    return Markup(source)


def csp_hash(content: str) -> str:
    """The CSP source expression allowing exactly this inline element content."""
    digest = hashlib.sha256(content.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(
    styles: Iterable[str], scripts: Iterable[str], *, script_files: bool = False
) -> str:
    """No network fetch at all; only the given inline style and script contents.

    With ``script_files`` also the site's own script files ('self': the data
    pieces a page loads with ``<script src>``; from ``file://`` too).
    """
    style_sources = " ".join(csp_hash(style) for style in styles) or "'none'"
    script_sources = " ".join(csp_hash(script) for script in scripts) or "'none'"
    if script_files:
        script_sources = "'self' " + script_sources
    return (
        "default-src 'none'; img-src data:; "
        f"style-src {style_sources}; script-src {script_sources}; "
        "base-uri 'none'; form-action 'none'"
    )


def script_json(data: Any) -> Markup:
    """``data`` as JSON that can sit inside ``<script type="application/json">``.

    >>> str(script_json({"a": "</script><!--"}))
    '{"a":"\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for character, escape in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(character, escape)
    return Markup(text)


def _year_span(views: list[EventView]) -> str:
    if not views:
        return ""
    first, last = views[0].year, max(view.end.year for view in views)
    return f"{first}年" if first == last else f"{first}{DASH}{last}年"


@dataclass(frozen=True)
class CalendarNote:
    """How many events the feeds hold and why the others are not there."""

    total: int
    in_feeds: int
    reasons: list[tuple[str, int]]  # (reason, events), the most frequent first

    @property
    def years_left_out(self) -> bool:
        return any(reason == schema.NOT_IN_CALENDAR["year"] for reason, _ in self.reasons)

    @property
    def text(self) -> str:
        if not self.total:
            return ""
        said = f"日历订阅中有 {self.in_feeds} 条事件"
        if not self.reasons:
            return said + "，即全部事件。"
        why = "；".join(f"{count} 条{reason}" for reason, count in self.reasons)
        return f"{said}；另外 {self.total - self.in_feeds} 条不在日历中：{why}。"


def calendar_note(views: list[EventView]) -> CalendarNote:
    reasons: dict[str, int] = {}
    for view in views:
        if view.calendar:
            reasons[view.calendar] = reasons.get(view.calendar, 0) + 1
    ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    return CalendarNote(len(views), len(views) - sum(reasons.values()), ordered)


def _infer_include_years(rows: list[dict], links: list[FeedLink]) -> bool:
    """Whether the feeds were built with year-level events, from the all-events feed's size."""
    everything = [link for link in links if link.association is None]  # all.ics, the archives
    if not everything:
        return False
    without = sum(1 for row in rows if not calendar_exclusion(row, include_years=False))
    return sum(link.events for link in everything) > without


# --- the site's pages ----------------------------------------------------------------

YEARS_FOLDER = "years"
ASSOCIATIONS_FOLDER = "associations"
#: Folders the page writer owns: a file in them that a build no longer makes goes away.
PAGE_FOLDERS = (YEARS_FOLDER, ASSOCIATIONS_FOLDER, SEARCH_FOLDER)
#: Events shown as cards on the first page (and on an association's page): the newest.
FIRST_PAGE_EVENTS = 100
#: Up to this many events the overview draws one mark per event, beyond it counts.
MARK_LIMIT = 1500
PIECE_FUNCTION = "timelinePiece"
REVIEWS_PIECE = f"{SEARCH_FOLDER}/reviews.js"


def piece_script(name: str, data: Any) -> str:
    """A data piece: a script file that hands ``data`` to the page (``<script src>``, no fetch).

    >>> piece_script("e0", ["</script>"])
    'timelinePiece("e0",["\\\\u003c/script\\\\u003e"]);\\n'
    """
    return f'{PIECE_FUNCTION}("{name}",{script_json(data)});\n'


@dataclass(frozen=True)
class YearLink:
    year: int
    count: int
    href: str
    here: bool  # the page shows this whole year


@dataclass(frozen=True)
class AssociationLink:
    name: str
    count: int
    href: str
    colour: int
    shape: int


class _Output:
    """Writes the site's files under ``folder`` (or keeps only ``index.html`` when None).

    A file whose bytes the ``published`` folder already holds is hard-linked from
    there instead of written again (no rewrite, no fsync, the time stamp kept);
    a file whose bytes are already in place is left alone.
    """

    def __init__(self, folder: Path | None, published: Path | None = None) -> None:
        self.folder = folder
        self.published = published
        self.index = ""
        self.written: set[str] = set()

    @property
    def scratch(self) -> Path:
        if self.folder is None:  # made only if postings are spilled, removed after
            import secrets
            import tempfile

            name = f"timeline-search-{os.getpid()}-{secrets.token_hex(4)}"
            return Path(tempfile.gettempdir()) / name
        return self.folder / ".search-postings"

    def write(self, relative: str, text: str) -> None:
        self.written.add(relative)
        if self.folder is None:
            if relative == INDEX:
                self.index = text
            return
        data = text.encode("utf-8")
        target = self.folder / relative
        if self.published is not None and self._link(self.published / relative, target, data):
            return
        if not unchanged(target, data):
            write_atomic(target, data)

    @staticmethod
    def _link(source: Path, target: Path, data: bytes) -> bool:
        if source.is_symlink() or not unchanged(source, data):
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.link.tmp")
        try:
            os.link(source, temporary)
        except OSError:
            return False
        step(f"link {target.name}")
        os.replace(temporary, target)
        return True

    def prune(self) -> None:
        """Remove the pieces of an earlier build that this one did not make."""
        if self.folder is None:
            return
        for name in PAGE_FOLDERS:
            folder = self.folder / name
            if not folder.is_dir() or folder.is_symlink():
                continue
            for path in sorted(folder.iterdir()):
                relative = f"{name}/{path.name}"
                if path.is_file() and relative not in self.written:
                    path.unlink()


class _Site:
    """The table prepared once for every page: rows in page order, lanes, years."""

    def __init__(
        self,
        table: pd.DataFrame,
        feeds: Iterable[Any],
        *,
        title: str,
        base_url: str | None,
        include_years: bool | None,
        include_open: bool,
    ) -> None:
        self.rows = _rows(table)
        self.lanes = _lanes(self.rows)
        self.lane_of = {name: index for index, (name, _) in enumerate(self.lanes)}
        self.links = feed_links(feeds, base_url)
        if include_years is None:
            include_years = _infer_include_years(self.rows, self.links)
        self.include_years = include_years
        self.include_open = include_open
        self.title = title
        self.years: dict[int, tuple[int, int]] = {}  # year -> rows [a, b) (rows sorted by start)
        for number, row in enumerate(self.rows):
            first, _ = self.years.get(row["start"].year, (number, number))
            self.years[row["start"].year] = (first, number + 1)
        self.slugs: dict[str, str] = {}
        taken: set[str] = set()
        for name, _ in self.lanes:
            slug = slugify(name)
            while slug in taken:
                slug += "-x"
            taken.add(slug)
            self.slugs[name] = slug
        self.first_page = max(0, len(self.rows) - FIRST_PAGE_EVENTS)

    def views(self, numbers: Iterable[int]) -> list[EventView]:
        return event_views(
            [self.rows[number] for number in numbers],
            self.lane_of,
            self.include_years,
            self.include_open,
            numbers=list(numbers),
        )

    def year_href(self, year: int, kind: str, here: int | None = None) -> str:
        """The link to a year from a page of ``kind`` (a section of the page when it holds it all)."""
        if year not in self.years:
            return ""
        if kind == "index" and self.years[year][0] >= self.first_page:
            return f"#year-{year}"
        if kind == "year":
            return f"#year-{year}" if year == here else f"{year}.html"
        prefix = "../" if kind == "association" else ""
        return f"{prefix}{YEARS_FOLDER}/{year}.html"

    def year_links(self, kind: str, here: int | None = None) -> list[YearLink]:
        return [
            YearLink(
                year,
                b - a,
                self.year_href(year, kind, here),
                self.year_href(year, kind, here).startswith("#"),
            )
            for year, (a, b) in sorted(self.years.items())
        ]

    def event_href(self, view: EventView, kind: str) -> str:
        if kind == "index" and view.index >= self.first_page:
            return f"#event-{view.event_id}"
        prefix = "../" if kind in ("association", "year") else ""
        if kind == "year":
            return f"{view.year}.html#event-{view.event_id}"
        return f"{prefix}{YEARS_FOLDER}/{view.year}.html#event-{view.event_id}"

    def build(self, out: _Output) -> CalendarNote:
        """Every page and piece, a year at a time; returns what the feeds hold."""
        search = SearchIndex(len(self.rows), out.write, piece_script, out.scratch)
        reasons: dict[str, int] = {}
        bins = BinCounts() if len(self.rows) > MARK_LIMIT else None
        newest: dict[str, deque[int]] = {
            name: deque(maxlen=FIRST_PAGE_EVENTS) for name, _ in self.lanes
        }
        applied = []
        for year, (a, b) in sorted(self.years.items()):
            views = self.views(range(a, b))
            for view in views:
                if view.calendar:
                    reasons[view.calendar] = reasons.get(view.calendar, 0) + 1
                search.add(
                    view.event_id,
                    view.lane,
                    view.start.isoformat(),
                    view.end.isoformat(),
                    view.title,
                    _search_text(view),
                )
                if bins is not None:
                    bins.add(view.lane, view.start)
                newest[view.association].append(view.index)
                status = _review_status(self.rows[view.index])
                if status:
                    applied.append(
                        [
                            view.index,
                            view.event_id,
                            status,
                            view.start.isoformat(),
                            view.end.isoformat(),
                            view.full_title,
                        ]
                    )
            out.write(
                f"{YEARS_FOLDER}/{year}.html",
                self.page("year", views, search=search.info, heading=f"{year}年", year=year),
            )
        info = search.finish()
        out.write(REVIEWS_PIECE, piece_script("reviews", applied))
        ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        note = CalendarNote(len(self.rows), len(self.rows) - sum(reasons.values()), ordered)
        first_views = self.views(range(self.first_page, len(self.rows)))
        shown = self.views(range(len(self.rows))) if bins is None else []
        out.write(
            INDEX,
            self.page(
                "index",
                first_views,
                search=info,
                calendar=note if self.links else None,
                overview_views=shown,
                bins=bins,
            ),
        )
        for name, numbers in newest.items():
            out.write(
                f"{ASSOCIATIONS_FOLDER}/{self.slugs[name]}.html",
                self.page("association", self.views(sorted(numbers)), search=info, heading=name),
            )
        out.prune()
        return note

    def page(
        self,
        kind: str,
        views: list[EventView],
        *,
        search: dict,
        heading: str = "",
        year: int | None = None,
        calendar: CalendarNote | None = None,
        overview_views: list[EventView] | None = None,
        bins: BinCounts | None = None,
    ) -> str:
        """One page: the index, a year's page or an association's page."""
        root = "" if kind == "index" else "../"
        sections = year_sections(views)
        lanes_here = {view.lane for view in views}
        counts = {name: count for name, count in self.lanes}
        if kind == "year":
            counts = {}
            for view in views:
                counts[view.association] = counts.get(view.association, 0) + 1
        lanes = [
            (index, name, counts.get(name, 0), *association_look(name))
            for index, (name, _) in enumerate(self.lanes)
            if kind == "index" or index in lanes_here
        ]
        links = self.links if kind == "index" else []
        css = _asset("timeline.css", "</style")
        scripts = [_asset("timeline.js", "</script")]
        if any(link.relative for link in links):
            scripts.append(_asset("feeds.js", "</script"))
        drawn = None
        if kind == "index" and self.rows:
            drawn = overview(
                overview_views or [],
                self.lanes,
                set(self.years),
                href=lambda view: self.event_href(view, "index"),
                year_href=lambda y: self.year_href(y, "index"),
                bins=bins,
            )
        year_links = self.year_links(kind, year)
        data = {
            "associations": [name for name, _ in self.lanes],
            "events": [
                [
                    view.event_id,
                    view.lane,
                    view.start.isoformat(),
                    view.end.isoformat(),
                    view.full_title,
                    _review_status(self.rows[view.index]),
                    view.index,
                ]
                for view in views
            ],
            "years": sorted(self.years),
            "yearLinks": {str(link.year): link.href for link in year_links},
            "root": root,
            "search": search,
            "kind": kind,
        }
        if drawn is not None and drawn.month_bins:
            data["monthBins"] = drawn.month_bins
            data["colours"] = [association_look(name)[0] for name, _ in self.lanes]
            data["geometry"] = [AXIS_HEIGHT, LANE_HEIGHT]
        association_links = [
            AssociationLink(
                name,
                count,
                f"{root}{ASSOCIATIONS_FOLDER}/{self.slugs[name]}.html",
                *association_look(name),
            )
            for name, count in self.lanes
        ]
        template = _environment().get_template("timeline.html.j2")
        return template.render(
            title=self.title,
            kind=kind,
            root=root,
            heading=heading,
            csp=content_security_policy([css], scripts, script_files=True),
            css=css,
            scripts=scripts,
            data=script_json(data),
            sections=sections,
            lanes=lanes,
            year_links=year_links,
            association_links=association_links if kind == "index" else [],
            overview=drawn,
            feeds=links,
            has_feeds=bool(self.links),
            calendar=calendar,
            total=len(self.rows),
            page_total=len(views),
            year_span=_year_span_of(self.years),
            first_day=views[0].start.isoformat() if views else "",
            last_day=max(view.end for view in views).isoformat() if views else "",
        )


def _year_span_of(years: Mapping[int, Any]) -> str:
    if not years:
        return ""
    first, last = min(years), max(years)
    return f"{first}年" if first == last else f"{first}{DASH}{last}年"


def _search_text(view: EventView) -> str:
    """What a search matches: what the event's card shows."""
    when = DASH.join(part.text for part in view.dates)
    sources = " ".join(source.title or source.doc for source in view.sources)
    return " ".join(
        (
            when,
            view.time,
            view.precision,
            view.written,
            view.role,
            view.status,
            view.full_title,
            view.association,
            view.before + view.mark + view.after,
            view.organisations,
            view.doc_title,
            view.doc,
            view.published,
            view.source_text,
            sources,
        )
    )


def render_timeline(
    table: pd.DataFrame,
    feeds: Iterable[Any] = (),
    *,
    title: str = DEFAULT_TITLE,
    base_url: str | None = None,
    include_years: bool | None = None,
    include_open: bool = False,
) -> str:
    """The first page (``index.html``) of ``table`` as one string (see :func:`write_timeline`).

    ``feeds`` (see :func:`feed_links`) are listed with subscribe links; with
    ``base_url`` (``https://host/path/``) those are ``webcal://host/path/…``.
    ``include_years`` and ``include_open`` say whether the feeds hold year-level
    and open-ended events (None for ``include_years``: inferred from the size
    of the all-events feed).
    """
    site = _Site(
        table,
        feeds,
        title=title,
        base_url=base_url,
        include_years=include_years,
        include_open=include_open,
    )
    out = _Output(None)
    site.build(out)
    return out.index


def _review_status(row: Mapping[str, Any]) -> str:
    """A review already applied to the table (confirmed or corrected), for the page's reviews.csv."""
    status = _text(row.get("status"))
    return status if status in schema.STATUS else ""


def render_feeds_page(
    feeds: Iterable[Any],
    base_url: str | None = None,
    *,
    title: str = DEFAULT_TITLE,
    calendar: CalendarNote | None = None,
) -> str:
    """``feeds.html``: every feed with a subscribe link and a plain download link.

    ``calendar`` says which events of the page the feeds hold, and why the
    others are not there.
    """
    links = feed_links(feeds, base_url)
    css = _asset("timeline.css", "</style")
    scripts = [_asset("feeds.js", "</script")] if any(link.relative for link in links) else []
    template = _environment().get_template("feeds.html.j2")
    return template.render(
        title=title,
        csp=content_security_policy([css], scripts),
        css=css,
        scripts=scripts,
        feeds=links,
        base_url=base_url,
        calendar=calendar,
    )


def _write(path: Path, html: str) -> Path:
    if not unchanged(path, html):
        write_atomic(path, html)
    return path


def write_timeline(
    table: pd.DataFrame,
    out_dir: str | Path,
    feeds: Iterable[Any] = (),
    *,
    title: str = DEFAULT_TITLE,
    base_url: str | None = None,
    include_years: bool | None = None,
    include_open: bool = False,
    published: str | Path | None = None,
) -> Path:
    """Write the site's pages atomically; returns the path of ``index.html``.

    ``index.html`` holds the overview and the newest :data:`FIRST_PAGE_EVENTS`
    events; ``years/<year>.html`` a year each, ``associations/<slug>.html`` an
    association's newest events, ``search/`` the corpus's search index; and
    ``feeds.html`` when there are feeds. Pages are rendered a year at a time. A
    file whose content would not change is left as it is; with ``published``
    (the folder a staging folder will replace), a file it already holds is
    linked from there, not written again.
    """
    out = Path(out_dir)
    feeds = list(feeds)
    site = _Site(
        table,
        feeds,
        title=title,
        base_url=base_url,
        include_years=include_years,
        include_open=include_open,
    )
    note = site.build(_Output(out, Path(published) if published else None))
    if feeds:
        write_feeds_page(feeds, out, base_url, title=title, calendar=note)
    return out / INDEX


def write_feeds_page(
    feeds: Iterable[Any],
    out_dir: str | Path,
    base_url: str | None = None,
    *,
    title: str = DEFAULT_TITLE,
    calendar: CalendarNote | None = None,
) -> Path:
    """Write ``feeds.html`` atomically and return its path."""
    return _write(
        Path(out_dir) / FEEDS_PAGE,
        render_feeds_page(feeds, base_url, title=title, calendar=calendar),
    )


__all__ = [
    "DEFAULT_TITLE",
    "FeedLink",
    "association_look",
    "calendar_exclusion",
    "clip",
    "mention_offset",
    "content_security_policy",
    "csp_hash",
    "feed_links",
    "render_feeds_page",
    "render_timeline",
    "script_json",
    "split_sentence",
    "web_address",
    "write_feeds_page",
    "write_timeline",
]
