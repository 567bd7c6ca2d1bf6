"""A long fuzz campaign, outside CI: the property tests with many random examples.

Runs, in turns until the time is up, the properties of

* ``normalizers.find_dates`` (``tests/test_properties.py``: spans index the
  text, sorted and disjoint, ``start <= end``, years in 1900–2100 unless written
  out), on random unicode, date-ish fragments and date-heavy text, with and
  without a publication date, and
* the whole pipeline (``tests/test_fuzz_pipeline.py``: generated documents as
  txt/md/html files in five encodings, sometimes cut short, through
  ``timeline.table.build_events``),

with hypothesis in random mode (no example database, no deadline), in batches,
so that a failure is shrunk, printed with its falsifying example, and the
campaign goes on. Every example also runs under an alarm (``--example-limit``
seconds): an input that makes the code hang or crawl is a failure too.

    python benchmarks/fuzz_campaign.py --minutes 10

prints the examples run per property and every distinct failure; the exit
status is 1 when there was one.
"""

from __future__ import annotations

import argparse
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for folder in (REPO, REPO / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_fuzz_pipeline import check_pipeline, documents, write_documents  # noqa: E402
from test_fuzz_readers import (  # noqa: E402
    DOCUMENT_SUFFIXES,
    check_document,
    check_reviews,
    document_bytes,
    sheet_files,
)
from test_properties import FRAGMENTS, check_mentions, contexts, date_phrases, texts  # noqa: E402

from normalizers import find_dates  # noqa: E402


class ExampleTimeout(Exception):
    """One example ran past ``--example-limit`` seconds."""


def _alarm(signum, frame):  # noqa: ARG001
    raise ExampleTimeout("example ran past the time limit")


def _find_dates_property(text, context) -> None:
    check_mentions(text, find_dates(text, context))


def _pipeline_property(generated) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_documents(folder, generated)
        check_pipeline(folder)


def _document_property(suffix, data) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        check_document(Path(scratch), suffix, data)


def _reviews_property(sheet) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        check_reviews(Path(scratch), *sheet)


PROPERTIES: dict[str, tuple[Callable, dict, int]] = {
    # name: (check, strategies, examples per batch)
    "find_dates: any text": (_find_dates_property, {"text": texts, "context": contexts}, 2000),
    "find_dates: date-heavy text": (
        _find_dates_property,
        {
            "text": st.lists(
                date_phrases | st.sampled_from(FRAGMENTS), min_size=1, max_size=40
            ).map("".join),
            "context": contexts,
        },
        2000,
    ),
    "pipeline: build_events": (
        _pipeline_property,
        {"generated": st.lists(documents, min_size=1, max_size=3)},
        150,
    ),
    "documents: load_document": (
        _document_property,
        {"suffix": st.sampled_from(DOCUMENT_SUFFIXES), "data": document_bytes},
        1000,
    ),
    "reviews: load_reviews": (_reviews_property, {"sheet": sheet_files}, 1000),
}


class MemoryBlowUp(Exception):
    """The process grew past ``--memory-mb`` during one example."""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_batch(
    name: str, limit: float, counts: Counter, failures: dict[str, str], memory_mb: float = 0.0
) -> None:
    check, strategies, examples = PROPERTIES[name]

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
    )
    @given(**strategies)
    def prop(**values) -> None:
        counts[name] += 1
        signal.setitimer(signal.ITIMER_REAL, limit)
        before = _peak_mb()
        try:
            check(**values)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        grew = _peak_mb() - before
        if memory_mb and grew > memory_mb:
            raise MemoryBlowUp(f"peak memory grew by {grew:.0f} MB in one example")

    try:
        prop()
    except Exception as error:  # a property failed: hypothesis has shrunk and printed it
        frame = traceback.extract_tb(error.__traceback__)[-1]
        key = f"{name}: {type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}"
        if key not in failures:
            failures[key] = "".join(traceback.format_exception_only(error)).strip()[:2000]
            print(f"\nFAILURE {key}\n{failures[key]}\n", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--example-limit", type=float, default=20.0, help="seconds per example")
    parser.add_argument(
        "--memory-mb", type=float, default=500.0, help="most the peak RSS may grow in one example"
    )
    parser.add_argument(
        "--only", nargs="*", default=None, help="run only the properties whose names hold these"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds per property, in turns (default: --minutes shared by all)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop early, still report
    names = [n for n in PROPERTIES if not args.only or any(part in n for part in args.only)]
    budget = args.budget if args.budget is not None else args.minutes * 60 / len(names)
    counts: Counter = Counter()
    spent: Counter = Counter()
    failures: dict[str, str] = {}
    started = time.monotonic()
    batches = 0
    try:
        while waiting := [name for name in names if spent[name] < budget]:
            for name in waiting:
                began = time.monotonic()
                run_batch(name, args.example_limit, counts, failures, args.memory_mb)
                spent[name] += time.monotonic() - began
                batches += 1
                elapsed = time.monotonic() - started
                progress = ", ".join(f"{n}: {counts[n]}" for n in names)
                print(
                    f"[{elapsed / 60:5.1f} min] {progress}; failures: {len(failures)}",
                    flush=True,
                )
    except KeyboardInterrupt:
        print("\nstopped before the budget was spent", flush=True)
    elapsed = time.monotonic() - started
    print(f"\nFuzz campaign: {elapsed / 60:.1f} minutes, {batches} batches")
    for name in names:
        rate = counts[name] / spent[name] if spent[name] else 0.0
        print(
            f"  {name:<30} {counts[name]:>9} examples run (shrinking included)"
            f" in {spent[name] / 60:6.1f} min, {rate:7.1f}/s"
        )
    print(f"  {'total':<30} {sum(counts.values()):>9}")
    print(f"Distinct failures: {len(failures)}")
    for key, message in failures.items():
        print(f"  {key}\n    {message.splitlines()[0] if message else ''}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
