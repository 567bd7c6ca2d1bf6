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

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from exports import rebuild
from exports.html import DEFAULT_TITLE, write_timeline
from exports.ics import FEEDS_FOLDER, STATE_FILE, Feed, build_feeds
from exports.publish import publish
from timeline.files import write_atomic
from timeline.schema import table_pieces  # the table's own file formats

if TYPE_CHECKING:
    from timeline.engine import Engine

TABLE_FILES = ("events.csv", "events.parquet")


@dataclass(frozen=True)
class Site:
    """What :func:`build_site` wrote, relative to its folder."""

    folder: Path
    feeds: list[Feed]
    files: list[str]


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

    ``engine``: the build's engine (:class:`timeline.engine.Engine`), for the
    workers the site may use and its cache folder; None: this process, no cache.
    """
    out = Path(out_dir)
    when = now or _source_date()

    options = {
        "include_years": include_years,
        "include_open": include_open,
        "base_url": base_url,
        "title": title,
    }
    key = rebuild.build_key(table, options)

    def render(staging: Path, published: Path) -> list[Feed]:
        reused = rebuild.reuse(published, staging, key)  # nothing changed: nothing rendered
        if reused is not None:
            return reused
        _copy_feeds(published, staging)  # the feed state keeps SEQUENCE across builds
        feeds = build_feeds(
            table, staging, include_years=include_years, include_open=include_open, now=when
        )
        write_timeline(
            table,
            staging,
            feeds,
            title=title,
            base_url=base_url,
            include_years=include_years,
            include_open=include_open,
            published=published,  # pages that did not change are linked, not rewritten
        )
        write_table_files(table, staging)
        rebuild.record(staging, key, feeds)
        return feeds

    feeds = publish(out, render)
    files = ["index.html", "feeds.html", *(feed.path for feed in feeds), *TABLE_FILES]
    return Site(folder=out, feeds=feeds, files=files)


def write_table_files(table: pd.DataFrame, folder: Path) -> None:
    """events.csv and events.parquet in ``folder``; the CSV text is made and written in
    pieces (:func:`timeline.schema.table_pieces`), never whole in memory."""
    for name in TABLE_FILES:
        write_atomic(folder / name, table_pieces(table, Path(name).suffix))


def _source_date() -> datetime | None:
    """The time ``SOURCE_DATE_EPOCH`` names (reproducible-builds.org), else None (now)."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    return datetime.fromtimestamp(int(value), UTC)


def _copy_feeds(out: Path, staging: Path) -> None:
    """The published feeds and their state, into staging: the build starts from them.

    Read only from a real ``feeds/`` folder of regular files, never through a link.
    """
    if (out / FEEDS_FOLDER).is_symlink():
        return
    for name in _feed_names(out):
        source = out / FEEDS_FOLDER / name
        write_atomic(staging / FEEDS_FOLDER / name, source.read_bytes())


def _feed_names(out: Path) -> list[str]:
    """The feeds (``*.ics``) and their state published in ``out``; nothing else of the folder."""
    folder = out / FEEDS_FOLDER
    if not folder.is_dir():
        return []
    return sorted(
        entry.name
        for entry in folder.iterdir()
        if (entry.suffix == ".ics" and not entry.name.startswith(".") or entry.name == STATE_FILE)
        and entry.is_file()
        and not entry.is_symlink()
    )


__all__ = ["Site", "build_site"]
