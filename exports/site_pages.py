"""The site's pages and pieces, written a year at a time from the table prepared once.

Each event is decoded and made into a card once (:mod:`exports.page_rows`,
:mod:`exports.event_view`, :mod:`exports.page_cards`): its year's page, the first
page, its association's page and the search index (:mod:`exports.search_index`)
all reuse it.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from exports.chronology import DASH
from exports.event_view import (
    EventView,
    association_look,
    event_views,
    lane_counts,
    year_sections,
)
from exports.feed_links import feed_links
from exports.overview import AXIS_HEIGHT, LANE_HEIGHT, overview
from exports.overview_bins import BinCounts
from exports.page_cards import card_html
from exports.page_render import (
    CalendarNote,
    content_security_policy,
    infer_include_years,
    inline_asset,
    script_json,
    template_environment,
)
from exports.page_rows import PageOrder, rows_at
from exports.search_index import SEARCH_FOLDER, SearchIndex
from timeline.faults import step
from timeline.files import unchanged, write_atomic
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
PIECE_FUNCTION = "timelinePiece"
REVIEWS_PIECE = f"{SEARCH_FOLDER}/reviews.js"


def piece_script(name: str, data: Any) -> str:
    """A data piece: a script file that hands ``data`` to the page (``<script src>``, no fetch).

    >>> piece_script("e0", ["</script>"])
    'timelinePiece("e0",["\\\\u003c/script\\\\u003e"]);\\n'
    """
    return f'{PIECE_FUNCTION}("{name}",{script_json(data)});\n'


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
    a file whose bytes are already in place is left alone.

    Files are stored by one writer thread while the next page is rendered: its
    fsyncs wait on the disk, not on the interpreter. At most :data:`BACKLOG` files
    wait; :meth:`close` waits for all and raises the first error.
    """

    BACKLOG = 32

    def __init__(self, folder: Path | None, published: Path | None = None) -> None:
        self.folder = folder
        self.published = published
        self.index = ""
        self.written: set[str] = set()
        self.pending: deque[Future] = deque()
        self.writer = ThreadPoolExecutor(1, "site-writer") if folder is not None else None

    @property
    def scratch(self) -> Path:
        if self.folder is None:  # made only if postings are spilled, removed after
            import secrets
            import tempfile

            name = f"timeline-search-{os.getpid()}-{secrets.token_hex(4)}"
            return Path(tempfile.gettempdir()) / name
        return self.folder / ".search-postings"

    def write(self, relative: str, text: str) -> None:
        self.written.add(relative)
        if self.folder is None:
            if relative == INDEX:
                self.index = text
            return
        assert self.writer is not None
        while len(self.pending) >= self.BACKLOG:
            self.pending.popleft().result()
        self.pending.append(self.writer.submit(self._store, relative, text.encode("utf-8")))

    def _store(self, relative: str, data: bytes) -> None:
        assert self.folder is not None
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
    def _link(source: Path, target: Path, data: bytes) -> bool:
        if source.is_symlink() or not unchanged(source, data):
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
        feeds: Iterable[Any],
        *,
        title: str,
        base_url: str | None,
        include_years: bool | None,
        include_open: bool,
    ) -> None:
        self.table = table
        # Where each row stands; a row is read and decoded only when its year's page is
        # made (one year's rows in memory at a time), once, column by column.
        self.order = PageOrder(table)
        self.lanes = lane_counts({"association": name} for name in self.order.associations)
        self.lane_of = {name: index for index, (name, _) in enumerate(self.lanes)}
        self.links = feed_links(feeds, base_url)
        self.years: dict[int, tuple[int, int]] = {}  # year -> rows [a, b) (rows sorted by start)
        for number, start in enumerate(self.order.starts):
            first, _ = self.years.get(start.year, (number, number))
            self.years[start.year] = (first, number + 1)
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

    def _all_rows(self) -> Iterator[dict]:
        """Every row in page order, read a year at a time."""
        for a, b in sorted(self.years.values()):
            yield from rows_at(self.table, self.order.positions[a:b])[0]

    def views(self, numbers: Iterable[int]) -> list[EventView]:
        """The cards of the page places ``numbers``, their rows read and decoded now."""
        numbers = list(numbers)
        rows, events = rows_at(self.table, [self.order.positions[n] for n in numbers])
        return event_views(
            rows,
            self.lane_of,
            self.include_years,
            self.include_open,
            numbers=numbers,
            events=events,
        )

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
        if kind == "index" and view.index >= self.first_page:
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
        return note

    def _pages(self, out: _Output) -> CalendarNote:
        search = SearchIndex(len(self.order), out.write, piece_script, out.scratch)
        reasons: dict[str, int] = {}
        bins = BinCounts() if len(self.order) > MARK_LIMIT else None
        # Each card is made once: the first page, the associations' pages and a small
        # overview reuse the views of the year pages (only those they show are kept).
        newest: dict[str, deque[EventView]] = {
            name: deque(maxlen=FIRST_PAGE_EVENTS) for name, _ in self.lanes
        }
        first_views: deque[EventView] = deque(maxlen=len(self.order) - self.first_page)
        shown: list[EventView] = []
        applied = []
        for year, (a, b) in sorted(self.years.items()):
            views = self.views(range(a, b))
            for view in views:
                if view.calendar:
                    reasons[view.calendar] = reasons.get(view.calendar, 0) + 1
                search.add(
                    view.event_id,
                    view.lane,
                    view.start.isoformat(),
                    view.end.isoformat(),
                    view.title,
                    _search_text(view),
                )
                if bins is not None:
                    bins.add(view.lane, view.start)
                else:
                    shown.append(view)
                newest[view.association].append(view)
                status = self.order.statuses[view.index]
                if status:
                    applied.append(
                        [
                            view.index,
                            view.event_id,
                            status,
                            view.start.isoformat(),
                            view.end.isoformat(),
                            view.full_title,
                        ]
                    )
            first_views.extend(views)
            out.write(
                f"{YEARS_FOLDER}/{year}.html",
                self.page("year", views, search=search.info, heading=f"{year}年", year=year),
            )
        info = search.finish()
        out.write(REVIEWS_PIECE, piece_script("reviews", applied))
        ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        note = CalendarNote(len(self.order), len(self.order) - sum(reasons.values()), ordered)
        out.write(
            INDEX,
            self.page(
                "index",
                list(first_views),
                search=info,
                calendar=note if self.links else None,
                overview_views=shown,
                bins=bins,
            ),
        )
        for name, views in newest.items():
            out.write(
                f"{ASSOCIATIONS_FOLDER}/{self.slugs[name]}.html",
                self.page("association", list(views), search=info, heading=name),
            )
        return note

    def page(
        self,
        kind: str,
        views: list[EventView],
        *,
        search: dict,
        heading: str = "",
        year: int | None = None,
        calendar: CalendarNote | None = None,
        overview_views: list[EventView] | None = None,
        bins: BinCounts | None = None,
    ) -> str:
        """One page: the index, a year's page or an association's page."""
        root = "" if kind == "index" else "../"
        sections = year_sections(views)
        lanes_here = {view.lane for view in views}
        counts = {name: count for name, count in self.lanes}
        if kind == "year":
            counts = {}
            for view in views:
                counts[view.association] = counts.get(view.association, 0) + 1
        lanes = [
            (index, name, counts.get(name, 0), *association_look(name))
            for index, (name, _) in enumerate(self.lanes)
            if kind == "index" or index in lanes_here
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
        year_links = self.year_links(kind, year)
        data = {
            "associations": [name for name, _ in self.lanes],
            "events": [
                [
                    view.event_id,
                    view.lane,
                    view.start.isoformat(),
                    view.end.isoformat(),
                    view.full_title,
                    self.order.statuses[view.index],
                    view.index,
                ]
                for view in views
            ],
            "years": sorted(self.years),
            "yearLinks": {str(link.year): link.href for link in year_links},
            "root": root,
            "search": search,
            "kind": kind,
        }
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
        return template.render(
            title=self.title,
            kind=kind,
            root=root,
            heading=heading,
            csp=content_security_policy([css], scripts, script_files=True),
            css=css,
            scripts=scripts,
            data=script_json(data),
            sections=sections,
            lanes=lanes,
            year_links=year_links,
            association_links=association_links if kind == "index" else [],
            overview=drawn,
            feeds=links,
            card=lambda event: card_html(event, bool(links)),
            has_feeds=bool(self.links),
            calendar=calendar,
            total=len(self.order),
            page_total=len(views),
            year_span=_year_span_of(self.years),
            first_day=views[0].start.isoformat() if views else "",
            last_day=max(view.end for view in views).isoformat() if views else "",
        )


def _year_span_of(years: Mapping[int, Any]) -> str:
    if not years:
        return ""
    first, last = min(years), max(years)
    return f"{first}年" if first == last else f"{first}{DASH}{last}年"


def _search_text(view: EventView) -> str:
    """What a search matches: what the event's card shows."""
    when = DASH.join(part.text for part in view.dates)
    sources = " ".join(source.title or source.doc for source in view.sources)
    return " ".join(
        (
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
    )
