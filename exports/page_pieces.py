"""The page's pieces rebuilt one by one: fingerprints, the card cache, what a build kept.

A page or search piece holds only facts of its own rows (:mod:`exports.site_pages`):
a year's page and its search pieces the year's events, an association's page
its newest events. So a piece whose rows, options and code did not change is
the same file as before. With a cache folder, :func:`write_timeline
<exports.html.write_timeline>` records for each piece a fingerprint of its
inputs and the digests of the files it wrote (``pieces.json``); the next build
renders a piece only when its fingerprint changed or one of its files is no
longer, byte for byte, where it was (in the published folder or the output
folder). Shared pieces (the first page, ``search/years.js``,
``search/reviews.js``) are small and always rendered.

A piece that must be rendered again mostly holds cards that did not change:
each event's card (its HTML, with its number left out, and what the page data
and the search index need of it) is kept per year (``cards/<year>.pickle``),
keyed by a hash of every cell of its row (:func:`row_keys`). A card is a
function of its row, the options and the code alone, so an event whose row did
not change is not decoded or rendered again.

Never stale: a fingerprint holds every cell of the piece's rows (two 64-bit
hashes per row, with each object cell's type), their order, the table's
columns and types, every option, the piece's own context (the year list its
navigation shows, its name) and a hash of every file of ``exports/`` and
``timeline/`` (code, templates, tables). The folder can be deleted at any
time: the next build renders everything. Entries are Python pickles, as in
the engine's cache (:mod:`timeline.cache`): the folder is as trusted as the
user's own files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from exports.event_view import EventView
from exports.page_cards import card_html
from timeline.files import file_digest, write_atomic

#: Bumped when the cache's layout or a card's fields change.
FORMAT = "1"
PIECES = "pieces.json"
CARDS = "cards"
#: An event's number on the pages: its start's year times this, plus its place in the year.
YEAR_BASE = 10_000_000

_MIX = (np.uint64(0x100000001B3), np.uint64(0x9E3779B97F4A7C15))
_SEEDS = (np.uint64(0xCBF29CE484222325), np.uint64(0x84222325CBF29CE4))


class Card(NamedTuple):
    """An event as every page shows it; ``n`` (its number) is set where it is placed."""

    event_id: str
    association: str
    year: int
    group: int  # 0 for the whole year, else the month of the start
    start: date
    end: date
    title: str  # cut, as the card shows it
    full_title: str
    calendar: str  # "" when the event is in the calendar feeds, else why not
    review: str  # the review applied to the table: confirmed, corrected or ""
    head: str  # the card's HTML before its number
    tail: str  # and after it
    search: str  # what a search matches, folded
    n: int = 0

    @property
    def html(self) -> str:
        return f'{self.head} data-i="{self.n}"{self.tail}'


def make_card(view: EventView, review: str, feeds: bool, search: str) -> Card:
    """The card of ``view`` (its HTML made once, cut around its number)."""
    html = str(card_html(view, feeds))
    marker = f' data-i="{view.index}"'
    head, _, tail = html.partition(marker)  # the event id before it is escaped: no quote
    return Card(
        view.event_id,
        view.association,
        view.year,
        view.group,
        view.start,
        view.end,
        view.title,
        view.full_title,
        view.calendar,
        review,
        head,
        tail,
        search,
    )


def row_keys(table: pd.DataFrame) -> list[bytes]:
    """A 16-byte hash of every cell of each row of ``table`` (the same row, the same key).

    pandas' per-value hashes of each column, mixed two ways; an object column's
    cells are hashed as their text, so their types are mixed in too.
    """
    size = len(table)
    first = np.full(size, _SEEDS[0], dtype=np.uint64)
    second = np.full(size, _SEEDS[1], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for name in table.columns:
            column = table[name]
            value = pd.util.hash_pandas_object(column, index=False).to_numpy(dtype=np.uint64)
            if column.dtype == object:
                kinds = column.map(lambda cell: type(cell).__name__)
                kind = pd.util.hash_pandas_object(kinds, index=False).to_numpy(dtype=np.uint64)
                value = value ^ (kind * _MIX[1])
            first = (first ^ value) * _MIX[0]
            second = second * _MIX[1] + value
    keys = np.empty((size, 2), dtype=np.uint64)
    keys[:, 0], keys[:, 1] = first, second
    data = keys.tobytes()
    return [data[at : at + 16] for at in range(0, len(data), 16)]


def fingerprint(context: str, *parts: Any, keys: list[bytes] = ()) -> str:  # type: ignore[assignment]
    """A SHA-256 of the build's ``context``, a piece's ``parts`` and its rows' ``keys`` in order."""
    digest = hashlib.sha256(context.encode())
    digest.update(json.dumps(parts, ensure_ascii=False, default=str).encode() + b"\0")
    digest.update(b"".join(keys))
    return digest.hexdigest()


def build_context(table: pd.DataFrame, code: str, options: dict) -> str:
    """What every piece depends on beyond its rows: the code, the options, the columns."""
    columns = [[str(name), str(dtype)] for name, dtype in table.dtypes.items()]
    return json.dumps([FORMAT, code, options, columns], ensure_ascii=False, sort_keys=True)


class PieceCache:
    """The cache folder of the page: the last build's pieces and the cards, by year."""

    def __init__(self, folder: Path, context: str) -> None:
        self.folder = folder
        self.context = context
        self.key = hashlib.sha256(context.encode()).hexdigest()
        self.pieces: dict[str, dict] = {}
        try:
            state = json.loads((folder / PIECES).read_text("utf-8"))
            if state.get("format") == FORMAT:
                self.pieces = dict(state["pieces"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.pieces = {}
        self.recorded: dict[str, dict] = {}

    def last(self, name: str, print_: str) -> dict | None:
        """The last build's record of piece ``name`` when its fingerprint was ``print_``."""
        entry = self.pieces.get(name)
        if isinstance(entry, dict) and entry.get("fingerprint") == print_:
            return entry
        return None

    def record(self, name: str, print_: str, files: dict[str, str], **extra: Any) -> None:
        self.recorded[name] = {"fingerprint": print_, "files": files, **extra}

    def cards(self, year: int) -> dict[bytes, tuple]:
        """The cards kept for ``year`` (row key -> card fields), none if made otherwise."""
        try:
            with open(self.folder / CARDS / f"{year}.pickle", "rb") as stream:
                key, cards = pickle.load(stream)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            return {}
        return cards if key == self.key and isinstance(cards, dict) else {}

    def keep_cards(self, year: int, cards: dict[bytes, tuple]) -> None:
        data = pickle.dumps((self.key, cards), protocol=pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_atomic(self.folder / CARDS / f"{year}.pickle", data)

    def save(self, years: set[int]) -> None:
        """Write this build's record; forget the cards of years that are gone."""
        state = {"format": FORMAT, "pieces": self.recorded}
        try:
            write_atomic(self.folder / PIECES, json.dumps(state, ensure_ascii=False).encode())
            folder = self.folder / CARDS
            for path in folder.glob("*.pickle") if folder.is_dir() else ():
                if path.stem.lstrip("-").isdigit() and int(path.stem) not in years:
                    path.unlink(missing_ok=True)
        except OSError:
            pass


def same_file(path: Path, digest: str) -> bool:
    """Whether ``path`` is a regular file (not a link) with SHA-256 ``digest``."""
    try:
        return not os.path.islink(path) and path.is_file() and file_digest(path) == digest
    except OSError:
        return False


__all__ = [
    "YEAR_BASE",
    "Card",
    "PieceCache",
    "build_context",
    "fingerprint",
    "make_card",
    "row_keys",
    "same_file",
]
