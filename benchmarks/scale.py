"""Scale benchmark: the whole build on generated corpora of 1,000 to 100,000 documents.

Usage (from the repository root, inside the virtualenv)::

    python benchmarks/scale.py --documents 1000
    python benchmarks/scale.py --documents 10000 --no-browser --json > scale.json

The corpus is generated from the sample documents in ``data/corpus/``: document
``i`` is sample ``i mod 5`` with every year shifted by ``(i // 5) mod 31 - 15``,
its paragraphs after the title shuffled (seed ``i``) and its own name, so that
no two documents are alike and no cache hit can come from another document.

Every configuration runs in its own fresh process (peak RSS is that process's and
its worker processes' maximum), in the same run; a peer's configuration (below)
runs right before this code's same one, so that a machine whose speed drifts
during the run (this one's did by a quarter within minutes) weighs on both alike:

``peer``
    the issue's baseline, commit ``e3b2994`` (``--peer REF`` names another),
    extracted with ``git archive`` and imported instead of the working tree.
``serial``, ``dask-1``, ``dask-2``
    this code without cache: in-process, then Dask's local process scheduler with
    1 and 2 worker processes.
``cached-full``, ``cached-unchanged``, ``cached-plus-1%``
    with a fresh cache folder (2 workers), into one published folder as a user
    rebuilds it: the full build, the same corpus again, then after adding 1% new
    documents.
``peer-dask-1``, ``peer-dask-2``, ``peer-cached-full``, ``peer-cached-unchanged``, ``peer-cached-plus-1%``
    (only when named in ``--only``) the same with the peer's code, for a peer that
    has the engine and the cache (``--peer main``): before and after in one run.
    The peer's cached runs use a copy of the corpus, to which the same 1% is added.

Each configuration reports the phases of ``timeline build``: ``documents``
(``build_events``: reading and resolving), ``feeds`` (``build_feeds``),
``page`` (``write_timeline``), ``table`` (events.csv and events.parquet), their
total, documents/s and MB/s over the documents phase, the peak RSS of the
whole process tree (workers included) per phase, the ratio of the peer's
total to each run's, and the parallel efficiency of 2 workers over 1
(documents phase and whole build); the outputs of ``serial``, ``dask-1``,
``dask-2`` and ``cached-full`` are compared byte for byte. With
``--browser`` (the default for up to 2,000 documents) the page of the serial
build is opened in headless Chromium (Playwright, as ``tests/test_browser.py``
does): the time to load it and the time of a search filter.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peer import peer_code  # benchmarks/peer.py, beside this file

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


def run_phase(
    corpus: Path, out: Path, workers: int, cache: str | None, phase_file: str | None = None
) -> dict:
    """Build ``corpus`` into ``out`` the way ``timeline build`` does, timing each phase.

    The site is built by ``exports.site.build_site`` (staging folder, atomic switch,
    the rebuild shortcuts) with the build's engine when it takes one. Code whose
    ``build_site`` reports its own timings (``Site.seconds``: its writers may run
    at once, in child processes) gives them: feeds (the plan and the writing),
    page, table files, which overlap; older code has its ``build_feeds``,
    ``write_timeline`` and ``table_bytes`` timed where it calls them, ``page``
    being the rest of the site's time. ``site_s`` is the site's wall time either way. The current phase is written to ``phase_file``
    for the benchmark's process, which samples the memory of this process's
    whole tree from outside: a thread here would change how the engine starts
    its workers (a process holding threads is not forked).
    """
    import inspect

    import exports.site as site
    from timeline.table import build_events

    options = {}
    if "engine" in inspect.signature(build_events).parameters:
        from timeline.cache import DocumentCache
        from timeline.engine import Engine

        options["engine"] = Engine(workers=workers, cache=DocumentCache(cache) if cache else None)
    phase = _Phase(phase_file)
    times: dict[str, float] = {"documents": 0.0, "feeds": 0.0, "page": 0.0, "table": 0.0}
    for name, part in (
        ("build_feeds", "feeds"),
        ("write_timeline", "page"),
        ("table_bytes", "table"),
        ("write_table_files", "table"),  # the table files written in pieces (today's code)
    ):
        if hasattr(site, name):
            setattr(site, name, _timed(getattr(site, name), part, times, phase))
    phase.set("documents")
    start, cpu = time.perf_counter(), _cpu()
    result = build_events([corpus], **options)
    times["documents"] = time.perf_counter() - start
    cpu_documents = _cpu() - cpu
    phase.set("page")
    start, cpu = time.perf_counter(), _cpu()
    if "engine" in inspect.signature(site.build_site).parameters:
        built = site.build_site(result.table, out, engine=options.get("engine"))
    else:
        built = site.build_site(result.table, out)
    whole = time.perf_counter() - start
    cpu_site = _cpu() - cpu
    phase.set("done")
    written = dict(getattr(built, "seconds", None) or {})
    if written:  # the site's own timings: its writers may run at once, in child processes
        times["feeds"] = written.get("plan", 0.0) + written.get("feeds", 0.0)
        times["table"] = written.get("table files", 0.0)
        times["page"] = written.get("page", 0.0)
    else:
        times["page"] = whole - times["feeds"] - times["table"]  # the page, publishing, the rest
    cache_stats = {}
    if options.get("engine") and options["engine"].cache is not None:
        cache_stats = {
            "hits": options["engine"].cache.hits,
            "misses": options["engine"].cache.misses,
        }
    feeds = out / "feeds"
    return {
        "times": times,
        # the site's wall time: its phases above overlap when its writers run at once
        "site_s": whole,
        # stage 1 (the engine) and stage 2 (gathering) of the documents phase
        "stages": dict(getattr(result, "seconds", {})),
        # CPU seconds of this process and its finished worker processes: what the
        # work costs whatever else the machine runs
        "cpu_s": {"documents": cpu_documents, "site": cpu_site},
        "events": len(result.table),
        "documents": result.documents,
        "errors": len(result.errors),
        "cache": cache_stats,
        "all_ics_bytes": (feeds / "all.ics").stat().st_size,
        "feeds_bytes": sum(p.stat().st_size for p in feeds.rglob("*.ics")),
        "code": str(Path(inspect.getfile(build_events)).parent.parent),
    }


class _Phase:
    """The current phase, written to a file the benchmark's sampler reads."""

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self.name = ""

    def set(self, name: str) -> None:
        self.name = name
        if self.path is not None:
            self.path.write_text(name)


def _cpu() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(function, part: str, times: dict, phase: _Phase):
    def timed(*arguments, **keywords):
        before = phase.name
        phase.set(part)
        start = time.perf_counter()
        try:
            return function(*arguments, **keywords)
        finally:
            times[part] += time.perf_counter() - start
            phase.set(before)

    return timed


class _TreeSampler:
    """The summed RSS of process ``pid`` and its descendants every 50 ms, per phase, and
    the cores they kept busy in each phase (CPU seconds of the whole tree over the wall
    seconds of the phase: 2.0 is both cores of this machine, all the time).

    Runs in the benchmark's own process; the phase is read from ``phase_file``.
    """

    def __init__(self, pid: int, phase_file: Path) -> None:
        import threading

        self.pid = pid
        self.phase_file = phase_file
        self.peaks: dict[str, float] = {}
        #: phase -> [CPU seconds, wall seconds] between samples
        self.used: dict[str, list[float]] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        last: tuple[float, float] | None = None
        while not self._done.is_set():
            try:
                phase = self.phase_file.read_text() or "start"
            except OSError:
                phase = "start"
            tree = _tree(self.pid)
            total = sum(_rss_pages(pid) for pid in tree) * page / 2**20
            self.peaks[phase] = max(self.peaks.get(phase, 0.0), total)
            now = (time.perf_counter(), sum(_cpu_seconds(pid) for pid in tree))
            if last is not None:
                used = self.used.setdefault(phase, [0.0, 0.0])
                used[0] += max(0.0, now[1] - last[1])
                used[1] += now[0] - last[0]
            last = now
            self._done.wait(0.05)

    def stop(self) -> dict[str, float]:
        self._done.set()
        self._thread.join()
        return self.peaks


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of process ``pid`` and of its children it has waited for (a child that
    ended is counted in its parent from then on, so the tree's sum goes on rising)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(value) for value in fields[11:15]) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def _tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        one = pending.pop()
        found.append(one)
        for task in Path(f"/proc/{one}/task").glob("*"):
            with contextlib.suppress(OSError):
                pending.extend(int(c) for c in (task / "children").read_text().split())
    return found


def _rss_pages(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _in_process(source: Path, corpus: Path, out: Path, workers: int, cache: str | None) -> dict:
    """:func:`run_phase` in a fresh interpreter importing the code under ``source``.

    Its whole process tree's memory is sampled from here, per phase.
    """
    phase_file = out.parent / f".phase-{out.name}"
    phase_file.write_text("start")
    code = (
        "import json, sys; from pathlib import Path;"
        f"sys.path.insert(0, {str(source)!r});"
        f"sys.path.insert(1, {str(ROOT / 'benchmarks')!r});"
        "import scale;"
        f"print(json.dumps(scale.run_phase(Path({str(corpus)!r}), Path({str(out)!r}),"
        f" {workers}, {cache!r}, {str(phase_file)!r})))"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(source),
        cwd=source,
    ) as child:
        sampler = _TreeSampler(child.pid, phase_file)
        stdout, stderr = child.communicate()
        peaks = sampler.stop()
        used = dict(sampler.used)
    if child.returncode != 0:
        raise SystemExit(f"the run failed:\n{stderr[-3000:]}")
    record = json.loads(stdout.strip().splitlines()[-1])
    peaks.pop("done", None)
    peaks.pop("start", None)
    record["peak_tree_mb"] = peaks  # the process tree's peak RSS in each phase
    # the process tree's CPU seconds and the wall seconds of each phase (:func:`_busy`)
    record["cpu_wall_s"] = {name: used[name] for name in used if name not in ("start", "done")}
    record["peak_rss_mb"] = max(peaks.values(), default=0.0)
    return record


def _environment(source: Path) -> dict[str, str]:
    """The runs' environment: the code under ``source``, its bytecode cached.

    An installed package has its bytecode compiled (pip writes it); a shell with
    ``PYTHONDONTWRITEBYTECODE`` set would compile every module of pandas, dask
    and this project again in every process (seconds of each run, most of a
    worker pool's start), which no user pays.
    """
    environment = dict(os.environ, PYTHONPATH=str(source))
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    # one clock for every run: a +1 % rebuild stamps the events whose content changed
    # with the build's time, which would differ between the peer's run and this one's
    environment.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    return environment


def _warm_up(source: Path) -> None:
    """Import what a run imports once, so that every run finds the bytecode written."""
    modules = [
        "pandas",
        "pyarrow",
        "dask",
        "dask.multiprocessing",
        "distributed",
        "exports.site",
        "exports.html",
        "exports.ics",
        "timeline.table",
        "timeline.cli",
    ]
    code = "import importlib, contextlib\n" + "".join(
        f"with contextlib.suppress(ImportError): importlib.import_module({name!r})\n"
        for name in modules
    )
    subprocess.run([sys.executable, "-c", code], env=_environment(source), cwd=source, check=False)


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
    parser.add_argument(
        "--peer", default=PEER, help=f"git reference of the code to compare with ({PEER})"
    )
    parser.add_argument("--only", default="", help="comma-separated configurations to run")
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    parser.add_argument("--keep", type=Path, help="build under this folder and keep it")
    parser.add_argument(
        "--rebuilds",
        type=int,
        default=1,
        help="trials of the cached rebuilds (unchanged, +1%%), each from the full build's state",
    )
    parser.add_argument(
        "--engine-trials",
        type=int,
        default=1,
        help="pairs of dask-1 and dask-2 runs, each pair in the other order than the last",
    )
    parser.add_argument(
        "--report", type=Path, help="print the table of a saved --json report and run nothing"
    )
    arguments = parser.parse_args()
    if arguments.report:
        _table(json.loads(arguments.report.read_text()))
        return
    count = arguments.documents
    added = max(1, count // 100)
    chosen = set(filter(None, arguments.only.split(",")))
    browser = arguments.browser if arguments.browser is not None else count <= 2000
    work = arguments.keep or Path(tempfile.mkdtemp(prefix="timeline-scale-"))
    records: list[dict] = []
    loads = [os.getloadavg()]
    different: list[str] = []
    try:
        corpus = work / "corpus"
        size = generate(corpus, 0, count)
        cache = str(work / "cache")
        peer_cache = str(work / "cache-peer")
        plan = [  # name, code, workers, cache, documents added, output folder
            ("peer", "peer", 0, None, None, "out-peer"),
            ("serial", "here", 0, None, None, "out-serial"),
            # The peer with the engine and the cache (a peer that has them: --peer main),
            # on a copy of the corpus of its own, so that both sides add the same 1%; each
            # of its runs right before this code's same run, so that a machine whose
            # speed drifts within a run weighs on both alike.
            ("peer-dask-1", "peer", 1, None, None, "out-peer-dask-1"),
            ("dask-1", "here", 1, None, None, "out-dask-1"),
            ("peer-dask-2", "peer", 2, None, None, "out-peer-dask-2"),
            ("dask-2", "here", 2, None, None, "out-dask-2"),
            # One published folder (each code its own), rebuilt as a user rebuilds it.
            ("peer-cached-full", "peer", 2, peer_cache, None, "out-peer-cached"),
            ("cached-full", "here", 2, cache, None, "out-cached"),
            ("peer-cached-unchanged", "peer", 2, peer_cache, None, "out-peer-cached"),
            ("cached-unchanged", "here", 2, cache, None, "out-cached"),
            ("peer-cached-plus-1%", "peer", 2, peer_cache, added, "out-peer-cached"),
            ("cached-plus-1%", "here", 2, cache, added, "out-cached"),
        ]
        sizes = {corpus: size}
        if any(name.startswith("peer-cached") for name in chosen):
            shutil.copytree(corpus, work / "corpus-peer")
            sizes[work / "corpus-peer"] = size
        reference = None
        compared = ("serial", "dask-1", "dask-2", "cached-full")
        warmed: set[Path] = set()
        saved: dict[str, _Saved] = {}  # the state after each full cached build, for --rebuilds

        def corpus_of(name: str) -> Path:
            """The peer's cached builds have a copy of the corpus of their own."""
            return work / "corpus-peer" if name.startswith("peer-cached") else corpus

        def run(
            name: str,
            code: str,
            workers: int,
            cache_dir: str | None,
            folder: str,
            reported: bool = True,
        ) -> dict:
            """One build, in a fresh process; reported: kept in the report and printed."""
            here = corpus_of(name)
            source = peer_code(arguments.peer, work / "peer") if code == "peer" else ROOT
            if source not in warmed:
                _warm_up(source)
                warmed.add(source)
            record = _in_process(source, here, work / folder, workers, cache_dir)
            loads.append(os.getloadavg())
            record["name"] = name
            times = record["times"]
            record["total_s"] = times["documents"] + record.get(
                "site_s", sum(times.values()) - times["documents"]
            )
            record["documents_per_s"] = record["documents"] / record["times"]["documents"]
            record["mb_per_s"] = sizes[here] / 2**20 / record["times"]["documents"]
            if reported:
                records.append(record)
                print(_line(record), file=sys.stderr, flush=True)
            return record

        for name, code, workers, cache_dir, more, folder in plan:
            if (chosen and name not in chosen) or (not chosen and name.startswith("peer-")):
                continue
            here = corpus_of(name)
            if more:
                sizes[here] += generate(here, count, more)
            record = run(name, code, workers, cache_dir, folder)
            if name.endswith("cached-full") and arguments.rebuilds > 1:
                assert cache_dir is not None
                saved[name] = _Saved.of(
                    here, Path(cache_dir), work / folder, work / f"saved-{name}"
                )
            if name in compared:
                if reference is None:
                    reference = work / "out-reference"
                    shutil.copytree(work / folder, reference)
                else:
                    different += _same_bytes(reference, work / folder, name)
            # Further pairs of the engine's runs, each in the other order than the one before
            # (dask-2 first, then dask-1, and so on), before any document is added: this
            # machine's speed drifts by a fifth within minutes, and a pair always run in
            # one order charges the drift to one side.
            if name == "dask-2" and reference is not None:
                for trial in range(2, arguments.engine_trials + 1):
                    pair = [("dask-2", 2), ("dask-1", 1)]
                    for engine_run, engine_workers in pair if trial % 2 == 0 else pair[::-1]:
                        engine_folder = work / f"out-{engine_run}"
                        shutil.rmtree(engine_folder, ignore_errors=True)  # afresh, as the first
                        record = run(
                            f"{engine_run} #{trial}",
                            "here",
                            engine_workers,
                            None,
                            engine_folder.name,
                        )
                        different += _same_bytes(reference, engine_folder, record["name"])
        # Further trials of the cached rebuilds, each from the state the full build left
        # (its cache and published folder copied back, the documents added taken away):
        # one +1 % rebuild on this machine may take from 0.7 to 1.4 times another's.
        for trial in range(2, arguments.rebuilds + 1):
            for name, code, workers, cache_dir, _more, folder in plan:
                if not name.endswith(("cached-unchanged", "cached-plus-1%")):
                    continue
                full = name.replace("unchanged", "full").replace("plus-1%", "full")
                if full not in saved:
                    continue
                here = corpus_of(name)
                if name.endswith("unchanged"):
                    saved[full].restore(count)
                    sizes[here] = size_of(here)
                    # the copies are new files: a first build records their status again
                    run(f"{name} (settling)", code, workers, cache_dir, folder, reported=False)
                    if chosen and name not in chosen:  # the state put back, not timed
                        continue
                elif chosen and name not in chosen:
                    continue
                else:
                    sizes[here] += generate(here, count + (trial - 1) * added, added)
                run(f"{name} #{trial}", code, workers, cache_dir, folder)
        # a peer with today's output: its build against this code's, on the same corpus
        for name, theirs, mine in (
            ("peer-dask-2", "out-peer-dask-2", "out-reference"),
            ("peer-cached", "out-peer-cached", "out-cached"),
        ):
            if (work / theirs).exists() and (work / mine).exists():
                different += _same_bytes(work / mine, work / theirs, name)
        size = sizes[corpus]
        page = None
        if browser and (work / "out-serial" / "index.html").exists():
            page = browse(work / "out-serial")
            print(f"page: {page}", file=sys.stderr)
    finally:
        if not arguments.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = {
        "documents": count,
        "corpus_mb": size / 2**20,
        "load": loads,
        "cpus": os.cpu_count(),
        "peer": arguments.peer,
        "runs": records,
        "different": different,
        "page": page,
    }
    if arguments.json:
        print(json.dumps(report, indent=1))
    else:
        _table(report)


#: The code the issue's baseline was measured with (issue 10: about 235 s for 10,000).
PEER = "e3b2994"


class _Saved:
    """A corpus's state after a full cached build: its manifest, cache and published folder."""

    def __init__(self, corpus: Path, cache: Path, out: Path, folder: Path) -> None:
        self.corpus, self.cache, self.out, self.folder = corpus, cache, out, folder
        self.manifest = (corpus / "documents.csv").read_bytes()

    @classmethod
    def of(cls, corpus: Path, cache: Path, out: Path, folder: Path) -> _Saved:
        saved = cls(corpus, cache, out, folder)
        shutil.copytree(cache, folder / "cache", symlinks=True)
        shutil.copytree(out, folder / "out", symlinks=True)
        return saved

    def restore(self, count: int) -> None:
        """The state saved, the documents from ``count`` on (those added since) removed."""
        for path in self.corpus.glob("*/*"):
            if path.name[:6].isdigit() and int(path.name[:6]) >= count:
                path.unlink()
        (self.corpus / "documents.csv").write_bytes(self.manifest)
        for kept, target in ((self.folder / "cache", self.cache), (self.folder / "out", self.out)):
            shutil.rmtree(target)
            shutil.copytree(kept, target, symlinks=True)


def size_of(corpus: Path) -> int:
    """The bytes of the corpus's documents."""
    return sum(path.stat().st_size for path in corpus.glob("*/*") if path.is_file())


def _same_bytes(first: Path, second: Path, name: str) -> list[str]:
    """The output files of ``second`` whose bytes differ from ``first``'s (printed too)."""
    different = []
    for path in sorted(first.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            other = second / path.relative_to(first)
            if not other.is_file() or other.read_bytes() != path.read_bytes():
                different.append(f"{name}: {path.relative_to(first)}")
                print(f"DIFFERENT: {name} {path.relative_to(first)}", file=sys.stderr)
    return different


def _line(record: dict) -> str:
    t = record["times"]
    return (
        f"{record['name']:18} total {record['total_s']:7.1f} s  documents {t['documents']:7.1f} s"
        f"  feeds {t['feeds']:6.1f}  page {t['page']:6.1f}  table {t['table']:5.1f}"
        f"  {record['documents_per_s']:7.1f} doc/s  {record['mb_per_s']:5.2f} MB/s"
        f"  CPU {_rounded(record['cpu_s'])} s"
        f"  peak {record['peak_rss_mb']:6.0f} MB  cache {record['cache']}"
        f"\n{'':18} process tree's peak RSS per phase (MB): {_rounded(record['peak_tree_mb'])}"
        f"  cores busy per phase: {_busy(record)}"
        f"  all.ics {record['all_ics_bytes']:,} bytes, every feed {record['feeds_bytes']:,}"
    )


def _busy(record: dict) -> dict[str, float]:
    """The cores the run's process tree kept busy in each phase, on average."""
    used = record.get("cpu_wall_s", {})
    return {name: round(cpu / wall, 2) for name, (cpu, wall) in used.items() if wall > 0}


def _cores(record: dict) -> str:
    """The cores the run's process tree kept busy, on average, in its documents phase and
    in the rest (the site); "–" for a report made before they were measured."""
    used = record.get("cpu_wall_s")
    if not used:
        return "–"
    documents = used.get("documents", [0.0, 0.0])
    cpu = sum(value[0] for name, value in used.items() if name != "documents")
    wall = sum(value[1] for name, value in used.items() if name != "documents")
    parts = [documents[0] / documents[1] if documents[1] else 0.0, cpu / wall if wall else 0.0]
    return " / ".join(f"{part:.2f}" for part in parts)


def _rounded(values: dict) -> dict:
    return {name: round(value) for name, value in values.items()}


def _per_document(record: dict) -> float:
    """CPU seconds of the documents phase per document: what a crowded machine changes least."""
    return record["cpu_s"]["documents"] / max(record["documents"], 1)


def _stages(before: dict, after: dict) -> list[str]:
    """The documents phase, its two stages and the whole build, before → after."""
    parts = [("documents phase", before["times"]["documents"], after["times"]["documents"])]
    for stage in ("documents", "gather"):
        if stage in before.get("stages", {}) and stage in after.get("stages", {}):
            label = "stage 1" if stage == "documents" else "stage 2 (gather)"
            parts.append((label, before["stages"][stage], after["stages"][stage]))
    parts.append(("whole build", before["total_s"], after["total_s"]))
    return [f"{label} {a:.2f} → {b:.2f} s ({a / max(b, 1e-9):.1f}×)" for label, a, b in parts]


def _engine_pairs(runs: list[dict], prefix: str = "") -> list[tuple[dict, dict]]:
    """The dask-1 and dask-2 runs of each trial (``--engine-trials``), in trial order."""
    named = {run["name"]: run for run in runs}
    pairs = []
    for trial in range(1, len(runs) + 1):
        tail = "" if trial == 1 else f" #{trial}"
        one, two = named.get(f"{prefix}dask-1{tail}"), named.get(f"{prefix}dask-2{tail}")
        if one is None or two is None:
            break
        pairs.append((one, two))
    return pairs


def _table(report: dict) -> None:
    """The report as a markdown table, then the ratios the issue asks for."""
    runs = {r["name"]: r for r in report["runs"]}
    loads = ", ".join(f"{load[0]:.1f}" for load in report["load"])
    print(
        f"{report['documents']:,} documents, {report['corpus_mb']:.1f} MB, {report['cpus']} CPUs;"
        f" load average (1 min) before and after each run: {loads}"
    )
    phases = ("documents", "feeds", "page", "table")
    print(
        "| run | total s | documents s | feeds s | page s | table s | documents/s | MB/s"
        " | CPU s (documents / site) | CPU ms per document | peak RSS MB"
        " (documents / feeds / page / table) | cores busy (documents / site)"
        " | peer total / this total |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    peer = runs.get("peer")
    for record in report["runs"]:
        t = record["times"]
        cpu = record["cpu_s"]
        peaks = " / ".join(f"{record['peak_tree_mb'].get(p, 0):.0f}" for p in phases)
        ratio = f"{peer['total_s'] / record['total_s']:.2f}×" if peer else "–"
        print(
            f"| {record['name']} | {record['total_s']:.1f} | {t['documents']:.1f} | {t['feeds']:.1f}"
            f" | {t['page']:.1f} | {t['table']:.1f} | {record['documents_per_s']:.1f}"
            f" | {record['mb_per_s']:.2f} | {cpu['documents']:.1f} / {cpu['site']:.1f}"
            f" | {1000 * cpu['documents'] / max(record['documents'], 1):.2f}"
            f" | {peaks} | {_cores(record)} | {ratio} |"
        )
    for prefix in ("peer-", ""):  # the peer's efficiency first, when both its runs were made
        one, two = runs.get(f"{prefix}dask-1"), runs.get(f"{prefix}dask-2")
        if one is None or two is None:
            continue
        documents = one["times"]["documents"] / (2 * two["times"]["documents"])
        whole = one["total_s"] / (2 * two["total_s"])
        print(
            f"{'the peer: ' if prefix else ''}parallel efficiency, 2 workers over 1:"
            f" documents phase {documents:.2f}, whole build {whole:.2f}"
        )
        pairs = _engine_pairs(report["runs"], prefix)
        if len(pairs) > 1:
            ratios = sorted(
                a["times"]["documents"] / (2 * b["times"]["documents"]) for a, b in pairs
            )
            wholes = sorted(a["total_s"] / (2 * b["total_s"]) for a, b in pairs)
            print(
                f"over {len(pairs)} pairs (each in the other order than the one before;"
                f" least to most): documents phase median {statistics.median(ratios):.2f}"
                f" ({', '.join(f'{r:.2f}' for r in ratios)}), whole build median"
                f" {statistics.median(wholes):.2f} ({', '.join(f'{r:.2f}' for r in wholes)})"
            )
        if one.get("stages", {}).get("documents") and two.get("stages", {}).get("documents"):
            stage = one["stages"]["documents"] / (2 * two["stages"]["documents"])
            print(
                f"parallel efficiency of stage 1 alone (the engine, without gathering): {stage:.2f};"
                f" gathering {one['stages']['gather']:.1f} s and {two['stages']['gather']:.1f} s"
            )
    if peer:
        for name in ("serial", "dask-1", "dask-2", "cached-full"):
            if name in runs:
                print(
                    f"full build, peer ({report['peer']}) / {name}:"
                    f" {peer['total_s'] / runs[name]['total_s']:.2f}× in wall time,"
                    f" documents' CPU per document {_per_document(peer) / _per_document(runs[name]):.2f}×"
                )
    for prefix in ("peer-", ""):
        if f"{prefix}cached-full" in runs:
            full = runs[f"{prefix}cached-full"]["total_s"]
            for name in ("cached-unchanged", "cached-plus-1%"):
                if prefix + name in runs:
                    ratio = runs[prefix + name]["total_s"] / full
                    print(f"{prefix}{name} / full build (whole build): {ratio:.3f}")
                trials = [
                    run["total_s"]
                    for run in report["runs"]
                    if run["name"] == prefix + name or run["name"].startswith(f"{prefix}{name} #")
                ]
                if len(trials) > 1:
                    ratios = sorted(total / full for total in trials)
                    print(
                        f"{prefix}{name} / full build over {len(trials)} trials: median"
                        f" {statistics.median(ratios):.3f}, least {ratios[0]:.3f},"
                        f" most {ratios[-1]:.3f} ({statistics.median(trials):.2f} s;"
                        f" {', '.join(f'{t:.2f}' for t in trials)} s)"
                    )
    for name in ("dask-2", "cached-full", "cached-unchanged", "cached-plus-1%"):
        if f"peer-{name}" in runs and name in runs:  # before and after, the same run
            print(f"{name}, peer → this: " + "; ".join(_stages(runs[f"peer-{name}"], runs[name])))
    print(
        "same bytes (serial, dask-1, dask-2, cached-full; a peer's dask-2 and its last cached"
        " build against this code's):",
        report["different"] or "yes",
    )
    if report["page"]:
        print(f"page: {report['page']}")


if __name__ == "__main__":
    main()
