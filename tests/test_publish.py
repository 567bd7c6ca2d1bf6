"""Issue 12: publishing is all or nothing, locked, and never writes through a link."""

from __future__ import annotations

import fcntl
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from folders import snapshot
from typer.testing import CliRunner

from exports.publish import recover
from timeline.cli import app

A = "汕头市纺织服装产业协会"
runner = CliRunner()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(f"{A}简报\n2023年8月22日，{A}召开第三届会员大会。\n", "utf-8")
    return folder


def build(corpus: Path, out: Path):
    return runner.invoke(app, ["build", str(corpus), "--out", str(out), "-q"])


def test_a_second_build_into_a_locked_folder_fails_with_a_message(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    assert build(corpus, out).exit_code == 0
    before = snapshot(out)
    (corpus / "b.txt").write_text(f"2024年4月，{A}参与植树护绿。", "utf-8")
    handle = os.open(out, os.O_RDONLY)
    fcntl.flock(handle, fcntl.LOCK_EX)  # what a first build holds while it publishes
    try:
        second = build(corpus, out)
    finally:
        os.close(handle)
    assert second.exit_code == 1
    assert f"{out}" in second.stderr and "another build is publishing" in second.stderr
    assert snapshot(out) == before
    assert build(corpus, out).exit_code == 0 and snapshot(out) != before


def test_a_symlinked_feeds_folder_is_never_written_through(corpus: Path, tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "public", tmp_path / "elsewhere"
    assert build(corpus, out).exit_code == 0
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not ours", "utf-8")
    for feed in (out / "feeds").iterdir():
        feed.unlink()
    (out / "feeds").rmdir()
    (out / "feeds").symlink_to(elsewhere, target_is_directory=True)
    result = build(corpus, out)
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in elsewhere.iterdir()] == ["keep.txt"]
    assert (out / "feeds").is_dir() and not (out / "feeds").is_symlink()
    assert (out / "feeds" / "all.ics").is_file()


def test_files_the_build_does_not_make_are_kept_and_unchanged_ones_keep_their_time(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "public"
    assert build(corpus, out).exit_code == 0
    (out / "CNAME").write_text("timeline.example.org\n", "utf-8")
    stamp = (out / "feeds" / "all.ics").stat().st_mtime_ns
    (corpus / "b.txt").write_text(
        "辽宁省纺织服装协会简报\n2024年3月5日，辽宁省纺织服装协会召开理事会。", "utf-8"
    )
    assert build(corpus, out).exit_code == 0
    assert (out / "CNAME").read_text("utf-8") == "timeline.example.org\n"
    assert len(list((out / "feeds").glob("*.ics"))) == 3
    (corpus / "b.txt").unlink()
    assert build(corpus, out).exit_code == 0
    assert len(list((out / "feeds").glob("*.ics"))) == 2  # the removed feed is gone
    assert stamp <= (out / "feeds" / "all.ics").stat().st_mtime_ns


def test_a_full_disk_names_the_file_and_leaves_the_folder(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "public"
    assert build(corpus, out).exit_code == 0
    before = snapshot(out)
    (corpus / "b.txt").write_text(f"2024年4月，{A}参与植树护绿。", "utf-8")
    real = os.fdopen

    class Full(io.BufferedWriter):  # the kernel says so when the blocks are reserved
        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

    def full(descriptor: int, *arguments: object, **options: object) -> object:
        if os.readlink(f"/proc/self/fd/{descriptor}").endswith(".tmp"):
            return Full(io.FileIO(descriptor, "wb"))
        return real(descriptor, *arguments, **options)

    monkeypatch.setattr(os, "fdopen", full)
    result = build(corpus, out)
    monkeypatch.setattr(os, "fdopen", real)
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert "No space left on device" in line and f"{out}{os.sep}" in line, line
    assert ".staging" not in line and ".tmp" not in line
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".public.*"))


def test_sigterm_rolls_back_and_stops_promptly(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    assert build(corpus, out).exit_code == 0
    before = snapshot(out)
    (corpus / "b.txt").write_text(f"2024年4月，{A}参与植树护绿。", "utf-8")
    log = tmp_path / "steps"
    environment = {**os.environ, "TIMELINE_CRASH_LOG": str(log), "TIMELINE_CRASH_AT": "3"}
    environment["TIMELINE_CRASH_SIGNAL"] = "INT"
    command = [sys.executable, "-m", "timeline.cli", "build", str(corpus), "--out", str(out)]
    started = time.monotonic()
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 128 + signal.SIGINT, done.stderr
    assert "interrupted" in done.stderr and "left as it was" in done.stderr
    assert snapshot(out) == before and not list(tmp_path.glob(".public.*"))
    assert time.monotonic() - started < 60


def test_recovery_finishes_a_switch_interrupted_between_two_renames(tmp_path: Path) -> None:
    """The journal of the rename-pair fallback: the next run finishes or rolls back."""
    import json

    out = tmp_path / "public"
    staging, old = tmp_path / ".public.staging-1-a", tmp_path / ".public.old-1-a"
    staging.mkdir()
    (staging / "index.html").write_text("new", "utf-8")
    old.mkdir()
    (old / "index.html").write_text("old", "utf-8")
    journal = tmp_path / ".public.journal"
    journal.write_text(json.dumps({"staging": staging.name, "old": old.name}), "utf-8")
    recover(out)  # killed after the first rename: public missing
    assert (out / "index.html").read_text("utf-8") == "new"
    assert not journal.exists() and not staging.exists() and not old.exists()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 640 KiB tmpfs (root only): a real full disk, not a hook (the first build takes 256 KiB)."""
    import shutil
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=640k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_really_full_disk_names_the_file_and_keeps_the_old_build(
    corpus: Path, small_disk: Path
) -> None:
    out = small_disk / "public"
    assert build(corpus, out).exit_code == 0
    before = snapshot(out)
    sentences = "".join(
        f"2023年{m}月{d}日，{A}召开会议。" for m in range(1, 13) for d in range(1, 29)
    )
    (corpus / "b.txt").write_text(sentences * 3, "utf-8")
    result = build(corpus, out)
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert "No space left on device" in line and f"{out}{os.sep}" in line, line
    assert snapshot(out) == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["public"]


def test_removing_a_build_s_folder_removes_all_of_it_and_never_follows_a_link(
    tmp_path: Path,
) -> None:
    """The old build goes on several threads (exports.publish._remove_tree): every file and
    folder, however deep, and a link inside it goes itself, not what it leads to."""
    from exports.publish import _remove_tree

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("kept", encoding="utf-8")
    old = tmp_path / ".public.staging-1-ab"
    for number in range(200):
        folder = old / f"d{number % 7}" / f"e{number % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{number}.html").write_bytes(b"x" * number)
    (old / "feeds").symlink_to(outside, target_is_directory=True)
    (old / "d1" / "file-link").symlink_to(outside / "keep.txt")
    _remove_tree(old)
    assert not old.exists() and not old.is_symlink()
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "kept"


def test_a_writer_thread_not_yet_running_is_waited_for_before_staging_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A SIGTERM that interrupts the build inside a writer thread's start() leaves that
    # thread listed but not running yet; join() would raise "cannot join thread before
    # it is started" (test_crash met it). Here the thread starts 50 ms after it is seen.
    import threading

    from exports import publish

    wrote = []
    writer = threading.Thread(
        target=lambda: (time.sleep(0.1), wrote.append(True)), name=f"{publish.WRITER_THREADS}-0"
    )
    threading.Timer(0.05, writer.start).start()
    monkeypatch.setattr(threading, "enumerate", lambda: [writer])
    publish._join_writers(timeout=10)
    assert wrote == [True] and not writer.is_alive()


# --- the old build removed after the command returned ------------------------------------


def _gone(path: Path, within: float = 60.0) -> bool:
    """Whether ``path`` is gone, waiting for the remover (a process of its own) up to
    ``within`` seconds: it runs after publish returned, at a pace this test does not set."""
    deadline = time.monotonic() + within
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not path.exists()


def _site(folder: Path, text: str, files: int = 50) -> None:
    for number in range(files):
        (folder / "years").mkdir(parents=True, exist_ok=True)
        (folder / "years" / f"{number}.html").write_text(f"{text} {number}", encoding="utf-8")


def test_the_old_build_goes_to_the_trash_and_a_process_of_its_own_removes_it(
    tmp_path: Path,
) -> None:
    """After the switch the old build is moved into the trash (one rename): nothing is
    left beside the published folder when publish returns, and a remover outliving the
    call empties the trash; a link the old build held goes itself, not what it leads to."""
    from exports.publish import publish

    out, trash, outside = tmp_path / "public", tmp_path / "cache" / "old-builds", tmp_path / "x"
    outside.mkdir()
    (outside / "keep.txt").write_text("kept", encoding="utf-8")
    publish(out, lambda staging, _: _site(staging, "old"), trash=trash)
    (out / "link").symlink_to(outside, target_is_directory=True)
    publish(out, lambda staging, _: _site(staging, "new"), trash=trash)
    assert (out / "years" / "1.html").read_text(encoding="utf-8") == "new 1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "public", "x"]
    moved = list(trash.iterdir())  # the old build, unless its remover was done already
    assert all(p.name.startswith("old-") for p in moved)
    assert all(_gone(path) for path in moved)
    assert list(trash.iterdir()) == []
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "kept"


def test_a_build_that_changed_nothing_leaves_its_staging_folder_to_the_remover_too(
    tmp_path: Path,
) -> None:
    from exports.publish import publish

    out, trash = tmp_path / "public", tmp_path / "cache" / "old-builds"
    publish(out, lambda staging, _: _site(staging, "same"), trash=trash)
    before = snapshot(out)
    publish(out, lambda staging, _: _site(staging, "same"), trash=trash)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "public"]
    assert all(_gone(path) for path in list(trash.iterdir()))


def test_what_an_interrupted_removal_left_in_the_trash_goes_with_the_next_run(
    tmp_path: Path,
) -> None:
    from exports.publish import recover

    out, trash = tmp_path / "public", tmp_path / "cache" / "old-builds"
    out.mkdir()
    left = trash / "old-1-ab"
    _site(left, "half removed")
    assert recover(out, trash) == []  # not removed here: handed to a remover
    assert _gone(left)


@pytest.mark.parametrize("where", ["inside the published folder", "none"])
def test_the_old_build_is_removed_before_returning_without_a_usable_trash(
    tmp_path: Path, where: str
) -> None:
    """A trash inside the published folder (a rename there would publish the old build)
    or none: the old build is removed by publish itself, as before."""
    from exports.publish import publish

    out = tmp_path / "public"
    trash = out / "cache" if where != "none" else None
    publish(out, lambda staging, _: _site(staging, "old"), trash=trash)
    publish(out, lambda staging, _: _site(staging, "new"), trash=trash)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
    assert sorted(p.name for p in out.iterdir()) == ["years"]


def test_a_failed_build_s_staging_folder_is_removed_before_the_error_is_raised(
    tmp_path: Path,
) -> None:
    from exports.publish import publish

    out, trash = tmp_path / "public", tmp_path / "cache" / "old-builds"
    publish(out, lambda staging, _: _site(staging, "old"), trash=trash)

    def failing(staging: Path, _: Path) -> None:
        _site(staging, "half")
        raise OSError(5, "the disk failed", str(staging / "years" / "3.html"))

    with pytest.raises(OSError):
        publish(out, failing, trash=trash)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]  # no trash made
    assert (out / "years" / "1.html").read_text(encoding="utf-8") == "old 1"
