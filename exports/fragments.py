"""Bytes made per row of the table, kept between builds: a VEVENT, a CSV record.

A site rebuilt after a few documents were added has the same rows as before,
plus a few: their VEVENTs and their records of ``events.csv`` are the bytes of
the last build. A :class:`FragmentStore` keeps those bytes in the build's
cache folder (``<cache>/site/``, see :mod:`timeline.cache`), so that a
rebuild renders only the rows that are new or changed and copies the rest.

Every row has a key (:func:`row_keys`): the 128-bit hash of all its cells that
the page and the rebuild shortcut use too (:mod:`exports.row_keys`, made once
per build; the ``event_id`` is one of the cells); a *salt* common to the whole
store holds what else makes the bytes: the code of the exporters
(:func:`code_version`), the table's columns and types, and the writer's
options. A store whose salt differs is not read at all. What a fragment also
depends on beyond the row (a VEVENT's ``SEQUENCE`` and time stamps) is kept
beside the bytes as its *meta* and checked by the caller before the bytes are
used.

On disk a store is *segments* (``<name>-<token>.bin``: fragments one after the
other, never changed once written), a *base* index (``<name>.idx``) and a
*delta* index (``<name>.delta``); each index is a pickle of the salt, the
segments it reads (name and size) and per entry the row's key, its segment,
offset and length, and its meta (arrays, one pickle each, not an object per
row). A rebuild that adds a few rows writes their fragments to one new small
segment and replaces the delta (the last delta's entries still in use and the
new ones): nothing of the base is read or written but the entries it looks up.
When the entries no table row uses (*dead*: rows removed or changed) pass
:data:`DEAD_SHARE` of the live ones, or the segments :data:`MAX_SEGMENTS`, the
store is *compacted*: the live fragments are copied into one new segment and a
new base index written, the delta and the older segments removed.

Crash-safe: an index is replaced whole (a temporary file renamed) only after
the segments it names are written and synced, and a segment is never written
again, so whatever step a build is killed at, each index names fragments
exactly as they were written (a segment whose size is not the index's is not
read; a delta names the base it extends, by a token, and is ignored with any
other). Every entry's bytes are a function of its key, the salt and its meta
alone, so a store that lost entries (a delta ignored) only costs renders, never
wrong bytes. Deleting the folder is always safe; a damaged or unreadable store
is ignored; a folder that cannot be written only means nothing is kept.
Pickles, like the document cache: the folder is as trusted as the user's own files.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import pickle
import secrets
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exports import row_keys as keys_of_rows
from timeline.faults import step
from timeline.files import source_digest

#: Bumped when the files' layout changes (3: segments, a base and a delta index).
FORMAT = "3"
#: The folder of the stores inside the build's cache folder.
SITE_FOLDER = "site"
#: Fragments put are written to the new segment this many bytes at a time.
PENDING_BYTES = 1 << 20
#: A store is compacted when its dead entries pass this share of the live ones...
DEAD_SHARE = 0.25
#: ...or when the delta reads more segments than this.
MAX_SEGMENTS = 8

#: The rows' keys: an array of ``(rows, 2)`` unsigned 64-bit hashes (:mod:`exports.row_keys`).
Keys = np.ndarray


def row_keys(table: pd.DataFrame) -> Keys:
    """Every row's key (:func:`exports.row_keys.row_keys`: every cell, an object cell's
    type too, so a ``None`` is not the text ``"None"``; made once per table)."""
    return keys_of_rows.row_keys(table)


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of every file of ``exports/`` and ``timeline/``: code, templates, tables.

    What every published byte is made by: the fragments kept here and the whole
    build's key (:mod:`exports.rebuild`) depend on it.
    """
    return source_digest(Path(__file__).resolve().parent.parent, ("exports", "timeline"), FORMAT)


def salt(table: pd.DataFrame, *parts: object) -> str:
    """What every fragment of a store depends on besides its row: code, columns, options."""
    shape = [[str(name), str(dtype)] for name, dtype in table.dtypes.items()]
    material = repr([FORMAT, code_version(), shape, [repr(part) for part in parts]])
    return hashlib.sha256(material.encode()).hexdigest()


class _Index:
    """Entries of a store, as arrays: key halves, segment, offset, length; metas a list."""

    def __init__(
        self,
        keys: np.ndarray,
        where: np.ndarray,
        metas: list,
    ) -> None:
        self.keys = keys.reshape(-1, 2).astype(np.uint64, copy=False)  # (n, 2)
        self.where = where.reshape(-1, 3).astype(np.int64, copy=False)  # segment, offset, length
        self.metas = metas

    @classmethod
    def empty(cls) -> _Index:
        return cls(np.empty((0, 2), np.uint64), np.empty((0, 3), np.int64), [])

    def __len__(self) -> int:
        return len(self.keys)

    def take(self, entries: np.ndarray) -> _Index:
        return _Index(self.keys[entries], self.where[entries], [self.metas[e] for e in entries])

    def then(self, other: _Index) -> _Index:
        """The entries of both, ``other``'s winning where a key is in both."""
        joined = _Index(
            np.concatenate([self.keys, other.keys]),
            np.concatenate([self.where, other.where]),
            self.metas + other.metas,
        )
        return joined.unique()

    def unique(self) -> _Index:
        """One entry per key, the last one given winning; the order kept."""
        if len(self) < 2:
            return self
        order = np.lexsort((self.keys[:, 1], self.keys[:, 0]))  # stable: the last of a key last
        ordered = self.keys[order]
        later = np.flatnonzero((ordered[1:] == ordered[:-1]).all(axis=1))  # a key seen again
        if not len(later):
            return self
        keep = np.ones(len(self), dtype=bool)
        keep[order[later]] = False
        return self.take(np.flatnonzero(keep))


class FragmentStore:
    """The fragments of one kind (``vevents``, ``csv``) kept under ``folder``.

    :meth:`find` looks the table's keys up in the last build's store (its segments
    mapped, ``mmap``: nothing of them held in memory); :meth:`meta`, :meth:`data`
    and :meth:`joined` read what was found; :meth:`put` writes this build's new
    fragments to a new segment as they come; :meth:`save` makes the entries this
    build kept and the new ones the store. A store that is never saved (a failed
    build) leaves the last one as it was.
    """

    def __init__(self, folder: Path | None, name: str, salt: str) -> None:
        self.folder = folder
        self.name = name
        self.salt = salt
        self.hits = 0
        self._base_token = ""
        self._base_segments: list[tuple[str, int]] = []
        self._base_size = 0  # entries of the base index (the delta's come after them)
        self._delta_segments: list[tuple[str, int]] = []
        self._index = _Index.empty()  # base then delta (the last of a key wins)
        self._maps: list[Any] = []  # per segment (base's, then delta's), mapped read only
        self._order = np.empty(0, np.int64)  # entries sorted by key
        self._new_keys: list[tuple[int, int]] = []
        self._new_where: list[tuple[int, int]] = []  # offset, length in the new segment
        self._new_metas: list = []
        self._out: Any = None  # the new segment, open for writing
        self._out_path: Path | None = None
        self._pending: list[bytes] = []  # put, not yet written: written a megabyte at a time
        self._pending_size = 0
        self._size = 0
        if folder is not None:
            self._open()

    # --- reading ------------------------------------------------------------------------

    def _open(self) -> None:
        """The last build's store, if there is one with this salt; else nothing."""
        try:
            base = self._load(self.folder / f"{self.name}.idx")
            if base is None:
                return
            self._base_token, self._base_segments = base["token"], base["segments"]
            index = _Index(base["keys"], base["where"], base["metas"])
            maps = [self._map(name, size) for name, size in self._base_segments]
        except Exception:  # noqa: BLE001 (a damaged or foreign store only costs a render)
            self._close_maps()
            self._index, self._base_token, self._base_segments = _Index.empty(), "", []
            return
        self._maps, self._index, self._base_size = maps, index, len(index)
        try:  # the delta: ignored (its entries only cost renders) unless whole and this base's
            delta = self._load(self.folder / f"{self.name}.delta")
            if delta is None or delta["base"] != self._base_token:
                raise LookupError("no delta of this base")
            first = len(self._maps)
            added = [self._map(name, size) for name, size in delta["segments"]]
            try:
                where = delta["where"].reshape(-1, 3).copy()
                where[:, 0] += first
                more = _Index(delta["keys"], where, delta["metas"])
                if len(more.keys) != len(more.metas) or len(where) != len(more.keys):
                    raise ValueError("a damaged delta")
            except Exception:
                for segment in added:
                    _close(segment)
                raise
            self._maps += added
            self._delta_segments = delta["segments"]
            self._index = _Index(
                np.concatenate([index.keys, more.keys]),
                np.concatenate([index.where, more.where]),
                index.metas + more.metas,
            )
        except Exception:  # noqa: BLE001, S110 (no delta, or not this base's: the base alone)
            pass
        # sorted by key (stable: of two entries of one key, the later one, the delta's, last)
        self._order = np.lexsort((self._index.keys[:, 1], self._index.keys[:, 0]))

    def _load(self, path: Path) -> dict | None:
        try:
            with open(path, "rb") as handle:
                stored = pickle.load(handle)
        except FileNotFoundError:
            return None
        if stored.get("format") != FORMAT or stored.get("salt") != self.salt:
            return None
        if len(stored["keys"]) != len(stored["metas"]) or len(stored["where"]) != len(
            stored["metas"]
        ):
            raise ValueError("a damaged index")
        return stored

    def _map(self, name: str, size: int) -> Any:
        """Segment ``name`` mapped, when its size is the index's; else OSError."""
        if Path(name).name != name or not name.startswith(f"{self.name}-"):
            raise OSError(f"not a segment of this store: {name!r}")
        blob = os.open(self.folder / name, os.O_RDONLY | os.O_CLOEXEC)
        try:
            if os.fstat(blob).st_size != size:
                raise OSError(f"{name}: not the segment the index was written with")
            # mapped once: a slice per fragment, not a system call per row
            return mmap.mmap(blob, 0, access=mmap.ACCESS_READ) if size else b""
        finally:
            os.close(blob)

    def find(self, keys: Keys) -> np.ndarray:
        """The entry of each of ``keys`` (``(n, 2)`` unsigned), -1 where none is kept."""
        keys = np.asarray(keys, dtype=np.uint64).reshape(-1, 2)
        found = np.full(len(keys), -1, dtype=np.int64)
        if not len(self._order) or not len(keys):
            return found
        stored = self._index.keys[self._order]
        # the last entry of the first half, then the second half must match too
        # (two keys sharing a first half: the later is found, the other a miss)
        at = np.searchsorted(stored[:, 0], keys[:, 0], side="right") - 1
        safe = np.maximum(at, 0)
        match = (at >= 0) & (stored[safe, 0] == keys[:, 0]) & (stored[safe, 1] == keys[:, 1])
        found[match] = self._order[safe[match]]
        self.hits += int(match.sum())
        return found

    def meta(self, entry: int) -> Any:
        """The meta of a found entry."""
        return self._index.metas[entry]

    def data(self, entry: int) -> bytes:
        """The bytes of a found entry."""
        segment, offset, length = self._index.where[entry].tolist()
        return self._maps[segment][offset : offset + length]

    def metas(self, entries: np.ndarray) -> list:
        """The metas of found entries, in order."""
        metas = self._index.metas
        return [metas[entry] for entry in entries.tolist()]

    def datas(self, entries: np.ndarray) -> list[bytes]:
        """The bytes of found entries, in order (their places read in one step)."""
        maps = self._maps
        return [
            maps[segment][offset : offset + length]
            for segment, offset, length in self._index.where[entries].tolist()
        ]

    def joined(self, entries: np.ndarray, *, view: bool = False) -> Iterator[bytes | memoryview]:
        """The bytes of ``entries`` one after the other, read a run of neighbours at a time.

        ``view``: each run as a view of its mapped segment, not a copy (for a caller
        that writes or hashes it at once and keeps nothing: the 58 MB of ``events.csv``
        at 10,000 documents are then copied once, into the file, not three times)."""
        if not len(entries):
            return
        where = self._index.where[entries]
        segment, offset, length = where[:, 0], where[:, 1], where[:, 2]
        breaks = np.flatnonzero(
            (segment[1:] != segment[:-1]) | (offset[1:] != offset[:-1] + length[:-1])
        )
        starts = np.concatenate(([0], breaks + 1)).tolist()
        ends = np.concatenate((breaks, [len(entries) - 1])).tolist()
        for first, last in zip(starts, ends, strict=True):
            source = self._maps[int(segment[first])]
            if view:
                source = memoryview(source)
            yield source[int(offset[first]) : int(offset[last] + length[last])]

    # --- writing ------------------------------------------------------------------------

    def put(self, key: tuple[int, int], meta: Any, data: bytes) -> None:
        """Keep ``data`` (with ``meta``) under ``key`` for the next build; written, not held."""
        if self.folder is None:
            return
        try:
            if self._out is None:
                self._out_path, self._out = self._new_segment()
            self._pending.append(data)
            self._pending_size += len(data)
            if self._pending_size >= PENDING_BYTES:
                self._flush()
        except OSError:
            self.folder = None  # a folder that cannot be written: keep nothing this build
            self._discard()
            return
        self._new_keys.append(key)
        self._new_where.append((self._size, len(data)))
        self._new_metas.append(meta)
        self._size += len(data)

    def _new_segment(self) -> tuple[Path, Any]:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.name}-{secrets.token_hex(8)}.bin"
        return path, open(path, "xb")  # noqa: SIM115 (closed by save/close)

    def _flush(self) -> None:
        self._out.write(b"".join(self._pending))
        self._pending, self._pending_size = [], 0

    def save(self, kept: np.ndarray) -> None:
        """Make the entries ``kept`` (found by :meth:`find`, still in use) and what was put
        the store; a new entry of a key kept wins. Never raises."""
        try:
            if self.folder is None:
                return
            new = _Index(
                np.array(self._new_keys, dtype=np.uint64),
                np.array([(0, *w) for w in self._new_where], dtype=np.int64),
                self._new_metas,
            )
            kept = np.asarray(kept, dtype=np.int64)
            _, first = np.unique(kept, return_index=True)
            kept = kept[np.sort(first)]  # each once, in the caller's order (the table's)
            # the entries the store would hold, counted on their keys alone: an index of
            # every kept entry (51,000 metas copied, sorted) was made only for its length
            live = _distinct(self._index.keys[kept], new.keys) if len(new) else len(kept)
            segments = len(self._base_segments) + len(self._delta_segments) + bool(len(new))
            dead = len(self._index) - len(kept)
            if not self._base_token or dead > DEAD_SHARE * live or segments > MAX_SEGMENTS:
                self._compact(kept, new)
            else:
                self._add_delta(kept, new)
        except Exception:  # noqa: BLE001, S110 (the cache is an optimisation:
            pass  # what cannot be kept is made again next time)
        finally:
            self.close()

    def _finish_segment(self) -> tuple[str, int] | None:
        """The new segment written and synced: its name and size (None: nothing put)."""
        if self._out is None:
            return None
        self._flush()
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        self._out = None
        step(f"store {self._out_path.name}")  # a kill here: a segment no index reads
        return self._out_path.name, self._size

    def _add_delta(self, kept: np.ndarray, new: _Index) -> None:
        """The base as it is; a delta of the last delta's entries kept and the new ones."""
        segment = self._finish_segment()
        in_delta = kept[kept >= self._base_size]
        old = self._index.take(in_delta)
        used = sorted(set(old.where[:, 0].tolist()))  # the delta's segments still read
        renumber = {number: place for place, number in enumerate(used)}
        segments = [self._segment_of(number) for number in used]
        where = old.where.copy()
        where[:, 0] = [renumber[number] for number in where[:, 0].tolist()]
        if segment is not None:
            new.where[:, 0] = len(segments)
            segments.append(segment)
        delta = _Index(old.keys, where, old.metas)
        delta = delta.then(new) if len(new) else delta
        if segment is None and not len(in_delta) and not len(new):
            delta = _Index.empty()
        stored = {
            "format": FORMAT,
            "salt": self.salt,
            "base": self._base_token,
            "segments": segments,
            "keys": delta.keys,
            "where": delta.where if len(delta) else np.empty((0, 3), np.int64),
            "metas": delta.metas,
        }
        _replace(self.folder / f"{self.name}.delta", pickle.dumps(stored, protocol=5))
        self._out_path = None
        read = {name for name, _ in segments}
        for name, _ in self._delta_segments:  # the last delta's, no longer read: removed
            if name not in read:
                with contextlib.suppress(OSError):
                    (self.folder / name).unlink()

    def _segment_of(self, number: int) -> tuple[str, int]:
        segments = self._base_segments + self._delta_segments
        return segments[number]

    def _compact(self, kept: np.ndarray, new: _Index) -> None:
        """The live fragments copied into one new segment, after the new ones; a new base."""
        old = self._index.take(kept)
        if len(old):
            if self._out is None:
                self._out_path, self._out = self._new_segment()
            copied = np.empty((len(old), 3), np.int64)
            copied[:, 0] = 0
            copied[:, 2] = old.where[:, 2]
            lengths = old.where[:, 2]
            copied[:, 1] = self._size + np.concatenate(([0], np.cumsum(lengths)[:-1]))
            for piece in self.joined(kept):
                self._pending.append(piece)
                self._pending_size += len(piece)
                if self._pending_size >= PENDING_BYTES:
                    self._flush()
            self._size += int(lengths.sum())
            old = _Index(old.keys, copied, old.metas)
        if self._out is None:
            self._out_path, self._out = self._new_segment()  # an empty table: an empty store
        new.where[:, 0] = 0
        index = old.then(new) if len(new) else old
        segment = self._finish_segment()
        token = secrets.token_hex(8)
        stored = {
            "format": FORMAT,
            "salt": self.salt,
            "token": token,
            "segments": [segment],
            "keys": index.keys,
            "where": index.where if len(index) else np.empty((0, 3), np.int64),
            "metas": index.metas,
        }
        _replace(self.folder / f"{self.name}.idx", pickle.dumps(stored, protocol=5))
        with contextlib.suppress(OSError):  # names another base now: removed, or ignored
            (self.folder / f"{self.name}.delta").unlink()
        for older in self.folder.glob(f"{self.name}-*.bin"):
            if older.name != segment[0]:
                with contextlib.suppress(OSError):
                    older.unlink()
        self._out_path = None

    def _discard(self) -> None:
        self._pending, self._pending_size = [], 0
        if self._out is not None:
            with contextlib.suppress(OSError):
                self._out.close()
            self._out = None
        if self._out_path is not None:
            with contextlib.suppress(OSError):
                self._out_path.unlink()
            self._out_path = None

    def _close_maps(self) -> None:
        for segment in self._maps:
            _close(segment)
        self._maps = []

    def close(self) -> None:
        """Let go of every segment; a new segment not saved is removed."""
        self._discard()
        self._close_maps()
        self._index, self._order = _Index.empty(), np.empty(0, np.int64)
        self._new_keys, self._new_where, self._new_metas = [], [], []


def _distinct(*keys: np.ndarray) -> int:
    """How many different keys the ``(n, 2)`` arrays ``keys`` hold together."""
    joined = np.concatenate([part.reshape(-1, 2) for part in keys])
    if len(joined) < 2:
        return len(joined)
    first = np.sort(joined[:, 0])
    if not (first[1:] == first[:-1]).any():  # no first half twice: as many keys as rows
        return len(joined)
    ordered = joined[np.lexsort((joined[:, 1], joined[:, 0]))]
    return 1 + int((ordered[1:] != ordered[:-1]).any(axis=1).sum())


def _close(segment: Any) -> None:
    if isinstance(segment, mmap.mmap):
        with contextlib.suppress(BufferError, ValueError):
            segment.close()


def _replace(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file, synced, renamed over it.

    ``os.rename``, as the document cache does (:mod:`timeline.cache`): the cache
    is not a published file, and failing to keep it never fails a build.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        step(f"store {path.name}")  # a kill here: the last index, as it was
        os.rename(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def site_folder(engine: Any) -> Path | None:
    """``<cache>/site`` of the build's engine; None without an engine or a cache."""
    cache = getattr(engine, "cache", None)
    if cache is None:
        return None
    return Path(cache.folder) / SITE_FOLDER


__all__ = ["FragmentStore", "Keys", "row_keys", "salt", "site_folder"]
