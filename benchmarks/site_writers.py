"""The site phase alone: serial writers against parallel ones, full build and +1 %.

Usage (from the repository root, inside the virtualenv)::

    python benchmarks/site_writers.py TABLE --work /tmp/site-writers [--peer main] [--drop 100]

``TABLE`` is an ``events.parquet`` a ``timeline build`` wrote (``benchmarks/scale.py
--keep DIR`` keeps them). Every run is ``exports.site.build_site`` in a fresh
process, one after the other, in the same run (so that the machine's load is
shared between them):

``peer``          ``--peer``'s code (its merge base with ``HEAD``), as it builds a site
``peer parallel`` ``peer cached +1%`` with ``--peer``: the peer's code as ``parallel``
                  and ``cached +1%`` below (its own cache folder), run just before
                  this code's, and the page writer's wall seconds of both printed
                  with their ratio peer / this
``serial``        this code, the serial engine (``--workers 0``), no cache
``parallel``      this code, an engine of 2 local workers, no cache
``serial +1%``    the serial engine, no cache: the table without its newest
                  ``--drop`` documents (1 % by default), then the whole table into
                  the same published folder; the second build is timed
``cached 99%``    2 workers and a fresh cache folder: the table without those
                  documents (a full build that fills the cache)
``cached +1%``    then the whole table into the same folder: the ``+1 %`` rebuild
``--rebuild-trials N``  with ``--peer``: the peer's and this code's ``cached +1%``
                  again, ``N`` times each, alternating, each from a copy of its own
                  ``99%`` build; the page writer's median wall and CPU seconds and
                  their ratios peer / this (one run is at the mercy of the load)

The wall time and the CPU time of the process and its children are printed,
with ratios against ``serial`` (``serial +1%`` for the rebuilds) in the same
run; ``parallel`` is compared with ``serial`` file by file, ``cached +1%`` with
``serial +1%`` (``.build-state.json`` aside: it holds the code's hash).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from page_phase import differences  # noqa: E402
from peer import peer_code, run_json  # noqa: E402

BUILD = """
import inspect, json, resource, time
from datetime import UTC, datetime
from pathlib import Path
from exports.site import build_site
from timeline.schema import read_table
table = read_table(Path({table!r}))
documents = sorted(table["doc"].astype(str).unique())
keep = documents[: len(documents) - {drop}] if {drop} else documents
table = table[table["doc"].astype(str).isin(set(keep))].reset_index(drop=True)
options = {{}}
if "engine" in inspect.signature(build_site).parameters:
    from timeline.cache import DocumentCache
    from timeline.engine import Engine
    cache = DocumentCache({cache!r}) if {cache!r} else None
    options["engine"] = Engine(workers={workers}, cache=cache)
def cpu():
    own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
start, used = time.perf_counter(), cpu()
site = build_site(table, Path({out!r}), now=datetime(2026, 1, 1, tzinfo=UTC), **options)
print(json.dumps({{"seconds": time.perf_counter() - start, "cpu": cpu() - used,
                  "events": len(table), "phases": getattr(site, "seconds", {{}})}}))
"""


def build(source: Path, table: Path, out: Path, workers: int, cache: str, drop: int = 0) -> dict:
    code = BUILD.format(table=str(table), out=str(out), workers=workers, cache=cache, drop=drop)
    return run_json(source, code, f"build_site in {out.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("table", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--peer", default="", help="a git reference to compare with (main)")
    parser.add_argument("--drop", type=int, default=0, help="documents left out first (+1 %%)")
    parser.add_argument(
        "--rebuild-trials",
        type=int,
        default=0,
        help="with --peer: the cached +1 %% rebuilds again, this many times each, alternating",
    )
    arguments = parser.parse_args()
    work = arguments.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    table = arguments.table.resolve()
    drop = arguments.drop or max(1, _documents(table) // 100)
    runs: dict[str, dict] = {}
    if arguments.peer:
        source = peer_code(arguments.peer, work / "peer-code")
        runs["peer"] = build(source, table, work / "out-peer", 0, "")
    runs["serial"] = build(ROOT, table, work / "out-serial", 0, "")
    if arguments.peer:
        runs["peer parallel"] = build(source, table, work / "out-peer-parallel", 2, "")
    runs["parallel"] = build(ROOT, table, work / "out-parallel", 2, "")
    build(ROOT, table, work / "out-serial-rebuild", 0, "", drop)
    runs["serial +1%"] = build(ROOT, table, work / "out-serial-rebuild", 0, "")
    if arguments.peer:
        peer_cache = str(work / "peer-cache")
        build(source, table, work / "out-peer-cached", 2, peer_cache, drop)
        _keep(work, "out-peer-cached", "peer-cache", arguments.rebuild_trials)
        runs["peer cached +1%"] = build(source, table, work / "out-peer-cached", 2, peer_cache)
    cache = str(work / "cache")
    runs["cached 99%"] = build(ROOT, table, work / "out-cached", 2, cache, drop)
    _keep(work, "out-cached", "cache", arguments.rebuild_trials)
    runs["cached +1%"] = build(ROOT, table, work / "out-cached", 2, cache)
    if arguments.peer and arguments.rebuild_trials:
        trials(work, table, source, arguments.rebuild_trials)
    for name, run in runs.items():
        peer = runs["serial +1%" if name.endswith("cached +1%") else "serial"]
        print(
            f"{name:12} wall {run['seconds']:7.2f} s  cpu {run['cpu']:7.2f} s"
            f"  serial/this wall {peer['seconds'] / run['seconds']:5.2f}x"
            f"  ({run['events']:,} events)"
        )
        phases = "  ".join(f"{k} {v:.2f}" for k, v in run.get("phases", {}).items())
        print(f"{'':12} {phases}")
    for theirs, mine in (("peer parallel", "parallel"), ("peer cached +1%", "cached +1%")):
        if theirs in runs:
            a, b = runs[theirs]["phases"], runs[mine]["phases"]
            print(
                f"page writer, {mine}: peer {a['page']:.2f} s (cpu {a.get('page cpu', 0):.2f}), "
                f"this {b['page']:.2f} s (cpu {b.get('page cpu', 0):.2f}), "
                f"peer/this {a['page'] / b['page']:.2f}x; site wall peer/this "
                f"{runs[theirs]['seconds'] / runs[mine]['seconds']:.2f}x"
            )
    for name, folder, peer in (
        ("peer", "out-peer", "out-serial"),
        ("parallel", "out-parallel", "out-serial"),
        ("peer parallel", "out-peer-parallel", "out-serial"),
        ("cached +1%", "out-cached", "out-serial-rebuild"),
    ):
        if name in runs:
            found = differences(work / peer, work / folder)
            print(f"{name}: {'identical to ' + peer if not found else found[:10]}")
    print(json.dumps(runs))


def _keep(work: Path, out: str, cache: str, trials: int) -> None:
    """A copy of a 99 % build (its site and its cache) for ``--rebuild-trials``."""
    if trials:
        for name in (out, cache):
            shutil.copytree(work / name, work / f"{name}-99", symlinks=True)


def trials(work: Path, table: Path, source: Path, count: int) -> None:
    """The cached +1 % rebuild of the peer and of this code, ``count`` times each,
    alternating, each from a copy of its own 99 % build; the page writer's medians."""
    import statistics

    found: dict[str, list[tuple[float, float]]] = {"peer": [], "this": []}
    for trial in range(count):
        for name, code, out, cache in (
            ("peer", source, "out-peer-cached", "peer-cache"),
            ("this", ROOT, "out-cached", "cache"),
        ):
            for folder in (out, cache):
                shutil.rmtree(work / folder, ignore_errors=True)
                shutil.copytree(work / f"{folder}-99", work / folder, symlinks=True)
            run = build(code, table, work / out, 2, str(work / cache))
            page = run["phases"]
            found[name].append((page["page"], page.get("page cpu", 0.0)))
            print(
                f"  trial {trial + 1} {name}: page {page['page']:.2f} s "
                f"(cpu {page.get('page cpu', 0.0):.2f}), site {run['seconds']:.2f} s",
                file=sys.stderr,
            )
    wall = {name: statistics.median(w for w, _ in runs) for name, runs in found.items()}
    cpu = {name: statistics.median(c for _, c in runs) for name, runs in found.items()}
    print(
        f"page writer, cached +1%, median of {count}: peer {wall['peer']:.2f} s "
        f"(cpu {cpu['peer']:.2f}), this {wall['this']:.2f} s (cpu {cpu['this']:.2f}), "
        f"peer/this {wall['peer'] / wall['this']:.2f}x wall, "
        f"{cpu['peer'] / max(cpu['this'], 1e-9):.2f}x cpu"
    )
    print(json.dumps({"rebuild trials": found}))


def _documents(table: Path) -> int:
    import pandas as pd

    return pd.read_parquet(table, columns=["doc"])["doc"].nunique()


if __name__ == "__main__":
    main()
