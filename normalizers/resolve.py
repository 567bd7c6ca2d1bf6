"""The two passes put together: extraction, then anchoring."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

from normalizers.anchor import Anchorer, Row
from normalizers.context import DocumentContext
from normalizers.extract import extract
from normalizers.fast import Block, RunOfDays, RunOfRanges, RunOfWords
from normalizers.mention import DateMention, DateWarning, Resolution, _Building
from normalizers.publication import find_publication_line
from normalizers.qualifiers import (
    MAY_QUALIFY_AFTER_OR_GAP,
    MAY_QUALIFY_BEFORE_OR_GAP,
    qualify,
)
from normalizers.tables.characters import fold
from normalizers.times import TIME_MARKS, time_after


@contextlib.contextmanager
def _no_cycle_collection(large: bool = False) -> Iterator[None]:
    """Pause Python's cycle collector while one text is resolved.

    A dense text holds a candidate object for every rule that matched (260,000 in
    a megabyte of 8月8月…), all alive until the end; the collector walks them again
    and again as they pile up, which made such a text cost twice as much per MB at
    0.5 MB as at 0.125 MB. Resolving creates no reference cycles (everything is
    freed by reference counting), so nothing is left for the collector to miss;
    it is switched back on afterwards, also when an exception or the time budget
    ends the work. When it was already off (another thread, the caller), it is
    left as it was.

    What a ``large`` text leaves alive (its mentions: 26,000 a megabyte of mixed
    date pieces, with their spans) was young when the collector came back, and the
    first allocation after that walked all of it, every mention's fields read from
    all over the heap: 40–60 ms a megabyte of such a text, at the very point of
    returning. So the young generations are collected first (the caller's objects
    only, few: its cycles are freed as they would have been), and what is young at
    the end, what this text made, is moved to the oldest generation
    (``gc.freeze()`` then ``gc.unfreeze()``, which does just that, in constant
    time): the collector walks it only in a full collection, if it lives that long.
    Neither is done when the caller froze objects itself (unfreezing would thaw
    them).
    """
    if not gc.isenabled():
        yield
        return
    promote = large and not gc.get_freeze_count()
    if promote:
        gc.collect(1)
    gc.disable()
    try:
        yield
    finally:
        if promote and not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        gc.enable()


#: Characters from which a text is ``large`` for :func:`_no_cycle_collection`: a
#: young collection before it (the caller's young objects, at most a few thousand:
#: about a millisecond) then costs at most a few per cent of resolving it, and a
#: dense text of that size leaves tens of thousands of objects.
_LARGE = 100_000


def normalize(text: str, context: DocumentContext | None = None) -> Resolution:
    """Every date mention in ``text`` with its days, plus warnings for what failed.

    The document's present is ``context.published`` when given, else a
    publication line found in the text itself (发布时间:2023-09-08), else none.
    """
    with _no_cycle_collection(large=len(text) >= _LARGE):
        return _normalize(text, context)


def _normalize(text: str, context: DocumentContext | None = None) -> Resolution:
    context = context or DocumentContext()
    published, source = context.published, "context"
    line = find_publication_line(text)
    if published is None:
        published = line[0] if line else None
        source = "text" if published is not None else "none"
    folded = fold(text)
    anchorer = Anchorer(folded, context, published)
    rows: list[Row] = []
    warnings: list[DateWarning] = []
    for partial in extract(folded):
        if partial.__class__ is Block:
            # Explicit dates in the middle of a run, resolved by the fast path.
            rows += [
                (
                    text[span[0] : span[1]],
                    span,
                    start,
                    end,
                    granularity,
                    "event",
                    "explicit",
                    rule,
                    False,
                )
                for span, start, end, granularity, rule in partial.values
            ]
            continue
        if partial.__class__ is RunOfWords:
            # Relative words in the middle of a run, already joined by the fast path.
            found, failed = anchorer.resolve_words(partial, text)
            rows += found
            warnings += failed
            continue
        if partial.__class__ is RunOfDays:
            found, failed = anchorer.resolve_run(partial, text)
            rows += found
            warnings += failed
            continue
        if partial.__class__ is RunOfRanges:
            found, failed = anchorer.resolve_ranges(partial, text)
            rows += found
            warnings += failed
            continue
        row, warning = anchorer.resolve(partial, text)
        if row is not None:
            rows.append(row)
        if warning is not None:
            warnings.append(warning)
    return Resolution(
        mentions=_annotate(folded, rows),
        warnings=warnings,
        published=published,
        published_source=source,
        published_span=line[1] if line else None,
    )


#: Spaces and tabs, which :func:`~normalizers.qualifiers.qualify` skips around a date:
#: after one, the next character that is none says whether a qualifier may be there
#: (June 18, June 19: a comma before the space, a comma after the date, none).
_GAPS = frozenset(" \t")
#: What may follow a space after a date for a qualifier to be there: a word's first
#: character, another gap, or the text's end ("": qualify then searches in full).
_AFTER_A_GAP = MAY_QUALIFY_AFTER_OR_GAP | {""}


def _annotate(folded: str, rows: list[Row]) -> list[DateMention]:
    """The mentions of ``rows``, each with its qualifier (春节前: before) and time of
    day (上午9时) from the words around it; the mention's own text, span and days do
    not change. Each DateMention is built once, with everything it holds, as a
    :class:`~normalizers.mention._Building` whose class is then changed (no call
    per field: a dense text has 130,000 mentions a megabyte)."""
    mentions = []
    append = mentions.append
    last = len(rows) - 1
    text_end = len(folded)
    for index, row in enumerate(rows):
        span = row[1]
        start, end = span
        qualifier = ""  # most dates: nothing around them can start a qualifier
        if (
            (before := folded[start - 1 : start]) in MAY_QUALIFY_BEFORE_OR_GAP
            or folded[end : end + 1] in MAY_QUALIFY_AFTER_OR_GAP
        ) and (
            # A space or a tab: the character before it too (June 18, June 19: none).
            (
                before in MAY_QUALIFY_BEFORE_OR_GAP
                and (
                    before not in _GAPS
                    or folded[start - 2 : start - 1] in MAY_QUALIFY_BEFORE_OR_GAP
                )
            )
            or (
                (after := folded[end : end + 1]) in MAY_QUALIFY_AFTER_OR_GAP
                and (after not in _GAPS or folded[end + 1 : end + 2] in _AFTER_A_GAP)
            )
        ):
            qualifier = qualify(folded, span)
            if qualifier == "from" and "range" in row[7]:
                qualifier = ""  # 5月1日至3日起: the range says where it starts
        found = None
        if row[4] == "day":
            limit = rows[index + 1][1][0] if index < last else text_end
            # Nothing between this date and the next (a run of dates), or one or two
            # characters that are no time's mark (22日、23日, June 18, ): no time there.
            if (
                limit > end + 1
                and (limit > end + 2 or folded[end] in TIME_MARKS or folded[end + 1] in TIME_MARKS)
            ) or (limit == end + 1 and folded[end] in TIME_MARKS):
                found = time_after(folded, end, limit)
        if found is None:
            mention = _Building(*row, qualifier, None, None, False, None)
        else:
            mention = _Building(*row, qualifier, found.start, found.end, found.approx, found.span)
        mention.__class__ = DateMention
        append(mention)
    return mentions


def find_dates(text: str, context: DocumentContext | None = None) -> list[DateMention]:
    """The resolved mentions of ``text``; see :func:`normalize` for the warnings too."""
    return normalize(text, context).mentions
