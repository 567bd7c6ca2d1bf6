"""The last build's rows kept as a base and a delta (timeline.kept): a rebuild that adds a
few documents writes only their rows, and every rebuild gives a fresh build's bytes."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import timeline.collector
import timeline.engine
import timeline.table
from exports.ics import build_feeds
from timeline.cache import DocumentCache
from timeline.engine import Engine
from timeline.gather import Clusters
from timeline.kept import DELTA_SHARE, Kept, _delta_slot, _slot
from timeline.partitions import ROWS_ENVIRONMENT, SPILL_ENVIRONMENT
from timeline.table import ManifestError, _gathered_slot, build_events, table_bytes

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "corpus"
SAMPLES = sorted(SAMPLE.glob("*.txt"))
#: Documents of the first build: DELTA_SHARE of them is 3.
FIRST = 12


def _add(corpus: Path, index: int) -> None:
    """Document ``index``: a sample's text under a name of its own (a key of its own)."""
    shutil.copy(SAMPLES[index % len(SAMPLES)], corpus / f"d{index:02d}.txt")


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(SPILL_ENVIRONMENT, "0")  # the rows kept in one entry, as at scale
    monkeypatch.setenv(ROWS_ENVIRONMENT, "7")
    folder = tmp_path / "corpus"
    folder.mkdir()
    for index in range(FIRST):
        _add(folder, index)
    return folder


class Loaded:
    """The documents read (not taken from the kept rows)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        load = timeline.table.load_document

        def counting(path, *args, **kwargs):
            self.names.append(Path(path).name)
            return load(path, *args, **kwargs)

        monkeypatch.setattr(timeline.table, "load_document", counting)


def _outputs(result, folder: Path) -> dict[str, bytes]:
    files = {"events.csv": table_bytes(result.table, ".csv")}
    build_feeds(result.table, folder)
    for path in sorted((folder / "feeds").glob("*.ics")):
        files[path.name] = path.read_bytes().split(b"DTSTAMP")[0]  # the clock aside
    files["warnings"] = repr([(str(p), m) for p, m in result.warnings]).encode()
    return files


def _check(
    corpus: Path,
    cache: Path,
    tmp_path: Path,
    name: str,
    loaded: Loaded | None = None,
    workers: int = 0,
) -> Kept:
    """A cached build (on ``workers``) equals a fresh serial one; the kept entry it left.
    ``loaded``: only the documents the cached build read are left in it."""
    engine = Engine(workers=workers, cache=DocumentCache(cache))
    cached = build_events([corpus], engine=engine)
    read = list(loaded.names) if loaded is not None else []
    fresh = build_events([corpus], engine=Engine(workers=0))
    if loaded is not None:
        loaded.names[:] = read
    assert _outputs(cached, tmp_path / f"{name}-a") == _outputs(fresh, tmp_path / f"{name}-b")
    kept = Kept.load(DocumentCache(cache), _gathered_slot([corpus]))
    assert kept is not None
    return kept


def test_a_few_added_documents_write_a_delta_and_more_a_new_base(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert DELTA_SHARE * FIRST == 3
    cache = tmp_path / "cache"
    first = _check(corpus, cache, tmp_path, "first")
    assert len(first.layers) == 1 and len(first.base_keys) == FIRST
    loaded = Loaded(monkeypatch)
    _add(corpus, FIRST)
    second = _check(corpus, cache, tmp_path, "second", loaded)
    assert loaded.names == [f"d{FIRST}.txt"]
    assert second.base == first.base and len(second.layers) == 2
    assert len(second.layers[1].keys) == 1  # the delta: the new document's rows only
    _add(corpus, FIRST + 1)
    (corpus / "d03.txt").unlink()  # a base document gone counts against the share too
    third = _check(corpus, cache, tmp_path, "third")
    assert third.base == first.base and len(third.layers[1].keys) == 2  # both new ones
    _add(corpus, FIRST + 2)  # 3 new and 1 gone: past the share, a new base
    fourth = _check(corpus, cache, tmp_path, "fourth")
    assert fourth.base != first.base and len(fourth.layers) == 1
    assert len(fourth.base_keys) == FIRST + 2
    loaded.names.clear()
    _check(corpus, cache, tmp_path, "unchanged", loaded)
    assert loaded.names == []


def test_a_delta_whose_base_was_replaced_is_ignored(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after a new base was written and before anything else: the delta names the
    last base, so its documents are read again, never taken from another's rows."""
    cache = tmp_path / "cache"
    _check(corpus, cache, tmp_path, "first")
    _add(corpus, FIRST)
    _check(corpus, cache, tmp_path, "second")
    store = DocumentCache(cache)
    slot = _gathered_slot([corpus])
    base = store.get(_slot(slot))
    store.put(_slot(slot), {**base, "id": "another"})
    assert store.get(_delta_slot(slot))["base"] != "another"
    kept = Kept.load(store, slot)
    assert kept is not None and len(kept.layers) == 1
    (corpus / "d00.txt").write_text("2024年9月2日，协会召开理事会议。\n", encoding="utf-8")
    loaded = Loaded(monkeypatch)
    _check(corpus, cache, tmp_path, "after", loaded)
    assert sorted(loaded.names) == ["d00.txt", f"d{FIRST}.txt"]  # the changed one, the delta's


def test_a_damaged_kept_table_reads_its_documents_and_writes_a_new_base(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = _check(corpus, cache, tmp_path, "first")
    store = DocumentCache(cache)
    slot = _gathered_slot([corpus])
    base = store.get(_slot(slot))
    name, data = base["rows"][0]
    store.put(_slot(slot), {**base, "rows": [(name, data[: len(data) // 2]), *base["rows"][1:]]})
    _add(corpus, FIRST)
    loaded = Loaded(monkeypatch)
    after = _check(corpus, cache, tmp_path, "after", loaded)
    assert len(loaded.names) == FIRST + 1  # every document read
    assert after.base != first.base and len(after.layers) == 1


def test_a_few_added_documents_read_by_forked_workers_give_a_fresh_builds_bytes(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documents the kept rows do not hold, sent to the build's forked workers while
    the kept rows are read: the bytes of a fresh serial build, whether the kept table
    is whole or damaged (then every document goes the usual way too)."""
    monkeypatch.setattr(timeline.engine, "FORKED_FROM", 2)
    # the engine forks only from a process holding no other thread; an earlier test's
    # LocalCluster leaves distributed's idle offload thread for the rest of the session
    monkeypatch.setattr(timeline.collector.threading, "active_count", lambda: 1)
    cache = tmp_path / "cache"
    _check(corpus, cache, tmp_path, "first", workers=2)
    _add(corpus, FIRST)
    _add(corpus, FIRST + 1)
    loaded = Loaded(monkeypatch)
    second = _check(corpus, cache, tmp_path, "second", loaded, workers=2)
    assert loaded.names == []  # read in the workers, not here
    assert len(second.layers) == 2 and len(second.layers[1].keys) == 2
    store = DocumentCache(cache)
    slot = _gathered_slot([corpus])
    base = store.get(_slot(slot))
    name, data = base["rows"][0]
    store.put(_slot(slot), {**base, "rows": [(name, data[: len(data) // 2]), *base["rows"][1:]]})
    _add(corpus, FIRST + 2)
    _add(corpus, FIRST + 3)
    _check(corpus, cache, tmp_path, "damaged", workers=2)


def _read_ahead_threads() -> list[threading.Thread]:
    return [one for one in threading.enumerate() if one.name == "timeline-read-ahead"]


def test_the_kept_rows_are_read_ahead_and_counted_as_a_build_reading_them_then(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept rows and clusters are read and decoded by a thread while the folders are
    walked: the same table, and the same hits and misses, as reading them when needed."""
    cache = tmp_path / "cache"
    _check(corpus, cache, tmp_path, "first")
    _add(corpus, FIRST)
    shutil.copytree(cache, tmp_path / "cache-then")
    decoded_by: list[str] = []
    decode = Kept.decode

    def recorded(self: Kept, stopped: Callable[[], bool] | None = None) -> None:
        decoded_by.append(threading.current_thread().name)
        decode(self, stopped)

    monkeypatch.setattr(Kept, "decode", recorded)
    ahead = Engine(workers=0, cache=DocumentCache(cache))
    built = build_events([corpus], engine=ahead)
    assert decoded_by == ["timeline-read-ahead"] and not _read_ahead_threads()

    # the same rebuild reading the kept entries when it needs them, as before the thread
    def kept(self: timeline.table._ReadAhead) -> Kept | None:
        return Kept.load(then.cache, _gathered_slot([corpus]))

    def clusters(self: timeline.table._ReadAhead) -> Clusters | None:
        return Clusters.load(then.cache, _gathered_slot([corpus]))

    monkeypatch.setattr(timeline.table._ReadAhead, "kept", kept)
    monkeypatch.setattr(timeline.table._ReadAhead, "clusters", clusters)
    monkeypatch.setattr(timeline.table._ReadAhead, "_read", lambda self, cache, slot: None)
    then = Engine(workers=0, cache=DocumentCache(tmp_path / "cache-then"))
    before = build_events([corpus], engine=then)
    assert table_bytes(built.table, ".csv") == table_bytes(before.table, ".csv")
    assert ahead.cache.misses == then.cache.misses and ahead.cache.hits == then.cache.hits
    assert ahead.cache.hits > 0


def test_what_is_read_ahead_is_not_counted_when_the_build_takes_none_of_it(
    corpus: Path, tmp_path: Path
) -> None:
    """An unchanged corpus is taken whole from the cache: its result and its key, the two
    entries it reads; the thread reading ahead is stopped and gone, and a failing build
    leaves none behind either."""
    cache = tmp_path / "cache"
    _check(corpus, cache, tmp_path, "first")
    engine = Engine(workers=0, cache=DocumentCache(cache))
    build_events([corpus], engine=engine)
    assert (engine.cache.hits, engine.cache.misses) == (2, 0)
    assert not _read_ahead_threads()
    with pytest.raises(ManifestError):
        build_events([corpus], manifest=tmp_path / "missing.csv", engine=engine)
    assert not _read_ahead_threads()


def test_what_the_thread_could_not_read_is_read_by_the_build(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read ahead that fails (here, any read from its thread) costs only the time: the
    build reads the kept rows and clusters itself, and still reads only the new document."""
    cache = tmp_path / "cache"
    _check(corpus, cache, tmp_path, "first")
    _add(corpus, FIRST)
    load, cluster_load = Kept.load.__func__, Clusters.load.__func__
    failed: list[str] = []

    def refusing(kind, original):
        def load(cls, *args, **kwargs):
            if threading.current_thread().name == "timeline-read-ahead":
                failed.append(kind)
                raise OSError("no reading from here")
            return original(cls, *args, **kwargs)

        return classmethod(load)

    monkeypatch.setattr(Kept, "load", refusing("kept", load))
    monkeypatch.setattr(Clusters, "load", refusing("clusters", cluster_load))
    loaded = Loaded(monkeypatch)
    second = _check(corpus, cache, tmp_path, "second", loaded)
    assert failed == ["kept"] and loaded.names == [f"d{FIRST}.txt"]
    assert len(second.layers) == 2  # the kept rows were taken: only a delta written
