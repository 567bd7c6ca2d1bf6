"""The ``timeline`` command line, run in-process with typer's CliRunner."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from timeline.cli import app
from timeline.dates import DATE_COLUMNS
from timeline.documents import read_text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"

runner = CliRunner()


def commands() -> dict:
    return typer.main.get_command(app).commands


def test_dates_on_the_sample_corpus_prints_the_csv_header() -> None:
    result = runner.invoke(app, ["dates", str(CORPUS)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == ",".join(DATE_COLUMNS)


def test_dates_spans_index_the_decoded_file_text() -> None:
    result = runner.invoke(app, ["dates", str(CORPUS)])
    assert result.exit_code == 0, result.stderr
    texts = {path.name: read_text(path) for path in CORPUS.glob("*.txt")}
    for row in csv.DictReader(io.StringIO(result.stdout)):
        text = texts[row["doc"]]
        assert text[int(row["span_start"]) : int(row["span_end"])] == row["date_text"], row


def test_dates_json_parses_to_rows_with_the_same_columns() -> None:
    result = runner.invoke(app, ["dates", "--format", "json", str(CORPUS)])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    for row in rows:
        assert tuple(row) == DATE_COLUMNS


def test_dates_reads_gb18030_files(tmp_path: Path) -> None:
    (tmp_path / "gbk.txt").write_bytes("发布时间:2023-09-08\n8月22日，活动开展。".encode("gb18030"))
    result = runner.invoke(app, ["dates", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_failing_files_are_named_on_stderr_and_the_others_still_processed(
    tmp_path: Path,
) -> None:
    good = tmp_path / "good.txt"
    good.write_text("2023年8月22日，服装制造军团开展活动。", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"\x80\x00\xff\xfe\x81" * 20)

    result = runner.invoke(app, ["dates", str(missing), str(good), str(broken)])

    assert result.exit_code != 0
    assert "missing.txt" in result.stderr
    assert "broken.txt" in result.stderr  # processing went on after missing.txt
    assert "good.txt" not in result.stderr
    assert result.stdout.splitlines()[0] == ",".join(DATE_COLUMNS)
    assert all(row["doc"] == "good.txt" for row in csv.DictReader(io.StringIO(result.stdout)))


def test_a_bad_manifest_row_is_reported_with_its_line_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("7月12日", encoding="utf-8")
    (tmp_path / "documents.csv").write_text("file,published\na.txt,2022-13-01\n", encoding="utf-8")
    result = runner.invoke(app, ["dates", str(tmp_path)])
    assert result.exit_code == 1
    assert "documents.csv, line 2" in result.stderr
    assert result.stdout.splitlines()[0] == ",".join(DATE_COLUMNS)


def test_an_unknown_manifest_column_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("7月12日", encoding="utf-8")
    (tmp_path / "documents.csv").write_text("file,publshed\na.txt,2022-07-13\n", encoding="utf-8")
    result = runner.invoke(app, ["dates", str(tmp_path)])
    assert result.exit_code == 2
    assert "documents.csv, line 1" in result.stderr and "publshed" in result.stderr
    assert result.stdout == ""


def test_evaluate_prints_scores_per_document_and_overall() -> None:
    result = runner.invoke(app, ["evaluate", str(ROOT / "data" / "gold")])
    assert result.exit_code == 0, result.stderr
    for name in ["recall", "precision", "value acc.", "overall"]:
        assert name in result.stdout
    for path in CORPUS.glob("*.txt"):
        assert path.name in result.stdout


def test_evaluate_with_a_missing_corpus_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["evaluate", str(ROOT / "data" / "gold"), "--corpus", str(tmp_path / "nowhere")]
    )
    assert result.exit_code != 0
    assert "nowhere" in result.stderr


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_has_help_text_and_is_in_the_readme(name: str) -> None:
    assert (commands()[name].help or "").strip(), f"{name} has no help text"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"timeline {name}\b", readme), f"README.md does not mention timeline {name}"
