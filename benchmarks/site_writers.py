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
        runs["peer cached +1%"] = build(source, table, work / "out-peer-cached", 2, peer_cache)
    cache = str(work / "cache")
    runs["cached 99%"] = build(ROOT, table, work / "out-cached", 2, cache, drop)
    runs["cached +1%"] = build(ROOT, table, work / "out-cached", 2, cache)
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


def _documents(table: Path) -> int:
    import pandas as pd

    return pd.read_parquet(table, columns=["doc"])["doc"].nunique()


if __name__ == "__main__":
    main()
