"""Reviews are applied by event_id and survive re-extraction; nothing is lost silently."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from timeline.reviews import ReviewError, ReviewReport, load_reviews, write_review_sheet
from timeline.table import build_events

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
DOC = "004_508937cf9c40d0b3.txt"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / DOC, folder / DOC)
    return folder


def _write(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_review_sheet_lists_one_associations_events_with_editable_columns(
    corpus: Path, tmp_path: Path
) -> None:
    table = build_events([corpus]).table
    association = table["association"].iloc[0]
    xlsx, csv_path = write_review_sheet(table, association, tmp_path / "sheets")
    assert xlsx.suffix == ".xlsx" and csv_path.suffix == ".csv"
    sheet = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert list(sheet.columns[:5]) == ["event_id", "status", "start", "end", "title"]
    assert list(sheet["event_id"]) == list(table[table["association"] == association]["event_id"])
    assert (sheet["status"] == "").all()
    assert len(pd.read_excel(xlsx, dtype=str)) == len(sheet)


def test_rejections_and_corrections_survive_re_extraction(corpus: Path) -> None:
    table = build_events([corpus]).table
    rejected, corrected, confirmed = table["event_id"].iloc[:3]
    reviews = _write(
        corpus / "reviews.csv",
        [
            {"event_id": rejected, "status": "rejected", "start": "", "end": "", "title": ""},
            {
                "event_id": corrected,
                "status": "corrected",
                "start": "2023-08-20",
                "end": "2023-08-21",
                "title": "改过的标题",
            },
            {"event_id": confirmed, "status": "确认", "start": "", "end": "", "title": ""},
        ],
    )
    for _ in range(2):  # a second extraction applies the same reviews the same way
        result = build_events([corpus], reviews=reviews)
        again = result.table.set_index("event_id")
        assert rejected not in again.index
        assert again.loc[corrected, "start"] == date(2023, 8, 20)
        assert again.loc[corrected, "end"] == date(2023, 8, 21)
        assert again.loc[corrected, "title"] == "改过的标题"
        assert again.loc[corrected, "status"] == "corrected"
        assert again.loc[confirmed, "status"] == "confirmed"
        assert (result.reviews.rejected, result.reviews.corrected, result.reviews.confirmed) == (
            1,
            1,
            1,
        )
        assert len(again) == len(table) - 1


def test_the_reviews_file_beside_the_corpus_is_applied_by_default(corpus: Path) -> None:
    first = build_events([corpus]).table["event_id"].iloc[0]
    _write(
        corpus / "reviews.csv",
        [{"event_id": first, "status": "rejected", "start": "", "end": "", "title": ""}],
    )
    from timeline.table import default_reviews

    assert default_reviews([corpus]) == corpus / "reviews.csv"
    assert first not in set(
        build_events([corpus], reviews=default_reviews([corpus])).table["event_id"]
    )


def test_a_review_of_an_event_that_no_longer_exists_is_reported(corpus: Path) -> None:
    reviews = _write(
        corpus / "reviews.csv",
        [
            {
                "event_id": "ev-0000000000000000",
                "status": "confirmed",
                "start": "",
                "end": "",
                "title": "",
            }
        ],
    )
    result = build_events([corpus], reviews=reviews)
    assert result.reviews.missing
    assert "ev-0000000000000000" in result.reviews.missing[0]
    assert "reviews.csv, line 2" in result.reviews.missing[0]
    assert result.failed


def test_bad_rows_are_reported_with_their_line_and_the_rest_applied(corpus: Path) -> None:
    first = build_events([corpus]).table["event_id"].iloc[0]
    path = _write(
        corpus / "reviews.csv",
        [
            {"event_id": "ev-1", "status": "maybe", "start": "", "end": "", "title": ""},
            {
                "event_id": "ev-2",
                "status": "corrected",
                "start": "2023-02-30",
                "end": "",
                "title": "",
            },
            {"event_id": first, "status": "rejected", "start": "", "end": "", "title": ""},
        ],
    )
    report = ReviewReport()
    reviews = load_reviews(path, report)
    assert [r.event_id for r in reviews] == [first]
    assert report.problems[0].startswith("reviews.csv, line 2: unknown status 'maybe'")
    assert report.problems[1].startswith("reviews.csv, line 3: start '2023-02-30' is not a date")
    with pytest.raises(ReviewError, match="line 2"):
        load_reviews(path)


def test_a_reviewer_may_write_a_date_the_chinese_way(corpus: Path) -> None:
    first = build_events([corpus]).table["event_id"].iloc[0]
    path = _write(
        corpus / "r.csv",
        [{"event_id": first, "status": "更正", "start": "2023年8月20日", "end": "", "title": ""}],
    )
    assert load_reviews(path)[0].start == date(2023, 8, 20)


def test_a_reviews_file_without_event_ids_is_refused_by_name(corpus: Path) -> None:
    path = _write(corpus / "wrong.csv", [{"id": "x", "status": "confirmed"}])
    with pytest.raises(ReviewError, match="wrong.csv"):
        load_reviews(path)


def test_a_new_sheet_keeps_earlier_corrections_and_formulas_stay_text(
    corpus: Path, tmp_path: Path
) -> None:
    from timeline.reviews import Review

    table = build_events([corpus]).table.copy()
    association = table["association"].iloc[0]
    first = table["event_id"].iloc[0]
    same = table.index[table["association"] == association]
    assert len(same) >= 2
    table.loc[same[1], "title"] = '=HYPERLINK("http://example.org","点击")'
    earlier = [Review(first, "corrected", date(2023, 8, 20), date(2023, 8, 21), "改过的标题")]
    xlsx, csv_path = write_review_sheet(table, association, tmp_path, earlier)
    sheet = pd.read_csv(csv_path, dtype=str, keep_default_na=False).set_index("event_id")
    assert sheet.loc[first, ["status", "start", "end", "title"]].tolist() == [
        "corrected",
        "2023-08-20",
        "2023-08-21",
        "改过的标题",
    ]
    from openpyxl import load_workbook

    cells = [c for row in load_workbook(xlsx).active.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)  # OWASP apostrophe
