"""Anchoring: give every extracted expression its year, then its exact days.

Document order matters, so this is one pass with a little state:

* the **narrative's current date**: the last mention of day or month precision
  (a year-only statistic such as 2022年，宁夏… does not move it). A month-day
  without a year takes its year; at the start of a document, the DCT does.
* the **last day** mentioned, for 当天 / 次日 / 前一天.
* the paragraph's own **present** when it sets one (截止2021年9月 … 争取明年 →
  2022), else the DCT, for 今年 / 去年 / 明年.

A date whose year comes from the DCT and would land more than three months
after it is taken from the year before (published 2024-01-10: 12月28日 →
2023-12-28), unless the sentence speaks of the future (将于, 计划).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from normalizers.calendar import (
    LUNAR_CALENDARS,
    add_months,
    festival_date,
    last_day,
    lunar_festival_date,
    lunar_in_gregorian_year,
    lunar_month_in_gregorian_year,
    lunar_month_span,
    lunar_to_solar,
)
from normalizers.context import DocumentContext
from normalizers.days import day_of_month, nth_weekday, weekday_near
from normalizers.fast import range_partial, word_partial
from normalizers.focus import focus_headings
from normalizers.mention import DateWarning
from normalizers.pivot import with_centuries
from normalizers.rules.base import Partial
from normalizers.sentences import TenseIndex
from normalizers.tables.festivals import FESTIVALS
from normalizers.tables.parts import MONTH_PARTS, YEAR_PARTS
from normalizers.tables.relative import AS_OF_CUES, FUTURE_CUES, PAST_CUES

WELL_AFTER = timedelta(days=92)
FUTURE_WELL_BEFORE = timedelta(days=60)
NEXT_YEAR_WITHIN = timedelta(days=62)
#: The characters that end a sentence: a sentence's left end is found by ``str.rfind``
#: of each (in C) rather than by walking the 80 characters before it.
_SENTENCE_END_CHARS = "。！？!?；;\n"
SENTENCE_END = re.compile(f"[{_SENTENCE_END_CHARS}]")
#: A publication line: its date is the document's, not a step of the narrative.
PUBLICATION_LABEL = re.compile(
    r"(?:发布时间|发布日期|发表时间|发表日期|发稿时间|更新时间|更新日期|上传时间|发布于|"
    r"(?i:published|release\s*date|posted))[ \t]*[:：]?[ \t]*$"
)
_AS_OF = tuple(sorted(AS_OF_CUES, key=len, reverse=True))
#: The characters a date may follow when one of those cues is written before it.
_AS_OF_LAST = frozenset({cue[-1] for cue in AS_OF_CUES} | {" ", "\t"})
#: The gaps :meth:`Anchorer._as_of` skips: after one, the character before it says
#: whether a cue may end there (June 18, June 19: the space follows a comma, no cue).
_GAP_CHARS = frozenset(" \t")
#: The cues of the present of one character (至): right before a date, one is there.
_AS_OF_ONE = frozenset(cue for cue in AS_OF_CUES if len(cue) == 1)

#: A resolved mention before its qualifier and time of day: (text, span, start, end,
#: granularity, kind, anchor, rule, lunar), the first fields of a DateMention.
Row = tuple[str, tuple[int, int], date, date, str, str, str, str, bool]

#: Year → its first and last day, for the year words of runs (今年去年明年…).
_YEARS: dict[int, tuple[date, date]] = {}


class Unresolvable(Exception):
    """The expression has no reference to count from (no DCT, no earlier date)."""


@dataclass(slots=True)
class _State:
    dct: date | None
    narrative_type: bool
    narrative: date | None = None
    last_day: tuple[date, date] | None = None
    last: tuple[date, date] | None = None
    last_year_mention: tuple[int, int] | None = None  # (paragraph, year) of a year-only mention
    as_of: date | None = None
    as_of_paragraph: int = -1
    focus: int | None = None  # the focus year of a summary or a plan (normalizers.focus)


def _year_range(year: int, part: str | None) -> tuple[date, date, str]:
    if part is None:
        return date(year, 1, 1), date(year, 12, 31), "year"
    (m1, d1), (m2, d2), granularity = YEAR_PARTS[part]
    if part == "冬季":  # December to the end of February
        return date(year, 12, 1), date(year + 1, 2, last_day(year + 1, 2)), granularity
    return date(year, m1, d1), date(year, m2, d2 or last_day(year, m2)), granularity


def _month_range(year: int, month: int, part: str | None) -> tuple[date, date, str]:
    if part is None:
        return date(year, month, 1), date(year, month, last_day(year, month)), "month"
    first, last = MONTH_PARTS[part]
    return date(year, month, first), date(year, month, last or last_day(year, month)), "part"


def values(
    p: Partial, year: int, month: int | None = None, gregorian: bool = False
) -> tuple[date, date, str]:
    """The days of ``p`` once its year (and for a bare day, its month) is known.

    ``gregorian``: the year is a Gregorian year taken from the context, so a
    lunar date is the one that falls in it (腊月 belongs to the lunar year before).
    """
    month = p.month if p.month is not None else month
    if p.unit == "year":
        return _year_range(year, p.part)
    if p.unit == "month":
        if month is None:
            raise Unresolvable("no month to count from")
        return _month_range(year, month, p.part)
    if p.unit == "day":
        if month is None:
            raise Unresolvable("no month to count from")
        if p.nth is not None:
            day = nth_weekday(year, month, p.weekday, p.nth)
        else:
            day = day_of_month(year, month, p.day)
        return day, day, "day"
    if p.unit == "festival":
        day = festival_date(p.festival, year)
        return day, day, "day"
    if p.unit == "lunar" and p.day is None:
        convert = lunar_month_in_gregorian_year if gregorian else lunar_month_span
        return (*convert(year, p.month, p.leap_month), "month")
    if p.unit == "lunar":
        convert = lunar_in_gregorian_year if gregorian else lunar_to_solar
        day = convert(year, p.month, p.day, p.leap_month)
        return day, day, "day"
    raise Unresolvable(f"cannot resolve a {p.unit} without a reference")


def _of_lunar_year(p: Partial) -> bool:
    """A lunar date or a festival of the lunar calendar: its year is a lunar year."""
    return p.unit == "lunar" or (
        p.unit == "festival" and FESTIVALS[p.festival].calendar in LUNAR_CALENDARS
    )


def _lunar_values(p: Partial, lunar_year: int) -> tuple[date, date, str]:
    if p.unit == "festival":
        day = lunar_festival_date(p.festival, lunar_year)
        return day, day, "day"
    return values(p, lunar_year)


def _nearest_lunar(p: Partial, dct: date, future: bool) -> tuple[date, date, str]:
    """A yearless lunar date against the DCT: the latest occurrence that is not well
    after it (腊月初十 published 2022-12-31 is 2023-01-01, the lunar year's own 腊月),
    or the next one when the sentence speaks of the future and that one is long past.
    """
    found = []
    for lunar_year in (dct.year - 1, dct.year, dct.year + 1):
        try:
            found.append(_lunar_values(p, lunar_year))
        except ValueError:  # no such leap month that year
            continue
    if not found:
        raise ValueError("no such lunar date near the publication date")
    usable = [value for value in found if value[0] <= dct + WELL_AFTER] or found[:1]
    chosen = usable[-1]
    if future and chosen[1] < dct - FUTURE_WELL_BEFORE and len(usable) < len(found):
        chosen = found[len(usable)]
    return chosen


#: Ends of a range, finest first: a range is as precise as its finer end.
_FINER = {"day": 0, "month": 1, "year": 2}


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _shifted_part(present: date, shift: int, unit: str, part: str | None):
    """上季度, 下个季度末, 上个半年: the quarter or half ``shift`` steps from the present's."""
    size = 3 if unit == "quarters" else 6
    index = (present.month - 1) // size + shift
    year, index = present.year + index // (12 // size), index % (12 // size)
    first_month = index * size + 1
    granularity = "quarter" if size == 3 else "half"
    if part in ("初", "末", "底"):
        month = first_month if part == "初" else first_month + size - 1
        return date(year, month, 1), date(year, month, last_day(year, month)), "part"
    last_month = first_month + size - 1
    return (
        date(year, first_month, 1),
        date(year, last_month, last_day(year, last_month)),
        granularity,
    )


#: One pattern per cue list: ``search`` in the sentence's bounds says whether a cue is
#: written there (the same answer as ``cue in sentence`` for each cue, in one call).
_FUTURE = re.compile("|".join(map(re.escape, FUTURE_CUES)))
_PAST = re.compile("|".join(map(re.escape, PAST_CUES)))


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``: back to the last sentence end at most
    80 characters before it, on to the next one at most 80 characters after it."""
    floor = max(0, start - 80)
    left = floor
    for char in _SENTENCE_END_CHARS:
        found = text.rfind(char, floor, start) + 1
        if found > left:
            left = found
    right = SENTENCE_END.search(text, end, end + 80)
    return left, right.start() if right else end + 80


def _speaks_of_future(text: str, span: tuple[int, int]) -> bool:
    left, right = _sentence_bounds(text, *span)
    return _FUTURE.search(text, left, right) is not None


#: After this many questions about one text's tenses, an index of it answers them
#: (:class:`~normalizers.sentences.TenseIndex`): it costs a pass over the text, which
#: prose that asks a few times does not pay.
_INDEX_TENSES_AFTER = 64


def _speaks_of_past(text: str, span: tuple[int, int]) -> bool:
    left, right = _sentence_bounds(text, *span)
    return _PAST.search(text, left, right) is not None


def _day_in(narrative: date, year: int, month: int | None, day: int | None, festival) -> date:
    """``values(p, year, narrative.month, gregorian=True)`` of a day's partial: a
    festival's day, a month's day, or a day of the narrative's month."""
    if festival is not None:
        return festival_date(festival, year)
    return day_of_month(year, narrative.month if month is None else month, day)


def _lunar_day_in(narrative: date, year: int, month: int, day: int, festival) -> date:
    """:func:`_day_in` of a lunar date: ``values(p, year, gregorian=True)`` of its
    partial, the lunar date that falls in Gregorian ``year``."""
    return lunar_in_gregorian_year(year, month, day)


class Anchorer:
    """Resolves partials in document order against one document's context."""

    def __init__(self, folded: str, context: DocumentContext, dct: date | None) -> None:
        self.text = folded
        self.state = _State(dct=dct, narrative_type=context.document_type == "narrative")
        self._paragraph = 0
        self._paragraph_pos = 0
        #: The mention being resolved was moved ahead because its sentence speaks of
        #: the future (春节前，协会将…): a plan, not a step of the story.
        self._planned = False
        self._tenses: TenseIndex | None = None
        self._tense_questions = 0
        dct_year = dct.year if dct is not None else None
        self._focus = [
            (position, year)
            for position, year in focus_headings(folded)
            if dct_year is None or abs(year - dct_year) <= 1
        ]

    def _future(self, span: tuple[int, int]) -> bool:
        """:func:`_speaks_of_future` of ``span``, from an index of the text once it has
        been asked often (:data:`_INDEX_TENSES_AFTER`)."""
        index = self._tenses
        if index is None:
            self._tense_questions += 1
            if self._tense_questions <= _INDEX_TENSES_AFTER:
                return _speaks_of_future(self.text, span)
            index = self._tenses = TenseIndex(self.text, SENTENCE_END, FUTURE_CUES, 80)
        return index.has_cue(*span)

    def _enter_focus(self, position: int) -> None:
        """Crossing a focus heading sets the focus year and starts a new narrative."""
        while self._focus and self._focus[0][0] <= position:
            _, year = self._focus.pop(0)
            if year != self.state.focus:
                self.state.focus = year
                self.state.narrative = None

    # --- references -------------------------------------------------------------

    def _paragraph_of(self, position: int) -> int:
        self._paragraph += self.text.count("\n", self._paragraph_pos, position)
        self._paragraph_pos = position
        return self._paragraph

    def _present(self, p: Partial, paragraph: int) -> tuple[date, str]:
        s = self.state
        if p.shift_unit == "years" and s.as_of is not None and s.as_of_paragraph == paragraph:
            return s.as_of, "as-of"
        if s.narrative_type and s.narrative is not None:
            return s.narrative, "narrative"
        if s.dct is not None:
            return s.dct, "dct"
        if s.narrative is not None:
            return s.narrative, "narrative"
        raise Unresolvable("no publication date to count from")

    def _previous(self, p: Partial) -> tuple[date, date]:
        s = self.state
        if p.shift_unit == "days":
            if s.last_day is None:
                raise Unresolvable("no earlier day to count from")
            return s.last_day
        if s.last is None:
            raise Unresolvable("no earlier date to count from")
        return s.last

    # --- resolution -------------------------------------------------------------

    def _relative(self, p: Partial, paragraph: int) -> tuple[date, date, str, str]:
        if p.base == "present":
            reference, anchor = self._present(p, paragraph)
            first, last = reference, reference
        else:
            try:
                first, last = self._previous(p)
                anchor = "previous-mention"
            except Unresolvable:
                if self.state.dct is None:
                    raise
                # 当月, 当天 before any other date: the document's own month or day.
                first = last = self.state.dct
                anchor = "dct"
        if p.shift_unit == "years":
            return (*values(p, first.year + p.shift), anchor)
        if p.shift_unit == "months":
            year, month = add_months(first.year, first.month, p.shift)
            if p.unit == "day":
                day = day_of_month(year, month, p.day)
                return day, day, "day", anchor
            return (*_month_range(year, month, p.part), anchor)
        if p.shift_unit in ("quarters", "halves"):
            return (*_shifted_part(first, p.shift, p.shift_unit, p.part), anchor)
        if p.shift_unit == "weeks":
            monday = first - timedelta(days=first.weekday()) + timedelta(weeks=p.shift)
            if p.weekday is not None:
                day = monday + timedelta(days=p.weekday)
                return day, day, "day", anchor
            return monday, monday + timedelta(days=6), "week", anchor
        if p.shift == 0:
            return first, last, "day", anchor
        day = (last if p.shift > 0 else first) + timedelta(days=p.shift)
        return day, day, "day", anchor

    def _weekday(self, p: Partial) -> tuple[date, date, str, str]:
        """A bare 周五: near the narrative's day, else the present, in the sentence's tense."""
        s = self.state
        reference, anchor = (s.narrative, "narrative") if s.narrative else (s.dct, "dct")
        if s.last_day is not None and s.narrative == s.last_day[1]:
            reference = s.last_day[1]
        if reference is None:
            raise Unresolvable("no publication date and no earlier date to count the weekday from")
        direction = 1 if self._future(p.span) else 0
        if direction == 0 and _speaks_of_past(self.text, p.span):
            direction = -1
        day = weekday_near(reference, p.weekday, direction)
        return day, day, "day", anchor

    def _contextual(self, p: Partial, paragraph: int) -> tuple[date, date, str, str]:
        """A year (and maybe a month) from the narrative, else from the DCT."""
        s = self.state
        if p.unit == "day" and p.day is None and p.nth is None and p.weekday is not None:
            return self._weekday(p)
        if p.unit == "day" and p.month is None and s.narrative is None and s.dct is not None:
            # 29日 alone: this month's, else (no 29th this month) the month before's.
            try:
                return (*values(p, s.dct.year, s.dct.month), "dct")
            except ValueError:
                step = 1 if self._future(p.span) else -1
                year, month = add_months(s.dct.year, s.dct.month, step)
                return (*values(p, year, month), "dct")
        year_level = p.unit == "year"
        if year_level:
            # 上半年 alone: the year just written in this paragraph, else the present.
            if s.as_of is not None and s.as_of_paragraph == paragraph:
                return (*values(p, s.as_of.year), "as-of")
            if s.last_year_mention is not None and s.last_year_mention[0] == paragraph:
                return (*values(p, s.last_year_mention[1]), "narrative")
        if s.narrative is not None and not (year_level and s.dct is not None):
            found = values(p, s.narrative.year, s.narrative.month, gregorian=True)
            if found[0] < s.narrative and p.unit != "year":
                following = values(p, s.narrative.year + 1, s.narrative.month, gregorian=True)
                if self._into_next_year(found[1], following[0], p.span):
                    return (*following, "narrative")
            return (*found, "narrative")
        if s.focus is not None:
            # 2022年工作总结 published in January 2023: its 3月 is March 2022.
            return (*values(p, s.focus, None, gregorian=True), "narrative")
        if s.dct is None:
            raise Unresolvable("no publication date and no earlier date to take the year from")
        if _of_lunar_year(p):
            future = self._future(p.span)
            return (*_nearest_lunar(p, s.dct, future), "dct")
        if p.month == 2 and p.day == 29 and p.unit == "day" and not _leap(s.dct.year):
            # 2月29日 without a year: the last leap day before the present.
            year = s.dct.year - 1
            while not _leap(year):
                year -= 1
            return (*values(p, year), "dct")
        start, end, granularity = values(p, s.dct.year, s.dct.month, gregorian=True)
        if start > s.dct + WELL_AFTER:
            if not self._future(p.span):
                start, end, granularity = values(p, s.dct.year - 1, s.dct.month, gregorian=True)
        elif end < s.dct - FUTURE_WELL_BEFORE and p.unit != "year" and self._future(p.span):
            start, end, granularity = values(p, s.dct.year + 1, s.dct.month, gregorian=True)
            self._planned = True
        return start, end, granularity, "dct"

    def _resolve_one(self, p: Partial, paragraph: int) -> tuple[date, date, str, str]:
        if p.unit == "fixed":
            return (*p.fixed, "explicit")
        if p.year is not None:
            return (*values(p, p.year), "explicit")
        if p.base in ("present", "previous"):
            return self._relative(p, paragraph)
        return self._contextual(p, paragraph)

    def _resolve_end(
        self, p: Partial, start: date, end_of_head: date, anchor: str
    ) -> tuple[date, str]:
        """The last day of a range whose second half inherits what it lacks."""
        tail = p.end
        if (
            tail.unit == "day"
            and tail.day is None
            and tail.nth is None
            and tail.weekday is not None
        ):
            # 周一至周五: the first such weekday on or after the range's start.
            return weekday_near(start, tail.weekday, 1), anchor
        if tail.base == "previous" and tail.shift_unit == "years" and tail.year is None:
            # 12月至次年2月: 次年 counts from the range's own first half.
            return values(tail, start.year + tail.shift)[1], anchor
        if tail.year is not None or tail.base in ("present", "previous") or tail.unit == "fixed":
            return self._resolve_one(tail, -1)[1], anchor
        year = start.year
        month = start.month if tail.month is None else None
        _, last, _ = values(tail, year, month)
        if last < end_of_head:
            if tail.month is None and tail.unit == "day":
                year, month = add_months(start.year, start.month, 1)
                _, last, _ = values(tail, year, month)
            else:
                _, last, _ = values(tail, year + 1, month)
        return last, anchor

    def resolve(self, p: Partial, original: str) -> tuple[Row | None, DateWarning | None]:
        """The mention of ``p`` as a :data:`Row`, or why there is none; a mention may
        carry a warning too. (A row, not a DateMention: the resolver adds the
        qualifier and the time of day before it builds the one object it keeps.)"""
        span = p.span
        written = original[span[0] : span[1]]
        if p.pivot or (p.end is not None and p.end.pivot):
            p = with_centuries(p, self.state.dct)
        if self._focus:
            self._enter_focus(span[0])
        if p.warning:
            return None, DateWarning(written, span, f"impossible date: {p.warning}")
        paragraph = self._paragraph_of(span[0])
        self._planned = False
        try:
            if (
                p.end is not None
                and p.year is None
                and p.base == "context"
                and p.end.year is not None
            ):
                # 12月30日至2024年1月2日: the first half takes the second half's year.
                p = p.moved(year=p.end.year)
                start, end_head, granularity, anchor = self._resolve_one(p, paragraph)
                if start > self._resolve_one(p.end, paragraph)[1]:
                    p = p.moved(year=p.end.year - 1)
                    start, end_head, granularity, anchor = self._resolve_one(p, paragraph)
            else:
                start, end_head, granularity, anchor = self._resolve_one(p, paragraph)
            end = end_head
            if p.end is not None:
                end, anchor = self._resolve_end(p, start, end_head, anchor)
                if p.end.rule == "ranges.to-present":
                    granularity = "day"  # 2008.03—至今 ends on the present's day
                elif _FINER.get(p.end.unit, 9) < _FINER.get(granularity, 9):
                    granularity = p.end.unit  # 1985到89年9月: as precise as its finer end
                if end < start:
                    return None, DateWarning(written, span, "a range that ends before it starts")
        except Unresolvable as reason:
            return None, DateWarning(written, span, f"not resolved: {reason}")
        except ValueError as reason:
            return None, DateWarning(written, span, f"impossible date: {reason}")
        kind = p.kind
        row = (written, span, start, end, granularity, kind, anchor, p.rule, p.unit == "lunar")
        if kind == "event":
            self._remember(span[0], start, end, granularity, anchor, paragraph)
        warning = None
        if p.weekday is not None and start == end and start.weekday() != p.weekday:
            # 9月5日（周三） when 9月5日 was a Tuesday: keep the date as written, say so.
            warning = DateWarning(written, span, f"the weekday written does not match {start}")
        return row, warning

    def resolve_run(self, run, original: str) -> tuple[list[Row], list[DateWarning]]:
        """The rows of a :class:`~normalizers.fast.RunOfDays`, in order, as
        :meth:`resolve` makes them of the dates' partials one after the other.

        Each date follows the narrative's current date (the branch of
        :meth:`_contextual` that every such date takes once a narrative is set),
        read here from the month, day, lunar day or festival alone; a date that
        finds no narrative, or a day that does not exist in the year it lands in,
        is built as a partial and given to :meth:`resolve`, with the same state.
        What :meth:`resolve` and :meth:`_remember` look up per mention is looked up
        once for the block where it cannot change inside it: its paragraph (a
        block holds no line break), whether a focus heading lies inside it, and
        that no date follows a publication label (each follows a date and a gap)."""
        if run.months:
            return self._resolve_months(run, original)
        rows: list[Row] = []
        warnings: list[DateWarning] = []
        s = self.state
        focus = bool(self._focus) and self._focus[0][0] < run.span[1]
        paragraph = self._paragraph_of(run.span[0])
        text = self.text
        day_in = _lunar_day_in if run.lunar else _day_in
        lunar = run.lunar
        plain = run.plain  # date(year, month, day): what day_in gives, without its calls
        for span, (month, day, festival, rule), groups in run.dates:
            at = span[0]
            if focus:
                self._enter_focus(at)
            narrative = s.narrative
            found = None
            if narrative is not None:
                try:
                    if plain:
                        found = date(narrative.year, month, day)
                    else:
                        found = day_in(narrative, narrative.year, month, day, festival)
                    self._planned = False
                    if found < narrative:
                        following = day_in(narrative, narrative.year + 1, month, day, festival)
                        if self._into_next_year(found, following, span):
                            found = following
                except ValueError:
                    found = None  # resolve says why
            if found is None:
                self._one(run.build(span, groups), original, rows, warnings)
                continue
            rows.append(
                (
                    original[at : span[1]],
                    span,
                    found,
                    found,
                    "day",
                    "event",
                    "narrative",
                    rule,
                    lunar,
                )
            )
            # _remember of a day (no publication label before it: see above).
            if not self._planned:
                s.narrative = found
            s.last_day = s.last = (found, found)
            last = text[at - 1 : at]
            if last in _AS_OF_LAST and (
                last not in _GAP_CHARS or text[at - 2 : at - 1] in _AS_OF_LAST
            ):
                self._as_of(at, found, paragraph)
        return rows, warnings

    def _resolve_months(self, run, original: str) -> tuple[list[Row], list[DateWarning]]:
        """:meth:`resolve_run` of a run of whole lunar months (农历正月农历二月…): each
        the lunar month that begins in the narrative's year, or in the next when
        :meth:`_into_next_year` says so (the branch of :meth:`_contextual` every such
        month takes once a narrative is set); a month that finds no narrative, or
        none in the calendar's years, is built as a partial and given to
        :meth:`resolve`. Each moves the narrative to its last day and is the last
        date, as :meth:`_remember` does for a month (no publication label before
        it: its first and last days differ)."""
        rows: list[Row] = []
        warnings: list[DateWarning] = []
        s = self.state
        focus = bool(self._focus) and self._focus[0][0] < run.span[1]
        paragraph = self._paragraph_of(run.span[0])
        text = self.text
        month_in = lunar_month_in_gregorian_year
        for span, (month, _, _, rule), groups in run.dates:
            at = span[0]
            if focus:
                self._enter_focus(at)
            narrative = s.narrative
            found = None
            if narrative is not None:
                try:
                    found = month_in(narrative.year, month, False)
                    self._planned = False
                    if found[0] < narrative:
                        following = month_in(narrative.year + 1, month, False)
                        if self._into_next_year(found[1], following[0], span):
                            found = following
                except ValueError:
                    found = None  # resolve says why
            if found is None:
                self._one(run.build(span, groups), original, rows, warnings)
                continue
            start, end = found
            rows.append(
                (
                    original[at : span[1]],
                    span,
                    start,
                    end,
                    "month",
                    "event",
                    "narrative",
                    rule,
                    True,
                )
            )
            if not self._planned:
                s.narrative = end
            s.last = found
            last = text[at - 1 : at]
            if last in _AS_OF_LAST and (
                last not in _GAP_CHARS or text[at - 2 : at - 1] in _AS_OF_LAST
            ):
                self._as_of(at, end, paragraph)
        return rows, warnings

    def resolve_ranges(self, run, original: str) -> tuple[list[Row], list[DateWarning]]:
        """The rows of a :class:`~normalizers.fast.RunOfRanges`, in order, as
        :meth:`resolve` makes them of the ranges' partials one after the other.

        Each range of two days (8月1日至8月3日; days of a month, so ``date(year, month,
        day)`` is their :func:`~normalizers.days.day_of_month`) takes the branches such a range takes
        once a narrative is set: its first day in the narrative's year, or the
        next when :meth:`_into_next_year` says so (:meth:`_contextual`), its last
        day in the first day's year, or the next when it would fall before the
        first (:meth:`_resolve_end`). A range that finds no narrative, or a day
        that does not exist in its year, is built as a partial and given to
        :meth:`resolve`, with the same state. Looked up once for the run where it
        cannot change inside it: its paragraph (a run holds no line break),
        whether a focus heading lies inside it. Each range moves the narrative,
        the last day and the last date (:meth:`_remember` of a day), and one
        written after a cue of one character (至) sets the paragraph's present."""
        rows: list[Row] = []
        warnings: list[DateWarning] = []
        s = self.state
        focus = bool(self._focus) and self._focus[0][0] < run.span[1]
        paragraph = self._paragraph_of(run.span[0])
        text = self.text
        for first, second in run.pairs:
            month, day = first[1][:2]
            end_month, end_day = second[1][:2]
            span = (first[0][0], second[0][1])
            at = span[0]
            if focus:
                self._enter_focus(at)
            narrative = s.narrative
            start = None
            if narrative is not None:
                self._planned = False
                try:
                    start = date(narrative.year, month, day)
                    if start < narrative:
                        following = date(narrative.year + 1, month, day)
                        if self._into_next_year(start, following, span):
                            start = following
                    end = date(start.year, end_month, end_day)
                    if end < start:
                        end = date(start.year + 1, end_month, end_day)
                except ValueError:
                    start = None  # resolve says why
            if start is None:
                self._one(range_partial(run.build, first, second), original, rows, warnings)
                continue
            rows.append(
                (
                    original[at : span[1]],
                    span,
                    start,
                    end,
                    "day",
                    "event",
                    "narrative",
                    "ranges.day",
                    False,
                )
            )
            if start == end == s.dct and PUBLICATION_LABEL.search(self._line_head(at)):
                continue  # _remember: the document's own date
            if not self._planned:
                s.narrative = end
            s.last_day = s.last = (start, end)
            last = text[at - 1 : at]
            if last in _AS_OF_ONE:
                s.as_of, s.as_of_paragraph = end, paragraph
            elif last in _AS_OF_LAST and (
                last not in _GAP_CHARS or text[at - 2 : at - 1] in _AS_OF_LAST
            ):
                self._as_of(at, end, paragraph)
        return rows, warnings

    def resolve_words(self, run, original: str) -> tuple[list[Row], list[DateWarning]]:
        """The rows of a :class:`~normalizers.fast.RunOfWords`, in order, as
        :meth:`resolve` makes them of the words' partials one after the other.

        A year word counts from the present (:meth:`_present`), a day word (次日,
        当天) from the last day mentioned, else the document's own day, and a year
        word joined to its day word (明年次日) has no month to count from: the
        branches of :meth:`_relative` such words take, over the state's dates and the
        word's shift, each year's first and last day remembered. What
        :meth:`resolve` and :meth:`_remember` look up per mention is looked up once
        for the block: its paragraph (a block holds no line break), that no focus
        heading lies inside it, and that no word follows a cue of the present (至)
        or a publication label (a block's word follows a word or a list mark). A
        word whose branch is another (no present, no earlier day, a year out of
        the calendar) or a block with a focus heading inside is built as a partial
        and given to :meth:`resolve`, with the same state."""
        rows: list[Row] = []
        warnings: list[DateWarning] = []
        if self._focus and self._focus[0][0] < run.span[1]:
            for span, meaning in run.words:
                self._one(word_partial(span, meaning), original, rows, warnings)
            return rows, warnings
        s = self.state
        years = _YEARS
        paragraph = self._paragraph_of(run.span[0])
        self._planned = False
        for span, meaning in run.words:
            rule, unit, base, shift, shift_unit = meaning
            found = None
            if base == "present" and shift_unit == "years":
                if s.as_of is not None and s.as_of_paragraph == paragraph:
                    reference, anchor = s.as_of, "as-of"
                elif s.narrative_type and s.narrative is not None:
                    reference, anchor = s.narrative, "narrative"
                elif s.dct is not None:
                    reference, anchor = s.dct, "dct"
                else:
                    reference = s.narrative
                    anchor = "narrative"
                if reference is not None:
                    if unit == "day":  # 明年次日: a day of a year, no month to count from
                        written = original[span[0] : span[1]]
                        reason = "not resolved: no month to count from"
                        warnings.append(DateWarning(written, span, reason))
                        continue
                    if unit == "year":
                        year = reference.year + shift
                        found = years.get(year)
                        if found is None and 1 <= year <= 9999:
                            found = years[year] = (date(year, 1, 1), date(year, 12, 31))
                        if found is not None:
                            rows.append(
                                (
                                    original[span[0] : span[1]],
                                    span,
                                    found[0],
                                    found[1],
                                    "year",
                                    "event",
                                    anchor,
                                    rule,
                                    False,
                                )
                            )
                            # _remember of a year: the last date and the paragraph's year.
                            s.last = found
                            s.last_year_mention = (paragraph, year)
                            continue
            elif base == "previous" and shift_unit == "days" and unit == "day":
                if s.last_day is not None:
                    first, last = s.last_day
                    anchor = "previous-mention"
                elif s.dct is not None:  # 当天 before any other day: the document's day
                    first = last = s.dct
                    anchor = "dct"
                else:
                    first = None
                if first is not None:
                    if shift == 0:
                        found = (first, last)
                    else:
                        day = (last if shift > 0 else first) + timedelta(days=shift)
                        found = (day, day)
                    rows.append(
                        (
                            original[span[0] : span[1]],
                            span,
                            found[0],
                            found[1],
                            "day",
                            "event",
                            anchor,
                            rule,
                            False,
                        )
                    )
                    # _remember of a day: the narrative, the last day, the last date.
                    s.narrative = found[1]
                    s.last_day = s.last = found
                    continue
            self._one(word_partial(span, meaning), original, rows, warnings)
        return rows, warnings

    def _one(self, p: Partial, original: str, rows: list[Row], warnings: list) -> None:
        """:meth:`resolve` of ``p``, its row and warning added to the lists."""
        row, warning = self.resolve(p, original)
        if row is not None:
            rows.append(row)
        if warning is not None:
            warnings.append(warning)

    def _into_next_year(self, end: date, following: date, span: tuple[int, int]) -> bool:
        """Whether a date read in the narrative's year, before the narrative's day
        (ending on ``end``), is the next year's (starting on ``following``) instead;
        a date so moved far ahead is a plan (``_planned``).

        2022年12月28日 … 1月3日: a story told forward crosses into the next year. So
        does a sentence that speaks of the future (春节前，协会将走访…) about a date
        long before the narrative's day."""
        narrative = self.state.narrative
        if following - narrative <= NEXT_YEAR_WITHIN or (
            end < narrative - FUTURE_WELL_BEFORE and self._future(span)
        ):
            self._planned = following - narrative > NEXT_YEAR_WITHIN
            return True
        return False

    def _line_head(self, start: int) -> str:
        # The last 24 characters of the line before the date: the search for the line's
        # start stops there too (a text without line breaks is not scanned back to its
        # start for every mention).
        left = max(0, start - 24)
        return self.text[max(left, self.text.rfind("\n", left, start) + 1) : start]

    def _remember(
        self, at: int, start: date, end: date, granularity: str, anchor: str, paragraph: int
    ) -> None:
        """An event mention resolved at ``at`` moves the narrative, the last day and the
        paragraph's present (截至2021年9月)."""
        s = self.state
        if start == end == s.dct and PUBLICATION_LABEL.search(self._line_head(at)):
            # 发布时间：2024-01-10 is the document's date, not its story's. (When other
            # metadata gave a different present, the line stays a date of the story.)
            return
        if self._planned:
            pass  # a plan ahead of the story does not move it (its next 11月5日 stays)
        elif granularity in ("day", "week", "month") or (
            granularity in ("part", "quarter", "half") and anchor == "explicit"
        ):
            # 2022年一季度，… 4月8日: a year given by a part of it moves the narrative too.
            s.narrative = end
        elif granularity == "part" and (end - start).days <= 31:
            s.narrative = end
        if granularity == "day":
            s.last_day = (start, end)
        s.last = (start, end)
        if granularity == "year" and start.year == end.year:
            s.last_year_mention = (paragraph, start.year)
        # Most dates have no cue before them: one character says so (至 ends every cue).
        last = self.text[at - 1 : at]
        if last in _AS_OF_LAST and (
            last not in _GAP_CHARS or self.text[at - 2 : at - 1] in _AS_OF_LAST
        ):
            self._as_of(at, end, paragraph)

    def _as_of(self, at: int, end: date, paragraph: int) -> None:
        """A date written after 截至 (at ``at``, ending on ``end``) sets the paragraph's
        present."""
        head = self.text[max(0, at - 4) : at].rstrip(" \t")
        if head.endswith(_AS_OF):
            self.state.as_of, self.state.as_of_paragraph = end, paragraph
