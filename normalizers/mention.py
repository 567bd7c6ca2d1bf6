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


#: The slot setters of DateMention, in field order: :func:`new_mention` fills a new
#: object through them, the way the frozen ``__init__`` does with ``object.__setattr__``
#: but without its generic look-up per field (2.6 µs a mention became 1.1 µs; a
#: megabyte of dates holds 130,000 of them).
_SETTERS = tuple(DateMention.__dict__[name].__set__ for name in DateMention.__slots__)
(
    _text,
    _span,
    _start,
    _end,
    _granularity,
    _kind,
    _anchor,
    _rule,
    _lunar,
    _note,
    _qualifier,
    _time_start,
    _time_end,
    _time_approx,
    _time_span,
) = _SETTERS
_new = object.__new__


def new_mention(
    text: str,
    span: tuple[int, int],
    start: date,
    end: date,
    granularity: str,
    kind: str,
    anchor: str,
    rule: str,
    lunar: bool,
    qualifier: str = "",
    time_start: time | None = None,
    time_end: time | None = None,
    time_approx: bool = False,
    time_span: tuple[int, int] | None = None,
) -> DateMention:
    """``DateMention(...)`` of these fields (``note`` empty), built faster: the
    resolver makes one per mention it keeps. ``tests/test_mention_builder.py``
    checks that it equals the dataclass's own constructor for every field."""
    mention = _new(DateMention)
    _text(mention, text)
    _span(mention, span)
    _start(mention, start)
    _end(mention, end)
    _granularity(mention, granularity)
    _kind(mention, kind)
    _anchor(mention, anchor)
    _rule(mention, rule)
    _lunar(mention, lunar)
    _note(mention, "")
    _qualifier(mention, qualifier)
    _time_start(mention, time_start)
    _time_end(mention, time_end)
    _time_approx(mention, time_approx)
    _time_span(mention, time_span)
    return mention
