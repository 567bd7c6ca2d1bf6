"""An event's number on the pages, which does not move when other events are added.

Every page numbers its cards (``data-i``, the page's data, the overview's marks,
the order of ``reviews.csv``) with one number per event, ascending in page
order. It is a function of the table alone, never of build history, so a
rebuild and a fresh build give the same bytes; and it is kept by an event when
others are added or removed, so a page whose own events did not change (an
association's page of a year, an association's newest events) is the same file
as before and is not made again.

The number is the start's year times :data:`YEAR_BASE`, plus a slot in the
year: each day of the year owns :data:`DAY_SLOTS` slots (day 0, 1 January,
slots 0–26,999), and the events of a day take its slots in page order. A day
with more events than slots (a large corpus's year-level events all start on
1 January) goes on into the next days' slots, and those days' events then
follow it: numbers always ascend. So an event added moves only the numbers of
the later events of its own day (and of days such an overflow reaches).

>>> from datetime import date
>>> page_numbers([date(2023, 1, 1), date(2023, 1, 1), date(2023, 1, 2), date(2024, 3, 1)],
...              {2023: (0, 3), 2024: (3, 4)})
[20230000000, 20230000001, 20230027000, 20241620000]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

#: A year's numbers: the year times this, plus the event's slot in the year.
YEAR_BASE = 10_000_000
#: The slots of a day: 366 days of them stay below :data:`YEAR_BASE`.
DAY_SLOTS = 27_000


def page_numbers(starts: Sequence[date], years: Mapping[int, tuple[int, int]]) -> list[int]:
    """The number of every page place (``starts`` in page order; ``years``: each year's
    places ``[a, b)``).

    Within a year, ``slot[i] = max(slot[i - 1] + 1, day[i] * DAY_SLOTS)``, found at once
    as ``i + max(day[j] * DAY_SLOTS - j for j <= i)``.
    """
    ordinals = np.fromiter(map(date.toordinal, starts), dtype=np.int64, count=len(starts))
    numbers = np.empty(len(starts), dtype=np.int64)
    for year, (a, b) in years.items():
        if b <= a:
            continue
        days = ordinals[a:b] - date(year, 1, 1).toordinal()
        index = np.arange(b - a, dtype=np.int64)
        slots = np.maximum.accumulate(days * DAY_SLOTS - index) + index
        if int(slots[-1]) >= YEAR_BASE:
            raise ValueError(
                f"{b - a:,} events start in {year}: the pages number at most "
                f"{YEAR_BASE:,} events in a year"
            )
        numbers[a:b] = slots + year * YEAR_BASE
    return numbers.tolist()


__all__ = ["DAY_SLOTS", "YEAR_BASE", "page_numbers"]
