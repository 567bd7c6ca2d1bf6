"""Page-phase benchmark: this tree's page writer against a peer's, on saved tables.

Usage (from the repository root, inside the virtualenv)::

    python benchmarks/page_phase.py TABLE [TABLE ...] --work /tmp/page-bench [--peer main]

Each ``TABLE`` is an event table a ``timeline build`` wrote (``events.parquet``;
``benchmarks/site_speed.py`` keeps them in ``<work>/out<N>/``). For each table,
in the same run and each in a fresh process, one after the other:

``write_timeline``
    the page phase alone (``index.html``, ``years/``, ``associations/``,
    ``search/``) of this tree and of ``--peer`` (its merge base with ``HEAD``,
    extracted with ``git archive``), ``--repeat`` times each, alternating; the
    fastest of each is kept, in wall time and in the process's CPU time (the
    steadier figure on a shared machine), and the ratios peer / this printed; then the two
    sites are compared file by file (``identical`` or the files that differ).
``--helper``
    ``write_timeline(..., helpers=Writers)`` where the tree's code takes it: the page's
    spans of years made by forked helpers too, as ``build_site`` does with forked
    writers; CPU times then include the helpers' (children waited for).
``+1 % page rebuild``
    with ``--page-rebuild``: the page phase alone, for this tree and the peer, on
    the table without the newest 1 % of its documents (into ``pages-<name>-a``,
    with a cache folder when the tree's ``write_timeline`` takes one), then on the
    whole table into a new folder that links unchanged files from the first
    (``published``), as ``build_site`` does; timed, compared with that tree's
    fresh full page phase (share rebuild / full, same run) and checked equal to
    it file by file.
``+1 % rebuild``
    with ``--rebuild``: ``exports.site.build_site`` of this tree on the table
    without the newest 1 % of its documents, then again, into the same
    published folder, on the whole table (the per-piece rebuild); and a full
    ``build_site`` of the whole table into a fresh folder. The share
    rebuild / full is printed, and the two published sites compared.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from peer import peer_code, run_json  # noqa: E402

PAGE_PHASE = """
import inspect, json, os, sys, time
from pathlib import Path
from exports.html import write_timeline
from timeline.schema import read_table
def used():  # this process's CPU and its helpers' (children waited for)
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
table = read_table(Path({table!r}))
helped = {helper!r} and "helpers" in inspect.signature(write_timeline).parameters
if helped:
    from exports.site_writers import Writers
options = {{"helpers": Writers}} if helped else {{}}
start, cpu = time.perf_counter(), used()
write_timeline(table, Path({out!r}), **options)
print(json.dumps({{"seconds": time.perf_counter() - start, "cpu": used() - cpu,
                  "events": len(table)}}))
"""

PAGE_REBUILD = """
import inspect, json, os, time
from pathlib import Path
from exports.html import write_timeline
from timeline.schema import read_table
table = read_table(Path({table!r}))
documents = sorted(table["doc"].astype(str).unique())
drop = max(1, round(len(documents) * 0.01))
before = table[table["doc"].astype(str).isin(set(documents[: len(documents) - drop]))]
before = before.reset_index(drop=True)
def used():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
parameters = inspect.signature(write_timeline).parameters
cached = "cache_folder" in parameters
options = {{"cache_folder": Path({cache!r})}} if cached else {{}}
if {helper!r} and "helpers" in parameters:
    from exports.site_writers import Writers
    options["helpers"] = Writers
write_timeline(before, Path({first!r}), **options)
start, cpu = time.perf_counter(), used()
write_timeline(table, Path({second!r}), published=Path({first!r}), **options)
print(json.dumps({{"seconds": time.perf_counter() - start, "cpu": used() - cpu,
                  "added_documents": drop, "cached": cached}}))
"""

SITE_BUILD = """
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path
from exports.site import build_site
from timeline.schema import read_table
table = read_table(Path({table!r}))
documents = sorted(table["doc"].astype(str).unique())
keep = documents[: len(documents) - {drop}] if {drop} else documents
table = table[table["doc"].astype(str).isin(set(keep))].reset_index(drop=True)
start, cpu = time.perf_counter(), time.process_time()
build_site(table, Path({out!r}), now=datetime(2026, 1, 1, tzinfo=UTC))
print(json.dumps({{"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "events": len(table)}}))
"""


def differences(a: Path, b: Path) -> list[str]:
    """Relative paths whose bytes differ, or that only one of the folders has."""
    found = []
    names = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    names |= {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    for name in sorted(names):
        if name == ".build-state.json":
            continue
        left, right = a / name, b / name
        if not (left.is_file() and right.is_file() and filecmp.cmp(left, right, shallow=False)):
            found.append(name)
    return found


def page_phase(table: Path, work: Path, peer: Path, repeat: int, helper: bool = False) -> dict:
    record: dict = {"table": str(table)}
    for trial in range(repeat):
        for name, source in (("peer", peer), ("this", ROOT)):
            site = work / f"pages-{name}"
            shutil.rmtree(site, ignore_errors=True)
            code = PAGE_PHASE.format(table=str(table), out=str(site), helper=helper)
            result = run_json(source, code)
            record["events"] = result["events"]
            for key, unit in ((name, "seconds"), (f"{name}_cpu", "cpu")):
                best = record.get(key)
                record[key] = result[unit] if best is None else min(best, result[unit])
            print(
                f"  trial {trial + 1} {name}: {result['seconds']:.2f} s "
                f"({result['cpu']:.2f} s of CPU)",
                file=sys.stderr,
            )
    record["differences"] = differences(work / "pages-peer", work / "pages-this")
    return record


def page_rebuild(table: Path, work: Path, peer: Path, record: dict, helper: bool = False) -> dict:
    """The +1 % page phase of this tree and the peer, against their own full page phase."""
    found: dict = {}
    for name, source in (("peer", peer), ("this", ROOT)):
        first, second = work / f"pages-{name}-a", work / f"pages-{name}-b"
        cache = work / f"page-cache-{name}"
        for folder in (first, second, cache):
            shutil.rmtree(folder, ignore_errors=True)
        code = PAGE_REBUILD.format(
            table=str(table), first=str(first), second=str(second), cache=str(cache), helper=helper
        )
        result = run_json(source, code)
        found[name] = {
            **result,
            "share": result["seconds"] / record[name],
            "cpu_share": result["cpu"] / record[f"{name}_cpu"],
            "differences": differences(second, work / f"pages-{name}"),
        }
    return found


def rebuild(table: Path, work: Path, drop_share: float) -> dict:
    import pandas as pd

    documents = pd.read_parquet(table, columns=["doc"])["doc"].astype(str).nunique()
    drop = max(1, round(documents * drop_share))
    grown, fresh = work / "site-grown", work / "site-fresh"
    for folder in (grown, fresh):
        shutil.rmtree(folder, ignore_errors=True)
    code = SITE_BUILD.format(table=str(table), out=str(grown), drop=drop)
    before = run_json(ROOT, code)
    added = run_json(ROOT, SITE_BUILD.format(table=str(table), out=str(grown), drop=0))
    full = run_json(ROOT, SITE_BUILD.format(table=str(table), out=str(fresh), drop=0))
    return {
        "documents": documents,
        "added_documents": drop,
        "first_build_s": before["seconds"],
        "rebuild_s": added["seconds"],
        "full_s": full["seconds"],
        "share": added["seconds"] / full["seconds"],
        "rebuild_cpu_s": added["cpu"],
        "full_cpu_s": full["cpu"],
        "cpu_share": added["cpu"] / full["cpu"],
        "differences": differences(grown, fresh),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tables", type=Path, nargs="+")
    parser.add_argument("--work", type=Path, default=Path("/tmp/page-bench"))
    parser.add_argument("--peer", default="main", help="git reference of the peer")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true", help="also time a +1 %% rebuild")
    parser.add_argument(
        "--page-rebuild", action="store_true", help="also time the page phase of a +1 %% rebuild"
    )
    parser.add_argument(
        "--helper",
        action="store_true",
        help="write_timeline(helpers=Writers) where the code takes it (forks, as build_site)",
    )
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    arguments.work.mkdir(parents=True, exist_ok=True)
    peer = arguments.work / "peer"
    shutil.rmtree(peer, ignore_errors=True)
    peer_code(arguments.peer, peer)
    report = []
    for table in arguments.tables:
        print(f"{table}", file=sys.stderr)
        record = page_phase(
            table.resolve(), arguments.work, peer, arguments.repeat, arguments.helper
        )
        print(
            f"{record['events']:,} events: page phase peer {record['peer']:.2f} s, "
            f"this {record['this']:.2f} s, peer / this {record['peer'] / record['this']:.2f}× "
            f"(CPU {record['peer_cpu']:.2f} s / {record['this_cpu']:.2f} s = "
            f"{record['peer_cpu'] / record['this_cpu']:.2f}×); "
            + (
                "bytes identical"
                if not record["differences"]
                else f"{len(record['differences'])} files differ: {record['differences'][:5]}"
            )
        )
        if arguments.page_rebuild:
            record["page_rebuild"] = found = page_rebuild(
                table.resolve(), arguments.work, peer, record, arguments.helper
            )
            for name in ("peer", "this"):
                again = found[name]
                print(
                    f"  {name}: +{again['added_documents']} documents (1 %): page phase "
                    f"{again['seconds']:.2f} s ({again['cpu']:.2f} s of CPU), "
                    f"{again['share']:.1%} of its full page phase (CPU {again['cpu_share']:.1%}); "
                    + (
                        "equal to its full page phase"
                        if not again["differences"]
                        else f"{len(again['differences'])} files differ from its full page phase"
                    )
                )
            ratio = found["peer"]["seconds"] / found["this"]["seconds"]
            print(f"  +1 % page phase: peer / this {ratio:.2f}×")
        if arguments.rebuild:
            record["rebuild"] = again = rebuild(table.resolve(), arguments.work, 0.01)
            print(
                f"  +{again['added_documents']} documents (1 %): rebuild {again['rebuild_s']:.2f} s, "
                f"full build {again['full_s']:.2f} s, share {again['share']:.1%} "
                f"(of CPU {again['cpu_share']:.1%}); "
                + (
                    "equal to the full build"
                    if not again["differences"]
                    else f"{len(again['differences'])} files differ from the full build"
                )
            )
        report.append(record)
    if arguments.json:
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
