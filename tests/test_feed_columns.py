"""The feeds' plan as columns (:mod:`exports.feed_columns`) against the plan one object per
event it replaced: the same event chosen per id, the same order, the same groups.

The end-to-end bytes (a rebuild from the kept VEVENTs against a build without them) are
``tests/test_site_writers.py``'s; here, random rows with repeated ids, days and labels.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import numpy as np
import pytest

from exports.feed_columns import gathered, grouped, years_of


def _rows(seed: int, count: int) -> list[tuple[int, tuple, tuple, bytes]]:
    """``(position, packed slot, made with, VEVENT)`` rows, positions shuffled, ids repeated."""
    chance = random.Random(seed)
    rows = []
    for position in chance.sample(range(count * 3), count):
        start = date(2000, 1, 1).toordinal() + chance.randrange(9000)
        end = start + chance.choice([0, 0, 1, 30])
        event_id = f"e{chance.randrange(count // 2 + 1):04d}"
        first_seen = start - chance.randrange(5)
        slot = (
            event_id,
            chance.choice("甲乙丙"),
            start,
            end,
            first_seen,
            chance.random() < 0.1,
            "h",
        )
        rows.append((position, slot, (0, "2024-01-01T00:00:00Z"), f"{position}".encode()))
    return rows


@pytest.mark.parametrize("seed", range(5))
def test_the_columns_choose_and_order_as_one_object_per_event_did(seed: int) -> None:
    rows = _rows(seed, 300)
    kept, made = rows[:250], rows[250:]
    events = gathered(sorted(kept), made)
    assert events.position.tolist() == sorted(row[0] for row in rows)
    first: dict[str, tuple] = {}
    for row in sorted(rows):  # the table's order: the first row of an id wins
        first.setdefault(row[1][0], row)
    expected = sorted(first.values(), key=lambda row: (row[1][2], row[1][3], row[1][0]))
    chosen = events.chosen()
    assert chosen.event_id == [row[1][0] for row in expected]
    assert chosen.data == [row[3] for row in expected]
    assert chosen.start.tolist() == [row[1][2] for row in expected]
    assert chosen.fresh.tolist() == [row in made for row in expected]
    assert chosen.years().tolist() == [date.fromordinal(row[1][2]).year for row in expected]
    newest = max(date.fromordinal(row[1][4]).year for row in expected)
    assert chosen.newest_year() == newest


def test_a_slot_kept_whole_with_dates_reads_as_ordinals() -> None:
    """:meth:`exports.ics._Slot.pack` keeps a slot whole when its first sighting is not
    a midnight: its days become ordinals, its first sighting stays the datetime."""
    seen = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    slot = ("a", "甲", date(2024, 5, 2), date(2024, 5, 3), seen, False, "h")
    events = gathered([(0, slot, (0, "x"), b"A")], [])
    assert events.start.tolist() == [date(2024, 5, 2).toordinal()]
    assert events.first_seen == [seen] and events.newest_year() == 2024


def test_groups_keep_their_members_order() -> None:
    members = np.array([5, 3, 9, 1, 7])
    groups = grouped(["b", "a", "b", "c", "a"], members)
    assert {name: group.tolist() for name, group in groups.items()} == {
        "b": [5, 9],
        "a": [3, 7],
        "c": [1],
    }
    assert grouped([], np.empty(0, dtype=np.int64)) == {}


def test_years_of_ordinals_are_the_dates_years() -> None:
    days = [date(1, 1, 1), date(1969, 12, 31), date(1970, 1, 1), date(2024, 12, 31)]
    assert years_of(np.array([d.toordinal() for d in days])).tolist() == [1, 1969, 1970, 2024]
