"""The whole published folder, built from the event table alone.

    public/
      index.html            the timeline's first page: the overview and the newest events
      years/<year>.html     every event of a year, one page per year (prints that year)
      associations/<slug>.html   an association's newest events and its years
      search/               the whole corpus's search index in small script pieces
      feeds.html            every feed with a webcal:// subscribe link
      feeds/all.ics         every event of the subscription window (the newest years)
      feeds/<slug>.ics      one feed per association, the same window
      feeds/archive/<year>.ics   the older events, one feed per year
      events.csv            the event table
      events.parquet

Every file is written atomically and left untouched when its bytes would not
change, so rebuilding unchanged input changes nothing a subscriber can see; when
the table, the options and the code are those of the published build, nothing
is rendered at all (:mod:`exports.rebuild`, ``.build-state.json``). The
pages work from ``file://`` with no server: the data pieces are scripts loaded
with ``<script src>`` (see :mod:`exports.search_index`).

The site is built as a whole before any of it is published, and published in
one step (:mod:`exports.publish`): rendered into a staging folder beside the
published one, then switched with it atomically. At every instant, even when
the build is killed, the published folder is the whole previous build or the
whole new one; a failure, SIGTERM or SIGINT before the switch leaves it as it
was. ``SOURCE_DATE_EPOCH`` (reproducible builds) fixes the build's time.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from exports import fragments, rebuild
from exports.html import DEFAULT_TITLE, write_timeline
from exports.ics import ARCHIVE, FEEDS_FOLDER, STATE_FILE, Feed, plan_feeds, write_feeds
from exports.publish import publish
from exports.site_writers import Later, Writers, run_all
from exports.table_files import TABLE_FILES, KeptRecords, write_table_files
from timeline import slugs
from timeline.arrow_pool import use_build_pool
from timeline.files import EarlyWriteback, start_durable, write_atomic
from timeline.schema import one_line
from timeline.slugs import slugify


class Engine(Protocol):
    """What the site reads of the build's engine (:class:`timeline.engine.Engine`).

    A protocol, not an import: ``exports`` reads ``timeline`` only through the
    table's contract (``tests/test_layout.py``).
    """

    workers: int | None
    cache: Any  # a timeline.cache.DocumentCache (its ``folder``), or None

    def local_workers(self) -> int: ...


#: The feeds handed to a page writer started before them (removed before publishing).
LATER_FEEDS = ".feeds-for-the-page.pickle"
#: The page's pieces and cards, beside the feeds' fragments in the cache folder.
PAGE_FOLDER = "page"
#: Old builds being removed after the build returned, in the cache folder
#: (:func:`exports.publish.publish`'s ``trash``).
TRASH_FOLDER = "old-builds"
#: The associations' slugs the last build made, in the cache folder (:func:`_kept_slugs`).
SLUGS_FILE = "slugs.json"
#: Rows from which the default engine (every core) writes the site in parallel: the
#: sample corpus's few hundred rows are written in a second, forking would cost more.
PARALLEL_FROM = 5_000
#: Rows past which the writers run one after another whatever the engine: a forked
#: writer copies every page of the table it reads (reading a Python object writes
#: its reference count), so three writers hold the table up to three times over.
#: At 100,000 documents (504,314 rows) the forked writers took the build to 4.2 GB
#: (proportional set size), against 3.3 GB one after another; the bound is 4 GB.
PARALLEL_UP_TO = 200_000


@dataclass(frozen=True)
class Site:
    """What :func:`build_site` wrote, relative to its folder."""

    folder: Path
    feeds: list[Feed]
    files: list[str]
    #: Wall seconds of the feeds' plan and of each writer (``feeds``, ``page``,
    #: ``table files``), each writer's CPU seconds (``page cpu`` …, its threads
    #: too), and ``parallel`` 1.0 when they ran at once; empty when nothing was
    #: rendered (the rebuild shortcut).
    seconds: dict[str, float] = field(default_factory=dict)


def build_site(
    table: pd.DataFrame,
    out_dir: str | Path,
    *,
    include_years: bool = False,
    include_open: bool = False,
    base_url: str | None = None,
    title: str = DEFAULT_TITLE,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> Site:
    """Write the timeline, its feeds and the table to ``out_dir``, all or nothing.

    ``engine``: the build's engine (:class:`timeline.engine.Engine`): with more
    than one local worker the feeds, the pages and the table files are written
    at once, each in a forked process (:func:`parallel_writers`); its cache
    folder keeps each row's VEVENT and CSV record for the next build
    (``<cache>/site``, :mod:`exports.fragments`). None: this process, no cache.
    Forked, the pages and the table files start at once; the feeds' plan (the
    feeds the first page lists, every VEVENT made) is made meanwhile, its rows
    shared among forked processes too, and handed to the page writer
    (:class:`~exports.site_writers.Later`); then this process writes the feeds. In one
    process the plan comes first, then the three writers.
    """
    use_build_pool()  # the site alone (a table read back) takes the build's pool too
    out = Path(out_dir)
    when = now or _source_date()

    options = {
        "include_years": include_years,
        "include_open": include_open,
        "base_url": base_url,
        "title": title,
    }
    key = rebuild.build_key(table, options)

    cache = fragments.site_folder(engine)
    seconds: dict[str, float] = {}
    slug_tables = _kept_slugs(cache)

    def render(staging: Path, published: Path) -> list[Feed]:
        digests = rebuild.digests_file(cache, published)
        reused = rebuild.reuse(published, staging, key, digests)  # nothing changed: nothing made
        if reused is not None:
            return reused
        _copy_feeds(published, staging)  # the feed state keeps SEQUENCE across builds
        keys = fragments.row_keys(table) if cache is not None else None
        parallel = parallel_writers(engine, len(table))
        early: EarlyWriteback | None = None
        with Writers(parallel) as writers, Later(staging / LATER_FEEDS) as feeds:

            def page() -> dict[str, str]:  # each file's digest, for the state
                hashes: dict[str, str] = {}
                write_timeline(
                    table,
                    staging,
                    feeds.get if writers.parallel else plan.feeds,
                    title=title,
                    base_url=base_url,
                    include_years=include_years,
                    include_open=include_open,
                    published=published,  # pages that did not change are linked, not rewritten
                    cache_folder=None if cache is None else cache.parent / PAGE_FOLDER,
                    helpers=Writers if writers.parallel else None,  # its years in forks too
                    digests=hashes,
                )
                return hashes

            kept: KeptRecords | None = None  # the kept CSV records, once looked up

            def table_files() -> dict[str, str]:  # each file's digest, for the state
                return write_table_files(table, staging, cache=cache, keys=keys, kept=kept)

            def feed_files() -> dict[str, str]:  # each file it wrote's digest, for the state
                hashes: dict[str, str] = {}
                write_feeds(plan, staging, hashes)
                return hashes

            if writers.parallel:  # the page and the table files need no plan: they start now
                _load_slug_tables(table)
                # The build's objects frozen until the writers are done: a child's cyclic
                # collector would write to the header of every object it inherited (the
                # table's cells, the documents phase's leftovers), copying the pages of
                # the whole heap into every writer, and each full collection pays for them.
                gc.freeze()
            try:
                if writers.parallel:
                    writers.start("page", page)
                    # A rebuild that makes few CSV records writes the table files here,
                    # after the feeds, not in a third process beside the page.
                    kept = KeptRecords(table, cache, keys) if cache is not None else None
                    if kept is None or not kept.small:
                        writers.start("table files", table_files)
                        if kept is not None:  # the writer has its own copy, and saves it
                            kept.close()
                            kept = None
                planning = time.perf_counter()
                plan = plan_feeds(
                    table,
                    staging,
                    include_years=include_years,
                    include_open=include_open,
                    now=when,
                    cache=cache,
                    keys=keys,
                    split=partial(run_all, parallel=True) if writers.parallel else None,
                )
                seconds["plan"] = time.perf_counter() - planning
                if writers.parallel:
                    feeds.send(plan.feeds)  # the page writer lists them on its first page
                    # Written here, not forked: this process made the plan and would only
                    # wait beside the others (a +1 % rebuild rewrites a few feeds).
                    writers.here("feeds", feed_files)
                    if kept is not None:
                        writers.here("table files", table_files)
                    # then start the disk on what the page writes as it writes it
                    early = EarlyWriteback(staging, skip=[*TABLE_FILES, LATER_FEEDS])
                else:
                    writers.start("page", page)
                    writers.start("table files", table_files)
                    writers.start("feeds", feed_files)
                writers.wait(None if early is None else early.catch_up)
            finally:
                if writers.parallel:
                    gc.unfreeze()
                if kept is not None:  # saved and closed by its writer, unless it failed
                    kept.close()
        start_durable(staging)  # the bulk is written: the disk works while the state is made
        seconds.update(writers.seconds, parallel=float(writers.parallel))
        seconds.update({f"{name} cpu": used for name, used in writers.cpu.items()})
        known: dict[str, str] = {}  # the digests the writers found as they wrote
        for name in ("page", "feeds", "table files"):
            known.update(writers.results.get(name) or {})
        rebuild.record(staging, key, plan.feeds, known, digests)
        return plan.feeds

    feeds = publish(out, render, trash=None if cache is None else cache / TRASH_FOLDER)
    _keep_slugs(cache, slug_tables)
    files = ["index.html", "feeds.html", *(feed.path for feed in feeds), *TABLE_FILES]
    return Site(folder=out, feeds=feeds, files=files, seconds=seconds)


def _load_slug_tables(table: pd.DataFrame) -> None:
    """Name every association of ``table`` once, before the writers are forked.

    The page writer and the feeds' plan both name associations
    (:func:`timeline.slugs.slugify`): a name the last build named
    (:func:`_kept_slugs`) costs nothing; any other loads the pinyin tables (about
    0.4 s), here, once, so that each forked writer has them.
    """
    if "association" not in table:
        return
    names = {name for name in table["association"].unique().tolist() if isinstance(name, str)}
    for name in sorted(names | {one_line(name) for name in names}):
        slugify(name)


def _kept_slugs(cache: Path | None) -> tuple[str, dict[str, str]] | None:
    """The slugs the last build kept in ``cache`` (:data:`SLUGS_FILE`), made known to
    :func:`timeline.slugs.slugify`: a rebuild whose associations all have one never
    loads the pinyin tables. Returns the version of the tables and what was read
    (None without a cache folder)."""
    if cache is None:
        return None
    version = slugs.tables_version()
    try:
        kept = json.loads((cache / SLUGS_FILE).read_bytes())
        named = kept["slugs"] if kept["version"] == version else {}
        slugs.remember(named)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        named = {}
    return version, named


def _keep_slugs(cache: Path | None, kept: tuple[str, dict[str, str]] | None) -> None:
    """Keep the slugs this process knows for the next build, when they are not those kept."""
    if cache is None or kept is None:
        return
    version, named = kept
    known = slugs.known_slugs()
    if known == named:
        return
    with contextlib.suppress(OSError):  # only a saving for the next build
        text = json.dumps({"version": version, "slugs": known}, ensure_ascii=False, sort_keys=True)
        write_atomic(cache / SLUGS_FILE, text)


def parallel_writers(engine: Engine | None, rows: int) -> bool:
    """Whether the writers run at once, each in its process (:mod:`exports.site_writers`).

    Only with an engine of more than one local worker (a cluster's engine too:
    the output folder is here); with the default engine (no number of workers
    asked for) only from :data:`PARALLEL_FROM` rows, below which forking costs
    more than it saves; never past :data:`PARALLEL_UP_TO` rows, where memory
    matters more than the writers' time. ``--workers 0`` (the serial engine)
    keeps one process.
    """
    if engine is None or engine.workers == 0 or engine.local_workers() < 2:
        return False
    if rows > PARALLEL_UP_TO:
        return False
    return engine.workers is not None or rows >= PARALLEL_FROM


def _source_date() -> datetime | None:
    """The time ``SOURCE_DATE_EPOCH`` names (reproducible-builds.org), else None (now)."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    return datetime.fromtimestamp(int(value), UTC)


def _copy_feeds(out: Path, staging: Path) -> None:
    """The published feeds and their state, into staging: the build starts from them.

    Hard links, not copies: :func:`exports.ics.write_feeds` replaces a feed whose
    bytes change (a new file renamed over the link, never written in place), so
    the published file is never touched, and a feed that does not change stays
    the published file itself, which publishing then neither compares nor links
    again and whose digest the build state already holds (:func:`exports.rebuild.record`).
    A copy where a link cannot be made. Read only from a real ``feeds/`` folder of
    regular files, never through a link.
    """
    if (out / FEEDS_FOLDER).is_symlink():
        return
    for name in _feed_names(out):
        source, target = out / FEEDS_FOLDER / name, staging / FEEDS_FOLDER / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            write_atomic(target, source.read_bytes())


def _feed_names(out: Path) -> list[str]:
    """The feeds (``*.ics``, the yearly archive's too) and their state published in ``out``,
    relative to its ``feeds/``; nothing else of the folder, never through a link."""
    found = []
    for folder, prefix in ((out / FEEDS_FOLDER, ""), (out / FEEDS_FOLDER / ARCHIVE, f"{ARCHIVE}/")):
        if not folder.is_dir() or folder.is_symlink():
            continue
        found += [
            prefix + entry.name
            for entry in folder.iterdir()
            if (
                entry.suffix == ".ics"
                and not entry.name.startswith(".")
                or (entry.name == STATE_FILE and not prefix)
            )
            and entry.is_file()
            and not entry.is_symlink()
        ]
    return sorted(found)


__all__ = ["PARALLEL_FROM", "Site", "build_site", "parallel_writers", "write_table_files"]
