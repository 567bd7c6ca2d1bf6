"""Entries stored by a forked child while the build goes on (DocumentCache.put_meanwhile):
written by another process, never read before they are written, and written before the
process that asked for them exits."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from timeline.cache import DocumentCache

ROOT = Path(__file__).resolve().parents[1]


class Slow:
    """A value whose pickling takes a while and notes which process pickled it."""

    def __init__(self, note: Path, text: str) -> None:
        self.note, self.text = note, text

    def __reduce__(self):
        time.sleep(0.3)
        with self.note.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        return (str, (self.text,))


def _fresh(script: str) -> None:
    """Run ``script`` in a fresh interpreter (no thread of another test: it may fork)."""
    head = f"""
import os, sys, time
sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(Path(__file__).parent)!r})
from pathlib import Path
from test_cache_meanwhile import Slow
from timeline.cache import DocumentCache
"""
    subprocess.run([sys.executable, "-c", head + script], check=True, cwd=ROOT)


def test_entries_are_written_by_a_child_and_read_only_once_written(tmp_path: Path) -> None:
    _fresh(f"""
folder, note = Path({str(tmp_path / "cache")!r}), Path({str(tmp_path / "note")!r})
started = time.perf_counter()
DocumentCache(folder).put_meanwhile([("a", Slow(note, "first")), ("b", Slow(note, "second"))])
assert time.perf_counter() - started < 0.3  # the pickling is the child's
# another cache of the same folder, at once: its reads wait for the child
again = DocumentCache(folder)
assert again.get("b") == "second" and again.get("a") == "first"
pickled_by = {{int(line) for line in note.read_text(encoding="utf-8").split()}}
assert len(pickled_by) == 1 and os.getpid() not in pickled_by, pickled_by
""")


def test_with_another_thread_running_the_entries_are_written_here(tmp_path: Path) -> None:
    """A process holding another thread is not forked (its locks could be held)."""
    cache = DocumentCache(tmp_path / "cache")
    note = tmp_path / "pickled-by"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        cache.put_meanwhile([("a", Slow(note, "here"))])
    finally:
        stop.set()
        other.join()
    assert note.read_text(encoding="utf-8").split() == [str(os.getpid())]
    assert DocumentCache(tmp_path / "cache").get("a") == "here"


def test_a_process_exits_only_once_its_children_wrote_their_entries(tmp_path: Path) -> None:
    _fresh(f"""
DocumentCache({str(tmp_path / "cache")!r}).put_meanwhile(
    [("a", Slow(Path({str(tmp_path / "note")!r}), "kept"))]
)
""")
    # read back without waiting for anything: the exited process had waited
    assert DocumentCache(tmp_path / "cache")._entry("results", "a").exists()
    assert DocumentCache(tmp_path / "cache").get("a") == "kept"
