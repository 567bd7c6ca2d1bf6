"""``events.csv`` and ``events.parquet``, with the CSV records of unchanged rows kept.

``events.csv`` is most of the table files' time (2.4 of 2.5 s at 10,000
documents: every cell neutralised and quoted by pandas), and a record depends
on its own row's cells only. So each record's bytes are kept between builds
(:class:`exports.fragments.FragmentStore`, ``<cache>/site/csv``) under its row's
key, and a rebuild makes text only of the rows that are new or changed; the
others are copied from the last build. The records made are joined here from
their cells (:func:`record_fields`), not by the :mod:`csv` writer. The file is
the very bytes :func:`timeline.schema.table_pieces` writes
(``tests/test_site_writers.py`` compares them). ``events.parquet`` is one
conversion of the whole table (0.1 s).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from exports import fragments
from exports.fragments import FragmentStore, Keys
from timeline.cells import CSV_LINE_END, frame_csv, neutralise
from timeline.files import write_atomic
from timeline.schema import CSV_CHUNK, for_text, table_pieces

TABLE_FILES = ("events.csv", "events.parquet")


#: Records to make (rows not kept from the last build) up to which the table files
#: are written by the build itself, after the feeds, rather than by a forked writer
#: (:func:`exports.site.build_site`): a +1 % rebuild makes some 740 of 51,000
#: (0.06 s of CPU); a fork, the copies on write of a table it reads and a third
#: process beside the page cost more. A first build makes them all (1.6 s): forked.
SMALL_WORK = 5_000


class KeptRecords:
    """The kept CSV records of a table, looked up once: its store (``<cache>/site/csv``)
    and each row's entry in it (-1: to make). :attr:`small` says whether the records to
    make are few enough (:data:`SMALL_WORK`) for the build to write the table files itself."""

    def __init__(self, table: pd.DataFrame, cache: Path, keys: Keys | None = None) -> None:
        self.keys = keys if keys is not None else fragments.row_keys(table)
        self.store = FragmentStore(cache, "csv", fragments.salt(table, "csv"))
        try:
            self.found = self.store.find(self.keys)
        except BaseException:
            self.store.close()
            raise
        self.small = int((self.found < 0).sum()) <= SMALL_WORK

    def close(self) -> None:
        """Let go of the store, keeping nothing (a writer that opens its own does the rest)."""
        self.store.close()


def write_table_files(
    table: pd.DataFrame,
    folder: Path,
    *,
    cache: Path | None = None,
    keys: Keys | None = None,
    kept: KeptRecords | None = None,
) -> dict[str, str]:
    """events.csv and events.parquet in ``folder``, written in pieces, never whole in memory.

    ``cache``: the folder of the kept CSV records (None: none); ``keys``: the rows'
    keys (:func:`exports.fragments.row_keys`) when the caller has them; ``kept``: the
    records looked up already (:class:`KeptRecords`, of ``cache``; saved and closed
    here). Returns each file's SHA-256, hashed as it is written (the build's state
    records them: :func:`exports.rebuild.record` need not read 60 MB back).
    """
    digests: dict[str, str] = {}
    if cache is None and kept is None:
        pieces = table_pieces(table, ".csv")
        write_atomic(folder / "events.csv", _hashed(pieces, digests, "events.csv"))
    else:
        kept = kept if kept is not None else KeptRecords(table, cache, keys)
        store, keys, found = kept.store, kept.keys, kept.found
        try:
            pieces = csv_pieces(table, keys, store, found)
            write_atomic(folder / "events.csv", _hashed(pieces, digests, "events.csv"))
            store.save(found[found >= 0])
        finally:
            store.close()
    pieces = table_pieces(table, ".parquet")
    write_atomic(folder / "events.parquet", _hashed(pieces, digests, "events.parquet"))
    return digests


def _hashed(pieces: Iterable[bytes], digests: dict[str, str], name: str) -> Iterator[bytes]:
    """``pieces`` as they come; once all have passed, their SHA-256 in ``digests[name]``."""
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
        yield piece
    digests[name] = digest.hexdigest()


def csv_pieces(
    table: pd.DataFrame,
    keys: Keys,
    store: FragmentStore,
    found: np.ndarray | None = None,
    chunk: int = CSV_CHUNK,
) -> Iterator[bytes]:
    """The bytes of ``table_pieces(table, ".csv")``, records of known rows from ``store``.

    ``found``: :meth:`FragmentStore.find` of ``keys`` (looked up here when None).
    The records made (of rows not found) are put in ``store`` for the next
    build; those found are copied a run of neighbours at a time.
    """
    found = store.find(keys) if found is None else found
    made = _made_records(table, np.flatnonzero(found < 0).tolist(), chunk)
    yield frame_csv(for_text(table.iloc[0:0])).encode("utf-8")  # the header line
    for first in range(0, len(table), chunk):
        rows = np.arange(first, min(first + chunk, len(table)))
        entries = found[rows]
        # runs of rows alike (all found, or all made), in order
        change = np.flatnonzero(np.diff(entries < 0)) + 1
        for run in np.split(np.arange(len(rows)), change):
            if not len(run):
                continue
            if entries[run[0]] >= 0:  # views of the kept segments, never copied here
                yield from store.joined(entries[run], view=True)
                continue
            pieces = []
            for row in rows[run].tolist():
                data = next(made)
                store.put(tuple(keys[row].tolist()), None, data)
                pieces.append(data)
            yield b"".join(pieces)


def _made_records(table: pd.DataFrame, rows: list[int], chunk: int) -> Iterator[bytes]:
    """The records of ``rows``, made ``chunk`` rows at a time as they are asked for
    (a rebuild's few new rows, spread over the table, in one call of the CSV writer)."""
    for first in range(0, len(rows), chunk):
        yield from _records(table, rows[first : first + chunk])


def _records(table: pd.DataFrame, rows: list[int]) -> list[bytes]:
    """The CSV record of each row of ``rows`` (as :func:`frame_csv` writes it)."""
    if not rows:
        return []
    part = for_text(table.iloc[rows])
    fields = record_fields(part)
    if fields is not None:
        return [
            (",".join(map(_quoted, row)) + CSV_LINE_END).encode()
            for row in zip(*fields, strict=True)
        ]
    data = frame_csv(part, header=False).encode("utf-8")
    records = split_records(data)
    if len(records) != len(rows):  # never expected: make each record on its own
        return [frame_csv(for_text(table.iloc[[row]]), header=False).encode() for row in rows]
    return records


def record_fields(frame: pd.DataFrame) -> list[list[str]] | None:
    """Each column of ``frame`` (made :func:`for_text`) as the texts :func:`frame_csv` writes
    of its cells, neutralised; None when a column is of a kind not read here.

    The records a rebuild makes are mostly the merged rows a new report joins, whose
    ``sources`` cell lists dozens of sentences quoted in JSON: at 10,000 documents 742
    records of 3.4 MB, which the :mod:`csv` writer behind :func:`frame_csv` went through
    character by character (0.1 s of the 0.13 s they cost), where :func:`_quoted` asks
    ``str`` for four characters and doubles the quotes in one call (0.02 s). Read here:
    text columns (a missing cell is written empty), integer columns and object columns
    of texts only (:func:`for_text` makes the dates so); anything else (a float, a
    boolean, a lone column, which the writer quotes when empty) is left to
    :func:`frame_csv`. ``tests/test_site_writers.py`` compares both on random frames.
    """
    if len(frame.columns) < 2:
        return None
    fields = []
    for _, column in frame.items():
        kind, texts = column.dtype, column.tolist()
        if isinstance(kind, pd.StringDtype):
            missing = column.isna().tolist()
            fields.append(
                [
                    "" if gone else neutralise(text)
                    for text, gone in zip(texts, missing, strict=True)
                ]
            )
        elif isinstance(kind, np.dtype) and kind.kind in "iu":
            fields.append(list(map(str, texts)))
        elif kind == np.dtype(object) and all(type(text) is str for text in texts):
            fields.append(list(map(neutralise, texts)))
        else:
            return None
    return fields


def _quoted(text: str) -> str:
    """A field as the :mod:`csv` writer writes it (``QUOTE_MINIMAL``, ``CSV_LINE_END``):
    quoted, its quotes doubled, when it holds the delimiter, a quote or a line break."""
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def split_records(data: bytes) -> list[bytes]:
    """CSV text cut after each record: at a line feed outside quotes.

    The writer quotes every cell holding a line break and doubles the quotes
    inside a cell, so a line feed ends a record exactly when the quotes before
    it are even in number.
    """
    if not data:
        return []
    octets = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(octets == ord('"'))
    feeds = np.flatnonzero(octets == ord("\n"))
    before = np.searchsorted(quotes, feeds)  # the quotes before each line feed
    ends = feeds[before % 2 == 0] + 1
    starts = np.concatenate(([0], ends[:-1]))
    records = [data[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    if not len(ends) or ends[-1] != len(data):
        records.append(data[ends[-1] if len(ends) else 0 :])
    return records


__all__ = [
    "SMALL_WORK",
    "TABLE_FILES",
    "KeptRecords",
    "csv_pieces",
    "record_fields",
    "split_records",
    "write_table_files",
]
