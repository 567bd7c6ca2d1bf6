"""Python's cycle collector paused around work that makes no reference cycle.

Resolving a dense text (:func:`normalizers.resolve.normalize`) and planning a
build's feeds (:func:`exports.ics.plan_feeds`) allocate hundreds of thousands of
objects that stay alive until the work ends; each burst of them sets off a
collection that walks everything alive again (the candidates of a megabyte of
8月8月…, the table's cells of a build). Neither makes a reference cycle: everything
is freed by reference counting, so nothing is left for the collector to miss.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycles_paused() -> Iterator[None]:
    """The cycle collector off while the block runs, and on again afterwards, also
    when an exception or a time budget ends the work. When it was already off
    (another thread, the caller), it is left as it was."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
