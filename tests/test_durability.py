"""A published build's files are flushed to disk once, before the switch, not one by one.

``os.fsync`` is watched (the real one still runs) to see which files a build
flushes on its own: none of its staging folder's, while files written anywhere
else keep their own fsync.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from timeline import files
from timeline.cli import app

A = "汕头市纺织服装产业协会"


@pytest.fixture
def flushed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the files fsynced from now on (the real fsync still runs)."""
    paths: list[str] = []
    real = os.fsync

    def watched(handle: int) -> None:
        paths.append(os.readlink(f"/proc/self/fd/{handle}"))
        real(handle)

    monkeypatch.setattr(os, "fsync", watched)
    return paths


def test_a_file_in_a_folder_made_durable_later_skips_its_own_fsync(
    tmp_path: Path, flushed: list[str]
) -> None:
    later, elsewhere = tmp_path / "staging", tmp_path / "other"
    with files.durable_later(later):
        files.write_atomic(later / "a" / "b.txt", "一")
        files.write_atomic(elsewhere / "c.txt", "二")
        files.write_atomic(
            tmp_path / "staging-not" / "d.txt", "三"
        )  # a name that only begins alike
    files.write_atomic(later / "e.txt", "四")  # the block is over: flushed on its own
    files.make_durable(later)
    assert (later / "a" / "b.txt").read_text(encoding="utf-8") == "一"
    names = [Path(path).name for path in flushed]
    assert not any(name.startswith(".b.txt.") for name in names), names
    for written in ("c.txt", "d.txt", "e.txt"):
        assert any(name.startswith(f".{written}.") for name in names), (written, names)


def test_a_build_flushes_none_of_its_staging_files_one_by_one(
    tmp_path: Path, flushed: list[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(f"{A}简报\n2023年8月22日，{A}召开第三届会员大会。\n", "utf-8")
    out = tmp_path / "public"
    result = CliRunner().invoke(app, ["build", str(corpus), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file() and (out / "feeds" / "all.ics").is_file()
    staged = [path for path in flushed if "/.public.staging-" in path]
    assert not staged, staged[:5]
    assert not files._flushed_later  # the build's folder is no longer named
