"""iCalendar feeds from the event table: ``feeds/all.ics`` and one per association.

Each event becomes an all-day ``VEVENT`` (RFC 5545) with an exclusive end, so a
calendar shows 2024-02-29 on the leap day only and 2024年4月 across all of April:

    DTSTART;VALUE=DATE:20240401
    DTEND;VALUE=DATE:20240501

Feeds are meant to be subscribed to, so rebuilding must not make clients think
everything changed. A rebuild of unchanged input is byte-identical, also into an
empty folder: an event's ``DTSTAMP``/``LAST-MODIFIED`` first come from the input
(the document's publication date, else the event's first day, at 00:00 UTC).
``feeds/.state.json`` remembers a hash of each event's content; when the content
changes in a later build, its ``SEQUENCE`` goes up by one and its
``LAST-MODIFIED``/``DTSTAMP`` become the build's ``now``.

Year-level events (2022年, 90年代) would cover a whole year in a calendar and are
left out unless ``include_years=True``.

The bytes are written here, not by a library (:mod:`exports.ical_text`): each
event's VEVENT is produced once and the same bytes go into every feed holding it
(all.ics, its association's, an archive). Text is stripped of control characters
(a title with CR/LF cannot start a new property), escaped as RFC 5545 TEXT, and
lines end in CRLF, folded at 75 octets between UTF-8 characters.

The subscribed feeds (all.ics and the associations') hold a window of years, the
newest :data:`WINDOW_YEARS` counted back from the newest publication date, fewer
when all.ics would pass :data:`WINDOW_BYTES`; older events go to one archive
feed per year, ``feeds/archive/<year>.ics`` (see :func:`subscription_window`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from exports import fragments, ical_text
from exports.chronology import format_date
from exports.feed_columns import Events, gathered, grouped
from exports.fragments import FragmentStore
from timeline import schema
from timeline.collector import collector_paused
from timeline.files import unchanged, write_atomic
from timeline.slugs import slugify

FEEDS_FOLDER = "feeds"
STATE_FILE = ".state.json"
ALL_SLUG = "all"
UID_DOMAIN = "cn-timeline"
PRODID = "-//cn-timeline//Event feeds//ZH"
REFRESH = timedelta(hours=12)
#: Subscribed feeds hold the newest ten years (counted from the newest publication
#: date) and everything after; older years go to ``feeds/archive/<year>.ics``.
WINDOW_YEARS = 10
#: ...and fewer years when all.ics would pass this size: Google Calendar documents
#: 1 MB as its limit for an imported .ics, and documents no larger one for a
#: subscribed calendar; Outlook and iCloud document none (see README, "Feeds").
WINDOW_BYTES = 1_000_000
ARCHIVE = "archive"
#: Times of day in the documents are local: the associations are in China.
TIMEZONE = ZoneInfo("Asia/Shanghai")
#: How long a timed event without a written end lasts in a calendar.
DEFAULT_DURATION = timedelta(hours=1)
REQUIRED_COLUMNS = (
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
    "anchor",
)
MAX_OCTETS = ical_text.MAX_OCTETS
#: With a ``split`` (forked processes), the rows to make are shared among this many
#: parts, from this many rows on.
SPLIT_PARTS = 2
SPLIT_FROM = 2_000
#: Runs functions at once and returns their results, in order.
Split = Callable[[list[Callable[[], Any]]], list[Any]]

# Everything str.splitlines() breaks on: each becomes an escaped "\n" (or a space
# in one-line properties), so no parser can see a new content line.
_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@dataclass(frozen=True)
class Feed:
    """One written feed: ``path`` is relative to the output folder."""

    association: str | None  # None for all.ics
    slug: str
    path: str
    events: int
    year: int | None = None  # the year of an archive feed; None for a subscribed one


class FeedStateError(ValueError):
    """``feeds/.state.json`` exists but cannot be read; delete it to start over."""


# --- text ---------------------------------------------------------------------------


def clean_text(value: object, *, one_line: bool = False) -> str:
    """Text safe for an iCalendar property: no control characters, line breaks as ``\\n``.

    >>> clean_text("标题\\r\\nBEGIN:VEVENT", one_line=True)
    '标题 BEGIN:VEVENT'
    """
    if one_line:
        return schema.one_line(value)
    text = schema.as_text(value).replace("\r\n", "\n")
    text = text.translate({ord(c): "\n" for c in _LINE_BREAKS})
    return schema.printable(text).strip()


http_url = schema.http_url  # kept here too: the feeds' links are checked by it


def fold(content: bytes) -> bytes:
    """Unfold, then fold every content line at 75 octets between UTF-8 characters.

    Continuation lines start with one space, which counts toward the 75 octets.
    """
    lines = content.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").split(b"\r\n")
    return b"".join(ical_text.fold_line(line.decode("utf-8")) for line in lines if line)


# --- values ---------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        moment = datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _stamp_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=1 << 14)  # a feed state's stamps are mostly a few thousand days
def _stamp_parse(text: str) -> datetime:
    """``2024-05-01T00:00:00Z`` (the state's only form) as a UTC datetime; ValueError else."""
    if len(text) != 20 or text[10] != "T" or text[19] != "Z" or not text[:4].isdigit():
        raise ValueError(f"not a time stamp: {text!r}")
    return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)  # strptime's result, faster


@dataclass(frozen=True)
class _Item:
    """What one VEVENT says, before SEQUENCE and the time stamps are known."""

    uid: str
    event_id: str
    association: str
    start: date
    end: date  # inclusive
    summary: str
    description: str
    url: str | None
    first_seen: datetime
    time_start: time | None = None  # local time in TIMEZONE: a timed event
    time_end: time | None = None

    def content_hash(self) -> str:
        content = [
            self.uid,
            self.association,
            self.start.isoformat(),
            self.end.isoformat(),
            self.summary,
            self.description,
            self.url or "",
        ]
        if self.time_start is not None:  # all-day events keep the hash they had
            content += [schema.time_text(self.time_start), schema.time_text(self.time_end)]
        payload = json.dumps(content, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(payload).hexdigest()


def _when(event: schema.Event) -> str:
    when = format_date(event.start, event.end, event.granularity)
    if event.qualifier:
        when = schema.qualified(event.qualifier, when)
    if event.timed:
        when += " " + schema.time_text(event.time_start)
        if event.time_end is not None:
            when += "—" + schema.time_text(event.time_end)
    return when


def _description(event: schema.Event) -> str:
    """The sentence, then what a subscriber needs to trust the date.

    A corrected event says what the reviewer set, never how the machine read the
    date it replaced.
    """
    lines = [clean_text(event.description), ""]
    role = "截止日期" if event.role == "deadline" else "日期"
    lines.append(f"{role}：{_when(event)}")
    if event.status == "corrected":
        lines.append(f"审核：{schema.STATUS['corrected']}（日期由审核人设定）")
    else:
        if event.date_text:
            lines.append(f"原文日期：{clean_text(event.written_date, one_line=True)}")
        precision = schema.precision_label(event.granularity, event.start, event.end)
        lines.append(f"精度：{precision}")
        if event.anchor:
            lines.append(f"推断：{schema.ANCHOR.get(event.anchor, event.anchor)}（{event.anchor}）")
        if event.status in schema.STATUS:
            lines.append(f"审核：{schema.STATUS[event.status]}")
    for doc, title, url in dict.fromkeys((s.doc, s.title, s.url) for s in event.all_sources):
        named = f"《{title}》" if title else ""
        lines.append("来源：" + " ".join(part for part in (named, doc) if part))
        if url:
            lines.append(f"链接：{url}")
    return "\n".join(lines).strip()


def _item(event: schema.Event) -> _Item | None:
    if event.end == date.max or not event.event_id:
        return None
    summary = event.title or event.description[:40] or event.date_text
    if event.role == "deadline":
        summary = f"截止：{summary}"
    return _Item(
        uid=f"{event.event_id}@{UID_DOMAIN}",
        event_id=event.event_id,
        association=event.association,
        start=event.start,
        end=event.end,
        summary=clean_text(summary, one_line=True),
        description=_description(event),
        url=event.source_url,
        first_seen=_midnight(event.published or event.start),
        time_start=event.time_start if event.timed else None,
        time_end=event.time_end if event.timed else None,
    )


class _Slot(NamedTuple):
    """What a feed's plan needs of one calendar event: small, kept with its VEVENT bytes."""

    event_id: str
    association: str
    start: date
    end: date
    first_seen: datetime
    timed: bool
    digest: str  # :meth:`_Item.content_hash`: a change gives a new SEQUENCE

    @classmethod
    def of(cls, item: _Item) -> _Slot:
        return cls(
            item.event_id,
            item.association,
            item.start,
            item.end,
            item.first_seen,
            item.time_start is not None,
            item.content_hash(),
        )

    def pack(self) -> tuple:
        """Plain values, quick to pickle in the fragment store (days as ordinals)."""
        first_seen = (
            self.first_seen.date().toordinal() if self.first_seen.time() == time(0) else None
        )
        if first_seen is None:  # not a midnight (_midnight makes them all): kept whole
            return tuple(self)
        start, end = self.start.toordinal(), self.end.toordinal()
        return (self.event_id, self.association, start, end, first_seen, self.timed, self.digest)


@lru_cache(maxsize=1 << 16)
def _midnight_of(ordinal: int) -> datetime:
    return _midnight(date.fromordinal(ordinal))


def _candidates(table: pd.DataFrame, include_years: bool, include_open: bool) -> pd.Series:
    """Rows that may be calendar events, found without decoding them (a boolean Series).

    :func:`schema.calendar_exclusion` reads only the role, the granularity and the
    qualifier, and a period (``kind``) is never one: each distinct combination of
    those cells, cleaned as :func:`schema.decode` cleans them, is asked once, so
    the rows left out (two thirds of a large table: publication lines, years)
    are never decoded. The rows kept are decoded and asked again.
    """
    keep = pd.Series(True, index=table.index)
    if "kind" in table:
        kinds = table["kind"].map(lambda k: clean_text(k, one_line=True))
        keep &= kinds.isin(["", "event"])
    columns = [c for c in ("role", "granularity", "qualifier") if c in table]
    if not columns:
        return keep
    cells = table[columns].astype(str) if len(table) else table[columns]
    verdict: dict[tuple, bool] = {}
    for combination in cells.drop_duplicates().itertuples(index=False, name=None):
        values = dict(zip(columns, combination, strict=True))
        role = schema.one_line(values.get("role")) or "event"
        qualifier = schema.one_line(values.get("qualifier"))
        stand_in = SimpleNamespace(
            role=role if role in schema.ROLE else "event",
            granularity=schema.one_line(values.get("granularity")),
            open_ended=qualifier in schema.QUALIFIER and qualifier in schema.OPEN_QUALIFIERS,
        )
        verdict[combination] = not schema.calendar_exclusion(stand_in, include_years, include_open)
    chosen = [verdict[c] for c in cells.itertuples(index=False, name=None)]
    return keep & pd.Series(chosen, index=table.index, dtype=bool)


def _item_of(event: schema.Event | None, include_years: bool, include_open: bool) -> _Item | None:
    """The calendar event of a decoded row, or None (no dates, left out by the rule, no id)."""
    if event is None or schema.calendar_exclusion(event, include_years, include_open):
        return None  # a publication line, a year-level or open-ended event (see the rule)
    return _item(event)


# --- state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Revision:
    sequence: int
    stamp: str  # LAST-MODIFIED as the state writes it: 2024-05-01T00:00:00Z

    @property
    def made(self) -> tuple[int, str]:
        """What a VEVENT's bytes depend on besides its row."""
        return self.sequence, self.stamp


def _load_state(path: Path) -> dict:
    if not path.exists():
        return {"events": {}, "feeds": []}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state.get("events"), dict) or not isinstance(state.get("feeds"), list):
            raise ValueError("not a feed state")
        for entry in state["events"].values():
            int(entry["sequence"])
            _stamp_parse(entry["last_modified"])
            str(entry["hash"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise FeedStateError(
            f"{path}: unreadable feed state ({error}); delete it to rebuild from the input"
        ) from error
    return state


def _revise(events: Events, state: dict, now: datetime) -> list[tuple[int, str]]:
    """SEQUENCE and LAST-MODIFIED of every event (``made``, in order); ``state['events']``
    is updated in place. An event whose entry holds its digest keeps the entry as it is
    (all but the new and changed ones: found at once, not one call each)."""
    entries = state["events"]
    known = list(map(entries.get, events.event_id))
    revisions = [
        (int(entry["sequence"]), entry["last_modified"])
        if entry is not None and entry["hash"] == digest
        else None
        for entry, digest in zip(known, events.digest, strict=True)
    ]
    for at in [at for at, revision in enumerate(revisions) if revision is None]:
        first_seen = events.first_seen[at]
        if type(first_seen) is int:
            first_seen = _midnight_of(first_seen)
        entry = _entry(events.digest[at], first_seen, known[at], now)
        entries[events.event_id[at]] = entry
        revisions[at] = (int(entry["sequence"]), entry["last_modified"])
    return revisions


def _entry(digest: str, first_seen: datetime, known: dict | None, now: datetime) -> dict:
    """The state's entry of an event of content ``digest``, given the last build's
    (``known``, None when new)."""
    if known is None:
        return {"hash": digest, "sequence": 0, "last_modified": _stamp_text(first_seen)}
    if known["hash"] != digest:
        return {
            "hash": digest,
            "sequence": int(known["sequence"]) + 1,
            "last_modified": _stamp_text(max(now, _stamp_parse(known["last_modified"]))),
        }
    return known


# --- calendars --------------------------------------------------------------------------


def _vevent(item: _Item, revision: _Revision) -> bytes:
    """The VEVENT of ``item`` as folded bytes, written once and reused in every feed."""
    stamp = ical_text.utc_value(_stamp_parse(revision.stamp))
    lines = [b"BEGIN:VEVENT\r\n", ical_text.text_line("SUMMARY", item.summary)]
    duration = None
    if item.time_start is not None:  # a timed event, in local time with its VTIMEZONE
        zone = f"TZID={TIMEZONE.key}"
        start = datetime.combine(item.start, item.time_start)
        lines.append(ical_text.fold_line(f"DTSTART;{zone}:{ical_text.local_value(start)}"))
        if item.time_end is not None and item.time_end > item.time_start:
            end = datetime.combine(item.start, item.time_end)
            lines.append(ical_text.fold_line(f"DTEND;{zone}:{ical_text.local_value(end)}"))
        else:
            duration = ical_text.duration_value(DEFAULT_DURATION)  # no end written: one hour
    else:  # DTEND of an all-day event is exclusive
        last = item.end + timedelta(days=1)
        lines.append(f"DTSTART;VALUE=DATE:{ical_text.date_value(item.start)}\r\n".encode())
        lines.append(f"DTEND;VALUE=DATE:{ical_text.date_value(last)}\r\n".encode())
    lines += [
        f"DTSTAMP:{stamp}\r\n".encode(),
        ical_text.text_line("UID", item.uid),
        f"SEQUENCE:{revision.sequence}\r\n".encode(),
        ical_text.text_line("CATEGORIES", item.association),
        ical_text.text_line("DESCRIPTION", item.description),
        f"LAST-MODIFIED:{stamp}\r\n".encode(),
        b"TRANSP:TRANSPARENT\r\n" if item.time_start is None else b"TRANSP:OPAQUE\r\n",
    ]
    if item.url:
        lines.append(ical_text.fold_line(f"URL:{item.url}"))
    if duration:
        lines.append(f"DURATION:{duration}\r\n".encode())
    lines.append(b"END:VEVENT\r\n")
    return b"".join(lines)


def _header(slug: str, name: str, about: str) -> bytes:
    """BEGIN:VCALENDAR and the calendar's own properties (RFC 5545 and RFC 7986)."""
    refresh = ical_text.duration_value(REFRESH)
    calendar_uid = uuid.uuid5(uuid.NAMESPACE_URL, f"{UID_DOMAIN}:{FEEDS_FOLDER}/{slug}")
    name = clean_text(name, one_line=True)
    return b"".join(
        [
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n",
            ical_text.fold_line(f"PRODID:{PRODID}"),
            b"CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n",
            ical_text.text_line("DESCRIPTION", about),
            ical_text.text_line("X-WR-CALDESC", about),  # the older name clients still read
            ical_text.text_line("NAME", name),
            ical_text.text_line("X-WR-CALNAME", name),
            # RFC 7986 wants the value type spelled out; X-PUBLISHED-TTL is its older twin.
            f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}\r\n".encode(),
            f"UID:{calendar_uid}\r\n".encode(),
            f"X-PUBLISHED-TTL:{refresh}\r\n".encode(),
        ]
    )


def _calendar(
    slug: str,
    name: str,
    about: str,
    members: np.ndarray,
    events: Events,
) -> bytes:
    """One feed: its header, the VTIMEZONE when an event has a time, then its VEVENTs
    (``members``: their places in ``events``, in order)."""
    parts = [_header(slug, name, about)]
    if events.timed[members].any():
        parts.append(ical_text.vtimezone(TIMEZONE))
    data = events.data
    parts.extend(data[at] for at in members.tolist())
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)


def _names(association: str | None, year: int | None) -> tuple[str, str]:
    """The calendar name and description of the all-events, an association's or a year's feed."""
    how = "cn-timeline 自动提取；写明时刻的按北京时间，其余为全天事件"
    if year is not None:
        return f"全部协会活动（{year}年存档）", f"各协会文件中提到的{year}年活动日期（{how}）。"
    if association is None:
        return "全部协会活动", f"各协会文件中提到的活动日期（{how}）。"
    return association, f"{association}文件中提到的活动日期（{how}）。"


def subscription_window(events: Events) -> int | None:
    """The first year the subscribed feeds hold; older events go to the yearly archives.

    Counted back from the newest publication date of the events (an event without
    one counts its own first day), never from the clock, so that rebuilding the
    same input writes the same feeds. :data:`WINDOW_YEARS` years back, fewer when
    ``all.ics`` would pass :data:`WINDOW_BYTES`, but always the newest year. None
    when there is nothing to leave out.
    """
    if not len(events):
        return None
    newest = events.newest_year()
    years = events.years()
    sizes = np.fromiter(map(len, events.data), dtype=np.int64, count=len(events))
    first = newest - WINDOW_YEARS + 1
    while first < newest and int(sizes[years >= first].sum()) > WINDOW_BYTES:
        first += 1
    return first if int(years.min()) < first else None


def _write(path: Path, payload: bytes) -> bool:
    """Write ``payload`` unless ``path`` holds it already; whether it was written."""
    if unchanged(path, payload):  # an untouched file keeps its mtime for HTTP caches
        return False
    write_atomic(path, payload)
    return True


@dataclass
class FeedPlan:
    """The feeds of a table, every VEVENT made, nothing written yet (:func:`plan_feeds`).

    ``feeds`` is what the page links to and the feeds page lists (names, paths,
    counts, windows); :func:`write_feeds` writes the files. Planning reads the
    feed state of the folder it is given; writing updates it.
    """

    calendars: list[tuple[Feed, str | None, np.ndarray]]  # members: places in ``events``
    state: dict
    events: Events  # every calendar event, in the feeds' order, with its VEVENT
    rendered: int = 0  # VEVENTs made by this plan; the others came from the cache

    @property
    def feeds(self) -> list[Feed]:
        return [feed for feed, _, _ in self.calendars]

    @property
    def vevents(self) -> dict[str, bytes]:
        """Each calendar event's VEVENT by its id (read from :attr:`events`)."""
        return dict(zip(self.events.event_id, self.events.data, strict=True))


def plan_feeds(
    table: pd.DataFrame,
    out_dir: str | Path,
    *,
    include_years: bool = False,
    include_open: bool = False,
    now: datetime | None = None,
    cache: Path | None = None,
    keys: fragments.Keys | None = None,
    split: Split | None = None,
) -> FeedPlan:
    """Every feed of ``table`` and every VEVENT's bytes, from the state in ``out_dir/feeds``.

    ``cache``: a folder where each row's VEVENT is kept between builds
    (:mod:`exports.fragments`), keyed by the row's cells, the options and the
    code, with the SEQUENCE and time stamps it was made with: a row seen in the
    last build is neither decoded nor rendered again. None: everything is made.
    ``keys``: the rows' keys (:func:`exports.fragments.row_keys`) when the caller has them.
    ``split``: runs functions at once and returns their results in order (forked
    processes, :func:`exports.site_writers.run_all`): the rows to decode and render
    are then shared among :data:`SPLIT_PARTS` of them. None: all here.
    """
    schema.require_columns(table, REQUIRED_COLUMNS)
    with collector_paused():
        return _planned(table, Path(out_dir), include_years, include_open, now, cache, keys, split)


def _planned(
    table: pd.DataFrame,
    out_dir: Path,
    include_years: bool,
    include_open: bool,
    now: datetime | None,
    cache: Path | None,
    keys: fragments.Keys | None,
    split: Split | None,
) -> FeedPlan:
    """:func:`plan_feeds`, its arguments checked."""
    state = _load_state(out_dir / FEEDS_FOLDER / STATE_FILE)
    store = None
    if cache is not None:
        store = FragmentStore(cache, "vevents", fragments.salt(table, include_years, include_open))
    options = _Options(include_years, include_open, state["events"], _utc(now))
    if store is not None and keys is None:
        keys = fragments.row_keys(table)
    try:
        found, kept = _rows(table, options, store, keys, split)
        events = found.chosen()  # one UID per calendar, in the feeds' order
        revisions = _revise(events, state, options.now)
        for at, (made, revision) in enumerate(zip(events.made, revisions, strict=True)):
            if made == revision:
                continue
            # made with another SEQUENCE (one event id in two rows): made again
            position = int(events.position[at])
            item = _item_of(_decode_at(table, position), include_years, include_open)
            events.data[at] = _vevent(item, _Revision(*revision))
            events.made[at], events.fresh[at] = revision, True
            if store is not None:  # kept for the next build, over the stored one
                key = tuple(keys[position].tolist())
                store.put(key, (_Slot.of(item).pack(), revision), events.data[at])
        if store is not None:  # this table's rows, kept for the next build
            store.save(kept)
    finally:
        if store is not None:
            store.close()
    return FeedPlan(_plan(table, events), state, events, int(events.fresh.sum()))


@dataclass(frozen=True)
class _Options:
    """What making a row's VEVENT reads besides the row: the options, the state, the time."""

    include_years: bool
    include_open: bool
    events: dict  # the feed state's events, as the last build left them (read only here)
    now: datetime


def _rows(
    table: pd.DataFrame,
    options: _Options,
    store: FragmentStore | None,
    keys: fragments.Keys | None = None,
    split: Split | None = None,
) -> tuple[Events, np.ndarray]:
    """The rows that are calendar events, in order, each with its VEVENT, and the store's
    entries found (to keep): from the store when the row was there, else made (and put
    in the store, calendar event or not, so that the next build need not ask again).

    A VEVENT is made with the SEQUENCE the state gives its event (:func:`_made`);
    the caller makes it again in the rare case the state says otherwise once every
    row is known (an event id in two rows). The rows kept come as the store holds
    them (packed slots, ``made``, bytes), cut into columns at once
    (:func:`exports.feed_columns.gathered`), never an object each.
    """
    found = store.find(keys) if store is not None else np.full(len(table), -1, dtype=np.int64)
    kept: list[tuple] = []
    hits = np.flatnonzero(found >= 0)
    if len(hits):  # the rows kept: their metas, then the bytes of the calendar events' only
        metas = store.metas(found[hits])
        events = np.flatnonzero(np.fromiter((m is not None for m in metas), bool, len(metas)))
        kept = [
            (position, *metas[at], data)
            for at, position, data in zip(
                events.tolist(),
                hits[events].tolist(),
                store.datas(found[hits[events]]),
                strict=True,
            )
        ]
    pending = np.flatnonzero(found < 0).tolist()
    parts = SPLIT_PARTS if split is not None and len(pending) >= SPLIT_FROM else 1
    size = -(-len(pending) // parts) if pending else 0
    chunks = [pending[first : first + size] for first in range(0, len(pending), size or 1)]
    work = [partial(_made, table, chunk, options) for chunk in chunks]
    fresh: list[tuple] = []
    for made in split(work) if parts > 1 else [w() for w in work]:
        for position, packed, made_with, data in made:
            if store is not None:
                key = tuple(keys[position].tolist())
                store.put(key, None if packed is None else (packed, made_with), data)
            if packed is not None:
                fresh.append((position, packed, made_with, data))
    return gathered(kept, fresh), found[hits]


def _made(table: pd.DataFrame, positions: list[int], options: _Options) -> list[tuple]:
    """``(position, packed slot, made with, VEVENT)`` of each row of ``positions``.

    Only the rows that may be calendar events (:func:`_candidates`) are decoded.
    Plain values, so that a forked process can send them back.
    """
    part = table.iloc[positions]
    candidates = _candidates(part, options.include_years, options.include_open).to_numpy()
    # a VEVENT reads each source's document, title and link (_description), never its
    # sentence: decoded without them (a merged row of a large corpus lists dozens)
    decoded = iter(schema.decoded_rows(part[candidates], sentences=False))
    out = []
    for position, candidate in zip(positions, candidates, strict=True):
        event = next(decoded) if candidate else None
        item = _item_of(event, options.include_years, options.include_open) if candidate else None
        if item is None:
            out.append((position, None, None, b""))
            continue
        slot = _Slot.of(item)
        entry = _entry(slot.digest, slot.first_seen, options.events.get(slot.event_id), options.now)
        revision = _Revision(int(entry["sequence"]), entry["last_modified"])
        out.append((position, slot.pack(), revision.made, _vevent(item, revision)))
    return out


def _decode_at(table: pd.DataFrame, position: int) -> schema.Event | None:
    return next(iter(schema.decoded_rows(table.iloc[position : position + 1], sentences=False)))


def _plan(table: pd.DataFrame, events: Events) -> list[tuple[Feed, str | None, np.ndarray]]:
    """Every feed: all.ics, one per association (even empty), the yearly archives; each
    with its members, places in ``events`` (sorted as the feeds list them)."""
    first_year = subscription_window(events)
    years = events.years()
    everything = np.arange(len(events))
    current = everything if first_year is None else everything[years >= first_year]
    names = events.association
    by_association = grouped([names[at] for at in current.tolist()], current)
    associations = sorted(
        {clean_text(a, one_line=True) for a in table["association"].unique().tolist()} - {""}
    )
    nothing = np.empty(0, dtype=np.int64)
    plan: list[tuple[str, str | None, np.ndarray, int | None]] = [(ALL_SLUG, None, current, None)]
    for slug, name in sorted(((slugify(name), name) for name in associations), key=lambda p: p[0]):
        plan.append((slug, name, by_association.get(name, nothing), None))
    older = everything[: len(everything) - len(current)]  # sorted by start: the older ones
    for year, chosen in sorted(grouped(years[older].tolist(), older).items()):
        plan.append((f"{ARCHIVE}/{year}", None, chosen, year))
    return [
        (
            Feed(association, slug, f"{FEEDS_FOLDER}/{slug}.ics", len(chosen), year),
            association,
            chosen,
        )
        for slug, association, chosen, year in plan
    ]


#: A text as ``json.dumps(..., ensure_ascii=False)`` writes it (the C encoder).
_json_text = json.encoder.encode_basestring
_ENTRY_FIELDS = frozenset({"hash", "last_modified", "sequence"})


def state_text(state: dict) -> str:
    """``json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True)`` and a line feed.

    The feed state holds one entry per calendar event (16,000 at 10,000
    documents), and ``json`` writes an indented text in Python, not C: 0.3 s of
    a +1 % rebuild. A state of the form :func:`write_feeds` makes (texts, whole
    numbers) is written here line by line, each text by ``json``'s own C
    encoder; anything else by ``json.dumps`` itself (``tests/test_ics.py``
    compares both on random states).
    """
    events, feeds = state.get("events"), state.get("feeds")
    if state.keys() != {"events", "feeds"} or type(events) is not dict or type(feeds) is not list:
        return _json_state(state)
    lines = []
    for event_id in sorted(events) if all(type(k) is str for k in events) else ():
        entry = events[event_id]
        if type(entry) is not dict or entry.keys() != _ENTRY_FIELDS:
            return _json_state(state)
        digest, stamp, sequence = entry["hash"], entry["last_modified"], entry["sequence"]
        if type(digest) is not str or type(stamp) is not str or type(sequence) is not int:
            return _json_state(state)
        lines.append(
            f'  {_json_text(event_id)}: {{\n   "hash": {_json_text(digest)},\n'
            f'   "last_modified": {_json_text(stamp)},\n   "sequence": {sequence}\n  }}'
        )
    if len(lines) != len(events) or not all(type(path) is str for path in feeds):
        return _json_state(state)
    paths = [f"  {_json_text(path)}" for path in feeds]
    events_text = "{\n" + ",\n".join(lines) + "\n }" if lines else "{}"
    feeds_text = "[\n" + ",\n".join(paths) + "\n ]" if paths else "[]"
    return f'{{\n "events": {events_text},\n "feeds": {feeds_text}\n}}\n'


def _json_state(state: dict) -> str:
    return json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write_feeds(
    plan: FeedPlan, out_dir: str | Path, digests: dict[str, str] | None = None
) -> list[Feed]:
    """Write the feeds of ``plan`` and their state under ``out_dir``.

    Feeds this folder's state names and the plan does not (an association no
    longer in the table, a year back in the window) are removed. ``digests``: a
    dict this fills with the SHA-256 of each file it wrote, by path relative to
    ``out_dir`` (a file left as it was is not named), hashed from the bytes in
    memory: the build's state (:func:`exports.rebuild.record`) reads none back.
    """
    out_dir = Path(out_dir)
    state = plan.state

    def write(relative: str, payload: bytes) -> None:
        if _write(out_dir / relative, payload) and digests is not None:
            digests[relative] = hashlib.sha256(payload).hexdigest()

    for feed, association, members in plan.calendars:
        name, about = _names(association, feed.year)
        write(feed.path, _calendar(feed.slug, name, about, members, plan.events))
    written = {feed.path for feed in plan.feeds}
    for stale in sorted(set(state["feeds"]) - written):
        parent, name = Path(stale).parent.as_posix(), Path(stale).name
        if parent in (FEEDS_FOLDER, f"{FEEDS_FOLDER}/{ARCHIVE}") and name.endswith(".ics"):
            (out_dir / parent / name).unlink(missing_ok=True)
    state["feeds"] = sorted(written)
    write(f"{FEEDS_FOLDER}/{STATE_FILE}", state_text(state).encode("utf-8"))
    return plan.feeds


def build_feeds(
    table: pd.DataFrame,
    out_dir: str | Path,
    *,
    include_years: bool = False,
    include_open: bool = False,
    now: datetime | None = None,
    cache: Path | None = None,
) -> list[Feed]:
    """Write ``feeds/all.ics`` and ``feeds/<slug>.ics`` per association under ``out_dir``.

    Returns the feeds written, ``all`` first, then by slug. ``now`` (UTC; default the
    clock, to the second) is only used as the LAST-MODIFIED of events whose content
    changed since the last build in ``out_dir``. Feeds this function wrote before
    for associations no longer in the table are removed. :func:`plan_feeds`, then
    :func:`write_feeds`.

    >>> feeds = build_feeds(table, "site", now=datetime(2024, 5, 1, tzinfo=UTC))
    >>> feeds[0].path
    'feeds/all.ics'
    """
    plan = plan_feeds(
        table, out_dir, include_years=include_years, include_open=include_open, now=now, cache=cache
    )
    return write_feeds(plan, out_dir)


__all__ = [
    "Feed",
    "FeedPlan",
    "FeedStateError",
    "build_feeds",
    "clean_text",
    "fold",
    "http_url",
    "plan_feeds",
    "state_text",
    "write_feeds",
]
