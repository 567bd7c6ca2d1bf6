"""Where a fuzz example's time goes: hypothesis against the seeded generators.

For each property of ``fuzz_campaign.py``, in one process, the CPU time per
example of

* ``hypothesis draw``: hypothesis drawing the tests' strategies, the property's
  body empty (random mode, no database, no deadline, generate phase only: the
  settings of the campaign before it moved off hypothesis);
* ``hypothesis draw+check``: the same with the check run;
* ``seeded draw``: ``fuzz_inputs`` making the input;
* ``seeded draw+check``: the same with the check run (one campaign example);

and the ratio of the two draw+check figures. CPU time (``time.process_time``)
rather than wall time, so that the other work on a shared machine counts less.

    python benchmarks/fuzz_overhead.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for folder in (REPO, REPO / "tests", REPO / "benchmarks"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import fuzz_campaign as campaign  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_fuzz_pipeline import documents  # noqa: E402
from test_fuzz_readers import DOCUMENT_SUFFIXES, document_bytes, sheet_files  # noqa: E402
from test_properties import FRAGMENTS, contexts, date_phrases, texts  # noqa: E402

#: The campaign's property → (the tests' hypothesis strategy of its input,
#: examples to time at --scale 1).
HYPOTHESIS = {
    "find_dates: any text": (st.tuples(texts, contexts), 400),
    "find_dates: date-heavy text": (
        st.tuples(
            st.lists(date_phrases | st.sampled_from(FRAGMENTS), min_size=1, max_size=40).map(
                "".join
            ),
            contexts,
        ),
        400,
    ),
    "documents: load_document": (
        st.tuples(st.sampled_from(DOCUMENT_SUFFIXES), document_bytes),
        150,
    ),
    "reviews: load_reviews": (sheet_files, 150),
    "pipeline: build_events": (st.lists(documents, min_size=1, max_size=3), 40),
}


def _hypothesis(strategy, examples: int, check) -> float:
    """CPU seconds per example of hypothesis drawing ``strategy`` (and running ``check``)."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(strategy)
    def prop(value) -> None:
        if check is not None:
            check(value)

    began = time.process_time()
    prop()
    return (time.process_time() - began) / examples


def _seeded(make, examples: int, check) -> float:
    began = time.process_time()
    for index in range(examples):
        value = make(campaign.example_rng(1, name_of[make], index), campaign._POOLS)
        if check is not None:
            check(value)
    return (time.process_time() - began) / examples


name_of: dict = {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="times the examples timed")
    args = parser.parse_args(argv)
    campaign._worker_setup(1)
    scratch = campaign._SCRATCH
    random.seed(0)
    print(
        f"{'property':<30} {'hyp draw':>9} {'hyp d+c':>9} {'seed draw':>9} {'seed d+c':>9} {'ratio':>6}"
    )
    print(f"{'':<30} {'ms/example (CPU)':>29}")
    for name, (strategy, examples) in HYPOTHESIS.items():
        make, run, _ = campaign.PROPERTIES[name]
        name_of[make] = name
        examples = max(5, int(examples * args.scale))

        def check(value, run=run):
            with contextlib.suppress(AssertionError):  # the campaign reports failures
                run(value, scratch)

        _hypothesis(strategy, 5, check)  # warm up: imports, caches, hypothesis itself
        _seeded(make, 5, check)
        figures = [
            _hypothesis(strategy, examples, None),
            _hypothesis(strategy, examples, check),
            _seeded(make, examples, None),
            _seeded(make, examples, check),
        ]
        ms = " ".join(f"{value * 1000:9.2f}" for value in figures)
        print(f"{name:<30} {ms} {figures[1] / figures[3]:5.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
