"""``normalize`` pauses the cycle collector while it works and always switches it back.

The pause makes dense text linear (see ``normalizers.resolve._no_cycle_collection``);
these tests hold that it never leaks out: the collector is on again after a normal
run and after one ended by an exception, and stays off when the caller had it off.
They also hold the reason the pause is safe: resolving leaves no reference cycles.
"""

from __future__ import annotations

import gc
import weakref
from datetime import date

import pytest

from normalizers import DocumentContext, find_dates
from normalizers import resolve as resolve_module

CONTEXT = DocumentContext(published=date(2023, 9, 8))
DENSE = "农历正月2023年8月22日至9月1日，上周五，8月8月" * 200


def test_the_collector_is_on_again_after_a_run() -> None:
    assert gc.isenabled()
    assert find_dates(DENSE, CONTEXT)
    assert gc.isenabled()


def test_the_collector_is_on_again_when_the_run_fails(monkeypatch) -> None:
    def broken(folded):
        assert not gc.isenabled()  # paused while the text is resolved
        raise RuntimeError("broken rule")

    monkeypatch.setattr(resolve_module, "extract", broken)
    with pytest.raises(RuntimeError):
        find_dates(DENSE, CONTEXT)
    assert gc.isenabled()


def test_a_caller_that_paused_the_collector_keeps_it_paused() -> None:
    gc.disable()
    try:
        find_dates(DENSE, CONTEXT)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_resolving_leaves_no_cycles_for_the_collector() -> None:
    find_dates(DENSE, CONTEXT)  # first calls fill caches and import lazily
    gc.collect()
    gc.disable()
    try:
        find_dates(DENSE, CONTEXT)
        find_dates("8月" * 5000, CONTEXT)
        assert gc.collect() == 0
    finally:
        gc.enable()


#: A text of _LARGE characters, dense: 25,000 mentions and their spans.
LARGE_DENSE = "8月" * (resolve_module._LARGE // 2)


def test_the_mentions_of_a_large_dense_text_are_not_left_young() -> None:
    # The first collection after the pause would otherwise walk them all while
    # they are returned.
    mentions = find_dates(LARGE_DENSE, CONTEXT)
    young = {id(found) for generation in (0, 1) for found in gc.get_objects(generation)}
    assert len(mentions) == 25_000
    assert not any(id(mention) in young for mention in mentions)


def test_a_cycle_the_caller_left_young_is_collected_before_a_large_text() -> None:
    class Node:
        pass

    node = Node()
    node.itself = node  # a cycle: only the collector frees it
    alive = weakref.ref(node)
    del node
    find_dates(LARGE_DENSE, CONTEXT)  # no gc.collect() here: the young collection did it
    assert alive() is None


def test_objects_the_caller_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        find_dates(LARGE_DENSE, CONTEXT)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
