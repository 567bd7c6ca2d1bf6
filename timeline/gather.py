"""Stage 2's merging, cut into clusters and run on the engine's workers.

Merging (:mod:`timeline.merge`) never joins two associations, nor two rows of
one association whose day ranges do not chain: :func:`timeline.merge.clusters`
cuts an association's rows where no earlier row reaches the next one's start,
and merging each cluster on its own gives the groups of merging them all. The
clusters are packed into parts of about :data:`PART_ROWS` rows (small
associations share a part, a large one is spread over several) and each part is
merged where the engine works (:func:`timeline.engine.map_parts`: in this
process, on local worker processes, or on the ``dask.distributed`` cluster).

Every row carries its document's index and its place in it (``_doc``, ``_seq``,
:mod:`timeline.partitions`); a merged row stands where the first row of its
group stood, so sorting the parts' rows by those gives the table merging every
row at once gives, in its order and bytes, however the rows were cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from timeline.engine import Engine, map_parts
from timeline.merge import MERGEABLE, clusters, groups, merged_groups
from timeline.partitions import ORDER_COLUMNS, RowStore
from timeline.schema import COLUMNS

#: Rows per part sent to a worker: enough that sending it costs little next to
#: merging it, few enough that two workers share even one large association.
PART_ROWS = 2000

#: A piece of a part: rows as dicts (kept in memory) or as an Arrow table (read
#: back from the store's Parquet partitions), in the documents' order.
Piece = list[dict] | pa.Table


def _frame(rows: list[dict], columns: Iterable[str]) -> pd.DataFrame:
    """A frame of ``rows`` with these columns; the spans as int64 whatever the rows held."""
    columns = list(columns)
    if not rows:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("span_start", "span_end"):
        if column in frame:
            frame[column] = frame[column].astype("int64")
    return frame


def merge_part(part: list[Piece]) -> pd.DataFrame:
    """One part's rows merged: a frame of :data:`COLUMNS` and ``ORDER_COLUMNS`` (a worker's
    task). A merged row carries the order columns of its group's first row."""
    rows: list[dict] = []
    for piece in part:  # rows of a worker live only here: not interned
        rows.extend(piece if isinstance(piece, list) else piece.to_pylist())
    found = groups(rows)
    frame = _frame(merged_groups(rows, found), COLUMNS)
    for column in ORDER_COLUMNS:
        frame[column] = pd.array([rows[min(members)][column] for members in found], dtype="int64")
    return frame


def merged_table(store: RowStore, engine: Engine | None, documents: int) -> pd.DataFrame:
    """Every association's rows in ``store`` merged, in the order of merging them all at once.

    ``documents``: how many documents the build has, for the engine's choice of
    serial or parallel work (:meth:`timeline.engine.Engine.mode`).
    """
    frames = list(map_parts(merge_part, parts(store), engine, documents))
    if not frames:
        return _frame([], COLUMNS)
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frames.clear()
    table = table.sort_values(list(ORDER_COLUMNS), kind="stable", ignore_index=True)
    return table.drop(columns=list(ORDER_COLUMNS))


def parts(store: RowStore, size: int | None = None) -> Iterator[list[Piece]]:
    """The store's rows, an association at a time, cut into clusters and packed into parts.

    A part is a list of pieces of about ``size`` rows in all (:data:`PART_ROWS`);
    a cluster is never cut, so a part may hold more.
    """
    size = size or PART_ROWS
    part: list[Piece] = []
    rows_in_part = 0
    for association in store.associations():
        rows = store.part(association)
        for piece in _pieces(rows, size):
            part.append(piece)
            rows_in_part += len(piece) if isinstance(piece, list) else piece.num_rows
            if rows_in_part >= size:
                yield part
                part, rows_in_part = [], 0
    if part:
        yield part


def _pieces(rows: Piece, size: int) -> Iterator[Piece]:
    """``rows`` (one association's, in order) as pieces of whole clusters, about ``size`` rows."""
    found = clusters(rows) if isinstance(rows, list) else table_clusters(rows)
    chosen: list = []
    count = 0
    for cluster in found:
        chosen.append(cluster)
        count += len(cluster)
        if count >= size:
            yield _piece(rows, chosen)
            chosen, count = [], 0
    if chosen:
        yield _piece(rows, chosen)


def _piece(rows: Piece, chosen: list) -> Piece:
    """The rows of the ``chosen`` clusters, in their order in ``rows``."""
    if isinstance(rows, list):
        return [rows[i] for i in sorted(i for cluster in chosen for i in cluster)]
    return rows.take(pa.array(np.sort(np.concatenate(chosen))))


def table_clusters(table: pa.Table) -> list[np.ndarray]:
    """:func:`timeline.merge.clusters` of one association's rows held as an Arrow table.

    The same cut, computed on the columns: the rows dated to the day sorted by
    start (then place), and a cut wherever a start lies after every end before it.
    """
    candidate = (
        pc.is_in(table["granularity"], value_set=pa.array(sorted(MERGEABLE)))
        .fill_null(False)
        .to_numpy(zero_copy_only=False)
    )
    places = np.flatnonzero(candidate)
    found: list[np.ndarray] = []
    if len(places):
        start = _days(table["start"])[places]
        end = _days(table["end"])[places]
        order = np.lexsort((places, start))
        reach = np.maximum.accumulate(end[order])
        cuts = np.flatnonzero(start[order][1:] > reach[:-1]) + 1
        found = [np.sort(places[one]) for one in np.split(order, cuts)]
    found.extend(np.flatnonzero(~candidate)[:, None])
    return found


def _days(column: pa.ChunkedArray) -> np.ndarray:
    return pc.cast(column, pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)


__all__ = ["PART_ROWS", "merge_part", "merged_table", "parts", "table_clusters"]
