"""Bad input never stops a run and never passes silently.

Each case puts one bad input beside a good document and runs the real command
(typer's CliRunner) and/or :func:`timeline.table.build_events`: the bad input is
named on standard error (with its row or place where there is one), the good
document still gives its events, and the exit status is not 0.

Three outcomes, by what was lost:

* **error**: the file gives nothing (empty, binary, too large, corrupt, not a
  regular file, a link loop); its events are missing, so ``timeline build``
  publishes nothing unless ``--allow-partial``.
* **repaired**: the file could only be read by giving something up (a
  character cut off at the end, a page nested too deeply for libxml2, a Word
  file named .txt read as Word); its events are in the table and the exit
  status is 1, so that someone looks at the file.
* **manifest and reviews**: a bad row is reported with its file and line and
  left out; the good rows are used. A manifest or reviews file that cannot be
  used at all (no ``file`` column, an unknown column) stops the run (exit 2).

A GB18030 file without any hint is not bad input: it is one of the encodings
the product reads, and it gives its events with exit status 0.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from timeline.cli import app
from timeline.documents import DocumentError, load_document
from timeline.table import build_events

runner = CliRunner()

GOOD = (
    "汕头市纺织服装产业协会工作简报\n"
    "2023年8月22日，汕头市纺织服装产业协会召开第三届会员大会。\n"
    "2024年4月，协会组织会员参与植树护绿活动。\n"
)
GOOD_LINES = ("2023年8月22日　汕头市纺织服装产业协会召开第三届会员大会", "2024年4月　协会组织会员")
GOOD_STARTS = {"2023-08-22", "2024-04-01"}

#: A document of its own for the cases that keep the bad file's events.
OTHER = "2023年9月8日，中国纺织工业联合会在北京召开2023年会员大会，三百余名代表参加。"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    return folder


def chronology(*arguments: str | Path):
    return runner.invoke(app, ["chronology", *map(str, arguments), "--quiet"])


def assert_good_events_printed(stdout: str) -> None:
    for line in GOOD_LINES:
        assert line in stdout, stdout


def assert_good_events_in(table: pd.DataFrame) -> None:
    good = table[table["doc"] == "good.txt"]
    assert {day.isoformat() for day in good["start"]} == GOOD_STARTS


# --------------------------------------------------------------------------- #
# Files that give nothing: an error naming them                                #
# --------------------------------------------------------------------------- #


def _empty(folder: Path) -> Path:
    path = folder / "empty.txt"
    path.write_bytes(b"")
    return path


def _white_space(folder: Path) -> Path:
    path = folder / "blank.md"
    path.write_bytes(" \n\u3000\n".encode())
    return path


def _binary(folder: Path) -> Path:
    path = folder / "binary.txt"
    path.write_bytes(os.urandom(4096) + b"\x00\x01\x02" * 100)
    return path


def _program(folder: Path) -> Path:
    path = folder / "program.txt"
    path.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 8)
    return path


def _corrupt_docx(folder: Path) -> Path:
    path = folder / "corrupt.docx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(300))
    return path


def _corrupt_pdf(folder: Path) -> Path:
    path = folder / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R" + os.urandom(200))
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.txt"
    os.mkfifo(path)
    return path


def _link_loop(folder: Path) -> Path:
    path = folder / "loop.txt"
    path.symlink_to(path)
    return path


def _broken_link(folder: Path) -> Path:
    path = folder / "gone.html"
    path.symlink_to(folder / "nowhere.html")
    return path


ERRORS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty-file": (_empty, "the file is empty"),
    "white-space-only": (_white_space, "only white space"),
    "binary-named-txt": (_binary, "binary"),
    "program-named-txt": (_program, "not text: it is a program"),
    "corrupt-docx": (_corrupt_docx, "damaged or not a Word .docx file"),
    "corrupt-pdf": (_corrupt_pdf, "damaged or not a PDF file"),
    "fifo-in-folder": (_fifo, "not a regular file"),
    "symlink-loop": (_link_loop, "symbolic link loop"),
    "broken-symlink": (_broken_link, "broken symbolic link"),
}


@pytest.mark.parametrize("case", ERRORS)
def test_a_file_that_gives_nothing_is_an_error_and_the_others_go_on(
    corpus: Path, case: str
) -> None:
    make, reason = ERRORS[case]
    bad = make(corpus)
    result = chronology(corpus)
    assert result.exit_code == 1, result.stderr
    assert f"{bad}: error: " in result.stderr
    assert reason in result.stderr
    assert "1 of 2 documents failed" in result.stderr
    assert_good_events_printed(result.stdout)


@pytest.mark.parametrize("case", ERRORS)
def test_build_events_lists_the_failed_file_and_keeps_the_good_events(
    corpus: Path, case: str
) -> None:
    make, reason = ERRORS[case]
    bad = make(corpus)
    result = build_events([corpus])
    assert [path for path, _ in result.errors] == [bad]
    assert reason in result.errors[0][1] and bad.name in result.errors[0][1]
    assert result.failed and result.incomplete
    assert_good_events_in(result.table)


def test_a_failed_file_leaves_the_published_folder_as_it_was(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    assert runner.invoke(app, ["build", str(corpus), "--out", str(out), "-q"]).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    _empty(corpus)
    result = runner.invoke(app, ["build", str(corpus), "--out", str(out), "-q"])
    assert result.exit_code == 1
    assert "empty.txt: error: the file is empty" in result.stderr
    assert "left as it was" in result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# --------------------------------------------------------------------------- #
# Unreadable paths given on the command line                                   #
# --------------------------------------------------------------------------- #


def test_a_folder_named_like_a_document_is_reported_not_skipped(corpus: Path) -> None:
    folder = corpus.parent / "x.txt"
    folder.mkdir()
    result = chronology(corpus / "good.txt", folder)
    assert result.exit_code == 1
    assert "x.txt: no documents in this folder" in result.stderr
    assert_good_events_printed(result.stdout)


def test_a_named_pipe_given_as_a_path_is_an_error_not_a_hang(corpus: Path) -> None:
    pipe = corpus.parent / "pipe.txt"
    os.mkfifo(pipe)
    result = chronology(corpus, pipe)
    assert result.exit_code == 1
    assert f"{pipe}: error: not a regular file" in result.stderr
    assert_good_events_printed(result.stdout)


def test_a_missing_path_is_an_error(corpus: Path) -> None:
    result = chronology(corpus, corpus.parent / "absent.pdf")
    assert result.exit_code == 1
    assert "absent.pdf: error: no such file" in result.stderr
    assert_good_events_printed(result.stdout)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_file_without_read_permission_is_an_error(corpus: Path) -> None:
    secret = corpus / "secret.txt"
    secret.write_text(OTHER, encoding="utf-8")
    secret.chmod(0)
    try:
        result = chronology(corpus)
    finally:
        secret.chmod(0o600)
    assert result.exit_code == 1
    assert "secret.txt: error: permission denied" in result.stderr
    assert_good_events_printed(result.stdout)


def test_a_folder_link_loop_is_walked_once_without_hanging(corpus: Path) -> None:
    (corpus / "sub").mkdir()
    (corpus / "sub" / "back").symlink_to(corpus, target_is_directory=True)
    (corpus / "sub" / "other.txt").write_text(OTHER, encoding="utf-8")
    started = time.monotonic()
    result = build_events([corpus])
    assert time.monotonic() - started < 30
    assert not result.errors
    assert sorted(result.table["doc"].unique()) == ["good.txt", "other.txt"]
    assert_good_events_in(result.table)


# --------------------------------------------------------------------------- #
# Too large                                                                    #
# --------------------------------------------------------------------------- #


def _write_megabytes(path: Path, megabytes: float) -> Path:
    line = "2023年8月22日，汕头市纺织服装产业协会召开会员大会，会议审议了工作报告。\n".encode()
    count = int(megabytes * 2**20) // len(line) + 1
    path.write_bytes(line * count)
    return path


def test_a_50_mb_file_is_refused_by_the_default_limit_quickly(corpus: Path) -> None:
    big = _write_megabytes(corpus / "big.txt", 50)
    started = time.monotonic()
    result = chronology(corpus)
    assert time.monotonic() - started < 20  # refused from its size, never read
    assert result.exit_code == 1
    assert f"{big}: error: too large: 50 MB, over the limit of 20 MB per document" in result.stderr
    assert "--max-document-mb" in result.stderr
    assert_good_events_printed(result.stdout)


def test_the_size_limit_is_an_option_of_every_command_that_reads_documents(
    corpus: Path, tmp_path: Path
) -> None:
    _write_megabytes(corpus / "big.txt", 0.1)
    commands = {
        "dates": [],
        "events": ["-o", str(tmp_path / "events.csv")],
        "chronology": [],
        "associations": [],
        "review": ["--association", "汕头市纺织服装产业协会", "--out", str(tmp_path / "r")],
        "build": ["--out", str(tmp_path / "public")],
    }
    for command, extra in commands.items():
        refused = runner.invoke(app, [command, str(corpus), *extra, "--max-document-mb", "0.05"])
        assert refused.exit_code == 1, (command, refused.stderr)
        assert "big.txt: error: too large: 0.1 MB, over the limit of 0.05 MB" in refused.stderr
        read = runner.invoke(app, [command, str(corpus), *extra, "--max-document-mb", "0.2"])
        assert read.exit_code == 0, (command, read.stderr)


def test_build_events_takes_the_limit_in_bytes(corpus: Path) -> None:
    _write_megabytes(corpus / "big.txt", 0.1)
    refused = build_events([corpus], max_document_bytes=50_000)
    assert [path.name for path, _ in refused.errors] == ["big.txt"]
    assert_good_events_in(refused.table)
    unlimited = build_events([corpus], max_document_bytes=None)
    assert not unlimited.errors and "big.txt" in set(unlimited.table["doc"])


def test_load_document_checks_the_size_before_reading(tmp_path: Path) -> None:
    path = _write_megabytes(tmp_path / "big.txt", 0.01)
    with pytest.raises(DocumentError, match=r"big\.txt: too large"):
        load_document(path, max_bytes=1000)
    assert load_document(path, max_bytes=None).text.startswith("2023年8月22日")


# --------------------------------------------------------------------------- #
# Read with repairs, with their events                                         #
# --------------------------------------------------------------------------- #

TRUNCATED = "2023年9月8日，中国纺织工业联合会召开会员大会。\n10月12日，协会举办面料博览会开幕式"


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8"), ("gb18030", "GB18030"), ("utf-16", "UTF-16")],
)
def test_a_file_cut_inside_its_last_character_is_read_without_it(
    corpus: Path, encoding: str, label: str
) -> None:
    cut = corpus / "cut.txt"
    cut.write_bytes(TRUNCATED.encode(encoding)[:-1])
    result = chronology(corpus)
    assert result.exit_code == 1
    assert f"{cut}: repaired: ends in the middle of a {label} character" in result.stderr
    assert "2023年9月8日　中国纺织工业联合会召开会员大会" in result.stdout
    assert "2023年10月12日" in result.stdout  # nothing before the cut is lost
    assert_good_events_printed(result.stdout)
    document = load_document(cut)
    assert document.text == TRUNCATED[:-1]
    assert document.repairs and "cut short" in document.repairs[0]


def test_a_truncated_web_page_is_read_and_said_to_be_repaired(corpus: Path) -> None:
    page = f"<html><body><article><p>{OTHER}</p><p>更多内容：协会".encode()[:-2]
    (corpus / "cut.html").write_bytes(page)
    result = build_events([corpus])
    assert [path.name for path, _ in result.repairs] == ["cut.html"]
    assert "2023-09-08" in {day.isoformat() for day in result.table["start"]}
    assert result.failed and not result.incomplete


def test_a_gb18030_file_without_any_hint_gives_its_events(corpus: Path) -> None:
    (corpus / "gbk.txt").write_bytes(OTHER.encode("gb18030"))
    result = chronology(corpus)
    assert result.exit_code == 0, result.stderr
    assert "2023年9月8日　" in result.stdout and "中国纺织工业联合会" in result.stdout
    assert_good_events_printed(result.stdout)


def _nested_page(depth: int, tag: str = "div") -> bytes:
    return (
        "<html><head><title>深层页面</title></head><body><p>2023年9月8日，协会召开年会。</p>"
        + f"<{tag}>" * depth
        + "10月12日，协会举办面料博览会。"
        + f"</{tag}>" * depth
        + "<p>11月3日，协会组织会员赴广州考察。</p></body></html>"
    ).encode()


@pytest.mark.parametrize("tag", ["div", "span", "table"])
def test_a_page_with_100000_nested_tags_is_read_in_bounded_time(corpus: Path, tag: str) -> None:
    (corpus / "deep.html").write_bytes(_nested_page(100_000, tag))
    started = time.monotonic()
    result = chronology(corpus)
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert "deep.html: repaired: the HTML parser gave up" in result.stderr
    assert "Excessive depth" in result.stderr
    for written in ("2023年9月8日", "2023年10月12日", "2023年11月3日"):
        assert written in result.stdout  # before, inside and after the deep part
    assert_good_events_printed(result.stdout)


def test_a_deep_page_keeps_its_title(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_bytes(_nested_page(100_000))
    document = load_document(path)
    assert document.title == "深层页面"
    assert "10月12日，协会举办面料博览会。" in document.text
    assert len(document.repairs) == 1


def test_an_unclosed_comment_does_not_make_the_fallback_quadratic(tmp_path: Path) -> None:
    from timeline.documents import stream_text

    started = time.monotonic()
    text, _ = stream_text("<p>8月22日</p>" + "<!--" * 250_000)
    assert text == "8月22日"
    assert time.monotonic() - started < 5  # Python's html.parser takes minutes here


# --------------------------------------------------------------------------- #
# The manifest                                                                 #
# --------------------------------------------------------------------------- #


def _manifest(folder: Path, text: str) -> Path:
    path = folder / "documents.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_bad_manifest_row_is_named_and_the_good_rows_are_used(corpus: Path) -> None:
    (corpus / "other.txt").write_text("9月8日，协会在北京召开会员大会。", encoding="utf-8")
    manifest = _manifest(
        corpus,
        "file,published,association,title,url\n"
        "good.txt,2023-09-08,汕头市纺织服装产业协会,工作简报,https://example.org/a\n"
        "missing.txt,2023-01-01,,,\n"
        "other.txt,2023-02-30,,,\n"
        "other.txt,2023-09-08,中国纺织工业联合会,,,extra\n"
        "other.txt,2023-09-08,中国纺织工业联合会,,\n",
    )
    result = runner.invoke(app, ["events", str(corpus), "-o", str(corpus.parent / "e.csv")])
    assert result.exit_code == 1
    for line, reason in [
        (3, "unknown file 'missing.txt'"),
        (4, "published '2023-02-30' is not a date"),
        (5, "more values than columns"),
    ]:
        assert f"{manifest}, line {line}: {reason}" in result.stderr
    assert "line 2" not in result.stderr and "line 6" not in result.stderr
    table = pd.read_csv(corpus.parent / "e.csv", dtype=str, keep_default_na=False)
    other = table[table["doc"] == "other.txt"]
    assert list(other["start"]) == ["2023-09-08"]  # line 6's date reached the resolver
    assert set(other["association"]) == {"中国纺织工业联合会"}
    good = table[table["doc"] == "good.txt"]
    assert set(good["start"]) == GOOD_STARTS and set(good["doc_title"]) == {"工作简报"}


def test_build_publishes_nothing_when_a_manifest_row_is_bad(corpus: Path, tmp_path: Path) -> None:
    _manifest(corpus, "file,published\ngood.txt,yesterday\n")
    out = tmp_path / "public"
    result = runner.invoke(app, ["build", str(corpus), "--out", str(out), "-q"])
    assert result.exit_code == 1
    assert "documents.csv, line 2: published 'yesterday' is not a date" in result.stderr
    assert not out.exists()
    partial = runner.invoke(app, ["build", str(corpus), "--out", str(out), "-q", "--allow-partial"])
    assert partial.exit_code == 1 and (out / "index.html").is_file()


def test_build_events_reports_manifest_rows_as_problems(corpus: Path) -> None:
    _manifest(corpus, "file,published\nnope.txt,\ngood.txt,2023-09-08\n")
    result = build_events([corpus])
    assert [message.split(": ", 1)[1] for _, message in result.problems] == [
        f"unknown file 'nope.txt' (not found in {corpus})"
    ]
    assert result.problems[0][0].name == "documents.csv"
    assert result.incomplete and result.failed and not result.errors
    assert_good_events_in(result.table)


@pytest.mark.parametrize(
    ("header", "named"),
    [
        ("file,publshed", "'publshed'"),
        ("file,published,notes", "'notes'"),
        ("name,published", "'file'"),
    ],
)
def test_a_manifest_header_that_cannot_be_used_stops_the_run(
    corpus: Path, header: str, named: str
) -> None:
    manifest = _manifest(corpus, f"{header}\ngood.txt,2023-09-08\n")
    result = chronology(corpus)
    assert result.exit_code == 2
    assert f"{manifest}, line 1" in result.stderr and named in result.stderr
    assert result.stdout == ""


def test_an_undecodable_manifest_stops_the_run_naming_it(corpus: Path) -> None:
    manifest = corpus / "documents.csv"
    manifest.write_bytes(os.urandom(200) + b"\x00")
    result = chronology(corpus)
    assert result.exit_code == 2
    assert str(manifest) in result.stderr


# --------------------------------------------------------------------------- #
# Reviews                                                                      #
# --------------------------------------------------------------------------- #


def test_bad_review_rows_are_named_and_the_good_ones_applied(corpus: Path) -> None:
    table = build_events([corpus]).table
    april = table.loc[table["start"].map(str) == "2024-04-01", "event_id"].iloc[0]
    august = table.loc[table["start"].map(str) == "2023-08-22", "event_id"].iloc[0]
    pd.DataFrame(
        [
            {"event_id": april, "status": "rejected", "start": "", "end": ""},
            {"event_id": "ev-0000000000000000", "status": "confirmed", "start": "", "end": ""},
            {"event_id": august, "status": "corrected", "start": "2023-08-32", "end": ""},
            {"event_id": august, "status": "maybe", "start": "", "end": ""},
        ]
    ).to_csv(corpus / "reviews.csv", index=False)
    result = chronology(corpus)
    assert result.exit_code == 1
    assert "reviews.csv, line 3: event ev-0000000000000000 no longer exists" in result.stderr
    assert "reviews.csv, line 4: start '2023-08-32' is not a date" in result.stderr
    assert "reviews.csv, line 5: unknown status 'maybe'" in result.stderr
    assert "2024年4月" not in result.stdout  # line 2 was applied
    assert GOOD_LINES[0] in result.stdout


def test_a_reviews_file_without_event_ids_stops_the_run(corpus: Path) -> None:
    (corpus / "reviews.csv").write_text("id,status\nx,confirmed\n", encoding="utf-8")
    result = chronology(corpus)
    assert result.exit_code == 2
    assert "reviews.csv" in result.stderr and "event_id" in result.stderr


def test_a_word_file_named_txt_is_read_as_one_and_said_so(corpus: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("2023年9月8日，中国纺织工业联合会在北京召开2023年会员大会。")
    misnamed = corpus / "notes.txt"
    document.save(misnamed)
    result = chronology(corpus)
    assert result.exit_code == 1
    assert f"{misnamed}: repaired: named .txt but is a DOCX file: read as one" in result.stderr
    assert "2023年9月8日　" in result.stdout
    assert_good_events_printed(result.stdout)
