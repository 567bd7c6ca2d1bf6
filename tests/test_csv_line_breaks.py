"""A cell holding a bare carriage return is one cell in every CSV the product writes.

Python's csv writer quotes a cell for the characters of its line terminator
only; with ``"\\n"`` it wrote ``a\\rb`` unquoted, and a spreadsheet, the
``csv`` module and pandas read two rows. Each writer (events.csv, the review
CSV, the chronology CSV, the ``dates`` and ``associations`` commands) is read
back here with the ``csv`` module and with pandas: the same rows, the same
values. The same titles must not forge a line in a feed or a page either.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import icalendar
import pandas as pd
import pytest
from typer.testing import CliRunner

from exports.chronology import Entry, render_csv
from exports.site import build_site
from timeline.cells import restore
from timeline.cli import app
from timeline.reviews import ALL, load_reviews, write_review_sheet
from timeline.schema import table_bytes
from timeline.table import build_events

#: Cells a document, a manifest or a reviewer's correction can hold.
BROKEN = ["年会\r第二行", "\r", "结尾\r", "\r\n混合\n", "=1+1\r", '引号"\r,逗号']


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("docs")
    lines = [f"2023年8月{day}日，汕头市纺织服装产业协会召开第{day}次会议。" for day in range(1, 7)]
    (folder / "a.txt").write_text("\n".join(lines), encoding="utf-8")
    table = build_events([folder]).table.reset_index(drop=True)
    assert len(table) == len(BROKEN)
    table["title"] = BROKEN
    table["description"] = [f"句子{value}完" for value in BROKEN]
    table["association"] = ["甲\r协会"] * len(BROKEN)
    return table


def _read_back(data: bytes, encoding: str = "utf-8") -> tuple[list[dict], pd.DataFrame]:
    text = data.decode(encoding)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding=encoding)
    return rows, frame


def _same_cells(rows: list[dict], frame: pd.DataFrame, column: str, expected: list[str]) -> None:
    assert [restore(row[column]) for row in rows] == expected
    assert [restore(value) for value in frame[column]] == expected


def test_events_csv_keeps_a_bare_carriage_return_in_its_cell(table) -> None:
    rows, frame = _read_back(table_bytes(table, ".csv"))
    assert len(rows) == len(frame) == len(table)
    _same_cells(rows, frame, "title", BROKEN)
    _same_cells(rows, frame, "description", list(table["description"]))
    _same_cells(rows, frame, "association", list(table["association"]))


def test_the_review_csv_keeps_a_bare_carriage_return_in_its_cell(table, tmp_path) -> None:
    paths = write_review_sheet(table, ALL, tmp_path)
    data = next(path for path in paths if path.suffix == ".csv").read_bytes()
    rows, frame = _read_back(data, "utf-8-sig")
    assert len(rows) == len(frame) == len(table)
    _same_cells(rows, frame, "title", BROKEN)
    _same_cells(rows, frame, "association", list(table["association"]))
    assert load_reviews(next(p for p in paths if p.suffix == ".csv")) == []  # no status yet


def test_the_chronology_csv_keeps_a_bare_carriage_return_in_its_cell() -> None:
    """The table's reader makes titles one line before the chronology sees them;
    the writer holds on its own all the same."""
    items = [
        Entry(2023, "2023年8月1日", title, "甲\r协会", "a\r.txt", f"e{number}")
        for number, title in enumerate(BROKEN)
    ]
    rows, frame = _read_back(render_csv(items).encode("utf-8"))
    assert len(rows) == len(frame) == len(items)
    _same_cells(rows, frame, "title", BROKEN)
    _same_cells(rows, frame, "doc", ["a\r.txt"] * len(items))


def test_the_dates_command_keeps_a_file_name_with_a_carriage_return_in_one_cell(
    tmp_path: Path,
) -> None:
    name = "会\r议.txt"
    (tmp_path / name).write_text("2023年8月22日，协会召开年会。", encoding="utf-8")
    result = CliRunner().invoke(app, ["dates", "--format", "csv", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows, frame = _read_back(result.stdout.encode("utf-8"))
    assert len(rows) == len(frame) == 1
    assert Path(rows[0]["doc"]).name == name
    assert Path(frame["doc"][0]).name == name


def test_the_associations_command_keeps_a_name_with_a_carriage_return_in_one_cell(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("2023年8月22日，协会召开年会。", encoding="utf-8")
    with (tmp_path / "documents.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["file", "association"], ["a.txt", "=甲\r协会"]])
    result = CliRunner().invoke(app, ["associations", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    rows, frame = _read_back(result.stdout.encode("utf-8"))
    assert len(rows) == len(frame) == 1
    # the manifest reader makes the name one line; whatever it keeps stays one cell
    assert rows[0]["association"] == frame["association"][0]
    assert rows[0]["association"].startswith("'=")  # and it is not a formula


def test_a_bare_carriage_return_forges_no_line_in_a_feed_or_a_page(table, tmp_path) -> None:
    build_site(table, tmp_path)
    for path in (tmp_path / "feeds").glob("*.ics"):
        data = path.read_bytes()
        assert re.search(rb"\r(?!\n)|(?<!\r)\n", data) is None, path.name
        lines = data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")
        assert [line for line in lines if line.startswith(("BEGIN:", "END:"))] == (
            ["BEGIN:VCALENDAR"] + ["BEGIN:VEVENT", "END:VEVENT"] * len(table) + ["END:VCALENDAR"]
        )
        for line in filter(None, lines):
            assert re.match(r"[A-Z][A-Z0-9-]*[;:]", line), line
        calendar = icalendar.Calendar.from_ical(data)
        summaries = sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))
        assert len(summaries) == len(table)
        assert all("\r" not in summary and "\n" not in summary for summary in summaries)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "\r" not in page  # a bare CR reaches no page: not as a break, not as text
