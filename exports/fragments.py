"""Bytes made per row of the table, kept between builds: a VEVENT, a CSV record.

A site rebuilt after a few documents were added has the same rows as before,
plus a few: their VEVENTs and their records of ``events.csv`` are the bytes of
the last build. A :class:`FragmentStore` keeps those bytes in the build's
cache folder (``<cache>/site/``, see :mod:`timeline.cache`), so that a
rebuild renders only the rows that are new or changed and copies the rest.

Every row has a key (:func:`row_keys`): the 128-bit hash of all its cells that
the page and the rebuild shortcut use too (:mod:`exports.row_keys`, made once per
build), with the row's ``event_id`` beside it; a *salt* common
to the whole store holds what else makes the bytes: the code of the exporters
(:func:`code_version`), the table's columns and types, and the
writer's options. A store whose salt differs is not read at all. What a fragment
also depends on beyond the row (a VEVENT's ``SEQUENCE`` and time stamps) is kept
beside the bytes as its *meta* and checked by the caller before the bytes are used.

On disk a store is two files: ``<name>.idx`` (a pickle: the salt, the blob's
name and size, and per key the meta, offset and length in the blob) and
``<name>-<token>.bin`` (the bytes, one fragment after the other). A build writes
a new blob under a new name as its fragments come, syncs it, then replaces the
index atomically and removes the older blobs; a blob whose size is not the
index's is not read. Each build writes the fragments of its own rows only, so
the store never holds more than one table's worth. Deleting the folder is always
safe (the next build renders everything); a damaged or unreadable store is
ignored; a folder that cannot be written only means nothing is kept. Pickles,
like the document cache: the folder is as trusted as the user's own files.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import pickle
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from exports.row_keys import row_key_bytes
from timeline.files import source_digest

#: Bumped when the files' layout changes (2: the rows' keys of :mod:`exports.row_keys`).
FORMAT = "2"
#: The folder of the stores inside the build's cache folder.
SITE_FOLDER = "site"
#: Fragments put are written to the new blob this many bytes at a time.
PENDING_BYTES = 1 << 20

Key = tuple[str, bytes]


def row_keys(table: pd.DataFrame) -> list[Key]:
    """Every row's key: its ``event_id`` and the row's key (:func:`exports.row_keys.row_keys`:
    every cell, an object cell's type too, so a ``None`` is not the text ``"None"``)."""
    hashes = row_key_bytes(table)
    ids = table["event_id"].astype(str).tolist() if "event_id" in table else [""] * len(table)
    return list(zip(ids, hashes, strict=True))


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


class FragmentStore:
    """The fragments of one kind (``vevents``, ``csv``) kept under ``folder``.

    :meth:`get` reads from the last build's store (mapped, ``mmap``: nothing of it
    is held in memory); :meth:`put` appends this build's fragments to a new
    blob as they come; :meth:`save` makes the new blob and its index the store.
    A store that is never saved (a failed build) leaves the last one as it was.
    """

    def __init__(self, folder: Path | None, name: str, salt: str) -> None:
        self.folder = folder
        self.name = name
        self.salt = salt
        self.hits = 0
        self._index: dict[Key, tuple[Any, int, int]] = {}
        self._blob: int | None = None  # 0 when the last build's blob is mapped
        self._map: Any = b""  # the last build's blob, mapped (read only)
        self._new: dict[Key, tuple[Any, int, int]] = {}
        self._out: Any = None  # the new blob, open for writing
        self._out_path: Path | None = None
        self._pending: list[bytes] = []  # put, not yet written: written a megabyte at a time
        self._pending_size = 0
        self._size = 0
        if folder is not None:
            self._open()

    def _open(self) -> None:
        """The last build's store, if there is one with this salt; else nothing."""
        try:
            with open(self.folder / f"{self.name}.idx", "rb") as handle:
                stored = pickle.load(handle)
            if stored.get("format") != FORMAT or stored.get("salt") != self.salt:
                return
            blob = os.open(self.folder / stored["blob"], os.O_RDONLY | os.O_CLOEXEC)
            try:
                if os.fstat(blob).st_size != stored["size"]:
                    return  # not the blob the index was written with
                # mapped once: a slice per fragment, where a read per fragment cost a
                # system call for each of the table's rows
                self._map = mmap.mmap(blob, 0, access=mmap.ACCESS_READ) if stored["size"] else b""
            finally:
                os.close(blob)
            self._index, self._blob = stored["entries"], 0
        except Exception:  # noqa: BLE001 (a damaged or foreign store only costs a render)
            self._index, self._blob = {}, None

    def get(self, key: Key) -> tuple[Any, bytes] | None:
        """``(meta, bytes)`` of ``key`` from the last build, or None."""
        entry = self._index.get(key)
        if entry is None or self._blob is None:
            return None
        meta, offset, length = entry
        data = self._map[offset : offset + length]
        if len(data) != length:
            return None
        self.hits += 1
        return meta, data

    def put(self, key: Key, meta: Any, data: bytes) -> None:
        """Keep ``data`` (with ``meta``) for the next build; written at once, not held."""
        if self.folder is None:
            return
        try:
            if self._out is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._out_path = self.folder / f"{self.name}-{secrets.token_hex(8)}.bin"
                self._out = open(self._out_path, "xb")  # noqa: SIM115 (closed by save/close)
            self._pending.append(data)
            self._pending_size += len(data)
            if self._pending_size >= PENDING_BYTES:
                self._flush()
        except OSError:
            self.folder = None  # a folder that cannot be written: keep nothing this build
            self._discard()
            return
        self._new[key] = (meta, self._size, len(data))
        self._size += len(data)

    def _flush(self) -> None:
        self._out.write(b"".join(self._pending))
        self._pending, self._pending_size = [], 0

    def save(self) -> None:
        """Make what was put the store; the last build's fragments go. Never raises."""
        try:
            if self.folder is None:
                return
            if self._out is None:
                self.put(("", b""), None, b"")  # an empty table: an empty store
                if self._out is None:
                    return
            self._flush()
            self._out.flush()
            os.fsync(self._out.fileno())
            self._out.close()
            self._out = None
            stored = {
                "format": FORMAT,
                "salt": self.salt,
                "blob": self._out_path.name,
                "size": self._size,
                "entries": self._new,
            }
            _replace(self.folder / f"{self.name}.idx", pickle.dumps(stored, protocol=5))
            for old in self.folder.glob(f"{self.name}-*.bin"):
                if old != self._out_path:
                    with contextlib.suppress(OSError):
                        old.unlink()
            self._out_path = None
        except (OSError, pickle.PicklingError):
            pass  # the cache is an optimisation: what cannot be kept is made again next time
        finally:
            self.close()

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

    def close(self) -> None:
        """Let go of both blobs; a new blob not saved is removed."""
        self._discard()
        if isinstance(self._map, mmap.mmap):
            with contextlib.suppress(BufferError, ValueError):
                self._map.close()
        self._map, self._blob = b"", None
        self._index, self._new = {}, {}


def _replace(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file renamed over it.

    ``os.rename``, as the document cache does (:mod:`timeline.cache`): the cache
    is not a published file, and failing to keep it never fails a build.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
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


__all__ = ["FragmentStore", "row_keys", "salt", "site_folder"]
