"""One key per row of the table, made once per build, for every cache of the site.

Three parts of a site build ask whether a row changed since the last build: the
rebuild shortcut (:mod:`exports.rebuild`, the whole table), the kept VEVENTs and
CSV records (:mod:`exports.fragments`) and the page's pieces and cards
(:mod:`exports.page_pieces`). Each hashed every cell of the table on its own
(three passes over 51,000 rows at 10,000 documents); they now share
:func:`row_keys`, made once per table.

A row's key is two 64-bit hashes of all its cells (pandas' per-value hashes of
each column, mixed two ways, in the columns' order). pandas hashes an object
column's cells as their text, so a ``None`` and the text ``"None"``, or the
number ``1`` and the text ``"1"``, would hash alike: an object column holding
more than one type has each cell's type mixed in too.
"""

from __future__ import annotations

import hashlib
import json
import weakref

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

#: Object columns whose cells are all of one type (no None beside NaN, no 1 beside "1").
_ONE_TYPE = frozenset({"string", "bytes", "date", "integer", "boolean"})
_MIX = (np.uint64(0x100000001B3), np.uint64(0x9E3779B97F4A7C15))
_SEEDS = (np.uint64(0xCBF29CE484222325), np.uint64(0x84222325CBF29CE4))

#: The last table's keys: (a weak reference to the table, its keys). A build asks
#: for the keys of one table several times; a table is not changed in place once
#: the site is being built from it.
_last: tuple[weakref.ref | None, tuple, np.ndarray | None] = (None, (), None)


def row_keys(table: pd.DataFrame) -> np.ndarray:
    """Every row's key: an array of ``(len(table), 2)`` unsigned 64-bit hashes.

    Made once per table object and handed out again (read only) while it lives.
    """
    global _last
    known, columns, keys = _last
    shape = (len(table), *table.columns)
    if known is not None and known() is table and columns == shape and keys is not None:
        return keys
    keys = _made(table)
    keys.flags.writeable = False
    try:
        _last = (weakref.ref(table), shape, keys)
    except TypeError:  # an object without weak references: made each time
        _last = (None, (), None)
    return keys


def _made(table: pd.DataFrame) -> np.ndarray:
    size = len(table)
    first = np.full(size, _SEEDS[0], dtype=np.uint64)
    second = np.full(size, _SEEDS[1], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for name in table.columns:
            column = table[name]
            value = pd.util.hash_pandas_object(column, index=False).to_numpy(dtype=np.uint64)
            if column.dtype == object and infer_dtype(column, skipna=False) not in _ONE_TYPE:
                kinds = column.map(lambda cell: type(cell).__name__)
                kind = pd.util.hash_pandas_object(kinds, index=False).to_numpy(dtype=np.uint64)
                value = value ^ (kind * _MIX[1])
            first = (first ^ value) * _MIX[0]
            second = second * _MIX[1] + value
    keys = np.empty((size, 2), dtype=np.uint64)
    keys[:, 0], keys[:, 1] = first, second
    return keys


def row_key_bytes(table: pd.DataFrame) -> list[bytes]:
    """:func:`row_keys` as 16 bytes per row (what the page's pieces and cards are keyed by)."""
    data = row_keys(table).tobytes()
    return [data[at : at + 16] for at in range(0, len(data), 16)]


def table_digest(table: pd.DataFrame) -> str:
    """A SHA-256 of the table: its columns, their types, its length and every row's key
    in order."""
    digest = hashlib.sha256()
    shape = [[str(name), str(dtype)] for name, dtype in table.dtypes.items()]
    digest.update(json.dumps([shape, len(table)], ensure_ascii=False).encode())
    digest.update(row_keys(table).tobytes())
    return digest.hexdigest()


__all__ = ["row_key_bytes", "row_keys", "table_digest"]
