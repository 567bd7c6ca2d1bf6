"""The event table of the sample corpus, its stable ids, and its file formats."""

from __future__ import annotations

import json
import shutil
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from timeline.evaluation import GoldMention, load_gold, locate_gold
from timeline.table import COLUMNS, build_events, build_table, event_id, read_table, write_table

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "corpus"
GOLD_DOCUMENTS = pd.read_csv(DATA / "gold" / "documents.csv", dtype=str, keep_default_na=False)


@cache
def corpus_result():
    return build_events([CORPUS])


def _text(doc: str) -> str:
    from timeline.documents import load_document

    return load_document(CORPUS / doc).text


def gold_rows(*kinds: str) -> list:
    rows = [
        row
        for doc, gold in load_gold(DATA / "gold").items()
        for row in locate_gold(_text(doc), gold)
        if row.kind in kinds
    ]
    return [pytest.param(row, id=f"{row.doc[:3]}-line{row.line}-{row.text}") for row in rows]


def _rows_over(row: GoldMention) -> pd.DataFrame:
    table = corpus_result().table
    start, end = row.span
    mine = table[
        (table["doc"] == row.doc) & (table["span_start"] < end) & (table["span_end"] > start)
    ]
    return mine


def _row_repeated_by(row: GoldMention) -> pd.DataFrame:
    """The row of ``row``'s document whose sources quote its sentence, with its range."""
    table = corpus_result().table
    text = _text(row.doc)
    start, end = row.span
    line = text[text.rfind("\n", 0, start) + 1 : text.find("\n", end)]

    def quotes(sources: str) -> bool:
        return any(s["doc"] == row.doc and s["sentence"] in line for s in json.loads(sources))

    mine = table[(table["doc"] == row.doc) & table["sources"].map(quotes)]
    return mine[[row.accepts(a, b) for a, b in zip(mine["start"], mine["end"], strict=True)]]


@pytest.mark.parametrize("row", gold_rows("event"))
def test_every_gold_event_is_one_row_with_its_range_and_association(row: GoldMention) -> None:
    rows = _rows_over(row)
    if rows.empty:  # a repetition (当天 after 2月14日): folded into the row it repeats
        rows = _row_repeated_by(row)
    assert len(rows) == 1, f"{row.text!r}: {len(rows)} rows"
    found = rows.iloc[0]
    assert row.accepts(found["start"], found["end"]), (row.expected, found["start"], found["end"])
    gold = GOLD_DOCUMENTS.set_index("doc").loc[row.doc]
    accepted = {gold["association"], *filter(None, gold["association_alt"].split(";"))}
    assert found["association"] in accepted


@pytest.mark.parametrize("row", gold_rows("ignore", "negative"))
def test_no_ignored_or_negative_gold_mention_becomes_a_row(row: GoldMention) -> None:
    assert _rows_over(row).empty, f"{row.text!r} ({row.kind}: {row.note}) became a row"


def test_the_table_has_the_documented_columns_and_types() -> None:
    table = corpus_result().table
    assert tuple(table.columns) == COLUMNS
    assert all(isinstance(value, date) for value in table["start"])
    assert (table["start"] <= table["end"]).all()
    assert table["event_id"].is_unique
    for row in table.itertuples():
        text = _text(row.doc)
        assert text[row.span_start : row.span_end] == row.date_text
        assert row.date_text in row.description
        assert row.title and len(row.title) <= 60


def test_periods_are_kept_apart_from_events() -> None:
    result = corpus_result()
    assert "十四五" not in set(result.table["date_text"])
    assert set(result.periods["date_text"]) >= {"十四五"}


def test_event_ids_do_not_depend_on_which_other_documents_are_read(tmp_path: Path) -> None:
    everything = corpus_result().table.set_index("event_id")
    names = sorted(p.name for p in CORPUS.glob("*.txt"))
    subset = tmp_path / "subset"
    subset.mkdir()
    for name in reversed(names[1:4]):
        shutil.copy(CORPUS / name, subset / name)
    shutil.copy(CORPUS / "documents.csv", subset / "documents.csv")
    manifest = pd.read_csv(subset / "documents.csv", dtype=str, keep_default_na=False)
    manifest[manifest["file"].isin(names[1:4])].to_csv(subset / "documents.csv", index=False)
    part = build_table([subset]).set_index("event_id")
    assert len(part) > 0
    assert set(part.index) <= set(everything.index)
    assert (part["date_text"] == everything.loc[part.index, "date_text"]).all()


def test_event_ids_are_the_same_across_runs() -> None:
    assert list(build_table([CORPUS])["event_id"]) == list(corpus_result().table["event_id"])


def test_event_id_is_built_from_the_text_not_the_resolved_value() -> None:
    first = event_id("a.txt", "8月22日，军团开展活动。", "8月22日", 1)
    assert first == event_id("a.txt", "8月22日，军团开展活动。 ", "8月22日", 1)
    assert first != event_id("b.txt", "8月22日，军团开展活动。", "8月22日", 1)
    assert first.startswith("ev-")


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json", ".xlsx"])
def test_the_table_round_trips_through_every_format(tmp_path: Path, suffix: str) -> None:
    table = corpus_result().table
    path = write_table(table, tmp_path / f"events{suffix}")
    back = read_table(path)
    assert list(back.columns) == list(COLUMNS)
    assert list(back["event_id"]) == list(table["event_id"])
    assert list(back["start"]) == list(table["start"])
    assert list(back["span_end"]) == list(table["span_end"])
    assert list(back["title"]) == list(table["title"])


def test_parquet_bytes_are_the_same_whether_the_days_are_converted_or_already_days() -> None:
    """events.parquet converts its date columns to days; columns already made only of days
    are left as they are: the very bytes of converting them (here from timestamps)."""
    from timeline.schema import table_bytes

    table = corpus_result().table
    assert all(type(cell) is date for cell in table["start"])
    timestamps = table.copy()
    for column in ("start", "end"):
        timestamps[column] = pd.to_datetime(timestamps[column])
    assert table_bytes(table, ".parquet") == table_bytes(timestamps, ".parquet")


def test_an_unknown_table_format_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="events.txt"):
        write_table(corpus_result().table, tmp_path / "events.txt")


def test_a_broken_document_is_reported_and_the_others_are_processed(tmp_path: Path) -> None:
    shutil.copy(CORPUS / "004_508937cf9c40d0b3.txt", tmp_path / "good.txt")
    (tmp_path / "broken.txt").write_bytes(b"\x00\x01\x02\xff\xfe\x00binary" * 50)
    result = build_events([tmp_path])
    assert [path.name for path, _ in result.errors] == ["broken.txt"]
    assert "broken.txt" in result.errors[0][1]
    assert set(result.table["doc"]) == {"good.txt"}
    assert result.failed


@pytest.mark.parametrize("texts", ["str", "object"])
@pytest.mark.parametrize("missing", [False, True])
def test_the_table_order_from_numbers_is_the_order_pandas_sorts(
    texts: str, missing: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stage 2 sorts the table on a number per cell (timeline.table._table_order): the
    order of sorting the keys with pandas, rows of equal keys kept in their order, for
    texts held either way, and (by pandas itself) with a key missing."""
    import random

    import numpy as np

    from timeline.table import SORT_COLUMNS, _table_order

    pick = random.Random(10)
    names = ["甲会", "乙会", "Anhui", "", "上海市工商联", "ä"]
    docs = ["b.txt", "a.txt", "文档.txt", "a b.txt"]
    rows = []
    for _ in range(500):
        start = date(1911 + pick.randrange(3), 1 + pick.randrange(2), 1 + pick.randrange(3))
        end = start if pick.random() < 0.7 else date(1915, 1, 1)
        rows.append((pick.choice(names), start, end, pick.choice(docs), pick.randrange(4)))
    keys = pd.DataFrame(rows, columns=SORT_COLUMNS)
    for column in ("association", "doc"):
        keys[column] = keys[column].astype(texts)
    if missing:
        keys.loc[7, "start"] = None
    expected = keys.sort_values(SORT_COLUMNS, kind="stable").index.to_numpy()
    assert len(set(map(tuple, rows))) < len(rows)  # equal keys: their order is compared
    if not missing:  # sorted on numbers, not by pandas

        def refused(*args, **kwargs):
            raise AssertionError("sorted by pandas")

        monkeypatch.setattr(pd.DataFrame, "sort_values", refused)
    assert np.array_equal(_table_order(keys), expected)
