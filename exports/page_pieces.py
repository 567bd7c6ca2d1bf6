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
not change is not decoded or rendered again. Each year's search postings are
kept too (``postings/<year>.pickle``, with the keys of the year's rows in
order): a span's index made again carries them over and splits only new
events' texts into pairs (:mod:`exports.search_postings`).

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
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from exports.event_view import EventView
from exports.page_cards import card_html
from exports.page_render import json_text, script_escaped
from exports.row_keys import row_key_bytes
from exports.search_index import fold_joined, summary_json
from timeline.files import file_digest

#: Bumped when the cache's layout or a card's fields change.
FORMAT = "4"
#: Hex digits of a file's SHA-256 the piece record keeps (:func:`digest_bytes`): 128 bits.
DIGEST_CHARS = 32
PIECES = "pieces.json"
CARDS = "cards"
#: The folder of each year's search postings (:mod:`exports.search_postings`).
POSTINGS = "postings"
#: Files of cards added to a year before its file is written whole again.
ADDITIONS = 8


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
    head: bytes  # the card's HTML before its number, as UTF-8 (pages are joined as bytes)
    tail: bytes  # and after it
    #: What a search matches, folded, as UTF-8: read (decoded) only for the postings of
    #: new events, so a kept card's is not decoded when its year's file is read.
    search: bytes
    #: What a search shows of it, as JSON (:func:`exports.search_index.summary_json`), UTF-8:
    #: a span's chunks of summaries are joined as bytes.
    summary: bytes
    #: Its row of the page's data (``[id, lane, start, end, title, review, n]``) as JSON,
    #: script-escaped and encoded, before the lane and between the lane and the number:
    #: a page's data is joined from them, not encoded again (:func:`data_row`).
    data_head: bytes
    data_tail: bytes
    n: int = 0

    @property
    def html(self) -> str:
        return (b'%b data-i="%d"%b' % (self.head, self.n, self.tail)).decode()

    def data_row(self, lane: int) -> bytes:
        """Its row of the page's data as JSON (escaped, encoded), in the page's lane ``lane``."""
        return b"%b%d%b%d]" % (self.data_head, lane, self.data_tail, self.n)


def make_card(view: EventView, review: str, feeds: bool, text: Iterable[str]) -> Card:
    """The card of ``view`` (its HTML made once, cut around its number); ``text``: what a
    search matches, in parts joined by spaces (folded part by part, :func:`fold_joined`)."""
    search = fold_joined(text)
    html = str(card_html(view, feeds))
    marker = f' data-i="{view.index}"'
    head, _, tail = html.partition(marker)  # the event id before it is escaped: no quote
    start, end = view.start.isoformat(), view.end.isoformat()
    data_tail = "," + ",".join(map(json_text, (start, end, view.full_title, review))) + ","
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
        head.encode(),
        tail.encode(),
        search.encode(),
        summary_json(view.event_id, view.association, start, end, view.title, search).encode(),
        script_escaped(f"[{json_text(view.event_id)},").encode(),
        script_escaped(data_tail).encode(),
    )


def row_keys(table: pd.DataFrame) -> list[bytes]:
    """A 16-byte hash of every cell of each row of ``table`` (the same row, the same key).

    The site's one set of row keys (:func:`exports.row_keys.row_keys`), made once per
    table and shared with the rebuild shortcut and the fragments.
    """
    return row_key_bytes(table)


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
        #: The files of additions in the cards' folder, by year (:meth:`_additions`).
        self.listed: dict[str, list[int]] | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []

    def last(self, name: str, print_: str) -> dict | None:
        """The last build's record of piece ``name`` when its fingerprint was ``print_``."""
        entry = self.pieces.get(name)
        if isinstance(entry, dict) and entry.get("fingerprint") == print_:
            return entry
        return None

    def record(self, name: str, print_: str, files: dict[str, str], **extra: Any) -> None:
        """Piece ``name`` made with fingerprint ``print_``: its files (digests, or "" for
        those :meth:`save` finds in its ``digests``) and what else a later build needs."""
        self.recorded[name] = {"fingerprint": print_, "files": files, **extra}

    def cards(self, year: int) -> dict[bytes, tuple]:
        """The cards kept for ``year`` (row key -> card fields), none if made otherwise:
        the year's file and the later additions to it (:meth:`keep_cards`), in order."""
        cards: dict[bytes, tuple] = {}
        for path in [self.folder / CARDS / f"{year}.pickle", *self._additions(year)]:
            try:
                with open(path, "rb") as stream:
                    key, found = pickle.load(stream)
            except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
                return cards  # a damaged or missing part: what it held is made again
            if key != self.key or not isinstance(found, tuple):
                return cards
            try:
                cards.update(_unpacked(found))
            except (ValueError, TypeError, OverflowError):
                return cards
        return cards

    def _additions(self, year: int) -> list[Path]:
        """The files of cards added to ``year``'s since its file was written, in order.

        The folder is listed once per build (a listing per year cost a tenth of a
        second at 38 years) and kept up to date by :meth:`keep_cards`.
        """
        if self.listed is None:
            self.listed = {}
            try:
                names = os.listdir(self.folder / CARDS)
            except OSError:
                names = []
            for name in names:
                parts = name.split(".")
                if (
                    len(parts) == 3
                    and parts[2] == "pickle"
                    and parts[1][:3] == "add"
                    and parts[1][3:].isdigit()
                ):
                    self.listed.setdefault(parts[0], []).append(int(parts[1][3:]))
        folder = self.folder / CARDS
        numbers = sorted(self.listed.get(str(year), []))
        return [folder / f"{year}.add{number}.pickle" for number in numbers]

    def known(self, year: int) -> set[bytes]:
        """The row keys whose cards :meth:`cards` should find for ``year`` (read cheaply)."""
        try:
            data = (self.folder / CARDS / f"{year}.keys").read_bytes()
        except OSError:
            return set()
        head = self.key.encode()
        if not data.startswith(head) or (len(data) - len(head)) % 16:
            return set()
        return {data[at : at + 16] for at in range(len(head), len(data), 16)}

    def keep_cards(
        self,
        year: int,
        cards: dict[bytes, tuple],
        keys: list[bytes],
        added: dict[bytes, tuple] | None = None,
        stale: int = 0,
    ) -> None:
        """Keep ``year``'s cards (and, apart, their keys: :meth:`known`).

        ``cards``: every card the year's rows ``keys`` need, and possibly ``stale``
        others (kept for rows the year no longer holds: a row changed or removed);
        ``added``: those not kept before. While the cards not needed and the new
        ones are together at most a quarter of the year's, the year's file stays:
        the new cards go to a file of additions (``<year>.add<n>.pickle``) and
        the stale ones are left where they are (:meth:`cards` reads them, and the
        pages never ask for them). A rebuild that adds a few rows to most years,
        or changes a few (a new document reporting an event already there
        changes its row), writes its new cards, not every card. The year's file
        is written whole again, with only the cards of ``keys``, past
        :data:`ADDITIONS` files of additions, or when more changed.
        """
        folder = self.folder / CARDS
        joined = self.key.encode() + b"".join(keys)
        additions = self._additions(year)
        held = len(cards) - stale  # the cards of the year's rows
        if (
            len(additions) < ADDITIONS
            and (len(added or ()) + stale) * 4 <= held
            and (folder / f"{year}.pickle").is_file()
        ):
            if not added:
                return  # only stale cards: the year's files stay as they are
            number = int(additions[-1].name.split(".")[1][3:]) + 1 if additions else 1
            data = pickle.dumps((self.key, _packed(added)), protocol=pickle.HIGHEST_PROTOCOL)
            self._later(_replace, folder / f"{year}.add{number}.pickle", data)
            self._later(_replace, folder / f"{year}.keys", joined)
            if self.listed is not None:
                self.listed.setdefault(str(year), []).append(number)
            return
        mine = {key: cards[key] for key in keys}
        data = pickle.dumps((self.key, _packed(mine)), protocol=pickle.HIGHEST_PROTOCOL)
        self._later(_replace, folder / f"{year}.pickle", data)
        self._later(_replace, folder / f"{year}.keys", joined)
        for path in additions:
            self._later(path.unlink, True)
        if self.listed is not None:
            self.listed.pop(str(year), None)

    def _later(self, write: Callable[..., Any], *arguments: Any) -> None:
        """Run a write of the cache on its own thread, in order, beside the rendering (the
        file I/O of some 60 MB of postings and cards on a +1 % rebuild at 10,000
        documents); :meth:`flush` waits for them. A write that fails only costs time."""
        if self._writer is None:  # started on the first write: after any helper is forked
            self._writer = ThreadPoolExecutor(1, "page-cache")
        self._pending.append(self._writer.submit(_quietly, write, *arguments))

    def flush(self) -> None:
        """Wait for every write of :meth:`_later` (the next build may read them)."""
        pending, self._pending = self._pending, []
        for done in pending:
            done.result()
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def postings(self, year: int, shards: int) -> tuple[bytes, np.ndarray] | None:
        """The search postings kept for ``year`` (made for ``shards`` shards): its rows'
        keys, joined in page order, and its ``(key, place)`` block; None if absent.

        The file is a pickled head (the cache's key, the shard count, the keys, the
        postings' count) followed by the block's bytes, read straight into an array.
        """
        try:
            with open(self.folder / POSTINGS / f"{year}.pickle", "rb") as stream:
                key, count, keys, size = pickle.load(stream)
                if key != self.key or count != shards or not isinstance(size, int):
                    return None
                data = stream.read()
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            return None
        if len(data) != size * 16:
            return None
        return keys, np.frombuffer(data, dtype=np.int64).reshape(size, 2)

    def keep_postings(self, year: int, shards: int, keys: bytes, block: np.ndarray) -> None:
        """Keep ``year``'s postings for the next build (:meth:`postings`)."""
        block = np.ascontiguousarray(block, dtype=np.int64)  # read, never changed, after this
        head = pickle.dumps((self.key, shards, keys, len(block)), protocol=pickle.HIGHEST_PROTOCOL)
        self._later(_replace, self.folder / POSTINGS / f"{year}.pickle", head, block)

    def sections(self, year: int, shards: int, keys: bytes) -> list[bytes] | None:
        """The search index's sections of ``year`` (:func:`exports.search_index.year_sections`)
        as UTF-8, kept for its rows ``keys`` (joined, in page order) and ``shards`` shards; None if
        the year's rows or the shard count changed, or the file is missing or damaged."""
        try:
            with open(self.folder / POSTINGS / f"{year}.shards.pickle", "rb") as stream:
                key, count, kept, sections = pickle.load(stream)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            return None
        if (
            key != self.key
            or count != shards
            or kept != keys
            or not isinstance(sections, list)
            or len(sections) != shards
            or not all(type(section) is bytes for section in sections)
        ):
            return None
        return sections

    def keep_sections(self, year: int, shards: int, keys: bytes, sections: list[bytes]) -> None:
        """Keep ``year``'s sections of the search index for the next build (:meth:`sections`)."""
        data = pickle.dumps((self.key, shards, keys, sections), protocol=pickle.HIGHEST_PROTOCOL)
        self._later(_replace, self.folder / POSTINGS / f"{year}.shards.pickle", data)

    def save(self, years: set[int], digests: dict[str, str]) -> None:
        """Write this build's record; forget the cards of years that are gone.

        The record is written as the rest of the cache is (:func:`_replace`: renamed
        into place, no fsync; the fsync cost 0.3 s of a +1 % rebuild at 10,000
        documents). After a power cut it is the last build's, this one's, or
        unreadable (then everything is rendered again); a piece it names is taken
        only when its files still have their recorded digests.
        """
        self.flush()
        for entry in self.recorded.values():
            entry["files"] = {
                relative: digest or digests[relative] for relative, digest in entry["files"].items()
            }
        state = {"format": FORMAT, "pieces": self.recorded}
        try:
            _replace(self.folder / PIECES, json.dumps(state, ensure_ascii=False).encode())
            for folder in (self.folder / CARDS, self.folder / POSTINGS):
                for path in sorted(folder.iterdir()) if folder.is_dir() else ():
                    year = path.name.split(".")[0]
                    if year.lstrip("-").isdigit() and int(year) not in years:
                        path.unlink(missing_ok=True)
        except OSError:
            pass


#: A kept card's fields that are dates, kept as their ordinals (a pickled date is a call).
_DATES = (Card._fields.index("start"), Card._fields.index("end"))


def _packed(cards: dict[bytes, tuple]) -> tuple[list[bytes], list[list]]:
    """Cards as a card file keeps them: their keys and their fields a column each, the
    dates as ordinals; unpickling a year's columns costs about half its tuples' (fewer
    objects, no date made through a call per cell)."""
    columns = [list(column) for column in zip(*cards.values(), strict=True)]
    for at in _DATES if columns else ():
        columns[at] = [day.toordinal() for day in columns[at]]
    return list(cards), columns


def _unpacked(found: tuple) -> dict[bytes, tuple]:
    """The cards :func:`_packed` kept (key -> fields)."""
    keys, columns = found
    if not keys:
        return {}
    columns = list(columns)
    for at in _DATES:
        columns[at] = list(map(date.fromordinal, columns[at]))
    return dict(zip(keys, zip(*columns, strict=True), strict=True))


def _replace(path: Path, data: bytes, array: np.ndarray | None = None) -> None:
    """Write a cache file whole or not at all (a temporary file renamed), without fsync;
    ``array``'s bytes after ``data``, written from the array itself (no copy).

    A cache need not outlive a power cut: a damaged entry reads as absent (its key
    or its pickle), and a card it lacks is made again.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
            if array is not None:
                out.write(memoryview(array).cast("B"))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _quietly(write: Callable[..., Any], *arguments: Any) -> None:
    """``write(*arguments)``, an error of the file system ignored: a cache that cannot be
    written only costs time."""
    with contextlib.suppress(OSError):
        write(*arguments)


def digest_bytes(data: bytes) -> str:
    """A file's digest as the piece record keeps it: SHA-256 cut to 128 bits.

    Every file the page writes is digested (some 155 MB on a +1 % rebuild at 10,000
    documents), and every file a rebuild takes as it was is read and digested again
    (:func:`same_file`). OpenSSL's SHA-256 uses the processor's SHA instructions where
    it has them (x86 since about 2017, ARMv8): 1.35 GB/s on this machine against
    BLAKE2b's 0.49 GB/s, which is faster only where they are missing.
    """
    return hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]


def same_file(path: Path, digest: str) -> bool:
    """Whether ``path`` is a regular file (not a link) with ``digest`` (:func:`digest_bytes`)."""
    try:
        if os.path.islink(path) or not path.is_file():
            return False
        return file_digest(path)[:DIGEST_CHARS] == digest
    except OSError:
        return False


__all__ = [
    "Card",
    "PieceCache",
    "build_context",
    "digest_bytes",
    "fingerprint",
    "make_card",
    "row_keys",
    "same_file",
]
