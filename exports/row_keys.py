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

A column of long texts is hashed by BLAKE2b straight from its Arrow buffers
(:func:`_text_hashes`): pandas turned every cell of the ``sources`` column (30 MB
at 10,000 documents, 590 bytes a cell, every one distinct) into a Python string
and hashed it, 0.5 s of the 0.65 s of all keys (0.1 s so).
"""

from __future__ import annotations

import hashlib
import json
import weakref

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import infer_dtype

#: Object columns whose cells are all of one type (no None beside NaN, no 1 beside "1").
_ONE_TYPE = frozenset({"string", "bytes", "date", "integer", "boolean"})
_MIX = (np.uint64(0x100000001B3), np.uint64(0x9E3779B97F4A7C15))
_SEEDS = (np.uint64(0xCBF29CE484222325), np.uint64(0x84222325CBF29CE4))
#: The hash of a missing cell in a long-text column (no text hashes to it but by chance).
_MISSING = np.uint64(0x6A09E667F3BCC908)
#: Bytes a cell on average from which an Arrow text column is hashed here, cell by
#: cell (:func:`_text_hashes`), not by pandas (which makes each cell a Python string).
LONG_TEXT = 256

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
            value = _text_hashes(column)
            if value is None:
                value = pd.util.hash_pandas_object(column, index=False).to_numpy(dtype=np.uint64)
            if column.dtype == object and infer_dtype(column, skipna=False) not in _ONE_TYPE:
                value = value ^ (_kind_hashes(column) * _MIX[1])
            first = (first ^ value) * _MIX[0]
            second = second * _MIX[1] + value
    keys = np.empty((size, 2), dtype=np.uint64)
    keys[:, 0], keys[:, 1] = first, second
    return keys


#: ``type(cell)`` of every cell of an object array, in one call (no Python function per cell).
_types = np.frompyfunc(type, 1, 1)


def _kind_hashes(column: pd.Series) -> np.ndarray:
    """The hash of each cell's type's name (``type(cell).__name__``): the types taken in one
    call, each distinct one named and hashed once (a column of dates and texts, the
    ``published`` column, was a Python call per cell: 20 ms at 10,000 documents, 7 now)."""
    codes, kinds = pd.factorize(_types(column.to_numpy(dtype=object)))
    names = pd.Series([kind.__name__ for kind in kinds], dtype=object)
    return pd.util.hash_pandas_object(names, index=False).to_numpy(dtype=np.uint64)[codes]


def _text_hashes(column: pd.Series) -> np.ndarray | None:
    """Each cell's 64-bit BLAKE2b of its UTF-8 bytes, read from the Arrow buffers of
    ``column`` when it is an Arrow text column of long texts (:data:`LONG_TEXT`); None
    otherwise (pandas hashes it: fast for short texts, each distinct one hashed once).
    A missing cell hashes to :data:`_MISSING`."""
    if not isinstance(column.dtype, pd.StringDtype) or column.dtype.storage != "pyarrow":
        return None
    found = column.array.__arrow_array__()  # the column's own Arrow data, not a copy
    chunks = found.chunks if isinstance(found, pa.ChunkedArray) else [found]
    if not all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in chunks):
        return None
    size = sum(pc.sum(pc.binary_length(chunk)).as_py() or 0 for chunk in chunks)
    if size < LONG_TEXT * len(column):
        return None
    parts = [_chunk_hashes(chunk) for chunk in chunks]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def _chunk_hashes(chunk: pa.Array) -> np.ndarray:
    """:func:`_text_hashes` of one Arrow text array, cell by cell."""
    _, offsets, data = chunk.buffers()
    kind = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    ends = np.frombuffer(
        offsets, dtype=kind, count=len(chunk) + 1, offset=chunk.offset * kind().itemsize
    )
    view, blake2b = memoryview(data if data is not None else b""), hashlib.blake2b
    digests = b"".join(
        blake2b(view[start:end], digest_size=8).digest()
        for start, end in zip(ends[:-1].tolist(), ends[1:].tolist(), strict=True)
    )
    hashes = np.frombuffer(digests, dtype="<u8").astype(np.uint64)
    if chunk.null_count:
        hashes[chunk.is_null().to_numpy(zero_copy_only=False)] = _MISSING
    return hashes


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
