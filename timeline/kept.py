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

from timeline.cache import DocumentCache, arrow_bytes, arrow_table
from timeline.partitions import PERIOD_SCHEMA, ROW_SCHEMA

_KEY = "_key"


@dataclass
class Kept:
    """The rows (by association), period rows and notes (warnings, repairs) of a build's
    documents, each row naming its document by a place in ``keys``."""

    rows: dict[str, pa.Table]
    periods: pa.Table
    keys: list[str]
    notes: dict[str, tuple[list[str], list[str]]]

    @classmethod
    def load(cls, cache: DocumentCache, slot: str) -> Kept | None:
        """The entry kept under ``slot`` for this code version, or None."""
        stored = cache.get(_slot(slot))
        if not isinstance(stored, dict) or stored.get("version") != cache.version:
            return None
        try:
            rows = {name: arrow_table(data) for name, data in stored["rows"]}
            periods = arrow_table(stored["periods"])
            keys = list(stored["keys"])
            notes = dict(stored["notes"])
        except Exception:  # a damaged or foreign entry is only a miss
            return None
        return cls(rows, periods, keys, notes)

    def known(self, keys: list[str | None]) -> list[int]:
        """The indices of the documents whose result is here (their key held once)."""
        counts = Counter(keys)
        return [i for i, key in enumerate(keys) if key in self.notes and counts[key] == 1]

    def tables(
        self, keys: list[str | None], known: list[int]
    ) -> tuple[dict[str, pa.Table], pa.Table]:
        """The rows (by association) and period rows of the ``known`` documents, each with
        its ``_doc`` now: a document's kept place mapped to its index in this build, no
        text compared and no row moved (rows of the other documents filtered out)."""
        places = {key: index for index, key in enumerate(self.keys)}
        now = np.full(len(self.keys), -1, dtype=np.int64)
        for index in known:
            now[places[keys[index]]] = index
        rows = {}
        for name, table in self.rows.items():
            table = _renumbered(table, now, ROW_SCHEMA)
            if table.num_rows:
                rows[name] = table
        return rows, _renumbered(self.periods, now, PERIOD_SCHEMA)


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
    periods: list[dict],
    notes: dict[int, tuple[list[str], list[str]]],
) -> None:
    """Keep this build's rows for the next: ``rows`` (every association's, as handed out
    by the store), ``periods``, and ``notes`` by the index of every document that gave
    a result (not an error)."""
    counts = Counter(keys)
    kept = [i for i, key in enumerate(keys) if key is not None and counts[key] == 1]
    places = np.full(len(keys), -1, dtype=np.int64)
    places[kept] = np.arange(len(kept))
    named = []
    for table in rows:
        if table.num_rows:
            name = table["association"][0].as_py()
            named.append((name, arrow_bytes(_placed(table, places))))
    entry = {
        "version": cache.version,
        "rows": named,
        "periods": arrow_bytes(
            _placed(pa.Table.from_pylist(periods, schema=PERIOD_SCHEMA), places)
        ),
        "keys": [keys[i] for i in kept],
        "notes": {keys[i]: note for i, note in notes.items() if places[i] >= 0},
    }
    cache.put(_slot(slot), entry)


def _placed(table: pa.Table, places: np.ndarray) -> pa.Table:
    """``table`` with each row's document's place among the kept keys (``_key``), rows of a
    document without one (or with one held twice) left out."""
    docs = table["_doc"].to_numpy().astype(np.int64, copy=False) if table.num_rows else []
    column = places[docs] if len(docs) else np.zeros(0, dtype=np.int64)
    table = table.append_column(_KEY, pa.array(column, type=pa.int64()))
    return table if (column >= 0).all() else table.filter(pa.array(column >= 0))


def _slot(slot: str) -> str:
    return hashlib.sha256(b"kept-rows-2\0" + slot.encode()).hexdigest()


__all__ = ["Kept", "keep"]
