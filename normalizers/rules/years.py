"""Years in every spelling: two digits, spoken digit by digit, 两千零四, 公元.

    98年  05年3月  15年3月2日  23年底 (with 底 joined later)  九八年  零七年八月
    两千零四年  两千年八月十五  二〇〇四年八月十五 (2004年8月15: loose_days.py)  公元2010年

Years before 1900 are read only when written with four digits (the product's
documents are modern; 公元789年 and 三六七年 are left alone).

A two-digit year keeps its two digits (``Partial.pivot``); anchoring gives it
the century that puts it no more than ten years after the document's present
(published 2021: 24年 → 2024, 33年 → 1933). A month and a day written after
the year belong to the same match, with or without 日 (两千零四年八月十五 is a
Gregorian day: an explicit year makes a Chinese day without 日 a day of the
month, not a lunar one).

Counts stay traps: 干了15年, 23年来, 工作15年, 三四年 (three or four years).
"""

from __future__ import annotations

import re

from normalizers.rules.absolute import _check, _is_amount
from normalizers.rules.base import CHINESE_MONTH, DAY, SP, Partial, Rule, after, before
from normalizers.rules.unit_parts import YEAR_PARTS
from normalizers.tables.numerals import DIGIT_CHARS, number_value
from normalizers.tables.years import (
    BARE_YEAR_BEFORE,
    COUNT_AFTER,
    COUNT_BEFORE,
    RANGE_TAIL,
)

_MONTH = rf"(?:1[0-2]|0?[1-9]|{CHINESE_MONTH})"
_REST = (
    rf"(?:{SP}(?P<m>{_MONTH}){SP}月份?"
    rf"(?:{SP}(?P<d>{DAY})(?:{SP}(?P<unit>[日号])|(?![0-9{DIGIT_CHARS}十廿卅日号个多余])))?)?"
)
_SPOKEN_THOUSANDS = (
    r"[两二]千(?:零(?:[一二三四五六七八九]|[一二]?十[一二三四五六七八九]?)"
    r"|[一二]十[一二三四五六七八九]?)?"
)
YEARS = re.compile(
    rf"(?<![0-9{DIGIT_CHARS}十百千万.\-/])(?:"
    rf"(?P<two>\d{{2}})"
    rf"|(?P<spoken2>[{DIGIT_CHARS}]{{2}})"
    rf"|(?P<four>[{DIGIT_CHARS}]{{4}})"
    rf"|(?P<thousands>{_SPOKEN_THOUSANDS})"
    rf"|公元{SP}(?P<ce>1\d{{3}}|20\d{{2}}|[{DIGIT_CHARS}]{{4}})"
    rf"){SP}年(?!代|级|纪|轻|龄|会|终|薪|货|味|夜|画|糕|鉴|报|限|均|利率|化)" + _REST
)

YEAR_END_PART = re.compile(r"(初|底|末)(?![步次级中等心衷始稿])")

#: Pairs of consecutive digits are approximate counts: 三四年, 七八年 (three or four years).
_APPROXIMATE = {a + b for a, b in zip("一二三四五六七八", "二三四五六七八九", strict=True)}
_THOUSANDS_REST = re.compile(r"[两二]千(?:零?(?P<rest>.+))?")

#: 1985到89年9月: the first end of a range whose second end is a two-digit year.
CARRIED = re.compile(
    rf"(?<![0-9.])(?P<y>1\d{{3}}|20\d{{2}})(?={SP}(?:-{{1,2}}|~|至|到){SP}\d{{2}}年)"
)


def _thousands(written: str) -> int | None:
    found = _THOUSANDS_REST.fullmatch(written)
    if found is None:
        return None
    rest = found.group("rest")
    value = number_value(rest) if rest else 0
    return None if value is None else 2000 + value


def produce(m: re.Match[str], text: str) -> Partial | None:
    g = m.groupdict()
    start, end = m.span()
    month, day = (number_value(g["m"]) if g["m"] else None), None
    if g["d"]:
        day = number_value(g["d"])
    has_month = month is not None
    pivot = False
    if g["two"]:
        year, pivot = int(g["two"]), True
        if not has_month and not _bare_year_allowed(text, start, end):
            return None
        if has_month and before(text, start, 1) in COUNT_BEFORE:
            return None
    elif g["spoken2"]:
        if g["spoken2"] in _APPROXIMATE and not has_month:
            return None
        year, pivot = number_value(g["spoken2"]), True
        if not has_month and not _bare_year_allowed(text, start, end, spoken=True):
            return None
    elif g["four"]:
        if day is None or g["unit"] is not None:
            return None  # written with 日, or no day: absolute.py reads it
        year = number_value(g["four"])
    elif g["thousands"]:
        year = _thousands(g["thousands"])
    else:
        year = number_value(g["ce"])
    if year is None or (not pivot and not 1000 <= year <= 2199):
        return None
    # 两千零四年八月十五: a Chinese day without 日 stands only at the end of a phrase.
    following = after(text, end, 1)
    if g["d"] and g["unit"] is None and not g["d"].isascii() and following in DIGIT_CHARS:
        return None if following else _year_partial(m, year, month, day, pivot)
    if (
        g["d"]
        and g["unit"] is None
        and (_is_amount(text, end) or following and following in "个天周次期届倍")
    ):
        # 2024年3月5家企业: the number after the month counts something.
        if g["four"]:
            return None
        return _year_partial(m, year, month, None, pivot, end=m.start("d"))
    return _year_partial(m, year, month, day, pivot)


def _year_partial(
    m: re.Match[str], year: int, month, day, pivot: bool, end: int | None = None
) -> Partial:
    check_year = None if pivot else year
    unit = "day" if day is not None else "month" if month is not None else "year"
    warning = _check(check_year, month, day) if month is not None else None
    start = m.start()
    end = m.end() if end is None else len(m.string[:end].rstrip(" \t"))
    part = None
    if unit == "year":
        found = YEAR_END_PART.match(m.string, end)
        if found:  # 23年底, 19年初
            part, end = found.group(1), found.end()
    return Partial(
        span=(start, end),
        part=part,
        rule=f"years.{unit}",
        unit=unit,
        year=year,
        month=month,
        day=day,
        pivot=pivot,
        warning=warning,
    )


def _bare_year_allowed(text: str, start: int, end: int, spoken: bool = False) -> bool:
    """98年 alone is a year only where a count cannot be read: not 干了15年, 23年来."""
    following = after(text, end, 3)
    if YEAR_PARTS.match(text, end):
        return before(text, start, 1) not in COUNT_BEFORE  # 五八年前七个月
    if following.startswith(COUNT_AFTER):
        return False
    if following[:1] in ("底", "初", "末", "度", "的", "第", "首") or following.startswith(
        RANGE_TAIL
    ):
        return before(text, start, 1) not in COUNT_BEFORE
    head = before(text, start, 1)
    return head == "" or head in BARE_YEAR_BEFORE or (spoken and head not in COUNT_BEFORE)


def produce_carried(m: re.Match[str], text: str) -> Partial | None:
    """1985 in 1985到89年9月: a year whose 年 is written only on the other end."""
    return Partial(span=m.span(), rule="years.carried", unit="year", year=int(m.group("y")))


RULES = (
    Rule(
        "years.spelled",
        YEARS,
        produce,
        keywords=("公元", "两千", "二千"),
        on_numbers="both",
        worth_trying=lambda digits, following: len(digits) == 2 and following in "年 \t",
        after_chinese=frozenset("年"),
    ),
    Rule(
        "years.carried",
        CARRIED,
        produce_carried,
        on_numbers="arabic",
        worth_trying=lambda digits, following: len(digits) == 4 and following in "到至-~ \t",
        # 1985 至89年: after one space, the connector.
        second_look=lambda digits, following, second: (
            following not in (" ", "\t") or second in ("", "-", "~", "至", "到")
        ),
    ),
)
