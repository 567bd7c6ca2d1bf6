"""A year's search postings, made once and carried from build to build.

A span's index (:class:`exports.search_index.SearchIndex`) numbers its events in
page order, so a few events added to a year move the numbers of every later
event of the span, and every shard of the span changes. What does not change is
the pairs of an event's text: a year's postings are kept (``(key, place in the
year)`` rows, sorted by key, then place: :func:`year_block`) and, when the
year's rows change, carried over (:func:`carried`): the kept events' places
moved to their new ones, the removed ones dropped, and only the new events'
texts split into pairs and merged in. A span's shard is then a merge of its
years' blocks (each placed after the years before it), the same postings, in
the same order, as a fresh build's: the bytes do not depend on what was kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat

import numpy as np

from exports.search_index import CHUNK, _pair_postings

#: A place in a year, and a key's rank (twice, :func:`merged`), fit in 32 bits.
_PLACE_BITS = 32


def year_block(texts: Sequence[str], shards: int) -> np.ndarray:
    """The postings of folded ``texts`` (a year's events, in page order), numbered
    from 0: ``(key, place)`` rows sorted by key (shard, then pair), then place.

    Found a chunk of :data:`~exports.search_index.CHUNK` texts at a time (a chunk's
    key and place fit one 64-bit number), the chunks merged by a stable sort on
    the key (each chunk sorted, the chunks in place order).
    """
    blocks = [
        _pair_postings(list(texts[first : first + CHUNK]), first, shards)
        for first in range(0, len(texts), CHUNK)
    ]
    if not blocks:
        return np.empty((0, 2), dtype=np.int64)
    block = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
    if len(blocks) > 1:
        block = block[np.argsort(block[:, 0], kind="stable")]
    return block


def merged(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two blocks sorted by (key, place), no place in both, as one sorted block."""
    if not len(b):
        return a
    if not len(a):
        return b
    return _merged(a[:, 0].copy(), a[:, 1].copy(), b)


def _merged(keys: np.ndarray, places: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`merged` of a block given as its two columns (``keys``, ``places``: contiguous,
    not empty) and the block ``b`` (not empty).

    Each of ``a``'s postings is numbered by its key's rank among ``a``'s distinct keys
    (from 1) and its place, one 64-bit number in (key, place) order; a posting of
    ``b`` whose key ``a`` lacks is numbered as the first place of the next key's
    rank, so that one search places every posting of ``b``. Column by column: a
    block's columns are strided, and its rows are many.
    """
    starts = np.empty(len(keys), dtype=bool)
    starts[0] = True
    np.not_equal(keys[1:], keys[:-1], out=starts[1:])
    distinct = keys[starts]
    order_a = np.cumsum(starts, dtype=np.int64)
    order_a <<= _PLACE_BITS
    order_a |= places
    at = np.searchsorted(distinct, b[:, 0])
    found = (at < len(distinct)) & (distinct[np.minimum(at, len(distinct) - 1)] == b[:, 0])
    order_b = (at + 1) << _PLACE_BITS
    order_b |= np.where(found, b[:, 1], 0)
    into = np.searchsorted(order_a, order_b) + np.arange(len(b))
    mine = np.ones(len(keys) + len(b), dtype=bool)
    mine[into] = False
    out = np.empty((len(mine), 2), dtype=np.int64)
    for column, old in ((0, keys), (1, places)):
        target = out[:, column]
        target[mine] = old
        target[into] = b[:, column]
    return out


def carried(
    block: np.ndarray,
    old_keys: Sequence[bytes],
    new_keys: Sequence[bytes],
    texts: Callable[[list[int]], list[str]],
    shards: int,
) -> tuple[np.ndarray, int] | None:
    """A year's postings for its rows ``new_keys`` (in page order) from the kept
    ``block`` of its rows ``old_keys``, and how many events were split into pairs.

    A row whose key was kept keeps its postings at its new place; ``texts(places)``
    gives the folded texts of the others (their places in the year), which alone
    are split. None when the kept postings cannot be carried: a key twice in a
    year, or kept rows in another order (then the whole year is made again).
    """
    where = dict(zip(old_keys, range(len(old_keys)), strict=True))
    if len(where) != len(old_keys) or len(set(new_keys)) != len(new_keys):
        return None
    moved = np.full(len(old_keys), -1, dtype=np.int64)
    found = np.fromiter(map(where.get, new_keys, repeat(-1)), dtype=np.int64, count=len(new_keys))
    kept = found >= 0
    moved[found[kept]] = np.flatnonzero(kept)
    if np.any(np.diff(moved[moved >= 0]) <= 0):
        return None
    numbers = moved[block[:, 1]] if len(block) else np.empty(0, dtype=np.int64)
    if len(numbers) and numbers.min() < 0:
        stay = numbers >= 0
        keys, numbers = block[:, 0][stay], numbers[stay]
    else:
        keys = block[:, 0].copy()
    places = np.flatnonzero(~kept)
    if len(places):
        new = year_block(texts(places.tolist()), shards)
        new[:, 1] = places[new[:, 1]]
    else:
        new = np.empty((0, 2), dtype=np.int64)
    if len(new) and len(keys):
        return _merged(keys, numbers, new), len(places)
    old = np.empty((len(keys), 2), dtype=np.int64)
    old[:, 0], old[:, 1] = keys, numbers
    return merged(old, new), len(places)


__all__ = ["carried", "merged", "year_block"]
