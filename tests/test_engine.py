"""The engine (timeline.engine) and the per-document cache (timeline.cache).

Serial, local-process and dask.distributed runs must give the same bytes; a
rebuild with the cache reads only the documents that changed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow
import pytest
from typer.testing import CliRunner

import timeline.cache
import timeline.collector
import timeline.engine
import timeline.gather
import timeline.table
from exports.ics import build_feeds
from timeline.arrow_pool import use_build_pool
from timeline.cache import DocumentCache, version_of
from timeline.cli import app
from timeline.engine import Engine
from timeline.kept import _delta_slot, _slot
from timeline.partitions import ROWS_ENVIRONMENT, SPILL_ENVIRONMENT
from timeline.table import build_events, table_bytes

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "corpus"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The sample corpus, one document that cannot be read, and one sub-folder."""
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE, folder)
    (folder / "broken.txt").write_bytes(b"")  # an error, reported in its place
    (folder / "more").mkdir()
    shutil.copy(SAMPLE / "000_92f2d229f8f6c19e.txt", folder / "more" / "copy.txt")
    return folder


def outputs(result, folder: Path) -> dict[str, bytes]:
    """The table's bytes in two formats and every feed's bytes."""
    files = {
        "events.csv": table_bytes(result.table, ".csv"),
        "events.parquet": table_bytes(result.table, ".parquet"),
    }
    build_feeds(result.table, folder, now=NOW)
    for path in sorted((folder / "feeds").glob("*.ics")):
        files[path.name] = path.read_bytes()
    return files


def summary(result) -> tuple:
    return (
        [(str(path), message) for path, message in result.errors],
        [(str(path), message) for path, message in result.warnings],
        result.documents,
    )


def test_serial_local_processes_and_a_cluster_give_the_same_bytes(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stage 1 and stage 2 alike: the merging runs on the workers too, in parts of a few
    rows (each part's clusters whole), and comes back in a serial run's order."""
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(timeline.gather, "PART_ROWS", 4)
    monkeypatch.setattr(timeline.engine, "SERIAL_BELOW_BYTES", 0)  # the sample: processes
    monkeypatch.setattr(timeline.gather, "SERIAL_BELOW_ROWS", 0)
    serial = build_events([corpus], engine=Engine(workers=0, partition_size=2))
    assert len(serial.table) > 20 and len(serial.errors) == 1
    expected = outputs(serial, tmp_path / "serial")
    assert len(expected) >= 4  # the table twice, all.ics and a feed per association

    local = build_events([corpus], engine=Engine(workers=2, partition_size=2))
    assert outputs(local, tmp_path / "local") == expected
    assert summary(local) == summary(serial)

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        assert len(cluster.workers) == 2
        # each worker, fresh from the cluster, takes the build's Arrow pool for its task
        cluster_engine = Engine(scheduler=cluster.scheduler_address)
        pools = list(timeline.engine.map_parts(_arrow_pool, range(6), cluster_engine, 10**6))
        assert pools == [use_build_pool()] * 6
        on_cluster = build_events(
            [corpus], engine=Engine(scheduler=cluster.scheduler_address, partition_size=2)
        )
    assert outputs(on_cluster, tmp_path / "cluster") == expected
    assert [path for path, _ in on_cluster.errors] == [path for path, _ in serial.errors]
    assert summary(on_cluster)[1:] == summary(serial)[1:]


@pytest.mark.parametrize("in_flight", [1, 3])
def test_local_processes_over_waves_computed_together_give_the_same_bytes(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_flight: int
) -> None:
    """Partitions of one document, waves of one partition per worker computed two at a
    time by Dask's local scheduler, one or three partitions per worker in the pool: every
    wave's results arrive, each partition once, whatever finished first."""
    serial = build_events([corpus], engine=Engine(workers=0))
    monkeypatch.setattr(timeline.engine, "WAVE_PER_WORKER", 1)
    monkeypatch.setattr(timeline.engine, "PARTITIONS_IN_FLIGHT", in_flight)
    monkeypatch.setattr(timeline.engine, "SERIAL_BELOW_BYTES", 0)
    local = build_events([corpus], engine=Engine(workers=2, partition_size=1))
    assert outputs(local, tmp_path / "local") == outputs(serial, tmp_path / "serial")
    assert summary(local) == summary(serial)


def _arrow_pool(part: object) -> str:
    """Arrow's default memory pool where this runs (sent to a cluster's workers by reference)."""
    return pyarrow.default_memory_pool().backend_name


def _process(path: Path, metadata: object, max_bytes: int | None) -> int:
    """A work function saying where it ran (engine workers are sent it by reference)."""
    return os.getpid()


def test_a_few_small_documents_are_processed_here_whatever_the_workers_asked(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starting a pool costs more than reading under a megabyte of documents (a +1 %
    rebuild's): those are read in this process, even with workers asked for; more
    bytes than :data:`timeline.engine.SERIAL_BELOW_BYTES` go to the workers."""
    tasks = [(path, None) for path in sorted(corpus.glob("*.txt"))]
    size = timeline.engine.work_size(tasks)
    assert 0 < size < timeline.engine.SERIAL_BELOW_BYTES
    engine = Engine(workers=2)
    assert engine.mode(len(tasks)) == "processes"  # by their count alone
    assert engine.mode(len(tasks), size) == "serial"

    def where() -> set[int]:
        found = timeline.engine.each_partition(_process, tasks, None, engine)
        return {pid for _, pids in found for pid in pids}

    assert where() == {os.getpid()}
    monkeypatch.setattr(timeline.engine, "SERIAL_BELOW_BYTES", size)
    assert timeline.engine.work_size(tasks) == size  # counted until the threshold
    pids = where()
    assert pids and os.getpid() not in pids
    assert Engine(workers=0).mode(len(tasks), size + 1) == "serial"


def _marked(path: Path, metadata: object, max_bytes: int | None) -> tuple[str, int]:
    """A work function leaving a mark beside the document: it ran, and where."""
    Path(f"{path}.ran").write_text(str(os.getpid()), encoding="utf-8")
    return path.name, os.getpid()


@pytest.fixture
def forkable(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process taken for one that holds no other thread, the engine's condition to
    fork: the LocalCluster test leaves distributed's idle offload thread running for the
    rest of the session."""
    monkeypatch.setattr(timeline.collector.threading, "active_count", lambda: 1)


def test_a_few_documents_go_to_the_builds_forked_workers_as_soon_as_asked(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, forkable: None
) -> None:
    """Under a megabyte of documents, at least FORKED_FROM, with the build's workers: they
    are sent to its forked pool (no Dask) when ``each_partition`` is called, before the
    first partition is asked for, so the caller reads the kept rows meanwhile; each
    comes back once, from a worker. Fewer, or no pool given: read here as before."""
    tasks = [(path, None) for path in sorted(corpus.glob("*.txt"))]
    assert timeline.engine.work_size(tasks) < timeline.engine.SERIAL_BELOW_BYTES
    monkeypatch.setattr(timeline.engine, "FORKED_FROM", len(tasks))
    engine = Engine(workers=2, partition_size=2)
    with timeline.engine.Workers(engine) as workers:
        found = timeline.engine.each_partition(_marked, tasks, None, engine, workers=workers)
    # never iterated: the pool's end waited for what had been sent, every document
    assert sorted(corpus.glob("*.ran")) == sorted(Path(f"{path}.ran") for path, _ in tasks)
    pids = {int(mark.read_text(encoding="utf-8")) for mark in corpus.glob("*.ran")}
    assert pids and os.getpid() not in pids
    del found
    for mark in corpus.glob("*.ran"):
        mark.unlink()

    with timeline.engine.Workers(engine) as workers:
        found = timeline.engine.each_partition(_marked, tasks, None, engine, workers=workers)
        results = {
            index: value
            for indices, values in found
            for index, value in zip(indices, values, strict=True)
        }
    assert [results[index][0] for index in range(len(tasks))] == [path.name for path, _ in tasks]
    assert os.getpid() not in {pid for _, pid in results.values()}

    monkeypatch.setattr(timeline.engine, "FORKED_FROM", len(tasks) + 1)
    with timeline.engine.Workers(engine) as workers:
        found = timeline.engine.each_partition(_marked, tasks, None, engine, workers=workers)
        here = {pid for _, values in found for _, pid in values}
    assert here == {os.getpid()}


def _ran(path: Path, metadata: object, max_bytes: int | None) -> Ran:
    return Ran(path, os.getpid())


@dataclass(frozen=True)
class Ran:
    """A result the cache can keep: where the document was processed."""

    path: Path
    pid: int
    error: str | None = None


def test_of_a_few_documents_those_left_after_the_cache_are_forked_only_when_enough(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forkable: None
) -> None:
    """The cache is read first: when fewer than FORKED_FROM documents are left to read
    (one edited, and the empty one, never cached), they are read here, and the cached
    results come back as stored."""
    tasks = [(path, None) for path in sorted(corpus.glob("*.txt"))]
    monkeypatch.setattr(timeline.engine, "FORKED_FROM", 3)
    engine = Engine(workers=2, cache=DocumentCache(tmp_path / "cache"))

    def pids() -> dict[str, int]:
        with timeline.engine.Workers(engine) as workers:
            found = timeline.engine.each_partition(_ran, tasks, None, engine, workers=workers)
            return {result.path.name: result.pid for _, results in found for result in results}

    first = pids()
    assert len(first) == len(tasks) and os.getpid() not in first.values()
    edited = tasks[0][0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = pids()
    assert again[edited.name] == again["broken.txt"] == os.getpid()
    unchanged = set(first) - {edited.name, "broken.txt"}
    assert {name: again[name] for name in unchanged} == {name: first[name] for name in unchanged}


def _pid_of(part: list[int]) -> tuple[int, int]:
    return len(part), os.getpid()


@pytest.mark.parametrize("forked", [True, False])
def test_local_workers_take_the_builds_arrow_pool(
    monkeypatch: pytest.MonkeyPatch, forked: bool
) -> None:
    """Forked from the build or started by a fork server (the build holds other threads),
    the local workers run with the build's Arrow memory pool."""
    monkeypatch.setattr(timeline.engine, "_can_fork", lambda: forked)
    engine = Engine(workers=2)
    with timeline.engine.Workers(engine) as workers:
        workers.pool(_arrow_pool)
        pools = list(timeline.engine.map_parts(_arrow_pool, range(6), engine, 10**6, workers))
    assert pools == [use_build_pool()] * 6


def test_a_few_light_parts_are_merged_here_whatever_the_workers_asked() -> None:
    """Stage 2's parts weighing less in all than the bound given are mapped in this
    process (starting the workers would cost more) unless the workers are running
    already; heavier, on the workers, in the parts' order either way."""
    parts = [[1] * 3, [2] * 4, [3] * 2]
    engine = Engine(workers=2)

    def mapped(below: int) -> list[tuple[int, int]]:
        return list(timeline.engine.map_parts(_pid_of, parts, engine, 100, light=(len, below)))

    here = mapped(10)
    assert here == [(3, os.getpid()), (4, os.getpid()), (2, os.getpid())]
    there = mapped(9)
    assert [size for size, _ in there] == [3, 4, 2]
    assert os.getpid() not in {pid for _, pid in there}
    assert {pid for _, pid in timeline.engine.map_parts(_pid_of, parts, engine, 100)} != {
        os.getpid()
    }
    with timeline.engine.Workers(engine) as workers:  # started by stage 1: nothing to pay
        workers.pool(_pid_of)
        sent = list(timeline.engine.map_parts(_pid_of, parts, engine, 100, workers, (len, 10)))
    assert [size for size, _ in sent] == [3, 4, 2]
    assert os.getpid() not in {pid for _, pid in sent}


_FREEZE_SCRIPT = """
import gc, json, timeline.engine as engine
held = [[index] for index in range(50_000)]  # the command's heap, some of it
found = {}
with engine.Workers(engine.Engine(workers=2)) as workers:
    pool = workers.pool(gc.get_freeze_count)
    found["workers"] = [pool.submit(gc.get_freeze_count).result() for _ in range(4)]
    found["command"] = gc.get_freeze_count()
gc.freeze()
with engine.Workers(engine.Engine(workers=2)) as workers:
    workers.pool(gc.get_freeze_count)
    found["caller's"] = gc.get_freeze_count()
print(len(held), json.dumps(found))
"""


def test_the_workers_never_collect_what_the_command_held_when_they_were_forked() -> None:
    """The objects the command holds when the pool is forked are frozen in the workers
    (their collections do not walk them, nor copy their pages), and only there: the
    command collects its own as before, and a caller's own freeze is left alone. In a
    process of its own: a thread left by another test would make the pool fork from a
    fork server."""
    ran = subprocess.run(
        [sys.executable, "-c", _FREEZE_SCRIPT], capture_output=True, text=True, check=True
    )
    held, found = ran.stdout.split(" ", 1)
    found = json.loads(found)
    assert min(found["workers"]) >= int(held)
    assert found["command"] == 0
    assert found["caller's"] >= int(held)  # not thawed by the pool


def test_partitions_cover_every_document_once_and_shrink_toward_the_end() -> None:
    """The last partitions are small, so that the workers finish together; a size asked
    for is kept; every document is in exactly one partition, in order."""
    for count, workers in ((1, 2), (47, 2), (1000, 2), (10_000, 2), (3000, 1)):
        parts = timeline.engine._partitions(count, workers, None)
        assert [i for part in parts for i in part] == list(range(count))
        sizes = [len(part) for part in parts]
        assert max(sizes) <= timeline.engine.PARTITION_MAX
        tail = sizes[-2 * workers :]
        assert all(size <= timeline.engine.PARTITION_MIN for size in tail)
        assert sizes == sorted(sizes, reverse=True)
    parts = timeline.engine._partitions(10, 2, 3)
    assert [len(part) for part in parts] == [3, 3, 3, 1]


class Reads:
    """Counts the documents read, by the reader and by the cache's digest."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loaded: list[str] = []
        self.digested: list[str] = []
        load, digest = timeline.table.load_document, timeline.cache.file_digest

        def counting_load(path, *args, **kwargs):
            self.loaded.append(Path(path).name)
            return load(path, *args, **kwargs)

        def counting_digest(path):
            self.digested.append(Path(path).name)
            return digest(path)

        monkeypatch.setattr(timeline.table, "load_document", counting_load)
        monkeypatch.setattr(timeline.cache, "file_digest", counting_digest)

    def reset(self) -> None:
        self.loaded.clear()
        self.digested.clear()


def cached_build(corpus: Path, folder: Path, **options):
    return build_events([corpus], engine=Engine(workers=0, cache=DocumentCache(folder)), **options)


def test_an_unchanged_corpus_reads_no_document_and_one_more_reads_one(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    cache = tmp_path / "cache"
    first = cached_build(corpus, cache)
    assert len(reads.loaded) == 7 and len(reads.digested) == 6  # the empty one is not cached
    reads.reset()

    again = cached_build(corpus, cache)
    assert reads.loaded == ["broken.txt"] and reads.digested == []  # errors are not cached
    assert outputs(again, tmp_path / "b") == outputs(first, tmp_path / "a")
    assert summary(again) == summary(first)

    shutil.copy(corpus / "002_a982ae3a54d22653.txt", corpus / "new.txt")
    reads.reset()
    more = cached_build(corpus, cache)
    assert sorted(reads.loaded) == ["broken.txt", "new.txt"] and reads.digested == ["new.txt"]
    assert len(more.table) > len(first.table)
    assert outputs(more, tmp_path / "c") == outputs(
        build_events([corpus], engine=Engine(workers=0)), tmp_path / "d"
    )


def test_an_edited_document_or_manifest_row_is_read_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    cache = tmp_path / "cache"
    cached_build(corpus, cache)
    edited = corpus / "003_c33f681bf6538398.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n2024年5月1日，协会召开年会。\n")
    manifest = corpus / "documents.csv"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "004_508937cf9c40d0b3.txt,,", "004_508937cf9c40d0b3.txt,2023-03-01,"
        ),
        encoding="utf-8",
    )
    reads.reset()
    result = cached_build(corpus, cache)
    assert sorted(reads.loaded) == [
        "003_c33f681bf6538398.txt",
        "004_508937cf9c40d0b3.txt",
        "broken.txt",
    ]
    fresh = build_events([corpus], engine=Engine(workers=0))
    assert outputs(result, tmp_path / "a") == outputs(fresh, tmp_path / "b")
    assert "2024年5月1日" in set(result.table["date_text"])


def test_damaged_entries_are_ignored_and_written_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = cached_build(corpus, cache)
    entries = sorted(path for path in cache.rglob("*") if path.is_file())
    assert entries
    for number, path in enumerate(entries):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if number % 2 else b"\x00garbage" + data[8:])
    reads = Reads(monkeypatch)
    again = cached_build(corpus, cache)
    assert outputs(again, tmp_path / "b") == outputs(first, tmp_path / "a")
    assert len(reads.loaded) == 7  # every entry was unusable
    reads.reset()
    cached_build(corpus, cache)
    assert reads.loaded == ["broken.txt"] and reads.digested == []  # and rewritten whole


def test_reviews_are_applied_after_the_cache(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = cached_build(corpus, cache)
    rejected = first.table["event_id"].iloc[0]
    reviews = tmp_path / "reviews.csv"
    reviews.write_text(f"event_id,status\n{rejected},rejected\n", encoding="utf-8")
    reads = Reads(monkeypatch)
    reviewed = cached_build(corpus, cache, reviews=reviews)
    assert reads.loaded == ["broken.txt"]
    assert rejected not in set(reviewed.table["event_id"])
    assert len(reviewed.table) == len(first.table) - 1


def test_a_changed_rule_table_or_code_changes_the_version(tmp_path: Path) -> None:
    for package in ("normalizers", "timeline"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    before = version_of(tmp_path)
    assert version_of(tmp_path) == before
    table = tmp_path / "normalizers" / "rules" / "extra.csv"
    table.write_text("pattern,value\n元旦,01-01\n", encoding="utf-8")
    with_table = version_of(tmp_path)
    assert with_table != before
    code = tmp_path / "timeline" / "events.py"
    code.write_text(code.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert version_of(tmp_path) not in (before, with_table)


def test_an_unwritable_cache_folder_is_not_fatal(corpus: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    result = cached_build(corpus, blocked / "cache")
    fresh = build_events([corpus], engine=Engine(workers=0))
    assert outputs(result, tmp_path / "a") == outputs(fresh, tmp_path / "b")


def test_the_command_line_uses_the_cache_folder_it_is_given(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    cache = tmp_path / "cache"
    runner = CliRunner()
    arguments = ["--cache-dir", str(cache), "events", str(corpus), "-o", str(tmp_path / "a.csv")]
    assert runner.invoke(app, arguments).exit_code == 1  # broken.txt
    assert any(cache.rglob("*"))
    reads.reset()
    runner.invoke(app, arguments)
    assert reads.loaded == ["broken.txt"]
    reads.reset()
    runner.invoke(app, ["--no-cache", *arguments[2:]])
    assert len(reads.loaded) == 7
    monkeypatch.setenv("TIMELINE_CACHE_DIR", str(tmp_path / "elsewhere"))
    runner.invoke(app, arguments[2:])
    assert any((tmp_path / "elsewhere").rglob("*"))


def test_a_rebuild_from_the_cache_needs_no_worker(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    cache = DocumentCache(tmp_path / "cache")
    first = build_events([corpus], engine=Engine(workers=0, cache=cache))
    nowhere = Engine(scheduler="tcp://127.0.0.1:9", cache=DocumentCache(tmp_path / "cache"))
    again = build_events([corpus], engine=nowhere)  # no scheduler listens there
    assert outputs(again, tmp_path / "b") == outputs(first, tmp_path / "a")


def test_stage_two_is_kept_and_any_change_of_its_inputs_builds_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unchanged corpus takes stage 2's result from the cache (no document read, no
    merging); a changed document, manifest row or review each gives a fresh build's bytes."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    cache = tmp_path / "cache"

    def check(name: str, **options) -> None:
        cached = cached_build(corpus, cache, **options)
        fresh = build_events([corpus], engine=Engine(workers=0), **options)
        assert outputs(cached, tmp_path / f"{name}-cached") == outputs(fresh, tmp_path / name)
        assert summary(cached) == summary(fresh)
        assert cached.reviews == fresh.reviews

    check("first")
    reads = Reads(monkeypatch)
    again = cached_build(corpus, cache)
    assert reads.loaded == [] and again.seconds["gather"] == 0.0  # stage 2 not run
    assert outputs(again, tmp_path / "again") == outputs(
        build_events([corpus], engine=Engine(workers=0)), tmp_path / "again-fresh"
    )

    edited = corpus / "003_c33f681bf6538398.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n2024年5月1日，协会召开年会。\n")
    check("document")
    manifest = corpus / "documents.csv"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "004_508937cf9c40d0b3.txt,,,", "004_508937cf9c40d0b3.txt,,测试手工协会,"
        ),
        encoding="utf-8",
    )
    check("manifest")
    rejected = cached_build(corpus, cache).table["event_id"].iloc[0]
    reviews = tmp_path / "reviews.csv"
    reviews.write_text(f"event_id,status\n{rejected},rejected\n", encoding="utf-8")
    check("review", reviews=reviews)
    reviews.write_text(f"event_id,status\n{rejected},confirmed\n", encoding="utf-8")
    check("another review", reviews=reviews)


def test_stage_two_result_is_read_only_under_its_key_even_after_a_killed_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stage 2's kept result is read only when its key, kept in an entry of its own, is
    this build's: a changed corpus does not read the whole last table. A build killed
    between the two writes (the new result written, its key not yet) leaves the last
    key beside another result: the result's own key refuses it, and stage 2 runs."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    cache = tmp_path / "cache"
    slot = timeline.table._gathered_slot([corpus])
    key_slot = timeline.table._key_slot(slot)
    cached_build(corpus, cache)
    old_key = DocumentCache(cache).get(key_slot)
    assert isinstance(old_key, str)
    edited = corpus / "003_c33f681bf6538398.txt"
    before = edited.read_bytes()
    edited.write_text(edited.read_text(encoding="utf-8") + "\n2024年5月1日，协会召开年会。\n")
    read: list[str] = []
    get = DocumentCache.get

    def counting_get(self, key, found=None):
        read.append(key)
        return get(self, key, found)

    monkeypatch.setattr(DocumentCache, "get", counting_get)
    changed = cached_build(corpus, cache)
    assert key_slot in read and slot not in read  # its key only: another's result
    assert changed.seconds["gather"] > 0.0
    DocumentCache(cache).put(key_slot, old_key)  # killed before the new key was written
    edited.write_bytes(before)  # the corpus of that old key again
    read.clear()
    result = cached_build(corpus, cache)
    assert slot in read and result.seconds["gather"] > 0.0  # read, refused, built again
    fresh = build_events([corpus], engine=Engine(workers=0))
    assert outputs(result, tmp_path / "a") == outputs(fresh, tmp_path / "b")
    assert summary(result) == summary(fresh)


def test_the_files_status_is_read_from_one_record_and_an_edit_is_still_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild reads the files' status and digests from the build's one record: no
    record per file is written or opened; an edited file (its modification time put back) and a
    new one are looked at again, and give a fresh build's bytes."""
    import os

    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    cache = tmp_path / "cache"
    cached_build(corpus, cache)
    records = [path for path in (cache / "v1" / "files").rglob("*") if path.is_file()]
    assert len(records) == 1  # the build's one record, no record per file
    looked: list[str] = []
    digest = DocumentCache._content_digest

    def counting(self, path, signature, *rest):
        looked.append(Path(path).name)
        return digest(self, path, signature, *rest)

    monkeypatch.setattr(DocumentCache, "_content_digest", counting)
    cached_build(corpus, cache)
    assert looked == []
    edited = corpus / "003_c33f681bf6538398.txt"
    status = edited.stat()
    edited.write_text(edited.read_text(encoding="utf-8") + "\n2024年5月1日，协会召开年会。\n")
    os.utime(edited, ns=(status.st_atime_ns, status.st_mtime_ns))
    shutil.copy(corpus / "002_a982ae3a54d22653.txt", corpus / "new.txt")
    result = cached_build(corpus, cache)
    assert sorted(looked) == ["003_c33f681bf6538398.txt", "new.txt"]
    fresh = build_events([corpus], engine=Engine(workers=0))
    assert outputs(result, tmp_path / "a") == outputs(fresh, tmp_path / "b")


@pytest.mark.parametrize("spilled", [False, True])
def test_stage_two_merges_only_the_clusters_a_change_touches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spilled: bool
) -> None:
    """Stage 2 keeps each cluster's merged rows: a rebuild merges only the clusters whose
    rows changed, and adding, changing or removing a document, or a second copy of one in
    another folder, gives exactly a fresh build's table, extracted rows and feeds. With
    the rows on disk (a large corpus), the unchanged documents' rows come from the last
    build's kept rows (timeline.kept), not from their cache entries one by one."""
    if spilled:
        monkeypatch.setenv(SPILL_ENVIRONMENT, "0")
        monkeypatch.setenv(ROWS_ENVIRONMENT, "7")
    merge = ROOT / "tests" / "merge"
    corpus = tmp_path / "corpus"  # the merge corpus, its manifest, and the sample beside it
    shutil.copytree(merge, corpus, ignore=shutil.ignore_patterns("*.md", "happenings.csv"))
    shutil.copytree(SAMPLE, corpus / "sample")
    manifest = corpus / "documents.csv"
    rows = manifest.read_text(encoding="utf-8").splitlines()
    [d2] = [row for row in rows if row.startswith("d2.txt,")]
    lines = [*rows, "d9.txt" + d2[6:], "copy/d2.txt" + d2[6:], ""]
    manifest.write_text("\n".join(lines), encoding="utf-8")
    cache = tmp_path / "cache"
    monkeypatch.setattr(timeline.gather, "PART_ROWS", 3)
    merged: list[int] = []
    merge_part = timeline.gather.merge_part

    def counting(part):
        merged.append(sum(len(piece) for piece in part))
        return merge_part(part)

    monkeypatch.setattr(timeline.gather, "merge_part", counting)

    entries: list[str] = []
    ahead: list[str] = []  # read by the thread reading ahead (timeline.table._ReadAhead)
    get = DocumentCache.get

    def counting_get(self, key, found=None):
        reading_ahead = threading.current_thread().name == "timeline-read-ahead"
        (ahead if reading_ahead else entries).append(key)
        return get(self, key, found)

    monkeypatch.setattr(DocumentCache, "get", counting_get)

    def check(name: str, changed: int = 0) -> int:
        merged.clear()
        entries.clear()
        ahead.clear()
        cached = cached_build(corpus, cache, reviews=[])  # never stage 2's whole result
        done = sum(merged)
        if spilled and name != "first":
            # stage 2's key (not its whole result: another's), the kept rows (a base and
            # its delta), the kept clusters: then only changed documents
            assert len(entries) <= 4 + changed, entries
            # the thread reading ahead reads only those three whole-corpus entries, each
            # once, however far it got before the build took them or stopped it
            slot = timeline.table._gathered_slot([corpus])
            whole = {_slot(slot), _delta_slot(slot), timeline.gather._clusters_slot(slot)}
            assert set(ahead) <= whole and len(ahead) == len(set(ahead)), ahead
        fresh = build_events([corpus], engine=Engine(workers=0), reviews=[])
        assert outputs(cached, tmp_path / f"{name}-cached") == outputs(fresh, tmp_path / name)
        assert table_bytes(cached.extracted, ".csv") == table_bytes(fresh.extracted, ".csv")
        assert summary(cached) == summary(fresh)
        return done

    everything = check("first")
    assert everything > 20  # the rows of clusters of more than one row (tests/merge)
    results = [path for path in (cache / "v1" / "results").rglob("*") if path.is_file()]
    if spilled:  # stage 2's result and its key, the kept rows and clusters: none per document
        assert len(results) == 4, results
    else:  # rows in memory: an entry per document that gave a result, and those three
        assert len(results) > 10
    assert check("again") == 0  # every cluster kept
    shutil.copy(merge / "d2.txt", corpus / "d9.txt")  # a report of known meetings
    added = check("added", 1)
    assert 0 < added < everything / 2
    edited = corpus / "d1.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n2024年9月2日，协会召开理事会议。\n")
    assert 0 < check("edited", 1) < everything / 2
    (corpus / "d3.txt").unlink()  # its manifest row is reported, in both builds
    assert 0 < check("removed") < everything / 2
    (corpus / "copy").mkdir()
    shutil.copy(merge / "d2.txt", corpus / "copy" / "d2.txt")  # its name, bytes and row: its key
    assert 0 < check("copied", 2) < everything  # a key held twice: read one by one


@pytest.mark.parametrize(
    "change", ["none", "row", "edited", "added", "removed", "emptied", "damaged", "limit"]
)
def test_the_files_record_gives_each_files_own_key_and_reads_only_what_changed(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """The keys taken from the build's one record (by columns) are the keys each file
    has on its own (:meth:`DocumentCache.key`), whatever changed; only a file whose
    status changed (or every file, the record damaged) is read for its digest, a new
    manifest row alone reads nothing, and an unchanged set of files rewrites no record."""
    from timeline.documents import DEFAULT_MAX_BYTES
    from timeline.manifest import DocumentMetadata

    cache = DocumentCache(tmp_path / "cache")
    files = sorted(corpus.rglob("*.txt"))
    tasks: list = [(path, DocumentMetadata(path)) for path in files]
    limit = DEFAULT_MAX_BYTES
    assert cache.keys(tasks, limit, "slot") == [cache.key(p, m, limit) for p, m in tasks]
    looked: list[str] = []
    stored: list[str] = []
    digest, store = DocumentCache._content_digest, DocumentCache._store

    def counting(self, path, *rest):
        looked.append(Path(path).name)
        return digest(self, path, *rest)

    def storing(self, kind, key, value):
        stored.append(kind)
        return store(self, kind, key, value)

    monkeypatch.setattr(DocumentCache, "_content_digest", counting)
    monkeypatch.setattr(DocumentCache, "_store", storing)
    expected: list[str] = []
    if change == "row":
        tasks[1] = (files[1], DocumentMetadata(files[1], title="题"))
    elif change == "edited":
        files[2].write_text("2024年5月1日，协会召开年会。\n", encoding="utf-8")
        expected = [files[2].name]
    elif change == "added":
        shutil.copy(files[0], corpus / "zz.txt")
        tasks.append((corpus / "zz.txt", None))
        expected = ["zz.txt"]
    elif change == "removed":
        files[3].unlink()
    elif change == "emptied":
        files[3].write_bytes(b"")
    elif change == "damaged":
        for entry in (tmp_path / "cache").rglob("*"):
            if entry.is_file():
                entry.write_bytes(entry.read_bytes()[:-9])
        expected = sorted(path.name for path in files if path.stat().st_size)
    elif change == "limit":
        limit = 10**9
        expected = sorted(path.name for path in files if path.stat().st_size)
    keys = cache.keys(tasks, limit, "slot")
    assert sorted(looked) == expected
    looked.clear()
    assert keys == [cache.key(p, m, limit) for p, m in tasks]
    assert stored == ([] if change == "none" else ["files"])
    stored.clear()
    looked.clear()
    assert cache.keys(tasks, limit, "slot") == keys  # and again, from the new record
    assert looked == [] and stored == []
