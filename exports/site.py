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

The site is built as a whole before any of it is published: everything is
rendered into a private staging folder first (outside the published one, so a
killed run leaves nothing half-made in it), and only then are the files whose
bytes changed moved in, each with :func:`timeline.files.write_atomic`. A failure
while rendering leaves the published folder untouched; a failure while moving
files in puts back the files already replaced, so a failed run leaves the
previous outputs as they were.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from exports.html import DEFAULT_TITLE, write_timeline
from exports.ics import FEEDS_FOLDER, STATE_FILE, Feed, build_feeds
from timeline.files import unchanged, write_atomic
from timeline.schema import table_bytes  # the table's own file formats

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
) -> Site:
    """Write the timeline, its feeds and the table to ``out_dir``, all or nothing."""
    out = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="timeline-build-") as scratch:
        staging = Path(scratch)
        _copy_feeds(out, staging)  # the feed state keeps SEQUENCE across builds
        feeds = build_feeds(
            table, staging, include_years=include_years, include_open=include_open, now=now
        )
        write_timeline(table, staging, feeds, title=title, base_url=base_url)
        for name in TABLE_FILES:
            write_atomic(staging / name, table_bytes(table, Path(name).suffix))
        _publish(staging, out)
    files = ["index.html", "feeds.html", *(feed.path for feed in feeds), *TABLE_FILES]
    return Site(folder=out, feeds=feeds, files=files)


def _copy_feeds(out: Path, staging: Path) -> None:
    """The published feeds and their state, into staging: the build starts from them."""
    for name in _feed_names(out):
        source = out / FEEDS_FOLDER / name
        write_atomic(staging / FEEDS_FOLDER / name, source.read_bytes())


def _files(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    }


def _publish(staging: Path, out: Path) -> None:
    """Move the staged site into ``out``: changed files only, put back on failure.

    Feeds that the staged build removed (an association no longer in the table)
    are removed last, once everything else is in place.
    """
    staged = _files(staging)
    before = {f"{FEEDS_FOLDER}/{name}" for name in _feed_names(out)}
    replaced: list[tuple[Path, bytes | None]] = []
    try:
        for relative in sorted(staged, key=_publication_order):
            data = (staging / relative).read_bytes()
            target = out / relative
            if unchanged(target, data):
                continue
            previous = target.read_bytes() if target.is_file() else None
            write_atomic(target, data)
            replaced.append((target, previous))
    except BaseException:
        _put_back(replaced)
        raise
    for relative in sorted(before - staged):
        (out / relative).unlink(missing_ok=True)


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


def _publication_order(relative: str) -> tuple[int, str]:
    """Feeds and the table first, the pages that link to them last, the feed state at the very end.

    A subscriber or visitor arriving mid-publication then never follows a link
    to a feed that is not there yet; the state is written only once every feed
    it describes is.
    """
    if relative.endswith("/.state.json"):
        return 3, relative
    if relative.endswith(".html"):
        return 2, relative
    return 1, relative


def _put_back(replaced: list[tuple[Path, bytes | None]]) -> None:
    """Undo :func:`_publish`: restore replaced files, remove new ones (best effort)."""
    for target, previous in reversed(replaced):
        try:
            if previous is None:
                target.unlink(missing_ok=True)
            else:
                write_atomic(target, previous)
        except OSError:
            continue


__all__ = ["Site", "build_site"]
