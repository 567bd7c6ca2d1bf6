"""The +1 % rebuild's feeds and table files, this code against a peer, in the same run.

Usage (from the repository root, inside the virtualenv)::

    python benchmarks/rebuild_writers.py TABLE --work /tmp/rebuild-writers --peer main [--rounds 3]

``TABLE`` is an ``events.parquet`` a ``timeline build`` wrote (``benchmarks/scale.py
--keep DIR`` keeps them). Each round runs, for the peer's code and then this
code, one fresh process that fills a fragment cache and an output folder with
the table without its newest 1 % of documents (not timed), then times the
``+1 %`` rebuild's writers one after the other in that process (no fork): the
rows' keys, the feeds' plan (:func:`exports.ics.plan_feeds`), writing the feeds
(:func:`exports.ics.write_feeds`) and the table files
(:func:`exports.table_files.write_table_files`), wall and CPU seconds each.
The ``feeds`` figure is the plan and the writing, as ``scale.py`` counts it.
The medians over the rounds and their ratios (peer / this) are printed, and the
two output folders are compared file by file (the same ``now``: the same bytes).
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from page_phase import differences  # noqa: E402
from peer import SMALLER_TABLE, peer_code, rebuild_arguments, run_json  # noqa: E402

REBUILD = (
    SMALLER_TABLE
    + """
import json, time
from datetime import UTC, datetime
from exports import fragments
from exports.ics import plan_feeds, write_feeds
from exports.table_files import write_table_files

cache, out = Path({work!r}) / "cache", Path({work!r}) / "out"
now = datetime(2026, 1, 1, tzinfo=UTC)

def writers(frame, times):
    steps = []
    def timed(name, function):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        times[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        return result
    keys = timed("keys", lambda: fragments.row_keys(frame))
    plan = timed("plan", lambda: plan_feeds(frame, out, now=now, cache=cache, keys=keys))
    timed("write feeds", lambda: write_feeds(plan, out))
    timed("table files", lambda: write_table_files(frame, out, cache=cache, keys=keys))

writers(smaller, {{}})  # the 99 % build: fills the cache and the feed state
times = {{}}
writers(table, times)
print(json.dumps(times))
"""
)

STEPS = ("keys", "plan", "write feeds", "table files")


def rebuild(source: Path, table: Path, work: Path, drop: int) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    code = REBUILD.format(table=str(table), work=str(work), drop=drop)
    return run_json(source, code, f"the +1 % rebuild in {work.name}")


def main() -> None:
    arguments, table, work, drop = rebuild_arguments(
        __doc__.split("\n")[0], "documents added (1 %% by default)"
    )
    codes = {"peer": peer_code(arguments.peer, work / "peer-code"), "this": ROOT}
    runs: dict[str, list[dict]] = {name: [] for name in codes}
    for _ in range(arguments.rounds):
        for name, source in codes.items():  # one after the other: the same load
            runs[name].append(rebuild(source, table, work / name, drop))
    medians = {
        name: {
            step: [statistics.median(run[step][part] for run in found) for part in (0, 1)]
            for step in STEPS
        }
        for name, found in runs.items()
    }
    for figures in medians.values():
        figures["feeds"] = [
            a + b for a, b in zip(figures["plan"], figures["write feeds"], strict=True)
        ]
    print(f"+1 % rebuild, {drop} documents added, median of {arguments.rounds} rounds")
    print(f"{'step':12} {'peer wall / cpu s':>18} {'this wall / cpu s':>18} {'peer/this cpu':>14}")
    for step in (*STEPS, "feeds"):
        peer, this = medians["peer"][step], medians["this"][step]
        ratio = peer[1] / this[1] if this[1] else float("inf")
        print(
            f"{step:12} {peer[0]:8.3f} / {peer[1]:7.3f} {this[0]:8.3f} / {this[1]:7.3f}"
            f" {ratio:13.2f}x"
        )
    found = differences(work / "peer" / "out", work / "this" / "out")
    print(f"output folders: {'identical' if not found else found[:10]}")
    print(json.dumps({"drop": drop, "runs": runs, "medians": medians, "different": found}))


if __name__ == "__main__":
    main()
