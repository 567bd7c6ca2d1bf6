"""The last build's rows, kept in one entry, so that a rebuild reads no cached result one by one.

A rebuild that adds 1% of the documents used to read the other 99% of their
cached results one entry (one file, one checksum, one unpickle) at a time:
most of its time. A build of a large corpus (its rows on disk,
:mod:`timeline.partitions`) keeps instead, under its arguments, every
document's rows and period rows as two Arrow tables, each row named by its
document's cache key, with the documents' warnings and repairs. The next build
of the same arguments takes from it, in one read, the rows of every document
whose key it holds (same bytes, name, manifest row, size limit and code: the
same result), and processes or reads from the cache only the others.

Never stale: a document whose key is not there (changed, new, or of another code
version) is not taken; a document that failed is not kept (it is read and
reported again); a key held by two documents of a build (one file copied into
two folders) is neither kept nor taken, those go the per-document way. The
entry is replaced by each build; a damaged one is only a miss.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from timeline.cache import DocumentCache, arrow_bytes, arrow_table
from timeline.partitions import PERIOD_SCHEMA, ROW_SCHEMA

_KEY = "_key"


@dataclass
class Kept:
    """The rows, period rows and notes (warnings, repairs) of a build's documents, by key."""

    rows: pa.Table
    periods: pa.Table
    notes: dict[str, tuple[list[str], list[str]]]

    @classmethod
    def load(cls, cache: DocumentCache, slot: str) -> Kept | None:
        """The entry kept under ``slot`` for this code version, or None."""
        stored = cache.get(_slot(slot))
        if not isinstance(stored, dict) or stored.get("version") != cache.version:
            return None
        try:
            rows = arrow_table(stored["rows"])
            periods = arrow_table(stored["periods"])
            notes = dict(stored["notes"])
        except Exception:  # a damaged or foreign entry is only a miss
            return None
        return cls(rows, periods, notes)

    def known(self, keys: list[str | None]) -> list[int]:
        """The indices of the documents whose result is here (their key held once)."""
        counts = Counter(keys)
        return [i for i, key in enumerate(keys) if key in self.notes and counts[key] == 1]

    def tables(self, keys: list[str | None], known: list[int]) -> tuple[pa.Table, pa.Table]:
        """The rows and period rows of the ``known`` documents, each with its ``_doc`` now."""
        names = pa.array([keys[i] for i in known], type=pa.string())
        places = np.asarray(known, dtype=np.int64)
        return (
            _renumbered(self.rows, names, places, ROW_SCHEMA),
            _renumbered(self.periods, names, places, PERIOD_SCHEMA),
        )


def _renumbered(table: pa.Table, names: pa.Array, places: np.ndarray, schema) -> pa.Table:
    where = pc.index_in(table[_KEY], value_set=names)
    chosen = table.filter(pc.is_valid(where))
    found = pc.drop_null(where).to_numpy(zero_copy_only=False).astype(np.int64)
    chosen = chosen.set_column(
        chosen.schema.get_field_index("_doc"), "_doc", pa.array(places[found], type=pa.int64())
    )
    return chosen.drop_columns([_KEY]).select(schema.names).cast(schema)


def keep(
    cache: DocumentCache,
    slot: str,
    keys: list[str | None],
    rows: list[pa.Table],
    periods: list[dict],
    notes: dict[int, tuple[list[str], list[str]]],
) -> None:
    """Keep this build's rows for the next: ``rows`` (every association's, as handed out
    by the store), ``periods``, and ``notes`` by the index of every document that gave
    a result (not an error)."""
    counts = Counter(keys)
    once = [key is not None and counts[key] == 1 for key in keys]
    named = np.array([key if ok else None for key, ok in zip(keys, once, strict=True)], object)
    table = pa.concat_tables(rows) if rows else ROW_SCHEMA.empty_table()
    period_table = pa.Table.from_pylist(periods, schema=PERIOD_SCHEMA)
    entry = {
        "version": cache.version,
        "rows": arrow_bytes(_named(table, named)),
        "periods": arrow_bytes(_named(period_table, named)),
        "notes": {keys[i]: note for i, note in notes.items() if once[i]},
    }
    cache.put(_slot(slot), entry)


def _named(table: pa.Table, named: np.ndarray) -> pa.Table:
    """``table`` with each row's document key (``_key``), rows of a document without one
    (or with one held twice) left out."""
    docs = table["_doc"].to_numpy().astype(np.int64, copy=False) if table.num_rows else []
    column = pa.array(named[docs] if len(docs) else [], type=pa.string())
    table = table.append_column(_KEY, column)
    return table.filter(pc.is_valid(table[_KEY]))


def _slot(slot: str) -> str:
    return hashlib.sha256(b"kept-rows\0" + slot.encode()).hexdigest()


__all__ = ["Kept", "keep"]
