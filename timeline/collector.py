"""The cyclic garbage collector paused around work that makes many objects and no cycle.

Each phase below allocates tens of thousands of small objects (tuples, dicts,
paths, rows) that reference counting frees and no cycle holds; every burst of
them set off collections that walked the build's whole heap (the table's
cells, the documents phase's leftovers) and freed nothing. Measured on a +1 %
rebuild at 10,000 documents:

- the walk, the manifest and the files' keys (:func:`timeline.table.build_events`):
  174 collections, 0.10–0.15 s of CPU, a fifth of the work before stage 1;
- the feeds' plan (:func:`exports.ics.plan_feeds`): 0.1 s of its 0.35 s;
- the page writer (:func:`exports.html.write_timeline`, and the helpers it forks
  meanwhile): some 400 collections, 0.4–0.55 s; a full page phase at 10,000
  documents peaked at the same memory either way (463 and 466 MB).

The resolver's own pause (:mod:`normalizers.resolve`) also moves a large text's
mentions to the oldest generation, and lives there: ``normalizers`` imports
neither of the other packages.

Beside it, :func:`can_fork`: whether this process may be forked (the engine's
workers, the cache's writer, the site's writers and page helpers ask it).
"""

from __future__ import annotations

import gc
import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside, on again after when it was on (left off when the
    caller had paused it), whether the body returns or raises."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def can_fork() -> bool:
    """Whether this process may fork: ``fork`` exists here, and no other thread runs (a
    lock it held would stay held in the child)."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


__all__ = ["can_fork", "collector_paused"]
