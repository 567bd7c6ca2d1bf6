"""The century of a two-digit year (98年, 15年3月2日, 3-7-27), from the document's present.

A two-digit year is the latest year ending in those digits that is at most
ten years after the present: published 2021, 24年 → 2024, 31年 → 2031,
33年 → 1933, 98年 → 1998. Without a present, 00–49 are 2000–2049 and 50–99
are 1950–1999. A two-digit year is always one of 1900–2099. The second end of a range is carried from the first
(1985到89年9月 → 1989; 98年至02年 → 2002): the first year at or after its start.
"""

from __future__ import annotations

from datetime import date

from normalizers.rules.base import Partial

AHEAD = 10


def century_year(two_digits: int, present: date | None) -> int:
    """>>> century_year(24, date(2021, 6, 14)), century_year(33, date(2021, 6, 14))
    (2024, 1933)
    """
    if present is None:
        return (2000 if two_digits < 50 else 1900) + two_digits
    limit = present.year + AHEAD
    year = limit - (limit - two_digits) % 100
    return year + 100 if year < 1900 else year - 100 if year > 2099 else year


def _after(two_digits: int, start_year: int) -> int:
    year = start_year - start_year % 100 + two_digits
    year = year if year >= start_year else year + 100
    return year if year <= 2099 else year - 100


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _fixed(p: Partial, year: int) -> Partial:
    warning = p.warning
    if p.month == 2 and p.day == 29 and not _leap(year):
        warning = f"{year} is not a leap year"
    return p.moved(year=year, pivot=False, warning=warning)


def with_centuries(p: Partial, present: date | None) -> Partial:
    """``p`` with every two-digit year given its century (unchanged when it has none)."""
    head = _fixed(p, century_year(p.year, present)) if p.pivot and p.year is not None else p
    tail = head.end
    if tail is not None and tail.pivot and tail.year is not None:
        start_year = head.year if head.year is not None else None
        year = (
            _after(tail.year, start_year)
            if start_year is not None
            else century_year(tail.year, present)
        )
        head = head.moved(end=_fixed(tail, year))
    return head
