"""The pieces every family shares: the rule record, the partial value, patterns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from normalizers.tables.numerals import DIGIT_CHARS


@dataclass(slots=True)
class Partial:
    """What extraction knows about one expression; anchoring fills the rest.

    ``base`` says where a missing year (or the whole value) comes from:
    ``explicit`` (written out), ``context`` (the narrative's current date, else
    the publication date), ``present`` (the document's present: 今年, 昨天) or
    ``previous`` (the last resolved mention: 当天, 次年). ``shift`` counts
    ``shift_unit`` steps from that reference (去年: -1 years).
    """

    span: tuple[int, int]
    rule: str
    unit: str  # year, month, day, week, festival, lunar, fixed, trap
    year: int | None = None
    month: int | None = None
    day: int | None = None
    part: str | None = None  # a key of YEAR_PARTS (unit year) or MONTH_PARTS (unit month)
    festival: str | None = None
    leap_month: bool = False
    base: str = "explicit"
    shift: int = 0
    shift_unit: str = "years"
    kind: str = "event"
    fixed: tuple[date, date, str] | None = None
    end: Partial | None = None
    fragment: bool = False  # 20日 or 10月 alone: only kept when joined to a neighbour
    bare_year: bool = False  # 2023汕头马拉松: a year without 年
    weekday: int | None = None  # 0 = Monday, from a bracket after the date
    #: ``year`` holds two digits (98年, 15年3月): the century comes from the
    #: document's present at anchoring (see :mod:`normalizers.rules.years`).
    pivot: bool = False
    #: The n-th ``weekday`` of ``month`` (5月第二个星期日: 2); -1 is the last one.
    nth: int | None = None
    warning: str | None = None  # an impossible date: reported, never resolved
    notes: list[str] = field(default_factory=list)

    @property
    def has_year(self) -> bool:
        return self.year is not None or (
            self.base in ("present", "previous") and self.shift_unit == "years"
        )

    def copy(self) -> Partial:
        """A copy of every field (the ``notes`` list and the ``end`` are the same
        objects), slot by slot: twice as fast as calling the constructor with them
        all. ``tests/test_resolve_shortcuts.py`` checks that no field is left out."""
        copy = _new(Partial)
        copy.span = self.span
        copy.rule = self.rule
        copy.unit = self.unit
        copy.year = self.year
        copy.month = self.month
        copy.day = self.day
        copy.part = self.part
        copy.festival = self.festival
        copy.leap_month = self.leap_month
        copy.base = self.base
        copy.shift = self.shift
        copy.shift_unit = self.shift_unit
        copy.kind = self.kind
        copy.fixed = self.fixed
        copy.end = self.end
        copy.fragment = self.fragment
        copy.bare_year = self.bare_year
        copy.weekday = self.weekday
        copy.pivot = self.pivot
        copy.nth = self.nth
        copy.warning = self.warning
        copy.notes = self.notes
        return copy

    def moved(self, **changes) -> Partial:
        """A copy with ``changes`` (``dataclasses.replace``, without its checks)."""
        copy = self.copy()
        for name, value in changes.items():
            setattr(copy, name, value)
        return copy


_new = object.__new__


@dataclass(frozen=True, slots=True)
class Rule:
    """A name, a pattern, a production, and where the pattern may start.

    Patterns are tried only where they can begin, never scanned over the whole
    text: at the start of a run of Arabic digits (``on_numbers`` "arabic" or
    "both"), in a run of Chinese numerals followed by 年/月/日 … ("chinese" or
    "both"), and where one of ``keywords`` begins (found all at once by an Aho-Corasick
    automaton). That is what keeps extraction fast on long documents.
    """

    name: str
    pattern: re.Pattern[str]
    produce: Callable[[re.Match[str], str], Partial | None]
    keywords: tuple[str, ...] = ()
    on_numbers: str = ""  # "", "arabic", "chinese" or "both"
    #: For Arabic runs: is the pattern worth trying on this run of digits, given
    #: the character after it? (Most digit runs are amounts; a cheap look saves a match.)
    #: It may look at how many digits there are, never at their values: the
    #: engine asks once per (number of digits, following character).
    worth_trying: Callable[[str, str], bool] | None = None
    #: For runs of Chinese numerals: the characters one must be followed by for
    #: this pattern to be worth trying in it (None: any of the engine's own).
    after_chinese: frozenset[str] | None = None
    #: A second look, once ``worth_trying`` or ``after_chinese`` said yes: could the
    #: pattern match given the digits ("" for Chinese numerals), the character after
    #: the number and the one after that? (5月第二个星期日 needs 第, 份 or 的 after 月;
    #: in 8月8月8月… it is never worth trying.) The engine asks once per
    #: (number of digits, both characters); it must never say no to a possible match.
    second_look: Callable[[str, str, str], bool] | None = None
    #: For Arabic runs: given how many digits the run has and the character after it,
    #: the ``match`` to try there instead of ``pattern.match`` (a pattern of only the
    #: branches that may start at such a run). Its match must be the one
    #: ``pattern.match`` gives at every such place, groups read by name.
    match_by_shape: Callable[[int, str], Callable[..., re.Match[str] | None]] | None = None
    #: For keyword hits: given the keyword found there, the ``match`` to try instead of
    #: ``pattern.match`` (None: ``pattern.match``). It may answer None before the
    #: pattern runs where a cheap look shows that no match could give a partial
    #: (June June …: a month with neither a number after it nor a cue before it);
    #: anywhere else its match must be ``pattern.match``'s.
    match_by_keyword: Callable[[str], Callable[..., re.Match[str] | None] | None] | None = None
    #: For Arabic runs: characters that, right before the run, make the pattern fail
    #: (the set of its look-behind, which stands before all its branches): the rule
    #: is not tried there (1.1.1… for the notations).
    not_after: frozenset[str] | None = None
    #: For Arabic runs: the characters one of which must be the last one before the
    #: number, spaces and tabs skipped, for the production to give a partial (in 2022
    #: ends in a letter; 至2025 in 至). The engine looks at most eight characters back
    #: and tries the rule anyway when it finds only spaces, tabs or the text's start;
    #: it must never leave out a character before a possible partial.
    before_look: frozenset[str] | None = None
    #: Its partials always cover exactly the match and are named for what they found
    #: (absolute.day, ranges.day …), never by a rule's name: the engine may then build
    #: them only for the matches that win against their neighbours (see
    #: :func:`normalizers.extract.select`), and checks that this holds when it does.
    same_span: bool = False
    #: ``same_span`` for some matches only: given a match and the text, True when
    #: its partial (if any) covers exactly the match and is named for this rule, so
    #: that the engine may build it only if the match wins (a loose 8月8 has the
    #: span of its match unless a year is written before it). Must never say True
    #: for another span; the engine checks the partials it builds so.
    own_span: Callable[[re.Match[str], str], bool] | None = None
    #: For a ``same_span`` rule: True for a match whose production gives no partial
    #: whatever the text around it, its written values alone refusing it (2023-2023
    #: or 2024-2019 is no range of years). The engine drops such a match at once
    #: instead of keeping a candidate that :func:`~normalizers.extract.select` would
    #: produce for nothing (a run of 2023-2023-… is one at every number). Must never
    #: say True to a match that may give a partial.
    refuses: Callable[[re.Match[str]], bool] | None = None
    #: Characters one of which every match of the pattern holds (a percentage its %,
    #: a phone number its -): in a text without any of them the rule is never tried
    #: (1.1.1… with no % tries no percentage). Must hold for every match.
    needs: frozenset[str] | None = None
    #: How far the production reads the text around its match: (characters before
    #: the match's start, characters after its end). Given, the engine remembers
    #: its partials by the match and that window (:mod:`normalizers.memo`); so the
    #: production must read nothing further and depend on nothing else.
    reads: tuple[int, int] | None = None


# --- building blocks for patterns over folded text -------------------------------

SP = r"[ \t]?"
CONNECTOR = r"(?:-{1,2}|~|至|到)"
ARABIC_YEAR = r"(?:1\d{3}|20\d{2}|21\d{2})(?![0-9])"
CHINESE_YEAR = rf"[{DIGIT_CHARS}]{{4}}"
YEAR = rf"(?:{ARABIC_YEAR}|{CHINESE_YEAR})"
CHINESE_MONTH = r"(?:十[一二]?|[一二三四五六七八九])"
MONTH = rf"(?:\d{{1,2}}|{CHINESE_MONTH})"
CHINESE_DAY = (
    r"(?:三十一?|[二]?十[一二三四五六七八九]?|廿[一二三四五六七八九]?|卅一?|[一二三四五六七八九])"
)
DAY = rf"(?:\d{{1,2}}|{CHINESE_DAY})"
NOT_AFTER_NUMBER = rf"(?<![0-9.{DIGIT_CHARS}十廿卅两])"

WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
WEEKDAY_BRACKET = re.compile(
    r"[ \t]?[(（]?[ \t]?(?:星期|周|礼拜)([一二三四五六日天七])[ \t]?[)）]?"
)

CJK = re.compile(r"[\u4e00-\u9fff]")


class _Groups(dict):
    """The groups of one branch of an alternation; any other group reads as None."""

    __slots__ = ()

    def __missing__(self, name: str) -> None:
        return None


def branch_groups(pattern: re.Pattern[str]) -> Callable[[re.Match[str]], dict[str, str | None]]:
    """``m.groupdict()`` for a pattern that is one alternation of branches whose
    group names start with the branch's own prefix (``ymd_y``, ``ymd_m`` …).

    Only the groups of the branch that matched are read: a failed branch leaves no
    group set (the engine restores them when it backtracks), so the branch is the
    one of ``m.lastindex``, the last group that matched. A pattern of 40 groups then
    costs the few of its branch, not all 40, for every match.
    """
    by_index: dict[int, tuple[str, ...]] = {}
    names_of: dict[str, list[str]] = {}
    for name in pattern.groupindex:
        names_of.setdefault(name.split("_")[0], []).append(name)
    for name, index in pattern.groupindex.items():
        by_index[index] = tuple(names_of[name.split("_")[0]])
    unnamed = pattern.groups != len(pattern.groupindex)

    def groups(m: re.Match[str]) -> dict[str, str | None]:
        if unnamed or m.lastindex not in by_index:
            return m.groupdict()
        names = by_index[m.lastindex]
        values = m.group(*names)  # one name: the value itself, not a tuple
        return _Groups(zip(names, values if len(names) > 1 else (values,), strict=True))

    return groups


def forms(pattern: re.Pattern[str]) -> dict[int, str]:
    """``m.lastindex`` → the form of the group, for the matches of ``pattern`` (an
    alternation of branches as :func:`branch_groups` reads them): the prefix of its
    groups' names, the branch that matched."""
    return {index: name.split("_")[0] for name, index in pattern.groupindex.items()}


def before(text: str, start: int, width: int = 6) -> str:
    return text[max(0, start - width) : start]


def after(text: str, end: int, width: int = 6) -> str:
    return text[end : end + width]


def weekday_after(text: str, end: int) -> int | None:
    """The weekday written right after a date, as in 5月18日（星期四）."""
    found = WEEKDAY_BRACKET.match(text, end)
    return WEEKDAYS[found.group(1)] if found else None
