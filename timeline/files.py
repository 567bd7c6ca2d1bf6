"""Writing outputs so that nobody ever reads half a file.

Every output is written to a temporary file in the same folder, flushed to disk,
then renamed over the old one: a subscriber fetching ``feeds/all.ics`` during a
rebuild gets either the old feed or the new one, never a mix.

A file written inside a folder that will be published whole by one switch (a
build's staging folder, :func:`exports.publish.publish`) is not flushed on its
own: nobody can read it before the switch, and the switch is preceded by one
flush of the whole file system (:func:`make_durable`). On this machine's disk an
fsync costs about 3 ms, so a rebuild rewriting 1,000 page files spent some 3 s
waiting on them, where one flush costs tens of milliseconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

from timeline.faults import step

#: Folders (as ``"/abs/path/"`` prefixes) whose files are made durable together by
#: :func:`make_durable` before anything names them. A module global, not a context
#: variable: the page's writer threads and the forked writers must see it too.
_flushed_later: set[str] = set()


@contextlib.contextmanager
def durable_later(folder: Path) -> Iterator[None]:
    """Within this block, :func:`write_atomic` under ``folder`` skips its own fsync;
    the caller must call :func:`make_durable` before the folder's files are published."""
    prefix = os.path.join(os.path.abspath(folder), "")
    _flushed_later.add(prefix)
    try:
        yield
    finally:
        _flushed_later.discard(prefix)


def make_durable(folder: Path) -> None:
    """Flush to disk every file written (and renamed) on ``folder``'s file system:
    Linux's ``syncfs`` on it, else ``sync`` of every file system. An error the disk
    gave is raised, naming ``folder``; so is one a flush started by
    :func:`start_durable` met."""
    _finish_early_flush(folder)
    _syncfs(folder)


def start_durable(folder: Path) -> None:
    """Start flushing ``folder``'s file system now, on a thread; :func:`make_durable`,
    still called before anything names the files, waits for it and raises its error.

    The flush waits on the disk: started once the bulk of a build is written, it
    runs while the build does its last work (the state's digests, the published
    folder's other files carried over), and the flush before the switch finds only
    what was written since. A second flush is still needed: files written after
    this one began may not be in it.
    """
    key = os.path.abspath(folder)
    if key in _early_flushes:
        return
    outcome: list[BaseException] = []

    def flush() -> None:
        try:
            _syncfs(folder)
        except BaseException as error:  # raised again by make_durable
            outcome.append(error)

    thread = threading.Thread(target=flush, name="early-flush", daemon=True)
    _early_flushes[key] = (thread, outcome)
    thread.start()


#: Flushes :func:`start_durable` started, by folder: the thread and its error, if any.
_early_flushes: dict[str, tuple[threading.Thread, list[BaseException]]] = {}


def forget_early_flush(folder: Path) -> None:
    """Wait for a flush :func:`start_durable` started whose folder is not published
    (nothing changed, or the build stopped), its error left unsaid: no thread of it
    outlives the build (a process with another thread forks no writer)."""
    started = _early_flushes.pop(os.path.abspath(folder), None)
    if started is not None:
        started[0].join()


def _finish_early_flush(folder: Path) -> None:
    started = _early_flushes.pop(os.path.abspath(folder), None)
    if started is None:
        return
    thread, outcome = started
    thread.join()
    if outcome:
        raise outcome[0]


def _syncfs(folder: Path) -> None:
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        os.sync()
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(handle) != 0:  # a write the disk refused (EIO, ENOSPC) since the last flush
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), str(folder))
    finally:
        os.close(handle)


#: Bytes from which a file written for a later flush has its writeback started at once
#: by its writer (:func:`_start_writeback`), and how often while a large file is
#: written. Smaller files (a page, 150 KB on average) are started by a process that
#: only waits (:class:`EarlyWriteback`: the build, while its page writer writes), so
#: that the kernel's work of starting the disk is not done in the page writer's time.
WRITEBACK_FROM = 4 << 20
WRITEBACK_EVERY = 8 << 20
_SYNC_FILE_RANGE_WRITE = 2
_sync_file_range: Any = None


def _start_writeback(handle: int, start: int, end: int) -> int:
    """Start writing bytes ``start`` to ``end`` of an open file to disk, without waiting
    (Linux ``sync_file_range(SYNC_FILE_RANGE_WRITE)``); returns ``end``.

    :func:`make_durable`'s one flush waits for every dirty byte of the file system:
    some 250 MB of pages, feeds and table files at 10,000 documents, 0.4–0.5 s when
    all of it was left to the flush. Started as each file is written, the disk
    writes while the build still works, and the flush finds little left. Only a
    start: durability is still the flush's (an error here is ignored, and where
    the call is missing nothing is started).
    """
    global _sync_file_range
    if _sync_file_range is None:
        try:
            function = ctypes.CDLL(None, use_errno=True).sync_file_range
            function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
            _sync_file_range = function
        except (OSError, AttributeError):
            _sync_file_range = False
    if _sync_file_range:
        _sync_file_range(handle, start, end - start, _SYNC_FILE_RANGE_WRITE)
    return end


def start_writeback(path: str | Path) -> None:
    """Start writing a whole file's dirty bytes to disk, without waiting
    (:func:`_start_writeback` on the file, opened to read); errors are ignored."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        _start_writeback(handle, 0, os.fstat(handle).st_size)
    finally:
        os.close(handle)


class EarlyWriteback:
    """Starts the writeback of the files other processes write under ``folder``, as
    each reaches its name, from a process that would only wait.

    While the forked page writer writes (on a +1 % rebuild of 10,000 documents some
    1,100 files, 210 MB, nearly all under :data:`WRITEBACK_FROM`, whose writer does
    not start them), the build only waits: :meth:`catch_up`, called as it waits
    (:meth:`exports.site_writers.Writers.wait`), starts the writeback
    (:func:`start_writeback`) of the files that reached their name since the last
    call, so that the flush before the switch (:func:`make_durable`) finds little
    left. No file is read. Left out: files not yet at their name (``.tmp``), a
    writer's scratch (hidden folders), and ``skip`` (relative paths).
    """

    #: Seconds between two walks of the folder.
    EVERY = 0.2
    #: Seconds a folder's modification time must lie before a walk for the folder to be
    #: skipped later while that time stays: a file system keeps times in ticks (a few
    #: milliseconds, a second or two on some), and an entry renamed in the tick of
    #: the walk would leave the time as the walk read it.
    SETTLED = 1.0

    def __init__(self, folder: Path, skip: Collection[str] = ()) -> None:
        self.folder = folder
        self.skip = set(skip)
        self.done: set[str] = set()  # relative paths started
        self.pending: list[tuple[str, str]] = []
        self.walked = 0.0
        #: Each folder read (relative, "" the top, else ending in "/"): its modification
        #: time when read, if it lay :data:`SETTLED` before (else None), and its
        #: subfolders (relative, path).
        self.folders: dict[str, tuple[int | None, list[tuple[str, str]]]] = {}

    def catch_up(self, seconds: float = 0.05) -> bool:
        """Start the files written since the last call, for about ``seconds`` at most;
        True when files found are left (call again)."""
        started = time.perf_counter()
        if not self.pending and started - self.walked >= self.EVERY:
            self.walked = started
            self._walk()
        while self.pending and time.perf_counter() - started < seconds:
            relative, path = self.pending.pop()
            start_writeback(path)
            self.done.add(relative)
        return bool(self.pending)

    def _walk(self) -> None:
        """Queue the files that reached their name since the last walk.

        The page writer's wait is walked every :data:`EVERY` seconds (some 40 walks
        of 1,400 files at 10,000 documents, 10 ms each): a folder whose
        modification time is the one it had when last read (and lay
        :data:`SETTLED` before) has no entry added, renamed or removed since, and
        is not read again (its subfolders are visited). Only a saving: a file
        missed here is flushed by :func:`make_durable`.
        """
        folders = [("", str(self.folder))]
        settled = time.time_ns() - int(self.SETTLED * 1e9)
        while folders:
            prefix, where = folders.pop()
            try:
                changed = os.stat(where).st_mtime_ns  # before reading: a later change is seen
                known = self.folders.get(prefix)
                if known is not None and known[0] == changed:
                    folders += known[1]
                    continue
                kept = changed if changed < settled else None  # else read again next time
                inside = []
                with os.scandir(where) as entries:
                    for entry in entries:
                        relative = prefix + entry.name
                        if entry.is_dir(follow_symlinks=False):
                            if not entry.name.startswith("."):  # a writer's scratch
                                inside.append((relative + "/", entry.path))
                        elif (
                            entry.is_file(follow_symlinks=False)
                            and relative not in self.done
                            and relative not in self.skip
                            and not relative.endswith(".tmp")
                        ):
                            self.pending.append((relative, entry.path))
            except OSError:  # a writer removed a folder (its scratch) as it was walked
                continue
            self.folders[prefix] = (kept, inside)
            folders += inside


def _flushed_now(path: Path) -> bool:
    """Whether a file written at ``path`` needs its own fsync (it is in no folder of
    :func:`durable_later`)."""
    if not _flushed_later:
        return True
    name = os.path.abspath(path)
    return not any(name.startswith(prefix) for prefix in _flushed_later)


def write_atomic(path: str | Path, data: bytes | str | Iterable[bytes]) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename); the
    fsync left to :func:`make_durable` inside a folder of :func:`durable_later`.

    ``data`` may be pieces of bytes, written as they come: a large file is
    never whole in memory.

    >>> write_atomic(Path(tempfile.mkdtemp()) / "a.txt", "你好").read_text(encoding="utf-8")
    '你好'
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    pieces = [payload] if isinstance(payload, bytes | bytearray | memoryview) else payload
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as error:
        raise _naming(error, path) from None
    try:
        with os.fdopen(handle, "wb") as out:
            flushed_now = _flushed_now(path)
            written = started = 0  # bytes written, and from where writeback is not started yet
            for piece in pieces:
                written += out.write(piece)
                if not flushed_now and written - started >= WRITEBACK_EVERY:
                    out.flush()
                    started = _start_writeback(out.fileno(), started, written)
            out.flush()
            if flushed_now:
                os.fsync(out.fileno())
            elif written - started >= WRITEBACK_FROM or started:
                _start_writeback(out.fileno(), started, written)
        os.chmod(temporary, 0o644)
        step(f"write {path.name}")
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _naming(error, path) from None
        raise
    return path


def _naming(error: OSError, path: Path) -> OSError:
    """The error with the file it was about (a full disk names the output, not a temporary)."""
    if error.errno is None:
        return error
    named = type(error)(error.errno, error.strerror or str(error), str(path))
    return named


def unchanged(path: str | Path, data: bytes | str) -> bool:
    """True when ``path`` already holds exactly ``data`` (so a rebuild can leave it be)."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        return path.stat().st_size == len(payload) and path.read_bytes() == payload
    except OSError:
        return False


def source_digest(
    root: Path, packages: Iterable[str], seed: str = "", suffixes: Iterable[str] | None = None
) -> str:
    """The SHA-256 of every file of ``packages`` under ``root``: each file's path relative
    to ``root`` and its bytes, in name order, after ``seed``; only names ending in one of
    ``suffixes`` when given; bytecode caches left out. A version of the code and its tables.
    """
    wanted = None if suffixes is None else set(suffixes)
    digest = hashlib.sha256(seed.encode())
    for package in packages:
        for path in sorted((root / package).rglob("*")):
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            if (wanted is None or path.suffix in wanted) and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def file_digest(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        while block := os.read(handle, 1 << 20):
            digest.update(block)
    finally:
        os.close(handle)
    return digest.hexdigest()


def one_file(first: Path, second: Path) -> bool:
    """Whether both paths are one file (hard links of it), without raising."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def regular_files(folder: Path) -> dict[str, Path]:
    """Regular files under ``folder``, by relative path; links are never followed.

    One ``scandir`` per folder, each entry's type from the folder itself: no
    ``stat`` per file (some 1,100 files at 10,000 documents, walked twice a build).
    """
    found: dict[str, Path] = {}
    if not folder.is_dir() or folder.is_symlink():
        return found
    pending = [("", str(folder))]
    while pending:
        prefix, where = pending.pop()
        with os.scandir(where) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    pending.append((relative + "/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    found[relative] = Path(entry.path)
    return found
