"""Where sentences end and future cues stand in one text, for many questions about it.

The anchoring asks of many dates whether their sentence speaks of the future
(:func:`normalizers.anchor._speaks_of_future`: 将于8月22日, a festival long before
the narrative's day). Each answer looks for the sentence's ends up to 80
characters around the date and for a cue between them, some 6 µs; a text dense
in dates asks it of a third of them (春节元宵节中秋节…: every 春节 after a 中秋节).
:class:`TenseIndex` finds every sentence end and every place of every cue once,
then answers each question with two bisections and a look at the cues inside:
the same answer, for any text, as the search in the sentence's bounds (a cue
counts when it lies whole inside them, as a pattern's match must).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable


class TenseIndex:
    """The sentence ends of ``text`` (``ends``: a pattern of one character each) and
    the places of the ``cues`` in it (every place, overlapping ones too)."""

    __slots__ = ("_cue_lengths", "_cue_starts", "_ends", "_reach")

    def __init__(self, text: str, ends: re.Pattern[str], cues: Iterable[str], reach: int) -> None:
        self._ends = [found.start() for found in ends.finditer(text)]
        self._reach = reach
        shortest: dict[int, int] = {}
        for cue in cues:
            at = text.find(cue)
            while at >= 0:
                if len(cue) < shortest.get(at, len(cue) + 1):
                    shortest[at] = len(cue)
                at = text.find(cue, at + 1)
        self._cue_starts = sorted(shortest)
        self._cue_lengths = [shortest[at] for at in self._cue_starts]

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around ``text[start:end]`` as ``anchor._sentence_bounds`` finds
        it: back to the last end at most ``reach`` characters before, on to the next
        end at most ``reach`` characters after."""
        ends, reach = self._ends, self._reach
        floor = start - reach if start > reach else 0
        before = bisect_left(ends, start) - 1
        left = ends[before] + 1 if before >= 0 and ends[before] >= floor else floor
        after = bisect_left(ends, end)
        right = ends[after] if after < len(ends) and ends[after] < end + reach else end + reach
        return left, right

    def has_cue(self, start: int, end: int) -> bool:
        """Whether a cue lies whole inside the sentence around ``text[start:end]``."""
        left, right = self.bounds(start, end)
        starts, lengths = self._cue_starts, self._cue_lengths
        index = bisect_left(starts, left)
        while index < len(starts) and starts[index] < right:
            if starts[index] + lengths[index] <= right:
                return True
            index += 1
        return False
