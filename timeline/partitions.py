"""Stage 1's rows kept per association until stage 2 takes them, on disk when there are many.

The engine hands back each partition's results (:func:`timeline.engine.each_partition`);
:class:`RowStore` keeps their rows, one group per association (merging never
joins two associations: :mod:`timeline.merge`), and their period rows. Stage 2
(:func:`timeline.table.build_events`) then takes one association's rows at a
time, so the client never holds every document's rows as Python objects.

For a corpus of at least :data:`SPILL_FROM` documents (``$TIMELINE_SPILL_FROM``)
the rows are written to disk as Parquet partitions, a file per association each
time :data:`PARTITION_ROWS` rows (``$TIMELINE_PARTITION_ROWS``) have gathered,
in a folder of their own made for the build (``partitions-*`` in the cache
folder, else in ``$TMPDIR``) and removed when the build ends, however it ends.
Below that the rows stay in memory, in the very same groups. Either way every
row carries its document's index and its place in the document (``_doc``,
``_seq``), so a group reads back in the documents' order whatever order the
partitions finished in.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from timeline.schema import COLUMNS, DATE_COLUMNS, INTEGER_COLUMNS

#: Documents from which the rows are kept on disk (``$TIMELINE_SPILL_FROM``):
#: 2,000 documents make some 10,000 rows, 15 MB as Python objects.
SPILL_FROM = 2000
#: Rows gathered in memory before they are written out as Parquet partitions
#: (``$TIMELINE_PARTITION_ROWS``): a file per association each time.
PARTITION_ROWS = 20_000
SPILL_ENVIRONMENT = "TIMELINE_SPILL_FROM"
ROWS_ENVIRONMENT = "TIMELINE_PARTITION_ROWS"
#: The columns that tell where a row stands: its document's index and its place in it.
ORDER_COLUMNS = ("_doc", "_seq")
PERIOD_COLUMNS = (
    "doc",
    "association",
    "start",
    "end",
    "date_text",
    "description",
    "span_start",
    "span_end",
)
#: The association group that holds the period rows (no association is named so).
_PERIODS = "\0periods"


def _arrow_type(column: str) -> pa.DataType:
    if column in DATE_COLUMNS:
        return pa.date32()
    if column in INTEGER_COLUMNS or column in ORDER_COLUMNS:
        return pa.int64()
    return pa.string()


def _schema(columns: tuple[str, ...]) -> pa.Schema:
    return pa.schema([(column, _arrow_type(column)) for column in (*columns, *ORDER_COLUMNS)])


ROW_SCHEMA = _schema(COLUMNS)
PERIOD_SCHEMA = _schema(PERIOD_COLUMNS)


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


class RowStore:
    """Rows by association, in memory or as Parquet partitions in ``folder``.

    ``folder``: where partitions go (None: the rows stay in memory).
    ``partition_rows``: rows gathered before they are written out.
    """

    def __init__(self, folder: Path | None = None, partition_rows: int = PARTITION_ROWS) -> None:
        self.folder = folder
        self.partition_rows = max(1, partition_rows)
        self._pending: dict[str, list[dict]] = {}
        self._pending_rows = 0
        self._files: dict[str, list[Path]] = {}
        self.partitions = 0  # files written
        #: Rows of many documents at once (:meth:`add_tables`), as Arrow tables by association.
        self._tables: dict[str, list[pa.Table]] = {}
        self._period_tables: list[pa.Table] = []
        #: When a list: every association's rows :meth:`part` hands out, as Arrow
        #: tables, and :meth:`periods`' rows, kept for the next build (:mod:`timeline.kept`).
        self.kept: list[pa.Table] | None = None
        self.kept_periods: list[dict] | None = None

    # --- filling ---------------------------------------------------------------------

    def add(self, index: int, rows: list[dict], periods: list[dict]) -> None:
        """Document ``index``'s rows and period rows (the dicts are taken, not copied)."""
        for kind, found in ((None, rows), (_PERIODS, periods)):
            for seq, row in enumerate(found):
                row["_doc"], row["_seq"] = index, seq
                group = kind or str(row["association"])
                self._pending.setdefault(group, []).append(row)
            self._pending_rows += len(found)
        if self.folder is not None and self._pending_rows >= self.partition_rows:
            self._flush()

    def _flush(self) -> None:
        """Every group's pending rows, written as one Parquet file per group."""
        assert self.folder is not None
        for group, rows in self._pending.items():
            schema = PERIOD_SCHEMA if group == _PERIODS else ROW_SCHEMA
            slot = hashlib.sha256(group.encode("utf-8", "surrogatepass")).hexdigest()[:20]
            path = self.folder / slot / f"{self.partitions:08d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
            self._files.setdefault(group, []).append(path)
            self.partitions += 1
        self._pending.clear()
        self._pending_rows = 0

    def add_tables(self, rows: pa.Table, periods: pa.Table) -> None:
        """Rows and period rows of many documents at once, each with its ``_doc`` and
        ``_seq`` (:data:`ROW_SCHEMA`, :data:`PERIOD_SCHEMA`): the last build's rows of
        the documents that did not change (:mod:`timeline.kept`)."""
        if rows.num_rows:  # cut by association once, not filtered again for each
            codes = pc.dictionary_encode(rows["association"]).combine_chunks()
            indices = codes.indices.to_numpy(zero_copy_only=False)
            order = np.argsort(indices, kind="stable")
            bounds = np.searchsorted(indices[order], np.arange(len(codes.dictionary) + 1))
            for code, name in enumerate(codes.dictionary.to_pylist()):
                chosen = order[bounds[code] : bounds[code + 1]]
                self._tables.setdefault(name, []).append(rows.take(pa.array(chosen)))
        if periods.num_rows:
            self._period_tables.append(periods)

    # --- reading ---------------------------------------------------------------------

    def associations(self) -> list[str]:
        """Every association that has rows, in sorted order."""
        found = (set(self._pending) | set(self._files) | set(self._tables)) - {_PERIODS}
        return sorted(found)

    def rows(self, association: str) -> list[dict]:
        """The association's rows in the documents' order, each once (then let go)."""
        return self._take(association)

    def periods(self) -> list[dict]:
        """Every period row in the documents' order (then let go)."""
        rows = self._take(_PERIODS)
        if self._period_tables:
            for table in self._period_tables:
                rows.extend(interned(table.to_pylist()))
            self._period_tables = []
            rows.sort(key=lambda row: (row["_doc"], row["_seq"]))
        if self.kept_periods is not None:
            self.kept_periods = rows
        return rows

    def part(self, association: str) -> list[dict] | pa.Table:
        """The association's rows in the documents' order, each once (then let go): as
        dicts when they stayed in memory, as one Arrow table when some went to disk or
        came as tables (read back as columns, not made into a dict per row here)."""
        files = self._files.pop(association, [])
        tables = self._tables.pop(association, [])
        if not files and not tables and self.kept is None:
            return self._take(association)
        for path in files:
            tables.append(pq.read_table(path, schema=ROW_SCHEMA))
            path.unlink(missing_ok=True)
        pending = self._pending.pop(association, [])
        if pending or not tables:
            tables.append(pa.Table.from_pylist(pending, schema=ROW_SCHEMA))
        table = pa.concat_tables(tables).combine_chunks()
        order = pc.sort_indices(table, [("_doc", "ascending"), ("_seq", "ascending")])
        if not _in_order(order):  # rows kept from the last build alone come in order
            table = table.take(order)
        if self.kept is not None:
            self.kept.append(table)
        return table

    def _take(self, group: str) -> list[dict]:
        rows: list[dict] = []
        for path in self._files.pop(group, []):
            rows.extend(interned(pq.read_table(path).to_pylist()))
            path.unlink(missing_ok=True)
        rows.extend(self._pending.pop(group, []))
        rows.sort(key=lambda row: (row["_doc"], row["_seq"]))
        return rows


def _in_order(order: pa.Array) -> bool:
    """Whether sort indices leave every row where it is."""
    places = order.to_numpy(zero_copy_only=False)
    return bool(np.array_equal(places, np.arange(len(places))))


def interned(rows: list[dict]) -> list[dict]:
    """Rows read back sharing one object per repeated text, as the documents' own rows did."""
    known: dict[str, str] = {}
    for row in rows:
        for column, value in row.items():
            if isinstance(value, str):
                row[column] = known.setdefault(value, value)
    return rows


@contextlib.contextmanager
def row_store(documents: int, cache_folder: Path | None = None) -> Iterator[RowStore]:
    """A store for ``documents`` documents: on disk from :data:`SPILL_FROM` of them.

    The folder is made in ``cache_folder`` (else ``$TMPDIR``) and removed at the end.
    """
    if documents < _setting(SPILL_ENVIRONMENT, SPILL_FROM):
        yield RowStore(None)
        return
    folder = None
    if cache_folder is not None:
        with contextlib.suppress(OSError):
            cache_folder.mkdir(parents=True, exist_ok=True)
            folder = tempfile.mkdtemp(prefix="partitions-", dir=cache_folder)
    if folder is None:
        folder = tempfile.mkdtemp(prefix="timeline-partitions-")
    try:
        yield RowStore(Path(folder), _setting(ROWS_ENVIRONMENT, PARTITION_ROWS))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


__all__ = [
    "ORDER_COLUMNS",
    "PARTITION_ROWS",
    "SPILL_FROM",
    "RowStore",
    "interned",
    "row_store",
]
