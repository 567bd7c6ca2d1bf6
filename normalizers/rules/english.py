"""English dates on English pages (and English inside Chinese text).

    June 18, 2021 · 18 June 2021 · Jun. 18 · September 2022 · in 2022 · since 2019
    12 to 14 October 2023 · October 12-14, 2023 · early 2023 · the first half of 2023
    Q3 2023 · last year · this month · earlier this month · yesterday · the 1990s

Month names come from a table; the spans are English-only, so the Chinese rules
never see them and dateparser is not needed on the hot path.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from datetime import date

from normalizers.rules.base import Partial, Rule, forms

MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
#: The four non-ASCII letters a pattern that ignores case matches for an ASCII one
#: (Auguſt is August to ``(?i:august)``), each as that letter: ``str.lower`` keeps
#: them, and a month's name read with them was no key of :data:`MONTHS`.
_AS_ASCII = str.maketrans(
    {
        "\N{LATIN CAPITAL LETTER I WITH DOT ABOVE}": "i",
        "\N{LATIN SMALL LETTER DOTLESS I}": "i",
        "\N{LATIN SMALL LETTER LONG S}": "s",
        "\N{KELVIN SIGN}": "k",
    }
)


def month_number(written: str) -> int:
    """The month of a name the patterns matched (June, jun., SEPT, Auguſt)."""
    return MONTHS[written.translate(_AS_ASCII).lower().rstrip(".")]


_full_names = "|".join(
    sorted(
        (name for name in MONTHS if len(name) > 4 or name in ("may", "june", "july")),
        key=len,
        reverse=True,
    )
)
_short_names = "|".join(
    sorted(
        (name for name in MONTHS if len(name) <= 4 and name not in ("may", "june", "july")),
        key=len,
        reverse=True,
    )
)
#: A month's name; only an abbreviation takes a dot (Sept. 8), so "in October." ends before it.
MONTH = rf"(?P<{{name}}>(?i:{_full_names})|(?i:{_short_names})\.?)"
DAY = r"(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
YEAR = r"(?:1[89]\d\d|20\d\d)"
TO = r"[ \t]*(?:-|~|to|through|until|and)[ \t]*"

ENGLISH = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    # October 12-14, 2023 / June 18, 2021 / June 18 2021 / June 18
    + MONTH.format(name="a_month")
    + rf"[ \t]+(?P<a_day>{DAY})(?:{TO}(?P<a_day2>{DAY}))?(?:,?[ \t]+(?P<a_year>{YEAR}))?"
    # 12 to 14 October 2023 / 18 June 2021 / 18th of June
    + rf"|(?P<b_day>{DAY})(?:{TO}(?P<b_day2>{DAY}))?[ \t]+(?:of[ \t]+)?"
    + MONTH.format(name="b_month")
    + rf"(?:,?[ \t]+(?P<b_year>{YEAR}))?"
    # March to May 2023, from June to August 2022
    + "|"
    + MONTH.format(name="r_month")
    + TO
    + MONTH.format(name="r_month2")
    + rf",?[ \t]+(?P<r_year>{YEAR})"
    # September 2022
    + "|"
    + MONTH.format(name="c_month")
    + rf",?[ \t]+(?:of[ \t]+)?(?P<c_year>{YEAR})"
    # in September, in early October (the cue is checked in the production)
    + "|"
    + MONTH.format(name="e_month")
    + r"(?![ \t]*,?[ \t]*\d)"
    # last year, this month, earlier this month, yesterday
    + r"|(?P<rel>(?i:last year|this year|next year|last month|this month|next month|earlier this month|later this month|earlier this year|later this year|last week|this week|next week|yesterday|today|tomorrow))"
    # the 1990s
    + rf"|(?:the[ \t]+)?(?P<decade>{YEAR[3:-1]}0)s"
    + r")(?![A-Za-z0-9])"
)

_CUE_PARTS = {
    "early": "初",
    "end of": "底",
    "the end of": "底",
    "late": "底",
    "beginning of": "初",
    "the beginning of": "初",
    "start of": "初",
    "the start of": "初",
    "first half of": "上半年",
    "the first half of": "上半年",
    "h1": "上半年",
    "second half of": "下半年",
    "the second half of": "下半年",
    "h2": "下半年",
    "first quarter of": "一季度",
    "the first quarter of": "一季度",
    "q1": "一季度",
    "second quarter of": "二季度",
    "the second quarter of": "二季度",
    "q2": "二季度",
    "third quarter of": "三季度",
    "the third quarter of": "三季度",
    "q3": "三季度",
    "fourth quarter of": "四季度",
    "the fourth quarter of": "四季度",
    "q4": "四季度",
    "spring": "春季",
    "summer": "夏季",
    "autumn": "秋季",
    "fall": "秋季",
    "winter": "冬季",
}
_RELATIVE = {
    "last year": ("year", -1),
    "this year": ("year", 0),
    "next year": ("year", 1),
    "earlier this year": ("year", 0),
    "later this year": ("year", 0),
    "last month": ("month", -1),
    "this month": ("month", 0),
    "next month": ("month", 1),
    "earlier this month": ("month", 0),
    "later this month": ("month", 0),
    "last week": ("week", -1),
    "this week": ("week", 0),
    "next week": ("week", 1),
    "yesterday": ("day", -1),
    "today": ("day", 0),
    "tomorrow": ("day", 1),
}


def _day(written: str) -> int:
    """18 of 18th: the digits of a day the patterns matched, its suffix stripped."""
    return int(written.rstrip("dhnrst"))


#: After a month and day without a year, these make it a recurring day's name
#: ("July 1st celebrations", "the October 1 holiday"), not a date in the story.
RECURRING_AFTER = re.compile(
    r"[ \t]*(?:'s[ \t]+)?(?:celebrations?|anniversary|anniversaries|holidays?|festival|commemorations?|ceremon(?:y|ies)|day\b)",
    re.IGNORECASE,
)


#: Lower-case short names are ordinary words (may, mar …), never a month.
_LOWER_SHORT_NAMES = frozenset(
    ("may", "mar", "dec", "jan", "sep", "oct", "nov", "aug", "jun", "jul", "apr", "feb")
)


def _month_day(
    m: re.Match[str],
    text: str,
    written: str,
    day_written: str,
    day2_written: str | None,
    year: str | None,
) -> Partial | None:
    """June 18, 2021, 18 June, October 12-14: the month's name and the days written."""
    if written in _LOWER_SHORT_NAMES:
        return None
    month = month_number(written)
    day = _day(day_written)
    if year is None and RECURRING_AFTER.match(text, m.end()):
        return None
    partial = Partial(
        span=m.span(),
        rule="english.day",
        unit="day",
        month=month,
        day=day,
        year=int(year) if year else None,
        base="explicit" if year else "context",
    )
    if day2_written:
        last = _day(day2_written)
        if last <= day:
            return None
        partial.end = partial.moved(day=last, end=None)
        partial.rule = "english.range"
    return _checked(partial)


#: The words that make a month alone a date (in September, early October), in the
#: order the pattern tries them.
_MONTH_CUES = (
    *("in", "since", "by", "during", "until", "till", "from", "through", "throughout"),
    *("before", "after", "early", "mid-", "mid", "late", "the end of", "end of"),
    *("the beginning of", "beginning of", "the start of", "start of", "this", "next", "last"),
)
MONTH_CUE = re.compile(rf"(?<![A-Za-z])(?P<cue>{'|'.join(_MONTH_CUES)})[ \t]+$", re.IGNORECASE)
#: The last two characters of every cue (of, mid-, this …) in lower case: a month
#: after a word that ends otherwise has no cue, and the cue's search is skipped. Only
#: ASCII endings are refused: other characters may match a cue's letter ignoring case
#: (the Kelvin sign is a k).
_CUE_ENDINGS = frozenset(cue[-2:] for cue in _MONTH_CUES)
_BLANK_OR_LINE_END = frozenset(" \t\n")
_MONTH_PARTS = {
    "early": "上旬",
    "mid": "中旬",
    "mid-": "中旬",
    "late": "下旬",
    "beginning of": "上旬",
    "the beginning of": "上旬",
    "start of": "上旬",
    "the start of": "上旬",
    "end of": "下旬",
    "the end of": "下旬",
}


def _may_have_cue(text: str, start: int) -> bool:
    """False when :data:`MONTH_CUE` cannot end right before ``start`` (June June …):
    no space or tab there, or an ASCII word before them that ends as no cue does.
    A quick refusal before the search, which tries every place of 24 characters."""
    head = text[max(0, start - 24) : start]
    if head[-1:] not in _BLANK_OR_LINE_END:
        return False  # a cue is followed by spaces or tabs
    if head[-1] == "\n":
        return True  # the pattern's $ may also stand before a last line break
    ending = head.rstrip(" \t")[-2:]
    return not ending.isascii() or ending.lower() in _CUE_ENDINGS


#: What the branches that go on after a month's name (a day, a year, a second month)
#: need right after it, all in one: a comma or blanks then a digit (or "of" and a
#: digit), or a connector. Letters of any script stand for the name, which matches
#: ignoring case (the long s is an s).
_MONTH_GOES_ON = re.compile(
    r"[^\W\d_]{3,9}\.?(?:,?[ \t]+(?:of[ \t]+)?\d|[ \t]*(?:-|~|to|through|until|and))",
    re.IGNORECASE,
)


def _match_at_month(text: str, position: int) -> re.Match[str] | None:
    """:data:`ENGLISH` at a month's name, refused at once where no branch could give a
    partial: the name is followed by no number and no connector, so only the month
    alone may match, and no cue may stand before it (June June …: every June)."""
    if _MONTH_GOES_ON.match(text, position) is None and not _may_have_cue(text, position):
        return None
    return ENGLISH.match(text, position)


def _match_by_keyword(word: str):
    """At a month's name, :func:`_match_at_month`; at the other keywords, the pattern."""
    return _match_at_month if word.lower() in MONTHS else None


def _month_after_cue(m: re.Match[str], text: str) -> Partial | None:
    """in September, in early October, this December: a month without a year."""
    written = m.group("e_month")
    if written.islower():
        return None
    if not _may_have_cue(text, m.start()):
        return None
    cue = MONTH_CUE.search(text, max(0, m.start() - 24), m.start())
    if cue is None:
        return None
    word = cue.group("cue").lower()
    if word in ("last", "next"):
        return None  # last September: too vague about which year
    month = month_number(written)
    part = _MONTH_PARTS.get(word)
    span = (cue.start(), m.end()) if part else m.span()
    if word == "this":
        return Partial(
            span=(cue.start(), m.end()),
            rule="english.month",
            unit="month",
            month=month,
            base="present",
            shift=0,
            shift_unit="years",
        )
    return Partial(
        span=span, rule="english.month", unit="month", month=month, part=part, base="context"
    )


def _checked(partial: Partial) -> Partial:
    for piece in (partial, partial.end):
        if piece is None or piece.day is None or 1 <= piece.day <= 28:
            continue  # every month has its 1st to 28th
        try:
            date(piece.year or 2000, piece.month, piece.day)
        except ValueError:
            partial.warning = f"there is no day {piece.day} in month {piece.month}"
    return partial


#: ``m.lastindex`` → the form that matched: the prefix of its groups' names (a, b, r,
#: c, e, rel, decade). A failed branch leaves no group set, so the last group that
#: matched is one of the branch that matched (see
#: :func:`~normalizers.rules.base.branch_groups`).
FORM_OF = forms(ENGLISH)


def produce(m: re.Match[str], text: str) -> Partial | None:
    # The form from the last group it set; only its own groups are read.
    form = FORM_OF[m.lastindex]
    if form == "a":
        return _month_day(m, text, *m.group("a_month", "a_day", "a_day2", "a_year"))
    if form == "b":
        return _month_day(m, text, *m.group("b_month", "b_day", "b_day2", "b_year"))
    if form == "r":
        written, written_last, year_written = m.group("r_month", "r_month2", "r_year")
        first = month_number(written)
        last = month_number(written_last)
        if last <= first:
            return None
        year = int(year_written)
        head = Partial(span=m.span(), rule="english.range", unit="month", year=year, month=first)
        head.end = Partial(span=m.span(), rule="english.range", unit="month", year=year, month=last)
        return head
    if form == "c":
        written, year_written = m.group("c_month", "c_year")
        if written in ("may", "mar"):
            return None
        month = month_number(written)
        return Partial(
            span=m.span(), rule="english.month", unit="month", year=int(year_written), month=month
        )
    if form == "e":
        return _month_after_cue(m, text)
    if form == "rel":
        unit, offset = _RELATIVE[m.group("rel").lower()]
        shift_unit = {"year": "years", "month": "months", "week": "weeks", "day": "days"}[unit]
        return Partial(
            span=m.span(),
            rule="english.relative",
            unit=unit,
            base="present",
            shift=offset,
            shift_unit=shift_unit,
        )
    if form == "decade":
        first = int(m.group("decade"))
        fixed = (date(first, 1, 1), date(first + 9, 12, 31), "decade")
        return Partial(
            span=m.span(), rule="english.decade", unit="fixed", fixed=fixed, kind="period"
        )
    return None


YEAR_CUE = re.compile(
    r"(?<![A-Za-z])(?P<cue>in|since|by|during|until|till|before|after|from|of|for|throughout|around|"
    r"early|late|mid-|mid|end of|the end of|beginning of|the beginning of|start of|the start of|"
    r"first half of|the first half of|second half of|the second half of|first quarter of|"
    r"the first quarter of|second quarter of|the second quarter of|third quarter of|"
    r"the third quarter of|fourth quarter of|the fourth quarter of|q[1-4]|h[12]|spring|summer|"
    r"autumn|fall|winter|year|the year|between|(?:19|20)\d\d,?[ \t]*(?:and|or|,))[ \t]*$",
    re.IGNORECASE,
)
YEAR_ALONE = re.compile(
    rf"(?P<first>{YEAR})(?:[ \t]*(?P<connector>-|to|and|through|until)[ \t]*(?P<last>{YEAR}))?(?![0-9A-Za-z]|-[0-9])"
)
_RELATIVE_PHRASES = (
    "last year",
    "this year",
    "next year",
    "last month",
    "this month",
    "next month",
    "earlier this month",
    "later this month",
    "earlier this year",
    "later this year",
    "last week",
    "this week",
    "next week",
    "yesterday",
    "today",
    "tomorrow",
)


def produce_year(m: re.Match[str], text: str) -> Partial | None:
    """in 2022, since 2019, early 2023, the first half of 2023: the cue stands before the year."""
    head = text[max(0, m.start() - 30) : m.start()].rstrip(" \t")
    if not head or not (head[-1].isascii() and (head[-1].isalpha() or head[-1] in "-,")):
        return None  # every cue ends in a letter, a hyphen (mid-) or a comma (2022,)
    cue = YEAR_CUE.search(text, max(0, m.start() - 30), m.start())
    if cue is None:
        return None
    part = _CUE_PARTS.get(cue.group("cue").lower())
    first = int(m.group("first"))
    between = cue.group("cue").lower() == "between"
    if m.group("last") and (m.group("connector") != "and" or between):
        # from 2019 to 2021, between 2019 and 2021 (but "in 2022 and 2023" is two years)
        last = int(m.group("last"))
        if part or not first < last:
            return None
        tail = Partial(span=m.span(), rule="english.range", unit="year", year=last)
        return Partial(span=m.span(), rule="english.range", unit="year", year=first, end=tail)
    if between:
        return None
    span = (cue.start(), m.end("first")) if part else m.span("first")
    return Partial(span=span, rule="english.year", unit="year", year=first, part=part)


#: What every cue before a year ends in (see :func:`produce_year`).
_YEAR_CUE_ENDINGS = frozenset(string.ascii_letters + "-,")


def _spellings(words) -> tuple[str, ...]:
    return tuple({form for word in words for form in (word, word.capitalize(), word.upper())})


def worth_trying(digits: str, following: str) -> bool:
    """18 June 2021, 12 to 14 October: a day of one or two digits, then a space or st/th."""
    return len(digits) <= 2 and (
        following in (" ", "\t", "-", "~") or following.isascii() and following.isalpha()
    )


#: After a day and a space: a month's name, "of", "to" … (letters; these four
#: others match ASCII letters in a pattern that ignores case), another space or a dash.
_AFTER_DAY_SPACE = frozenset(
    string.ascii_letters + " \t-~" + "\N{LATIN CAPITAL LETTER I WITH DOT ABOVE}"
    "\N{LATIN SMALL LETTER DOTLESS I}\N{LATIN SMALL LETTER LONG S}\N{KELVIN SIGN}"
)
#: After a day and a dash (12-14 October): spaces or the second day.
_AFTER_DAY_DASH = frozenset("0123456789 \t")


def second_look(digits: str, following: str, second: str) -> bool:
    """18 June, 12 to 14 October, 12-14 October: 1 2 3 and 1-2-3 are not worth a match."""
    if following in (" ", "\t"):
        return second in _AFTER_DAY_SPACE
    if following in ("-", "~"):
        return second in _AFTER_DAY_DASH
    return True


#: What every match of :data:`ENGLISH` at a day of one or two digits starts with (12
#: to 14 October, 18th of June): the day, a second day after a connector, spaces,
#: "of", then the first letter of a month's name. The only other form that starts
#: with a digit, the 1990s, needs four. One short search refuses 1-2-3 … before the
#: whole pattern tries each of its forms there.
_DAY_FIRST = re.compile(rf"{DAY}(?:{TO}{DAY})?[ \t]+(?:of[ \t]+)?(?i:[adfjmnos])")


def _match_day_first(text: str, position: int) -> re.Match[str] | None:
    if _DAY_FIRST.match(text, position) is None:
        return None
    return ENGLISH.match(text, position)


def match_by_shape(digits: int, following: str) -> Callable[..., re.Match[str] | None]:
    """The ``match`` to try at a run of ``digits`` Arabic digits followed by
    ``following``: at one or two, :data:`ENGLISH`'s after a search for its day-first
    form; after the run, a digit of another script (``\\d`` reads them too) keeps
    the whole pattern alone."""
    if digits <= 2 and not (following.isdecimal() and not following.isascii()):
        return _match_day_first
    return ENGLISH.match


RULES = (
    Rule(
        "english.dates",
        ENGLISH,
        produce,
        keywords=tuple(
            form for form in _spellings((*MONTHS, *_RELATIVE_PHRASES)) if not form.islower()
        )
        + _RELATIVE_PHRASES,
        on_numbers="arabic",
        worth_trying=worth_trying,
        second_look=second_look,
        match_by_shape=match_by_shape,
        match_by_keyword=_match_by_keyword,
    ),
    Rule(
        "english.years",
        YEAR_ALONE,
        produce_year,
        on_numbers="arabic",
        worth_trying=lambda digits, following: (
            len(digits) == 4 and following in ("", " ", ",", ".", ")", ";", ":", "\n", "\t")
        ),
        before_look=_YEAR_CUE_ENDINGS,
    ),
)
