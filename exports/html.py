"""The event table as one self-contained HTML page: a chronology to filter and print.

:func:`render_timeline` turns the table into a single ``index.html`` that works
from ``file://`` as well as from a web server: its CSS and script are inline, it
asks for nothing over the network (no fonts, no CDNs), and a
``Content-Security-Policy`` meta tag allows only the exact inline ``<style>`` and
``<script>`` it was built with, by their SHA-256 hashes, so text from a document
can never run as code even if an escaping bug slipped through.

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
from collections.abc import Iterable, Mapping
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
from timeline import schema
from timeline.files import unchanged, write_atomic

DEFAULT_TITLE = "协会大事记"
ALL_ASSOCIATIONS = "全部协会"
INDEX = "index.html"
FEEDS_PAGE = "feeds.html"

PALETTE_SIZE = 8  # colour classes c0 … c7 in timeline.css

# The overview's geometry, in SVG user units.
OVERVIEW_WIDTH = 960
LANE_LABEL_WIDTH = 176
PLOT_LEFT = 184
PLOT_RIGHT = OVERVIEW_WIDTH - 16
AXIS_HEIGHT = 26
LANE_HEIGHT = 24
MIN_LABEL_SPACING = 36  # between year labels
LANE_LABEL_CHARACTERS = 11

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
        label = association or ALL_ASSOCIATIONS
        events = int(_field(feed, "events") or 0)
        if base is None:
            links.append(FeedLink(label, association, events, path, path, relative=True))
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
    association: str
    lane: int
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


def event_views(rows: list[dict], lanes: dict[str, int]) -> list[EventView]:
    views = []
    for index, row in enumerate(rows):
        start, end, granularity = row["start"], row["end"], _text(row["granularity"])
        precision = _precision(start, end, granularity)
        description = _text(row["description"]) or _text(row["title"])
        event = schema.decode(row)
        before, mark, after = split_sentence(description, _text(row["date_text"]))
        if event is not None and event.status == "corrected":
            before, mark, after = description, "", ""  # the reviewer's date, not this one
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
                title=_text(row["title"]),
                association=row["association"],
                lane=lanes[row["association"]],
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
    label: str
    count: int
    y: str
    label_y: str


@dataclass(frozen=True)
class Tick:
    year: int
    x: str
    label_x: str
    labelled: bool
    linked: bool


@dataclass(frozen=True)
class Mark:
    index: int
    lane: int
    kind: str  # "dot" or "bar"
    x: str
    y: str
    width: str
    tip: str


@dataclass(frozen=True)
class Overview:
    width: int
    height: int
    lanes: list[Lane]
    ticks: list[Tick]
    marks: list[Mark]
    axis_y: str
    plot_left: int
    plot_right: int
    description: str


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def overview(views: list[EventView], lanes: list[tuple[str, int]], years: set[int]) -> Overview:
    """One lane per association across the years, one mark per event."""
    first = min(view.start.year for view in views)
    last = max(view.end.year for view in views)
    origin = date(first, 1, 1).toordinal()
    days = date(last + 1, 1, 1).toordinal() - origin
    scale = (PLOT_RIGHT - PLOT_LEFT) / days

    def x(day: date) -> float:
        return PLOT_LEFT + (day.toordinal() - origin) * scale

    per_year = (PLOT_RIGHT - PLOT_LEFT) / (last - first + 1)
    step = max(1, math.ceil(MIN_LABEL_SPACING / per_year))
    ticks = [
        Tick(
            year=year,
            x=_number(x(date(year, 1, 1))),
            label_x=_number(x(date(year, 1, 1)) + per_year / 2),
            labelled=(year - first) % step == 0,
            linked=year in years,
        )
        for year in range(first, last + 1)
    ]
    lane_views = [
        Lane(
            index=index,
            name=name,
            label=name
            if len(name) <= LANE_LABEL_CHARACTERS
            else name[: LANE_LABEL_CHARACTERS - 1] + "…",
            count=count,
            y=_number(AXIS_HEIGHT + index * LANE_HEIGHT),
            label_y=_number(AXIS_HEIGHT + index * LANE_HEIGHT + LANE_HEIGHT / 2),
        )
        for index, (name, count) in enumerate(lanes)
    ]
    marks = []
    for view in views:
        left, right = x(view.start), x(date.fromordinal(view.end.toordinal() + 1))
        middle = AXIS_HEIGHT + view.lane * LANE_HEIGHT + LANE_HEIGHT / 2
        tip = f"{DASH.join(part.text for part in view.dates)} {view.title}（{view.association}）"
        if right - left < 6:
            marks.append(
                Mark(
                    view.index,
                    view.lane,
                    "dot",
                    _number((left + right) / 2),
                    _number(middle),
                    "0",
                    tip,
                )
            )
        else:
            marks.append(
                Mark(
                    view.index,
                    view.lane,
                    "bar",
                    _number(left),
                    _number(middle - 5),
                    _number(right - left),
                    tip,
                )
            )
    span = f"{first}年" if first == last else f"{first}{DASH}{last}年"
    return Overview(
        width=OVERVIEW_WIDTH,
        height=AXIS_HEIGHT + len(lanes) * LANE_HEIGHT + 6,
        lanes=lane_views,
        ticks=ticks,
        marks=marks,
        axis_y=_number(AXIS_HEIGHT - 9),
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        description=f"{span}各协会事件分布：{len(lanes)} 个协会，共 {len(views)} 条事件",
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


def content_security_policy(styles: Iterable[str], scripts: Iterable[str]) -> str:
    """No network fetch at all; only the given inline style and script contents."""
    style_sources = " ".join(csp_hash(style) for style in styles) or "'none'"
    script_sources = " ".join(csp_hash(script) for script in scripts) or "'none'"
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


def render_timeline(
    table: pd.DataFrame,
    feeds: Iterable[Any] = (),
    *,
    title: str = DEFAULT_TITLE,
    base_url: str | None = None,
) -> str:
    """The whole timeline page (``index.html``) of ``table`` as one string.

    ``feeds`` (see :func:`feed_links`) are listed with subscribe links; with
    ``base_url`` (``https://host/path/``) those are ``webcal://host/path/…``.
    """
    rows = _rows(table)
    lanes = _lanes(rows)
    lane_of = {name: index for index, (name, _) in enumerate(lanes)}
    views = event_views(rows, lane_of)
    sections = year_sections(views)
    links = feed_links(feeds, base_url)
    css = _asset("timeline.css", "</style")
    scripts = [_asset("timeline.js", "</script")]
    if any(link.relative for link in links):
        scripts.append(_asset("feeds.js", "</script"))
    data = {
        "associations": [name for name, _ in lanes],
        "events": [
            [view.event_id, view.lane, view.start.isoformat(), view.end.isoformat()]
            for view in views
        ],
    }
    template = _environment().get_template("timeline.html.j2")
    return template.render(
        title=title,
        csp=content_security_policy([css], scripts),
        css=css,
        scripts=scripts,
        data=script_json(data),
        sections=sections,
        lanes=[
            (index, name, count, index % PALETTE_SIZE) for index, (name, count) in enumerate(lanes)
        ],
        overview=overview(views, lanes, {section.year for section in sections}) if views else None,
        feeds=links,
        total=len(views),
        year_span=_year_span(views),
        first_day=views[0].start.isoformat() if views else "",
        last_day=max(view.end for view in views).isoformat() if views else "",
        palette=PALETTE_SIZE,
    )


def render_feeds_page(
    feeds: Iterable[Any], base_url: str | None = None, *, title: str = DEFAULT_TITLE
) -> str:
    """``feeds.html``: every feed with a subscribe link and a plain download link."""
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
) -> Path:
    """Write ``index.html`` (and ``feeds.html`` when there are feeds) atomically.

    A file whose content would not change is left as it is. Returns the path of
    ``index.html``.
    """
    out = Path(out_dir)
    feeds = list(feeds)
    index = _write(out / INDEX, render_timeline(table, feeds, title=title, base_url=base_url))
    if feeds:
        write_feeds_page(feeds, out, base_url, title=title)
    return index


def write_feeds_page(
    feeds: Iterable[Any],
    out_dir: str | Path,
    base_url: str | None = None,
    *,
    title: str = DEFAULT_TITLE,
) -> Path:
    """Write ``feeds.html`` atomically and return its path."""
    return _write(Path(out_dir) / FEEDS_PAGE, render_feeds_page(feeds, base_url, title=title))


__all__ = [
    "DEFAULT_TITLE",
    "FeedLink",
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
