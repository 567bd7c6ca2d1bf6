"""Calendar arithmetic: month lengths, lunar dates and festivals.

Lunar dates and solar terms come from the lunar-calendar library
(``lunar_python``); nothing here is a hand-made table of dates. The lunar months
are its answer written out once (:mod:`normalizers.tables.lunar_months`, compared
with the library by a test), since it computes each year from astronomy.
"""

from __future__ import annotations

import calendar as _gregorian
from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Solar

from normalizers.tables.festivals import FESTIVALS
from normalizers.tables.lunar_months import FIRST_YEAR, LAST_YEAR, LUNAR_YEARS

#: Pinyin keys the library uses for the solar terms of the neighbouring cycles.
_TERM_PINYIN = {
    "冬至": "DONG_ZHI",
    "小寒": "XIAO_HAN",
    "大寒": "DA_HAN",
    "立春": "LI_CHUN",
    "雨水": "YU_SHUI",
    "惊蛰": "JING_ZHE",
    "大雪": "DA_XUE",
    "清明": "QING_MING",
}

#: Calendars whose days belong to a lunar year (see :func:`lunar_festival_date`).
LUNAR_CALENDARS = ("lunar", "eve", "year-end")


def last_day(year: int, month: int) -> int:
    return _gregorian.monthrange(year, month)[1]


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


@lru_cache(maxsize=512)
def _lunar_months(year: int) -> dict[int, tuple[int, int]]:
    """The months of a lunar year (a leap month as its negative number) → the Julian
    day of its first day and its number of days, from :data:`LUNAR_YEARS`."""
    first, leap, lengths = LUNAR_YEARS[year]
    numbers = [*range(1, leap + 1), -leap, *range(leap + 1, 13)] if leap else range(1, 13)
    months = {}
    for index, number in enumerate(numbers):
        count = 30 if lengths >> index & 1 else 29
        months[number] = (first, count)
        first += count
    return months


@lru_cache(maxsize=4096)
def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """The Gregorian day of a lunar date; ``ValueError`` when it does not exist.

    >>> lunar_to_solar(2025, 1, 15)
    datetime.date(2025, 2, 12)
    """
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError(f"no lunar month {month} day {day}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"lunar year {year} is outside {FIRST_YEAR}–{LAST_YEAR}")
    found = _lunar_months(year).get(-month if leap else month)
    if found is None:
        raise ValueError(f"lunar year {year} has no leap month {month}")
    first, count = found
    if day > count:
        raise ValueError(f"lunar month {month} of {year} has {count} days")
    # The day from the table's month (its first day's Julian day), not from
    # ``Lunar.fromYmd``, which computes a whole lunar year from astronomy. Checked
    # equal to ``Lunar.fromYmd`` for every day of ten years (tests/test_calendar_days.py),
    # the table to the library's months for every year (tests/test_lunar_months.py).
    return _from_julian_day(first + day - 1)


#: The Julian day of the proleptic Gregorian ordinal 0, at noon (``date.toordinal``).
_JULIAN_DAY_OF_ORDINAL_ZERO = 1721425


def _from_julian_day(julian_day: float) -> date:
    """The Gregorian day of a Julian day number (noon of that day)."""
    return date.fromordinal(int(julian_day + 0.5) - _JULIAN_DAY_OF_ORDINAL_ZERO)


@lru_cache(maxsize=4096)  # dense text asks for the same few days again and again
def lunar_in_gregorian_year(year: int, month: int, day: int, leap: bool = False) -> date:
    """The lunar date that falls in Gregorian ``year`` (腊月 of the lunar year before).

    >>> lunar_in_gregorian_year(2024, 12, 23)
    datetime.date(2024, 2, 2)
    """
    day_in_lunar_year = lunar_to_solar(year, month, day, leap)
    if day_in_lunar_year.year == year:
        return day_in_lunar_year
    return lunar_to_solar(year - 1, month, day, leap)


@lru_cache(maxsize=4096)
def lunar_month_span(year: int, month: int, leap: bool = False) -> tuple[date, date]:
    """The Gregorian days of a whole lunar month (农历十月, 闰四月, 腊月).

    >>> lunar_month_span(2020, 4, leap=True)
    (datetime.date(2020, 5, 23), datetime.date(2020, 6, 20))
    """
    first = lunar_to_solar(year, month, 1, leap)
    count = _lunar_months(year)[-month if leap else month][1]
    return first, first + timedelta(days=count - 1)


@lru_cache(maxsize=4096)
def lunar_month_in_gregorian_year(year: int, month: int, leap: bool = False) -> tuple[date, date]:
    """The lunar month that begins in Gregorian ``year`` (腊月 of the lunar year before)."""
    span = lunar_month_span(year, month, leap)
    if span[0].year == year:
        return span
    return lunar_month_span(year - 1, month, leap)


@lru_cache(maxsize=256)
def _solar_terms(year: int) -> dict:
    """The library's table of solar terms around a Gregorian year: one lunar year's
    astronomy (30 ms), computed once per year rather than once per term."""
    return Solar.fromYmd(year, 6, 1).getLunar().getJieQiTable()


@lru_cache(maxsize=1024)
def solar_term(term: str, year: int) -> date:
    """The day of a solar term (清明, 冬至) in a Gregorian year."""
    table = _solar_terms(year)
    for key in (term, _TERM_PINYIN.get(term, term)):
        solar = table.get(key)
        if solar is not None and solar.getYear() == year:
            return date(solar.getYear(), solar.getMonth(), solar.getDay())
    raise ValueError(f"no solar term {term} in {year}")


@lru_cache(maxsize=4096)
def festival_date(name: str, year: int) -> date:
    """The day a festival falls on in a Gregorian year.

    Festivals of the twelfth lunar month (腊八, 小年) named with a Gregorian year
    fall in its January or February, so they belong to the lunar year before.

    >>> festival_date("春节", 2020), festival_date("中秋节", 2023)
    (datetime.date(2020, 1, 25), datetime.date(2023, 9, 29))
    """
    festival = FESTIVALS[name]
    if festival.calendar == "solar":
        return date(year, festival.month, festival.day)
    if festival.calendar == "term":
        return solar_term(festival.term, year)
    if festival.calendar == "sunday":
        return nth_weekday(year, festival.month, 6, festival.day)
    if festival.calendar == "thursday":
        return nth_weekday(year, festival.month, 3, festival.day)
    if festival.calendar == "eve":
        return lunar_to_solar(year, 1, 1) - timedelta(days=1)
    if festival.calendar == "year-end":
        # 2023年大年三十: the last day of lunar year 2023 (in January or February of 2024).
        return lunar_to_solar(year + 1, 1, 1) - timedelta(days=1)
    lunar_year = year - 1 if festival.month == 12 else year
    return lunar_to_solar(lunar_year, festival.month, festival.day)


def lunar_festival_date(name: str, lunar_year: int) -> date:
    """The day of a festival of the lunar calendar in a given LUNAR year.

    除夕 of lunar year ``y`` is the eve of its new year; 大年三十 is its last day.
    """
    festival = FESTIVALS[name]
    if festival.calendar == "eve":
        return lunar_to_solar(lunar_year, 1, 1) - timedelta(days=1)
    if festival.calendar == "year-end":
        return lunar_to_solar(lunar_year + 1, 1, 1) - timedelta(days=1)
    return lunar_to_solar(lunar_year, festival.month, festival.day)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` given weekday (0 = Monday) of a month: 母亲节 is the 2nd Sunday of May.

    >>> nth_weekday(2021, 5, 6, 2)
    datetime.date(2021, 5, 9)
    """
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
