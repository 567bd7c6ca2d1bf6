"""iCalendar content lines written directly as bytes (RFC 5545 §3.1 and §3.3.11).

The feeds are written without building an icalendar object per event per feed:
at 10,000 documents that path was half of a whole build, and every line was folded
twice. Here each property becomes one content line, escaped once and folded once.
The icalendar library stays the oracle in the tests (``tests/test_ics_writer.py``).

* TEXT values escape ``\\`` ``;`` ``,`` and line breaks (as ``\\n``); nothing else.
  The library also turns a literal ``\\N`` into a line break; this writer keeps it
  as typed, so it reads back exactly.
* A line longer than 75 octets is folded between UTF-8 characters (never inside
  one); each continuation line starts with one space, which counts toward its 75.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

MAX_OCTETS = 75
CRLF = b"\r\n"


def escape_text(value: str) -> str:
    r"""A TEXT value as RFC 5545 writes it: ``\`` ``;`` ``,`` escaped, CR and LF as ``\n``.

    One ``str.replace`` per character escaped (the backslash first, so that no
    escape made is escaped again), not ``str.translate``, which looks every
    character up in Python: a VEVENT's description lists every source of its
    event (a few kilobytes for a merged row of a large corpus), 10x slower so.

    >>> escape_text("a,b;c\\d\n")
    'a\\,b\\;c\\\\d\\n'
    """
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n").replace("\r", "\\n")


def fold_line(line: str) -> bytes:
    """One content line as bytes, folded at 75 octets between UTF-8 characters, with CRLF.

    >>> fold_line("X:" + "年" * 30).split(b"\\r\\n")[1].startswith(b" ")
    True
    """
    data = line.encode("utf-8")
    if len(data) <= MAX_OCTETS:
        return data + CRLF
    parts = []
    start, limit = 0, MAX_OCTETS
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: back off to its character
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, MAX_OCTETS - 1  # the leading space counts
    parts.append(data[start:])
    return b"\r\n ".join(parts) + CRLF


def text_line(name: str, value: str) -> bytes:
    """``NAME:value`` with ``value`` escaped as TEXT."""
    return fold_line(f"{name}:{escape_text(value)}")


def date_value(day: date) -> str:
    return day.strftime("%Y%m%d")


def local_value(moment: datetime) -> str:
    """A local date-time without its zone (the zone goes in TZID)."""
    return moment.strftime("%Y%m%dT%H%M%S")


def utc_value(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def duration_value(span: timedelta) -> str:
    """A positive duration of whole minutes or hours as RFC 5545 writes it (``PT1H``)."""
    seconds = int(span.total_seconds())
    if seconds <= 0 or seconds % 60:
        raise ValueError(f"unsupported duration {span!r}")
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60
    text = "P" + (f"{days}D" if days else "")
    if hours or minutes:
        text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text


@cache
def vtimezone(zone: ZoneInfo) -> bytes:
    """The VTIMEZONE of ``zone``, once per process: the library computes its rules."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add_component(Event.new(start=datetime(2000, 1, 1, 12, tzinfo=zone), uid="x"))
    calendar.add_missing_timezones()
    component = calendar.timezones[0].to_ical()
    lines = component.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").split(CRLF)
    return b"".join(fold_line(line.decode("utf-8")) for line in lines if line)  # unfolded first
