"""Counts of events per association and year (and month) for a crowded overview.

Past a few thousand events one mark per event is a smear no one can point at,
and thousands of SVG links make the first page slow. The overview then draws a
bar per association and year whose height grows with its count; zoomed in to a
few years, a bar per association and month. Each bar is a link to its year's
page. Month bars travel as data (``[lane, year, month, count]``) that the page
draws when the reader zooms in, and are left out when there would be more than
:data:`MONTH_BINS` of them, so the first page stays small whatever the corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter

MONTH_BINS = 4000
_YEAR, _MONTH = attrgetter("year"), attrgetter("month")


@dataclass(frozen=True)
class CountBin:
    lane: int
    level: str  # "year" or "month"
    start: date
    after: date  # the day after the bin's last day
    count: int


@dataclass
class BinCounts:
    """Counted one event at a time (by its start), in any order."""

    years: dict[tuple[int, int], int] = field(default_factory=dict)
    months: dict[tuple[int, int, int], int] = field(default_factory=dict)
    total: int = 0

    def add(self, lane: int, start: date) -> None:
        self.total += 1
        key = (lane, start.year)
        self.years[key] = self.years.get(key, 0) + 1
        month = (lane, start.year, start.month)
        self.months[month] = self.months.get(month, 0) + 1

    @classmethod
    def counted(cls, lanes: Iterable[int], starts: Iterable[date]) -> BinCounts:
        """The counts of events of lanes ``lanes`` starting on ``starts`` (as :meth:`add`
        one by one), counted by :class:`~collections.Counter` over the pairs: no Python
        call per event, for the tens of thousands of a large corpus."""
        starts = list(starts)
        months = Counter(zip(lanes, map(_YEAR, starts), map(_MONTH, starts), strict=True))
        years: Counter[tuple[int, int]] = Counter()
        for (lane, year, _), count in months.items():
            years[(lane, year)] += count
        return cls(dict(years), dict(months), len(starts))

    @property
    def first_year(self) -> int:
        return min(year for _, year in self.years)

    @property
    def last_year(self) -> int:
        return max(year for _, year in self.years)

    def marks(self) -> list[CountBin]:
        """A bin per association and year, in a fixed order."""
        return [
            CountBin(lane, "year", date(year, 1, 1), date(year + 1, 1, 1), count)
            for (lane, year), count in sorted(self.years.items())
        ]

    def month_counts(self) -> list[list[int]]:
        """``[lane, year, month, count]`` per association and month, or none when too many.

        The page draws these itself when the reader zooms in, so the first page
        carries them as a few bytes of data, not as SVG.
        """
        if len(self.months) > MONTH_BINS:
            return []
        return [[*key, count] for key, count in sorted(self.months.items())]


def _next_month(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


__all__ = ["MONTH_BINS", "BinCounts", "CountBin"]
