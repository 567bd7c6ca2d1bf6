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

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from timeline.cache import DocumentCache, Packed
from timeline.engine import Engine, Workers, map_parts
from timeline.merge import MERGEABLE, clusters, groups, merged_groups
from timeline.partitions import ORDER_COLUMNS, PERIOD_COLUMNS, RowStore
from timeline.schema import COLUMNS

#: Rows per part sent to a worker: enough that sending it costs little next to
#: merging it, few enough that two workers share even one large association.
PART_ROWS = 2000
#: Fewer rows to merge than this are merged in the command, whatever the number of
#: workers (not on a cluster): starting the local workers (a fork of the command
#: holding every row) and sending them the parts costs more than two of them save.
#: A +1 % rebuild merges only the clusters its new rows reach: at 10,000 documents
#: 15,535 rows in 7 parts. Merged on 2 workers they cost more CPU (4.5-4.9 s for the
#: documents phase against 4.0-4.3 s merged here, load 8-9) but less time where a
#: core is free: stage 2 took 1.1-1.35 s against 1.55-1.8 s on an idle machine
#: (`docs/scale.md`, eleventh session), and the time is what a rebuild is waited for.
SERIAL_BELOW_ROWS = 3 * PART_ROWS

#: An association's Arrow table of at most these bytes is made one batch before its
#: pieces are taken (a copy of its rows, let go with its pieces): a take per piece
#: rather than one per batch of it. The +1% rebuild's kept rows come in some seven
#: batches an association, and a take's cost is mostly per call and per column: at
#: 10,000 documents the pieces and the one-row clusters cost the command 0.13–0.23 s
#: of CPU taken so against 0.2–0.7 s batch by batch. A larger table (a corpus whose
#: rows went to disk, read back in many Parquet partitions) is not copied whole:
#: memory stays bounded by the work (:mod:`timeline.partitions`).
COMBINE_BYTES = 64 * 2**20

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
    if not any(isinstance(piece, list) for piece in part):
        return _merged_columns(part)
    rows: list[dict] = []
    for piece in part:  # rows of a worker live only here: not interned
        rows.extend(piece if isinstance(piece, list) else piece.to_pylist())
    # A piece taken from Arrow columns comes in no fixed order (:func:`_pieces`): in the
    # documents' order, each association's rows are where merging them all puts them.
    rows.sort(key=_place)
    found = groups(rows)
    frame = _frame(merged_groups(rows, found), COLUMNS)
    for column in ORDER_COLUMNS:
        frame[column] = pd.array([rows[min(members)][column] for members in found], dtype="int64")
    return frame


#: What merging reads of a row (:func:`timeline.merge.groups`, :func:`merged_groups`): of
#: rows held as Arrow, :func:`_merged_columns` makes dicts of these columns only.
MERGE_COLUMNS = (
    "association",
    "start",
    "end",
    "granularity",
    "role",
    "title",
    "description",
    "date_text",
    "doc",
    "published",
    "span_start",
    "time_start",
    "time_end",
    "sources",
    "event_id",  # a row whose sources cell is empty is its own source
    "doc_title",
    "source_url",
)
#: The cells merging may change in a group's first row (:func:`merged_groups`).
_JOINED = ("sources", "time_start", "time_end")


def _merged_columns(part: list[pa.Table]) -> pd.DataFrame:
    """:func:`merge_part` of pieces held as Arrow tables, the same frame made another way.

    Merging reads some of a row's cells (:data:`MERGE_COLUMNS`): only those are made
    Python objects. A merged row is its group's first row with its sources and times
    joined (:func:`timeline.merge.merged_groups`), so the frame is those first rows
    taken from the columns, the joined cells put in, and made a frame from the columns
    (:func:`frame_of_table`, the frame :func:`_frame_of_rows` makes of the same rows).
    """
    table = pa.concat_tables(part) if len(part) > 1 else part[0]
    if not table.num_rows:
        return _frame_of_rows([])
    docs, seqs = _order_of(table)
    order = np.lexsort((seqs, docs))  # the documents' order, as :func:`_place` sorts
    columns = _python_rows(table, MERGE_COLUMNS)
    rows = [columns[i] for i in order]
    found = groups(rows)
    merged = merged_groups(rows, found)
    firsts = order[[members[0] for members in found]]
    places = order[[min(members) for members in found]]
    out = table.take(pa.array(firsts, type=pa.int64()))
    for column in _JOINED:
        cells = pa.array([row[column] for row in merged], type=out.schema.field(column).type)
        out = out.set_column(out.schema.get_field_index(column), column, cells)
    for column, values in zip(ORDER_COLUMNS, (docs, seqs), strict=True):
        cells = pa.array(values[places], type=pa.int64())
        out = out.set_column(out.schema.get_field_index(column), column, cells)
    return frame_of_table(out)


#: Of :data:`MERGE_COLUMNS`, the texts a part's rows repeat (copies of one report share
#: them): made one Python string per distinct text (:func:`_python_values`).
REPEATED_COLUMNS = frozenset(
    ("association", "granularity", "role", "title", "description", "date_text", "doc_title")
)


def _python_rows(table: pa.Table, names: tuple[str, ...]) -> list[dict]:
    """``table.select(names).to_pylist()``, made a column at a time: Arrow makes a date
    cell a Python date one cell at a time (some 30 ms a column of 15,000 rows, a fifth of
    the whole), here one date per distinct day, and one string per distinct text of
    :data:`REPEATED_COLUMNS`."""
    columns = [_python_values(table.column(name), name in REPEATED_COLUMNS) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _python_values(column: pa.ChunkedArray, repeated: bool = False) -> list:
    """``column.to_pylist()``; a date column made one :class:`datetime.date` per day, a
    text column of ``repeated`` texts one :class:`str` per distinct text: fewer strings
    made, and one object hashed once wherever merging looks a text up (:mod:`timeline.merge`).
    """
    if repeated and pa.types.is_string(column.type) and len(column):
        coded = pc.dictionary_encode(column.combine_chunks())
        texts = coded.dictionary.to_pylist()
        texts.append(None)  # a missing cell: the code -1
        codes = coded.indices.fill_null(-1).to_numpy(zero_copy_only=False).tolist()
        return [texts[code] for code in codes]
    if not pa.types.is_date32(column.type):
        return column.to_pylist()
    days = pc.cast(column, pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).tolist()
    made: dict[int, date] = {}
    values: list = [made.get(day) or made.setdefault(day, _EPOCH + timedelta(day)) for day in days]
    if column.null_count:
        for place in np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False)).tolist():
            values[place] = None
    return values


_EPOCH = date(1970, 1, 1)


def _place(row: dict) -> tuple[int, int]:
    return row["_doc"], row["_seq"]


def merged_table(
    store: RowStore,
    engine: Engine | None,
    documents: int,
    keys: list[str | None] | None = None,
    slot: str | None = None,
    workers: Workers | None = None,
    known: Callable[[], Clusters | None] | None = None,
) -> pd.DataFrame:
    """Every association's rows in ``store`` merged: the rows of merging them all at once.

    In no fixed order, with ``ORDER_COLUMNS``: sorted by those, they are in the order
    of merging them all at once (:func:`timeline.table.build_events` sorts them once,
    with the table's own order, rather than copying every row into each order).

    ``documents``: how many documents the build has, for the engine's choice of
    serial or parallel work (:meth:`timeline.engine.Engine.mode`). ``keys``: the
    documents' keys (by their index, ``_doc``; see :func:`cluster_key`) and ``slot``: where the
    engine's cache keeps this set of documents' merged clusters. With both, a
    cluster whose rows are those of the last build (:func:`cluster_key`) takes
    its merged rows from there and only the other clusters are merged
    (:class:`Clusters`). ``workers``: the build's local worker processes, the
    pool stage 1 used (:class:`timeline.engine.Workers`). ``known``: what gives the last
    build's clusters (read already, :class:`timeline.table._ReadAhead`); None: they are
    read here (:meth:`Clusters.load`).
    """
    cache = engine.cache if engine is not None else None
    clusters = None
    if keys is not None:
        clusters = known() if known is not None else Clusters.load(cache, slot)
    plan = _Plan(keys, clusters)
    light = (_rows_in, SERIAL_BELOW_ROWS)
    frames = list(map_parts(merge_part, plan.parts(store), engine, documents, workers, light))
    fresh = None  # the rows merged here, kept for the next build (not the one-row clusters)
    if keys is not None and cache is not None and slot is not None and frames:
        fresh = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frames.extend(plan.alone)
    plan.alone = []
    table = plan.table(frames)  # the parts' rows, the one-row clusters, the clusters taken
    frames.clear()
    if keys is not None and cache is not None and slot is not None:
        plan.kept(fresh).store(cache, slot)
    del plan  # the last build's clusters, let go
    if table is None:
        return _frame_of_rows([])
    return table


def _rows_in(part: list[Piece]) -> int:
    return sum(len(piece) if isinstance(piece, list) else piece.num_rows for piece in part)


def cluster_key(keys: list[str | None], docs: Iterable[int], seqs: Iterable[int]) -> str | None:
    """What a cluster's merging depends on: its rows, in their order, named by their
    document's key and their place in it. None when a document has no key.

    ``keys``: by document index, its cache key (its bytes, name, manifest row, the
    code's version: everything its rows are made of) with its path, so that two
    copies of one document in two folders make two clusters, not one twice.
    """
    digest = hashlib.sha256()
    for doc, seq in zip(docs, seqs, strict=True):
        key = keys[doc]
        if key is None:
            return None
        digest.update(f"{key}:{seq};".encode())
    return digest.hexdigest()


@dataclass
class Clusters:
    """The merged rows of a build's clusters, kept for the next build of the same documents.

    ``frame``: the merged rows (:data:`COLUMNS`), each with its cluster
    (``_cluster``, a place in ``names``: the clusters' keys, :func:`cluster_key`)
    and the place, in its cluster, of its group's first row (``_first``). Kept in
    the cache under the build's arguments and replaced by each build, so it holds
    only the last build's clusters.
    """

    frame: pd.DataFrame
    names: list[str]

    @classmethod
    def load(
        cls, cache: DocumentCache | None, slot: str | None, found: list[bool] | None = None
    ) -> Clusters | None:
        """The clusters kept under ``slot``, or None. ``found``: the look-up is not counted
        by the cache but appended here (a read ahead, :meth:`DocumentCache.get`)."""
        if cache is None or slot is None:
            return None
        stored = cache.get(_clusters_slot(slot), found)
        if isinstance(stored, dict) and stored.get("version") == cache.version:
            frame, names = stored.get("frame"), stored.get("names")
            if isinstance(frame, pd.DataFrame) and isinstance(names, list):
                return cls(frame, names)
        return None

    def store(self, cache: DocumentCache, slot: str) -> None:
        entry = {"version": cache.version, "frame": Packed(self.frame), "names": self.names}
        cache.put(_clusters_slot(slot), entry)


def _clusters_slot(slot: str) -> str:
    return hashlib.sha256(b"clusters\0" + slot.encode()).hexdigest()


class _Plan:
    """Which clusters are merged and which are taken from the last build, and the table
    made of both."""

    def __init__(self, keys: list[str | None] | None, known: Clusters | None) -> None:
        self.keys = keys
        self.known = known
        self.codes = {name: code for code, name in enumerate(known.names)} if known else {}
        #: Per cluster merged here: its key, and its rows' ``_doc``, ``_seq``; per
        #: cluster taken: its place in the known names, and its rows' ``_doc``, ``_seq``.
        self.merged: list[tuple[str | None, np.ndarray, np.ndarray]] = []
        self.taken: list[tuple[int, np.ndarray, np.ndarray]] = []
        #: The rows of one-row clusters, as merged rows (:func:`alone_frame`).
        self.alone: list[pd.DataFrame] = []
        self._order: tuple = (None, None, None)

    def parts(self, store: RowStore, size: int | None = None) -> Iterator[list[Piece]]:
        """The clusters to merge, packed into parts (see :func:`parts`). The one-row
        clusters are taken out as the parts are made and made frames (:attr:`alone`)
        only once the last part is given: with workers, while they merge the last
        parts, rather than before the command makes the next part for them."""
        single: list[Piece] = []

        def alone(rows: Piece, places: np.ndarray) -> None:
            if len(places):
                single.append(_picked(rows, places))

        yield from parts(store, size, self._choose, alone)
        single.reverse()
        while single:  # each association's rows let go once made a frame
            self.alone.append(alone_frame(single.pop()))

    def _choose(self, rows: Piece, cluster) -> bool:
        """Whether ``cluster`` (indices of ``rows``) is to be merged; noted either way."""
        if isinstance(rows, list):
            docs = np.array([rows[i]["_doc"] for i in cluster], dtype=np.int64)
            seqs = np.array([rows[i]["_seq"] for i in cluster], dtype=np.int64)
        else:
            if self._order[0] is not rows:  # the association's columns, once
                self._order = (rows, *_order_of(rows))
            docs, seqs = self._order[1][cluster], self._order[2][cluster]
        name = cluster_key(self.keys, docs.tolist(), seqs.tolist()) if self.keys else None
        code = self.codes.get(name) if name is not None else None
        if code is not None:
            self.taken.append((code, docs, seqs))
            return False
        self.merged.append((name, docs, seqs))
        return True

    def table(self, frames: list[pd.DataFrame]) -> pd.DataFrame | None:
        """The merged rows (with ``ORDER_COLUMNS``): the parts' and the clusters taken."""
        pieces = list(frames)
        if self.taken:
            pieces.append(self._taken_rows())
        if not pieces:
            return None
        return pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]

    def _taken_rows(self) -> pd.DataFrame:
        """The clusters taken from the last build, each row where its group's first row
        now stands."""
        assert self.known is not None
        frame = self.known.frame
        starts = np.full(len(self.known.names), -1, dtype=np.int64)
        offset = 0
        for code, docs, _ in self.taken:
            starts[code] = offset
            offset += len(docs)
        places = starts[frame["_cluster"].to_numpy(dtype=np.int64)]
        chosen = places >= 0
        places = places[chosen] + frame["_first"].to_numpy(dtype=np.int64)[chosen]
        out = frame[chosen].drop(columns=["_cluster", "_first"]).reset_index(drop=True)
        out["_doc"] = np.concatenate([one for _, one, _ in self.taken])[places]
        out["_seq"] = np.concatenate([one for _, _, one in self.taken])[places]
        return out

    def kept(self, fresh: pd.DataFrame | None) -> Clusters:
        """Every cluster of this build with its merged rows, for the next build.

        ``fresh``: the rows merged in this build (the parts'), with ``ORDER_COLUMNS``.
        """
        pieces = []
        names: list[str] = []
        if self.known is not None and self.taken:
            recoded = np.full(len(self.known.names), -1, dtype=np.int64)
            for code, _, _ in self.taken:
                recoded[code] = len(names)
                names.append(self.known.names[code])
            frame = self.known.frame
            codes = recoded[frame["_cluster"].to_numpy(dtype=np.int64)]
            taken = frame[codes >= 0].copy()
            taken["_cluster"] = codes[codes >= 0]
            pieces.append(taken)
        clusters = [item for item in self.merged if item[0] is not None]
        if clusters and fresh is not None and len(fresh):
            docs = np.concatenate([one for _, one, _ in clusters])
            seqs = np.concatenate([one for _, _, one in clusters])
            codes = np.concatenate(
                [np.full(len(one), len(names) + k) for k, (_, one, _) in enumerate(clusters)]
            )
            names.extend(name for name, _, _ in clusters)
            firsts = np.concatenate([np.arange(len(one)) for _, one, _ in clusters])
            base = int(max(seqs.max(), fresh["_seq"].max())) + 1
            where = pd.Index(docs * base + seqs).get_indexer(
                fresh["_doc"].to_numpy(dtype=np.int64) * base
                + fresh["_seq"].to_numpy(dtype=np.int64)
            )
            ok = where >= 0  # rows of clusters without a key are not kept
            fresh = fresh[ok].drop(columns=list(ORDER_COLUMNS))
            fresh["_cluster"] = codes[where[ok]]
            fresh["_first"] = firsts[where[ok]]
            pieces.append(fresh)
        if not pieces:
            empty = {
                "_cluster": pd.Series([], dtype="int64"),
                "_first": pd.Series([], dtype="int64"),
            }
            return Clusters(pd.DataFrame(empty), [])
        frame = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]
        return Clusters(frame.reset_index(drop=True), names)


def _order_of(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    return (
        table["_doc"].to_numpy().astype(np.int64, copy=False),
        table["_seq"].to_numpy().astype(np.int64, copy=False),
    )


def _picked(rows: Piece, places: np.ndarray) -> Piece:
    """The rows at ``places`` of ``rows`` (dicts, or an Arrow table), each a cluster of its
    own: taken out as the parts are made, which lets go of the association's rows, and
    made frames by :func:`alone_frame` once the last part is given."""
    if isinstance(rows, list):
        return [rows[i] for i in places]
    return taken(rows, places)


def alone_frame(picked: Piece) -> pd.DataFrame:
    """Rows of one-row clusters (:func:`_picked`) as merged rows.

    A row that can merge with no other is its own group, and merging a group of
    one keeps the row as it is (:func:`timeline.merge.merged_groups`): these rows
    are the very rows :func:`merge_part` would give, made the same way, without
    being sent to a worker, named or kept (some two thirds of a corpus's rows:
    publication lines, years, months).
    """
    if isinstance(picked, list):
        return _frame_of_rows(picked)
    return frame_of_table(picked)


def _frame_of_rows(picked: list[dict]) -> pd.DataFrame:
    """Rows as :func:`merge_part` makes its frame: :data:`COLUMNS` and the order columns."""
    frame = _frame(picked, COLUMNS)
    for column in ORDER_COLUMNS:
        frame[column] = pd.array([row[column] for row in picked], dtype="int64")
    return frame


def frame_of_table(table: pa.Table) -> pd.DataFrame:
    """:func:`_frame_of_rows` of ``table.to_pylist()``, made from the columns (some 50
    times faster): the same values and types, a column with no value at all made of
    None as pandas makes it from dicts (``tests/test_partitions.py`` compares both)."""
    if not table.num_rows:
        return _frame_of_rows([])
    return _frame_of_columns(table, COLUMNS, [*COLUMNS, *ORDER_COLUMNS])


def frame_of_periods(table: pa.Table) -> pd.DataFrame:
    """``_frame(table.to_pylist(), PERIOD_COLUMNS)``, made from the columns: the period
    rows of a store of Arrow tables (:meth:`timeline.partitions.RowStore.period_table`)
    are not made dicts (``tests/test_partitions.py`` compares both)."""
    if not table.num_rows:
        return _frame([], PERIOD_COLUMNS)
    return _frame_of_columns(table, PERIOD_COLUMNS, PERIOD_COLUMNS)


def _frame_of_columns(table: pa.Table, cells: Iterable[str], columns: list[str]) -> pd.DataFrame:
    """``columns`` of ``table`` as a frame; each of ``cells`` without any value made of
    None, as pandas makes it from dicts."""
    frame = table.select(columns).to_pandas()
    for name in cells:
        if table.column(name).null_count == table.num_rows:
            frame[name] = pd.Series([None] * table.num_rows, dtype=object)
    return frame


def parts(
    store: RowStore,
    size: int | None = None,
    choose: Callable[[Piece, object], bool] | None = None,
    alone: Callable[[Piece, np.ndarray], None] | None = None,
) -> Iterator[list[Piece]]:
    """The store's rows, an association at a time, cut into clusters and packed into parts.

    A part is a list of pieces of about ``size`` rows in all (:data:`PART_ROWS`);
    a cluster is never cut, so a part may hold more. ``choose(rows, cluster)``:
    whether a cluster is to be merged at all (None: every one). ``alone(rows,
    places)``: given the rows that are clusters of one row, once per association,
    which then go into no part (None: they go into the parts too).
    """
    size = size or PART_ROWS
    part: list[Piece] = []
    rows_in_part = 0
    for association in store.associations():
        rows = store.part(association)
        for piece in _pieces(rows, size, choose, alone):
            part.append(piece)
            rows_in_part += len(piece) if isinstance(piece, list) else piece.num_rows
            if rows_in_part >= size:
                yield part
                part, rows_in_part = [], 0
    if part:
        yield part


def _pieces(
    rows: Piece,
    size: int,
    choose: Callable[[Piece, object], bool] | None,
    alone: Callable[[Piece, np.ndarray], None] | None = None,
) -> Iterator[Piece]:
    """``rows`` (one association's) as pieces of whole clusters, about ``size`` rows.

    Rows as dicts come in the documents' order. An Arrow table comes in any order,
    in pieces (:meth:`timeline.partitions.RowStore.part`): its clusters are cut, and
    named by ``choose``, on a few columns put in the documents' order (:data:`ORDER`),
    and each piece is taken from the rows where they lie, batch by batch, never
    copying the whole table into order (a take across batches, or a sort, copied
    every row of the association once more); the pieces' rows are put in order by
    :func:`merge_part`. A table of at most :data:`COMBINE_BYTES` is first made one
    batch (then a piece is one take).
    """
    if isinstance(rows, list):
        yield from _chosen_pieces(rows, clusters(rows), size, choose, alone, rows)
        return
    if rows.num_columns and rows.column(0).num_chunks > 1 and rows.nbytes <= COMBINE_BYTES:
        rows = rows.combine_chunks()  # then one take per piece, not one per batch
    place = pc.sort_indices(
        rows.select(list(ORDER_COLUMNS)), [(c, "ascending") for c in ORDER_COLUMNS]
    )
    order = place.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    index = rows.select(list(ORDER)).take(place).combine_chunks()
    found, single = _cut(index)
    yield from _chosen_pieces(index, found, size, choose, alone, rows, order, single)


#: The columns stage 2 cuts and names clusters by (:func:`table_clusters`, :class:`_Plan`).
ORDER = ("granularity", "start", "end", *ORDER_COLUMNS)


def _chosen_pieces(
    index: Piece,
    found: list,
    size: int,
    choose: Callable[[Piece, object], bool] | None,
    alone: Callable[[Piece, np.ndarray], None] | None,
    rows: Piece,
    order: np.ndarray | None = None,
    single: np.ndarray | None = None,
) -> Iterator[Piece]:
    """The pieces of the clusters ``found`` in ``index`` (``rows`` put in the documents'
    order by ``order``, or ``rows`` itself when None) that ``choose`` keeps. ``single``:
    the rows that are clusters of their own, when ``found`` holds none (:func:`_cut`)."""
    if alone is not None:
        if single is None:
            single = np.sort(np.array([c[0] for c in found if len(c) == 1], dtype=np.int64))
            found = [cluster for cluster in found if len(cluster) > 1]
        alone(rows, single if order is None else order[single])
    elif single is not None:
        found = [*found, *single[:, None]]
    chosen: list = []
    count = 0
    for cluster in found:
        if choose is not None and not choose(index, cluster):
            continue
        chosen.append(cluster)
        count += len(cluster)
        if count >= size:
            yield _piece(rows, chosen, order)
            chosen, count = [], 0
    if chosen:
        yield _piece(rows, chosen, order)


def _piece(rows: Piece, chosen: list, order: np.ndarray | None = None) -> Piece:
    """The rows of the ``chosen`` clusters: in their order in ``rows`` (dicts), or taken
    where they lie in an Arrow table (``order``: the documents' order of its rows)."""
    if isinstance(rows, list):
        return [rows[i] for i in sorted(i for cluster in chosen for i in cluster)]
    places = np.concatenate(chosen)
    return taken(rows, places if order is None else order[places])


def taken(table: pa.Table, places: np.ndarray) -> pa.Table:
    """The rows at ``places`` of ``table``, taken batch by batch (Arrow's take across the
    chunks of a table joins them first: a copy of every row for each call); they come
    grouped by batch, in ``places``' order within each."""
    batches = table.to_batches()
    if len(batches) <= 1:
        return table.take(pa.array(places, type=pa.int64()))
    starts = np.cumsum([0] + [batch.num_rows for batch in batches])
    which = np.searchsorted(starts, places, side="right") - 1
    picked = []
    for number in np.unique(which):
        local = places[which == number] - starts[number]
        picked.append(batches[number].take(pa.array(local, type=pa.int64())))
    return pa.Table.from_batches(picked, schema=table.schema)


def table_clusters(table: pa.Table) -> list[np.ndarray]:
    """:func:`timeline.merge.clusters` of one association's rows held as an Arrow table.

    The same cut, computed on the columns: the rows dated to the day sorted by
    start (then place), and a cut wherever a start lies after every end before it.
    """
    found, alone = _cut(table)
    return [*found, *alone[:, None]]


def _cut(table: pa.Table) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`table_clusters` of ``table`` as its clusters of more than one row, in that
    order, and the rows that are clusters of their own, in their order in ``table``: the
    one-row clusters (most rows) are not made an array each."""
    candidate = (
        pc.is_in(table["granularity"], value_set=pa.array(sorted(MERGEABLE)))
        .fill_null(False)
        .to_numpy(zero_copy_only=False)
    )
    places = np.flatnonzero(candidate)
    found: list[np.ndarray] = []
    alone = np.flatnonzero(~candidate)
    if len(places):
        start = _days(table["start"])[places]
        end = _days(table["end"])[places]
        order = np.lexsort((places, start))
        reach = np.maximum.accumulate(end[order])
        cuts = np.flatnonzero(start[order][1:] > reach[:-1]) + 1
        sizes = np.diff(np.concatenate(([0], cuts, [len(order)])))
        one_row = np.repeat(sizes == 1, sizes)  # per sorted row: its cluster is itself
        several = sizes[sizes > 1]
        if len(several):
            runs = np.split(order[~one_row], np.cumsum(several)[:-1])
            found = [np.sort(places[run]) for run in runs]
        alone = np.sort(np.concatenate((places[order[one_row]], alone)))
    return found, alone


def _days(column: pa.ChunkedArray) -> np.ndarray:
    return pc.cast(column, pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)


__all__ = [
    "PART_ROWS",
    "Clusters",
    "alone_frame",
    "frame_of_periods",
    "frame_of_table",
    "cluster_key",
    "merge_part",
    "merged_table",
    "parts",
    "table_clusters",
]
