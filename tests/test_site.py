"""`timeline build`: the published folder, rebuilt byte for byte, never half-replaced."""

from __future__ import annotations

from pathlib import Path

import icalendar
from typer.testing import CliRunner

from timeline.cli import app

runner = CliRunner()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_build_publishes_the_timeline_the_feeds_and_the_table(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = runner.invoke(app, ["build", str(corpus), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.stderr
    for name in ("index.html", "feeds.html", "feeds/all.ics", "events.csv", "events.parquet"):
        assert (out / name).is_file(), name
    feeds = sorted(p.name for p in (out / "feeds").glob("*.ics"))
    assert len(feeds) == 6  # all.ics and one per association of the sample corpus
    calendar = icalendar.Calendar.from_ical((out / "feeds" / "all.ics").read_bytes())
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) >= 22  # year-level events and publication lines stay out of feeds
    assert all(str(e["UID"]).startswith("ev-") for e in events)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "参与植树护绿" in html and 'lang="zh-CN"' in html
    for feed in feeds:
        assert f"feeds/{feed}" in (out / "feeds.html").read_text(encoding="utf-8")


def test_rebuilding_unchanged_input_is_byte_identical(corpus: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, first, second):
        assert (
            runner.invoke(app, ["build", str(corpus), "--out", str(out), "--quiet"]).exit_code == 0
        )
    assert _snapshot(first) == _snapshot(second)


def test_include_years_puts_year_level_events_in_the_feeds(corpus: Path, tmp_path: Path) -> None:
    plain, years = tmp_path / "plain", tmp_path / "years"
    runner.invoke(app, ["build", str(corpus), "--out", str(plain), "--quiet"])
    runner.invoke(app, ["build", str(corpus), "--out", str(years), "--quiet", "--include-years"])

    def count(folder: Path) -> int:
        return (folder / "feeds" / "all.ics").read_text(encoding="utf-8").count("BEGIN:VEVENT")

    assert count(years) > count(plain)


def test_a_failed_document_leaves_the_published_folder_as_it_was(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    assert runner.invoke(app, ["build", str(corpus), "--out", str(out), "--quiet"]).exit_code == 0
    before = _snapshot(out)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    result = runner.invoke(app, ["build", str(corpus), "--out", str(out), "--quiet"])
    assert result.exit_code == 1
    assert "broken.pdf" in result.stderr and "left as it was" in result.stderr
    assert _snapshot(out) == before


def test_allow_partial_publishes_the_other_documents_and_still_fails(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    result = runner.invoke(
        app, ["build", str(corpus), "--out", str(out), "--quiet", "--allow-partial"]
    )
    assert result.exit_code == 1
    assert "参与植树护绿" in (out / "index.html").read_text(encoding="utf-8")


def test_serve_refuses_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert "timeline build" in result.stderr
