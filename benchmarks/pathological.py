"""Catastrophic backtracking hunt: ``normalizers.find_dates`` on text built to hurt regexes.

Each input repeats a small unit (a run of digits, of 年月日, of dashes and 至, of
full-width digits, of 一二三…, of 农历/正月, of "June 18, ", and mixtures) up to
two sizes, 0.5 MB and 1 MB of UTF-8 by default, and is timed against ordinary
text of the same size (the sample corpus, ``data/corpus/*.txt``, repeated). The
table gives seconds per MB at each size, the ratio of the two times (about 2
when the time is linear in the size) and the time per MB against ordinary
text. An input passes when the ratio stays under 2.6 and the time under 10×
ordinary text; a quick input is run until a second was measured and its best
run kept, and below 0.15 s at the larger size its ratio is shown in brackets
and not judged (timer noise, not growth).

Each input runs in a child process with a time limit (per size), both sizes in
turn, so a catastrophic input shows as "> limit" instead of hanging the run.
``--profile NAME`` runs one input under cProfile and times every rule's
``pattern.match`` separately, to name the rule at fault. ``--pipeline`` times
the whole of ``timeline.table.build_events`` on the same inputs written to a
file (sentences, titles, organisations: smaller sizes, the pipeline is slower
per MB).

    python benchmarks/pathological.py                  # find_dates (a few minutes)
    python benchmarks/pathological.py --profile lunar  # where the time goes
    python benchmarks/pathological.py --pipeline --sizes-mb 0.05 0.1
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # runnable from a checkout without installing
    sys.path.insert(0, str(REPO))

from peer import peer_code  # noqa: E402  (benchmarks/peer.py, beside this file)

MB = 1024 * 1024
#: The publication date every input is resolved against (a DocumentContext is built
#: from it in the child, with the code being measured).
PUBLISHED = date(2023, 9, 8)
ORDINARY = "ordinary text (sample corpus)"
MIXED_TOKENS = [
    "2023", "年", "8", "月", "22", "日", "-", "—", "至", "到", "~", "０８", "二〇二三", "十",
    "农历", "正月", "初一", "June 18, ", "2021", " ", "，", "、", ".", "/", "号",
]  # fmt: skip


def _repeat(unit: str) -> Callable[[int], str]:
    def build(size: int) -> str:
        count = size // len(unit.encode("utf-8")) + 1
        return (unit * count)[: _chars_for(unit, size)]

    return build


def _chars_for(unit: str, size: int) -> int:
    return max(1, round(len(unit) * size / len(unit.encode("utf-8"))))


def _mixture(seed: int, tokens: list[str]) -> Callable[[int], str]:
    def build(size: int) -> str:
        chooser = random.Random(seed)
        pieces: list[str] = []
        total = 0
        while total < size:
            piece = chooser.choice(tokens)
            pieces.append(piece)
            total += len(piece.encode("utf-8"))
        return "".join(pieces)

    return build


def _ordinary(size: int) -> str:
    texts = [
        p.read_text(encoding="utf-8") for p in sorted((REPO / "data" / "corpus").glob("*.txt"))
    ]
    unit = "\n".join(texts) + "\n"
    return _repeat(unit)(size)


#: name → builder of a text of about ``size`` bytes of UTF-8.
INPUTS: dict[str, Callable[[int], str]] = {
    ORDINARY: _ordinary,
    "digits 0123456789": _repeat("0123456789"),
    "digit runs 2023 ": _repeat("2023 "),
    "year runs 2023年": _repeat("2023年"),
    "年月日": _repeat("年月日"),
    "dates run together 2023年8月22日": _repeat("2023年8月22日"),
    "month runs 8月": _repeat("8月"),
    "day list 22日、": _repeat("22日、"),
    "dashes -": _repeat("-"),
    "em dashes —": _repeat("—"),
    "至": _repeat("至"),
    "dash mix -—~至到": _repeat("-—~至到"),
    "range chain 8月1日至": _repeat("8月1日至"),
    "digits and dashes 2023-": _repeat("2023-"),
    "digits and dots 1.": _repeat("1."),
    "digits and slashes 1/": _repeat("1/"),
    "full-width digits ０１２３": _repeat("０１２３４５６７８９"),
    "full-width date ２０２３年８月": _repeat("２０２３年８月"),
    "chinese numerals 一二三": _repeat("一二三四五六七八九十〇零"),
    "chinese numerals then 年": _repeat("一二三四五六七八九〇" * 50 + "年"),
    "chinese year 二〇二三年": _repeat("二〇二三年"),
    "lunar 农历正月": _repeat("农历正月"),
    "lunar days 正月初一": _repeat("正月初一"),
    "农历": _repeat("农历"),
    "festivals 春节元宵节": _repeat("春节元宵节中秋节"),
    "relative 今年去年": _repeat("今年去年明年次日当天"),
    "June 18, ": _repeat("June 18, "),
    "June June ": _repeat("June "),
    "English numbers 18, ": _repeat("18, "),
    "publication lines 发布时间：": _repeat("发布时间："),
    "spaces and digits 1 ": _repeat("1 "),
    "mixture A (seed 1)": _mixture(1, MIXED_TOKENS),
    "mixture B (seed 2)": _mixture(2, MIXED_TOKENS),
    "mixture digits and 年月日至": _mixture(3, list("0123456789年月日至-")),
}


def _find_dates(text: str) -> int:
    from normalizers import DocumentContext, find_dates

    return len(find_dates(text, DocumentContext(published=PUBLISHED)))


def _build_events(text: str) -> int:
    """Events of ``text`` written to a file and read by the whole pipeline."""
    from timeline.table import build_events

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "input.txt"
        path.write_text(text, encoding="utf-8")
        result = build_events([path], max_document_bytes=None)
    if result.errors:
        raise RuntimeError(result.errors)
    return len(result.table)


#: The clock of the measurements: wall time, or (``--cpu``) the child's own CPU time,
#: which a machine shared with other work disturbs far less.
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
#: A quick input is run again until this many seconds were measured (at most
#: MAX_RUNS runs), so that its best time is not one run's noise.
MIN_SECONDS = 1.0
MAX_RUNS = 25
#: Below this many seconds at the larger size, the size ratio is not judged: a
#: hundredth of a second of noise moves it by 20% there, and such an input is
#: cheaper than ordinary text per MB anyway (the ratio is printed in brackets).
LINEAR_FLOOR = 0.15


def _measure(
    name: str,
    sizes: list[int],
    repeat: int,
    pipeline: bool,
    code: Path,
    clock: str,
    queue,
    paired: bool = False,
) -> None:
    # The parent never imports the product: each child imports it from ``code``
    # (this checkout, or the peer's copy), so both are measured the same way.
    sys.path.insert(0, str(code))
    texts = [INPUTS[name](size) for size in sizes]
    run = _build_events if pipeline else _find_dates
    run(INPUTS[ORDINARY](4096))  # warm up: lazy imports, compiled patterns
    best = [float("inf")] * len(texts)
    found = [0] * len(texts)
    now = CLOCKS[clock]
    # With ``paired``, ordinary text of the larger size is run right before each run
    # of the sizes, in the same process: each pair gives one ratio, measured within
    # a second, that a drift of the machine from minute to minute cannot reach.
    ordinary = INPUTS[ORDINARY](sizes[-1]) if paired else None
    ordinary_best = float("inf")
    pairs: list[float] = []
    spent = 0.0
    runs = 0
    # The sizes in turn, so that a change of the machine's load reaches both and
    # the size ratio stays the code's. At least ``repeat`` runs each, and more of a
    # quick input until MIN_SECONDS were measured: the best of a few runs of 0.05 s
    # is the timer's and the machine's noise (年月日 read 0.14, 0.07, 0.10, 0.07
    # s/MB at 0.25 to 2 MB, best of seven).
    while runs < repeat or (spent < MIN_SECONDS and runs < MAX_RUNS):
        if ordinary is not None:
            started = now()
            run(ordinary)
            ordinary_took = now() - started
            ordinary_best = min(ordinary_best, ordinary_took)
        for index, text in enumerate(texts):
            started = now()
            found[index] = run(text)
            took = now() - started
            best[index] = min(best[index], took)
            spent += took
        if ordinary is not None and ordinary_took > 0:
            pairs.append(
                (took / len(texts[-1].encode("utf-8")))
                / (ordinary_took / len(ordinary.encode("utf-8")))
            )
        runs += 1
        if best[-1] > 2:
            break  # slow enough to be measured once
    queue.put(
        (
            [
                (seconds, len(text.encode("utf-8")), count)
                for seconds, text, count in zip(best, texts, found, strict=True)
            ],
            paired_ratio(pairs),
        )
    )


def paired_ratio(pairs: list[float]) -> float | None:
    """The median of the per-pair ratios (an input's time per MB over the ordinary
    text's measured right before it): a pair that a burst of load split counts as
    one among the others, not as the best or the worst."""
    return statistics.median(pairs) if pairs else None


def measure(
    name: str,
    sizes: list[int],
    repeat: int,
    limit: float,
    pipeline: bool = False,
    code: Path = REPO,
    clock: str = "wall",
    paired: bool = False,
) -> tuple[list[tuple[float | None, int, int]], float | None]:
    """(seconds or None past ``limit`` per size, bytes, mentions or events) of each of
    ``sizes``, measured in turn in one child process, with the product imported
    from ``code``; and with ``paired``, the median ratio to ordinary text measured
    beside each run (:func:`paired_ratio`), else None."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(
        target=_measure, args=(name, sizes, repeat, pipeline, code, clock, queue, paired)
    )
    child.start()
    # The ordinary text beside each run costs about as much again as a quick input.
    child.join(limit * (len(sizes) + paired))
    if child.is_alive():
        child.kill()
        child.join()
        return [(None, size, 0) for size in sizes], None
    return queue.get()


#: What a child under cachegrind runs: the product of ``code`` warmed up as in
#: :func:`_measure`, then ``find_dates`` on the text of a file ("" for the baseline).
_COUNTED = """
import sys
sys.path.insert(0, sys.argv[1])
from datetime import date
from normalizers import DocumentContext, find_dates
context = DocumentContext(published=date(2023, 9, 8))
find_dates(open(sys.argv[2], encoding="utf-8").read(), context)
find_dates(open(sys.argv[3], encoding="utf-8").read(), context)
"""
_REFS = re.compile(r"I\s+refs:\s+([0-9,]+)")


def instructions(text: str, code: Path, folder: Path) -> int:
    """Instructions (cachegrind's ``Ir``) that ``find_dates`` of ``code`` takes on
    ``text``: a process run on it less the same process run on an empty text, so that
    starting Python, imports and the warm-up cancel out. No load changes the count
    (hash seeds fixed, the one clock-free figure on a shared machine)."""
    warm = folder / "warm.txt"
    if not warm.exists():
        warm.write_text(INPUTS[ORDINARY](4096), encoding="utf-8")
    empty = folder / "empty.txt"
    if not empty.exists():
        empty.write_text("", encoding="utf-8")
    measured = folder / "measured.txt"
    measured.write_text(text, encoding="utf-8")
    return _counted(code, warm, measured) - _counted(code, warm, empty)


_BASELINES: dict[tuple[Path, Path, Path], int] = {}


def _counted(code: Path, warm: Path, text: Path) -> int:
    if text.name == "empty.txt" and (code, warm, text) in _BASELINES:
        return _BASELINES[code, warm, text]
    done = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            "-c",
            _COUNTED,
            str(code),
            str(warm),
            str(text),
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONHASHSEED="0"),
        check=False,
    )
    found = _REFS.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"cachegrind failed on {text}: {done.stderr[-2000:]}")
    count = int(found.group(1).replace(",", ""))
    if text.name == "empty.txt":
        _BASELINES[code, warm, text] = count
    return count


class _Row:
    """One input measured with one code: seconds per MB at both sizes, their ratio."""

    def __init__(self, first, second, small: int, large: int) -> None:
        (t1, b1, _), (t2, b2, self.mentions) = first, second
        #: Long enough at the larger size for its size ratio to be judged.
        self.judged = t2 is not None and t2 >= LINEAR_FLOOR
        self.small = t1 / (b1 / MB) if t1 is not None else None
        self.large = t2 / (b2 / MB) if t2 is not None else None
        self.ratio = (t2 / t1) * (b1 / b2) * (large / small) if (t1 and t2) else None
        #: Seconds per MB over ordinary text's measured beside it (the median pair).
        self.paired: float | None = None
        #: Instructions per MB (with ``--instructions``).
        self.ir = 0.0


def table(
    names: list[str],
    sizes: list[int],
    repeat: int,
    limit: float,
    pipeline: bool = False,
    peer: Path | None = None,
    clock: str = "wall",
    counted: int | None = None,
) -> bool:
    """Print one line per input; with ``peer``, each input is measured with the peer's
    code right before this code's, so both see the same load. Each measurement of an
    input also measures ordinary text beside it (the paired ratio, the verdict's);
    with ``counted`` (bytes), each code's instructions on that much of the input."""
    small, large = sizes
    header = (
        f"{'input':<34} {'s/MB @' + _mb(small):>11} {'s/MB @' + _mb(large):>11}"
        f" {'ratio':>6} {'× ordinary':>10} {'× paired':>8}"
    )
    if counted is not None:
        header += f" {'Ir/MB':>7} {'× Ir':>6}"
    header += f" {'events' if pipeline else 'mentions':>9}"
    if peer is not None:
        header += (
            f" {'peer s/MB @' + _mb(small):>16} {'peer s/MB @' + _mb(large):>16}"
            f" {'ratio':>6} {'× ordinary':>10} {'× paired':>8}"
        )
        if counted is not None:
            header += f" {'peer Ir/MB':>10} {'× Ir':>6}"
        header += f" {'speed-up':>8}"
    header += "  verdict"
    print(header)
    print("-" * len(header))
    ordinary: dict[str, float | None] = {}
    ordinary_ir: dict[str, float] = {}
    passed = True
    codes = {"this": REPO} if peer is None else {"peer": peer, "this": REPO}
    with tempfile.TemporaryDirectory(prefix="pathological-ir-") as scratch:
        for name in [ORDINARY, *[n for n in names if n != ORDINARY]]:
            rows = {}
            for code in codes:
                sized, pair = measure(
                    name,
                    sizes,
                    repeat,
                    limit,
                    pipeline,
                    codes[code],
                    clock,
                    paired=name != ORDINARY,
                )
                rows[code] = row = _Row(*sized, small, large)
                row.paired = 1.0 if name == ORDINARY and row.large else pair
                if name == ORDINARY:
                    ordinary[code] = row.large
                if counted is not None:
                    text = INPUTS[name](counted)
                    size_mb = len(text.encode("utf-8")) / MB
                    row.ir = instructions(text, codes[code], Path(scratch)) / size_mb
                    if name == ORDINARY:
                        ordinary_ir[code] = row.ir
            this = rows["this"]
            linear = this.ratio is not None and (this.ratio < 2.6 or not this.judged)
            fast = this.paired is not None and this.paired < 10
            verdict = "ok" if linear and fast else ("NOT LINEAR" if not linear else "SLOW")
            passed &= verdict == "ok"
            line = (
                f"{name:<34} {_num(this.small, limit):>11} {_num(this.large, limit):>11}"
                f" {_ratio(this):>6} {_num(_versus(this, ordinary['this'])):>10}"
                f" {_num(this.paired):>8}"
            )
            if counted is not None:
                line += f" {_giga(this.ir):>7} {_num(this.ir / ordinary_ir['this']):>6}"
            line += f" {this.mentions:>9}"
            if peer is not None:
                before = rows["peer"]
                speedup = before.large / this.large if before.large and this.large else None
                line += (
                    f" {_num(before.small, limit):>16} {_num(before.large, limit):>16}"
                    f" {_ratio(before):>6} {_num(_versus(before, ordinary['peer'])):>10}"
                    f" {_num(before.paired):>8}"
                )
                if counted is not None:
                    line += f" {_giga(before.ir):>10} {_num(before.ir / ordinary_ir['peer']):>6}"
                line += f" {_num(speedup):>8}"
            print(f"{line}  {verdict}", flush=True)
    return passed


def _giga(value: float) -> str:
    return f"{value / 1e9:.2f}G"


def _versus(row: _Row, ordinary: float | None) -> float | None:
    return row.large / ordinary if row.large and ordinary else None


def _ratio(row: _Row) -> str:
    """The size ratio, in brackets when the input was too quick for it to be judged."""
    return _num(row.ratio) if row.judged or row.ratio is None else f"({_num(row.ratio)})"


def _mb(size: int) -> str:
    return f"{size / MB:.3g}MB"


def _num(value: float | None, limit: float | None = None) -> str:
    if value is None:
        return f">{limit:g}s" if limit else "-"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def profile(name: str, size: int) -> None:
    """cProfile of one input, and the time of every rule's pattern.match on it."""
    from normalizers import DocumentContext, extract, find_dates

    text = INPUTS[name](size)
    per_rule: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    original = extract.candidates

    def timed_candidates(folded: str, skipped=None):
        # Inside the fast path's stretches (``skipped``) no rule is tried, as in
        # ``extract.candidates``.
        found = []
        # Each rule's match as the engine tries it there (by shape, by keyword).
        attempts = (
            (attempt[0], attempt[1], position)
            for tries, position in extract._starts(folded, skipped)
            for attempt in tries
        )
        for rule, rule_match, position in attempts:
            started = time.perf_counter()
            match = rule_match(folded, position)
            spent = time.perf_counter() - started
            record = per_rule[rule.name]
            record[0] += spent
            record[1] += 1
            if match is not None:
                partial = rule.produce(match, folded)
                if partial is not None:
                    start, end = partial.span
                    rank = extract._RULE_ORDER.get(partial.rule, extract._UNRANKED)
                    found.append((extract.order(start, end, rank), start, rank, end, partial, None))
        return found

    extract.candidates = timed_candidates
    try:
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        mentions = find_dates(text, DocumentContext(published=PUBLISHED))
        profiler.disable()
        total = time.perf_counter() - started
    finally:
        extract.candidates = original
    print(
        f"{name}: {len(text.encode('utf-8')) / MB:.2f} MB, {total:.2f} s, {len(mentions)} mentions"
    )
    print("\nrules by time in pattern.match (attempts):")
    for rule, (spent, attempts) in sorted(per_rule.items(), key=lambda item: -item[1][0])[:12]:
        print(f"  {rule:<32} {spent:8.3f} s {attempts:>9} attempts")
    print("\nfunctions by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-mb", type=float, nargs=2, default=[0.5, 1.0])
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--limit", type=float, default=120.0, help="seconds per measurement")
    parser.add_argument("--only", nargs="*", default=None, help="names (substrings) to run")
    parser.add_argument("--profile", metavar="NAME", help="profile the first input matching NAME")
    parser.add_argument("--pipeline", action="store_true", help="time build_events, not find_dates")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time with the child's CPU time, not wall time (for a machine shared with others)",
    )
    parser.add_argument(
        "--peer",
        metavar="REF",
        help="also time the code of REF (its merge base with HEAD), e.g. main, in the same run",
    )
    parser.add_argument(
        "--instructions",
        type=float,
        metavar="MB",
        help="also count instructions (valgrind's cachegrind) on this many MB of each input",
    )
    args = parser.parse_args(argv)
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (make system-packages installs it)")
    counted = int(args.instructions * MB) if args.instructions else None
    sizes = [int(size * MB) for size in args.sizes_mb]
    clock = "cpu" if args.cpu else "wall"
    if args.profile:
        matching = [name for name in INPUTS if args.profile.lower() in name.lower()]
        if not matching:
            parser.error(f"no input named like {args.profile!r}; inputs: {', '.join(INPUTS)}")
        profile(matching[0], sizes[1])
        return 0
    names = [
        name
        for name in INPUTS
        if args.only is None or any(part.lower() in name.lower() for part in args.only)
    ]
    if args.peer is None:
        passed = table(
            names, sizes, args.repeat, args.limit, args.pipeline, clock=clock, counted=counted
        )
        return 0 if passed else 1
    with tempfile.TemporaryDirectory(prefix="pathological-peer-") as folder:
        peer = peer_code(args.peer, Path(folder))
        passed = table(names, sizes, args.repeat, args.limit, args.pipeline, peer, clock, counted)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
