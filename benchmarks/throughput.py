"""Throughput of ``normalizers.find_dates`` against two named peers.

Builds a large text (default 2 MB of UTF-8) by repeating the sample corpus in
``data/corpus/*.txt``, giving every copy of every document its own publication
date so that nothing can be answered from a cache, then times

* ``normalizers.find_dates(text, DocumentContext(published=...))`` on all of it,
* ``dateparser.search.search_dates(text, languages=["zh"])`` and
* ``jionlp.ner.extract_time(text, time_base=...)``

document by document. The peers are much slower, so by default they run on a
~64 KB slice from the front of the same text (``--peer-slice-kb 0`` runs them on
everything). Every timing is the best of ``--repeat`` runs of
``time.perf_counter``. Only files inside this repository are read.

Run ``python benchmarks/throughput.py`` (``--json`` for machine-readable output);
see ``benchmarks/README.md`` for how to read the table.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import gc
import importlib.metadata
import io
import json
import logging
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"
MB = 1024 * 1024  # bytes; also the unit of MB/s
KB = 1024
#: Publication date of the first copy; copy ``i`` of document ``j`` is published
#: ``FIRST_PUBLISHED + 37 * i + j`` days, so no two documents share a context.
FIRST_PUBLISHED = date(2012, 3, 1)
INSTALL_HINT = "pip install -e '.[bench]'"

if str(REPO) not in sys.path:  # runnable from a checkout without installing
    sys.path.insert(0, str(REPO))
if str(Path(__file__).resolve().parent) not in sys.path:
    # benchmarks/peer.py also when this file is loaded by path (the --against child)
    sys.path.append(str(Path(__file__).resolve().parent))

from peer import peer_code  # noqa: E402  (benchmarks/peer.py, beside this file)


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    text: str
    published: date

    @property
    def nbytes(self) -> int:
        return len(self.text.encode("utf-8"))


@dataclass(slots=True)
class Result:
    tool: str
    call: str
    text: str  # "full" or "slice"
    documents: int
    bytes: int
    seconds: float
    mb_per_s: float
    mentions: int
    runs: list[float]
    find_dates_speedup: float | None = None  # find_dates MB/s ÷ this tool's MB/s


# --------------------------------------------------------------------------- text


def load_corpus(corpus: Path = CORPUS) -> list[tuple[str, str]]:
    """The sample documents, by file name. Refuses anything outside the repository."""
    corpus = corpus.resolve()
    if not corpus.is_relative_to(REPO):
        raise SystemExit(f"error: the corpus must be inside the repository {REPO}, not {corpus}")
    files = sorted(p for p in corpus.glob("*.txt") if p.resolve().is_relative_to(REPO))
    docs = [(p.name, p.read_text(encoding="utf-8")) for p in files]
    docs = [(name, text) for name, text in docs if text.strip()]
    if not docs:
        raise SystemExit(f"error: no .txt documents in {corpus.relative_to(REPO)}/")
    return docs


def build_documents(corpus: Sequence[tuple[str, str]], size_bytes: int) -> list[Document]:
    """Repeat the corpus until it holds at least ``size_bytes`` of UTF-8.

    Each copy of each document gets a different publication date.
    """
    out: list[Document] = []
    total = 0
    copy = 0
    while total < size_bytes:
        for j, (name, text) in enumerate(corpus):
            published = FIRST_PUBLISHED + timedelta(days=37 * copy + j)
            doc = Document(f"{name}#{copy}", text, published)
            out.append(doc)
            total += doc.nbytes
            if total >= size_bytes:
                break
        copy += 1
    return out


def take_slice(docs: Sequence[Document], size_bytes: int) -> list[Document]:
    """The front of ``docs`` holding about ``size_bytes``, cut at a line boundary."""
    out: list[Document] = []
    total = 0
    for doc in docs:
        if total + doc.nbytes <= size_bytes:
            out.append(doc)
            total += doc.nbytes
            continue
        kept: list[str] = []
        for line in doc.text.splitlines(keepends=True):
            kept.append(line)
            total += len(line.encode("utf-8"))
            if total >= size_bytes:
                break
        out.append(Document(doc.name + "[cut]", "".join(kept), doc.published))
        break
    return out


# ------------------------------------------------------------------------- tools


def _noon_utc_timestamp(day: date) -> int:
    """A fixed Unix timestamp on ``day``: noon UTC is the same date from UTC-11 to UTC+11.

    jionlp turns a timestamp into a date with the machine's local time zone.
    """
    return calendar.timegm(day.timetuple()) + 12 * 3600


def make_find_dates() -> Callable[[Document], int]:
    from normalizers import DocumentContext, find_dates

    def run(doc: Document) -> int:
        return len(find_dates(doc.text, DocumentContext(published=doc.published)))

    return run


def make_dateparser() -> Callable[[Document], int]:
    from dateparser.search import search_dates

    def run(doc: Document) -> int:
        base = datetime(doc.published.year, doc.published.month, doc.published.day, 12)
        found = search_dates(doc.text, languages=["zh"], settings={"RELATIVE_BASE": base})
        return len(found or ())

    return run


def make_jionlp() -> Callable[[Document], int]:
    import jionlp  # imported (quietly) by check_peers first

    def run(doc: Document) -> int:
        return len(jionlp.ner.extract_time(doc.text, time_base=_noon_utc_timestamp(doc.published)))

    return run


def check_peers() -> None:
    """Import the peers up front; exit with an install hint if jionlp is missing."""
    try:
        # jionlp and its word segmenter print banners on import; keep stdout for results.
        with contextlib.redirect_stdout(io.StringIO()):
            import jionlp  # noqa: F401
    except ImportError as exc:
        raise SystemExit(
            "error: jionlp is not installed, and the benchmark compares against it.\n"
            f"Install the benchmark extras with:  {INSTALL_HINT}\n"
            f"({exc})"
        ) from None
    try:
        import dateparser.search  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"error: dateparser is not installed: pip install -e . ({exc})") from None


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


# ----------------------------------------------------------------------- timing


def measure(
    tool: str,
    call: str,
    fn: Callable[[Document], int],
    docs: Sequence[Document],
    which: str,
    repeat: int,
) -> Result:
    fn(docs[0])  # warm-up: lazy imports, compiled patterns, dictionaries
    runs: list[float] = []
    mentions = 0
    for _ in range(repeat):
        gc.collect()
        found = 0
        t0 = time.perf_counter()
        for doc in docs:
            found += fn(doc)
        runs.append(time.perf_counter() - t0)
        mentions = found
    nbytes = sum(d.nbytes for d in docs)
    best = min(runs)
    return Result(
        tool=tool,
        call=call,
        text=which,
        documents=len(docs),
        bytes=nbytes,
        seconds=best,
        mb_per_s=nbytes / MB / best if best > 0 else float("inf"),
        mentions=mentions,
        runs=runs,
    )


@contextlib.contextmanager
def quiet_logging():
    """jionlp logs a traceback through the root logger for each phrase it gives up on."""
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def run_benchmark(size_mb: float, peer_slice_kb: float, repeat: int) -> dict:
    check_peers()
    corpus = load_corpus()
    docs = build_documents(corpus, int(size_mb * MB))
    peer_docs = docs if peer_slice_kb <= 0 else take_slice(docs, int(peer_slice_kb * KB))
    peer_text = "full" if peer_docs is docs else "slice"

    find_dates = make_find_dates()
    results = [measure("find_dates", "normalizers.find_dates", find_dates, docs, "full", repeat)]
    if peer_text == "slice":  # the same slice, so mention counts can be compared
        results.append(
            measure("find_dates", "normalizers.find_dates", find_dates, peer_docs, "slice", repeat)
        )
    with quiet_logging():
        results.append(
            measure(
                "dateparser",
                "dateparser.search.search_dates(languages=['zh'])",
                make_dateparser(),
                peer_docs,
                peer_text,
                repeat,
            )
        )
        results.append(
            measure(
                "jionlp",
                "jionlp.ner.extract_time",
                make_jionlp(),
                peer_docs,
                peer_text,
                repeat,
            )
        )
    ours = results[0].mb_per_s
    for r in results:
        if r.tool != "find_dates":
            r.find_dates_speedup = ours / r.mb_per_s if r.mb_per_s > 0 else None

    return {
        "config": {
            "size_mb": size_mb,
            "peer_slice_kb": peer_slice_kb,
            "repeat": repeat,
            "mb": MB,
            "corpus": str(CORPUS.relative_to(REPO)),
            "corpus_documents": len(corpus),
            "corpus_bytes": sum(len(t.encode("utf-8")) for _, t in corpus),
            "documents": len(docs),
            "published_first": docs[0].published.isoformat(),
            "published_last": max(d.published for d in docs).isoformat(),
            "unit": "one call per document",
        },
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(),
            "system": platform.system(),
            "cn-timeline": version("cn-timeline"),
            "dateparser": version("dateparser"),
            "jionlp": version("jionlp"),
        },
        "results": [asdict(r) for r in results],
    }


# ------------------------------------------------------ against another version

#: Run in a child: find_dates of the code in ``argv[1]`` on the benchmark's text.
_CHILD = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("throughput", sys.argv[2])
bench = sys.modules["throughput"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
sys.path.insert(0, sys.argv[1])  # after the module put this checkout on the path
docs = bench.build_documents(bench.load_corpus(), int(float(sys.argv[3]) * bench.MB))
result = bench.measure("find_dates", sys.argv[1], bench.make_find_dates(), docs, "full",
                       int(sys.argv[4]))
import normalizers
print(json.dumps({"mb_per_s": result.mb_per_s, "mentions": result.mentions,
                  "code": normalizers.__file__}))
"""


def _child_rate(code: Path, size_mb: float, repeat: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(code), __file__, str(size_mb), str(repeat)],
        capture_output=True,
        text=True,
        check=False,
        cwd=code,
    )
    if done.returncode != 0:
        raise SystemExit(f"the find_dates run of {code} failed:\n{done.stderr[-2000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    if not found["code"].startswith(str(code)):
        raise SystemExit(f"the run meant for {code} imported {found['code']}")
    return found


def run_against(reference: str, size_mb: float, repeat: int, rounds: int = 2) -> dict:
    """find_dates of ``reference``'s code and of this checkout, each in a child process,
    one after the other, ``rounds`` times: the best MB/s of each."""
    import tempfile

    best = {"peer": 0.0, "this": 0.0}
    mentions = {}
    with tempfile.TemporaryDirectory(prefix="throughput-peer-") as folder:
        codes = {"peer": peer_code(reference, Path(folder)), "this": REPO}
        for _ in range(rounds):
            for name, code in codes.items():
                found = _child_rate(code, size_mb, repeat)
                best[name] = max(best[name], found["mb_per_s"])
                mentions[name] = found["mentions"]
    return {
        "reference": reference,
        "peer_mb_per_s": best["peer"],
        "this_mb_per_s": best["this"],
        "peer_mentions": mentions["peer"],
        "this_mentions": mentions["this"],
        "speedup": best["this"] / best["peer"] if best["peer"] else None,
    }


def render_against(against: dict) -> str:
    return (
        f"find_dates of {against['reference']} (merge base) {against['peer_mb_per_s']:.3f} MB/s, "
        f"this code {against['this_mb_per_s']:.3f} MB/s: {against['speedup']:.2f}× "
        f"(children one after the other; mentions {against['peer_mentions']} and "
        f"{against['this_mentions']})"
    )


# ----------------------------------------------------------------------- output


def render_table(report: dict) -> str:
    cfg, env = report["config"], report["environment"]
    slice_kb = cfg["peer_slice_kb"]
    peer_text = "the full text" if slice_kb <= 0 else f"a {slice_kb:g} KB slice of it"
    header = ("tool", "text", "bytes", "seconds", "MB/s", "mentions", "find_dates ×")
    rows = []
    for r in report["results"]:
        speedup = r["find_dates_speedup"]
        rows.append(
            (
                r["tool"],
                r["text"],
                f"{r['bytes']:,}",
                f"{r['seconds']:.3f}",
                f"{r['mb_per_s']:.3f}",
                str(r["mentions"]),
                "—" if speedup is None else f"{speedup:.1f}×",
            )
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    align = ["<", "<", ">", ">", ">", ">", ">"]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True))

    out = [
        f"corpus: {cfg['corpus_documents']} documents, {cfg['corpus_bytes']:,} bytes in "
        f"{cfg['corpus']}/; repeated to {cfg['documents']} documents "
        f"(published {cfg['published_first']} … {cfg['published_last']}, a date per copy of each)",
        f"best of {cfg['repeat']} runs, one call per document; MB = {MB:,} bytes; "
        f"peers on {peer_text}",
        f"python {env['python']} ({env['machine']}), dateparser {env['dateparser']}, "
        f"jionlp {env['jionlp']}",
        "",
        line(header),
        line(["-" * w for w in widths]),
        *(line(row) for row in rows),
        "",
        "find_dates × = find_dates' MB/s on the full text ÷ the tool's MB/s.",
    ]
    full = report["results"][0]
    if full["mentions"] == 0:
        out.append(
            "note: find_dates found no mentions; the resolver is probably still a stub, "
            "so its speed means nothing yet."
        )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Throughput of normalizers.find_dates against dateparser and jionlp.",
    )
    parser.add_argument(
        "--size-mb",
        type=float,
        default=2.0,
        help="text to build for find_dates, in MB of UTF-8 (default 2.0)",
    )
    parser.add_argument(
        "--peer-slice-kb",
        type=float,
        default=64.0,
        help="run the slower peers on the first N KB of the same text (default 64; 0 = all)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per tool; the best is kept (default 3)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--against",
        metavar="REF",
        help="also time find_dates of the code of REF (e.g. main) and of this checkout, "
        "each in a child process, one after the other",
    )
    args = parser.parse_args(argv)
    if args.size_mb <= 0:
        parser.error("--size-mb must be positive")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    report = run_benchmark(args.size_mb, args.peer_slice_kb, args.repeat)
    if args.against:
        report["against"] = run_against(args.against, args.size_mb, args.repeat)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(render_table(report))
        if args.against:
            print(render_against(report["against"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
