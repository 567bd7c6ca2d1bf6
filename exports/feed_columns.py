"""The calendar events of a feeds' plan as columns, not one object per event.

A ``+1 %`` rebuild of 10,000 documents plans 16,000 calendar events, all but a
few hundred of them kept from the last build (:mod:`exports.fragments`): their
slot (event id, association, days, digest), the ``SEQUENCE`` and time stamp
their VEVENT was made with, and its bytes. The plan made a Python object per
event, sorted them by a tuple key, revised them one call each and grouped them
feed by feed: some 0.3 s of a rebuild that renders 150 VEVENTs. Here the kept
metas are cut into columns at once (``zip``), the days are NumPy ordinals, the
order is one ``lexsort`` and the feeds are slices of index arrays; only the
events whose state entry says something new are handled one by one.

:class:`Events` holds the columns; :func:`gathered` makes them from the kept and
the made rows, :meth:`Events.chosen` picks one row per event id (the first in
the table's order) in the feeds' order, :func:`grouped` cuts index arrays by a
label. :mod:`exports.ics` does the rest (state, windows, bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter

import numpy as np

#: ``date.toordinal()`` of 1970-01-01, where NumPy's days start.
_EPOCH = date(1970, 1, 1).toordinal()


@dataclass
class Events:
    """One entry per calendar row; days as ordinals.

    ``first_seen`` holds the ordinal of a midnight (UTC), or a datetime when it
    is not one (never made so, but a packed slot may hold one); ``made`` the
    ``(SEQUENCE, time stamp)`` a VEVENT was made with; ``fresh`` the rows made by
    this build (not found in the store).
    """

    position: np.ndarray
    event_id: list[str]
    association: list[str]
    start: np.ndarray
    end: np.ndarray
    first_seen: list
    timed: np.ndarray
    digest: list[str]
    made: list
    data: list[bytes]
    fresh: np.ndarray

    def __len__(self) -> int:
        return len(self.event_id)

    def take(self, order: np.ndarray) -> Events:
        """The entries ``order`` names, in that order."""
        if not len(order):
            return gathered([], [])
        pick = itemgetter(*order.tolist()) if len(order) > 1 else _one(int(order[0]))
        return Events(
            self.position[order],
            list(pick(self.event_id)),
            list(pick(self.association)),
            self.start[order],
            self.end[order],
            list(pick(self.first_seen)),
            self.timed[order],
            list(pick(self.digest)),
            list(pick(self.made)),
            list(pick(self.data)),
            self.fresh[order],
        )

    def chosen(self) -> Events:
        """One entry per event id, the first in the table's order, sorted as the feeds
        list them: by first day, last day, event id (one UID per calendar)."""
        ids = self.event_id
        first = dict(zip(reversed(ids), range(len(ids) - 1, -1, -1), strict=True))
        kept = np.fromiter(first.values(), dtype=np.int64, count=len(first))
        kept.sort()
        names = np.array([ids[at] for at in kept.tolist()], dtype=str)
        order = np.lexsort((names, self.end[kept], self.start[kept]))
        return self.take(kept[order])

    def years(self) -> np.ndarray:
        """The year of each entry's first day."""
        return years_of(self.start)

    def newest_year(self) -> int:
        """The year of the newest ``first_seen``."""
        ordinals = [day for day in self.first_seen if type(day) is int]
        others = [day.year for day in self.first_seen if type(day) is not int]
        found = [int(years_of(np.array([max(ordinals)]))[0])] if ordinals else []
        return max(found + others)


def _one(at: int):  # noqa: ANN202 (itemgetter of one index gives a bare value, not a tuple)
    return lambda values: (values[at],)


def years_of(ordinals: np.ndarray) -> np.ndarray:
    """The year of each day ordinal (``date.toordinal``)."""
    days = (np.asarray(ordinals, dtype=np.int64) - _EPOCH).astype("datetime64[D]")
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def gathered(
    kept: list[tuple[int, tuple, tuple, bytes]],
    made: list[tuple[int, tuple, tuple, bytes]],
) -> Events:
    """The columns of ``(position, packed slot, made with, VEVENT)`` rows, kept (from
    the store) then made (by this build), ordered by position."""
    rows = kept + made
    if not rows:
        empty = np.empty(0, dtype=np.int64)
        return Events(
            empty, [], [], empty, empty, [], empty.astype(bool), [], [], [], empty.astype(bool)
        )
    positions, packed, made_with, data = zip(*rows, strict=True)
    slots = [slot if type(slot[2]) is int else _ordinals(slot) for slot in packed]
    event_id, association, start, end, first_seen, timed, digest = zip(*slots, strict=True)
    fresh = np.zeros(len(rows), dtype=bool)
    fresh[len(kept) :] = True
    events = Events(
        np.array(positions, dtype=np.int64),
        list(event_id),
        list(association),
        np.array(start, dtype=np.int64),
        np.array(end, dtype=np.int64),
        list(first_seen),
        np.array(timed, dtype=bool),
        list(digest),
        list(made_with),
        list(data),
        fresh,
    )
    order = np.argsort(events.position, kind="stable")
    if made and (order != np.arange(len(order))).any():
        events = events.take(order)
    return events


def _ordinals(packed: tuple) -> tuple:
    """A packed slot (:meth:`exports.ics._Slot.pack`) kept whole, with dates, with its
    days as ordinals (its ``first_seen`` stays a datetime unless a midnight)."""
    event_id, association, start, end, first_seen, timed, digest = packed
    if isinstance(first_seen, datetime) and first_seen.time() == datetime.min.time():
        first_seen = first_seen.date().toordinal()
    return (event_id, association, start.toordinal(), end.toordinal(), first_seen, timed, digest)


def grouped(labels: list, members: np.ndarray) -> dict:
    """``members`` (indices) cut by their ``labels`` (one per member), each group in the
    members' order."""
    if not len(members):
        return {}
    codes, names = _factorize(labels)
    order = np.argsort(codes, kind="stable")
    cuts = np.flatnonzero(np.diff(codes[order])) + 1
    groups = np.split(members[order], cuts)
    starts = np.concatenate(([0], cuts))
    return {
        names[int(codes[order][at])]: group
        for at, group in zip(starts.tolist(), groups, strict=True)
    }


def _factorize(labels: list) -> tuple[np.ndarray, list]:
    """Each label's code and the labels by code (first seen first)."""
    codes_of: dict = {}
    codes = np.fromiter(
        (codes_of.setdefault(label, len(codes_of)) for label in labels), np.int64, len(labels)
    )
    return codes, list(codes_of)


__all__ = ["Events", "gathered", "grouped", "years_of"]
