"""An event's number on the pages: ascending, and not moved by events added on other days."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from datetime import date, timedelta

import pytest

from exports import page_numbers as numbering
from exports.page_numbers import DAY_SLOTS, YEAR_BASE, page_numbers


def numbered(starts: list[date]) -> list[int]:
    """``page_numbers`` of sorted ``starts``, each year's places found as the page writer does."""
    starts = sorted(starts)
    years = [day.year for day in starts]
    bounds = {y: (bisect_left(years, y), bisect_right(years, y)) for y in set(years)}
    return page_numbers(starts, bounds)


def test_a_number_is_its_year_its_day_and_its_rank_that_day() -> None:
    starts = [date(2023, 1, 1), date(2023, 1, 1), date(2023, 12, 31), date(2024, 12, 31)]
    assert numbered(starts) == [
        2023 * YEAR_BASE,
        2023 * YEAR_BASE + 1,
        2023 * YEAR_BASE + 364 * DAY_SLOTS,
        2024 * YEAR_BASE + 365 * DAY_SLOTS,  # a leap year's last day still fits
    ]
    assert 366 * DAY_SLOTS <= YEAR_BASE


def test_events_added_move_only_the_later_events_of_their_own_day() -> None:
    pick = random.Random(10)
    first = date(2015, 1, 1)
    starts = sorted(first + timedelta(days=pick.randrange(3 * 365)) for _ in range(2_000))
    before = dict(zip(range(len(starts)), numbered(starts), strict=True))
    added = [first + timedelta(days=pick.randrange(3 * 365)) for _ in range(40)]
    grown = sorted([(day, 0, at) for at, day in enumerate(starts)] + [(d, 1, -1) for d in added])
    after = numbered([day for day, *_ in grown])
    assert after == sorted(set(after))  # strictly ascending in page order
    new_days = set(added)
    for (day, new, at), number in zip(grown, after, strict=True):
        if not new and day not in new_days:
            assert number == before[at], day  # another day's event kept its number
        if not new and day in new_days:
            assert number >= before[at]  # only pushed later within its day


def test_a_day_with_more_events_than_slots_runs_into_the_next_days() -> None:
    starts = [date(2030, 1, 1)] * (DAY_SLOTS + 5) + [date(2030, 1, 2), date(2030, 1, 3)]
    found = numbered(starts)
    base = 2030 * YEAR_BASE
    assert found[DAY_SLOTS + 4] == base + DAY_SLOTS + 4  # 1 January's last event
    assert found[-2:] == [
        base + DAY_SLOTS + 5,
        base + 2 * DAY_SLOTS,
    ]  # 2 Jan follows, 3 Jan its own
    assert found == sorted(set(found))


def test_a_year_too_full_to_number_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(numbering, "YEAR_BASE", 1_000)
    monkeypatch.setattr(numbering, "DAY_SLOTS", 2)
    with pytest.raises(ValueError, match="1,001 events start in 2020"):
        numbered([date(2020, 6, 1)] * 1_001)
