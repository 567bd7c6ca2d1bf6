"""The last build's rows, kept in one entry, so that a rebuild reads no cached result one by one.

A rebuild that adds 1% of the documents used to read the other 99% of their
cached results one entry (one file, one checksum, one unpickle) at a time:
most of its time. A build of a large corpus (its rows on disk,
:mod:`timeline.partitions`) keeps instead, under its arguments, every
document's rows (a table per association, as stage 2 cuts them) and period
rows as Arrow tables, each row naming its document by a place in the list of
the documents' cache keys, with the documents' warnings and repairs: the next
build maps those places to its own documents' indices (numbers, not a key's text
compared per row) and hands each association's table to the store as it is. The next build
of the same arguments takes from it, in one read, the rows of every document
whose key it holds (same bytes, name, manifest row, size limit and code: the
same result), and processes or reads from the cache only the others.

The entry is written in two layers: a *base* (every document's rows) and a
*delta* naming its base, holding only the documents the base does not have. A
rebuild that adds or changes a few documents writes the delta alone (their rows,
some 1% of the base's), not every row again; once the delta's documents and the
base's documents no longer in the build pass a quarter of the base
(:data:`DELTA_SHARE`), the next build writes a new base and the old delta, naming
the old base, is ignored. The base is written before its delta, each entry atomically:
a build killed between them leaves a delta whose base is gone (ignored) or the
last build's two layers (its new documents read again), never rows of another's.

Never stale: a document whose key is not there (changed, new, or of another code
version) is not taken; a document that failed is not kept (it is read and
reported again); a key held by two documents of a build (one file copied into
two folders) is neither kept nor taken, those go the per-document way. The
entry is replaced by each build; a damaged one is only a miss.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from timeline.cache import DocumentCache, arrow_bytes, arrow_table
from timeline.partitions import PERIOD_SCHEMA, ROW_SCHEMA

_KEY = "_key"
#: A rebuild writes only a delta while its documents and the base's documents no
#: longer built stay within this share of the base's documents.
DELTA_SHARE = 0.25


@dataclass(frozen=True)
class Base:
    """A kept base entry's name and its documents' keys (see :func:`keep`)."""

    name: str
    keys: frozenset[str]


@dataclass
class _Layer:
    """One kept entry (a base or a delta): its tables still compressed (decoded by
    :meth:`Kept.tables`), each row naming its document by a place in ``keys``."""

    rows: list[tuple[str, bytes]]
    periods: bytes
    keys: list[str]
    notes: dict[str, tuple[list[str], list[str]]]
    #: The tables decoded ahead (:meth:`Kept.decode`): the rows' by association, the periods'.
    decoded: tuple[list[tuple[str, pa.Table]], pa.Table] | None = None

    def tables(
        self, threads: bool = True, stopped: Callable[[], bool] | None = None
    ) -> tuple[list[tuple[str, pa.Table]], pa.Table] | None:
        """The layer's tables, decoded (now, or ahead); raises on a damaged stream.
        ``threads``: decompressed by Arrow's threads too (:func:`arrow_table`);
        ``stopped``: asked before each table, None returned once it says so."""
        if self.decoded is not None:
            return self.decoded
        rows = []
        for name, data in self.rows:
            if stopped is not None and stopped():
                return None
            rows.append((name, arrow_table(data, threads)))
        return rows, arrow_table(self.periods, threads)

    @classmethod
    def of(cls, stored: object, version: str) -> _Layer | None:
        if not isinstance(stored, dict) or stored.get("version") != version:
            return None
        try:
            rows = [(str(name), data) for name, data in stored["rows"]]
            layer = cls(rows, stored["periods"], list(stored["keys"]), dict(stored["notes"]))
        except Exception:  # a damaged or foreign entry is only a miss
            return None
        if not all(isinstance(data, bytes) for _, data in [*rows, ("", layer.periods)]):
            return None
        return layer


@dataclass
class Kept:
    """The rows (by association), period rows and notes (warnings, repairs) of a build's
    documents: a base and, when it has one, the delta written over it since."""

    layers: list[_Layer]
    #: The base's name (the delta names it) and its documents' keys.
    base: str
    base_keys: frozenset[str]
    #: A table could not be read (:meth:`tables`): the next build writes a new base.
    damaged: bool = False

    def base_of(self) -> Base | None:
        """What :func:`keep` needs of this entry to write a delta over its base."""
        return None if self.damaged else Base(self.base, self.base_keys)

    @property
    def notes(self) -> dict[str, tuple[list[str], list[str]]]:
        return {key: note for layer in self.layers for key, note in layer.notes.items()}

    @classmethod
    def load(cls, cache: DocumentCache, slot: str, found: list[bool] | None = None) -> Kept | None:
        """The entries kept under ``slot`` for this code version, or None: the base, and
        the delta when it names this base. ``found``: the look-ups are not counted by the
        cache but appended here (a read ahead, :meth:`DocumentCache.get`)."""
        stored = cache.get(_slot(slot), found)
        base = _Layer.of(stored, cache.version)
        if base is None or not isinstance(stored.get("id"), str):
            return None
        layers = [base]
        delta = cache.get(_delta_slot(slot), found)
        if isinstance(delta, dict) and delta.get("base") == stored["id"]:
            over = _Layer.of(delta, cache.version)
            if over is not None:
                layers.append(over)
        return cls(layers, stored["id"], frozenset(base.keys))

    def decode(self, stopped: Callable[[], bool] | None = None) -> None:
        """Decode every layer's tables now (:meth:`tables` takes them): Arrow decompresses
        without holding the interpreter, so a thread can do it while the build walks its
        folders; on that one thread alone, leaving the other cores to the build. A
        damaged stream is left for :meth:`tables` to find. ``stopped``: asked before
        each table; once True, the rest is decoded when :meth:`tables` needs it."""
        for layer in self.layers:
            try:
                layer.decoded = layer.tables(threads=False, stopped=stopped)
            except Exception:  # reported by tables(), as without decoding ahead
                return
            if layer.decoded is None:  # stopped: the rest decoded when needed
                return

    def known(self, keys: list[str | None]) -> list[int]:
        """The indices of the documents whose result is here (their key held once)."""
        counts = Counter(keys)
        held = self.notes
        return [i for i, key in enumerate(keys) if key in held and counts[key] == 1]

    def tables(
        self, keys: list[str | None], known: list[int]
    ) -> tuple[dict[str, pa.Table], pa.Table] | None:
        """The rows (by association) and period rows of the ``known`` documents, each with
        its ``_doc`` now: a document's kept place mapped to its index in this build, no
        text compared and no row moved (rows of the other documents filtered out).
        None when a table cannot be read (a damaged entry: only a miss)."""
        rows: dict[str, list[pa.Table]] = {}
        periods = []
        for layer in self.layers:
            places = {key: index for index, key in enumerate(layer.keys)}
            now = np.full(len(layer.keys), -1, dtype=np.int64)
            for index in known:
                place = places.get(keys[index])
                if place is not None:
                    now[place] = index
            try:
                found = layer.tables()
                assert found is not None  # nothing stops it
                decoded, period_table = found
                periods.append(_renumbered(period_table, now, PERIOD_SCHEMA))
            except Exception:  # a damaged stream: those documents are read again
                self.damaged = True
                return None
            for name, table in decoded:
                table = _renumbered(table, now, ROW_SCHEMA)
                if table.num_rows:
                    rows.setdefault(name, []).append(table)
        joined = {name: pa.concat_tables(found) for name, found in rows.items()}
        return joined, pa.concat_tables(periods)


def _renumbered(table: pa.Table, now: np.ndarray, schema) -> pa.Table:
    """``table``'s rows of documents ``now`` places (by their kept place), ``_doc`` set."""
    docs = now[table[_KEY].to_numpy().astype(np.int64, copy=False)] if table.num_rows else now[:0]
    chosen = docs >= 0
    if not chosen.all():
        table, docs = table.filter(pa.array(chosen)), docs[chosen]
    table = table.set_column(
        table.schema.get_field_index("_doc"), "_doc", pa.array(docs, type=pa.int64())
    )
    return table.drop_columns([_KEY]).select(schema.names).cast(schema)


def keep(
    cache: DocumentCache,
    slot: str,
    keys: list[str | None],
    rows: list[pa.Table],
    periods: pa.Table | list[dict] | None,
    notes: dict[int, tuple[list[str], list[str]]],
    last: Base | None = None,
) -> None:
    """Keep this build's rows for the next: ``rows`` (every association's, as handed out
    by the store), ``periods`` (an Arrow table, or dicts), and ``notes`` by the index of
    every document that gave a result (not an error). ``last``: what this build took from the last one; while
    few documents differ from its base, only a delta is written (see the module)."""
    if not isinstance(periods, pa.Table):
        periods = pa.Table.from_pylist(list(periods or []), schema=PERIOD_SCHEMA)
    counts = Counter(keys)
    kept = [i for i, key in enumerate(keys) if key is not None and counts[key] == 1 and i in notes]
    if last is not None:
        fresh = [i for i in kept if keys[i] not in last.keys]
        gone = len(last.keys) - (len(kept) - len(fresh))
        if len(fresh) + gone <= DELTA_SHARE * len(last.keys):
            cache.put(
                _delta_slot(slot), _entry(cache, keys, rows, periods, notes, fresh, last.name)
            )
            return
    base = os.urandom(16).hex()
    cache.put(_slot(slot), _entry(cache, keys, rows, periods, notes, kept, base, "id"))


def _entry(
    cache: DocumentCache,
    keys: list[str | None],
    rows: list[pa.Table],
    periods: pa.Table,
    notes: dict[int, tuple[list[str], list[str]]],
    kept: list[int],
    name: str,
    field: str = "base",
) -> dict:
    """An entry of the rows, period rows and notes of the ``kept`` documents (indices)."""
    places = np.full(len(keys), -1, dtype=np.int64)
    places[kept] = np.arange(len(kept))
    named = []
    for table in rows:
        table = _placed(table, places) if table.num_rows else table
        if table.num_rows:
            named.append((table["association"][0].as_py(), arrow_bytes(table)))
    return {
        "version": cache.version,
        field: name,
        "rows": named,
        "periods": arrow_bytes(_placed(periods, places)),
        "keys": [keys[i] for i in kept],
        "notes": {keys[i]: notes[i] for i in kept},
    }


def _placed(table: pa.Table, places: np.ndarray) -> pa.Table:
    """``table`` with each row's document's place among the kept keys (``_key``), rows of a
    document without one (or with one held twice) left out."""
    docs = table["_doc"].to_numpy().astype(np.int64, copy=False) if table.num_rows else []
    column = places[docs] if len(docs) else np.zeros(0, dtype=np.int64)
    table = table.append_column(_KEY, pa.array(column, type=pa.int64()))
    return table if (column >= 0).all() else table.filter(pa.array(column >= 0))


def _slot(slot: str) -> str:
    return hashlib.sha256(b"kept-rows-3\0" + slot.encode()).hexdigest()


def _delta_slot(slot: str) -> str:
    return hashlib.sha256(b"kept-rows-delta-3\0" + slot.encode()).hexdigest()


__all__ = ["DELTA_SHARE", "Base", "Kept", "keep"]
