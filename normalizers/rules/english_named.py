"""English as Chinese organisations' English pages write it (issue 9, family 10).

    the Spring Festival · 2023 Mid-Autumn Festival · National Day 2024 · Chinese New Year
    the fifteenth day of the first lunar month · the 8th day of the 12th lunar month
    the first half of the year · the second half of this year · the third quarter
    Q3 2023 · 2023 Q3 · H1 2024 · early October · mid-October · late October 2022
    that day · the same day · the next day · the following day · the opening day · the day before

Festival names map to the Chinese festivals of :mod:`normalizers.tables.festivals`,
so an English Spring Festival is resolved exactly like 春节 (same DCT rule, same
lunar year). Anaphora count from the last resolved day, like 当天 and 次日.
The tables are in :mod:`normalizers.tables.english`.
"""

from __future__ import annotations

import re

from normalizers.rules.base import Partial, Rule, before
from normalizers.rules.english import MONTHS, month_number
from normalizers.tables.english import (
    ANAPHORA,
    ENGLISH_FESTIVALS,
    MONTH_PART_WORDS,
    ORDINALS,
    PERIOD_YEARS,
    QUARTERS,
)

YEAR = r"(?:1[89]\d\d|20\d\d)"
_festivals = "|".join(re.escape(n) for n in sorted(ENGLISH_FESTIVALS, key=len, reverse=True))
#: A year written before a name (2024 Spring Festival, 2023 Q3): looked back for from
#: the name, so that no rule has to be tried on every run of digits.
YEAR_BEFORE = re.compile(rf"(?<![0-9])(?P<year>{YEAR})[ \t]+$")
#: 15th day of …: the digits before the suffix where the lunar rule is started.
DIGITS_BEFORE = re.compile(r"(?<![0-9])\d{1,2}$")
FESTIVAL = re.compile(
    rf"(?P<name>{_festivals})"
    rf"(?:(?:,?[ \t]+|[ \t]+of[ \t]+)(?P<post>{YEAR}))?(?![A-Za-z0-9])"
)
_ordinal = "|".join(sorted(ORDINALS, key=len, reverse=True))
_ORDINAL = rf"(?:{_ordinal}|\d{{1,2}}(?:st|nd|rd|th))"
LUNAR = re.compile(
    rf"(?i:(?P<day>{_ORDINAL})[ \t]+day[ \t]+of[ \t]+the[ \t]+(?P<month>{_ORDINAL})"
    r"(?:[ \t]+(?P<lunar1>lunar))?[ \t]+month"
    r"(?:[ \t]+of[ \t]+the[ \t]+(?:chinese[ \t]+)?(?P<lunar2>lunar)[ \t]+(?:calendar|year))?)"
    r"(?![A-Za-z])"
)
LUNAR_SUFFIX = re.compile(r"(?:st|nd|rd|th)[ \t]+day[ \t]+of")
_PERIOD_YEARS = "|".join(PERIOD_YEARS)
PERIOD = re.compile(
    r"(?i:(?:the[ \t]+)?(?P<which>first|second|third|fourth)[ \t]+(?P<unit>half|quarter)"
    rf"(?:[ \t]+of[ \t]+(?P<year>{_PERIOD_YEARS}))?)(?![A-Za-z0-9]|[ \t]+(?:of[ \t]+)?\d)"
    rf"|(?P<code>[QH][1-4])(?:[ \t]+(?P<code_year>{YEAR}))?(?![A-Za-z0-9])"
)
OF_SOMETHING = re.compile(r"[ \t]+of\b")
_month_names = "|".join(sorted((n for n in MONTHS if len(n) > 3), key=len, reverse=True))
MONTH_PART = re.compile(
    r"(?P<part>[Ee]arly|[Mm]id|[Ll]ate)(?:-|[ \t]+)"
    rf"(?P<month>(?i:{_month_names}))(?:,?[ \t]+(?P<year>{YEAR}))?(?![A-Za-z0-9])"
)
_anaphora = "|".join(sorted(ANAPHORA, key=len, reverse=True))
ANAPHOR = re.compile(rf"(?i:(?P<phrase>{_anaphora}))(?![A-Za-z-]|[ \t]+(?:yesterday|of\b))")


def _year_before(text: str, start: int) -> re.Match[str] | None:
    return YEAR_BEFORE.search(text, max(0, start - 6), start)


def produce_festival(m: re.Match[str], text: str) -> Partial | None:
    head = before(text, m.start(), 12)
    if FOREIGN_POSSESSIVE.search(head) and not head.endswith(("China's ", "China’s ")):
        return None  # Israel's National Day: another country's day
    start = m.start()
    pre = _year_before(text, start) if m.group("post") is None else None
    if pre is not None:
        start = pre.start()
    written = (pre and pre.group("year")) or m.group("post")
    year = int(written) if written else None
    return Partial(
        span=(start, m.end()),
        rule=f"english.festival.{m.group('name')}",
        unit="festival",
        festival=ENGLISH_FESTIVALS[m.group("name")],
        year=year,
        base="explicit" if year else "context",
    )


FOREIGN_POSSESSIVE = re.compile(r"[A-Za-z]['’]s[ \t]+$")


def _ordinal_value(written: str) -> int | None:
    written = written.lower()
    if written in ORDINALS:
        return ORDINALS[written]
    digits = re.match(r"\d+", written)
    return int(digits.group()) if digits else None


def produce_lunar(m: re.Match[str], text: str) -> Partial | None:
    if not (m.group("lunar1") or m.group("lunar2")):
        return None  # the fifth day of the month: not a lunar date
    day, month = _ordinal_value(m.group("day")), _ordinal_value(m.group("month"))
    if day is None or month is None:
        return None
    warning = None if 1 <= month <= 12 and 1 <= day <= 30 else "there is no such lunar day"
    return Partial(
        span=m.span(),
        rule="english.lunar",
        unit="lunar",
        month=month,
        day=day,
        base="context",
        warning=warning,
    )


def produce_lunar_digits(m: re.Match[str], text: str) -> Partial | None:
    """15th day of the first lunar month: started at the suffix, read from the digits."""
    digits = DIGITS_BEFORE.search(text, max(0, m.start() - 2), m.start())
    if digits is None:
        return None
    full = LUNAR.match(text, digits.start())
    return produce_lunar(full, text) if full is not None else None


def _year_part(span, part: str, year_word: str | None, year: int | None) -> Partial:
    if year is not None:
        return Partial(span=span, rule="english.part", unit="year", part=part, year=year)
    base, shift = PERIOD_YEARS.get((year_word or "the year").lower(), ("context", 0))
    return Partial(span=span, rule="english.part", unit="year", part=part, base=base, shift=shift)


def produce_period(m: re.Match[str], text: str) -> Partial | None:
    if m.group("code"):
        code = m.group("code")
        if m.group("code_year"):
            return _year_part(m.span(), QUARTERS[code], None, int(m.group("code_year")))
        pre = _year_before(text, m.start())  # 2023 Q3
        if pre is None:
            return None  # Q3 alone is left to the Chinese rules (Q3 in 2023年Q3)
        return _year_part((pre.start(), m.end()), QUARTERS[code], None, int(pre.group("year")))
    key = f"{m.group('which').lower()} {m.group('unit').lower()}"
    if key not in QUARTERS:
        return None  # the third half
    if m.group("year") is None and (
        m.group("unit").lower() == "half" or OF_SOMETHING.match(text, m.end())
    ):
        return None  # the first half (of a match), the first quarter of the game
    return _year_part(m.span(), QUARTERS[key], m.group("year"), None)


def produce_month_part(m: re.Match[str], text: str) -> Partial | None:
    month = month_number(m.group("month"))
    year = int(m.group("year")) if m.group("year") else None
    return Partial(
        span=m.span(),
        rule="english.month-part",
        unit="month",
        month=month,
        part=MONTH_PART_WORDS[m.group("part").lower()],
        year=year,
        base="explicit" if year else "context",
    )


def produce_anaphor(m: re.Match[str], text: str) -> Partial | None:
    shift = ANAPHORA[m.group("phrase").lower()]
    return Partial(
        span=m.span(),
        rule="english.anaphora",
        unit="day",
        base="previous",
        shift=shift,
        shift_unit="days",
    )


def _spellings(phrases) -> tuple[str, ...]:
    return tuple({form for p in phrases for form in (p, p[:1].upper() + p[1:])})


RULES = (
    Rule(
        "english.festivals",
        FESTIVAL,
        produce_festival,
        keywords=tuple(ENGLISH_FESTIVALS),
    ),
    Rule(
        "english.lunar",
        LUNAR,
        produce_lunar,
        keywords=_spellings(ORDINALS),
    ),
    Rule(
        "english.lunar-digits",
        LUNAR_SUFFIX,
        produce_lunar_digits,
        keywords=("st day of", "nd day of", "rd day of", "th day of"),
    ),
    Rule(
        "english.periods",
        PERIOD,
        produce_period,
        keywords=(*_spellings(("the first", "the second", "the third", "the fourth")),)
        + _spellings(("first half", "second half", "first quarter", "second quarter"))
        + _spellings(("third quarter", "fourth quarter"))
        + ("Q1", "Q2", "Q3", "Q4", "H1", "H2"),
    ),
    Rule(
        "english.month-parts",
        MONTH_PART,
        produce_month_part,
        keywords=("early", "Early", "mid", "Mid", "late", "Late"),
    ),
    Rule("english.anaphora", ANAPHOR, produce_anaphor, keywords=_spellings(ANAPHORA)),
)
