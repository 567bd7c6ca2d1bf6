"""The fast path of extraction: runs of one plain date form, built without the rules.

Text dense in dates is mostly runs of one form, date after date (2023年2023年…,
2023年8月22日、2023年9月1日、…, 春节元宵节中秋节…, June 18, June 19, …). Inside such
a run every date is what the rules make of it alone: its neighbours are dates of
the same form, which no rule joins into a longer match. One search per written
character that ends a date (:data:`ENDS`: 日, 月, 年, 节, ", ") finds the runs; one
``findall`` reads each run's dates. Each date inside (all but a run's first and
last, whose neighbours outside the run may change them) becomes its
:class:`~normalizers.rules.base.Partial` from the groups (plain ints, a table
look-up), without trying the rules at any place of it, building their candidates
and settling their overlaps (:func:`normalizers.extract.candidates` skips the
run, :func:`normalizers.extract.select` takes it first). What the dates then make
together (ranges around 至, a year before 次日, lists of days) is left to
:func:`normalizers.extract.join`, and their anchoring is the same as for every
other partial.

The middle of a run of explicit dates (2023年, 2023年8月, 2023年8月22日, 二〇二三年,
with nothing or a list mark between them) goes further: its dates need nothing
from the text or from each other, so they come as a :class:`Block` of resolved
rows, with no partial, join or anchoring at all.

A date whose value the rules would refuse or warn about (2月30日, a year 0999, a
lunar 三十一) is left to the rules, and so are the places around it: the fast path
builds only what it is sure of. ``tests/test_fast_path.py`` resolves every text of
``benchmarks/equivalence.py`` (the goldens among them) and generated runs of every
form, with neighbours that may change them, with the fast path on and off, and
requires the same result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from itertools import accumulate
from operator import add, itemgetter

from normalizers.calendar import last_day
from normalizers.rules.absolute import _check
from normalizers.rules.base import Partial
from normalizers.rules.english import MONTHS as ENGLISH_MONTHS
from normalizers.tables.numerals import LUNAR_MONTH_NAMES, lunar_day_value, number_value
from normalizers.tables.relative import RELATIVE_DAYS, RELATIVE_YEARS

#: Off: extraction never takes the fast path (the tests compare both ways).
ENABLED = True

#: Fewer dates in a row than this are left to the rules: a run's first and last date
#: are always theirs, so a shorter run saves nothing.
MIN_RUN = 3

_Y4 = r"(?:1\d{3}|20\d{2}|21\d{2})"
_D2 = r"\d{1,2}"
#: Between two dates of a run written with Arabic digits: nothing, a list mark or a
#: range connector (join makes 8月1日至8月3日 a range, as for any two partials).
_ARABIC_SEP = r"(?:[，、；]|至|到)?"
_CN_DIGIT = "〇零一二三四五六七八九"
_LUNAR_MONTH = r"(?:十[一二]|[正二三四五六七八九十冬腊])"
_LUNAR_DAY = r"(?:初[一二三四五六七八九十]|十[一二三四五六七八九]|二十|廿[一二三四五六七八九]|三十)"
#: The festivals of the fast path: lunar ones and 国庆节, names no rule reads another
#: way (国庆 alone needs context, 国庆节 not), each ending in 节.
FESTIVAL_NAMES = (
    "春节",
    "元宵节",
    "中秋节",
    "端午节",
    "重阳节",
    "七夕节",
    "腊八节",
    "国庆节",
    "元旦",
)
#: English months of the fast path: full names, capitalised (June 18, ).
ENGLISH_MONTH_NAMES = tuple(
    name.capitalize() for name in ENGLISH_MONTHS if len(name) > 4 or name in ("may", "june", "july")
)
#: Relative words of the fast path, each a whole word that no longer one contains.
RELATIVE_WORDS = ("今年", "去年", "明年", "次日", "当天")

#: A lunar date of the fast path as written (正月初一) → its (month, day): a table of
#: every month and day its pattern reads, so that no numeral is parsed per date.
_LUNAR_DAY_VALUES: dict[str, tuple[int, int]] = {
    f"{month}月{day}": (LUNAR_MONTH_NAMES[month], lunar_day_value(day))
    for month in "正冬腊"
    for day in (
        *(f"初{digit}" for digit in "一二三四五六七八九十"),
        *(f"十{digit}" for digit in "一二三四五六七八九"),
        "二十",
        *(f"廿{digit}" for digit in "一二三四五六七八九"),
        "三十",
    )
}

#: Form name → the pattern of one of its dates with what may follow it in a run. The
#: first group of each pattern is the date itself; the others are its values.
UNITS: dict[str, str] = {
    "ymd": rf"(({_Y4})年({_D2})月({_D2})日){_ARABIC_SEP}",
    "ym": rf"(({_Y4})年({_D2})月){_ARABIC_SEP}",
    "y": rf"(({_Y4})年){_ARABIC_SEP}",
    "cy": rf"(([{_CN_DIGIT}]{{4}})年)[，、]?",
    "md": rf"(({_D2})月({_D2})日){_ARABIC_SEP}",
    "d": rf"(({_D2})日)[、，]",
    # 8月8月8月…: the rules read 8月8 (a month and its day) and leave the next 月 alone.
    # Each such reading overlaps the next (8月8, 8月8 …): which ones win is decided
    # from the run's start, so the run must start where nothing before it can take
    # its first month (see ENDS), and all its numbers are of one digit (the same
    # length: no longer reading wins in the middle).
    "md-loose": r"(([1-9])月([1-9]))月",
    "festival": rf"(({'|'.join(FESTIVAL_NAMES)}))[，、]?",
    "relative": rf"(({'|'.join(RELATIVE_WORDS)}))[，、]?",
    "english": rf"(({'|'.join(ENGLISH_MONTH_NAMES)}) ({_D2})), ",
    "lunar-month": rf"(农历({_LUNAR_MONTH})月)[，、]?",
    "lunar-day": rf"(([正冬腊])月({_LUNAR_DAY}))[，、]?",
}
#: Form name → how the date before one of its runs ends: a character that is always
#: written (年, 日, 节 …), then what may follow it. A run is found from there: that
#: end, then at least :data:`MIN_RUN` dates. Starting from a written character keeps
#: the search fast on ordinary text (the pattern engine looks for that character
#: first, and forms that share it are searched together), and the date whose end it
#: is stays the rules' (it need not even be of the form).
ENDS: dict[str, tuple[str, str]] = {
    "ymd": ("日", _ARABIC_SEP),
    "md": ("日", _ARABIC_SEP),
    "d": ("日", r"[、，]"),
    "ym": ("月", _ARABIC_SEP),
    "lunar-month": ("月", r"[，、]?"),
    "lunar-day": ("月", rf"{_LUNAR_DAY}[，、]?"),
    "y": ("年", _ARABIC_SEP),
    "cy": ("年", r"[，、]?"),
    # Only after 今年, 去年 or 明年: a run that starts with 次日 or 当天 is taken from
    # its first year word on.
    "relative": ("年", r"[，、]?"),
    "festival": ("节", r"[，、]?"),
    "english": (", ", ""),
}
#: 8月8月8月… only from the text's start (_START_RUNS): anywhere else a date before
#: the run may take its first month and shift every reading after it.
assert ENDS.keys() | {"md-loose"} == UNITS.keys()
_UNIT_PATTERNS = {name: re.compile(f"({unit})") for name, unit in UNITS.items()}


def _group(name: str) -> str:
    return name.replace("-", "_")


def _repeated(name: str) -> str:
    """At least :data:`MIN_RUN` dates of the form, in a group named for it."""
    unit = re.sub(r"[(](?![?])", "(?:", UNITS[name])  # no groups of its own
    return f"(?P<{_group(name)}>(?:{unit}){{{MIN_RUN},}})"


#: One pattern per written character that ends a date before a run: that character,
#: then the runs of each form that may follow it, tried in the order of ENDS.
_RUN_PATTERNS: list[re.Pattern[str]] = []
for _char in dict.fromkeys(char for char, _ in ENDS.values()):
    _forms = [name for name, (char, _) in ENDS.items() if char == _char]
    _RUN_PATTERNS.append(
        re.compile(
            _char + "(?:" + "|".join(f"{ENDS[name][1]}{_repeated(name)}" for name in _forms) + ")"
        )
    )
_FORM_OF_GROUP = {_group(name): name for name in UNITS}

#: The runs of 8月8月… that start the text (nothing before them can change them).
_START_RUNS = re.compile(_repeated("md-loose"))

#: Characters a run of numbers is made of (``normalizers.extract.NUMBER_RUN``): the
#: fast span must not cut one, or the rules would see a shorter number before it.
_NUMERAL = frozenset("0123456789〇零一二三四五六七八九十廿卅两")

_new = object.__new__

#: Forms whose dates are written out whole (explicit: their days need nothing from the
#: text around them), and what may stand between two of them for the rules to leave
#: each alone: no connector (至 and 到 make ranges, and 至 sets the paragraph's
#: present), no list of days.
EXPLICIT_FORMS = frozenset({"ymd", "ym", "y", "cy"})
_PLAIN_GAPS = frozenset({"", "，", "、", "；"})


class Block:
    """Dates in the middle of a run of explicit dates, resolved here in full.

    Between two explicit dates with a plain gap, nothing of extraction or anchoring
    changes either (no year to give, no range, no enumeration; their days are
    written out): each is a :data:`normalizers.anchor.Row` of its own, made without a
    partial. The run's dates around the block stay partials and go through the
    joins and the anchoring, which leave the anchoring's state as the block's own
    last date would have left it (the last resolved day, the narrative, the last
    year, all the same kind and written out)."""

    __slots__ = ("span", "values")

    def __init__(self, span: tuple[int, int], values: list[tuple]) -> None:
        self.span = span
        #: (span, start, end, granularity, rule) of each date, in text order.
        self.values = values


#: Forms whose dates take their year from the narrative (a month and a day, a day,
#: a festival), and the gaps between two of them that leave each alone.
CONTEXT_FORMS = {
    "md": _PLAIN_GAPS,
    "md-loose": frozenset({"月"}),  # the 月 after 8月8, which no rule takes
    "d": frozenset({"、", "，"}),
    "english": frozenset({", "}),
    "festival": _PLAIN_GAPS,
    "lunar-day": frozenset({"", "，", "、"}),
    "lunar-month": frozenset({"", "，", "、"}),
}


class RunOfDays:
    """Dates in the middle of a run of days without a year (8月1日…, 8月8…, 22日、…,
    June 18, …, 春节元宵节…, 正月初一…) or of whole lunar months (农历正月…), anchored one after the other by
    :meth:`normalizers.anchor.Anchorer.resolve_run` without partials or joins.

    With plain gaps, extraction leaves these dates as they are written (nothing
    joins them, and the run's dates around the block, which stay partials, can join
    only what is outside it); only their anchoring follows from one date to the
    next, and that takes the anchoring's own state. Each date keeps what makes its
    partial (:attr:`build`, its groups), for the anchoring to fall back on when the
    state is not the one it reads fast (no narrative yet)."""

    __slots__ = ("build", "dates", "lunar", "months", "plain", "span")

    def __init__(self, span, build, dates, lunar: bool = False, months: bool = False) -> None:
        self.span = span
        #: The builder of the form's partials (:data:`BUILDERS`).
        self.build = build
        #: (span, (month, day, festival, rule), groups) of each date, in text order.
        self.dates = dates
        #: The dates are lunar (正月初一): month and day of the lunar calendar.
        self.lunar = lunar
        #: The dates are whole lunar months (农历正月农历二月…): no day, each a month.
        self.months = months
        #: Each date holds a Gregorian month and day, no festival (8月1日, June 18).
        self.plain = False


class RunOfWords:
    """The middle of a run of relative words (今年去年明年次日当天…), as plain values
    joined as :func:`normalizers.extract.join` would join them, for
    :meth:`normalizers.anchor.Anchorer.resolve_words` to anchor one after the other
    without partials or joins.

    Between two relative words with a list mark, or none, nothing joins but a year
    word and the day word written right after it (明年次日: the next day of next
    year, :func:`normalizers.extract.compose`); no range, enumeration or period
    forms of them. The run's words around the block stay partials, and the block
    starts and ends where no such pair is cut in two, so what the joins make of the
    partials around it cannot reach into it (a long gap of words joins nothing)."""

    __slots__ = ("span", "words")

    def __init__(self, span: tuple[int, int], words: list[tuple]) -> None:
        self.span = span
        #: (span, meaning) of each word (a year word and its day word as one), in text
        #: order; the meaning is shared: (rule, unit, base, shift, shift_unit), the
        #: fields of its partial (:func:`word_partial`).
        self.words = words


class ChainOfDays:
    """Dates in the middle of a chain of ranges of days (8月1日至8月3日至8月5日至…): every
    gap between two of them a range's connector (至, 到), so that the joins pair
    them two by two (:func:`normalizers.extract.join`: two ends around a connector
    make a range, and the second end is then taken). Which pairs they make depends
    only on whether the chain's first date is taken by the date before it, which
    the joins know when they reach the chain: that date (:attr:`first`, the partial
    right before the chain, never joined by anything else: the date before it is a
    day) stands alone as the head the chain follows, or was taken. :meth:`pair`
    then makes the pairs, as a :class:`RunOfRanges`, without their partials; a date
    left over at the chain's end becomes a partial again for the joins to go on.

    It stands among the partials as one, in text order (``unit`` "chain": no year
    qualifies it, it qualifies nothing)."""

    __slots__ = ("build", "dates", "first", "first_date", "span")
    unit = "chain"
    fragment = False

    def __init__(self, span, build, first: Partial, first_date: tuple, dates: list[tuple]) -> None:
        self.span = span
        self.build = build
        #: The partial of the date right before the chain, and its (span, (month, day,
        #: festival, rule), groups): the gap between it and the chain's first date
        #: is a connector.
        self.first = first
        self.first_date = first_date
        #: (span, (month, day, festival, rule), groups) of each date of the chain.
        self.dates = dates

    def pair(self, head: Partial | None, joined: list, parts: list, at: int) -> int:
        """The ranges of the chain at ``parts[at]``, added to ``joined``: from
        :attr:`first` on when the joins reach it as the ``head`` (not taken), else
        from the chain's first date. Returns where the joins go on: a date left
        over is put in the chain's place, a partial, for the joins to take."""
        if head is not None:
            if head is not self.first:
                raise RuntimeError(f"a chain of ranges at {self.span} follows no date of its own")
            dates = [self.first_date, *self.dates]
        else:
            dates = self.dates
        pairs = list(zip(dates[0:-1:2], dates[1::2], strict=True))
        if pairs:
            joined.append(RunOfRanges((pairs[0][0][0][0], pairs[-1][1][0][1]), self.build, pairs))
        if len(dates) % 2:
            span, _, groups = dates[-1]
            parts[at] = self.build(span, groups)
            return at
        return at + 1


class RunOfRanges:
    """Ranges of days paired by :meth:`ChainOfDays.pair` (8月1日至8月3日, each two dates
    of a month and a day around a connector), for
    :meth:`normalizers.anchor.Anchorer.resolve_ranges` to anchor one after the other
    without partials; the ranges the joins would make of them are
    :func:`range_partial`."""

    __slots__ = ("build", "pairs", "span")
    unit = "chain"
    fragment = False

    def __init__(self, span, build, pairs: list[tuple]) -> None:
        self.span = span
        self.build = build
        #: ((span, (month, day, festival, rule), groups) of the first end, the same
        #: of the second) of each range, in text order.
        self.pairs = pairs


def range_partial(build, first: tuple, second: tuple) -> Partial:
    """The partial the joins make of a range of a :class:`RunOfRanges`
    (``extract._range`` of the two dates' partials: the first one's fields, spanning
    both, the second as its end)."""
    head = build(first[0], first[2])
    tail = build(second[0], second[2])
    joined = head.moved(span=(first[0][0], second[0][1]), end=tail, fragment=False)
    joined.rule = "ranges.day"
    return joined


def _word_meaning(word: str) -> tuple[str, str, str, int, str]:
    """(rule, unit, base, shift, shift_unit) of a relative word's partial."""
    if word in RELATIVE_YEARS:
        reference, offset = RELATIVE_YEARS[word]
        return (f"relative.{word}", "year", reference, offset, "years")
    reference, offset = RELATIVE_DAYS[word]
    return (f"relative.{word}", "day", reference, offset, "days")


#: Word, or (year word, day word) joined → its meaning, one shared tuple each: a day
#: word after a year word takes the year word's base and shift (what compose makes).
WORD_MEANINGS: dict[str | tuple[str, str], tuple[str, str, str, int, str]] = {
    word: _word_meaning(word) for word in RELATIVE_WORDS
}
WORD_MEANINGS.update(
    {
        (year, day): (f"relative.{day}", "day", *RELATIVE_YEARS[year], "years")
        for year in RELATIVE_WORDS
        if year in RELATIVE_YEARS
        for day in RELATIVE_WORDS
        if day not in RELATIVE_YEARS
    }
)


def word_partial(span: tuple[int, int], meaning: tuple[str, str, str, int, str]) -> Partial:
    """The partial of a word of a :class:`RunOfWords` (what the rules and the joins make
    of it), for the anchoring's branches that :meth:`resolve_words` leaves to
    :meth:`~normalizers.anchor.Anchorer.resolve`."""
    rule, unit, base, shift, shift_unit = meaning
    return _partial(span, rule, unit, base=base, shift=shift, shift_unit=shift_unit)


#: Form name → the separators its dates may have that are no plain gap (至 and 到 make
#: ranges), for the forms whose runs may become blocks (explicit and context forms):
#: where a run's text holds none of them, every gap in it is one that leaves its dates
#: alone (``_PLAIN_GAPS``, ``CONTEXT_FORMS``; the dates hold none either).
_JOINERS: dict[str, tuple[str, ...]] = {
    form: ("至", "到") if _ARABIC_SEP in UNITS[form] else ()
    for form in (*EXPLICIT_FORMS, *CONTEXT_FORMS)
}

_DAY_RULES = {"md": "absolute.day", "md-loose": "loose_days.month-day", "english": "english.day"}


def _date_of(form: str, groups: tuple[str, ...]) -> tuple:
    """What :class:`RunOfDays` keeps of one date but its span and groups: (month, day,
    festival, rule)."""
    if form == "festival":
        return (None, None, groups[2], f"festivals.{groups[2]}")
    if form == "d":
        return (None, int(groups[2]), None, "absolute.day")
    if form == "english":
        return (ENGLISH_MONTHS[groups[2].lower()], int(groups[3]), None, "english.day")
    if form == "lunar-day":
        return (*_LUNAR_DAY_VALUES[groups[1]], None, "festivals.lunar")
    if form == "lunar-month":
        return (_lunar_month_value(groups[2]), None, None, "festivals.lunar-month")
    return (int(groups[2]), int(groups[3]), None, _DAY_RULES[form])


#: Form name → written date → :func:`_date_of` of it (a dense text repeats its dates).
_SEEN_DATES: dict[str, dict[str, tuple]] = {form: {} for form in UNITS}


def _partial(
    span: tuple[int, int],
    rule: str,
    unit: str,
    year: int | None = None,
    month: int | None = None,
    day: int | None = None,
    festival: str | None = None,
    base: str = "explicit",
    shift: int = 0,
    shift_unit: str = "years",
    notes: list[str] | None = None,
) -> Partial:
    """``Partial(...)`` of these fields and the defaults for the rest, slot by slot."""
    p = _new(Partial)
    p.span = span
    p.rule = rule
    p.unit = unit
    p.year = year
    p.month = month
    p.day = day
    p.part = None
    p.festival = festival
    p.leap_month = False
    p.base = base
    p.shift = shift
    p.shift_unit = shift_unit
    p.kind = "event"
    p.fixed = None
    p.end = None
    p.fragment = False
    p.bare_year = False
    p.weekday = None
    p.pivot = False
    p.nth = None
    p.warning = None
    p.notes = [] if notes is None else notes
    return p


def _valid(year: int | None, month: int, day: int | None) -> bool:
    """The date exists (the rules would give it no warning: :func:`absolute._check`);
    2月29日 without a year, which the rules read from the context, is left to them."""
    if _check(year, month, day) is not None:
        return False
    return not (month == 2 and day == 29 and year is None)


def _ymd(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    return _partial(span, "absolute.day", "day", int(g[2]), int(g[3]), int(g[4]))


def _ym(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    return _partial(span, "absolute.month", "month", int(g[2]), int(g[3]))


def _y(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    return _partial(span, "absolute.year", "year", int(g[2]))


def _cy(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    return _partial(span, "absolute.year", "year", number_value(g[2]))


def _md(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    return _partial(span, "absolute.day", "day", None, int(g[2]), int(g[3]), base="context")


def _md_loose(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    month, day = int(g[2]), int(g[3])
    return _partial(span, "loose_days.month-day", "day", None, month, day, base="context")


def _d(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    return _partial(span, "absolute.day", "day", day=int(g[2]), base="context", notes=["lone-day"])


def _festival(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    name = g[2]
    return _partial(span, f"festivals.{name}", "festival", festival=name, base="context")


def _relative(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    word = g[2]
    if word in RELATIVE_YEARS:
        reference, offset = RELATIVE_YEARS[word]
        return _partial(span, f"relative.{word}", "year", base=reference, shift=offset)
    reference, offset = RELATIVE_DAYS[word]
    return _partial(
        span, f"relative.{word}", "day", base=reference, shift=offset, shift_unit="days"
    )


def _english(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    month, day = ENGLISH_MONTHS[g[2].lower()], int(g[3])
    return _partial(span, "english.day", "day", None, month, day, base="context")


def _lunar_month_value(written: str) -> int:
    """The number of a lunar month as its pattern reads it (正 → 1, 十一 → 11)."""
    return LUNAR_MONTH_NAMES.get(written) or number_value(written)


def _lunar_month(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    month = _lunar_month_value(g[2])
    return _partial(span, "festivals.lunar-month", "lunar", month=month, base="context")


def _lunar_day(span: tuple[int, int], g: tuple[str, ...]) -> Partial:
    month, day = _LUNAR_DAY_VALUES[g[1]]
    return _partial(span, "festivals.lunar", "lunar", month=month, day=day, base="context")


#: The written date of an explicit form → (start, end, granularity, rule): its days.
_DAYS: dict[str, tuple[date, date, str, str]] = {}


def _days(form: str, groups: tuple[str, ...]) -> tuple[date, date, str, str]:
    """What the anchoring makes of an explicit date (``anchor.values`` of its year)."""
    written = groups[1]
    known = _DAYS.get(written)
    if known is not None:
        return known
    if form == "ymd":
        day = date(int(groups[2]), int(groups[3]), int(groups[4]))
        known = (day, day, "day", "absolute.day")
    elif form == "ym":
        year, month = int(groups[2]), int(groups[3])
        known = (
            date(year, month, 1),
            date(year, month, last_day(year, month)),
            "month",
            "absolute.month",
        )
    else:
        year = int(groups[2]) if form == "y" else number_value(groups[2])
        known = (date(year, 1, 1), date(year, 12, 31), "year", "absolute.year")
    if len(_DAYS) >= 4096:
        _DAYS.clear()
    _DAYS[written] = known
    return known


def _always(groups: tuple[str, ...]) -> bool:
    return True


def _day_valid(groups: tuple[str, ...]) -> bool:
    return 1 <= int(groups[2]) <= 31


#: Form name → whether a date of the form, by its groups, is one the fast path may
#: build: the rules would give it no warning and read it the same way. Only such
#: dates reach the builders (:data:`BUILDERS`), which check nothing again.
VALID: dict[str, Callable[[tuple[str, ...]], bool]] = {
    "ymd": lambda g: _valid(int(g[2]), int(g[3]), int(g[4])),
    "ym": lambda g: 1 <= int(g[3]) <= 12,
    "y": _always,
    "cy": lambda g: 1000 <= (number_value(g[2]) or 0) <= 2199,
    "md": lambda g: _valid(None, int(g[2]), int(g[3])),
    "d": _day_valid,
    "md-loose": lambda g: _valid(None, int(g[2]), int(g[3])),
    "festival": _always,
    "relative": _always,
    "english": lambda g: _valid(None, ENGLISH_MONTHS[g[2].lower()], int(g[3])),
    "lunar-month": _always,
    "lunar-day": _always,
}


#: Form name → the partial of one of its dates, from its span and groups; given only
#: dates :data:`VALID` says yes to (a run of 8月1日至8月3日至… checked each twice).
BUILDERS: dict[str, Callable[[tuple[int, int], tuple[str, ...]], Partial]] = {
    "ymd": _ymd,
    "ym": _ym,
    "y": _y,
    "cy": _cy,
    "md": _md,
    "d": _d,
    "md-loose": _md_loose,
    "festival": _festival,
    "relative": _relative,
    "english": _english,
    "lunar-month": _lunar_month,
    "lunar-day": _lunar_day,
}
assert BUILDERS.keys() == UNITS.keys() == VALID.keys()


def _runs(folded: str) -> list[tuple[int, int, str]]:
    """(start, end, form) of every run, in text order, none overlapping another (of
    two that overlap, the one found first in text order is kept)."""
    found = []
    for pattern in _RUN_PATTERNS:
        for run in pattern.finditer(folded):
            group = run.lastgroup
            found.append((run.start(group), run.end(), _FORM_OF_GROUP[group]))
    run = _START_RUNS.match(folded)
    if run is not None:
        found.append((0, run.end(), "md-loose"))
    found.sort()
    kept: list[tuple[int, int, str]] = []
    for run in found:
        if not kept or run[0] >= kept[-1][1]:
            kept.append(run)
    return kept


def fast_runs(
    folded: str,
) -> tuple[list[tuple[int, int]], list[Partial], list[Block | RunOfDays | RunOfWords]]:
    """The stretches of ``folded`` the fast path settles, in text order, the partials
    of their dates and the blocks of explicit dates resolved whole. A stretch runs
    from the start of a date to the start of the next date left to the rules: every
    place in it belongs to the fast path."""
    stretches: list[tuple[int, int]] = []
    partials: list[Partial] = []
    blocks: list[Block | RunOfDays | RunOfWords] = []
    for start, end, form in _runs(folded):
        # One findall for the run (strings, no match objects); places by their lengths.
        units = _UNIT_PATTERNS[form].findall(folded, start, end)
        starts = list(accumulate(map(len, map(_WHOLE, units)), initial=start))
        # The first and the last date are the rules': their other neighbour may be
        # outside the run, or no date of the form.
        middle = _usable(form, units)
        if False not in middle:  # most runs: every date between the ends usable
            if middle:
                _settle_stretch(
                    folded, form, units, starts, 1, len(units) - 1, stretches, partials, blocks
                )
            continue
        usable = [False, *middle, False]
        begin = None
        for index, ok in enumerate(usable):
            if ok:
                if begin is None:
                    begin = index
            elif begin is not None:
                _settle_stretch(
                    folded, form, units, starts, begin, index, stretches, partials, blocks
                )
                begin = None
    return stretches, partials, blocks


_WHOLE = itemgetter(0)
_WRITTEN = itemgetter(1)
#: Form name → written date → whether :data:`VALID` says yes to it: dense text repeats
#: its dates, and a date's validity is that of its written text. Bounded per form.
_SEEN_VALID: dict[str, dict[str, bool]] = {form: {} for form in UNITS}


def _usable(form: str, units: list[tuple[str, ...]]) -> list[bool]:
    """:data:`VALID` of every date of a run but its first and last."""
    middle = units[1:-1]
    valid = VALID[form]
    if valid is _always:
        return [True] * len(middle)
    seen = _SEEN_VALID[form]
    written = list(map(_WRITTEN, middle))
    found = list(map(seen.get, written))
    if None in found:
        if len(seen) >= 4096:
            seen.clear()
        # Each written date once (a dict of them, made in C), then the run's in C.
        for text, groups in dict(zip(written, middle, strict=True)).items():
            if text not in seen:
                seen[text] = valid(groups)
        found = list(map(seen.__getitem__, written))
    return found


def _settle_stretch(folded, form, units, starts, begin, stop, stretches, partials, blocks) -> None:
    """Dates ``begin`` to ``stop - 1`` of a run, all usable, settled as one stretch
    (less those at its ends that would cut a run of numbers)."""
    kept = _stretch(folded, starts, begin, stop)
    if kept is not None:
        stretches.append((starts[kept[0]], starts[kept[1]]))
        _settle(folded, form, units, starts, *kept, partials, blocks)


def _composes(units, index: int) -> bool:
    """A relative run's year word at ``index`` and the day word right after it, with no
    mark between, make one date (明年次日), as :func:`normalizers.extract.compose`
    joins them."""
    groups = units[index]
    return (
        groups[2] in RELATIVE_YEARS
        and groups[0] == groups[1]
        and units[index + 1][2] not in RELATIVE_YEARS
    )


def _settle_words(units, starts, begin, stop, partials, blocks) -> None:
    """The partials of relative words ``begin`` to ``stop - 1`` of a run: the first
    and the last, and the words between them that no pair cuts off (see
    :class:`RunOfWords`), as partials; the others in a :class:`RunOfWords`, a year
    word and its day word as one (what compose makes of them)."""
    first, last = begin + 1, stop - 1  # the block: words first to last - 1
    if _composes(units, begin):
        first += 1  # the run's first word takes the word after it
    if last - 1 > first and _composes(units, last - 1):
        last -= 1  # the year word before the run's last word takes it
    if last - first < 2:
        first = last = stop  # no block: every word a partial
    for index in (*range(begin, first), *range(last, stop)):
        groups = units[index]
        partials.append(_relative((starts[index], starts[index] + len(groups[1])), groups))
    if first == stop:
        return
    words: list[tuple] = []
    index = first
    while index < last:
        groups, at = units[index], starts[index]
        if _composes(units, index):  # never the block's last word (see above)
            day = units[index + 1]
            span = (at, starts[index + 1] + len(day[1]))
            words.append((span, WORD_MEANINGS[groups[2], day[2]]))
            index += 2
            continue
        words.append(((at, at + len(groups[1])), WORD_MEANINGS[groups[2]]))
        index += 1
    blocks.append(RunOfWords((words[0][0][0], words[-1][0][1]), words))


#: Fewer dates than this in a chain of ranges (with the one before it) are left as
#: partials: a short chain saves nothing.
MIN_CHAIN = 5
_CONNECTORS = frozenset({"至", "到"})


_CONNECTOR_RUN = re.compile("[至到]+")


def _chains(units, begin: int, stop: int) -> list[tuple[int, int]]:
    """(first, last) of each longest stretch of dates ``first`` to ``last - 1`` of a
    run (within ``begin`` to ``stop - 1``) with a range's connector after each date
    but the last, of at least :data:`MIN_CHAIN` dates: date ``first`` stays a
    partial, the others make a :class:`ChainOfDays`. Found by one search over the
    last character of each date's unit (至 or 到 when a connector follows it)."""
    ends = "".join(map(_LAST, map(_WHOLE, units[begin:stop])))
    found = []
    for connected in _CONNECTOR_RUN.finditer(ends):
        first = begin + connected.start()
        last = min(begin + connected.end(), stop - 1) + 1
        if last - first >= MIN_CHAIN:
            found.append((first, last))
    return found


_LAST = itemgetter(-1)


def _settle(folded, form, units, starts, begin, stop, partials, blocks) -> None:
    """The partials of dates ``begin`` to ``stop - 1`` of a run; when every gap, from
    the first to the date after the last, leaves each alone, only the first and the
    last, and between them a :class:`Block` (explicit dates) or a :class:`RunOfDays`:
    the last date, a partial too, then leaves the anchoring's state as the block
    would have. A run of relative words goes to :func:`_settle_words`."""
    if form == "relative":
        _settle_words(units, starts, begin, stop, partials, blocks)
        return
    build = BUILDERS[form]
    # Every gap from the first date to the one after the last is plain: no joining
    # separator in the text they cover (the dates themselves hold none).
    block = (
        form in _JOINERS
        and stop - begin >= 3
        and not any(joiner in folded[starts[begin] : starts[stop]] for joiner in _JOINERS[form])
    )
    if not block:
        # A chain's first date follows one of the stretch, a plain day: nothing
        # composes with it (a year would), so the joins reach it as it was built.
        chains = _chains(units, begin + 1, stop) if form == "md" else ()
        index = begin
        for first, last in chains:
            # Dates first + 1 to last - 1 in a chain that follows date first.
            while index <= first:
                groups = units[index]
                place = starts[index]
                partials.append(build((place, place + len(groups[1])), groups))
                index += 1
            dates = _run_dates(form, units[first:last], starts[first:last])
            head = partials[-1]
            span = (dates[1][0][0], dates[-1][0][1])
            partials.append(ChainOfDays(span, build, head, dates[0], dates[1:]))
            index = last
        for rest in range(index, stop):
            groups = units[rest]
            place = starts[rest]
            partials.append(build((place, place + len(groups[1])), groups))
        return
    explicit = form in EXPLICIT_FORMS
    if explicit:
        values = []
        for index in range(begin + 1, stop - 1):
            groups = units[index]
            place = starts[index]
            values.append(((place, place + len(groups[1])), *_days(form, groups)))
    else:
        values = _run_dates(form, units[begin + 1 : stop - 1], starts[begin + 1 : stop - 1])
    for index in (begin, stop - 1):
        groups = units[index]
        place = starts[index]
        partials.append(build((place, place + len(groups[1])), groups))
    span = (values[0][0][0], values[-1][0][1])
    if explicit:
        blocks.append(Block(span, values))
    else:
        lunar = form in ("lunar-day", "lunar-month")
        run = RunOfDays(span, build, values, lunar, months=form == "lunar-month")
        run.plain = form in _PLAIN_DAY_FORMS
        blocks.append(run)


#: Forms whose dates each hold a month and a day of the Gregorian calendar (no
#: festival, no lunar date): their days are ``date(year, month, day)``.
_PLAIN_DAY_FORMS = frozenset({"md", "md-loose", "english"})


def _run_dates(form: str, units: list[tuple[str, ...]], places: list[int]) -> list[tuple]:
    """(span, (month, day, festival, rule), groups) of each date of a
    :class:`RunOfDays` (``places``: where each starts), zipped in C: what a date is
    (:func:`_date_of`) is remembered by its written text, which dense text repeats."""
    written = list(map(_WRITTEN, units))
    seen = _SEEN_DATES[form]
    if len(seen) >= 4096:
        seen.clear()
    known = list(map(seen.get, written))
    if None in known:
        # Each written date once (a dict of them, made in C), then the run's in C.
        for text, groups in dict(zip(written, units, strict=True)).items():
            if text not in seen:
                seen[text] = _date_of(form, groups)
        known = list(map(seen.__getitem__, written))
    spans = zip(places, map(add, places, map(len, written)), strict=True)
    return list(zip(spans, known, units, strict=True))


def _cuts_number(folded: str, place: int) -> bool:
    """A stretch starting or ending at ``place`` would cut a run of numbers."""
    return folded[place - 1] in _NUMERAL and folded[place] in _NUMERAL


def _stretch(folded: str, starts: list[int], begin: int, stop: int) -> tuple[int, int] | None:
    """Dates ``begin`` to ``stop - 1`` of a run as one stretch, less those at its ends
    that would make it cut a run of numbers (``starts``: where each date starts)."""
    while begin < stop and _cuts_number(folded, starts[begin]):
        begin += 1
    while begin < stop and _cuts_number(folded, starts[stop]):
        stop -= 1
    return (begin, stop) if begin < stop else None
