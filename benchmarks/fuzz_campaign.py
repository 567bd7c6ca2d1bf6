"""A long fuzz campaign, outside CI: a million examples through the properties.

Runs the properties of

* ``normalizers.find_dates`` (``tests/test_properties.py``: spans index the
  text, sorted and disjoint, ``start <= end``, years in 1900–2100 unless written
  out) on any text, date-heavy text and document-sized texts, with and without
  a publication date;
* ``timeline.documents.load_document`` (``tests/test_fuzz_readers.py``: a
  document or a one-line ``DocumentError``) on random bytes, text in eight
  encodings, HTML, real .docx files, zips of Word's member names, zips whose
  header fields are hostile (encrypted flag, unknown method or version,
  sizes, offsets), PDFs whose structure is wrong (offsets, lengths, filters,
  page trees, nesting, encryption), all damaged, under every suffix;
* ``timeline.reviews.load_reviews`` (reviews or a ``ReviewError``) on CSV
  sheets in eight encodings, workbooks, malformed zips and random bytes;
* the pipeline, ``timeline.table.build_events`` (``tests/test_fuzz_pipeline.py``)
  on generated folders of txt/md/html documents in five encodings.

The inputs come from seeded generators (``fuzz_inputs.py``), not hypothesis:
drawing costs microseconds, and the input of example ``i`` of a property is
a function of ``--seed``, the property and ``i``, so a failure is printed with
the command that runs it again (``--reproduce PROPERTY INDEX``), and its input
is saved under ``--failures``. One input through one property is one example.
Every example runs under an alarm (``--example-limit`` seconds: an input that
makes the code hang or crawl is a failure) and its growth of the process's
peak memory is checked (``--memory-mb``: a decompression bomb is a failure).

    nice -n 19 python benchmarks/fuzz_campaign.py --examples 1000000 --workers 2

prints progress, then the examples, time and rate per property and every
distinct failure; the exit status is 1 when there was one.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for folder in (REPO, REPO / "tests", REPO / "benchmarks"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import fuzz_inputs as inputs  # noqa: E402
from test_fuzz_pipeline import check_pipeline, write_documents  # noqa: E402
from test_fuzz_readers import check_document, check_reviews  # noqa: E402
from test_properties import check_mentions  # noqa: E402

from normalizers import find_dates  # noqa: E402


class ExampleTimeout(Exception):
    """One example ran past ``--example-limit`` seconds."""


class MemoryBlowUp(Exception):
    """The process's peak memory grew past ``--memory-mb`` during one example."""


def _alarm(signum, frame):  # noqa: ARG001
    raise ExampleTimeout("example ran past the time limit")


# ------------------------------------------------------------- the properties
# Each property: make(rng, pools) -> one input; run(input, scratch) checks it.


def _run_find_dates(value, scratch: Path) -> None:  # noqa: ARG001
    text, context = value
    check_mentions(text, find_dates(text, context))


def _run_document(value, scratch: Path) -> None:
    check_document(scratch, *value)


def _run_reviews(value, scratch: Path) -> None:
    check_reviews(scratch, *value)


def _run_pipeline(value, scratch: Path) -> None:
    folder = scratch / "pipeline"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    write_documents(folder, value)
    check_pipeline(folder)


PROPERTIES: dict[str, tuple[Callable, Callable, float]] = {
    # name: (make, run, share of the examples)
    "find_dates: any text": (
        lambda rng, pools: (inputs.any_text(rng), inputs.context(rng)),
        _run_find_dates,
        0.50,
    ),
    "find_dates: date-heavy text": (
        lambda rng, pools: (inputs.date_heavy_text(rng), inputs.context(rng)),
        _run_find_dates,
        0.25,
    ),
    "find_dates: long text": (
        lambda rng, pools: (inputs.long_text(rng), inputs.context(rng)),
        _run_find_dates,
        0.005,
    ),
    "documents: load_document": (
        lambda rng, pools: inputs.document_input(rng, pools["docx"]),
        _run_document,
        0.14,
    ),
    "reviews: load_reviews": (
        lambda rng, pools: inputs.review_input(rng, pools["xlsx"]),
        _run_reviews,
        0.095,
    ),
    "pipeline: build_events": (
        lambda rng, pools: inputs.generated_documents(rng),
        _run_pipeline,
        0.01,
    ),
}
#: Examples per task handed to a worker (cheap properties in bigger chunks).
CHUNK = {"find_dates: any text": 5000, "find_dates: date-heavy text": 5000}
DEFAULT_CHUNK = 500


def example_rng(seed: int, name: str, index: int) -> random.Random:
    """The generator of example ``index`` of property ``name``: the same three, the same input."""
    number = list(PROPERTIES).index(name)
    return random.Random((seed * 64 + number) * 10**10 + index)


# ------------------------------------------------------------- one worker

_POOLS: dict[str, list[bytes]] = {}
_SCRATCH: Path | None = None


def _worker_setup(seed: int, scratch_root: str | None = None) -> None:
    global _SCRATCH
    _POOLS["docx"] = inputs.docx_pool(seed)
    _POOLS["xlsx"] = inputs.xlsx_pool(seed)
    _SCRATCH = Path(tempfile.mkdtemp(prefix="fuzz-", dir=scratch_root))
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # and stops a worker with SIGTERM


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_chunk(
    seed: int, name: str, first: int, count: int, limit: float, memory_mb: float, failures: str
) -> tuple[str, int, float, float, list[dict]]:
    """Examples ``first`` … ``first + count - 1`` of ``name``:
    (name, examples run, seconds, CPU seconds of this worker, failures)."""
    make, run, _ = PROPERTIES[name]
    found: list[dict] = []
    began, cpu = time.perf_counter(), time.process_time()
    for index in range(first, first + count):
        value = None
        try:
            value = make(example_rng(seed, name, index), _POOLS)
            before = _peak_mb()
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                run(value, _SCRATCH)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            grew = _peak_mb() - before
            if memory_mb and grew > memory_mb:
                raise MemoryBlowUp(f"peak memory grew by {grew:.0f} MB in one example")
        except Exception as error:  # a property failed: keep it, go on
            frame = traceback.extract_tb(error.__traceback__)[-1]
            key = f"{name}: {type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}"
            saved = _save_input(Path(failures), name, index, value)
            found.append(
                {
                    "key": key,
                    "index": index,
                    "message": "".join(traceback.format_exception_only(error)).strip()[:1500],
                    "saved": str(saved),
                }
            )
    return name, count, time.perf_counter() - began, time.process_time() - cpu, found


def _save_input(folder: Path, name: str, index: int, value) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.split(':')[0]}-{index}.txt"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes):
        path = path.with_suffix(value[0] or ".noext")
        path.write_bytes(value[1])
    else:
        path.write_text(repr(value), encoding="utf-8")
    return path


# ------------------------------------------------------------- the campaign


def _reproduce(seed: int, name: str, index: int, limit: float) -> int:
    """Run one example in the foreground, unguarded: its input and its traceback."""
    _worker_setup(seed)
    make, run, _ = PROPERTIES[name]
    value = make(example_rng(seed, name, index), _POOLS)
    saved = _save_input(Path(tempfile.mkdtemp(prefix="fuzz-reproduce-")), name, index, value)
    print(
        f"input of {name!r} #{index} (seed {seed}), saved in {saved}:\n{value!r}"[:3000], flush=True
    )
    signal.setitimer(signal.ITIMER_REAL, limit)
    run(value, _SCRATCH)
    signal.setitimer(signal.ITIMER_REAL, 0)
    print("the property holds")
    return 0


def _tasks(names: list[str], total: int):
    """(name, first, count) chunks, interleaved across properties by their shares."""
    shares = {name: PROPERTIES[name][2] for name in names}
    scale = sum(shares.values())
    quota = {name: round(total * shares[name] / scale) for name in names}
    quota[names[0]] += total - sum(quota.values())
    given = dict.fromkeys(names, 0)
    while any(given[n] < quota[n] for n in names):
        # the property furthest behind its share goes next
        name = min((n for n in names if given[n] < quota[n]), key=lambda n: given[n] / quota[n])
        count = min(CHUNK.get(name, DEFAULT_CHUNK), quota[name] - given[name])
        yield name, given[name], count
        given[name] += count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=20000, help="examples in all")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed")
    parser.add_argument("--example-limit", type=float, default=20.0, help="seconds per example")
    parser.add_argument(
        "--memory-mb", type=float, default=500.0, help="peak RSS growth allowed per example"
    )
    parser.add_argument("--only", nargs="*", default=None, help="properties whose names hold these")
    parser.add_argument(
        "--failures", default=None, help="folder for failing inputs (default: a temporary one)"
    )
    parser.add_argument(
        "--reproduce", nargs=2, metavar=("PROPERTY", "INDEX"), help="run one example again"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**9)
    if args.reproduce:
        name = next(n for n in PROPERTIES if args.reproduce[0] in n)
        return _reproduce(seed, name, int(args.reproduce[1]), args.example_limit)
    names = [n for n in PROPERTIES if not args.only or any(part in n for part in args.only)]
    failures_folder = args.failures or tempfile.mkdtemp(prefix="fuzz-failures-")
    print(
        f"seed {seed}, {args.examples} examples, {args.workers} worker(s), failing inputs in {failures_folder}",
        flush=True,
    )
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop early, still report
    counts = dict.fromkeys(names, 0)
    spent = dict.fromkeys(names, 0.0)
    cpu_spent = dict.fromkeys(names, 0.0)
    failures: dict[str, dict] = {}
    started = last_print = time.monotonic()
    tasks = _tasks(names, args.examples)
    scratch_root = tempfile.mkdtemp(prefix="fuzz-scratch-")  # removed at the end
    pool = ProcessPoolExecutor(
        args.workers, initializer=_worker_setup, initargs=(seed, scratch_root)
    )
    running: set = set()
    stopped = False
    try:
        while True:
            while len(running) < 2 * args.workers and (task := next(tasks, None)) is not None:
                running.add(
                    pool.submit(
                        run_chunk, seed, *task, args.example_limit, args.memory_mb, failures_folder
                    )
                )
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                name, count, seconds, cpu, found = future.result()
                counts[name] += count
                spent[name] += seconds
                cpu_spent[name] += cpu
                for failure in found:
                    if failure["key"] in failures:
                        failures[failure["key"]]["count"] += 1
                        continue
                    failure["count"] = 1
                    failures[failure["key"]] = failure
                    print(
                        f"\nFAILURE {failure['key']} (example {failure['index']}, input in {failure['saved']})\n"
                        f"{failure['message']}\nrun again: python benchmarks/fuzz_campaign.py"
                        f" --seed {seed} --reproduce '{name}' {failure['index']}\n",
                        flush=True,
                    )
            if time.monotonic() - last_print > 30:
                last_print = time.monotonic()
                elapsed = last_print - started
                total = sum(counts.values())
                cpu = sum(cpu_spent.values())
                print(
                    f"[{elapsed / 60:5.1f} min] {total} examples ({total / elapsed:.0f}/s wall,"
                    f" {total / max(cpu, 1e-9):.0f}/s CPU); "
                    + ", ".join(f"{n}: {counts[n]}" for n in names)
                    + f"; failures: {len(failures)}",
                    flush=True,
                )
    except KeyboardInterrupt:
        stopped = True
        print("\nstopped before all examples ran", flush=True)
        for process in list(pool._processes.values()):  # stop the chunks under way too
            process.terminate()
    pool.shutdown(wait=not stopped, cancel_futures=True)
    shutil.rmtree(scratch_root, ignore_errors=True)
    elapsed = time.monotonic() - started
    total = sum(counts.values())
    print(
        f"\nFuzz campaign: seed {seed}, {elapsed / 60:.1f} minutes wall, {args.workers} worker(s)"
    )
    print(f"  {'property':<30} {'examples':>9} {'worker-min':>10} {'CPU-min':>8} {'per CPU-s':>9}")
    for name in names:
        rate = counts[name] / cpu_spent[name] if cpu_spent[name] else 0.0
        print(
            f"  {name:<30} {counts[name]:>9} {spent[name] / 60:10.1f}"
            f" {cpu_spent[name] / 60:8.1f} {rate:9.1f}"
        )
    cpu = sum(cpu_spent.values())
    print(
        f"  {'total':<30} {total:>9} {sum(spent.values()) / 60:10.1f} {cpu / 60:8.1f}"
        f" {total / max(cpu, 1e-9):9.1f}   ({total / elapsed:.0f}/s wall)"
    )
    print(f"Distinct failures: {len(failures)}")
    for key, failure in failures.items():
        first_line = failure["message"].splitlines()[0] if failure["message"] else ""
        print(f"  {key} ({failure['count']}x, first #{failure['index']})\n    {first_line}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
