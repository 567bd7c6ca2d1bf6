"""The site's pages and pieces, written a year at a time, each from its own rows only.

Each event is decoded and made into a card once (:mod:`exports.page_rows`,
:mod:`exports.event_view`, :class:`exports.page_pieces.Card`): its year's page,
the first page, its association's page and the search index
(:mod:`exports.search_index`) all reuse it.

No page but the first holds a fact of the whole corpus: an event's number is
its start's year and its slot in that year, which other events added do not move
(:mod:`exports.page_numbers`),
a year's or an association's page lists its own associations (by name, with
their counts on that page), the year chips of other pages carry no counts, and
the search index is a set of per-year pieces with one small shared piece
(``search/years.js``). So a piece changes only when its rows do, and with a
cache folder (:mod:`exports.page_pieces`) only changed pieces are rendered.
"""

from __future__ import annotations

import gc
import os
import secrets
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from exports.association_pages import AssociationYears
from exports.chronology import DASH
from exports.event_view import (
    EventView,
    association_look,
    event_views,
    lanes_of,
)
from exports.feed_links import FeedLink, feed_links
from exports.overview import AXIS_HEIGHT, LANE_HEIGHT, overview
from exports.overview_bins import BinCounts
from exports.page_cards import card_lines, chronology_html
from exports.page_numbers import page_numbers
from exports.page_pieces import (
    Card,
    PieceCache,
    build_context,
    digest_bytes,
    fingerprint,
    make_card,
    row_keys,
    same_file,
)
from exports.page_render import (
    CalendarNote,
    content_security_policy,
    csp_hash,
    infer_include_years,
    inline_asset,
    script_json,
    script_json_with,
    template_environment,
)
from exports.page_rows import CARD_COLUMNS, PageOrder, rows_at
from exports.search_index import (
    CHUNK,
    SEARCH_FOLDER,
    SEARCH_SPAN,
    SPAN_SHARD_BYTES,
    SearchIndex,
    year_sections,
)
from exports.search_postings import carried, year_block
from timeline.faults import step
from timeline.files import one_file, unchanged, write_atomic
from timeline.slugs import slugify

INDEX = "index.html"


YEARS_FOLDER = "years"
ASSOCIATIONS_FOLDER = "associations"
#: Folders the page writer owns: a file in them that a build no longer makes goes away.
PAGE_FOLDERS = (YEARS_FOLDER, ASSOCIATIONS_FOLDER, SEARCH_FOLDER)
#: Events shown as cards on the first page (and on an association's page): the newest.
FIRST_PAGE_EVENTS = 100
#: Up to this many events the overview draws one mark per event, beyond it counts.
MARK_LIMIT = 1500
#: Threads storing the files (each file is written and fsynced by one of them).
WRITERS = 4
#: Rows whose cards are made in one batch (consecutive years' rows read and decoded at
#: once): a year at a time cost a third more at 10,000 documents (38 years); a batch's
#: rows and cards are held in memory until their pages are made.
CARD_BATCH = 16_384
#: Events from which the page writer, when allowed (``write_timeline(..., helpers=Writers)``),
#: makes part of the years' pages and search indexes in a forked helper process: below
#: it, forking costs more than it saves.
HELPER_FROM = 5_000
#: The least work (:meth:`_Site._split`'s units: about a kept card placed on its page) the
#: helper's share must hold: an unchanged rebuild, a few pages made again, is not shared.
HELPER_WORK = 5_000
#: Helpers at most (each makes whole spans of years; :meth:`_Site._split`).
HELPERS = 2
#: A helper's name in messages ("the page part 1 writer (process N) was killed …").
HELPER = "page part"
PIECE_FUNCTION = "timelinePiece"
REVIEWS_PIECE = f"{SEARCH_FOLDER}/reviews.js"
#: The search index's shared piece: each span's shard count and its years' event counts.
YEARS_PIECE = f"{SEARCH_FOLDER}/years.js"


def piece_script(name: str, data: Any) -> str:
    """A data piece: a script file that hands ``data`` to the page (``<script src>``, no fetch).

    >>> piece_script("e0", ["</script>"])
    'timelinePiece("e0",["\\\\u003c/script\\\\u003e"]);\\n'
    """
    return f'{PIECE_FUNCTION}("{name}",{script_json(data)});\n'


def piece_json(name: str, data: bytes) -> bytes:
    """:func:`piece_script` of data already as JSON (made by :func:`script_json`), as UTF-8."""
    return b'%s("%s",%b);\n' % (PIECE_FUNCTION.encode(), name.encode(), data)


@dataclass(frozen=True)
class YearLink:
    year: int
    count: int
    href: str
    here: bool  # the page shows this whole year


@dataclass(frozen=True)
class AssociationLink:
    name: str
    count: int
    href: str
    colour: int
    shape: int


class _Output:
    """Writes the site's files under ``folder`` (or keeps only ``index.html`` when None).

    A file whose bytes the ``published`` folder already holds is hard-linked from
    there instead of written again (no rewrite, no fsync, the time stamp kept);
    a file whose bytes are already in place is left alone. With ``digests``,
    :meth:`write` gives each file's digest (for the piece record) and
    :meth:`keep` takes an unchanged piece's files as they are.

    Files are stored by :data:`WRITERS` writer threads while the next page is
    rendered: their fsyncs wait on the disk, not on the interpreter, and fsyncs
    made together share the file system's journal commits. At most
    :data:`BACKLOG` files wait; :meth:`close` waits for all and raises the first
    error.
    """

    BACKLOG = 64

    def __init__(
        self,
        folder: Path | None,
        published: Path | None = None,
        *,
        digests: bool = False,
    ) -> None:
        self.folder = folder
        self.published = published
        self.digests = digests
        self.index = ""
        self.written: set[str] = set()
        #: relative -> digest (:func:`digest_bytes`) of every file written (filled by the
        #: writer threads) or kept (:meth:`keep`), with ``digests``.
        self.hashes: dict[str, str] = {}
        self.pending: deque[Future] = deque()
        self.writer = ThreadPoolExecutor(WRITERS, "site-writer") if folder is not None else None

    def write(self, relative: str, text: str | bytes) -> str:
        """Store one file (``text``, or its UTF-8 bytes). Its digest (:func:`digest_bytes`,
        with ``digests``) is found by the writer thread, in :attr:`hashes` once
        :meth:`close` returned; "" is returned."""
        self.written.add(relative)
        if self.folder is None:
            if relative == INDEX:
                self.index = text if isinstance(text, str) else text.decode("utf-8")
            return ""
        assert self.writer is not None
        data = text.encode("utf-8") if isinstance(text, str) else text
        while len(self.pending) >= self.BACKLOG:
            self.pending.popleft().result()
        self.pending.append(self.writer.submit(self._store, relative, data))
        return ""

    def keep(self, files: Mapping[str, str]) -> bool:
        """Take a piece's files unchanged (linked from ``published`` or left in place).

        False, and nothing done, unless every file is there with its recorded digest.
        """
        if self.folder is None or not files:
            return False
        found = []
        for relative, digest in files.items():
            if self.published is not None and same_file(self.published / relative, digest):
                found.append((relative, self.published / relative))
            elif same_file(self.folder / relative, digest):
                found.append((relative, None))
            else:
                return False
        for relative, source in found:
            self.written.add(relative)
            if self.digests:  # checked just now: the build state need not read it again
                self.hashes[relative] = files[relative]
            target = self.folder / relative
            linked = source is None or one_file(source, target)
            if not linked and not self._link(source, target, None):
                write_atomic(target, source.read_bytes())
        return True

    def _store(self, relative: str, data: bytes) -> None:
        assert self.folder is not None
        if self.digests:  # hashlib lets the interpreter go on meanwhile
            self.hashes[relative] = digest_bytes(data)
        target = self.folder / relative
        if self.published is not None and self._link(self.published / relative, target, data):
            return
        if not unchanged(target, data):
            write_atomic(target, data)

    def close(self) -> None:
        """Wait for every file to be stored; the first error is raised."""
        try:
            while self.pending:
                self.pending.popleft().result()
        finally:
            if self.writer is not None:
                for waiting in self.pending:
                    waiting.cancel()
                self.writer.shutdown(wait=True)

    @staticmethod
    def _link(source: Path, target: Path, data: bytes | None) -> bool:
        """Hard-link ``source`` at ``target`` (when it holds ``data``, if given)."""
        if source.is_symlink() or (data is not None and not unchanged(source, data)):
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.link.tmp")
        try:
            os.link(source, temporary)
        except OSError:
            return False
        step(f"link {target.name}")
        os.replace(temporary, target)
        return True

    def prune(self) -> None:
        """Remove the pieces of an earlier build that this one did not make."""
        if self.folder is None:
            return
        for name in PAGE_FOLDERS:
            folder = self.folder / name
            if not folder.is_dir() or folder.is_symlink():
                continue
            for path in sorted(folder.iterdir()):
                relative = f"{name}/{path.name}"
                if path.is_file() and relative not in self.written:
                    path.unlink()


class _Site:
    """The table prepared once for every page: rows in page order, lanes, years."""

    def __init__(
        self,
        table: pd.DataFrame,
        feeds: Iterable[Any] | Callable[[], Iterable[Any]],
        *,
        title: str,
        base_url: str | None,
        include_years: bool | None,
        include_open: bool,
        cache_folder: Path | None = None,
        helpers: Callable[[bool], Any] | None = None,
    ) -> None:
        self.table = table
        #: What forks the helpers that may make part of the years (:meth:`_split`):
        #: :class:`exports.site_writers.Writers`, given by the build (None: no helper).
        self.helpers = helpers
        # Where each row stands; a row is read and decoded only when its year's page is
        # made (one year's rows in memory at a time), once, column by column.
        self.order = PageOrder(table)
        self.lanes = lanes_of(self.order.associations)
        self.lane_of = {name: index for index, (name, _) in enumerate(self.lanes)}
        self.base_url = base_url
        self.later: Callable[[], Iterable[Any]] | None = None
        self.feeds: list[Any] = []
        self._links: list[FeedLink] | None = None
        if callable(feeds):  # given when the first page is made: the site has feeds
            feed_links([], base_url)  # the address checked now, not at the end
            if include_years is None:
                raise ValueError("feeds given later need include_years")
            self.later, self.has_feeds = feeds, True
        else:
            self.feeds = list(feeds)
            self._links = feed_links(self.feeds, base_url)
            self.has_feeds = bool(self._links)
        # year -> places [a, b) (places sorted by start): each year's bounds found by bisection
        years = list(map(attrgetter("year"), self.order.starts))
        self.years: dict[int, tuple[int, int]] = {
            year: (bisect_left(years, year), bisect_right(years, year))
            for year in sorted(set(years))
        }
        #: Each page place's number (exports.page_numbers: added events do not move it).
        self.numbers = page_numbers(self.order.starts, self.order.associations, self.years)
        if include_years is None:
            include_years = infer_include_years(self._all_rows(), self.links)
        self.include_years = include_years
        self.include_open = include_open
        self.title = title
        self.slugs: dict[str, str] = {}
        taken: set[str] = set()
        for name, _ in self.lanes:
            slug = slugify(name)
            while slug in taken:
                slug += "-x"
            taken.add(slug)
            self.slugs[name] = slug
        self.first_page = max(0, len(self.order) - FIRST_PAGE_EVENTS)
        self.cache: PieceCache | None = None
        self.keys: list[bytes] = []  # each page place's row key (with a cache)
        if cache_folder is not None:
            from exports.rebuild import code_version

            options = {
                "title": title,
                "include_years": include_years,
                "include_open": include_open,
                "feeds": self.has_feeds,
            }
            context = build_context(table, code_version(), options)
            self.cache = PieceCache(Path(cache_folder), context)
            keys = row_keys(table)  # by table row; kept by page place, once
            self.keys = list(map(keys.__getitem__, self.order.positions))

    @property
    def links(self) -> list[FeedLink]:
        """The feeds' links; feeds given later are asked for now (they must be some)."""
        if self._links is None:
            assert self.later is not None
            self.feeds = list(self.later())
            self._links = feed_links(self.feeds, self.base_url)
            if not self._links:
                raise ValueError("the pages were made for feeds, and none came")
        return self._links

    def _all_rows(self) -> Iterator[dict]:
        """Every row in page order, read a year at a time."""
        for a, b in sorted(self.years.values()):
            yield from rows_at(self.table, self.order.positions[a:b])[0]

    def number(self, place: int) -> int:
        """The number of the event at page place ``place`` (:mod:`exports.page_numbers`)."""
        return self.numbers[place]

    def views(self, places: Iterable[int]) -> list[EventView]:
        """The views of the page places ``places``, their rows read and decoded now."""
        places = list(places)
        positions = [self.order.positions[p] for p in places]
        rows, events = rows_at(self.table, positions, CARD_COLUMNS)
        return event_views(
            rows,
            self.lane_of,
            self.include_years,
            self.include_open,
            numbers=[self.number(p) for p in places],
            events=events,
        )

    def made(self, places: list[int]) -> dict[int, tuple]:
        """New cards (without their number) of the page places ``places``, decoded at once."""
        feeds = self.has_feeds
        return {
            place: tuple(make_card(view, self.order.statuses[place], feeds, _search_text(view)))[
                :-1
            ]
            for place, view in zip(places, self.views(places), strict=True)
        }

    def prepare(self, years: list[int]) -> None:
        """Plan the making of the cards the cache lacks for ``years`` (every card without
        a cache): in batches of consecutive years of up to :data:`CARD_BATCH` rows, each
        decoded at once (reading and decoding cost much per call), not a year at a time;
        a year's page takes them from the batch (:meth:`_next_batch`)."""
        self.fresh: dict[int, tuple] = {}
        self.queue: deque[tuple[int, list[int]]] = deque()
        for year in years:
            a, b = self.years[year]
            if self.cache is None:
                self.queue.append((year, list(range(a, b))))
                continue
            known = self.cache.known(year)
            missing = [a + at for at, key in enumerate(self.keys[a:b]) if key not in known]
            if missing:
                self.queue.append((year, missing))

    def _next_batch(self, year: int) -> None:
        """Make the queued cards of ``year`` and of the years after it, up to
        :data:`CARD_BATCH` rows (at least ``year``'s)."""
        while self.queue and self.queue[0][0] < year:
            self.queue.popleft()  # a year whose page was not made after all
        places: list[int] = []
        while self.queue and (not places or len(places) + len(self.queue[0][1]) <= CARD_BATCH):
            places += self.queue.popleft()[1]
        if places:
            self.fresh.update(self.made(places))

    def cards(self, year: int) -> list[Card]:
        """The cards of ``year`` in page order: kept ones from the cache, the rest made now."""
        a, b = self.years[year]
        if self.cache is None:
            kept: dict[bytes, tuple] = {}
            keys: list[bytes] = [bytes([0]) + place.to_bytes(8, "big") for place in range(a, b)]
        else:
            kept = self.cache.cards(year)
            keys = self.keys[a:b]
        if self.queue and self.queue[0][0] == year:
            self._next_batch(year)
        missing, added = [], {}
        for at, key in enumerate(keys):
            if key not in kept:
                found = self.fresh.pop(a + at, None)
                if found is None:
                    missing.append(at)
                else:
                    kept[key] = added[key] = found
        if missing:
            for at, card in self.made([a + at for at in missing]).items():
                kept[keys[at - a]] = added[keys[at - a]] = card
        # tuple.__new__, not the named tuple's own (a Python function): a year's cards
        # are made on every page of it made again.
        new = tuple.__new__
        cards = [
            new(Card, (*kept[key], number))
            for key, number in zip(keys, self.numbers[a:b], strict=True)
        ]
        stale = len(kept) - len(set(keys))  # kept cards of rows no longer in the year
        if self.cache is not None and (added or stale):
            self.cache.keep_cards(year, kept, keys, added, stale)
        return cards

    def sections(self, year: int, cards: list[Card], shards: int) -> list[bytes]:
        """The search index's sections of ``year`` (its ``cards``, in page order) for a span
        of ``shards`` shards (:func:`exports.search_index.year_sections`), as UTF-8: kept as
        they were when the year's rows did not change, else made from its postings."""
        if self.cache is None:
            texts = [card.search.decode() for card in cards]
            return year_sections(year_block(texts, shards), shards)
        a, b = self.years[year]
        keys = self.keys[a:b]
        joined = b"".join(keys)
        kept = self.cache.sections(year, shards, joined)
        if kept is not None:
            return kept
        sections = year_sections(self.postings(year, cards, shards, keys, joined), shards)
        self.cache.keep_sections(year, shards, joined, sections)
        return sections

    def postings(
        self, year: int, cards: list[Card], shards: int, keys: list[bytes], joined: bytes
    ) -> np.ndarray:
        """The search postings of ``year`` (its ``cards``, in page order; its rows' ``keys``,
        and ``joined``), numbered in the year: the kept ones carried over, only new
        events' texts split into pairs (:mod:`exports.search_postings`); kept for the
        next build."""
        assert self.cache is not None
        kept = self.cache.postings(year, shards)
        block = None
        if kept is not None:
            old, block = kept
            if old == joined:
                return block
            old_keys = [old[at : at + 16] for at in range(0, len(old), 16)]
            found = carried(
                block,
                old_keys,
                keys,
                lambda places: [cards[p].search.decode() for p in places],
                shards,
            )
            block = found[0] if found is not None else None
        if block is None:
            block = year_block([card.search.decode() for card in cards], shards)
        self.cache.keep_postings(year, shards, joined, block)
        return block

    def year_href(self, year: int, kind: str, here: int | None = None) -> str:
        """The link to a year from a page of ``kind`` (a section of the page when it holds it all)."""
        if year not in self.years:
            return ""
        if kind == "index" and self.years[year][0] >= self.first_page:
            return f"#year-{year}"
        if kind == "year":
            return f"#year-{year}" if year == here else f"{year}.html"
        prefix = "../" if kind == "association" else ""
        return f"{prefix}{YEARS_FOLDER}/{year}.html"

    def year_links(self, kind: str, here: int | None = None) -> list[YearLink]:
        return [
            YearLink(
                year,
                b - a,
                self.year_href(year, kind, here),
                self.year_href(year, kind, here).startswith("#"),
            )
            for year, (a, b) in sorted(self.years.items())
        ]

    def event_href(self, view: EventView, kind: str) -> str:
        if kind == "index" and view.index in self.first_numbers:
            return f"#event-{view.event_id}"
        prefix = "../" if kind in ("association", "year") else ""
        if kind == "year":
            return f"{view.year}.html#event-{view.event_id}"
        return f"{prefix}{YEARS_FOLDER}/{view.year}.html#event-{view.event_id}"

    def build(self, out: _Output) -> CalendarNote:
        """Every page and piece, a year at a time; returns what the feeds hold."""
        try:
            note = self._pages(out)
        finally:
            out.close()  # every file stored (or the first error raised) before pruning
        out.prune()
        if self.cache is not None:
            self.cache.save(set(self.years), out.hashes)
        return note

    def kept_piece(self, out: _Output, name: str, print_: str) -> dict | None:
        """The last build's record of an unchanged piece whose files ``out`` could take."""
        if self.cache is None:
            return None
        entry = self.cache.last(name, print_)
        if entry is None or not out.keep(entry["files"]):
            return None
        self.cache.record(name, print_, **{k: v for k, v in entry.items() if k != "fingerprint"})
        return entry

    def _pages(self, out: _Output) -> CalendarNote:
        order, cache = self.order, self.cache
        context = cache.context if cache is not None else ""
        year_list = sorted(self.years)
        self.first_numbers = {self.number(p) for p in range(self.first_page, len(order))}

        def keys(places: Iterable[int]) -> list[bytes]:
            if cache is None:
                return []
            if isinstance(places, range) and places.step == 1:
                return self.keys[places.start : places.stop]
            return [self.keys[p] for p in places]

        # Every event of an association, a page per year (exports.association_pages).
        self.association_years = by_year = AssociationYears(
            self, ASSOCIATIONS_FOLDER, context, keys, YearLink
        )
        # The associations' pages: their newest events; rendered only when those changed.
        newest: dict[str, deque[int]] = {
            name: deque(maxlen=FIRST_PAGE_EVENTS) for name, _ in self.lanes
        }
        for place, name in enumerate(order.associations):
            newest[name].append(place)
        changed: dict[str, tuple[list[int], str]] = {}
        for name, places in newest.items():
            relative = f"{ASSOCIATIONS_FOLDER}/{self.slugs[name]}.html"
            numbers = [self.number(place) for place in places]
            print_ = fingerprint(
                context, relative, name, year_list, numbers, by_year.years[name], keys=keys(places)
            )
            if self.kept_piece(out, relative, print_) is None:
                changed[name] = (list(places), print_)
        wanted = {place for places, _ in changed.values() for place in places}
        wanted.update(p for p, status in enumerate(order.statuses) if status)
        wanted.update(range(self.first_page, len(order)))
        wanted_in_order = sorted(wanted)

        # The search index is cut by spans of SEARCH_SPAN years (each its own index):
        # few pieces for a query to load, and new events change only their span's.
        spans: dict[int, list[int]] = {}
        for year in year_list:
            spans.setdefault(year - year % SEARCH_SPAN, []).append(year)
        span_plan: dict[int, tuple[str, str, dict | None]] = {}
        for span, years in spans.items():
            name = f"{SEARCH_FOLDER}/p{span}"
            a, b = self.years[years[0]][0], self.years[years[-1]][1]
            print_ = fingerprint(context, name, keys=keys(range(a, b)))
            span_plan[span] = (name, print_, self.kept_piece(out, name, print_))
        plan = []  # a year's page: taken as it is, or made again
        for year, (a, b) in sorted(self.years.items()):
            name = f"{YEARS_FOLDER}/{year}.html"
            print_ = fingerprint(context, name, year_list, keys=keys(range(a, b)))
            entry = self.kept_piece(out, name, print_)
            at = bisect_left(wanted_in_order, a)
            making = by_year.plan(out, year)  # its associations' pages of the year, if changed
            needed = (
                making
                or entry is None
                or span_plan[year - year % SEARCH_SPAN][2] is None
                or (at < len(wanted_in_order) and wanted_in_order[at] < b)
            )
            plan.append((year, a, b, name, print_, entry, needed))
        self.prepare([year for year, *_, needed in plan if needed])
        groups = self._split(plan, span_plan, spans)
        if len(groups) > 1:  # compiled and read here once, not in every helper
            template_environment().get_template("timeline.html.j2")
            for name, closing in (("timeline.css", "</style"), ("timeline.js", "</script")):
                csp_hash(inline_asset(name, closing))
        helpers = self.helpers(True) if len(groups) > 1 and self.helpers is not None else None
        if helpers is not None and not helpers.parallel:  # no fork here, or threads run
            groups, helpers = [list(spans)], None
        # The objects made so far frozen while the helpers run (unless the build froze them
        # already, exports.site): a helper's collector would otherwise write to, and so
        # copy, every page of the heap it inherited.
        freeze = helpers is not None and gc.get_freeze_count() == 0
        if freeze:
            gc.freeze()
        try:
            if helpers is None:
                part = self._part(out, set(groups[0]), plan, span_plan, spans, wanted)
            else:
                with helpers:
                    for number, theirs in enumerate(groups[1:], start=1):
                        work = partial(self._helper, out, theirs, plan, span_plan, spans, wanted)
                        helpers.start(f"{HELPER} {number}", work)
                    part = self._part(out, set(groups[0]), plan, span_plan, spans, wanted)
                    helpers.wait()
        finally:
            if freeze:
                gc.unfreeze()
        for number in range(1, len(groups)):
            assert helpers is not None
            other = helpers.results[f"{HELPER} {number}"]
            assert isinstance(other, dict)
            out.written.update(other["written"])
            out.hashes.update(other["hashes"])
            if cache is not None:
                cache.recorded.update(other["recorded"])
            for key in ("shards", "reasons", "chosen"):
                part[key].update(other[key])
        chosen: dict[int, Card] = part["chosen"]
        reasons: dict[str, int] = {}
        for year in year_list:
            for reason, count in part["reasons"][year].items():
                reasons[reason] = reasons.get(reason, 0) + count
        search_spans = [
            [span, part["shards"][span], [[y, self.years[y][1] - self.years[y][0]] for y in years]]
            for span, years in spans.items()
        ]

        out.write(YEARS_PIECE, piece_script("years", {"span": SEARCH_SPAN, "spans": search_spans}))
        applied = [
            [card.n, card.event_id, card.review, card.start.isoformat(), card.end.isoformat()]
            + [card.full_title]
            for place, card in sorted(chosen.items())
            if order.statuses[place]
        ]
        out.write(REVIEWS_PIECE, piece_script("reviews", applied))
        ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        note = CalendarNote(len(order), len(order) - sum(reasons.values()), ordered)
        bins, shown = None, []
        if len(order) > MARK_LIMIT:
            bins = BinCounts.counted(
                map(self.lane_of.__getitem__, order.associations), order.starts
            )
        else:
            shown = self.views(range(len(order)))
        out.write(
            INDEX,
            self.page(
                "index",
                [chosen[place] for place in range(self.first_page, len(order))],
                calendar=note if self.has_feeds else None,
                overview_views=shown,
                bins=bins,
            ),
        )
        for name, (places, print_) in changed.items():
            relative = f"{ASSOCIATIONS_FOLDER}/{self.slugs[name]}.html"
            text = self.page(
                "association",
                [chosen[place] for place in places],
                heading=name,
                year_links=by_year.links(name),
            )
            digest = out.write(relative, text)
            if cache is not None:
                cache.record(relative, print_, {relative: digest})
        return note

    def _split(
        self, plan: list[tuple], span_plan: dict[int, tuple], spans: dict[int, list[int]]
    ) -> list[list[int]]:
        """The spans of years in groups: the first made here, each other one by a forked
        helper (:attr:`helpers` given, the table large enough; where ``fork`` is
        missing or other threads run, :meth:`_pages` makes every group here).

        A span is made whole by one process (its search index numbers its events in
        order). The groups are balanced by a rough cost of each span's work: a card
        made costs about ten times a kept card on its page, a search index made again
        about three. Up to :data:`HELPERS` helpers: a corpus of three large spans of
        ten years (and small ones at its ends) cut in two leaves one process with
        three fifths of the work; each group must hold :data:`HELPER_WORK`.
        """
        if self.helpers is None or len(self.order) < HELPER_FROM or len(spans) < 2:
            return [list(spans)]
        cost = dict.fromkeys(spans, 0)
        for year, a, b, *_, needed in plan:
            if needed:
                cost[year - year % SEARCH_SPAN] += b - a
        for year, places in self.queue:
            cost[year - year % SEARCH_SPAN] += 9 * len(places)
        for span, years in spans.items():
            if span_plan[span][2] is None:
                cost[span] += 3 * (self.years[years[-1]][1] - self.years[years[0]][0])
        for count in range(min(len(spans), HELPERS + 1), 1, -1):
            groups: list[list[int]] = [[] for _ in range(count)]
            loads = [0] * count
            for span in sorted(spans, key=lambda span: (-cost[span], span)):
                lightest = loads.index(min(loads))
                groups[lightest].append(span)
                loads[lightest] += cost[span]
            if min(loads) >= max(1, HELPER_WORK):
                # This process also makes the shared pages afterwards: the lightest group.
                ranked = sorted(range(count), key=lambda at: (loads[at], at))
                return [sorted(groups[at]) for at in ranked]
        return [list(spans)]

    def _helper(
        self,
        out: _Output,
        chosen_spans: list[int],
        plan: list[tuple],
        span_plan: dict[int, tuple],
        spans: dict[int, list[int]],
        wanted: set[int],
    ) -> dict[str, Any]:
        """:meth:`_part` in a forked helper: its own file writers, its records sent back."""
        mine = _Output(out.folder, out.published, digests=out.digests)
        if self.cache is not None:
            self.cache.recorded = {}
        try:
            part = self._part(mine, set(chosen_spans), plan, span_plan, spans, wanted)
        finally:
            mine.close()
            if self.cache is not None:
                self.cache.flush()  # its cards and postings written before it says it is done
        part["written"] = mine.written
        part["hashes"] = mine.hashes
        part["recorded"] = self.cache.recorded if self.cache is not None else {}
        return part

    def _part(
        self,
        out: _Output,
        chosen_spans: set[int],
        plan: list[tuple],
        span_plan: dict[int, tuple],
        spans: dict[int, list[int]],
        wanted: set[int],
    ) -> dict[str, Any]:
        """The year pages and search indexes of the spans ``chosen_spans``: each span's
        shard count, each year's calendar reasons, the cards of ``wanted`` places."""
        cache = self.cache
        self.queue = deque(
            item for item in self.queue if item[0] - item[0] % SEARCH_SPAN in chosen_spans
        )
        search: SearchIndex | None = None
        files: dict[str, str] = {}
        shard_counts: dict[int, int] = {}
        year_reasons: dict[int, dict[str, int]] = {}
        chosen: dict[int, Card] = {}

        def emit(relative: str, text: str | bytes) -> None:
            files[relative] = out.write(relative, text)

        for year, a, _, name, print_, entry, needed in plan:
            span = year - year % SEARCH_SPAN
            if span not in chosen_spans:
                continue
            cards = self.cards(year) if needed else []
            span_name, span_print, span_entry = span_plan[span]
            if year == spans[span][0]:  # a span begins
                files = {}
                search = None
                if span_entry is None:
                    first, last = self.years[year][0], self.years[spans[span][-1]][1]
                    search = SearchIndex(
                        last - first,
                        emit,
                        piece_json,
                        prefix=f"p{span}",
                        shard_bytes=SPAN_SHARD_BYTES,
                    )
            if search is not None:
                search.add_year(
                    [card.summary for card in cards], self.sections(year, cards, search.shards)
                )
            if year == spans[span][-1]:  # a span ends
                if search is not None:
                    search.finish()
                    shard_counts[span] = search.shards
                    if cache is not None:
                        cache.record(span_name, span_print, dict(files), shards=search.shards)
                else:
                    assert span_entry is not None
                    shard_counts[span] = span_entry["shards"]
            lines = None  # the cards' chronology lines, made once for the year's pages
            if entry is None:
                here: dict[str, int] = {}
                for card in cards:
                    if card.calendar:
                        here[card.calendar] = here.get(card.calendar, 0) + 1
                lines = card_lines(cards)
                text = self.page("year", cards, heading=f"{year}年", year=year, lines=lines)
                digest = out.write(name, text)
                if cache is not None:
                    cache.record(name, print_, {name: digest}, reasons=here)
            else:
                here = entry["reasons"]
            year_reasons[year] = here
            if needed:
                self.association_years.write(out, year, a, cards, lines)
            for at, card in enumerate(cards):
                if a + at in wanted:
                    chosen[a + at] = card
        return {"shards": shard_counts, "reasons": year_reasons, "chosen": chosen}

    def page(
        self,
        kind: str,
        cards: list[Card],
        *,
        heading: str = "",
        year: int | None = None,
        calendar: CalendarNote | None = None,
        overview_views: list[EventView] | None = None,
        bins: BinCounts | None = None,
        year_links: list[YearLink] | None = None,
        home: str = "",
        lines: list[bytes] | None = None,
    ) -> bytes:
        """One page, as UTF-8: the index, a year's page, an association's page or its page
        of a year.

        ``year_links``: the page's year list when not the corpus's years (an
        association's); ``home``: the association's page, from its page of a year;
        ``lines``: the cards' chronology lines (:func:`exports.page_cards.card_lines`),
        when made already."""
        root = "" if kind == "index" else "../"
        if kind == "index":  # the shared piece: every association, by its count in the corpus
            page_lanes = self.lanes
        else:  # only the page's own associations, by their count on the page
            page_lanes = lanes_of(map(attrgetter("association"), cards))
        lane_here = {name: index for index, (name, _) in enumerate(page_lanes)}
        lanes = [
            (index, name, count, *association_look(name))
            for index, (name, count) in enumerate(page_lanes)
        ]
        links = self.links if kind == "index" else []
        css = inline_asset("timeline.css", "</style")
        scripts = [inline_asset("timeline.js", "</script")]
        if any(link.relative for link in links):
            scripts.append(inline_asset("feeds.js", "</script"))
        drawn = None
        if kind == "index" and len(self.order):
            drawn = overview(
                overview_views or [],
                self.lanes,
                set(self.years),
                href=lambda view: self.event_href(view, "index"),
                year_href=lambda y: self.year_href(y, "index"),
                bins=bins,
            )
        if year_links is None:
            year_links = self.year_links(kind, year)
        events = b"[" + b",".join([card.data_row(lane_here[card.association]) for card in cards])
        data: dict[str, Any] = {
            "associations": [name for name, _ in page_lanes],
            "years": sorted(self.years),
            "yearLinks": {str(link.year): link.href for link in year_links},
            "root": root,
            "kind": kind,
        }
        if kind == "year":  # the search skips the year this page holds whole
            data["year"] = year
        if self.years:
            data["search"] = {"chunk": CHUNK}
        if drawn is not None and drawn.month_bins:
            data["monthBins"] = drawn.month_bins
            data["colours"] = [association_look(name)[0] for name, _ in self.lanes]
            data["geometry"] = [AXIS_HEIGHT, LANE_HEIGHT]
        association_links = [
            AssociationLink(
                name,
                count,
                f"{root}{ASSOCIATIONS_FOLDER}/{self.slugs[name]}.html",
                *association_look(name),
            )
            for name, count in self.lanes
        ]
        template = template_environment().get_template("timeline.html.j2")
        chronology = chronology_html(cards, lines)
        data_text = script_json_with(data, "events", events + b"]")
        # The template is rendered around two markers, the page's large parts put in their
        # place after: passed through the template, each (a Markup of megabytes) was copied
        # two or three times by the escaping. They are bytes, joined from what the cards
        # keep: only the template's text is encoded here.
        text = template.render(
            title=self.title,
            kind=kind,
            root=root,
            heading=heading,
            home=home,
            csp=content_security_policy([css], scripts, script_files=True),
            css=css,
            scripts=scripts,
            data=Markup(_DATA_MARK),
            chronology=Markup(_CHRONOLOGY_MARK),
            lanes=lanes,
            year_links=year_links,
            association_links=association_links if kind == "index" else [],
            overview=drawn,
            feeds=links,
            has_feeds=self.has_feeds,
            calendar=calendar,
            total=len(self.order),
            page_total=len(cards),
            year_span=_year_span_of(self.years),
            first_day=cards[0].start.isoformat() if cards else "",
            last_day=max(card.end for card in cards).isoformat() if cards else "",
        )
        head, _, rest = text.partition(_CHRONOLOGY_MARK)
        middle, _, tail = rest.partition(_DATA_MARK)
        if not tail or _CHRONOLOGY_MARK in tail or _DATA_MARK in head or _DATA_MARK in tail:
            raise ValueError("a page's text holds the page writer's marker")
        return b"".join((head.encode(), chronology, middle.encode(), data_text, tail.encode()))


#: Where a page's chronology and data go in its rendered template (:meth:`_Site.page`):
#: no text of a table holds them (made afresh in every process, never written out).
_CHRONOLOGY_MARK = f"\x00chronology-{secrets.token_hex(16)}\x00"
_DATA_MARK = f"\x00data-{secrets.token_hex(16)}\x00"


def _year_span_of(years: Mapping[int, Any]) -> str:
    if not years:
        return ""
    first, last = min(years), max(years)
    return f"{first}年" if first == last else f"{first}{DASH}{last}年"


def _search_text(view: EventView) -> tuple[str, ...]:
    """What a search matches: what the event's card shows, in parts joined by spaces."""
    when = DASH.join(part.text for part in view.dates)
    sources = " ".join(source.title or source.doc for source in view.sources)
    return (
        when,
        view.time,
        view.precision,
        view.written,
        view.role,
        view.status,
        view.full_title,
        view.association,
        view.before + view.mark + view.after,
        view.organisations,
        view.doc_title,
        view.doc,
        view.published,
        view.source_text,
        sources,
    )
