"""The command line as a user meets it: one output option, --version, --association
by a unique part of a name, plural messages, help without placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document as WordDocument
from typer.testing import CliRunner

from timeline.cli import app, plural

runner = CliRunner()


def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert re.fullmatch(r"timeline \d+\.\d+\.\d+\S*\n", result.stdout)


@pytest.mark.parametrize("command", ["events", "chronology", "review", "build"])
def test_every_writing_command_takes_dash_o_and_the_old_out_stays_hidden(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "-o, --output" in result.stdout
    assert "--out " not in result.stdout and "--out\n" not in result.stdout


@pytest.mark.parametrize("command", ["dates", "events", "chronology", "review", "build", "serve"])
def test_help_shows_no_placeholder_on_flags(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout


def test_build_with_the_old_out_spelling_still_works(corpus: Path, tmp_path: Path) -> None:
    old = runner.invoke(app, ["build", str(corpus), "--out", str(tmp_path / "a"), "-q"])
    new = runner.invoke(app, ["build", str(corpus), "-o", str(tmp_path / "b"), "-q"])
    assert old.exit_code == new.exit_code == 0, old.stderr + new.stderr
    assert (tmp_path / "a" / "index.html").read_bytes() == (
        tmp_path / "b" / "index.html"
    ).read_bytes()


def test_association_matches_a_unique_part_of_a_name(corpus: Path) -> None:
    result = runner.invoke(app, ["chronology", str(corpus), "--association", "汕头", "-q"])
    assert result.exit_code == 0, result.stderr
    assert "汕头市纺织服装产业协会" in result.stdout
    assert "辽宁省纺织服装协会" not in result.stdout
    english = runner.invoke(app, ["chronology", str(corpus), "--association", "anhui", "-q"])
    assert english.exit_code == 0 and "Anhui Textile Industry Association" in english.stdout


@pytest.mark.parametrize(
    ("query", "said"), [("不存在", "no association matches"), ("协会", "matches 2 associations")]
)
@pytest.mark.parametrize("command", ["chronology", "review"])
def test_no_match_or_several_is_an_error_listing_the_associations(
    corpus: Path, tmp_path: Path, command: str, query: str, said: str
) -> None:
    result = runner.invoke(
        app, [command, str(corpus), "--association", query, "-o", str(tmp_path / "x"), "-q"]
    )
    assert result.exit_code == 2
    assert said in result.stderr
    assert "辽宁省纺织服装协会" in result.stderr and "汕头市纺织服装产业协会" in result.stderr
    assert result.stdout == ""


def test_dates_reads_every_format(tmp_path: Path) -> None:
    document = WordDocument()
    document.add_paragraph("2023年8月22日，协会召开年会。")
    document.save(tmp_path / "news.docx")
    (tmp_path / "page.html").write_text(
        "<html><body><article><p>2021年6月18日，协会成立大会召开，会议选举产生了第一届理事会。"
        "</p></article></body></html>",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["dates", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert "news.docx" in result.stdout and "2023-08-22" in result.stdout
    assert "page.html" in result.stdout and "2021-06-18" in result.stdout


def test_messages_use_the_singular_for_one(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("2023年8月22日，协会召开年会。", encoding="utf-8")
    result = runner.invoke(app, ["events", str(tmp_path), "-o", str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.stderr
    assert "1 event from 1 document written" in result.stderr
    assert plural(2, "feed") == "2 feeds" and plural(1, "entry", "entries") == "1 entry"


def test_chronology_writes_a_file_with_dash_o(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "大事记.md"
    result = runner.invoke(
        app, ["chronology", str(corpus), "--format", "markdown", "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("## 2019年")


def test_docx_needs_an_output_file(corpus: Path) -> None:
    result = runner.invoke(app, ["chronology", str(corpus), "--format", "docx", "-q"])
    assert result.exit_code == 2
    assert "--output" in result.stderr


def test_serve_says_once_where_it_listens(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import time

    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>t</title>", encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "timeline.cli", "serve", str(tmp_path), "--port", str(port)]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(0.5)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    said = [line for line in stderr.splitlines() if f":{port}/" in line]
    assert len(said) == 1, stderr
    assert f"http://127.0.0.1:{port}/" in said[0]
