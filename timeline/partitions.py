"""Stage 1's rows kept per association until stage 2 takes them, on disk when there are many.

The engine hands back each partition's results (:func:`timeline.engine.each_partition`);
:class:`RowStore` keeps their rows, one group per association (merging never
joins two associations: :mod:`timeline.merge`), and their period rows. Stage 2
(:func:`timeline.table.build_events`) then takes one association's rows at a
time, so the client never holds every document's rows as Python objects.

For a corpus of at least :data:`SPILL_FROM` documents (``$TIMELINE_SPILL_FROM``)
the rows are made Arrow tables, a table per association each time
:data:`PARTITION_ROWS` rows (``$TIMELINE_PARTITION_ROWS``) have gathered. While
those tables hold less than :data:`MEMORY_BYTES` (``$TIMELINE_PARTITION_MEMORY``,
in MB) they stay in memory: written to disk and read back, they cost stage 2 a
second at 10,000 documents (80 MB of Arrow) for nothing. Past it, every table
goes to disk as a Parquet partition, and so do the next, in a folder of their
own made for the build (``partitions-*`` in the cache folder, else in
``$TMPDIR``) and removed when the build ends, however it ends. Below
:data:`SPILL_FROM` documents the rows stay Python dicts, in the very same groups. Either way every
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
#: Bytes of Arrow tables kept in memory before they all go to disk
#: (``$TIMELINE_PARTITION_MEMORY``, in MB): about 1 KB a row, so some 160,000 rows
#: (30,000 documents of the generated corpus) stay in memory, and a larger corpus
#: holds no more than this in the command before its rows go to disk.
MEMORY_BYTES = 160 * 2**20
SPILL_ENVIRONMENT = "TIMELINE_SPILL_FROM"
ROWS_ENVIRONMENT = "TIMELINE_PARTITION_ROWS"
MEMORY_ENVIRONMENT = "TIMELINE_PARTITION_MEMORY"
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

    ``folder``: where partitions go (None: the rows stay dicts in memory).
    ``partition_rows``: rows gathered before they are made an Arrow table.
    ``memory_bytes``: Arrow tables held in memory before they go to ``folder``.
    """

    def __init__(
        self,
        folder: Path | None = None,
        partition_rows: int = PARTITION_ROWS,
        memory_bytes: int = MEMORY_BYTES,
    ) -> None:
        self.folder = folder
        self.partition_rows = max(1, partition_rows)
        self.memory_bytes = memory_bytes
        #: Arrow tables made of pending rows, by group, while they fit in ``memory_bytes``.
        self._held: dict[str, list[pa.Table]] = {}
        self._held_bytes = 0
        self._pending: dict[str, list[dict]] = {}
        self._pending_rows = 0
        self._files: dict[str, list[Path]] = {}
        self.partitions = 0  # files written
        #: Rows of many documents at once (:meth:`add_tables`), as Arrow tables by association.
        self._tables: dict[str, list[pa.Table]] = {}
        self._period_tables: list[pa.Table] = []
        #: When a list: every association's rows :meth:`part` hands out, as Arrow
        #: tables, and :meth:`period_table`'s rows, kept for the next build (:mod:`timeline.kept`).
        self.kept: list[pa.Table] | None = None
        self.kept_periods: pa.Table | list | None = None

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
        """Every group's pending rows made one Arrow table per group: held in memory while
        they fit in ``memory_bytes``, else written (with every table held) as Parquet."""
        assert self.folder is not None
        for group, rows in self._pending.items():
            schema = PERIOD_SCHEMA if group == _PERIODS else ROW_SCHEMA
            table = pa.Table.from_pylist(rows, schema=schema)
            # once a partition is on disk, every later one goes there too
            if not self.partitions and self._held_bytes + table.nbytes <= self.memory_bytes:
                self._held.setdefault(group, []).append(table)
                self._held_bytes += table.nbytes
                continue
            for held_group, tables in self._held.items():  # past the bound: all to disk
                for held in tables:
                    self._write(held_group, held)
            self._held.clear()
            self._held_bytes = 0
            self._write(group, table)
        self._pending.clear()
        self._pending_rows = 0

    def _write(self, group: str, table: pa.Table) -> None:
        assert self.folder is not None
        slot = hashlib.sha256(group.encode("utf-8", "surrogatepass")).hexdigest()[:20]
        path = self.folder / slot / f"{self.partitions:08d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        self._files.setdefault(group, []).append(path)
        self.partitions += 1

    def add_tables(self, rows: dict[str, pa.Table], periods: pa.Table) -> None:
        """Rows (by association) and period rows of many documents at once, each with its
        ``_doc`` and ``_seq`` (:data:`ROW_SCHEMA`, :data:`PERIOD_SCHEMA`): the last build's
        rows of the documents that did not change (:mod:`timeline.kept`)."""
        for name, table in rows.items():
            if table.num_rows:
                self._tables.setdefault(name, []).append(table)
        if periods.num_rows:
            self._period_tables.append(periods)

    # --- reading ---------------------------------------------------------------------

    def associations(self) -> list[str]:
        """Every association that has rows, in sorted order."""
        found = set(self._pending) | set(self._files) | set(self._tables) | set(self._held)
        found -= {_PERIODS}
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

    def period_table(self) -> pa.Table:
        """Every period row in the documents' order, as one Arrow table (then let go): the
        rows of a store that makes Arrow tables (``folder`` set) never made dicts again."""
        tables = self._held.pop(_PERIODS, []) + self._period_tables
        self._period_tables = []
        table = self._gathered(_PERIODS, tables, PERIOD_SCHEMA)
        order = pc.sort_indices(table, [(column, "ascending") for column in ORDER_COLUMNS])
        table = table.take(order)
        if self.kept_periods is not None:
            self.kept_periods = table
        return table

    def part(self, association: str) -> list[dict] | pa.Table:
        """The association's rows, each once (then let go): as dicts in the documents'
        order when they stayed in memory, else as one Arrow table (read back as columns,
        not made into a dict per row here) of every piece they came in, in no fixed
        order and not copied into one: each row's ``_doc`` and ``_seq`` tell its place
        (stage 2 orders what it needs, :mod:`timeline.gather`)."""
        tables = self._tables.pop(association, []) + self._held.pop(association, [])
        if not self._files.get(association) and not tables and self.kept is None:
            return self._take(association)
        table = self._gathered(association, tables, ROW_SCHEMA)
        if self.kept is not None:
            self.kept.append(table)
        return table

    def _gathered(self, group: str, tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
        """``tables`` and the group's pieces on disk and still pending, as one Arrow table
        of ``schema`` (not copied into one when there is a single piece; then let go)."""
        for path in self._files.pop(group, []):
            tables.append(pq.read_table(path, schema=schema))
            path.unlink(missing_ok=True)
        pending = self._pending.pop(group, [])
        if pending or not tables:
            tables.append(pa.Table.from_pylist(pending, schema=schema))
        return pa.concat_tables(tables) if len(tables) > 1 else tables[0]

    def _take(self, group: str) -> list[dict]:
        rows: list[dict] = []
        for path in self._files.pop(group, []):
            rows.extend(interned(pq.read_table(path).to_pylist()))
            path.unlink(missing_ok=True)
        for table in self._held.pop(group, []):
            rows.extend(interned(table.to_pylist()))
        rows.extend(self._pending.pop(group, []))
        rows.sort(key=lambda row: (row["_doc"], row["_seq"]))
        return rows


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
    memory = _setting(MEMORY_ENVIRONMENT, -1)
    try:
        yield RowStore(
            Path(folder),
            _setting(ROWS_ENVIRONMENT, PARTITION_ROWS),
            MEMORY_BYTES if memory < 0 else memory * 2**20,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


__all__ = [
    "MEMORY_BYTES",
    "ORDER_COLUMNS",
    "PARTITION_ROWS",
    "SPILL_FROM",
    "RowStore",
    "interned",
    "row_store",
]
