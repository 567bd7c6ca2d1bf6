"""Rows kept as Parquet partitions on disk (timeline.partitions) and stage 2 per association.

A build whose rows went to disk in many small partitions must give the bytes of
a build that kept them in memory, and merging one association at a time must
give the table that merging every row at once gives.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import timeline.engine
from timeline import gather
from timeline.cache import DocumentCache
from timeline.engine import Engine
from timeline.merge import merge_rows
from timeline.partitions import (
    MEMORY_ENVIRONMENT,
    ORDER_COLUMNS,
    ROWS_ENVIRONMENT,
    SPILL_ENVIRONMENT,
    RowStore,
)
from timeline.schema import COLUMNS
from timeline.table import _frame, build_events, document_events, table_bytes

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "corpus"
MERGE = ROOT / "tests" / "merge"


@pytest.fixture
def both(tmp_path: Path) -> Path:
    """The sample corpus and the merge corpus (four associations, reports merged), one folder."""
    folder = tmp_path / "both"
    shutil.copytree(SAMPLE, folder / "sample")
    shutil.copytree(MERGE, folder / "merge", ignore=shutil.ignore_patterns("*.csv", "*.md"))
    (folder / "broken.txt").write_bytes(b"")  # an error, reported in its place
    return folder


def _files(result) -> dict[str, bytes]:
    return {
        "events.csv": table_bytes(result.table, ".csv"),
        "events.parquet": table_bytes(result.table, ".parquet"),
        "extracted.csv": table_bytes(result.extracted, ".csv"),
        "periods.csv": table_bytes(result.periods, ".csv") if len(result.periods) else b"",
    }


def _summary(result) -> tuple:
    return (
        [(str(path), message) for path, message in result.errors],
        [(str(path), message) for path, message in result.warnings],
        [(str(path), message) for path, message in result.repairs],
        result.documents,
    )


def test_rows_spilled_in_small_partitions_give_the_bytes_of_rows_kept_in_memory(
    both: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SPILL_ENVIRONMENT, "1000000")
    in_memory = build_events([both], engine=Engine(workers=0))
    monkeypatch.setenv(SPILL_ENVIRONMENT, "0")
    monkeypatch.setenv(ROWS_ENVIRONMENT, "7")  # many partitions for some fifty rows
    monkeypatch.setenv(MEMORY_ENVIRONMENT, "0")  # every partition to disk, as Parquet
    cache = DocumentCache(tmp_path / "cache")
    spilled = build_events([both], engine=Engine(workers=0, partition_size=2, cache=cache))
    assert len(in_memory.table) > 30 and in_memory.table["association"].nunique() >= 4
    assert _files(spilled) == _files(in_memory)
    assert _summary(spilled) == _summary(in_memory)
    # local worker processes: partitions come back in waves, their rows kept as Arrow
    # tables in memory (in no order), and stage 2 merges parts of a few rows on the workers
    monkeypatch.delenv(MEMORY_ENVIRONMENT)
    monkeypatch.setattr(gather, "PART_ROWS", 5)
    monkeypatch.setattr(timeline.engine, "SERIAL_BELOW_BYTES", 0)  # a few documents: processes
    monkeypatch.setattr(gather, "SERIAL_BELOW_ROWS", 0)  # and a few rows
    processes = build_events([both], engine=Engine(workers=2, partition_size=2))
    assert _files(processes) == _files(in_memory)
    assert _summary(processes) == _summary(in_memory)
    assert in_memory.errors and in_memory.warnings  # the comparison covers them
    # the partitions' folder, made in the cache folder, is gone with the build
    assert not list((tmp_path / "cache").glob("partitions-*"))
    # from the cache (rows of cached documents spilled too), still the same bytes
    again = build_events(
        [both], reviews=[], engine=Engine(workers=0, partition_size=2, cache=cache)
    )
    assert cache.hits > 0
    assert _files(again) == _files(in_memory)
    # every association's table taken from batch by batch (gather.COMBINE_BYTES), as a
    # large one is: the same bytes
    monkeypatch.setattr(gather, "COMBINE_BYTES", 0)
    batches = build_events([both], engine=Engine(workers=0, partition_size=2))
    assert _files(batches) == _files(in_memory)


def test_merging_one_association_at_a_time_gives_the_table_of_merging_every_row(
    both: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The oracle: every document's rows merged in one call, as stage 2 did before."""
    monkeypatch.setenv(SPILL_ENVIRONMENT, "0")
    monkeypatch.setenv(ROWS_ENVIRONMENT, "5")
    result = build_events([both], engine=Engine(workers=0))
    rows: list[dict] = []
    for path in sorted(both.rglob("*.txt")):
        outcome = document_events(path)
        rows.extend(outcome.rows)
    merged = merge_rows(rows)
    assert len(merged) < len(rows)  # reports were merged: the oracle means something
    table = _frame(merged, COLUMNS)
    table = table[~table["event_id"].duplicated(keep="first")]
    expected = table.sort_values(
        ["association", "start", "end", "doc", "span_start"], kind="stable"
    ).reset_index(drop=True)
    assert table_bytes(result.table, ".csv") == table_bytes(expected, ".csv")
    assert table_bytes(result.extracted, ".csv") == table_bytes(table, ".csv")


@pytest.mark.parametrize("held", [0, 2.5, None])
def test_a_store_writes_parquet_partitions_and_reads_each_association_back_in_order(
    tmp_path: Path, held: float | None
) -> None:
    """Pending rows become Arrow tables, held in memory up to a bound (None: no bound;
    2.5: two and a half tables of one row, so the third sends all to disk; 0: every
    table to disk); however they were kept, each association reads back in the
    documents' order."""
    import pyarrow as pa

    from timeline.partitions import ROW_SCHEMA

    def row(association: str, day: int, text: str) -> dict:
        values = {column: "" for column in COLUMNS}
        values.update(
            association=association,
            start=date(2023, 5, day),
            end=date(2023, 5, day),
            published=None if day % 2 else date(2023, 6, 1),
            span_start=day,
            span_end=day + 5,
            description=text,
        )
        return values

    one = pa.Table.from_pylist([{**row("甲会", 1, "一"), "_doc": 0, "_seq": 0}], schema=ROW_SCHEMA)
    memory = 10**9 if held is None else int(held * one.nbytes)
    store = RowStore(tmp_path, partition_rows=1, memory_bytes=memory)
    documents = {
        4: [row("乙会", 4, "四"), row("甲会", 4, "四二")],
        1: [row("甲会", 1, "一"), row("甲会", 2, "二"), row("乙会", 1, "一")],
        2: [],
        0: [row("甲会", 9, "零")],
    }
    expected = {name: [] for name in ("甲会", "乙会")}
    for index in sorted(documents):
        for one in documents[index]:
            expected[one["association"]].append(dict(one))
    for index, found in documents.items():  # partitions finish in any order
        store.add(index, found, [])
    written = list(tmp_path.rglob("*.parquet"))
    if held is None:
        assert not written and store.partitions == 0 and len(store._held) == 2
    else:  # past the bound, what was held went to disk too: a file per table made
        assert store.partitions == len(written) == 5 and not store._held
    assert store.associations() == ["乙会", "甲会"]
    for name, rows in expected.items():
        back = [
            {k: v for k, v in one.items() if k not in ORDER_COLUMNS} for one in store.rows(name)
        ]
        assert back == rows
        assert [type(one["published"]) for one in back] == [type(one["published"]) for one in rows]
    assert store.rows("甲会") == []  # taken once: the memory goes with them
    assert isinstance(pd.DataFrame(expected["甲会"])["start"][0], date)


def test_rows_made_a_frame_from_their_columns_are_the_frame_made_from_dicts(both: Path) -> None:
    """Stage 2 makes the rows that merge with none (most of a corpus's) a frame from their
    Arrow columns (gather.frame_of_table), as merge_part makes its frame from dicts: the
    same values and the same column types, with a column that has no value at all, some
    None, and no row at all."""
    import pyarrow as pa
    from pandas.testing import assert_frame_equal

    from timeline.partitions import ROW_SCHEMA

    rows: list[dict] = []
    for place, path in enumerate(sorted(both.rglob("*.txt"))):
        for seq, row in enumerate(document_events(path).rows):
            rows.append({**row, "_doc": place, "_seq": seq})
    assert len(rows) > 30 and any(row["published"] is None for row in rows)
    assert any(row["published"] is not None for row in rows)
    nothing = [{**row, "qualifier": None, "published": None} for row in rows[:9]]
    for chosen in (rows, rows[:1], nothing, []):
        table = pa.Table.from_pylist(chosen, schema=ROW_SCHEMA)
        made = gather.frame_of_table(table)
        assert_frame_equal(made, gather._frame_of_rows(table.to_pylist()), check_exact=True)


def test_period_rows_kept_as_arrow_come_back_as_the_frame_made_from_dicts(
    both: Path, tmp_path: Path
) -> None:
    """A store of Arrow tables hands its period rows back as one table in the documents'
    order (RowStore.period_table), whatever way they came (dicts, held tables, Parquet
    partitions, the last build's tables); their frame (gather.frame_of_periods) is the
    frame made from the same rows as dicts, with none, some and all values missing."""
    import pyarrow as pa
    from pandas.testing import assert_frame_equal

    from timeline.partitions import PERIOD_COLUMNS, PERIOD_SCHEMA

    found = [row for path in sorted(both.rglob("*.txt")) for row in document_events(path).periods]
    assert found
    periods = [  # nine documents holding the sample's period rows, each told apart
        {**row, "_doc": place, "_seq": seq, "description": f"{row['description']}{place}"}
        for place in range(9)
        for seq, row in enumerate(found)
    ]
    store = RowStore(tmp_path / "spill", partition_rows=2, memory_bytes=0)
    last = [row for row in periods if row["_doc"] % 3 == 0]  # as the last build kept them
    store.add_tables({}, pa.Table.from_pylist(last, schema=PERIOD_SCHEMA))
    fresh: dict[int, list[dict]] = {}
    for row in periods:
        if row["_doc"] % 3:
            fresh.setdefault(row["_doc"], []).append(dict(row))
    for doc in sorted(fresh, reverse=True):  # partitions finish in any order
        store.add(doc, [], fresh[doc])
    table = store.period_table()
    expected = sorted(periods, key=lambda row: (row["_doc"], row["_seq"]))
    assert [(row["_doc"], row["description"]) for row in table.to_pylist()] == [
        (row["_doc"], row["description"]) for row in expected
    ]
    nothing = [{**row, "description": None, "start": None} for row in periods[:3]]
    some = [{**row, "description": None} if row["_seq"] % 2 else row for row in periods]
    for chosen in (expected, nothing, some, []):
        made = gather.frame_of_periods(pa.Table.from_pylist(chosen, schema=PERIOD_SCHEMA))
        assert_frame_equal(made, _frame(chosen, PERIOD_COLUMNS), check_exact=True)


def test_the_csv_written_in_pieces_is_the_csv_made_whole(both: Path, tmp_path: Path) -> None:
    from timeline.cells import frame_csv
    from timeline.files import write_atomic
    from timeline.schema import for_text, table_pieces

    table = build_events([both], engine=Engine(workers=0)).table
    whole = frame_csv(for_text(table)).encode("utf-8")  # how events.csv was made before
    pieces = list(table_pieces(table, ".csv", chunk=7))
    assert len(pieces) > 3
    assert write_atomic(tmp_path / "events.csv", iter(pieces)).read_bytes() == whole
    assert b"".join(table_pieces(table.iloc[:0], ".csv")) == frame_csv(table.iloc[:0]).encode()


def test_events_are_decoded_a_chunk_at_a_time_in_the_tables_order(
    both: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import timeline.schema as schema

    table = build_events([both], engine=Engine(workers=0)).table
    expected = [schema.decode(row) for row in table.to_dict(orient="records")]
    monkeypatch.setattr(schema, "EVENTS_CHUNK", 4)
    assert list(schema.events(table)) == [event for event in expected if event is not None]


def test_rows_taken_batch_by_batch_are_the_rows_a_take_gives(both: Path) -> None:
    """Stage 2 takes a piece's rows from an association's table batch by batch (its rows
    in no order, in many batches: gather.taken) and puts them in order where they are
    merged: the same rows as a take from the table made one, and the same merged frame
    as the rows given in the documents' order."""
    import numpy as np
    import pyarrow as pa
    from pandas.testing import assert_frame_equal

    from timeline.partitions import ROW_SCHEMA

    rows: list[dict] = []
    for place, path in enumerate(sorted(both.rglob("*.txt"))):
        for seq, row in enumerate(document_events(path).rows):
            rows.append({**row, "_doc": place, "_seq": seq})
    table = pa.Table.from_pylist(rows, schema=ROW_SCHEMA)
    shuffled = np.random.default_rng(7).permutation(len(rows))
    pieces = [table.take(pa.array(shuffled[i : i + 5])) for i in range(0, len(rows), 5)]
    scattered = pa.concat_tables(pieces)  # in no order, 5 rows a batch
    assert len(scattered.to_batches()) > 5
    places = np.random.default_rng(8).choice(len(rows), size=len(rows) // 2, replace=False)
    got = gather.taken(scattered, places)
    expected = scattered.combine_chunks().take(pa.array(places))

    def key(one):
        return sorted(map(str, one.to_pylist()))

    assert got.num_rows == len(places) and key(got) == key(expected)
    in_order = gather.merge_part([table])
    merged = gather.merge_part([scattered])
    assert len(merged) < len(rows)  # rows were merged: the comparison means something
    order = ["_doc", "_seq"]
    assert_frame_equal(
        merged.sort_values(order, ignore_index=True),
        in_order.sort_values(order, ignore_index=True),
        check_exact=True,
    )
    # rows held as Arrow are merged from a few of their columns (gather._merged_columns):
    # the frame merging them as dicts makes, in its order, row for row
    assert_frame_equal(in_order, gather.merge_part([table.to_pylist()]), check_exact=True)
    assert_frame_equal(merged, gather.merge_part([scattered.to_pylist()]), check_exact=True)
    # what merging reads of them is made Python a column at a time: the cells to_pylist
    # gives, dates (a day before 1970, none at all) too
    names = gather.MERGE_COLUMNS
    assert gather._python_rows(table, names) == table.select(list(names)).to_pylist()
    old = [{**row, "start": date(1911, 10, 10), "published": None} for row in rows[:3]]
    dated = pa.Table.from_pylist(old, schema=ROW_SCHEMA)
    assert gather._python_rows(dated, names) == dated.select(list(names)).to_pylist()
    # a repeated text made one string: the same cells, a missing one and batches too
    texts = pa.chunked_array([pa.array(["会", None], pa.string()), pa.array(["会", "年会"])])
    assert gather._python_values(texts, repeated=True) == ["会", None, "会", "年会"]
    first, _, third, _ = gather._python_values(texts, repeated=True)
    assert first is third
    # rows without a sources cell: each is its own source (its id, title and link read)
    bare = pa.Table.from_pylist([{**row, "sources": ""} for row in rows], schema=ROW_SCHEMA)
    assert_frame_equal(
        gather.merge_part([bare]), gather.merge_part([bare.to_pylist()]), check_exact=True
    )
