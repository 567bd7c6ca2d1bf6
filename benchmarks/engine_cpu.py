"""Where the documents phase's CPU and idle time go, with 1 and 2 local workers.

Usage (from the repository root, inside the virtualenv)::

    python benchmarks/engine_cpu.py CORPUS --workers 1 2 [--peer main] [--rounds 2]

``CORPUS`` is a folder of generated documents (``benchmarks/scale.py --keep DIR``
keeps one, under ``DIR/corpus``). Each configuration runs ``build_events`` (no
cache) in a fresh process, for this checkout and, with ``--peer``, for the peer's
code (its merge base with ``HEAD``) in turn, ``--rounds`` times. The child
instruments the code from outside, without changing it:

- in each worker, every ``document_events`` call's wall interval and CPU
  (:func:`time.process_time`), written to a log (one line per document);
- in the command, the documents phase's stage 1 (the engine: every partition's
  results handed to ``timeline.table``) and stage 2 (the gathering), their CPU;
  within stage 1, the command's CPU spent inside the engine's generator (waiting,
  scheduling, unpickling results) and outside it (the rows put in the store);
- each worker process's CPU (``/proc/PID/stat``) at the end of stage 1, the
  workers' CPU over the whole phase (``RUSAGE_CHILDREN`` once the pool is gone),
  and the results' pickled size per document (the pickling not counted).

From the workers' intervals: each worker's busy time in stage 1, its idle time
between documents (gaps over 2 ms), between partitions (wall, and the CPU it
spent there: sending a result, taking the next partition), before its first
document and after its last (the tail: stage 1's end after its last document). And, whatever the
load, each worker's life in stage 1 from ``/proc/PID/schedstat``: on a core,
waiting for a core (the load), and the rest, asleep: waiting for work. Printed per configuration (median of the rounds) and as JSON
with ``--json``. On a machine others load, the wall times and the idle times
move with the load; the CPU figures are the steadier ones.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))

from peer import peer_code, run_json  # noqa: E402  (benchmarks/peer.py, beside this file)

_CHILD = r"""
import json, os, pickle, time
from pathlib import Path

corpus, workers, log = Path(ARGS[0]), ARGS[1], Path(ARGS[2])
import timeline.table as table
from timeline.engine import Engine

_document_events = table.document_events
_fd = {}

def document_events(path, metadata=None, max_bytes=None):
    wall, cpu = time.monotonic(), time.process_time()
    outcome = _document_events(path, metadata, max_bytes)
    line = "%d %.6f %.6f %.6f\n" % (os.getpid(), wall, time.monotonic(), time.process_time() - cpu)
    pid = os.getpid()
    if pid not in _fd:
        _fd[pid] = os.open(log / f"{pid}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.write(_fd[pid], line.encode())
    return outcome

document_events.__module__ = "timeline.table"
document_events.__qualname__ = "document_events"
table.document_events = document_events

import timeline.engine as engine_module
# the function a worker runs per partition: process_packed (the code before the seventh
# session: the tasks pickled) or process_partition
_name = "process_packed" if hasattr(engine_module, "process_packed") else "process_partition"
_process_partition = getattr(engine_module, _name)

def process_partition(work, tasks, max_bytes):
    wall, cpu = time.monotonic(), time.process_time()
    outcome = _process_partition(work, tasks, max_bytes)
    line = "P %d %.6f %.6f %.6f %.6f\n" % (
        os.getpid(), wall, time.monotonic(), cpu, time.process_time())
    os.write(_fd[os.getpid()], line.encode())
    return outcome

process_partition.__module__ = "timeline.engine"
process_partition.__qualname__ = _name
setattr(engine_module, _name, process_partition)

def children():
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found[int(entry)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found

def sleeping(pids):
    # each worker's seconds alive, on a core and waiting for one (/proc/PID/schedstat):
    # what is left of its life was spent asleep, waiting for work, whatever the load
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ran, waited = map(int, Path(f"/proc/{pid}/schedstat").read_text().split()[:2])
        except OSError:
            continue
        alive = time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK")
        found[pid] = (alive, ran / 1e9, waited / 1e9)
    return found

marks = {}
_each = table.each_partition

def each_partition(*arguments, **keywords):
    marks["stage1 start"] = (time.monotonic(), time.process_time())
    inside = outside = measuring = 0.0
    results_bytes = documents = 0
    iterator = _each(*arguments, **keywords)
    while True:
        cpu = time.process_time()
        try:
            item = next(iterator)
        except StopIteration:
            inside += time.process_time() - cpu
            break
        inside += time.process_time() - cpu
        documents += len(item[1])
        cpu = time.process_time()
        results_bytes += len(pickle.dumps(item[1], protocol=pickle.HIGHEST_PROTOCOL))
        measuring += time.process_time() - cpu
        cpu = time.process_time()
        yield item
        outside += time.process_time() - cpu
    marks["stage1 end"] = (time.monotonic(), time.process_time())
    marks["workers at stage1 end"] = children()
    marks["sleeping"] = sleeping(marks["workers at stage1 end"])
    marks["inside"], marks["outside"], marks["measuring"] = inside, outside, measuring
    marks["result bytes per document"] = results_bytes / max(1, documents)

table.each_partition = each_partition
start = (time.monotonic(), time.process_time())
result = table.build_events([corpus], engine=Engine(workers=workers))
end = (time.monotonic(), time.process_time())
lines = []
for path in log.glob("*.log"):
    lines.extend(path.read_text().split("\n"))
per_worker, partitions = {}, {}
for line in lines:
    if line.startswith("P "):
        _, pid, begun, ended, cpu_begun, cpu_ended = line.split()
        partitions.setdefault(int(pid), []).append(
            (float(begun), float(ended), float(cpu_begun), float(cpu_ended)))
    elif line:
        pid, begun, ended, cpu = line.split()
        per_worker.setdefault(int(pid), []).append((float(begun), float(ended), float(cpu)))
s1, e1 = marks["stage1 start"][0], marks["stage1 end"][0]
workers_out = []
for pid, spans in sorted(per_worker.items()):
    spans.sort()
    gaps = [b[0] - a[1] for a, b in zip(spans, spans[1:])]
    parts = sorted(partitions.get(pid, []))
    between = [b[0] - a[1] for a, b in zip(parts, parts[1:])]
    between_cpu = [b[2] - a[3] for a, b in zip(parts, parts[1:])]
    workers_out.append({
        "pid": pid, "documents": len(spans),
        "busy_s": sum(e - b for b, e, _ in spans),
        "document_cpu_s": sum(c for _, _, c in spans),
        "before_first_s": spans[0][0] - s1,
        "gaps_s": sum(g for g in gaps if g > 0.002),
        "gaps": sum(1 for g in gaps if g > 0.002),
        "tail_s": e1 - spans[-1][1],
        "partitions": len(parts),
        "between_partitions_s": sum(between),
        "between_partitions_max_s": max(between, default=0.0),
        "between_partitions_cpu_s": sum(between_cpu),
        "cpu_stage1_s": marks["workers at stage1 end"].get(pid),
        # alive, on a core, waiting for a core, asleep (waiting for work): seconds
        "schedule_s": list(marks["sleeping"].get(pid, ()))
        + [marks["sleeping"][pid][0] - sum(marks["sleeping"][pid][1:])]
        if pid in marks["sleeping"] else None,
    })
print(json.dumps({
    "workers": workers, "documents": result.documents, "rows": len(result.table),
    "stage1_wall_s": e1 - s1, "stage1_command_cpu_s": marks["stage1 end"][1] - marks["stage1 start"][1] - marks["measuring"],
    "before_stage1_command_cpu_s": marks["stage1 start"][1] - start[1],
    "engine_inside_cpu_s": marks["inside"], "consumer_cpu_s": marks["outside"],
    "stage2_wall_s": end[0] - e1, "stage2_command_cpu_s": end[1] - marks["stage1 end"][1],
    "documents_wall_s": end[0] - start[0],
    "command_cpu_s": end[1] - start[1] - marks["measuring"],
    "worker_cpu_end_s": sum(children().values()) + (lambda u: u.ru_utime + u.ru_stime)(
        __import__("resource").getrusage(__import__("resource").RUSAGE_CHILDREN)),
    "result_bytes_per_document": marks["result bytes per document"],
    "per_worker": workers_out,
}))
"""


def _measure(source: Path, corpus: Path, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="engine-cpu-") as log:
        code = f"ARGS = [{str(corpus)!r}, {workers}, {log!r}]\n" + _CHILD
        return run_json(source, code, f"{source} with {workers} workers")


def _summary(runs: list[dict]) -> dict:
    def median(function) -> float:
        return statistics.median(function(run) for run in runs)

    first = runs[0]
    documents = first["documents"]
    worker_cpu = median(lambda r: sum(w["cpu_stage1_s"] or 0 for w in r["per_worker"]))
    return {
        "workers": first["workers"],
        "documents": documents,
        "stage 1 wall s": median(lambda r: r["stage1_wall_s"]),
        "stage 1 command CPU s": median(lambda r: r["stage1_command_cpu_s"]),
        "  inside the engine": median(lambda r: r["engine_inside_cpu_s"]),
        "  rows into the store": median(lambda r: r["consumer_cpu_s"]),
        "before stage 1, command CPU s": median(lambda r: r["before_stage1_command_cpu_s"]),
        "stage 1 workers CPU s": worker_cpu,
        "  of which document_events": median(
            lambda r: sum(w["document_cpu_s"] for w in r["per_worker"])
        ),
        "stage 1 CPU ms per document (command + workers)": 1000
        * median(
            lambda r: (
                r["stage1_command_cpu_s"] + sum(w["cpu_stage1_s"] or 0 for w in r["per_worker"])
            )
        )
        / documents,
        "document_events CPU ms per document": 1000
        * median(lambda r: sum(w["document_cpu_s"] for w in r["per_worker"]))
        / documents,
        "workers idle: before first / gaps / tail s": [
            round(median(lambda r, k=key: sum(w[k] for w in r["per_worker"])), 3)
            for key in ("before_first_s", "gaps_s", "tail_s")
        ],
        "worker gaps over 2 ms": median(lambda r: sum(w["gaps"] for w in r["per_worker"])),
        "workers alive / on a core / waiting for one / asleep s": [
            round(
                median(
                    lambda r, i=i: sum((w["schedule_s"] or [0] * 4)[i] for w in r["per_worker"])
                ),
                3,
            )
            for i in range(4)
        ],
        "partitions": median(lambda r: sum(w["partitions"] for w in r["per_worker"])),
        "workers between partitions s (all / longest / CPU)": [
            round(median(lambda r, k=key, f=f: f(w[k] for w in r["per_worker"])), 3)
            for key, f in (
                ("between_partitions_s", sum),
                ("between_partitions_max_s", max),
                ("between_partitions_cpu_s", sum),
            )
        ],
        "stage 2 wall s": median(lambda r: r["stage2_wall_s"]),
        "stage 2 command CPU s": median(lambda r: r["stage2_command_cpu_s"]),
        "stage 2 workers CPU s": median(
            lambda r: r["worker_cpu_end_s"] - sum(w["cpu_stage1_s"] or 0 for w in r["per_worker"])
        ),
        "documents phase wall s": median(lambda r: r["documents_wall_s"]),
        "documents phase CPU s (command + workers)": median(
            lambda r: r["command_cpu_s"] + r["worker_cpu_end_s"]
        ),
        "result bytes per document": round(first["result_bytes_per_document"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--peer", help="a git reference to compare with, in the same run")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    corpus = arguments.corpus.resolve()
    with tempfile.TemporaryDirectory(prefix="engine-cpu-peer-") as folder:
        codes = {"this": REPO}
        if arguments.peer:
            codes = {"peer": peer_code(arguments.peer, Path(folder)), "this": REPO}
        runs: dict[tuple[str, int], list[dict]] = {}
        for _ in range(arguments.rounds):
            for workers in arguments.workers:
                for name, source in codes.items():
                    run = _measure(source, corpus, workers)
                    runs.setdefault((name, workers), []).append(run)
                    print(
                        f"{name} {workers} worker(s): stage 1 {run['stage1_wall_s']:.2f} s",
                        file=sys.stderr,
                    )
    report = {
        f"{name}, {workers} worker(s)": _summary(found) for (name, workers), found in runs.items()
    }
    if arguments.json:
        print(json.dumps({"runs": {f"{k[0]} {k[1]}": v for k, v in runs.items()}, **report}))
        return
    for name, summary in report.items():
        print(f"\n{name}")
        for key, value in summary.items():
            shown = f"{value:.3f}" if isinstance(value, float) else value
            print(f"  {key:50} {shown}")


if __name__ == "__main__":
    main()
