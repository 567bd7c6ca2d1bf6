"""Safe rebuilds: a failed run leaves the published folder as it was.

* Every output goes through :func:`timeline.files.write_atomic` (a temporary file
  in the same folder, then a rename): an audit hook sees every file opened for
  writing during a build, and each one is such a temporary file.
* A failure at any point of a rebuild (each ``os.replace`` in turn, a renderer
  that raises, a document or manifest row that fails) leaves the previous
  outputs byte for byte, and no temporary file or staging folder behind.
* Unchanged input rebuilds byte-identical, without touching a single file.
* Reviews are never overwritten, by ``timeline build`` or ``timeline review``.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import docx
import pandas as pd
import pytest
from folders import snapshot
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from typer.testing import CliRunner

import exports.html
from timeline.cli import app
from timeline.table import build_events, write_table

runner = CliRunner()
ASSOCIATION = "汕头市纺织服装产业协会"


def _word(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("中国纺织工业联合会2023年会员大会纪要")
    document.add_paragraph("2023年9月8日，中国纺织工业联合会在北京召开2023年会员大会。")
    document.core_properties.created = datetime(2023, 9, 8, 2, 30)
    document.save(path)


def _pdf(path: Path) -> None:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.setFont("STSong-Light", 12)
    page.drawString(72, 720, "宁夏纺织服装协会2023年工作纪要")
    page.drawString(72, 700, "2023年8月22日，宁夏纺织服装协会与宁夏联通开展党建共建活动。")
    page.save()
    path.write_bytes(buffer.getvalue())


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(
        f"{ASSOCIATION}工作简报\n2023年8月22日，{ASSOCIATION}召开第三届会员大会。\n"
        "2024年4月，协会组织会员参与植树护绿活动。\n",
        encoding="utf-8",
    )
    (folder / "b.html").write_text(
        "<html><head><title>联通服装制造军团简报</title></head><body><article>"
        "<p>2023年8月31日，联通服装制造军团召开数字化转型推进会。</p>"
        "<p>9月3日，军团组织企业参观智能工厂。</p></article></body></html>",
        encoding="utf-8",
    )
    _word(folder / "c.docx")
    _pdf(folder / "d.pdf")
    return folder


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder, watched: staging folders must not linger there."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def build(corpus: Path, out: Path, *extra: str):
    return runner.invoke(app, ["build", str(corpus), "--out", str(out), "--quiet", *extra])


def stamps(folder: Path) -> dict[str, int]:
    return {
        path.relative_to(folder).as_posix(): path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file()
    }


def leftovers(*folders: Path) -> list[Path]:
    """Temporary files of write_atomic (``.name.xxxx.tmp``) and staging folders."""
    found: list[Path] = []
    for folder in folders:
        found += [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
        found += [p for p in folder.rglob("timeline-build-*")]
        # exports.publish: staging and old folders and the journal beside the published one
        found += [
            p for p in folder.parent.glob(f".{folder.name}.*") if not p.name.endswith(".lock")
        ]
    return found


def add_a_document(corpus: Path) -> None:
    """A change to the input that changes every output file."""
    (corpus / "e.txt").write_text(
        "辽宁省纺织服装协会2024年工作\n2024年3月5日，辽宁省纺织服装协会召开理事会。\n",
        encoding="utf-8",
    )


# --------------------------------------------------------------------------- #
# Every write is atomic                                                        #
# --------------------------------------------------------------------------- #

_WRITES: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _WRITES is None or event != "open":
        return
    path, mode, flags = args
    if isinstance(path, int):
        return
    writing = (
        any(letter in mode for letter in "wax+")
        if isinstance(mode, str)
        else bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
    )
    if writing:
        _WRITES.append(os.fsdecode(path))


@pytest.fixture
def writes() -> Iterator[list[str]]:
    """Every path opened for writing while the test runs (an audit hook, installed once)."""
    global _WRITES
    if not getattr(sys, "_timeline_rebuild_audit", False):
        sys.addaudithook(_audit)
        sys._timeline_rebuild_audit = True  # type: ignore[attr-defined]
    _WRITES = []
    try:
        yield _WRITES
    finally:
        _WRITES = None


def test_every_output_is_written_through_write_atomic(
    corpus: Path, tmp_path: Path, scratch: Path, writes: list[str]
) -> None:
    out = tmp_path / "public"
    for change in (lambda: None, lambda: add_a_document(corpus)):
        change()
        writes.clear()
        assert build(corpus, out).exit_code == 0
        mine = [Path(p) for p in writes if Path(p).is_relative_to(tmp_path)]
        assert mine, "the audit hook saw no write"
        for path in mine:
            staged = path.relative_to(out.parent).parts[0].startswith(".public.staging-")
            assert path.is_relative_to(out) or path.is_relative_to(scratch) or staged, path
            # write_atomic's temporary file: ".<name>.<random>.tmp" beside its target
            assert re.fullmatch(r"\.[^/]+\.[A-Za-z0-9_]+\.tmp", path.name), path
    assert not leftovers(out, scratch)


def test_write_table_is_atomic_too(tmp_path: Path, writes: list[str]) -> None:
    table = build_events([Path(__file__).parent.parent / "data" / "corpus"]).table
    for suffix in (".csv", ".json", ".parquet", ".xlsx"):
        writes.clear()
        target = tmp_path / f"events{suffix}"
        write_table(table, target)
        mine = [Path(p) for p in writes if Path(p).is_relative_to(tmp_path)]
        assert mine and all(p.name.endswith(".tmp") and p.parent == tmp_path for p in mine)
        assert target.is_file() and not leftovers(tmp_path)


# --------------------------------------------------------------------------- #
# A failed rebuild changes nothing                                             #
# --------------------------------------------------------------------------- #


def _published(target: object) -> bool:
    """Whether an ``os.replace`` to ``target`` is one of the build's outputs: not a write
    into the cache folder, whose failures are only misses (a build never fails on them)."""
    cache = Path(os.environ["TIMELINE_CACHE_DIR"])
    return not Path(os.fsdecode(target)).is_relative_to(cache)


def _replace_calls(corpus: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many os.replace calls of its outputs a rebuild makes (on a throwaway copy of
    ``out``; the cache it fills is emptied again, so that every build below starts alike)."""
    import shutil

    trial = out.parent / "trial"
    shutil.copytree(out, trial)
    cache = Path(os.environ["TIMELINE_CACHE_DIR"])
    kept = out.parent / "cache-before"
    shutil.copytree(cache, kept)
    calls = 0
    real = os.replace

    def counting(source, target, *args, **kwargs):
        nonlocal calls
        calls += _published(target)
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", counting)
    assert build(corpus, trial).exit_code == 0
    monkeypatch.setattr(os, "replace", real)
    shutil.rmtree(trial)
    shutil.rmtree(cache)
    shutil.copytree(kept, cache)
    return calls


def test_a_failure_at_any_rename_leaves_the_previous_outputs(
    corpus: Path, tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "public"
    assert build(corpus, out).exit_code == 0
    before, times = snapshot(out), stamps(out)
    add_a_document(corpus)
    calls = _replace_calls(corpus, out, monkeypatch)
    assert calls >= 10  # staging and publishing: every file, twice
    real = os.replace
    for failing in range(1, calls + 1):
        count = 0

        def flaky(source, target, *args, _failing=failing, **kwargs):
            nonlocal count
            count += _published(target)
            if count == _failing and _published(target):
                raise OSError(28, "No space left on device")
            return real(source, target, *args, **kwargs)

        monkeypatch.setattr(os, "replace", flaky)
        result = build(corpus, out)
        monkeypatch.setattr(os, "replace", real)
        assert result.exit_code == 1, (failing, result.stderr)
        assert "No space left on device" in result.stderr
        assert snapshot(out) == before, f"rename {failing} of {calls} changed the folder"
        assert not leftovers(out, scratch), failing
    unchanged = [name for name, stamp in stamps(out).items() if times[name] == stamp]
    assert unchanged  # files that were never replaced keep their time (HTTP caches)
    assert build(corpus, out).exit_code == 0  # and the next run goes through
    assert snapshot(out) != before


def test_a_renderer_that_fails_leaves_the_previous_outputs(
    corpus: Path, tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "public"
    assert build(corpus, out).exit_code == 0
    before = snapshot(out)
    add_a_document(corpus)

    def broken(*args, **kwargs):
        raise ValueError("the template broke")

    monkeypatch.setattr(exports.html._Site, "page", broken)  # every page is rendered by it
    result = build(corpus, out)
    assert result.exit_code == 1 and "the template broke" in result.stderr
    assert snapshot(out) == before
    assert not leftovers(out, scratch)


@pytest.mark.parametrize("bad", ["document", "manifest-row"])
def test_failed_input_leaves_the_previous_outputs(
    corpus: Path, tmp_path: Path, scratch: Path, bad: str
) -> None:
    out = tmp_path / "public"
    assert build(corpus, out).exit_code == 0
    before, times = snapshot(out), stamps(out)
    add_a_document(corpus)
    if bad == "document":
        (corpus / "broken.docx").write_bytes(b"not a zip")
    else:
        (corpus / "documents.csv").write_text("file,published\na.txt,2023-02-30\n", "utf-8")
    result = build(corpus, out)
    assert result.exit_code == 1 and "left as it was" in result.stderr
    assert snapshot(out) == before and stamps(out) == times
    assert not leftovers(out, scratch)


def test_a_removed_association_loses_its_feed_only_when_the_build_succeeds(
    corpus: Path, tmp_path: Path, scratch: Path
) -> None:
    out = tmp_path / "public"
    assert build(corpus, out).exit_code == 0
    feeds = set(snapshot(out / "feeds"))
    (corpus / "b.html").unlink()
    assert build(corpus, out).exit_code == 0
    assert len(set(snapshot(out / "feeds"))) == len(feeds) - 1
    assert not leftovers(out, scratch)


# --------------------------------------------------------------------------- #
# Unchanged input, unchanged output                                            #
# --------------------------------------------------------------------------- #


def test_unchanged_input_rebuilds_byte_identical_without_touching_a_file(
    corpus: Path, tmp_path: Path, scratch: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert build(corpus, first).exit_code == 0
    files, times = snapshot(first), stamps(first)
    assert {"index.html", "feeds.html", "feeds/all.ics", "events.csv", "events.parquet"} <= set(
        files
    )
    assert len(set(pd.read_csv(first / "events.csv")["doc"])) == 4  # txt, html, docx, pdf
    assert build(corpus, first).exit_code == 0
    assert snapshot(first) == files and stamps(first) == times
    assert build(corpus, second).exit_code == 0
    assert snapshot(second) == files


# --------------------------------------------------------------------------- #
# Reviews are never overwritten                                                #
# --------------------------------------------------------------------------- #


def _reviews(corpus: Path) -> Path:
    table = build_events([corpus]).table
    first = table[table["association"] == ASSOCIATION].iloc[0]
    path = corpus / "reviews.csv"
    pd.DataFrame(
        [{"event_id": first["event_id"], "status": "corrected", "start": "2023-08-23", "end": ""}]
    ).to_csv(path, index=False)
    return path


def test_build_and_review_never_overwrite_the_reviews_file(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # review writes its sheets to the current folder by default
    reviews = _reviews(corpus)
    data, stamp = reviews.read_bytes(), reviews.stat().st_mtime_ns
    runs = [
        ["build", str(corpus), "--out", str(tmp_path / "public")],
        ["review", str(corpus), "--association", ASSOCIATION, "--out", str(corpus)],
        ["review", str(corpus), "--association", ASSOCIATION, "--out", str(tmp_path / "sheets")],
        ["review", str(corpus), "--association", ASSOCIATION, "--reviews", str(reviews)],
    ]
    for arguments in runs:
        result = runner.invoke(app, [*arguments, "--quiet"])
        assert result.exit_code == 0, (arguments, result.stderr)
        assert reviews.read_bytes() == data and reviews.stat().st_mtime_ns == stamp, arguments


def test_review_refuses_to_write_its_sheet_over_the_reviews_in_use(
    corpus: Path, tmp_path: Path
) -> None:
    sheets = tmp_path / "sheets"
    first = runner.invoke(
        app, ["review", str(corpus), "--association", ASSOCIATION, "--out", str(sheets), "-q"]
    )
    assert first.exit_code == 0
    csv_sheet = Path(first.stdout.split()[1])
    sheet = pd.read_csv(csv_sheet, dtype=str, keep_default_na=False)
    sheet.loc[0, "status"] = "rejected"
    sheet.to_csv(csv_sheet, index=False)
    data = csv_sheet.read_bytes()
    in_use = runner.invoke(
        app,
        [
            "review",
            str(corpus),
            "--association",
            ASSOCIATION,
            "--out",
            str(sheets),
            "--reviews",
            str(csv_sheet),
        ],
    )
    assert in_use.exit_code == 2
    assert "is the reviews file in use" in in_use.stderr
    assert csv_sheet.read_bytes() == data


def test_review_refuses_to_write_over_a_sheet_with_unsaved_reviews(
    corpus: Path, tmp_path: Path
) -> None:
    sheets = tmp_path / "sheets"
    arguments = ["review", str(corpus), "--association", ASSOCIATION, "--out", str(sheets), "-q"]
    first = runner.invoke(app, arguments)
    csv_sheet = Path(first.stdout.split()[1])
    assert runner.invoke(app, arguments).exit_code == 0  # a fresh sheet holds no reviews
    sheet = pd.read_csv(csv_sheet, dtype=str, keep_default_na=False)
    sheet.loc[0, "status"] = "confirmed"
    sheet.to_csv(csv_sheet, index=False)
    data = csv_sheet.read_bytes()
    again = runner.invoke(app, arguments)
    assert again.exit_code == 2
    assert "holds 1 review that the reviews in use do not" in again.stderr
    assert csv_sheet.read_bytes() == data
    sheet.to_csv(corpus / "reviews.csv", index=False)  # saved: the sheet may be rewritten
    assert runner.invoke(app, arguments).exit_code == 0


def test_build_refuses_to_publish_into_its_input_folder(corpus: Path) -> None:
    before = snapshot(corpus)
    for out in (corpus, corpus / "public"):
        result = runner.invoke(app, ["build", str(corpus), "--out", str(out), "-q"])
        assert result.exit_code == 2
        assert "inside the input folder" in result.stderr
    assert snapshot(corpus) == before
