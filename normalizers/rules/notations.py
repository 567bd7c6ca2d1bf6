"""Dates written as bare numbers: compact, spaced, dotted, slashed, ·-dates, CV spans.

    20240307  日期：20240307  2024 3 7  2010 01 29
    09-01 (a zero-padded month-day)  8.20日 (a dot month-day only before 日/号)
    6·18  3·15 (the days they name)  2008.03-2011.06  1985.09-1989.07
    2008.03-2009 (the second end a bare year)  2008.03—至今 (to the present)
    3/7/2024 (month/day/year: day-first only when the first number is over 12)
    13.5.2015  05/05/89  12-11-10 (a two-digit year first, the Chinese order)

A number that could be an amount stays one: 8.20亿元, 8.20 alone, 3/4 of them.
"""

from __future__ import annotations

import re
import string

from normalizers.rules.absolute import _check, _is_amount, _labelled
from normalizers.rules.base import ARABIC_YEAR, Partial, Rule, after, before, weekday_after

#: What may not stand right before a notation (a longer number, a word, 1.1.1…).
_NOT_AFTER = frozenset(string.digits + string.ascii_letters + ".-/·")
NOTATIONS = re.compile(
    r"(?<![0-9A-Za-z.\-/·])(?:"
    # 20240307
    r"(?P<c_y>(?:19|20)\d{2})(?P<c_m>0[1-9]|1[0-2])(?P<c_d>0[1-9]|[12]\d|3[01])(?![0-9])"
    # 2024 3 7, 2010 01 29
    rf"|(?P<s_y>{ARABIC_YEAR}) (?P<s_m>\d{{1,2}}) (?P<s_d>\d{{1,2}})(?![0-9.])"
    # 3/7/2024, 13.5.2015, 05/05/89, 12-11-10, 27-7-3
    r"|(?P<t_a>\d{1,2})(?P<t_sep>[/.\-])(?P<t_b>\d{1,2})(?P=t_sep)(?P<t_c>\d{4}|\d{2}|\d)(?![0-9])"
    # 09-01
    r"|(?P<z_m>0[1-9]|1[0-2])-(?P<z_d>0[1-9]|[12]\d|3[01])(?![0-9\-])"
    # 6·18, 3·15
    r"|(?P<dot_m>1[0-2]|[1-9])[·・•](?P<dot_d>3[01]|[12]\d|[1-9])(?![0-9])"
    # 8.20日
    r"|(?P<md_m>1[0-2]|[1-9])\.(?P<md_d>3[01]|[12]\d|0?[1-9])(?P<md_u>[日号])"
    ")"
)
#: 1985.09 (a CV's month: two digits after the dot), also right after a dash.
CV_MONTH = re.compile(r"(?<![0-9.])(?P<cv_y>19[4-9]\d|20\d\d)\.(?P<cv_m>0[1-9]|1[0-2])(?![0-9])")

#: 2009 after a dash: the second end of a range (2008.03-2009), kept only when joined.
TAIL_YEAR = re.compile(rf"(?<=[-~至到 \t])(?P<tail_y>{ARABIC_YEAR})(?![0-9.年])")

TO_PRESENT = re.compile(r"(?P<present>至今|迄今|到现在|到目前)")


def _day(m: re.Match[str], text: str, year, month, day, rule: str) -> Partial | None:
    problem = _check(year, month, day)
    if problem:
        return None
    return Partial(
        span=m.span(),
        rule=f"notations.{rule}",
        unit="day",
        year=year,
        month=month,
        day=day,
        base="explicit" if year is not None else "context",
        weekday=weekday_after(text, m.end()),
    )


def produce(m: re.Match[str], text: str) -> Partial | None:
    g = m.groupdict()
    start, end = m.span()
    if _labelled(text, start) or before(text, start, 1) in ("第", "号", "No", "#"):
        return None
    if g["c_y"]:
        if _is_amount(text, end):
            return None
        return _day(m, text, int(g["c_y"]), int(g["c_m"]), int(g["c_d"]), "compact")
    if g["s_y"]:
        return _day(m, text, int(g["s_y"]), int(g["s_m"]), int(g["s_d"]), "spaced")
    if g["t_a"]:
        return _triple(m, text, g)
    if g["z_m"]:
        if _is_amount(text, end) or after(text, end, 1) in ("-", "~"):
            return None
        if not (g["z_m"].startswith("0") or g["z_d"].startswith("0")):
            return None  # 10-12 is as often a score or a range: only 09-01, 10-08 are dates
        return _day(m, text, None, int(g["z_m"]), int(g["z_d"]), "month-day")
    if g["dot_m"]:
        return _day(m, text, None, int(g["dot_m"]), int(g["dot_d"]), "dot-day")
    if g["md_m"]:
        return _day(m, text, None, int(g["md_m"]), int(g["md_d"]), "dot-month-day")
    return None


def produce_cv_month(m: re.Match[str], text: str) -> Partial | None:
    if _is_amount(text, m.end()) or _labelled(text, m.start()):
        return None
    return Partial(
        span=m.span(),
        rule="notations.cv-month",
        unit="month",
        year=int(m.group("cv_y")),
        month=int(m.group("cv_m")),
    )


#: What the second year of a range (2020至2025) stands after.
_TAIL_YEAR_AFTER = ("-", "~", "至", "到")


def produce_tail_year(m: re.Match[str], text: str) -> Partial | None:
    start, end = m.span()
    if before(text, start, 2).rstrip(" \t")[-1:] not in _TAIL_YEAR_AFTER:
        return None
    if _is_amount(text, end):
        return None
    return Partial(
        span=m.span(),
        rule="notations.year",
        unit="year",
        year=int(m.group("tail_y")),
        fragment=True,
        bare_year=True,
    )


def _triple(m: re.Match[str], text: str, g: dict) -> Partial | None:
    """a/b/c: the part that can only be a year decides the order (see the spec)."""
    a, b, c = int(g["t_a"]), int(g["t_b"]), g["t_c"]
    sep = g["t_sep"]
    if _is_amount(text, m.end()):
        return None
    if len(c) == 4:
        year = int(c)
        month, day = (b, a) if a > 12 else (a, b)
        pivot = False
    elif len(c) == 2 and int(c) > 31:
        year, pivot = int(c), True
        month, day = (b, a) if a > 12 else (a, b)
    else:
        if sep == "." or len(g["t_a"]) == 1 and sep == "/":
            return None  # 1.2.3 is a section number, 1/2/3 a list
        year, month, day, pivot = a, b, int(c), True
    if _check(None if pivot else year, month, day):
        return None
    return Partial(
        span=m.span(),
        rule="notations.triple",
        unit="day",
        year=year,
        month=month,
        day=day,
        pivot=pivot,
        weekday=weekday_after(text, m.end()),
    )


def produce_present(m: re.Match[str], text: str) -> Partial | None:
    """至今 after a date: the range runs to the document's present (2008.03—至今)."""
    return Partial(
        span=m.span(),
        rule="ranges.to-present",
        unit="present",
        base="present",
        shift=0,
        shift_unit="days",
        fragment=True,
    )


def _worth(digits: str, following: str) -> bool:
    """20240307; 2024 3 7; 3/7/2024, 09-01, 6·18, 8.20日 (a short number, then its
    separator). A space follows only the year of 2024 3 7: no form starts with a
    short number and a space, so 1 2 3 … tries nothing here."""
    if len(digits) == 8:
        return True
    if len(digits) == 4:
        return following == " "
    return len(digits) <= 2 and following != "" and following in ".-/·・•"


RULES = (
    Rule(
        "notations.numbers",
        NOTATIONS,
        produce,
        on_numbers="arabic",
        worth_trying=_worth,
        not_after=_NOT_AFTER,
    ),
    Rule(
        "notations.cv-month",
        CV_MONTH,
        produce_cv_month,
        on_numbers="arabic",
        worth_trying=lambda digits, following: len(digits) == 4 and following == ".",
    ),
    Rule(
        "notations.tail-year",
        TAIL_YEAR,
        produce_tail_year,
        on_numbers="arabic",
        worth_trying=lambda digits, following: (
            len(digits) == 4 and (following == "" or following not in "年.-/")
        ),
        before_look=frozenset(_TAIL_YEAR_AFTER),
    ),
    Rule(
        "notations.to-present",
        TO_PRESENT,
        produce_present,
        keywords=("至今", "迄今", "到现在", "到目前"),
    ),
)
