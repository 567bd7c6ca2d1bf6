"""The event-table commands, run in-process with typer's CliRunner on real files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from timeline.cli import app
from timeline.table import COLUMNS, read_table

runner = CliRunner()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json", ".xlsx"])
def test_events_writes_the_table_in_the_format_of_its_suffix(
    corpus: Path, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"events{suffix}"
    result = runner.invoke(app, ["events", str(corpus), "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.stderr
    table = read_table(out)
    assert list(table.columns) == list(COLUMNS)
    assert len(table) >= 38  # 41 rows, three of them repetitions of a happening (merged)


def test_events_refuses_an_unknown_format_before_reading_anything(
    corpus: Path, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["events", str(corpus), "-o", str(tmp_path / "events.doc")])
    assert result.exit_code == 2
    assert "events.doc" in result.stderr


def test_chronology_is_grouped_by_year_with_dates_at_their_precision(corpus: Path) -> None:
    result = runner.invoke(app, ["chronology", str(corpus), "--quiet"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    years = [line for line in lines if line and not line.startswith(" ")]
    assert years == sorted(years) and years[0] == "2019年"
    assert (
        "  2020年11月18日—20日　由印花协会、广州浩瀚资讯承办的首届印花制衣展获得成功举办（辽宁省纺织服装协会）"
        in lines
    )
    assert any(line.startswith("  2024年4月　参与植树护绿") for line in lines)


def test_chronology_filters_by_association_and_date_range(corpus: Path) -> None:
    result = runner.invoke(
        app,
        [
            "chronology",
            str(corpus),
            "--association",
            "联通服装制造军团",
            "--from",
            "2023-08-25",
            "--to",
            "2023-09-03",
            "--format",
            "markdown",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("## 2023年\n")
    dated = [line for line in result.stdout.splitlines() if line.startswith("- ")]
    assert [line.split("**")[1] for line in dated] == [
        "2023年8月25日",
        "2023年8月31日",  # introduced, then told: one happening (both sentences its sources)
        "2023年8月31日—9月3日",
    ]


def test_chronology_refuses_a_date_that_is_not_a_date(corpus: Path) -> None:
    result = runner.invoke(app, ["chronology", str(corpus), "--from", "2023-02-30"])
    assert result.exit_code == 2
    assert "--from" in result.stderr


def test_associations_lists_each_association_with_its_count_and_span(corpus: Path) -> None:
    result = runner.invoke(app, ["associations", str(corpus), "--quiet"])
    assert result.exit_code == 0, result.stderr
    rows = list(pd.read_csv(__import__("io").StringIO(result.stdout)).itertuples(index=False))
    names = {row.association for row in rows}
    assert {"辽宁省纺织服装协会", "联通服装制造军团", "汕头市纺织服装产业协会"} <= names
    assert sum(row.events for row in rows) >= 38  # repetitions of a happening merged


def test_review_writes_a_sheet_and_its_verdicts_apply_on_the_next_run(
    corpus: Path, tmp_path: Path
) -> None:
    association = "汕头市纺织服装产业协会"
    result = runner.invoke(
        app,
        ["review", str(corpus), "--association", association, "--out", str(tmp_path), "--quiet"],
    )
    assert result.exit_code == 0, result.stderr
    xlsx, csv_path = (Path(line) for line in result.stdout.split())
    assert xlsx.suffix == ".xlsx" and xlsx.exists()
    sheet = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    april = sheet["start"] == "2024-04-01"
    sheet.loc[april, "status"] = "rejected"
    sheet.to_csv(corpus / "reviews.csv", index=False)
    after = runner.invoke(app, ["chronology", str(corpus), "--association", association, "--quiet"])
    assert after.exit_code == 0, after.stderr
    assert "2024年4月" not in after.stdout
    again = runner.invoke(
        app,
        ["review", str(corpus), "--association", association, "--out", str(tmp_path), "--quiet"],
    )
    refilled = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert again.exit_code == 0
    assert list(refilled.loc[refilled["start"] == "2024-04-01", "status"]) == ["rejected"]


def test_review_of_an_unknown_association_names_the_ones_found(
    corpus: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        ["review", str(corpus), "--association", "不存在的协会", "--out", str(tmp_path), "--quiet"],
    )
    assert result.exit_code == 2
    assert "辽宁省纺织服装协会" in result.stderr


def test_a_review_of_a_vanished_event_is_reported_and_fails_the_run(corpus: Path) -> None:
    pd.DataFrame([{"event_id": "ev-0000000000000000", "status": "confirmed"}]).to_csv(
        corpus / "reviews.csv", index=False
    )
    result = runner.invoke(app, ["associations", str(corpus), "--quiet"])
    assert result.exit_code == 1
    assert "reviews.csv, line 2" in result.stderr and "no longer exists" in result.stderr


def test_a_broken_file_is_named_and_the_others_still_give_their_events(corpus: Path) -> None:
    (corpus / "broken.docx").write_bytes(b"this is not a zip file")
    result = runner.invoke(app, ["chronology", str(corpus), "--quiet"])
    assert result.exit_code == 1
    assert "broken.docx" in result.stderr
    assert "2024年4月　参与植树护绿" in result.stdout
