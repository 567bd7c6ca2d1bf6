"""Issue 12: reviews are never lost, formulas never run, file names never forge lines."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from timeline.cli import app
from timeline.reviews import ReviewError, load_reviews
from timeline.table import build_events

ASSOCIATION = "汕头市纺织服装产业协会"
runner = CliRunner()


def _review(corpus: Path, out: Path, *extra: str):
    return runner.invoke(
        app, ["review", str(corpus), "--association", ASSOCIATION, "--out", str(out), "-q", *extra]
    )


def _reviewed_sheet(corpus: Path, out: Path) -> tuple[Path, pd.DataFrame]:
    """A sheet written by `timeline review`, with statuses set as a reviewer would."""
    result = _review(corpus, out)
    assert result.exit_code == 0, result.stderr
    csv_path = out / next(p.name for p in out.iterdir() if p.suffix == ".csv")
    sheet = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    sheet["status"] = ["删除"] + ["确认"] * (len(sheet) - 1)
    sheet.loc[1, "title"] = "更正后的标题"
    return csv_path, sheet


def _encoded(sheet: pd.DataFrame, encoding: str) -> bytes:
    """The sheet as a spreadsheet saves it: Excel's 'Unicode text' is UTF-16 with tabs."""
    separator = "\t" if encoding.startswith("utf-16") else ","
    text = sheet.to_csv(index=False, sep=separator, lineterminator="\r\n")
    if encoding == "utf-16-nobom":
        return text.encode("utf-16-le")
    if encoding == "utf-8-bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(encoding)


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-bom", "gbk", "gb18030", "utf-16", "utf-16-nobom"]
)
def test_a_sheet_saved_in_any_spreadsheet_encoding_gives_the_same_reviews(
    corpus: Path, tmp_path: Path, encoding: str
) -> None:
    csv_path, sheet = _reviewed_sheet(corpus, tmp_path / "out")
    saved = tmp_path / "saved.csv"
    saved.write_bytes(_encoded(sheet, encoding))
    reviews = load_reviews(saved)
    assert [r.status for r in reviews][:2] == ["rejected", "confirmed"]
    assert len(reviews) == len(sheet)
    assert reviews[1].title == "更正后的标题"
    assert [r.event_id for r in reviews] == list(sheet["event_id"])


def test_a_gbk_sheet_with_statuses_is_never_overwritten(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    csv_path, sheet = _reviewed_sheet(corpus, out)
    csv_path.write_bytes(_encoded(sheet, "gbk"))  # Excel on Chinese Windows saves it back
    before = csv_path.read_bytes()
    result = _review(corpus, out)
    assert result.exit_code == 2
    assert str(csv_path) in result.stderr and "reviews that the reviews in use do not" in (
        result.stderr
    )
    assert csv_path.read_bytes() == before


def test_a_damaged_workbook_is_one_line_naming_it_and_never_overwritten(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _reviewed_sheet(corpus, out)
    xlsx = next(p for p in out.iterdir() if p.suffix == ".xlsx")
    damaged = xlsx.read_bytes()[: len(xlsx.read_bytes()) // 2]  # a half-written save
    xlsx.write_bytes(damaged)
    result = _review(corpus, out)
    assert result.exit_code == 2
    assert xlsx.read_bytes() == damaged
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(xlsx) in lines[0] and "Traceback" not in result.stderr
    given = runner.invoke(app, ["chronology", str(corpus), "--reviews", str(xlsx), "-q"])
    assert given.exit_code == 2
    assert given.stderr.strip().count("\n") == 0 and str(xlsx) in given.stderr
    with pytest.raises(ReviewError, match="workbook"):
        load_reviews(xlsx)


def test_reviews_csv_and_xlsx_together_are_an_error_naming_both(corpus: Path) -> None:
    table = build_events([corpus]).table
    rows = [{"event_id": table["event_id"].iloc[0], "status": "rejected"}]
    pd.DataFrame(rows).to_csv(corpus / "reviews.csv", index=False)
    pd.DataFrame(rows).to_excel(corpus / "reviews.xlsx", index=False)
    result = runner.invoke(app, ["chronology", str(corpus), "-q"])
    assert result.exit_code == 2
    assert "reviews.csv" in result.stderr and "reviews.xlsx" in result.stderr


def test_a_numbered_backup_is_kept_before_a_sheet_is_replaced(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    csv_path, sheet = _reviewed_sheet(corpus, out)
    sheet.to_csv(corpus / "reviews.csv", index=False)  # the reviews are saved where they apply
    csv_path.write_bytes(_encoded(sheet, "gbk"))
    earlier = csv_path.read_bytes()
    assert _review(corpus, out).exit_code == 0
    backup = csv_path.with_name(csv_path.name + ".~1~")
    assert backup.read_bytes() == earlier
    assert (out / (csv_path.stem + ".xlsx.~1~")).is_file()
    assert _review(corpus, out).exit_code == 0  # our own sheet of the first run: kept as ~2~
    assert _review(corpus, out).exit_code == 0  # the same sheet again: no third copy
    assert csv_path.with_name(csv_path.name + ".~2~").is_file()
    assert not csv_path.with_name(csv_path.name + ".~3~").exists()


FORMULAS = ["=1+1", "+1", "-2+3", "@SUM(A1)"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_every_csv_and_xlsx_written_neutralises_formulas(tmp_path: Path, formula: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("2023年8月22日汕头市纺织服装产业协会召开年会。", encoding="utf-8")
    title = formula + 'HYPERLINK("http://x")'
    with (folder / "documents.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "published", "association", "title", "url"])
        writer.writerow(["a.txt", "2023-08-23", ASSOCIATION, title, ""])
    events = tmp_path / "events.csv"
    assert runner.invoke(app, ["events", str(folder), "-o", str(events), "-q"]).exit_code == 0
    row = next(csv.DictReader(io.StringIO(events.read_text(encoding="utf-8"))))
    assert row["doc_title"] == "'" + title
    build = runner.invoke(app, ["build", str(folder), "--out", str(tmp_path / "pub"), "-q"])
    assert build.exit_code == 0, build.stderr
    published = (tmp_path / "pub" / "events.csv").read_text(encoding="utf-8")
    assert next(csv.DictReader(io.StringIO(published)))["doc_title"] == "'" + title
    xlsx = tmp_path / "events.xlsx"
    assert runner.invoke(app, ["events", str(folder), "-o", str(xlsx), "-q"]).exit_code == 0
    cells = [c for row in openpyxl.load_workbook(xlsx).active.iter_rows() for c in row]
    assert "'" + title in [c.value for c in cells]
    assert all(c.data_type != "f" for c in cells)
    table = build_events([folder]).table
    table.loc[0, "title"] = formula
    table.loc[0, "description"] = formula
    table.to_csv(folder / "shown.csv")
    out = tmp_path / "sheets"
    from timeline.reviews import write_review_sheet

    for sheet in write_review_sheet(table, ASSOCIATION, out):
        if sheet.suffix == ".csv":
            text = sheet.read_text(encoding="utf-8-sig")
            assert f",'{formula}," in text
            values = [v for row in csv.reader(io.StringIO(text)) for v in row]
        else:
            values = [c.value for r in openpyxl.load_workbook(sheet).active.iter_rows() for c in r]
        assert not any(isinstance(v, str) and v.startswith(tuple("=+-@\t\r")) for v in values)


@pytest.mark.parametrize("start", ["\t", "\r", "=", "+", "-", "@"])
def test_the_one_neutralising_function_covers_tab_and_carriage_return(start: str) -> None:
    from timeline.cells import neutralise, restore
    from timeline.table import table_bytes

    assert neutralise(start + "x") == "'" + start + "x"
    assert restore(neutralise(start + "x")) == start + "x"
    frame = pd.DataFrame({"title": [start + "SUM(A1)"], "start": [None], "end": [None]})
    frame["published"] = None
    text = table_bytes(frame, ".csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[0] for row in rows] == ["title", "'" + start + "SUM(A1)"]


def test_a_round_trip_through_our_own_sheet_keeps_the_text(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("2023年8月22日汕头市纺织服装产业协会召开年会。", encoding="utf-8")
    table = build_events([folder]).table
    table.loc[0, "title"] = "=冒号开头的标题"
    from timeline.table import read_table, write_table

    for suffix in (".csv", ".xlsx"):
        back = read_table(write_table(table, tmp_path / f"t{suffix}"))
        assert back.loc[0, "title"] == "=冒号开头的标题"


def test_a_line_break_in_a_file_name_never_forges_a_line(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("2023年8月22日协会召开年会。", encoding="utf-8")
    (tmp_path / "a.txt\nerror: forged.txt").write_bytes(b"")
    result = runner.invoke(app, ["chronology", str(tmp_path)])
    assert result.exit_code == 1
    assert not any(line.startswith("error: forged") for line in result.stderr.splitlines())
    assert "a.txt\\x0aerror: forged.txt: error:" in result.stderr
