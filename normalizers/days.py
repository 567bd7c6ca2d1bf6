"""Days counted inside a month or a week: from the end, the n-th weekday, the nearest one.

最后五天 of May → day -5 … -1 → 27 … 31     5月第二个星期日 → the 2nd Sunday
四月的最后一个星期一 → nth -1                  a bare 周五 → see :func:`weekday_near`
"""

from __future__ import annotations

from datetime import date, timedelta

from normalizers.calendar import last_day


def day_of_month(year: int, month: int, day: int) -> date:
    """``day`` of the month; a negative day counts from its end (-1 is the last day)."""
    if day < 0:
        return date(year, month, last_day(year, month) + day + 1)
    return date(year, month, day)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` ``weekday`` (0 = Monday) of the month; ``nth`` -1 is the last one."""
    if nth < 0:
        last = date(year, month, last_day(year, month))
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    if day.month != month:
        raise ValueError(f"month {month} of {year} has no weekday number {nth}")
    return day


def weekday_near(reference: date, weekday: int, direction: int) -> date:
    """The ``weekday`` a narrative means by a bare 周五, seen from ``reference``.

    ``direction`` is the sentence's tense: -1 (past: the last one on or before
    the reference), 1 (future: the first one on or after), 0 (no tense: the one
    in the reference's own Monday-to-Sunday week).
    """
    if direction < 0:
        return reference - timedelta(days=(reference.weekday() - weekday) % 7)
    if direction > 0:
        return reference + timedelta(days=(weekday - reference.weekday()) % 7)
    return reference + timedelta(days=weekday - reference.weekday())
