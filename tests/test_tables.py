"""The word tables are data; these tests keep them honest (HeidelTime's were not)."""

from __future__ import annotations

from datetime import date

import pytest
from lunar_python import Lunar

from normalizers.calendar import festival_date, lunar_in_gregorian_year, lunar_to_solar
from normalizers.tables.characters import FOLDING, fold
from normalizers.tables.festivals import AMBIGUOUS, FESTIVALS
from normalizers.tables.numerals import lunar_day_value, number_value
from normalizers.tables.parts import MONTH_PARTS, YEAR_PART_SPELLINGS, YEAR_PARTS
from normalizers.tables.relative import (
    RELATIVE_DAYS,
    RELATIVE_HALVES,
    RELATIVE_MONTHS,
    RELATIVE_QUARTERS,
    RELATIVE_WEEKS,
    RELATIVE_YEARS,
)


def test_folding_maps_one_character_to_one_so_offsets_survive() -> None:
    assert all(len(source) == 1 and len(target) == 1 for source, target in FOLDING.items())
    text = "２０２３年９月８日—１０號，農曆臘月、國慶節　期間"
    assert len(fold(text)) == len(text)
    assert fold(text) == "2023年9月8日-10号，农历腊月、国庆节 期间"


def test_folding_leaves_common_chinese_punctuation_alone() -> None:
    assert fold("，。：；（）！？、") == "，。：；（）！？、"


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("2023", 2023),
        ("二〇二三", 2023),
        ("二零二三", 2023),
        ("一九九八", 1998),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("廿三", 23),
        ("三十一", 31),
        ("卅", 30),
        ("九", 9),
    ],
)
def test_numbers_are_read_as_written(written: str, value: int) -> None:
    assert number_value(written) == value


@pytest.mark.parametrize(
    ("written", "value"), [("初一", 1), ("初十", 10), ("十五", 15), ("廿三", 23), ("三十", 30)]
)
def test_lunar_days_are_read_as_written(written: str, value: int) -> None:
    assert lunar_day_value(written) == value


def test_every_festival_has_a_day_in_every_year_the_library_covers() -> None:
    for name in FESTIVALS:
        for year in (1950, 2000, 2020, 2024, 2025, 2050):
            day = festival_date(name, year)
            # 2023年大年三十 is the last day of lunar 2023, in the next Gregorian year.
            expected = year + 1 if FESTIVALS[name].calendar == "year-end" else year
            assert day.year == expected, (name, year, day)


@pytest.mark.parametrize(
    ("name", "year", "expected"),
    [
        ("元旦", 2024, date(2024, 1, 1)),
        ("五一", 2024, date(2024, 5, 1)),
        ("劳动节", 2023, date(2023, 5, 1)),
        ("五一劳动节", 2023, date(2023, 5, 1)),
        ("七一", 2023, date(2023, 7, 1)),
        ("国庆节", 2023, date(2023, 10, 1)),
        ("教师节", 2023, date(2023, 9, 10)),
        ("圣诞节", 2023, date(2023, 12, 25)),
    ],
)
def test_solar_festivals_fall_on_their_fixed_day(name: str, year: int, expected: date) -> None:
    # HeidelTime's Chinese table maps 五一劳动节 to April 5; ours must not.
    assert festival_date(name, year) == expected


@pytest.mark.parametrize(
    ("name", "month", "day"),
    [
        ("春节", 1, 1),
        ("元宵节", 1, 15),
        ("端午节", 5, 5),
        ("七夕", 7, 7),
        ("中秋节", 8, 15),
        ("重阳节", 9, 9),
    ],
)
@pytest.mark.parametrize("year", [2020, 2023, 2024, 2025])
def test_lunar_festivals_agree_with_the_lunar_calendar(
    name: str, month: int, day: int, year: int
) -> None:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    assert festival_date(name, year) == date(solar.getYear(), solar.getMonth(), solar.getDay())


def test_twelfth_month_festivals_named_with_a_gregorian_year_fall_in_that_year() -> None:
    assert festival_date("腊八", 2025) == date(2025, 1, 7)
    assert festival_date("小年", 2025) == date(2025, 1, 22)
    assert festival_date("除夕", 2025) == date(2025, 1, 28)
    assert lunar_in_gregorian_year(2024, 12, 23) == date(2024, 2, 2)


def test_solar_terms_come_from_the_library() -> None:
    assert festival_date("清明节", 2024) == date(2024, 4, 4)
    assert festival_date("清明", 2023) == date(2023, 4, 5)
    assert festival_date("冬至", 2023) == date(2023, 12, 22)


def test_a_lunar_day_that_does_not_exist_is_an_error_not_a_shifted_date() -> None:
    # 2024 腊月 has 29 days; the library itself would quietly roll 腊月三十 into 正月.
    with pytest.raises(ValueError):
        lunar_to_solar(2024, 12, 30)
    with pytest.raises(ValueError):
        lunar_to_solar(2024, 2, 1, leap=True)  # 2024 has no leap second month
    assert lunar_to_solar(2023, 2, 1, leap=True) == date(2023, 3, 22)


def test_ambiguous_short_names_are_festivals_in_the_table() -> None:
    assert set(FESTIVALS) >= AMBIGUOUS


def test_year_parts_cover_their_spellings_and_stay_in_order() -> None:
    assert set(YEAR_PART_SPELLINGS.values()) <= set(YEAR_PARTS)
    for first, last, _granularity in YEAR_PARTS.values():
        assert first <= last
    for first, last in MONTH_PARTS.values():
        assert first >= 1 and (last == 0 or first <= last)


def test_relative_words_name_a_known_reference() -> None:
    tables = (
        RELATIVE_YEARS,
        RELATIVE_MONTHS,
        RELATIVE_WEEKS,
        RELATIVE_DAYS,
        RELATIVE_QUARTERS,
        RELATIVE_HALVES,
    )
    for table in tables:
        for word, (reference, offset) in table.items():
            assert reference in ("present", "previous"), word
            assert -4 <= offset <= 4, word  # 大大前天 … 大大后天
    assert RELATIVE_YEARS["去年"] == ("present", -1)
    assert RELATIVE_DAYS["次日"] == ("previous", 1)
