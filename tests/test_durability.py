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


def test_a_large_file_written_for_the_later_flush_starts_its_writeback_as_it_is_written(
    tmp_path: Path, flushed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flush before the switch waits for every dirty byte: a large staging file has
    its writeback started (``sync_file_range``) over all its bytes, a piece at a time
    while it is written, so the flush finds little left; a page is left to whoever
    reads it back (the build's early digests); a file flushed on its own is fsynced."""
    started: list[tuple[str, int, int]] = []
    real = files._start_writeback

    def watched(handle: int, start: int, end: int) -> int:
        started.append((Path(os.readlink(f"/proc/self/fd/{handle}")).name, start, end))
        return real(handle, start, end)

    monkeypatch.setattr(files, "_start_writeback", watched)
    later = tmp_path / "staging"
    piece = b"x" * (3 << 20)
    with files.durable_later(later):
        files.write_atomic(later / "big.csv", [piece] * 6)  # 18 MB
        files.write_atomic(later / "events.parquet", b"y" * (5 << 20))
        files.write_atomic(later / "page.html", b"y" * (100 << 10))
        files.write_atomic(later / "small.html", b"z" * 100)
    files.write_atomic(tmp_path / "elsewhere.csv", [piece] * 6)
    big = [(start, end) for name, start, end in started if name.startswith(".big.csv.")]
    assert len(big) >= 3 and big[0][0] == 0 and big[-1][1] == 18 << 20
    assert all(a[1] == b[0] for a, b in zip(big, big[1:], strict=False))  # no gap, no overlap
    assert [(s, e) for n, s, e in started if n.startswith(".events.parquet.")] == [(0, 5 << 20)]
    left = (".page.html.", ".small.html.", ".elsewhere.csv.")  # to the flush, or fsynced
    assert not [n for n, _, _ in started if n.startswith(left)]
    assert any(Path(p).name.startswith(".elsewhere.csv.") for p in flushed)
    assert (later / "big.csv").read_bytes() == piece * 6


def test_a_flush_started_early_is_waited_for_and_its_error_raised_before_the_switch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """:func:`timeline.files.start_durable` flushes on a thread; the flush before the
    switch waits for it and raises what it met (a disk error cannot be made here at
    will: the flush itself is replaced by one that fails, once)."""
    calls: list[str] = []

    def failing_once(folder: Path) -> None:
        calls.append("flush")
        if len(calls) == 1:
            raise OSError(5, "Input/output error", str(folder))

    monkeypatch.setattr(files, "_syncfs", failing_once)
    files.start_durable(tmp_path)
    with pytest.raises(OSError, match="Input/output error"):
        files.make_durable(tmp_path)
    files.make_durable(tmp_path)  # nothing started: one flush of its own
    assert calls == ["flush", "flush"]
    assert not files._early_flushes


def test_a_build_leaves_no_flush_thread_behind(tmp_path: Path) -> None:
    import threading

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(f"{A}简报\n2023年8月22日，{A}召开第三届会员大会。\n", "utf-8")
    for _ in range(2):  # a first build, then one that changes nothing
        result = CliRunner().invoke(app, ["build", str(corpus), "--out", str(tmp_path / "p"), "-q"])
        assert result.exit_code == 0, result.output
        assert not files._early_flushes
        assert not [t for t in threading.enumerate() if t.name == "early-flush"]
