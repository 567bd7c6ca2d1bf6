"""A year's postings carried from a kept block equal those made from scratch."""

from __future__ import annotations

import random

import numpy as np
import pytest

from exports.search_index import fold
from exports.search_postings import carried, merged, year_block

WORDS = [
    "年会",
    "马拉松",
    "协会",
    "ab",
    "😀a",
    "ＡＢＣ",
    "重复重复",
    "\ud800x",
    "",
    "会员大会 2023",
]


def _texts(rng: random.Random, count: int) -> list[str]:
    return [
        fold(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))) for _ in range(count)
    ]


def _key(number: int) -> bytes:
    return number.to_bytes(16, "big")


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("shards", [1, 8])
def test_postings_carried_over_insertions_and_removals_are_a_fresh_years(
    seed: int, shards: int
) -> None:
    rng = random.Random(seed)
    count = rng.choice([0, 3, 300, 700])  # past a chunk of 256, and empty
    texts = _texts(rng, count)
    keys = [_key(number) for number in range(count)]
    rows = list(zip(keys, texts, strict=True))
    kept = [row for row in rows if rng.random() > 0.1]  # some rows removed
    for number in range(rng.randint(0, 40)):  # and some added anywhere
        kept.insert(rng.randint(0, len(kept)), (_key(10_000 + number), _texts(rng, 1)[0]))
    new_keys = [key for key, _ in kept]
    new_texts = [text for _, text in kept]
    asked: list[int] = []

    def texts_of(places: list[int]) -> list[str]:
        asked.extend(places)
        return [new_texts[place] for place in places]

    found = carried(year_block(texts, shards), keys, new_keys, texts_of, shards)
    assert found is not None
    block, split = found
    assert np.array_equal(block, year_block(new_texts, shards))
    assert split == len(asked) == sum(key not in set(keys) for key in new_keys)


def test_postings_are_not_carried_when_kept_rows_change_order_or_repeat() -> None:
    texts = [fold(word) for word in ("年会", "协会", "马拉松")]
    block = year_block(texts, 4)
    keys = [_key(number) for number in range(3)]
    assert carried(block, keys, keys[::-1], lambda places: [], 4) is None
    assert carried(block, keys, [keys[0], keys[0]], lambda places: [], 4) is None
    assert carried(block, [keys[0]] * 3, keys, lambda places: [], 4) is None


@pytest.mark.parametrize(
    ("pairs", "events", "size"), [(40, 40, 60), (3, 3000, 5000)], ids=["short runs", "long runs"]
)
def test_a_merge_is_the_sort_of_both_blocks(pairs: int, events: int, size: int) -> None:
    """Blocks of many keys with a few places each, and of a few keys with long runs of
    places (each posting of the smaller block found by many halvings)."""
    rng = np.random.default_rng(7)
    for _ in range(50):
        count = rng.integers(0, size)
        rows = np.c_[rng.integers(0, pairs, count), rng.integers(0, events, count)]
        rows = np.unique(rows, axis=0)
        places = rng.permutation(events)
        rows[:, 1] = places[rows[:, 1]] if len(rows) else rows[:, 1]
        mine = rng.random(events) < 0.5  # each place belongs to one block
        a, b = rows[mine[rows[:, 1]]], rows[~mine[rows[:, 1]]]
        a = a[np.lexsort((a[:, 1], a[:, 0]))]
        b = b[np.lexsort((b[:, 1], b[:, 0]))]
        both = np.concatenate([a, b])
        assert np.array_equal(merged(a, b), both[np.lexsort((both[:, 1], both[:, 0]))])
