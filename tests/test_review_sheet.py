"""The review workbook as a reviewer meets it in a spreadsheet: Chinese headers, a
filter, wrapped sentences, a status cell that takes only its three words, and
one workbook for every association; and the program still reads it back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from timeline.cli import app
from timeline.reviews import (
    ALL,
    SHEET_HEADERS,
    ReviewReport,
    load_reviews,
    write_review_sheet,
)
from timeline.table import build_events

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
TEXTILE = "汕头市纺织服装产业协会"
runner = CliRunner()


@pytest.fixture(scope="module")
def table():
    return build_events([CORPUS]).table


def test_the_workbook_has_chinese_headers_a_filter_and_wrapped_sentences(
    table, tmp_path: Path
) -> None:
    xlsx, _ = write_review_sheet(table, TEXTILE, tmp_path)
    sheet = load_workbook(xlsx).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:5] == ["事件编号", "审核结果", "开始日期", "结束日期", "标题"]
    assert set(headers) == set(SHEET_HEADERS.values())
    rows = len(table[table["association"] == TEXTILE]) + 1
    assert sheet.auto_filter.ref == f"A1:J{rows}"
    description = headers.index("原句") + 1
    assert sheet.cell(row=2, column=description).alignment.wrap_text


def test_the_status_cell_accepts_only_its_list(table, tmp_path: Path) -> None:
    xlsx, _ = write_review_sheet(table, TEXTILE, tmp_path)
    validations = load_workbook(xlsx).active.data_validations.dataValidation
    assert len(validations) == 1
    rule = validations[0]
    assert rule.type == "list" and rule.formula1 == '"确认,拒绝,更正"'
    assert rule.showErrorMessage and rule.errorStyle == "stop"
    assert str(rule.sqref).startswith("B2:B")


def test_chinese_headers_and_statuses_are_read_back(table, tmp_path: Path) -> None:
    xlsx, _ = write_review_sheet(table, TEXTILE, tmp_path)
    workbook = load_workbook(xlsx)
    sheet = workbook.active
    sheet["B2"] = "拒绝"
    sheet["B3"] = "更正"
    sheet["E3"] = "改过的标题"
    workbook.save(xlsx)
    reviews = load_reviews(xlsx, ReviewReport())
    assert [r.status for r in reviews] == ["rejected", "corrected"]
    assert reviews[1].title == "改过的标题"
    assert reviews[0].event_id == sheet["A2"].value


def test_earlier_statuses_show_in_chinese(table, tmp_path: Path) -> None:
    from timeline.reviews import Review

    first = table[table["association"] == TEXTILE]["event_id"].iloc[0]
    xlsx, csv_path = write_review_sheet(table, TEXTILE, tmp_path, [Review(first, "confirmed")])
    assert load_workbook(xlsx).active["B2"].value == "确认"
    assert "confirmed" in csv_path.read_text(encoding="utf-8-sig")  # the CSV keeps field names


def test_one_workbook_holds_every_association_a_sheet_each(table, tmp_path: Path) -> None:
    xlsx, csv_path = write_review_sheet(table, ALL, tmp_path)
    workbook = load_workbook(xlsx)
    names = sorted(set(table["association"]))
    assert sorted(workbook.sheetnames) == sorted(name[:31] for name in names)
    for sheet in workbook.worksheets:
        assert sheet.auto_filter.ref and sheet.data_validations.dataValidation
    workbook[workbook.sheetnames[-1]]["B2"] = "确认"
    workbook.save(xlsx)
    assert len(load_reviews(xlsx, ReviewReport())) == 1  # every sheet is read


def test_review_all_from_the_command_line(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    result = runner.invoke(
        app, ["review", str(corpus), "--association", "all", "-o", str(tmp_path / "s"), "-q"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split()[0].endswith("review-all.xlsx")
    assert len(load_workbook(result.stdout.split()[0]).sheetnames) == 5
