"""The whole published folder, built from the event table alone.

    public/
      index.html            the timeline (self-contained, works from file://)
      feeds.html            every feed with a webcal:// subscribe link
      feeds/all.ics         every event
      feeds/<slug>.ics      one feed per association
      events.csv            the event table
      events.parquet

Every file is written atomically and left untouched when its bytes would not
change, so rebuilding unchanged input changes nothing a subscriber can see.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from exports.files import unchanged, write_atomic
from exports.html import DEFAULT_TITLE, write_timeline
from exports.ics import Feed, build_feeds

TABLE_FILES = ("events.csv", "events.parquet")


@dataclass(frozen=True)
class Site:
    """What :func:`build_site` wrote, relative to its folder."""

    folder: Path
    feeds: list[Feed]
    files: list[str]


def _table_bytes(table: pd.DataFrame, suffix: str) -> bytes:
    from timeline.table import write_table  # the table's own file formats

    with tempfile.TemporaryDirectory() as scratch:
        path = write_table(table, Path(scratch) / f"events{suffix}")
        return path.read_bytes()


def build_site(
    table: pd.DataFrame,
    out_dir: str | Path,
    *,
    include_years: bool = False,
    base_url: str | None = None,
    title: str = DEFAULT_TITLE,
    now: datetime | None = None,
) -> Site:
    """Write the timeline, its feeds and the table to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    feeds = build_feeds(table, out, include_years=include_years, now=now)
    write_timeline(table, out, feeds, title=title, base_url=base_url)
    for name in TABLE_FILES:
        data = _table_bytes(table, Path(name).suffix)
        if not unchanged(out / name, data):
            write_atomic(out / name, data)
    files = ["index.html", "feeds.html", *(feed.path for feed in feeds), *TABLE_FILES]
    return Site(folder=out, feeds=feeds, files=files)


__all__ = ["Site", "build_site"]
