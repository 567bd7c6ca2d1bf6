"""What the normalizers return: resolved date mentions and warnings.

A mention is one date expression in the text, resolved to an inclusive range of
calendar days with its precision, e.g. ``2020年11月18日—20日`` →
``DateMention(start=date(2020, 11, 18), end=date(2020, 11, 20), granularity="day")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

#: Precisions, finest first. ``part`` is a conventional part of a year or month
#: (年初, 年底, 上旬 …); ``season`` is 春季 …; ``decade`` is 90年代.
GRANULARITIES = ("day", "week", "part", "month", "quarter", "season", "half", "year", "decade")

#: ``event``: something happened then. ``period``: a span that frames events
#: (十四五, a plan's years, a decade); never exported as a calendar event.
KINDS = ("event", "period")

#: How a mention got its year (or its whole value), so that a reviewer can check it.
ANCHORS = (
    "explicit",  # everything was written out
    "dct",  # from the document's publication date
    "narrative",  # from the narrative's current date (the last day/month mention)
    "previous-mention",  # 当天, 次日 …: from the last resolved day
    "as-of",  # 截至2021年9月 … 明年: from the paragraph's own present
    "range-start",  # the second half of a range, from its first half
)

#: What the text says about a date besides the date itself. The mention's value stays
#: the date that was written; the qualifier says how the event relates to it.
QUALIFIERS = (
    "",  # on that date
    "before",  # 春节前, 之前
    "after",  # 之后, 以后
    "since",  # 以来, 自…以来
    "as-of",  # 截至, 截止
    "around",  # 前后, 左右
    "from",  # 起, 开始
    "deadline",  # 请于11月20日前报名: something must be done by that day
)


@dataclass(frozen=True, slots=True)
class DateMention:
    """One resolved date expression.

    ``span`` indexes the text given to :func:`normalizers.find_dates`, so
    ``text[span[0]:span[1]] == mention.text``; ``start`` and ``end`` are inclusive.
    """

    text: str
    span: tuple[int, int]
    start: date
    end: date
    granularity: str
    kind: str = "event"
    anchor: str = "explicit"
    rule: str = ""
    lunar: bool = False
    note: str = ""
    qualifier: str = ""
    time_start: time | None = None
    time_end: time | None = None
    time_approx: bool = False
    time_span: tuple[int, int] | None = None

    @property
    def span_start(self) -> int:
        return self.span[0]

    @property
    def span_end(self) -> int:
        return self.span[1]

    @property
    def is_range(self) -> bool:
        """True when the text names two ends (8月23日至24日), not one unit."""
        return "range" in self.rule


@dataclass(frozen=True, slots=True)
class DateWarning:
    """Something that looked like a date but could not be resolved.

    ``2月30日`` (impossible), or ``8月22日`` in a text with no publication date and
    no earlier dated mention to take its year from.
    """

    text: str
    span: tuple[int, int]
    message: str


@dataclass(frozen=True, slots=True)
class Resolution:
    """Everything :func:`normalizers.normalize` found in one text."""

    mentions: list[DateMention] = field(default_factory=list)
    warnings: list[DateWarning] = field(default_factory=list)
    published: date | None = None
    published_source: str = "none"  # "context", "text" or "none"
    published_span: tuple[int, int] | None = None  # the date of a publication line in the text


class _Building:
    """A DateMention under construction: the same slots without the frozen guard, so
    that ``__init__`` fills them with plain attribute stores (every field but
    ``note``, which stays empty, in the dataclass's order); the resolver
    (``normalizers.resolve._annotate``) then makes it a DateMention by setting its
    ``__class__`` (allowed between classes of the same slots). 0.9 µs a mention
    instead of 2.2 for the slot setters one by one, and 4 for the frozen
    ``__init__`` (``object.__setattr__`` per field); a megabyte of dates holds
    130,000 mentions. ``tests/test_resolve_shortcuts.py`` checks that it equals the
    dataclass's own constructor for every field."""

    __slots__ = DateMention.__slots__

    def __init__(
        self,
        text: str,
        span: tuple[int, int],
        start: date,
        end: date,
        granularity: str,
        kind: str,
        anchor: str,
        rule: str,
        lunar: bool,
        qualifier: str,
        time_start: time | None,
        time_end: time | None,
        time_approx: bool,
        time_span: tuple[int, int] | None,
    ) -> None:
        self.text = text
        self.span = span
        self.start = start
        self.end = end
        self.granularity = granularity
        self.kind = kind
        self.anchor = anchor
        self.rule = rule
        self.lunar = lunar
        self.note = ""
        self.qualifier = qualifier
        self.time_start = time_start
        self.time_end = time_end
        self.time_approx = time_approx
        self.time_span = time_span
