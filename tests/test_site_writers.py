"""Issue 10: the site's writers at once in forked processes, and the kept fragments.

The parallel writers (:mod:`exports.site_writers`) run in real ``timeline``
processes: a build with ``--workers 2`` publishes the bytes of ``--workers 0``;
a writer killed at a write step (:mod:`timeline.faults`) fails the build with a
message and leaves the published folder as it was; SIGTERM and SIGINT while the
writers run roll back with no writer left alive, and a build killed with SIGKILL
takes its writers with it. The fragments (:mod:`exports.fragments`): a rebuild
from the cache writes the bytes of a build without it, makes only the new rows,
keeps only the table's rows, survives a deleted or damaged cache.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import numpy as np
import pandas as pd
import pytest
from folders import snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from exports import fragments, table_files
from exports.ics import plan_feeds, write_feeds
from exports.site import build_site
from exports.table_files import csv_pieces, split_records
from timeline.cache import DocumentCache
from timeline.cells import frame_csv
from timeline.engine import Engine
from timeline.schema import read_table, table_pieces

NOW = datetime(2026, 1, 1, tzinfo=UTC)
NEW_DOCUMENT = (
    "辽宁省纺织服装协会简报\n2024年3月5日，辽宁省纺织服装协会召开理事会。"
    "2024年6月18日，协会组织会员参观展会。\n"
)


def timeline(*arguments: str, environment: dict | None = None, **options) -> subprocess.Popen:
    """``timeline ARGUMENTS`` in a real process (its own session: a signal reaches it alone)."""
    command = [sys.executable, "-c", "from timeline.cli import app; app()", *arguments]
    return subprocess.Popen(
        command,
        env={**os.environ, **(environment or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **options,
    )


def run(*arguments: str, environment: dict | None = None) -> subprocess.CompletedProcess:
    process = timeline(*arguments, environment=environment)
    stdout, stderr = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.fixture
def table(corpus: Path, tmp_path: Path) -> pd.DataFrame:
    """The sample corpus's event table, as ``timeline build`` publishes it."""
    done = run(
        "--no-cache", "--workers", "0", "build", str(corpus), "-o", str(tmp_path / "t"), "-q"
    )
    assert done.returncode == 0, done.stderr
    return read_table(tmp_path / "t" / "events.parquet")


# --- the writers at once -------------------------------------------------------------


def test_parallel_writers_publish_the_bytes_of_the_serial_engine(
    corpus: Path, tmp_path: Path
) -> None:
    epoch = {"SOURCE_DATE_EPOCH": "1700000000"}
    for workers in ("0", "2"):
        out = tmp_path / f"out-{workers}"
        done = run(
            "--no-cache", "--workers", workers, "build", str(corpus), "-o", str(out), "-q",
            environment=epoch,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert snapshot(tmp_path / "out-0") == snapshot(tmp_path / "out-2")


@pytest.fixture
def published(corpus: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A published folder of the sample corpus, then a new document in the corpus."""
    out = tmp_path / "public"
    done = run("--no-cache", "build", str(corpus), "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    (corpus / "zz_new.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    return out, snapshot(out)


def test_a_killed_writer_fails_the_build_and_leaves_the_folder(
    corpus: Path, tmp_path: Path, published: tuple[Path, dict[str, bytes]]
) -> None:
    out, before = published
    environment = {"TIMELINE_CRASH_WRITER_AT": "1", "TIMELINE_CRASH_SIGNAL": "KILL"}
    done = run("--no-cache", "--workers", "2", "build", str(corpus), "-o", str(out),
               environment=environment)  # fmt: skip
    assert done.returncode == 1
    assert "writer (process" in done.stderr and "killed by SIGKILL" in done.stderr
    assert f"{out} left as it was" in done.stderr
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".public.*"))  # no staging folder left


def _stopped_writers(parent: int, expected: int = 2, timeout: float = 120) -> list[int]:
    """The writer processes of ``parent`` once ``expected`` of them have stopped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            children = []
        stopped = [int(pid) for pid in children if _state(int(pid)) == "T"]
        if len(stopped) >= expected:
            return stopped
        time.sleep(0.05)
    raise AssertionError(f"the writers of {parent} did not stop at their first write")


def _state(pid: int) -> str:
    """A process's state letter (R, S, T, Z...), "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _gone(pids: list[int], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(_state(pid) in ("", "Z") for pid in pids):
            return True
        time.sleep(0.05)
    return False


def _build_with_stopped_writers(corpus: Path, out: Path) -> tuple[subprocess.Popen, list[int]]:
    """A build with 2 workers whose writers each stop themselves (SIGSTOP) at their
    first write: the build is then waiting for its writers. The build and the
    writers' process ids."""
    environment = {"TIMELINE_CRASH_WRITER_AT": "1", "TIMELINE_CRASH_SIGNAL": "STOP"}
    process = timeline("--no-cache", "--workers", "2", "build", str(corpus), "-o", str(out),
                       environment=environment)  # fmt: skip
    return process, _stopped_writers(process.pid)


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_while_the_writers_run_rolls_back_and_leaves_no_writer(
    corpus: Path,
    tmp_path: Path,
    published: tuple[Path, dict[str, bytes]],
    name: str,
    code: int,
) -> None:
    out, before = published
    process, writers = _build_with_stopped_writers(corpus, out)
    process.send_signal(getattr(signal, name))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code
    assert f"interrupted: {out} left as it was" in stderr
    assert _gone(writers)
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".public.*"))


def test_writers_die_with_a_build_killed_by_sigkill(
    corpus: Path, tmp_path: Path, published: tuple[Path, dict[str, bytes]]
) -> None:
    out, before = published
    process, writers = _build_with_stopped_writers(corpus, out)
    process.kill()
    process.communicate(timeout=60)
    assert _gone(writers)  # PR_SET_PDEATHSIG: the kernel killed them with the build
    assert snapshot(out) == before
    done = run("--no-cache", "--workers", "2", "build", str(corpus), "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr  # the next build cleans up and publishes
    assert not list(tmp_path.glob(".public.*"))


# --- fragments kept between builds ----------------------------------------------------


def _without_last_document(table: pd.DataFrame) -> pd.DataFrame:
    documents = sorted(table["doc"].astype(str).unique())
    kept = table[table["doc"].astype(str) != documents[-1]]
    return kept.reset_index(drop=True)


def _engine(cache: Path | None, workers: int = 0) -> Engine:
    return Engine(workers=workers, cache=DocumentCache(cache) if cache else None)


@pytest.mark.parametrize(("workers", "small_work"), [(0, None), (2, None), (2, 0)])
def test_a_rebuild_from_the_cache_publishes_the_bytes_of_a_rebuild_without_it(
    table: pd.DataFrame,
    tmp_path: Path,
    workers: int,
    small_work: int | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With 2 workers, the table files written by the build itself (few records to make:
    the sample's all) or by a forked writer (``SMALL_WORK`` 0: every rebuild forks)."""
    if small_work is not None:
        monkeypatch.setattr(table_files, "SMALL_WORK", small_work)
    smaller = _without_last_document(table)
    assert len(smaller) < len(table)
    for name, cache in (("cached", tmp_path / "cache"), ("plain", None)):
        build_site(smaller, tmp_path / name, now=NOW, engine=_engine(cache, workers))
        build_site(table, tmp_path / name, now=NOW, engine=_engine(cache, workers))
    assert snapshot(tmp_path / "cached") == snapshot(tmp_path / "plain")
    assert {p.name for p in (tmp_path / "cache" / "site").glob("*.idx")} == {
        "csv.idx",
        "vevents.idx",
    }


def _in_a_fresh_process(script: str, saved: Path, tmp_path: Path):
    """What ``script`` prints last (JSON), run with the table fixture's saved build and
    the test's folder in a fresh Python (forking needs a process with no other thread)."""
    done = subprocess.run(
        [sys.executable, "-c", script, str(saved), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


FEW_RECORDS = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from exports import table_files
from exports.site import build_site
from exports.site_writers import Writers, can_fork
from timeline.cache import DocumentCache
from timeline.engine import Engine
from timeline.schema import read_table

assert can_fork()  # a fresh process: no other thread, the writers are forked
table = read_table(Path(sys.argv[1]))
work = Path(sys.argv[2])
documents = sorted(table["doc"].astype(str).unique())
smaller = table[table["doc"].astype(str) != documents[-1]].reset_index(drop=True)
table_files.SMALL_WORK = len(table) // 2
forked = []
start = Writers.start

def counting(self, name, work):
    if self.parallel:
        forked.append(name)
    start(self, name, work)

Writers.start = counting
now = datetime(2026, 1, 1, tzinfo=UTC)
engine = Engine(workers=2, cache=DocumentCache(work / "cache"))
runs = []
for frame in (smaller, table):
    forked.clear()
    site = build_site(frame, work / "site", now=now, engine=engine)
    runs.append([list(forked), site.seconds.get("parallel"), site.seconds.get("table files", 0) > 0])
build_site(table, work / "fresh", now=now)
print(json.dumps(runs))
"""


def test_a_rebuild_making_few_records_writes_the_table_files_without_a_fork(
    table: pd.DataFrame, tmp_path: Path
) -> None:
    """A +1 % rebuild makes a few CSV records (:data:`exports.table_files.SMALL_WORK`):
    the build writes the table files itself after the feeds; a build making more forks
    a writer for them beside the page (in a fresh process: forking needs one with no
    other thread), and both publish the bytes of a build without a cache."""
    saved = tmp_path / "t" / "events.parquet"  # the table fixture's build
    first, rebuilt = _in_a_fresh_process(FEW_RECORDS, saved, tmp_path)
    assert first == [["page", "table files"], 1.0, True]  # every record made: forked
    assert rebuilt == [["page"], 1.0, True]  # a few: written here, after the feeds
    assert snapshot(tmp_path / "site") == snapshot(tmp_path / "fresh")


def _calendar_events(folder: Path) -> int:
    calendar = icalendar.Calendar.from_ical((folder / "feeds" / "all.ics").read_bytes())
    return len(calendar.walk("VEVENT"))


def test_a_rebuild_makes_only_the_new_rows_vevents(table: pd.DataFrame, tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "site"
    smaller = _without_last_document(table)
    first = plan_feeds(smaller, out, now=NOW, cache=cache)
    write_feeds(first, out)
    assert first.rendered == len(first.vevents) > 0
    again = plan_feeds(table, out, now=NOW, cache=cache)
    write_feeds(again, out)
    added = len(again.vevents) - len(first.vevents)
    assert added > 0 and again.rendered == added  # the others came from the cache
    assert _calendar_events(out) == len(again.vevents)  # icalendar reads every VEVENT back
    fresh = tmp_path / "fresh"
    write_feeds(plan_feeds(smaller, fresh, now=NOW), fresh)
    write_feeds(plan_feeds(table, fresh, now=NOW), fresh)
    assert snapshot(out) == snapshot(fresh)


def test_a_changed_row_gets_its_new_sequence_from_the_cache_too(
    table: pd.DataFrame, tmp_path: Path
) -> None:
    changed = table.copy()
    first_in_calendar = changed.index[changed["role"] == "event"][0]
    changed.loc[first_in_calendar, "title"] = "改过的标题"
    for name, cache in (("cached", tmp_path / "cache"), ("plain", None)):
        out = tmp_path / name
        write_feeds(plan_feeds(table, out, now=NOW, cache=cache), out)
        plan = plan_feeds(changed, out, now=NOW, cache=cache)
        write_feeds(plan, out)
    assert snapshot(tmp_path / "cached") == snapshot(tmp_path / "plain")
    assert plan.rendered >= 1


def _stored_keys(site: Path, name: str) -> set[bytes]:
    """The keys a store's base and delta index name (the delta only when it is the base's)."""
    base = pickle.loads((site / f"{name}.idx").read_bytes())
    keys = {key.tobytes() for key in base["keys"]}
    delta_path = site / f"{name}.delta"
    if delta_path.exists():
        delta = pickle.loads(delta_path.read_bytes())
        if delta["base"] == base["token"]:
            keys |= {key.tobytes() for key in delta["keys"]}
    return keys


def test_the_cache_keeps_only_the_rows_of_the_last_table(
    table: pd.DataFrame, tmp_path: Path
) -> None:
    """A table smaller by more than the dead share: the store is compacted to its rows."""
    cache = tmp_path / "cache"
    build_site(table, tmp_path / "a", now=NOW, engine=_engine(cache))
    documents = sorted(table["doc"].astype(str).unique())
    smaller = table[table["doc"].astype(str) == documents[0]].reset_index(drop=True)
    assert len(smaller) < len(table) * (1 - fragments.DEAD_SHARE)
    build_site(smaller, tmp_path / "a", now=NOW, engine=_engine(cache))
    site = cache / "site"
    for name in ("vevents", "csv"):
        stored = pickle.loads((site / f"{name}.idx").read_bytes())
        assert _stored_keys(site, name) == {key.tobytes() for key in fragments.row_keys(smaller)}
        assert not (site / f"{name}.delta").exists()
        assert [p.name for p in site.glob(f"{name}-*.bin")] == [stored["segments"][0][0]]


def test_a_rebuild_adding_rows_writes_a_delta_then_compacts(
    table: pd.DataFrame, tmp_path: Path
) -> None:
    """Rows added: only their fragments are written (a new segment, a delta index), the
    base left as it was; each rebuild gives a fresh build's bytes; past the dead share
    or :data:`~exports.fragments.MAX_SEGMENTS`, one segment and one base again."""
    cache, site = tmp_path / "cache", tmp_path / "cache" / "site"
    documents = sorted(table["doc"].astype(str).unique())
    assert len(documents) >= 3

    def upto(count: int) -> pd.DataFrame:
        chosen = set(documents[:count])
        return table[table["doc"].astype(str).isin(chosen)].reset_index(drop=True)

    build_site(upto(len(documents) - 2), tmp_path / "a", now=NOW, engine=_engine(cache))
    base = {name: (site / f"{name}.idx").read_bytes() for name in ("vevents", "csv")}
    for count in (len(documents) - 1, len(documents)):
        build_site(upto(count), tmp_path / "a", now=NOW, engine=_engine(cache))
        for name in ("vevents", "csv"):
            assert (site / f"{name}.idx").read_bytes() == base[name]  # untouched
            assert (site / f"{name}.delta").exists()
            keys = {key.tobytes() for key in fragments.row_keys(upto(count))}
            assert keys <= _stored_keys(site, name)
    assert len(list(site.glob("csv-*.bin"))) == 3  # the base's segment and one per rebuild
    fresh = tmp_path / "fresh"  # the same builds, no cache: everything rendered
    for count in (len(documents) - 2, len(documents) - 1, len(documents)):
        build_site(upto(count), fresh, now=NOW)
    assert snapshot(tmp_path / "a") == snapshot(fresh)
    # nothing new (a new folder: no rebuild shortcut): the delta kept as it is read
    for name in ("again", "and again"):
        build_site(upto(len(documents)), tmp_path / name, now=NOW, engine=_engine(cache))
        assert keys <= _stored_keys(site, name="csv")
    build_site(upto(len(documents)), tmp_path / "plain", now=NOW)
    assert snapshot(tmp_path / "and again") == snapshot(tmp_path / "plain")
    # one row changed each time: a fragment more each, until the segments are compacted
    changed = upto(len(documents)).copy()
    for number in range(fragments.MAX_SEGMENTS + 1):
        changed.loc[0, "title"] = f"改过的标题 {number}"
        build_site(changed, tmp_path / "a", now=NOW, engine=_engine(cache))
        build_site(changed, fresh, now=NOW)
        assert snapshot(tmp_path / "a") == snapshot(fresh)
        for name in ("vevents", "csv"):  # no segment left that no index reads
            assert {p.name for p in site.glob(f"{name}-*.bin")} == _segments(site, name)
    assert len(list(site.glob("csv-*.bin"))) <= fragments.MAX_SEGMENTS


@pytest.mark.parametrize("seed", range(5))
def test_the_store_counts_its_live_entries_by_their_keys(seed: int) -> None:
    """Whether to compact is decided on the count of different keys kept and new,
    made from the keys alone: the same count as the index of them all, keys repeated
    (a first half shared by two keys, a key both kept and new) or not."""
    rng = np.random.default_rng(seed)
    for _ in range(200):
        span = int(rng.integers(1, 2**62)) if rng.random() < 0.3 else int(rng.integers(1, 6))
        kept = rng.integers(0, span, size=(int(rng.integers(0, 30)), 2)).astype(np.uint64)
        new = rng.integers(0, span, size=(int(rng.integers(0, 8)), 2)).astype(np.uint64)
        expected = len({tuple(key) for key in np.concatenate([kept, new]).tolist()})
        assert fragments._distinct(kept, new) == expected


def _segments(site: Path, name: str) -> set[str]:
    base = pickle.loads((site / f"{name}.idx").read_bytes())
    names = {segment for segment, _ in base["segments"]}
    if (site / f"{name}.delta").exists():
        names |= {
            segment
            for segment, _ in pickle.loads((site / f"{name}.delta").read_bytes())["segments"]
        }
    return names


def test_a_deleted_or_damaged_cache_only_costs_a_render(
    table: pd.DataFrame, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    build_site(table, tmp_path / "plain", now=NOW)
    build_site(table, tmp_path / "first", now=NOW, engine=_engine(cache))
    for blob in (cache / "site").glob("*.bin"):
        blob.write_bytes(blob.read_bytes()[:-10])  # cut short
    (cache / "site" / "csv.idx").write_bytes(b"not a pickle")
    build_site(table, tmp_path / "damaged", now=NOW, engine=_engine(cache))
    shutil.rmtree(cache)
    build_site(table, tmp_path / "deleted", now=NOW, engine=_engine(cache))
    plain = snapshot(tmp_path / "plain")
    assert snapshot(tmp_path / "damaged") == plain
    assert snapshot(tmp_path / "deleted") == plain


def test_csv_records_from_the_cache_are_the_bytes_of_the_table_writer(tmp_path: Path) -> None:
    rows = [
        {"event_id": "a", "title": 'say "hi", then\r\nleave', "n": 1},
        {"event_id": "b", "title": "=1+1", "n": 2},
        {"event_id": "c", "title": "line\nbreak\rand, comma", "n": 3},
        {"event_id": "d", "title": "plain", "n": 4},
    ]
    whole = pd.DataFrame(rows)
    expected = b"".join(table_pieces(whole, ".csv"))
    store = fragments.FragmentStore(tmp_path, "csv", "salt")
    keys = fragments.row_keys(whole)
    part = whole.iloc[[0, 2]]
    made = b"".join(csv_pieces(part, keys[[0, 2]], store, chunk=1))
    assert made == b"".join(table_pieces(part, ".csv"))
    store.save(np.empty(0, np.int64))
    store = fragments.FragmentStore(tmp_path, "csv", "salt")
    found = store.find(keys)
    assert (found >= 0).tolist() == [True, False, True, False]
    assert b"".join(csv_pieces(whole, keys, store, found, chunk=3)) == expected
    assert store.hits == 2  # rows a and c were copied, b and d made
    store.save(found[found >= 0])
    store = fragments.FragmentStore(tmp_path, "csv", "salt")  # a delta: all four now
    assert (store.find(keys) >= 0).all()
    assert (
        b"".join(store.joined(store.find(keys))) == expected[len(expected.split(b"\r\n")[0]) + 2 :]
    )
    store.close()


_CELL_TEXT = st.lists(
    st.sampled_from(
        ['"', ",", "\r", "\n", "\r\n", "=", "+", "-", "@", "\t", " ", "\x00", "a", "汕"]
    ),
    max_size=8,
).map("".join)


@given(
    st.lists(
        st.tuples(st.none() | _CELL_TEXT, _CELL_TEXT, st.integers(-(2**40), 2**40)),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=300, deadline=None)
def test_csv_records_made_by_fields_are_the_bytes_of_the_table_writer(rows: list) -> None:
    texts, words, numbers = zip(*rows, strict=True)
    frame = pd.DataFrame(
        {
            "text": pd.Series(texts, dtype="str"),  # a missing cell among the texts
            "word": pd.Series(words, dtype=object),
            "number": pd.Series(numbers, dtype=np.int64),
        }
    )
    assert table_files.record_fields(frame) is not None  # the fields, not the writer
    expected = split_records(frame_csv(frame, header=False).encode())
    assert table_files._records(frame, list(range(len(frame)))) == expected


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"alone": ["", "x"]}),  # the writer quotes a lone empty field
        pd.DataFrame({"a": ["x", "y"], "share": [0.5, 1.0]}),
        pd.DataFrame({"a": ["x", "y"], "flag": [True, False]}),
        pd.DataFrame({"a": ["x", "y"], "mixed": pd.Series(["z", 1], dtype=object)}),
    ],
)
def test_csv_records_of_other_columns_are_left_to_the_table_writer(frame: pd.DataFrame) -> None:
    assert table_files.record_fields(frame) is None
    expected = split_records(frame_csv(frame, header=False).encode())
    assert table_files._records(frame, list(range(len(frame)))) == expected


def test_split_records_cuts_only_at_line_feeds_outside_quotes() -> None:
    text = b'a,"x\r\ny",1\r\nb,"say ""hi""\n",2\r\nc,plain,3\r\n'
    assert split_records(text) == [b'a,"x\r\ny",1\r\n', b'b,"say ""hi""\n",2\r\n', b"c,plain,3\r\n"]


FORKED_PARTS = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from exports import ics
from exports.site_writers import can_fork, run_all
from timeline.schema import read_table

assert can_fork()  # a fresh process: no other thread, the parts are forked
ics.SPLIT_FROM = 1  # the sample table is small
table = read_table(Path(sys.argv[1]))
now = datetime(2026, 1, 1, tzinfo=UTC)
calls = []

def split(functions):
    calls.append(len(functions))
    return run_all(functions, parallel=True)

here = ics.plan_feeds(table, Path(sys.argv[2]) / "here", now=now)
forked = ics.plan_feeds(table, Path(sys.argv[2]) / "forked", now=now, split=split)
print(json.dumps({
    "calls": calls,
    "same_vevents": forked.vevents == here.vevents,
    "same_feeds": forked.feeds == here.feeds,
    "rendered": [forked.rendered, here.rendered, len(here.vevents)],
}))
"""


def test_vevents_made_in_forked_parts_are_the_bytes_made_here(
    table: pd.DataFrame, tmp_path: Path
) -> None:
    from exports import ics

    saved = tmp_path / "t" / "events.parquet"  # the table fixture's build
    assert len(read_table(saved)) == len(table)
    found = _in_a_fresh_process(FORKED_PARTS, saved, tmp_path)
    assert found["calls"] == [ics.SPLIT_PARTS]
    assert found["same_vevents"] and found["same_feeds"]
    forked, here, events = found["rendered"]
    assert forked == here == events > 0


def test_the_writers_run_at_once_only_for_a_table_of_a_bounded_size() -> None:
    from exports.site import PARALLEL_FROM, PARALLEL_UP_TO, parallel_writers

    two, default = Engine(workers=2), Engine(workers=None)
    assert parallel_writers(two, 10)  # asked for: whatever the size below the bound
    assert not parallel_writers(default, PARALLEL_FROM - 1)  # the default: not for a few rows
    assert parallel_writers(default, PARALLEL_FROM) == (default.local_workers() >= 2)
    # past the bound, memory first: one process, whatever was asked for
    assert not parallel_writers(two, PARALLEL_UP_TO + 1)
    assert not parallel_writers(Engine(workers=0), PARALLEL_FROM)


LATER = """
import json, sys, time
from pathlib import Path
from exports.site_writers import Later, Writers
path = Path(sys.argv[1])
with Writers(True) as writers, Later(path) as later:
    assert writers.parallel
    writers.start("reader", lambda: ("read", later.get()))  # forked now: it waits
    time.sleep(0.2)  # the reader is waiting when the value comes
    later.send({"feeds": ["all.ics"] * 20_000})  # more than a pipe holds
    writers.wait()
    print(json.dumps([writers.results["reader"], path.exists()]))
print(json.dumps(path.exists()))
"""


def test_a_value_sent_after_the_fork_reaches_the_writer_waiting_for_it(tmp_path: Path) -> None:
    """The page writer starts before the feeds' plan and waits for its feeds at the end
    (in a fresh process: forking needs one with no other thread)."""
    path = tmp_path / ".later.pickle"
    done = subprocess.run(
        [sys.executable, "-c", LATER, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    during, after = map(json.loads, done.stdout.strip().splitlines())
    assert during == [["read", {"feeds": ["all.ics"] * 20_000}], True]
    assert after is False  # removed with the writers done: nothing left to publish


# --- what publishing a rebuild reads again ---------------------------------------------


def _state_digest(path: Path) -> str:
    """A file's digest as the build's state records it (SHA-256 cut to 128 bits)."""
    from exports.page_pieces import digest_bytes

    return digest_bytes(path.read_bytes())


def test_the_build_state_reads_back_nothing_a_rebuild_wrote(
    table: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A +1 % rebuild's state (:func:`exports.rebuild.record`) hashes no file: the writers
    give the digests of what they wrote, found from the bytes as they wrote them, and the
    pages and feeds left as links of the published ones keep the digests recorded; every
    digest it records is the file's. The published feeds are linked into the build, not
    copied."""
    from exports import rebuild
    from timeline.files import file_digest

    out, cache = tmp_path / "site", tmp_path / "cache"
    build_site(_without_last_document(table), out, now=NOW, engine=_engine(cache))
    feeds_before = {path.name: path.stat().st_ino for path in (out / "feeds").glob("*.ics")}
    hashed: list[str] = []

    def counting(path):
        hashed.append(Path(path).name)
        return file_digest(path)

    monkeypatch.setattr(rebuild, "file_digest", counting)
    build_site(table, out, now=NOW, engine=_engine(cache))
    state = json.loads((out / rebuild.STATE).read_text(encoding="utf-8"))
    files = {p.relative_to(out).as_posix(): p for p in out.rglob("*") if p.is_file()}
    assert state["files"] == {
        name: _state_digest(path) for name, path in files.items() if name != rebuild.STATE
    }
    assert hashed == []
    unchanged = [
        path.name
        for path in (out / "feeds").glob("*.ics")
        if feeds_before.get(path.name) == path.stat().st_ino
    ]
    assert unchanged  # still the published files


def test_a_digest_is_kept_only_for_the_very_file_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file changed in place is hashed again; a new link of a file hashed is not; a
    digest a writer gave is taken as it is."""
    from exports import rebuild
    from timeline.files import file_digest

    staging, digests = tmp_path / "staging", tmp_path / "cache" / "digests.json"
    staging.mkdir()
    (staging / "a.html").write_bytes(b"a" * 100)
    (staging / "b.html").write_bytes(b"b" * 100)
    rebuild.record(staging, "key", [], None, digests)
    hashed: list[str] = []

    def counting(path):
        hashed.append(Path(path).name)
        return file_digest(path)

    monkeypatch.setattr(rebuild, "file_digest", counting)
    (staging / "b.html").write_bytes(b"changed")
    os.link(staging / "a.html", staging / "c.html")
    (staging / "d.html").write_bytes(b"new")
    rebuild.record(staging, "key", [], {"d.html": file_digest(staging / "d.html")}, digests)
    state = json.loads((staging / rebuild.STATE).read_text(encoding="utf-8"))
    assert state["files"] == {
        name: _state_digest(staging / name) for name in ("a.html", "b.html", "c.html", "d.html")
    }
    assert hashed == ["b.html"]
    digests.write_text("damaged", encoding="utf-8")  # a damaged record: everything hashed
    hashed.clear()
    rebuild.record(staging, "key", [], None, digests)
    assert sorted(hashed) == ["a.html", "b.html", "c.html", "d.html"]


def _watch_writeback(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[str]:
    """The files whose writeback is started from now on, relative to ``root``."""
    from timeline import files

    started: list[str] = []
    real = files._start_writeback

    def watched(handle: int, start: int, end: int) -> int:
        started.append(Path(os.readlink(f"/proc/self/fd/{handle}")).relative_to(root).as_posix())
        return real(handle, start, end)  # the real one still runs

    monkeypatch.setattr(files, "_start_writeback", watched)
    return started


def test_the_writeback_of_files_at_their_names_is_started_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """:class:`timeline.files.EarlyWriteback` starts the disk on the files at their names
    as the build waits for its writers (not temporaries, not a writer's hidden scratch
    folder, not ``skip``), each once, and reads none of them."""
    from timeline.files import EarlyWriteback

    staging = tmp_path / "staging"
    (staging / "years").mkdir(parents=True)
    (staging / "years" / "2024.html").write_bytes(b"2024" * 100)
    (staging / "years" / ".2025.html.x1.tmp").write_bytes(b"half")
    (staging / ".search-postings").mkdir()
    (staging / ".search-postings" / "0.bin").write_bytes(b"\0" * 16)
    (staging / "events.csv").write_bytes(b"a,b\r\n")
    (staging / "b.html").write_bytes(b"b" * 100)
    started = _watch_writeback(monkeypatch, staging)
    early = EarlyWriteback(staging, skip=["events.csv"])
    early.catch_up(seconds=10)
    assert sorted(started) == ["b.html", "years/2024.html"]
    early.walked = 0.0  # walk again now
    early.catch_up(seconds=10)  # nothing new: nothing started again
    assert len(started) == 2
    (staging / "years" / ".2025.html.x1.tmp").rename(staging / "years" / "2025.html")
    early.walked = 0.0
    early.catch_up(seconds=10)
    assert started[2:] == ["years/2025.html"]


def test_early_writeback_says_when_files_are_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from timeline.files import EarlyWriteback

    started = _watch_writeback(monkeypatch, tmp_path)
    for number in range(3):
        (tmp_path / f"{number}.html").write_bytes(b"x" * 1000)
    early = EarlyWriteback(tmp_path)
    assert early.catch_up(seconds=0) is True  # walked, no time to start them: three left
    assert not started
    assert early.catch_up(seconds=10) is False
    assert sorted(started) == ["0.html", "1.html", "2.html"]


def test_early_writeback_reads_again_only_the_folders_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A walk while the page writer writes reads only the folders whose modification
    time moved since they were read; the files that reached their name there are found."""
    from timeline.files import EarlyWriteback

    for name in ("years/2024.html", "search/a.js", "index.html", ".scratch/x.html"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x" * 100)
    early = EarlyWriteback(tmp_path)
    early.SETTLED = 0.05  # a folder's time that old is kept (a second in a build)
    time.sleep(0.1)
    assert early.catch_up(seconds=10) is False
    assert early.done == {"years/2024.html", "search/a.js", "index.html"}
    read: list[str] = []
    real = os.scandir

    def watched(path: str) -> object:
        read.append(Path(path).relative_to(tmp_path).as_posix())
        return real(path)

    monkeypatch.setattr(os, "scandir", watched)
    (tmp_path / "search" / ".b.js.x1.tmp").write_bytes(b"y" * 10)
    early.walked = 0.0  # the next call walks
    early.catch_up(seconds=10)
    assert read == ["search"] and "search/.b.js.x1.tmp" not in early.done  # not at its name
    os.replace(tmp_path / "search" / ".b.js.x1.tmp", tmp_path / "search" / "b.js")
    read.clear()
    early.walked = 0.0
    assert early.catch_up(seconds=10) is False
    assert read == ["search"] and "search/b.js" in early.done


WAIT_WITH_WORK_LEFT = """
import json, sys, time
from exports.site_writers import Writers, can_fork

assert can_fork()
calls = []

def idle():
    calls.append(time.perf_counter())
    return len(calls) < 20  # work left for the first 19 calls

with Writers(True) as writers:
    writers.start("sleeper", lambda: time.sleep(1.0))
    started = time.perf_counter()
    writers.wait(idle, every=0.3)
print(json.dumps([len(calls), calls[19] - started if len(calls) > 19 else None]))
"""


def test_the_wait_calls_idle_again_at_once_while_it_has_work_left() -> None:
    """:meth:`Writers.wait` pauses ``every`` seconds between two calls of ``idle`` only
    when the last one had nothing left (a backlog of digests would otherwise be left
    for after the writers, between the page and the switch)."""
    done = subprocess.run(
        [sys.executable, "-c", WAIT_WITH_WORK_LEFT], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    calls, twentieth = json.loads(done.stdout.strip().splitlines()[-1])
    assert calls >= 20 and twentieth < 0.6  # 20 calls within one pause and a bit, not 20 pauses
    assert calls < 25  # then one call per pause of 0.3 s, for the rest of the second


def test_an_unchanged_rebuild_reads_no_file_it_hashed_before(
    table: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rebuild shortcut (:func:`exports.rebuild.reuse`) takes the digests the last
    build kept by signature: an unchanged rebuild hashes no file; a file changed since
    (its signature with it) is hashed, and the site is made again."""
    from exports import rebuild
    from timeline.files import file_digest

    out, cache = tmp_path / "site", tmp_path / "cache"
    build_site(table, out, now=NOW, engine=_engine(cache, workers=2))
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    hashed: list[str] = []

    def counting(path):
        hashed.append(Path(path).name)
        return file_digest(path)

    monkeypatch.setattr(rebuild, "file_digest", counting)
    site = build_site(table, out, now=NOW, engine=_engine(cache, workers=2))
    assert not site.seconds and hashed == []  # nothing rendered, nothing read
    page = out / "index.html"
    page.write_bytes(page.read_bytes().replace(b"<html", b"<HTML", 1))  # same size
    site = build_site(table, out, now=NOW, engine=_engine(cache, workers=2))
    assert site.seconds and "index.html" in hashed  # read, found changed: made again
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


# --- the associations' slugs kept between builds -----------------------------------------

REBUILD_IN_A_FRESH_PROCESS = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from exports.site import build_site
from timeline.cache import DocumentCache
from timeline.engine import Engine
from timeline.schema import read_table

table = read_table(Path(sys.argv[1]))
work = Path(sys.argv[2])
engine = Engine(workers=2, cache=DocumentCache(work / "cache"))
build_site(table, work / "site", now=datetime(2026, 1, 1, tzinfo=UTC), engine=engine)
print(json.dumps("pypinyin" in sys.modules))
"""


@pytest.mark.parametrize("before", ["one event less", "one association less"])
def test_a_rebuild_names_the_associations_the_last_build_named_without_pinyin_tables(
    table: pd.DataFrame, tmp_path: Path, before: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slugs the last build made are kept in the cache folder: a rebuild (in a fresh
    process) whose associations all have one never loads pypinyin's tables (0.4 s); a
    new association loads them, and its slug is kept in turn. Both publish the bytes of
    the same builds without a cache."""
    from exports.site import SLUGS_FILE
    from timeline import slugs

    monkeypatch.setattr(slugs, "_known", {})  # what this process named before: not kept
    if before == "one event less":  # of an association that has others
        counts = table["association"].map(table["association"].value_counts())
        earlier = table.drop(index=table.index[counts.to_numpy() > 1][-1])
    else:
        dropped = sorted(table["association"].astype(str).unique())[-1]
        earlier = table[table["association"].astype(str) != dropped]
    earlier = earlier.reset_index(drop=True)
    assert set(earlier["association"]) <= set(table["association"])
    build_site(earlier, tmp_path / "site", now=NOW, engine=_engine(tmp_path / "cache", 2))
    loaded = _in_a_fresh_process(
        REBUILD_IN_A_FRESH_PROCESS, tmp_path / "t" / "events.parquet", tmp_path
    )
    assert loaded is (before == "one association less")
    kept = json.loads((tmp_path / "cache" / "site" / SLUGS_FILE).read_text(encoding="utf-8"))
    assert set(table["association"].astype(str)) - {""} <= set(kept["slugs"])
    for frame in (earlier, table):  # the same builds without a cache
        build_site(frame, tmp_path / "plain", now=NOW)
    assert snapshot(tmp_path / "site") == snapshot(tmp_path / "plain")


def test_slugs_kept_for_other_pinyin_tables_are_made_again(
    table: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slugs kept under another version of the tables (another pypinyin, another
    ``timeline/slugs.py``) are not taken: the names are spelled again."""
    import hashlib

    from exports.site import SLUGS_FILE
    from timeline import slugs

    cache = tmp_path / "cache"
    build_site(table, tmp_path / "first", now=NOW, engine=_engine(cache, 2))
    kept_path = cache / "site" / SLUGS_FILE
    kept = json.loads(kept_path.read_text(encoding="utf-8"))
    wrong = {name: f"wrong-{hashlib.sha1(name.encode()).hexdigest()[:6]}" for name in kept["slugs"]}
    kept_path.write_text(json.dumps({"version": "another", "slugs": wrong}), encoding="utf-8")
    monkeypatch.setattr(slugs, "_known", {})  # a fresh process
    build_site(
        _without_last_document(table), tmp_path / "second", now=NOW, engine=_engine(cache, 2)
    )
    build_site(_without_last_document(table), tmp_path / "fresh", now=NOW)
    assert snapshot(tmp_path / "second") == snapshot(tmp_path / "fresh")
    assert "wrong-" not in kept_path.read_text(encoding="utf-8")  # kept again, made anew
