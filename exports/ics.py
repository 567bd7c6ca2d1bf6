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

The bytes are checked rather than trusted to the library: text is stripped of
control characters (a title with CR/LF cannot start a new property), lines end in
CRLF and are folded at 75 octets between UTF-8 characters.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
from icalendar import Calendar, Event
from icalendar.prop import vDuration

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
MAX_OCTETS = 75

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
    out: list[bytes] = []
    for line in content.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").split(b"\r\n"):
        if not line:
            continue
        text = line.decode("utf-8")
        piece, size, limit = [], 0, MAX_OCTETS
        for char in text:
            width = len(char.encode("utf-8"))
            if size + width > limit:
                out.append("".join(piece).encode("utf-8"))
                piece, size, limit = [" "], 1, MAX_OCTETS
            piece.append(char)
            size += width
        out.append("".join(piece).encode("utf-8"))
    return b"\r\n".join(out) + b"\r\n"


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
        payload = json.dumps(content, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(payload).hexdigest()


def _description(row: dict, start: date, end: date, url: str | None) -> str:
    granularity = clean_text(row.get("granularity"), one_line=True)
    lines = [clean_text(row.get("description"))]
    lines.append("")
    lines.append(f"日期：{format_date(start, end, granularity)}")
    date_text = clean_text(row.get("date_text"), one_line=True)
    if date_text:
        lines.append(f"原文日期：{date_text}")
    lines.append(f"精度：{schema.precision_label(granularity, start, end)}")
    anchor = clean_text(row.get("anchor"), one_line=True)
    if anchor:
        lines.append(f"推断：{schema.ANCHOR.get(anchor, anchor)}（{anchor}）")
    title = clean_text(row.get("doc_title"), one_line=True)
    doc = clean_text(row.get("doc"), one_line=True)
    source = " ".join(part for part in (f"《{title}》" if title else "", doc) if part)
    if source:
        lines.append(f"来源：{source}")
    if url:
        lines.append(f"链接：{url}")
    status = clean_text(row.get("status"), one_line=True)
    if status in schema.STATUS:
        lines.append(f"审核：{schema.STATUS[status]}")
    return "\n".join(lines).strip()


def _item(row: dict) -> _Item | None:
    start, end = schema.as_date(row.get("start")), schema.as_date(row.get("end"))
    if start is None or end is None or end < start or end == date.max:
        return None
    event_id = clean_text(row.get("event_id"), one_line=True)
    if not event_id:
        return None
    url = http_url(row.get("source_url"))
    summary = clean_text(row.get("title"), one_line=True)
    if not summary:
        summary = clean_text(row.get("description"), one_line=True)[:40] or clean_text(
            row.get("date_text"), one_line=True
        )
    published = schema.as_date(row.get("published"))
    return _Item(
        uid=f"{event_id}@{UID_DOMAIN}",
        event_id=event_id,
        association=clean_text(row.get("association"), one_line=True),
        start=start,
        end=end,
        summary=summary,
        description=_description(row, start, end, url),
        url=url,
        first_seen=_midnight(published or start),
    )


def _items(table: pd.DataFrame, include_years: bool) -> list[_Item]:
    schema.require_columns(table, REQUIRED_COLUMNS)
    items: dict[str, _Item] = {}
    for row in table.to_dict(orient="records"):
        if clean_text(row.get("kind"), one_line=True) not in ("", "event"):
            continue  # periods (十四五) are never calendar events
        if not include_years and str(row.get("granularity")) in schema.YEAR_LEVEL:
            continue
        item = _item(row)
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


def _vevent(item: _Item, revision: _Revision) -> Event:
    event = Event.new(
        uid=item.uid,
        summary=item.summary,
        description=item.description,
        start=item.start,
        end=item.end + timedelta(days=1),  # DTEND of an all-day event is exclusive
        stamp=revision.last_modified,
        last_modified=revision.last_modified,
        sequence=revision.sequence,
        categories=[item.association] if item.association else [],
        transparency="TRANSPARENT",
        url=item.url,
    )
    return event


def _calendar(
    slug: str, association: str | None, items: list[_Item], revisions: dict[str, _Revision]
) -> bytes:
    if association is None:
        name = "全部协会活动"
        about = "各协会文件中提到的活动日期（cn-timeline 自动提取，全天事件）。"
    else:
        name = association
        about = f"{association}文件中提到的活动日期（cn-timeline 自动提取，全天事件）。"
    calendar = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        method="PUBLISH",
        uid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{UID_DOMAIN}:{FEEDS_FOLDER}/{slug}")),
        name=clean_text(name, one_line=True),
        description=about,
    )
    # RFC 7986 wants the value type spelled out; X-PUBLISHED-TTL is its older twin.
    calendar.add("REFRESH-INTERVAL", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    for item in items:
        calendar.add_component(_vevent(item, revisions[item.event_id]))
    return fold(calendar.to_ical())


def _write(path: Path, payload: bytes) -> None:
    if not unchanged(path, payload):  # an untouched file keeps its mtime for HTTP caches
        write_atomic(path, payload)


def build_feeds(
    table: pd.DataFrame,
    out_dir: str | Path,
    *,
    include_years: bool = False,
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
    items = _items(table, include_years)
    revisions = _revise(items, state, _utc(now))

    associations = sorted(
        {clean_text(a, one_line=True) for a in table["association"].tolist()} - {""}
    )
    plan: list[tuple[str, str | None, list[_Item]]] = [(ALL_SLUG, None, items)]
    per_association = sorted(
        ((slugify(name), name) for name in associations), key=lambda pair: pair[0]
    )
    for slug, name in per_association:
        plan.append((slug, name, [item for item in items if item.association == name]))

    feeds: list[Feed] = []
    for slug, association, chosen in plan:
        relative = f"{FEEDS_FOLDER}/{slug}.ics"
        _write(out_dir / relative, _calendar(slug, association, chosen, revisions))
        feeds.append(Feed(association, slug, relative, len(chosen)))

    written = {feed.path for feed in feeds}
    for stale in sorted(set(state["feeds"]) - written):
        name = Path(stale).name
        if Path(stale).parent.as_posix() == FEEDS_FOLDER and name.endswith(".ics"):
            (folder / name).unlink(missing_ok=True)
    state["feeds"] = sorted(written)
    state_bytes = json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    _write(state_path, state_bytes.encode("utf-8"))
    return feeds


__all__ = ["Feed", "FeedStateError", "build_feeds", "clean_text", "fold", "http_url"]
