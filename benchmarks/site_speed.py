"""Site benchmark: the published pages at 1,000 and 10,000 documents, in headless Chromium.

Usage (from the repository root, inside the virtualenv)::

    python benchmarks/site_speed.py --documents 1000 10000 --work /tmp/site-bench

For each size the corpus is generated as ``benchmarks/scale.py`` does (kept in
``--work`` with its cache, so a second run does not read the documents again)
and built with ``timeline build`` of this tree (every local core; the cache is used).
Then, in the same run, from the table the build wrote (``events.parquet``):

``this``
    this tree's ``write_timeline``: ``index.html`` with the newest events,
    ``years/``, ``associations/``, ``search/`` pieces;
``peer``
    the one-file page of ``--peer`` (default ``9fb4e9a``, ``main`` before this
    work), extracted with ``git archive`` and imported instead of this tree.

Each page writer runs in a fresh process (its time and the growth of its peak
RSS are the page phase's). Each site is opened from ``file://`` in headless
Chromium (Playwright, as the tests do): the first page's load (until its
script has run: the filters shown), a year page's load (the peer has none: its
one page again), and a search (``--query``) until the result is on screen:
the peer filters its cards synchronously; this page's result list says it is
done (``#results[data-query]``). Times are read from the page's own clock
(navigation start to the controls shown; the search's input event to its
result), with the driver's view, round trips included, beside them. Every
figure is the median of ``--trials`` fresh pages; ratios peer / this are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from peer import peer_code, run_json  # noqa: E402
from scale import generate  # noqa: E402  (the same corpus)

PAGE_PHASE = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {source!r})
from exports.html import write_timeline
from timeline.schema import read_table
table = read_table(Path({table!r}))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
write_timeline(table, Path({out!r}))
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": seconds, "peak_mb": after / 1024, "growth_mb": (after - before) / 1024,
                  "events": len(table)}}))
"""


def build(corpus: Path, out: Path, cache: Path) -> float:
    """``timeline build`` of this tree; its wall time."""
    environment = dict(os.environ, TIMELINE_CACHE_DIR=str(cache))
    start = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "timeline"), "build", str(corpus)]
        + ["-o", str(out), "-q"],
        env=environment,
        stdout=subprocess.DEVNULL,  # the command names the page it wrote
        check=False,
    )
    return time.perf_counter() - start


def page_phase(source: Path, table: Path, out: Path) -> dict:
    """The page writer of ``source`` on ``table``, in a fresh process."""
    code = PAGE_PHASE.format(source=str(source), table=str(table), out=str(out))
    return run_json(source, code, f"the page writer of {source}")


def newest_year_not_on_first_page(site: Path) -> int | None:
    years = sorted(int(path.stem) for path in (site / "years").glob("*.html"))
    index = (site / "index.html").read_text(encoding="utf-8")
    linked = [year for year in years if f'href="years/{year}.html"' in index]
    return linked[len(linked) // 2] if linked else (years[0] if years else None)


#: Injected before any page script: the page's own clock at the moment its
#: controls are shown (its script has run), and at a search's input event and
#: the moment its result list says it is done. Read in the page, these leave
#: out the browser driver's round trips (about 0.3 s for a blank page here).
PAGE_CLOCK = """
(() => {
  const shown = () => {
    const controls = document.getElementById('controls');
    if (controls && !controls.hidden) { window.__shown = performance.now(); return; }
    requestAnimationFrame(shown);
  };
  requestAnimationFrame(shown);
  document.addEventListener('input', () => { window.__typed = performance.now(); }, true);
  new MutationObserver(() => {
    const results = document.getElementById('results');
    if (results && window.__query && results.getAttribute('data-query') === window.__query
        && window.__found === undefined) { window.__found = performance.now(); }
  }).observe(document, {subtree: true, attributes: true, childList: true});
})();
"""


def browse(site: Path, query: str, trials: int, year: int | None, timeout_s: float) -> dict:
    """Median load of the first page, of a year page, and a search's time, in Chromium.

    Each figure twice: by the page's own clock (navigation start to the controls
    shown; the search's input event to its result list done) and as the driver
    sees it (``*_driver_s``, round trips included).
    """
    from playwright.sync_api import sync_playwright

    arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    timeout = timeout_s * 1000
    keys = ("first_page_s", "year_page_s", "search_s")
    results: dict[str, list[float]] = {key: [] for key in keys}
    results.update({key.replace("_s", "_driver_s"): [] for key in keys})
    ours = (site / "search").is_dir()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=arguments)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(PAGE_CLOCK)
        for _ in range(trials):
            for key, name in (
                ("first_page_s", "index.html"),
                ("year_page_s", f"years/{year}.html"),
            ):
                if not ours:
                    name = "index.html"  # the peer has one page
                page = context.new_page()
                start = time.perf_counter()
                page.goto((site / name).as_uri(), wait_until="load", timeout=timeout)
                page.wait_for_function("() => window.__shown !== undefined", timeout=timeout)
                results[key.replace("_s", "_driver_s")].append(time.perf_counter() - start)
                results[key].append(page.evaluate("() => window.__shown") / 1000)
                if key == "first_page_s":
                    page.evaluate("query => { window.__query = query; }", query)
                    start = time.perf_counter()
                    page.fill("#search", query, timeout=timeout)
                    if ours:
                        page.wait_for_function(
                            "() => window.__found !== undefined", timeout=timeout
                        )
                        found = page.evaluate("() => window.__found - window.__typed")
                    else:  # the one-file page filters its cards in the input handler
                        found = page.evaluate(
                            "() => new Promise(r => requestAnimationFrame(() => setTimeout("
                            "() => r(performance.now() - window.__typed), 0)))"
                        )
                    results["search_driver_s"].append(time.perf_counter() - start)
                    results["search_s"].append(found / 1000)
                page.close()
        browser.close()
    found = {key: statistics.median(values) for key, values in results.items()}
    found["index_bytes"] = (site / "index.html").stat().st_size
    found["site_bytes"] = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    found["files"] = sum(1 for p in site.rglob("*") if p.is_file())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, nargs="+", default=[1000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/site-bench"))
    parser.add_argument("--peer", default="9fb4e9a", help="git reference of the one-file page")
    parser.add_argument("--query", default="马拉松", help="the search typed")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--peer-trials", type=int, default=1, help="the peer's page is slow")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per page action")
    parser.add_argument(
        "--peer-up-to",
        type=int,
        default=None,
        help="compare with the peer only for corpora of at most this many documents "
        "(its one page takes minutes to open at 10,000)",
    )
    parser.add_argument(
        "--reuse-tables",
        action="store_true",
        help="use <work>/out<N>/events.parquet when it is there (no corpus, no build)",
    )
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    work = arguments.work
    work.mkdir(parents=True, exist_ok=True)
    peer = work / "peer"
    if not peer.exists():
        peer_code(arguments.peer, peer)
    report = []
    for count in arguments.documents:
        corpus = work / f"corpus{count}"
        out = work / f"out{count}"
        if arguments.reuse_tables and (out / "events.parquet").exists():
            seconds = 0.0  # a table of an earlier run
        else:
            if not (corpus / "documents.csv").exists():
                generate(corpus, 0, count)
            seconds = build(corpus, out, work / "cache")
        print(f"{count} documents: timeline build {seconds:.1f} s (cache)", file=sys.stderr)
        record: dict = {"documents": count, "build_s": seconds}
        limit = arguments.peer_up_to
        names = ("this",) if limit is not None and count > limit else ("this", "peer")
        for name, source in (("this", ROOT), ("peer", peer))[: len(names)]:
            site = work / f"page-{name}-{count}"
            shutil.rmtree(site, ignore_errors=True)  # every page written afresh
            record[name] = page_phase(source, out / "events.parquet", site)
            print(f"  {name} page phase {record[name]}", file=sys.stderr, flush=True)
        year = newest_year_not_on_first_page(work / f"page-this-{count}")
        record["year"] = year
        for name in names:
            trials = arguments.trials if name == "this" else arguments.peer_trials
            site = work / f"page-{name}-{count}"
            record[name].update(browse(site, arguments.query, trials, year, arguments.timeout))
            print(f"  {name} in Chromium {record[name]}", file=sys.stderr, flush=True)
        report.append(record)
        _print(record)
    if arguments.json:
        print(json.dumps(report, indent=1))


def _print(record: dict) -> None:
    this, peer = record["this"], record.get("peer")
    print(f"\n{record['documents']:,} documents ({this['events']:,} events), year {record['year']}")
    print(f"{'':22}{'peer (one page)':>18}{'this':>14}{'peer / this':>14}")
    rows = [
        ("index.html bytes", "index_bytes", "{:,.0f}"),
        ("first page load s", "first_page_s", "{:.3f}"),
        ("  (driver's view) s", "first_page_driver_s", "{:.3f}"),
        ("a year's page load s", "year_page_s", "{:.3f}"),
        ("  (driver's view) s", "year_page_driver_s", "{:.3f}"),
        ("search s", "search_s", "{:.3f}"),
        ("  (driver's view) s", "search_driver_s", "{:.3f}"),
        ("page phase s", "seconds", "{:.1f}"),
        ("page phase peak MB", "peak_mb", "{:.0f}"),
        ("page phase growth MB", "growth_mb", "{:.0f}"),
        ("site files", "files", "{:,.0f}"),
        ("site bytes", "site_bytes", "{:,.0f}"),
    ]
    for label, key, form in rows:
        if peer is None:
            print(f"{label:22}{'—':>18}{form.format(this[key]):>14}{'—':>14}")
            continue
        ratio = peer[key] / this[key] if this[key] else float("nan")
        print(f"{label:22}{form.format(peer[key]):>18}{form.format(this[key]):>14}{ratio:>13.2f}×")


if __name__ == "__main__":
    main()
