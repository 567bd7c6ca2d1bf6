"""Productions remembered by what they read: one build per distinct match and window.

In dense text the same match recurs in the same surroundings again and again
(8月8 between 月 and 月, 2023年 between 年 and 2, 22日 between 、 and 、), and its
production, a pure function of the match and of a few characters around it, gave
the same partial every time. A rule that declares how far its production reads
(:attr:`~normalizers.rules.base.Rule.reads`: characters before the match's start,
after its end) has its partials remembered under everything the production can
see: the window of text, where the match lies in it, the pattern (one rule may match
with several: :attr:`~normalizers.rules.base.Rule.match_by_shape`), the match's
groups and branch. An identical key is an identical input, so the same output, moved to
the new place. Only productions that :func:`normalizers.extract.select` runs
(those left for later, whose partials cover exactly their match) go through here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from normalizers.rules import ALL_RULES
from normalizers.rules.base import Partial

Production = Callable[[re.Match[str], str], "Partial | None"]

#: A production → (characters read before the match's start, after its end).
_READS: dict[Production, tuple[int, int]] = {
    rule.produce: rule.reads for rule in ALL_RULES if rule.reads is not None
}
#: Key → (where the remembered match started, its partial or None). Bounded: a
#: text of ever new windows clears it rather than growing it.
_REMEMBERED: dict[tuple, tuple[int, Partial | None]] = {}
_LIMIT = 8192


def shifted(partial: Partial, delta: int) -> Partial:
    """A copy of ``partial`` (and of its second end) ``delta`` characters further on;
    nothing of it is shared with the original, which callers go on to change."""
    start, end = partial.span
    copy = partial.copy()
    copy.span = (start + delta, end + delta)
    copy.notes = list(partial.notes)
    if partial.end is not None:
        copy.end = shifted(partial.end, delta)
    return copy


def produce(production: Production, matched: re.Match[str], folded: str) -> Partial | None:
    """``production(matched, folded)``, remembered when the production's rule says
    how far it reads."""
    reads = _READS.get(production)
    if reads is None:
        return production(matched, folded)
    return _remembered(production, reads, matched, folded)[0]


#: How many productions one look at whether remembering pays counts, and how many
#: are then made without the memo when it did not (see :class:`ForOneText`).
PROBE = 512
PAUSE = 4096


class ForOneText:
    """:func:`produce` for the productions of one text, left out while they do not
    recur: in text of mixed date pieces (2023年8 22日至十…) almost no match comes back
    in the same window, and building each key and storing each copy cost more
    than the productions (10–15% of such a text). Of every :data:`PROBE`
    productions remembered, if fewer than one in eight was found, the next
    :data:`PAUSE` are made directly, and then the memo is tried again. The memo
    never changes a partial, so this changes only the time."""

    __slots__ = ("_found", "_left", "_on")

    def __init__(self) -> None:
        self._on = True
        self._left = PROBE
        self._found = 0

    def __call__(
        self, production: Production, matched: re.Match[str], folded: str
    ) -> Partial | None:
        reads = _READS.get(production)
        if reads is None:
            return production(matched, folded)  # never remembered: not counted
        self._left -= 1
        if not self._on:
            if self._left == 0:
                self._on, self._left, self._found = True, PROBE, 0
            return production(matched, folded)
        partial, found = _remembered(production, reads, matched, folded)
        self._found += found
        if self._left == 0:
            if self._found * 8 < PROBE:
                self._on, self._left = False, PAUSE
            else:
                self._left, self._found = PROBE, 0
        return partial


def _remembered(
    production: Production, reads: tuple[int, int], matched: re.Match[str], folded: str
) -> tuple[Partial | None, bool]:
    """The partial of a production that reads ``reads`` around its match, and whether
    it was found remembered (True) or produced now."""
    start, end = matched.span()
    left = start - reads[0] if start > reads[0] else 0
    key = (
        production,
        folded[left : end + reads[1]],
        start - left,
        end - start,
        id(matched.re),  # the rules' patterns live as long as the process
        matched.lastindex,
        matched.groups(),
    )
    known = _REMEMBERED.get(key)
    if known is None:
        partial = production(matched, folded)
        if len(_REMEMBERED) >= _LIMIT:
            _REMEMBERED.clear()
        _REMEMBERED[key] = (start, None if partial is None else shifted(partial, 0))
        return partial, False
    first, partial = known
    return (None if partial is None else shifted(partial, start - first)), True
