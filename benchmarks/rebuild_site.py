"""The +1 % rebuild's site outside the page, this code against a peer, in the same run.

Usage (from the repository root, inside the virtualenv)::

    python benchmarks/rebuild_site.py TABLE --work /tmp/rebuild-site --peer main [--rounds 3]

``TABLE`` is an ``events.parquet`` a ``timeline build`` wrote (``benchmarks/scale.py
--keep DIR`` keeps them). Each round runs, for the peer's code and then this code,
one fresh process that builds the site (:func:`exports.site.build_site`, 2 workers,
a cache folder) of the table without its newest 1 % of documents (not timed), then
the whole table into the same folder: the ``+1 %`` rebuild. It prints the site's
wall time, the page writer's (another branch's work), the site **outside the page**
(the site's wall time minus the page's: what runs before the writers start, the
feeds' plan and writers beside the page when they outlast it, and the state and
publishing after them), the feeds (plan and writing) and the table files, each
the median over the rounds, with the ratios peer / this; the CPU of the build's own
process (everything but the forked writers), of the feeds and table files writers,
and the wall and CPU of the steps around the writers (the table's key, the feeds
carried over, the state's digests, carrying over and comparing the published
folder, removing the old build), which a busy machine inflates less; the site
built once more from the same table (nothing changed: the rebuild shortcut); and
whether both codes published the same feeds and table files (the pages differ
when the codes' pages do). Timings taken while other work runs are noisy: compare the ratios.
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
import json, resource, time
from datetime import UTC, datetime
from exports.site import build_site
from timeline.cache import DocumentCache
from timeline.engine import Engine

work = Path({work!r})
engine = Engine(workers=2, cache=DocumentCache(work / "cache"))
now = datetime(2026, 1, 1, tzinfo=UTC)
build_site(smaller, work / "out", now=now, engine=engine)  # the 99 %: fills the caches

import exports.publish, exports.rebuild, exports.site
steps = {{}}  # the build's own steps around the writers, wall and CPU (both codes' names)
def timed(module, name):
    function = getattr(module, name, None)
    if function is None:
        return
    def wrapper(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent = steps.setdefault(name, [0.0, 0.0])
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu
    setattr(module, name, wrapper)
for module, name in [(exports.rebuild, "build_key"), (exports.site, "_copy_feeds"),
                     (exports.rebuild, "record"), (exports.publish, "_carry_over"),
                     (exports.publish, "_same_tree"), (exports.publish, "_remove_tree")]:
    timed(module, name)
started, cpu = time.perf_counter(), time.process_time()
site = build_site(table, work / "out", now=now, engine=engine)
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
again = time.perf_counter()
build_site(table, work / "out", now=now, engine=engine)  # nothing changed: the shortcut
again = time.perf_counter() - again
print(json.dumps({{"site": wall, "cpu": cpu, "phases": site.seconds, "steps": steps,
                  "unchanged": again}}))
"""
)


def rebuild(source: Path, table: Path, work: Path, drop: int) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    code = REBUILD.format(table=str(table), work=str(work), drop=drop)
    found = run_json(source, code, f"the +1 % site rebuild in {work.name}")
    phases, steps = found["phases"], found["steps"]
    feeds = phases.get("plan", 0.0) + phases.get("feeds", 0.0)
    around = ("build_key", "_copy_feeds", "record", "_carry_over", "_same_tree", "_remove_tree")
    return {
        "site": found["site"],
        "page": phases.get("page", 0.0),
        "outside the page": found["site"] - phases.get("page", 0.0),
        "feeds": feeds,
        "table files": phases.get("table files", 0.0),
        "build's own CPU": found["cpu"],
        "feeds writer CPU": phases.get("feeds cpu", 0.0),
        "table files CPU": phases.get("table files cpu", 0.0),
        "unchanged site": found["unchanged"],
        "around the writers": sum(steps.get(name, [0.0])[0] for name in around),
        "around, CPU": sum(steps.get(name, [0.0, 0.0])[1] for name in around),
        **{f"  {name}": steps[name][0] for name in around if name in steps},
    }


def main() -> None:
    arguments, table, work, drop = rebuild_arguments(
        __doc__.split("\n")[0], "documents left out first (+1 %%)"
    )
    codes = {"peer": peer_code(arguments.peer, work / "peer-code"), "this": ROOT}
    runs: dict[str, list[dict]] = {name: [] for name in codes}
    for _ in range(arguments.rounds):
        for name, source in codes.items():
            runs[name].append(rebuild(source, table, work / name, drop))
    medians = {
        name: {key: statistics.median(run.get(key, 0.0) for run in found) for key in found[0]}
        for name, found in runs.items()
    }
    print(f"+1 % site rebuild, {drop} documents added; medians of {arguments.rounds} rounds")
    print(f"{'seconds':<20} {'peer':>8} {'this':>8} {'peer/this':>10}")
    for key in dict.fromkeys([*medians["peer"], *medians["this"]]):
        peer, this = medians["peer"].get(key, 0.0), medians["this"].get(key, 0.0)
        ratio = f"{peer / this:9.2f}x" if this else ""
        print(f"{key:<20} {peer:8.2f} {this:8.2f} {ratio}")
    found = [
        name
        for name in differences(work / "peer" / "out", work / "this" / "out")
        if name.startswith("feeds/") or name in ("events.csv", "events.parquet")
    ]
    print(f"feeds and table files: {'the same bytes' if not found else found[:10]}")
    print(json.dumps({"runs": runs, "medians": medians}))


if __name__ == "__main__":
    main()
