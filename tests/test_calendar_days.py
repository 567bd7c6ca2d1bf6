"""Lunar dates computed from the cached lunar year equal the library's own answer.

``normalizers.calendar.lunar_to_solar`` takes the day from the cached year's month
(its first Julian day + day − 1) instead of ``Lunar.fromYmd``, which recomputes a
lunar year per call; this checks every day of years with and without a leap month,
at both ends of the supported range, against ``Lunar.fromYmd``.
"""

from __future__ import annotations

from datetime import date

import pytest
from lunar_python import Lunar, LunarYear

from normalizers.calendar import lunar_to_solar

#: Ends of the range, leap months (2020: 闰四月, 2023: 闰二月, 2033: 闰十一月, 1900:
#: 闰八月), and a year whose 腊月 falls in February.
YEARS = [1900, 1901, 1984, 2020, 2023, 2024, 2033, 2034, 2098, 2099]


@pytest.mark.parametrize("year", YEARS)
def test_every_day_of_the_year_matches_the_library(year):
    checked = 0
    for month in LunarYear.fromYear(year).getMonthsInYear():
        number = month.getMonth()  # negative for a leap month
        for day in range(1, month.getDayCount() + 1):
            solar = Lunar.fromYmd(year, number, day).getSolar()
            expected = date(solar.getYear(), solar.getMonth(), solar.getDay())
            assert lunar_to_solar(year, abs(number), day, number < 0) == expected
            checked += 1
    assert checked >= 353  # a lunar year has 353 to 385 days


def test_days_past_the_month_are_refused():
    with pytest.raises(ValueError, match="has 29 days"):
        lunar_to_solar(2025, 2, 30)  # 二月 of lunar 2025 has 29 days
