"""CPU per document of the documents phase's own work, this checkout against a named peer.

The documents phase of a build (``timeline build``, stage 1) runs
``timeline.table.document_events`` once per document: read it, resolve its dates
(``normalizers``), find its boilerplate and its association, and turn its
mentions into rows. This benchmark times exactly that, with no engine around it,
on the same generated corpus (``benchmarks/scale.py``'s documents: the sample
corpus with its years shifted and its paragraphs shuffled), for this checkout and
for ``--against REF`` (default ``main``: its merge base with this checkout), each
in a fresh child process, one after the other, ``--rounds`` times; the best
process CPU time of each is kept. It prints the CPU per document of each, the
ratio, where the time goes in this checkout (load, resolve, boilerplate,
association, rows), and whether both codes gave the very same results (a hash of
every document's rows, periods, warnings and errors).

Run ``python benchmarks/document_cpu.py --documents 1000 --against main``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))

from peer import peer_code, run_json  # noqa: E402  (benchmarks/peer.py, beside this file)

# The child: every document of the corpus through document_events, ``repeat`` times;
# the best CPU time, and a hash of every result (the same code must give the same hash).
_CHILD = r"""
import hashlib, json, time
from pathlib import Path
from timeline import table
from timeline.dates import collect_manifest
from timeline.manifest import Resolver

folder, repeat = Path(ARGS[0]), ARGS[1]
manifest = collect_manifest([folder], None, [])
resolve = Resolver()
tasks = [(path, manifest.get(resolve(path))) for path in sorted(folder.rglob("*.txt"))]
for task in tasks:  # warm up: imports, patterns, the resolver's tables and memos
    table.document_events(*task)
best, digest = None, None
for _ in range(repeat):
    outcomes = []
    started = time.process_time()
    for task in tasks:
        outcomes.append(table.document_events(*task))
    spent = time.process_time() - started
    best = spent if best is None else min(best, spent)
    digest = hashlib.sha256()
    for outcome in outcomes:
        kept = (outcome.rows, outcome.periods, outcome.warnings, outcome.error, outcome.repairs)
        digest.update(repr(kept).encode())  # not pickle: its bytes show what objects share
print(json.dumps({"documents": len(tasks), "cpu_s": best, "digest": digest.hexdigest(),
                  "rows": sum(len(o.rows) for o in outcomes), "code": table.__file__}))
"""

# Where the time goes: each step of document_events on its own, over every document.
_PARTS = r"""
import json, time
from pathlib import Path
from timeline import table
from timeline import associations
from timeline.associations import detect_association
from timeline.boilerplate import boilerplate_spans
from timeline.dates import collect_manifest
from timeline.documents import DEFAULT_MAX_BYTES, load_document
from timeline.manifest import Resolver
from timeline.present import resolve

folder, repeat = Path(ARGS[0]), ARGS[1]
manifest = collect_manifest([folder], None, [])
resolver = Resolver()
tasks = [(path, manifest.get(resolver(path))) for path in sorted(folder.rglob("*.txt"))]

def clock(step, items):
    best = None
    for _ in range(repeat):
        started = time.process_time()
        out = [step(item) for item in items]
        spent = time.process_time() - started
        best = spent if best is None else min(best, spent)
    return out, best

documents, load = clock(lambda task: load_document(task[0], DEFAULT_MAX_BYTES), tasks)
pairs = [(document, task[1]) for document, task in zip(documents, tasks)]
resolutions, dates = clock(lambda pair: resolve(*pair), pairs)
zones, boilerplate = clock(lambda document: boilerplate_spans(document.text), documents)
# A code that reads a document's organisation names once (associations.Organisations)
# counts that reading with the association, and hands the names to the rows.
names = getattr(associations, "Organisations", None)
if names is None:
    step = lambda pair: (None, detect_association(pair[0].text, None, pair[1]))
else:
    def step(pair):
        found = names(pair[0].text)
        return found, detect_association(pair[0].text, None, pair[1], found)
detected, association = clock(step, list(zip(documents, zones)))
source = table.DocumentSource(doc="d.txt", title="t", association="x")
rows_of = lambda item: table.mention_rows(item[0].text, item[1].mentions, source, item[2])
if names is not None:
    rows_of = lambda item: table.mention_rows(
        item[0].text, item[1].mentions, source, item[2], item[3][0]
    )
_, rows = clock(rows_of, list(zip(documents, resolutions, zones, detected)))
print(json.dumps({"load": load, "resolve": dates, "boilerplate": boilerplate,
                  "association": association, "rows": rows}))
"""


def corpus(folder: Path, documents: int) -> Path:
    """``documents`` generated documents (scale.py's) under ``folder``."""
    from scale import generate  # benchmarks/scale.py

    generate(folder, 0, documents)
    return folder


def _arguments(folder: Path, repeat: int) -> str:
    """The child's arguments, as the first line of its program (``python -c`` takes none)."""
    return f"ARGS = {(str(folder), repeat)!r}\n"


def measure(code: Path, folder: Path, repeat: int) -> dict:
    found = run_json(code, _arguments(folder, repeat) + _CHILD, f"document_events of {code}")
    if not found["code"].startswith(str(code)):
        raise SystemExit(f"the run meant for {code} imported {found['code']}")
    return found


def parts(code: Path, folder: Path, repeat: int) -> dict:
    return run_json(code, _arguments(folder, repeat) + _PARTS, f"the steps of {code}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--against", metavar="REF", default="main")
    parser.add_argument("--rounds", type=int, default=2, help="child runs of each code")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the corpus per run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="document-cpu-") as tmp:
        work = Path(tmp)
        folder = corpus(work / "corpus", args.documents)
        codes = {"peer": peer_code(args.against, work / "peer"), "this": REPO}
        best: dict[str, dict] = {}
        for _ in range(args.rounds):
            for name, code in codes.items():
                found = measure(code, folder, args.repeat)
                if name not in best or found["cpu_s"] < best[name]["cpu_s"]:
                    best[name] = found
        steps = {name: parts(code, folder, args.repeat) for name, code in codes.items()}
    peer, this = best["peer"], best["this"]
    report = {
        "against": args.against,
        "documents": this["documents"],
        "peer_ms_per_document": 1000 * peer["cpu_s"] / peer["documents"],
        "this_ms_per_document": 1000 * this["cpu_s"] / this["documents"],
        "speedup": peer["cpu_s"] / this["cpu_s"],
        "cpu_cut": 1 - this["cpu_s"] / peer["cpu_s"],
        "same_results": peer["digest"] == this["digest"],
        "rows": this["rows"],
        "steps_ms_per_document": {
            name: {step: 1000 * spent / this["documents"] for step, spent in found.items()}
            for name, found in steps.items()
        },
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0 if report["same_results"] else 1
    print(
        f"{report['documents']} generated documents, {report['rows']} rows; "
        f"best of {args.rounds} child runs of {args.repeat} passes each"
    )
    print(f"{'code':<24} {'CPU ms/document':>16}")
    print(f"{args.against + ' (merge base)':<24} {report['peer_ms_per_document']:>16.3f}")
    print(f"{'this checkout':<24} {report['this_ms_per_document']:>16.3f}")
    print(
        f"this checkout: {report['speedup']:.2f}x the peer's speed, "
        f"{100 * report['cpu_cut']:.0f}% less CPU per document; same results: "
        f"{report['same_results']}"
    )
    names = list(report["steps_ms_per_document"]["this"])
    print(f"{'step, ms/document':<24} " + " ".join(f"{name:>11}" for name in names))
    for who in ("peer", "this"):
        found = report["steps_ms_per_document"][who]
        print(f"{who:<24} " + " ".join(f"{found[name]:>11.3f}" for name in names))
    return 0 if report["same_results"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
