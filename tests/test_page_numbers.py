"""An event's number on the pages: distinct, and not moved by events added elsewhere."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from datetime import date, timedelta

import pytest

from exports import page_numbers as numbering
from exports.page_numbers import BUCKET_SLOTS, DAY_SLOTS, YEAR_BASE, bucket, page_numbers

NAMES = [
    "汕头市纺织服装产业协会",
    "广东省家具协会",
    "中国汽车工业协会",
    "深圳市潮汕商会",
    "甲",
    "乙",
]


def numbered(events: list[tuple[date, str]]) -> list[int]:
    """``page_numbers`` of ``events`` (start, association) sorted as the page orders them,
    each year's places found as the page writer does."""
    events = sorted(events)
    years = [day.year for day, _ in events]
    bounds = {y: (bisect_left(years, y), bisect_right(years, y)) for y in set(years)}
    return page_numbers([day for day, _ in events], [name for _, name in events], bounds)


def test_a_number_is_its_year_its_day_its_association_s_run_and_its_rank() -> None:
    events = [(date(2023, 1, 1), "甲"), (date(2023, 1, 1), "甲"), (date(2024, 12, 31), "乙")]
    assert numbered(events) == [
        2023 * YEAR_BASE + bucket("甲") * BUCKET_SLOTS,
        2023 * YEAR_BASE + bucket("甲") * BUCKET_SLOTS + 1,
        2024 * YEAR_BASE + 365 * DAY_SLOTS + bucket("乙") * BUCKET_SLOTS,  # a leap year's last day
    ]
    assert 366 * DAY_SLOTS <= YEAR_BASE and 10_000 * YEAR_BASE < 2**53  # exact in JavaScript
    assert len({bucket(name) for name in NAMES}) == len(NAMES)  # these names: runs apart


def test_events_added_move_only_the_later_events_of_their_day_and_association() -> None:
    pick = random.Random(10)
    first = date(2015, 1, 1)

    def some(count: int) -> list[tuple[date, str]]:
        return [
            (first + timedelta(days=pick.randrange(3 * 365) // 30 * 30), pick.choice(NAMES))
            for _ in range(count)
        ]  # days 30 apart: many events share a day

    events = sorted(some(3_000))
    before = dict(zip(range(len(events)), numbered(events), strict=True))
    added = some(60)
    # (the added events placed first in their day: the kept ones after them move)
    grown = sorted([(*e, 1, at) for at, e in enumerate(events)] + [(*e, 0, -1) for e in added])
    after = numbered([(day, name) for day, name, *_ in grown])
    assert len(set(after)) == len(after)
    touched = {(day, bucket(name)) for day, name in added}
    moved = 0
    for (day, name, kept, at), number in zip(grown, after, strict=True):
        if not kept:
            continue
        if (day, bucket(name)) not in touched:
            assert number == before[at], (day, name)  # kept by every other day and association
        else:
            assert number >= before[at]  # only pushed later within its run
            moved += number != before[at]
    assert moved  # some did move: the check above is not empty
    for day, name in set(events):  # within a day and association, in page order
        mine = [n for (d, a, *_), n in zip(grown, after, strict=True) if (d, a) == (day, name)]
        assert mine == sorted(mine)


def test_a_run_with_more_events_than_slots_goes_on_into_the_next_runs() -> None:
    day = date(2030, 1, 1)
    found = numbered([(day, "甲")] * (BUCKET_SLOTS + 5) + [(day + timedelta(days=1), "甲")])
    base = 2030 * YEAR_BASE + bucket("甲") * BUCKET_SLOTS
    assert found[BUCKET_SLOTS + 4] == base + BUCKET_SLOTS + 4  # into the next run
    assert found[-1] == base + DAY_SLOTS  # the next day: its own slots
    assert len(set(found)) == len(found)


def test_a_year_too_full_to_number_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(numbering, "YEAR_BASE", 1_000)
    monkeypatch.setattr(numbering, "DAY_SLOTS", 2)
    monkeypatch.setattr(numbering, "BUCKET_SLOTS", 0)
    with pytest.raises(ValueError, match="1,001 events start in 2020"):
        numbered([(date(2020, 6, 1), "甲")] * 1_001)
