"""The table of lunar months is the lunar-calendar library's answer, written out.

``normalizers.tables.lunar_months`` holds, per lunar year of 1900–2099, the first
day, the leap month and the months' lengths that ``lunar_python`` computes from
astronomy; ``normalizers.calendar`` reads its lunar dates from it. Generating the
table again from the library gives the same table, so no hand-made date is in it.
"""

from __future__ import annotations

from datetime import date

import pytest
from lunar_python import Lunar

from normalizers.calendar import lunar_month_span, lunar_to_solar
from normalizers.tables.lunar_months import FIRST_YEAR, LAST_YEAR, LUNAR_YEARS, generate


def test_the_table_is_what_the_library_computes_for_every_year():
    assert generate() == LUNAR_YEARS
    assert list(LUNAR_YEARS) == list(range(FIRST_YEAR, LAST_YEAR + 1))


def test_each_month_s_first_and_last_day_are_the_library_s():
    """Every month of every year, a leap month too: its first day and its last."""
    checked = 0
    for year, (_, leap, _) in LUNAR_YEARS.items():
        for number in [*range(1, 13), *([-leap] if leap else [])]:
            first, last = lunar_month_span(year, abs(number), number < 0)
            for day, expected in ((1, first), ((last - first).days + 1, last)):
                solar = Lunar.fromYmd(year, number, day).getSolar()
                assert date(solar.getYear(), solar.getMonth(), solar.getDay()) == expected
                checked += 1
    assert checked > 4800


def test_a_leap_month_a_year_lacks_is_refused():
    leapless = next(year for year, (_, leap, _) in LUNAR_YEARS.items() if not leap)
    with pytest.raises(ValueError, match="no leap month 5"):
        lunar_to_solar(leapless, 5, 1, leap=True)
