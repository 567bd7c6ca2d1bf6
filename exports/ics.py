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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from exports import ical_text
from exports.chronology import format_date
from timeline import schema
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


def _stamp_parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


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
    for source in dict.fromkeys((s.doc, s.title, s.url) for s in event.all_sources):
        source = schema.Source(*source)
        title = f"《{source.title}》" if source.title else ""
        lines.append("来源：" + " ".join(part for part in (title, source.doc) if part))
        if source.url:
            lines.append(f"链接：{source.url}")
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


def _items(table: pd.DataFrame, include_years: bool, include_open: bool = False) -> list[_Item]:
    """The calendar events of ``table``: never a publication line or a period.

    Year-level events (``include_years``) and open-ended ones (春节前, 截至9月:
    ``include_open``) only when asked for.
    """
    schema.require_columns(table, REQUIRED_COLUMNS)
    items: dict[str, _Item] = {}
    kinds = table["kind"].map(lambda k: clean_text(k, one_line=True)) if "kind" in table else None
    chosen = table if kinds is None else table[kinds.isin(["", "event"])]  # periods: 十四五
    for event in schema.events(chosen):
        if schema.calendar_exclusion(event, include_years, include_open):
            continue  # a publication line, a year-level or open-ended event (see the rule)
        item = _item(event)
        if item is not None and item.event_id not in items:  # one UID per calendar
            items[item.event_id] = item
    return sorted(items.values(), key=lambda item: (item.start, item.end, item.event_id))


# --- state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Revision:
    sequence: int
    last_modified: datetime


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


def _revise(items: Iterable[_Item], state: dict, now: datetime) -> dict[str, _Revision]:
    """SEQUENCE and LAST-MODIFIED of every item; ``state['events']`` is updated in place."""
    revisions: dict[str, _Revision] = {}
    events = state["events"]
    for item in items:
        digest = item.content_hash()
        known = events.get(item.event_id)
        if known is None:
            entry = {"hash": digest, "sequence": 0, "last_modified": _stamp_text(item.first_seen)}
        elif known["hash"] != digest:
            entry = {
                "hash": digest,
                "sequence": int(known["sequence"]) + 1,
                "last_modified": _stamp_text(max(now, _stamp_parse(known["last_modified"]))),
            }
        else:
            entry = known
        events[item.event_id] = entry
        revisions[item.event_id] = _Revision(
            int(entry["sequence"]), _stamp_parse(entry["last_modified"])
        )
    return revisions


# --- calendars --------------------------------------------------------------------------


def _vevent(item: _Item, revision: _Revision) -> bytes:
    """The VEVENT of ``item`` as folded bytes, written once and reused in every feed."""
    stamp = ical_text.utc_value(revision.last_modified)
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
    items: list[_Item],
    vevents: dict[str, bytes],
) -> bytes:
    """One feed: its header, the VTIMEZONE when an event has a time, then its VEVENTs."""
    parts = [_header(slug, name, about)]
    if any(item.time_start is not None for item in items):
        parts.append(ical_text.vtimezone(TIMEZONE))
    parts.extend(vevents[item.event_id] for item in items)
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


def subscription_window(items: list[_Item], vevents: dict[str, bytes]) -> int | None:
    """The first year the subscribed feeds hold; older events go to the yearly archives.

    Counted back from the newest publication date of the events (an event without
    one counts its own first day), never from the clock, so that rebuilding the
    same input writes the same feeds. :data:`WINDOW_YEARS` years back, fewer when
    ``all.ics`` would pass :data:`WINDOW_BYTES`, but always the newest year. None
    when there is nothing to leave out.
    """
    if not items:
        return None
    newest = max(item.first_seen for item in items).year
    sizes: dict[int, int] = {}
    for item in items:
        sizes[item.start.year] = sizes.get(item.start.year, 0) + len(vevents[item.event_id])
    first = newest - WINDOW_YEARS + 1
    while first < newest and sum(s for y, s in sizes.items() if y >= first) > WINDOW_BYTES:
        first += 1
    return first if min(sizes) < first else None


def _write(path: Path, payload: bytes) -> None:
    if not unchanged(path, payload):  # an untouched file keeps its mtime for HTTP caches
        write_atomic(path, payload)


def build_feeds(
    table: pd.DataFrame,
    out_dir: str | Path,
    *,
    include_years: bool = False,
    include_open: bool = False,
    now: datetime | None = None,
) -> list[Feed]:
    """Write ``feeds/all.ics`` and ``feeds/<slug>.ics`` per association under ``out_dir``.

    Returns the feeds written, ``all`` first, then by slug. ``now`` (UTC; default the
    clock, to the second) is only used as the LAST-MODIFIED of events whose content
    changed since the last build in ``out_dir``. Feeds this function wrote before
    for associations no longer in the table are removed.

    >>> feeds = build_feeds(table, "site", now=datetime(2024, 5, 1, tzinfo=UTC))
    >>> feeds[0].path
    'feeds/all.ics'
    """
    out_dir = Path(out_dir)
    folder = out_dir / FEEDS_FOLDER
    state_path = folder / STATE_FILE
    state = _load_state(state_path)
    items = _items(table, include_years, include_open)
    revisions = _revise(items, state, _utc(now))

    vevents = {item.event_id: _vevent(item, revisions[item.event_id]) for item in items}
    first_year = subscription_window(items, vevents)
    current = [item for item in items if first_year is None or item.start.year >= first_year]
    by_association: dict[str, list[_Item]] = {}
    for item in current:
        by_association.setdefault(item.association, []).append(item)
    associations = sorted(
        {clean_text(a, one_line=True) for a in table["association"].tolist()} - {""}
    )
    plan: list[tuple[str, str | None, list[_Item], int | None]] = [(ALL_SLUG, None, current, None)]
    per_association = sorted(
        ((slugify(name), name) for name in associations), key=lambda pair: pair[0]
    )
    for slug, name in per_association:
        plan.append((slug, name, by_association.get(name, []), None))
    by_year: dict[int, list[_Item]] = {}
    for item in items[: len(items) - len(current)]:  # sorted by start: the older ones
        by_year.setdefault(item.start.year, []).append(item)
    for year, chosen in sorted(by_year.items()):
        plan.append((f"{ARCHIVE}/{year}", None, chosen, year))

    feeds: list[Feed] = []
    for slug, association, chosen, year in plan:
        relative = f"{FEEDS_FOLDER}/{slug}.ics"
        name, about = _names(association, year)
        _write(out_dir / relative, _calendar(slug, name, about, chosen, vevents))
        feeds.append(Feed(association, slug, relative, len(chosen), year))

    written = {feed.path for feed in feeds}
    for stale in sorted(set(state["feeds"]) - written):
        parent, name = Path(stale).parent.as_posix(), Path(stale).name
        if parent in (FEEDS_FOLDER, f"{FEEDS_FOLDER}/{ARCHIVE}") and name.endswith(".ics"):
            (out_dir / parent / name).unlink(missing_ok=True)
    state["feeds"] = sorted(written)
    state_bytes = json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    _write(state_path, state_bytes.encode("utf-8"))
    return feeds


__all__ = ["Feed", "FeedStateError", "build_feeds", "clean_text", "fold", "http_url"]
