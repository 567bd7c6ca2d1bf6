"""Catastrophic backtracking hunt: ``normalizers.find_dates`` on text built to hurt regexes.

Each input repeats a small unit (a run of digits, of 年月日, of dashes and 至, of
full-width digits, of 一二三…, of 农历/正月, of "June 18, ", and mixtures) up to
two sizes, 0.5 MB and 1 MB of UTF-8 by default, and is timed against ordinary
text of the same size (the sample corpus, ``data/corpus/*.txt``, repeated). The
table gives seconds per MB at each size, the ratio of the two times (about 2
when the time is linear in the size) and the time per MB against ordinary
text. An input passes when the ratio stays under 2.6 and the time under 10×
ordinary text.

Every measurement runs in a child process with a time limit, so a catastrophic
input shows as "> limit" instead of hanging the run. ``--profile NAME`` runs one
input under cProfile and times every rule's ``pattern.match`` separately, to
name the rule at fault. ``--pipeline`` times the whole of
``timeline.table.build_events`` on the same inputs written to a file (sentences,
titles, organisations: smaller sizes, the pipeline is slower per MB).

    python benchmarks/pathological.py                  # find_dates (a few minutes)
    python benchmarks/pathological.py --profile lunar  # where the time goes
    python benchmarks/pathological.py --pipeline --sizes-mb 0.05 0.1
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import pstats
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # runnable from a checkout without installing
    sys.path.insert(0, str(REPO))

from normalizers import DocumentContext, find_dates  # noqa: E402

MB = 1024 * 1024
CONTEXT = DocumentContext(published=date(2023, 9, 8))
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
    return len(find_dates(text, CONTEXT))


def _build_events(text: str) -> int:
    """Events of ``text`` written to a file and read by the whole pipeline."""
    import tempfile

    from timeline.table import build_events

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "input.txt"
        path.write_text(text, encoding="utf-8")
        result = build_events([path], max_document_bytes=None)
    if result.errors:
        raise RuntimeError(result.errors)
    return len(result.table)


def _measure(name: str, size: int, repeat: int, pipeline: bool, queue) -> None:
    text = INPUTS[name](size)
    run = _build_events if pipeline else _find_dates
    run(INPUTS[ORDINARY](4096))  # warm up: lazy imports, compiled patterns
    best = float("inf")
    found = 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = run(text)
        best = min(best, time.perf_counter() - started)
        if best > 2:
            break  # slow enough to be measured once
    queue.put((best, len(text.encode("utf-8")), found))


def measure(
    name: str, size: int, repeat: int, limit: float, pipeline: bool = False
) -> tuple[float | None, int, int]:
    """(seconds or None past ``limit``, bytes, mentions or events) in a child process."""
    if pipeline:
        import timeline.table  # noqa: F401 (imported once, before the children fork)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_measure, args=(name, size, repeat, pipeline, queue))
    child.start()
    child.join(limit)
    if child.is_alive():
        child.kill()
        child.join()
        return None, size, 0
    return queue.get()


def table(
    names: list[str], sizes: list[int], repeat: int, limit: float, pipeline: bool = False
) -> bool:
    small, large = sizes
    header = (
        f"{'input':<34} {'s/MB @' + _mb(small):>11} {'s/MB @' + _mb(large):>11}"
        f" {'ratio':>6} {'× ordinary':>10} {'events' if pipeline else 'mentions':>9}  verdict"
    )
    print(header)
    print("-" * len(header))
    ordinary_rate: float | None = None
    passed = True
    for name in [ORDINARY, *[n for n in names if n != ORDINARY]]:
        first, first_bytes, _ = measure(name, small, repeat, limit, pipeline)
        second, second_bytes, mentions = (
            measure(name, large, repeat, limit, pipeline) if first is not None else (None, large, 0)
        )
        rate_small = first / (first_bytes / MB) if first is not None else None
        rate_large = second / (second_bytes / MB) if second is not None else None
        if name == ORDINARY:
            ordinary_rate = rate_large
        ratio = (
            (second / first) * (first_bytes / second_bytes) * (large / small)
            if (first and second)
            else None
        )
        versus = rate_large / ordinary_rate if rate_large and ordinary_rate else None
        linear = ratio is not None and ratio < 2.6
        fast = versus is not None and versus < 10
        verdict = "ok" if linear and fast else ("NOT LINEAR" if not linear else "SLOW")
        passed &= verdict == "ok"
        print(
            f"{name:<34} {_num(rate_small, limit):>11} {_num(rate_large, limit):>11}"
            f" {_num(ratio):>6} {_num(versus):>10} {mentions:>9}  {verdict}",
            flush=True,
        )
    return passed


def _mb(size: int) -> str:
    return f"{size / MB:.3g}MB"


def _num(value: float | None, limit: float | None = None) -> str:
    if value is None:
        return f">{limit:g}s" if limit else "-"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def profile(name: str, size: int) -> None:
    """cProfile of one input, and the time of every rule's pattern.match on it."""
    from normalizers import extract

    text = INPUTS[name](size)
    per_rule: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    original = extract.candidates

    def timed_candidates(folded: str):
        found = []
        for rule, position in extract._attempts(folded):
            started = time.perf_counter()
            match = rule.pattern.match(folded, position)
            spent = time.perf_counter() - started
            record = per_rule[rule.name]
            record[0] += spent
            record[1] += 1
            if match is not None:
                partial = rule.produce(match, folded)
                if partial is not None:
                    found.append(partial)
        return found

    extract.candidates = timed_candidates
    try:
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        mentions = find_dates(text, CONTEXT)
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
    args = parser.parse_args(argv)
    sizes = [int(size * MB) for size in args.sizes_mb]
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
    return 0 if table(names, sizes, args.repeat, args.limit, args.pipeline) else 1


if __name__ == "__main__":
    sys.exit(main())
