"""An event's number on the pages, which does not move when other events are added.

Every page numbers its cards (``data-i``, the page's data, the overview's marks,
the order of ``reviews.csv``) with one number per event. It is a function of the
table alone, never of build history, so a rebuild and a fresh build give the
same bytes; and an event keeps it when others are added or removed, so a page
whose own events did not change (an association's page of a year, an
association's newest events) is the same file as before and is not made again.

The number is the start's year times :data:`YEAR_BASE`, plus a slot in the
year: each day of the year owns :data:`DAY_SLOTS` slots, cut into
:data:`BUCKETS` runs of :data:`BUCKET_SLOTS`, one per hash of an association's
name (:func:`bucket`); the events of a day and an association take the slots of
its run in page order. So an event added moves only the numbers of the later
events of its own day and association (or of another association whose name
falls in the same run). A run with more events than slots (a large corpus's
year-level events all start on 1 January) goes on into the next runs, and their
events then follow it: every number is still distinct. Numbers ascend by day,
then by the association's run, then in page order (``reviews.csv`` is written
in that order); nothing reads more than their identity and that order.
A number stays below 2**53, exact in the page's script.

>>> from datetime import date
>>> found = page_numbers(
...     [date(2023, 1, 1), date(2023, 1, 1), date(2023, 1, 2)], ["甲", "甲", "甲"], {2023: (0, 3)}
... )
>>> [n - 2023 * YEAR_BASE - bucket("甲") * BUCKET_SLOTS for n in found]
[0, 1, 268435456]
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

#: A year's numbers: the year times this, plus the event's slot in the year (year 9999's
#: last number stays below 2**53).
YEAR_BASE = 100_000_000_000
#: The slots of a day: 366 days of them stay below :data:`YEAR_BASE`.
DAY_SLOTS = 1 << 28
#: The runs of a day's slots: an association's events of a day take its run's slots.
BUCKETS = 1 << 12
BUCKET_SLOTS = DAY_SLOTS // BUCKETS


def bucket(association: str) -> int:
    """The run of a day's slots that an association's events take (a hash of its name)."""
    digest = hashlib.blake2b(association.encode("utf-8", "surrogatepass"), digest_size=4)
    return int.from_bytes(digest.digest(), "big") % BUCKETS


def page_numbers(
    starts: Sequence[date], associations: Sequence[str], years: Mapping[int, tuple[int, int]]
) -> list[int]:
    """The number of every page place (``starts`` and ``associations`` in page order;
    ``years``: each year's places ``[a, b)``).

    In a year, the events sorted by their run's first slot (``base``), page order
    kept among equals: ``slot[i] = max(slot[i - 1] + 1, base[i])``, found at once as
    ``i + max(base[j] - j for j <= i)``.
    """
    ordinals = np.fromiter(map(date.toordinal, starts), dtype=np.int64, count=len(starts))
    runs = {name: bucket(name) for name in set(associations)}
    offsets = np.fromiter(map(runs.__getitem__, associations), dtype=np.int64, count=len(starts))
    numbers = np.empty(len(starts), dtype=np.int64)
    for year, (a, b) in years.items():
        if b <= a:
            continue
        base = (ordinals[a:b] - date(year, 1, 1).toordinal()) * DAY_SLOTS
        base += offsets[a:b] * BUCKET_SLOTS
        order = np.argsort(base, kind="stable")
        index = np.arange(b - a, dtype=np.int64)
        slots = np.maximum.accumulate(base[order] - index) + index
        if int(slots[-1]) >= YEAR_BASE:
            raise ValueError(f"{b - a:,} events start in {year}: the pages cannot number them all")
        numbers[a + order] = slots + year * YEAR_BASE
    return numbers.tolist()


__all__ = ["BUCKETS", "BUCKET_SLOTS", "DAY_SLOTS", "YEAR_BASE", "bucket", "page_numbers"]
