"""Scale benchmark: the whole build on generated corpora of 1,000 to 100,000 documents.

Usage (from the repository root, inside the virtualenv)::

    python benchmarks/scale.py --documents 1000
    python benchmarks/scale.py --documents 10000 --no-browser --json > scale.json

The corpus is generated from the sample documents in ``data/corpus/``: document
``i`` is sample ``i mod 5`` with every year shifted by ``(i // 5) mod 31 - 15``,
its paragraphs after the title shuffled (seed ``i``) and its own name, so that
no two documents are alike and no cache hit can come from another document.

Every configuration runs in its own fresh process (peak RSS is that process's and
its worker processes' maximum), in this order, in the same run:

``peer``
    today's code: the merge base of this branch with ``main`` (``--peer REF``),
    extracted with ``git archive`` and imported instead of the working tree.
``serial``, ``dask-1``, ``dask-2``
    this code without cache: in-process, then Dask's local process scheduler with
    1 and 2 worker processes.
``cached-full``, ``cached-unchanged``, ``cached-plus-1%``
    with a fresh cache folder (2 workers): the full build, the same corpus again,
    then after adding 1% new documents.

Each configuration reports the phases of ``timeline build``: ``documents``
(``build_events``: reading and resolving), ``feeds`` (``build_feeds``),
``page`` (``write_timeline``), ``table`` (events.csv and events.parquet), their
total, documents/s and MB/s over the documents phase, and the peak RSS. With
``--browser`` (the default for up to 2,000 documents) the page of the serial
build is opened in headless Chromium (Playwright, as ``tests/test_browser.py``
does): the time to load it and the time of a search filter.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "corpus"
YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


# --- the corpus -------------------------------------------------------------------


def _samples() -> list[tuple[str, str, str]]:
    """(name, text, published) of each sample document."""
    published = {}
    for line in (SAMPLE / "documents.csv").read_text(encoding="utf-8").splitlines()[1:]:
        fields = line.split(",")
        published[fields[0]] = fields[1]
    return [
        (path.name, path.read_text(encoding="utf-8"), published.get(path.name, ""))
        for path in sorted(SAMPLE.glob("*.txt"))
    ]


def _shift(text: str, years: int) -> str:
    return YEAR.sub(lambda match: str(int(match.group(1)) + years), text)


def generate(folder: Path, first: int, count: int) -> int:
    """Write documents ``first`` .. ``first + count - 1`` and their manifest rows; bytes written."""
    samples = _samples()
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "documents.csv"
    rows = [] if manifest.exists() else ["file,published,association,title,url"]
    written = 0
    for index in range(first, first + count):
        name, text, published = samples[index % len(samples)]
        years = (index // len(samples)) % 31 - 15
        lines = text.split("\n")
        head, body = lines[:2], lines[2:]
        random.Random(index).shuffle(body)
        document = _shift("\n".join(head + body), years)
        target = f"{index // 1000:03d}/{index:06d}_{name}"
        (folder / target).parent.mkdir(exist_ok=True)
        data = document.encode("utf-8")
        (folder / target).write_bytes(data)
        written += len(data)
        day = _shift(published, years) if published else ""
        if day.endswith("-02-29"):
            day = day[:-2] + "28"
        rows.append(f"{target},{day},,,")
    with manifest.open("a", encoding="utf-8") as out:
        out.write("\n".join(rows) + "\n")
    return written


# --- one configuration, in a fresh process --------------------------------------


def run_phase(corpus: Path, out: Path, workers: int, cache: str | None) -> dict:
    """Build ``corpus`` into ``out`` the way ``timeline build`` does, timing each phase."""
    import inspect
    import resource

    from exports.html import write_timeline
    from exports.ics import build_feeds
    from timeline.table import build_events, table_bytes

    try:  # the atomic writer moved from exports/ to timeline/ with the typed table
        from timeline.files import write_atomic
    except ImportError:  # a peer from before that move
        from exports.files import write_atomic

    options = {}
    if "engine" in inspect.signature(build_events).parameters:
        from timeline.cache import DocumentCache
        from timeline.engine import Engine

        options["engine"] = Engine(workers=workers, cache=DocumentCache(cache) if cache else None)
    times, peaks = {}, {}
    start = time.perf_counter()
    result = build_events([corpus], **options)
    times["documents"] = time.perf_counter() - start
    peaks["documents"] = _own_peak_mb()
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    feeds = build_feeds(result.table, out)
    times["feeds"] = time.perf_counter() - start
    peaks["feeds"] = _own_peak_mb()
    start = time.perf_counter()
    write_timeline(result.table, out, feeds)
    times["page"] = time.perf_counter() - start
    peaks["page"] = _own_peak_mb()
    start = time.perf_counter()
    for name in ("events.csv", "events.parquet"):
        write_atomic(out / name, table_bytes(result.table, Path(name).suffix))
    times["table"] = time.perf_counter() - start
    peaks["table"] = _own_peak_mb()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cache_stats = {}
    if options.get("engine") and options["engine"].cache is not None:
        cache_stats = {
            "hits": options["engine"].cache.hits,
            "misses": options["engine"].cache.misses,
        }
    return {
        "times": times,
        "events": len(result.table),
        "documents": result.documents,
        "errors": len(result.errors),
        "peak_rss_mb": max(own, children) / 1024,
        "driver_rss_mb": own / 1024,
        "cache": cache_stats,
        "peak_after_mb": peaks,  # the driver's peak RSS at the end of each phase
        "all_ics_bytes": (out / "feeds" / "all.ics").stat().st_size,
        "feeds_bytes": sum(p.stat().st_size for p in (out / "feeds").rglob("*.ics")),
        "code": str(Path(inspect.getfile(build_events)).parent.parent),
    }


def _own_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_process(source: Path, corpus: Path, out: Path, workers: int, cache: str | None) -> dict:
    """:func:`run_phase` in a fresh interpreter importing the code under ``source``."""
    code = (
        "import json, sys; from pathlib import Path;"
        f"sys.path.insert(0, {str(source)!r});"
        f"sys.path.insert(1, {str(ROOT / 'benchmarks')!r});"
        "import scale;"
        f"print(json.dumps(scale.run_phase(Path({str(corpus)!r}), Path({str(out)!r}),"
        f" {workers}, {cache!r})))"
    )
    environment = dict(os.environ, PYTHONPATH=str(source))
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        cwd=source,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _peer(reference: str, folder: Path) -> Path:
    """Today's code (``reference``) extracted under ``folder``."""
    base = subprocess.run(
        ["git", "merge-base", "HEAD", reference], cwd=ROOT, capture_output=True, text=True
    )
    commit = base.stdout.strip() or reference
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


# --- the page in Chromium ---------------------------------------------------------


def browse(site: Path) -> dict:
    """Load time of ``index.html`` and of one search filter, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=arguments)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        start = time.perf_counter()
        page.goto((site / "index.html").as_uri(), wait_until="load", timeout=600_000)
        load = time.perf_counter() - start
        start = time.perf_counter()
        page.fill("#search", "协会")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")
        search = time.perf_counter() - start
        browser.close()
    return {
        "load_s": load,
        "search_s": search,
        "index_mb": (site / "index.html").stat().st_size / 2**20,
    }


# --- the run ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--documents", type=int, default=1000, help="corpus size (1000, 10000, 100000)"
    )
    parser.add_argument("--peer", default="main", help="git reference of today's code")
    parser.add_argument("--only", default="", help="comma-separated configurations to run")
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    parser.add_argument("--keep", type=Path, help="build under this folder and keep it")
    arguments = parser.parse_args()
    count = arguments.documents
    added = max(1, count // 100)
    chosen = set(filter(None, arguments.only.split(",")))
    browser = arguments.browser if arguments.browser is not None else count <= 2000
    work = arguments.keep or Path(tempfile.mkdtemp(prefix="timeline-scale-"))
    records: list[dict] = []
    try:
        corpus = work / "corpus"
        size = generate(corpus, 0, count)
        cache = str(work / "cache")
        plan = [
            ("peer", "peer", 0, None, None),
            ("serial", "here", 0, None, None),
            ("dask-1", "here", 1, None, None),
            ("dask-2", "here", 2, None, None),
            ("cached-full", "here", 2, cache, None),
            ("cached-unchanged", "here", 2, cache, None),
            ("cached-plus-1%", "here", 2, cache, added),
        ]
        for name, code, workers, cache_dir, more in plan:
            if chosen and name not in chosen:
                continue
            if more:
                size += generate(corpus, count, more)
            source = _peer(arguments.peer, work / "peer") if code == "peer" else ROOT
            record = _in_process(source, corpus, work / f"out-{name}", workers, cache_dir)
            record["name"] = name
            record["total_s"] = sum(record["times"].values())
            record["documents_per_s"] = record["documents"] / record["times"]["documents"]
            record["mb_per_s"] = size / 2**20 / record["times"]["documents"]
            records.append(record)
            print(_line(record), file=sys.stderr, flush=True)
        page = None
        if browser and (work / "out-serial" / "index.html").exists():
            page = browse(work / "out-serial")
            print(f"page: {page}", file=sys.stderr)
        _same_bytes(
            work,
            [
                r["name"]
                for r in records
                if r["name"] in ("serial", "dask-1", "dask-2", "cached-full")
            ],
        )
    finally:
        if not arguments.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = {
        "documents": count,
        "corpus_mb": size / 2**20,
        "load": os.getloadavg(),
        "runs": records,
        "page": page,
    }
    if arguments.json:
        print(json.dumps(report, indent=1))
    else:
        _table(report)


def _same_bytes(work: Path, names: list[str]) -> None:
    """Every output file of the configurations without cache additions is the same."""
    if len(names) < 2:
        return
    first = work / f"out-{names[0]}"
    for name in names[1:]:
        for path in sorted(first.rglob("*")):
            if path.is_file() and path.name != ".feeds-state.json":
                other = work / f"out-{name}" / path.relative_to(first)
                if other.read_bytes() != path.read_bytes():
                    print(f"DIFFERENT: {name} {path.relative_to(first)}", file=sys.stderr)


def _line(record: dict) -> str:
    t = record["times"]
    return (
        f"{record['name']:18} total {record['total_s']:7.1f} s  documents {t['documents']:7.1f} s"
        f"  feeds {t['feeds']:6.1f}  page {t['page']:6.1f}  table {t['table']:5.1f}"
        f"  {record['documents_per_s']:7.1f} doc/s  {record['mb_per_s']:5.2f} MB/s"
        f"  peak {record['peak_rss_mb']:6.0f} MB  cache {record['cache']}"
        f"\n{'':18} driver peak after each phase (MB): {_rounded(record['peak_after_mb'])}"
        f"  all.ics {record['all_ics_bytes']:,} bytes, every feed {record['feeds_bytes']:,}"
    )


def _rounded(values: dict) -> dict:
    return {name: round(value) for name, value in values.items()}


def _table(report: dict) -> None:
    runs = {r["name"]: r for r in report["runs"]}
    print(f"{report['documents']} documents, {report['corpus_mb']:.1f} MB; load {report['load']}")
    print(
        "| run | total s | documents s | feeds s | page s | table s | documents/s | MB/s | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for record in report["runs"]:
        t = record["times"]
        print(
            f"| {record['name']} | {record['total_s']:.1f} | {t['documents']:.1f} | {t['feeds']:.1f}"
            f" | {t['page']:.1f} | {t['table']:.1f} | {record['documents_per_s']:.1f}"
            f" | {record['mb_per_s']:.2f} | {record['peak_rss_mb']:.0f} |"
        )
    if "dask-1" in runs and "dask-2" in runs:
        efficiency = runs["dask-1"]["times"]["documents"] / (
            2 * runs["dask-2"]["times"]["documents"]
        )
        print(f"parallel efficiency, documents phase, 2 workers over 1: {efficiency:.2f}")
    if "peer" in runs and "cached-full" in runs:
        print(
            f"full build, today / this: {runs['peer']['total_s'] / runs['cached-full']['total_s']:.2f}×"
        )
    if "cached-full" in runs:
        full = runs["cached-full"]["total_s"]
        for name in ("cached-unchanged", "cached-plus-1%"):
            if name in runs:
                print(f"{name} / full build: {runs[name]['total_s'] / full:.3f}")
    if report["page"]:
        print(f"page: {report['page']}")


if __name__ == "__main__":
    main()
