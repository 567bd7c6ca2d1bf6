"""The event table as static HTML pages: a chronology to filter, search and print.

:func:`write_timeline` writes ``index.html`` (the overview and the newest
:data:`FIRST_PAGE_EVENTS` events), a page per year (``years/<year>.html``), a
page per association (``associations/<slug>.html``) and the corpus's search
index in script pieces (``search/``, :mod:`exports.search_index`), a year at a
time, so the first page stays small whatever the corpus. Every page works from
``file://`` as well as from a web server: its CSS and script are inline, it asks
for nothing over the network (no fonts, no CDNs), data pieces are loaded with
``<script src>`` (never ``fetch``), and a ``Content-Security-Policy`` meta tag
allows only the exact inline ``<style>`` and ``<script>`` it was built with, by
their SHA-256 hashes, and the site's own script files ('self'), so text from a
document can never run as code even if an escaping bug slipped through.
:func:`render_timeline` gives the first page alone, as a string.

Everything from the table goes through Jinja2's autoescaping. The data the script
needs (association names, each event's dates) travels in a
``<script type="application/json">`` block made with :func:`json.dumps` and with
``<``, ``>``, ``&``, U+2028 and U+2029 escaped, so no string can close the block.

The same table always renders the same bytes: events are ordered by start, end,
association and id, and the page holds no timestamp.

>>> from datetime import date
>>> import pandas as pd
>>> table = pd.DataFrame([{"event_id": "ev-1", "association": "汕头市纺织服装产业协会",
...     "start": date(2023, 8, 22), "end": date(2023, 8, 22), "granularity": "day",
...     "title": "年会", "description": "8月22日，协会召开年会。", "date_text": "8月22日"}])
>>> "<mark>8月22日</mark>" in render_timeline(table)
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from exports.event_view import (
    PALETTE_SIZE,
    SHAPES,
    association_look,
    calendar_exclusion,
    clip,
    date_parts,
    mention_offset,
    split_sentence,
    web_address,
)
from exports.feed_links import FeedLink, feed_links
from exports.page_pieces import digest_bytes
from exports.page_render import (
    CalendarNote,
    content_security_policy,
    csp_hash,
    inline_asset,
    keep_compiled_templates,
    script_json,
    template_environment,
)
from exports.site_pages import (
    FIRST_PAGE_EVENTS,
    INDEX,
    MARK_LIMIT,
    PAGE_FOLDERS,
    _Output,
    _Site,
)
from timeline.collector import collector_paused
from timeline.files import unchanged, write_atomic

DEFAULT_TITLE = "协会大事记"
FEEDS_PAGE = "feeds.html"
#: The compiled templates' folder in the page's cache folder (:func:`keep_compiled_templates`).
TEMPLATES_FOLDER = "templates"


def render_timeline(
    table: pd.DataFrame,
    feeds: Iterable[Any] = (),
    *,
    title: str = DEFAULT_TITLE,
    base_url: str | None = None,
    include_years: bool | None = None,
    include_open: bool = False,
) -> str:
    """The first page (``index.html``) of ``table`` as one string (see :func:`write_timeline`).

    ``feeds`` (see :func:`feed_links`) are listed with subscribe links; with
    ``base_url`` (``https://host/path/``) those are ``webcal://host/path/…``.
    ``include_years`` and ``include_open`` say whether the feeds hold year-level
    and open-ended events (None for ``include_years``: inferred from the size
    of the all-events feed).
    """
    site = _Site(
        table,
        feeds,
        title=title,
        base_url=base_url,
        include_years=include_years,
        include_open=include_open,
    )
    out = _Output(None)
    site.build(out)
    return out.index


def render_feeds_page(
    feeds: Iterable[Any],
    base_url: str | None = None,
    *,
    title: str = DEFAULT_TITLE,
    calendar: CalendarNote | None = None,
) -> str:
    """``feeds.html``: every feed with a subscribe link and a plain download link.

    ``calendar`` says which events of the page the feeds hold, and why the
    others are not there.
    """
    links = feed_links(feeds, base_url)
    css = inline_asset("timeline.css", "</style")
    scripts = [inline_asset("feeds.js", "</script")] if any(link.relative for link in links) else []
    template = template_environment().get_template("feeds.html.j2")
    return template.render(
        title=title,
        csp=content_security_policy([css], scripts),
        css=css,
        scripts=scripts,
        feeds=links,
        base_url=base_url,
        calendar=calendar,
    )


def _write(path: Path, html: str) -> Path:
    if not unchanged(path, html):
        write_atomic(path, html)
    return path


def write_timeline(
    table: pd.DataFrame,
    out_dir: str | Path,
    feeds: Iterable[Any] | Callable[[], Iterable[Any]] = (),
    *,
    title: str = DEFAULT_TITLE,
    base_url: str | None = None,
    include_years: bool | None = None,
    include_open: bool = False,
    published: str | Path | None = None,
    cache_folder: str | Path | None = None,
    helpers: Callable[[bool], Any] | None = None,
    digests: dict[str, str] | None = None,
) -> Path:
    """Write the site's pages atomically; returns the path of ``index.html``.

    ``index.html`` holds the overview and the newest :data:`FIRST_PAGE_EVENTS`
    events; ``years/<year>.html`` a year each, ``associations/<slug>.html`` an
    association's newest events, ``search/`` the corpus's search index; and
    ``feeds.html`` when there are feeds. Pages are rendered a year at a time. A
    file whose content would not change is left as it is; with ``published``
    (the folder a staging folder will replace), a file it already holds is
    linked from there, not written again.

    With ``cache_folder`` (a folder of the build's cache, e.g. the engine's
    cache folder / ``page``) a piece whose inputs did not change since the last
    build is not rendered again, and an event's card is kept between builds
    (:mod:`exports.page_pieces`); the bytes are those of a build without it.

    ``feeds`` may be a function that gives them: it is called only for the
    first page, made last, so the writer can start before the feeds are
    planned (:func:`exports.site.build_site`); the other pages are made as
    those of a site with feeds (there must be some), and ``include_years``
    must be given.

    ``helpers``: :class:`exports.site_writers.Writers` (what forks the build's
    writers; given, not imported, since the writers' module reads the publisher,
    which reads this one): a large table's years may then be made by up to
    three processes, this one and helpers forked from it
    (:data:`~exports.site_pages.HELPER_FROM` events on, where ``fork`` is
    possible and no other thread runs); each makes whole spans of years (their
    cards, pages and search index) and the shared pages are made here from all.
    The same bytes as one process.

    ``digests``: a dict this fills with the digest of each file written or taken
    unchanged from ``published`` (relative path: SHA-256 cut to 128 bits,
    :func:`exports.page_pieces.digest_bytes`), found as the bytes were written or
    checked: the build's state (:func:`exports.rebuild.record`) then reads none of
    them back.
    """
    out = Path(out_dir)
    feeds = feeds if callable(feeds) else list(feeds)
    if cache_folder is not None:
        keep_compiled_templates(Path(cache_folder) / TEMPLATES_FOLDER)
    with collector_paused():
        site = _Site(
            table,
            feeds,
            title=title,
            base_url=base_url,
            include_years=include_years,
            include_open=include_open,
            cache_folder=Path(cache_folder) if cache_folder is not None else None,
            helpers=helpers,
        )
        hashed = cache_folder is not None or digests is not None
        output = _Output(out, Path(published) if published else None, digests=hashed)
        note = site.build(output)
    if digests is not None:
        digests.update(output.hashes)
    if site.feeds:
        text = render_feeds_page(site.feeds, base_url, title=title, calendar=note)
        _write(out / FEEDS_PAGE, text)
        if digests is not None:
            digests[FEEDS_PAGE] = digest_bytes(text.encode("utf-8"))
    return out / INDEX


__all__ = [
    "DEFAULT_TITLE",
    "FIRST_PAGE_EVENTS",
    "MARK_LIMIT",
    "PAGE_FOLDERS",
    "PALETTE_SIZE",
    "SHAPES",
    "date_parts",
    "FeedLink",
    "association_look",
    "calendar_exclusion",
    "clip",
    "mention_offset",
    "content_security_policy",
    "csp_hash",
    "feed_links",
    "render_feeds_page",
    "render_timeline",
    "script_json",
    "split_sentence",
    "web_address",
    "write_timeline",
]
