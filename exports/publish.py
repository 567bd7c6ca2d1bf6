"""Publishing a folder all or nothing: build beside it, then switch in one step.

The folder the user named (``public/``) must keep working as a path: users open
``public/index.html`` and ``timeline serve public`` serves it. So the new build
is rendered into a sibling staging folder (``.public.staging-<pid>-<random>``,
on the same file system) and then exchanged with the published folder by one
``renameat2(RENAME_EXCHANGE)`` call: at every instant, even after SIGKILL, the
path ``public`` is the whole old build or the whole new one. The staging path
then holds the old build, which is removed: moved into the build's trash folder
(in its cache folder) and removed there by a process of its own once the command
returned, or removed here without one. A first build is one ``rename``.

Where the exchange is not available (not Linux, or a file system without it)
the switch is a pair of renames (``public`` to ``.public.old-…``, staging to
``public``) with a journal (``.public.journal``) written before them; between
the two renames ``public`` is briefly missing, and the next run uses the
journal to finish the switch or roll it back.

Around that:

- **a lock** (``flock`` on the published folder itself, no lock file): a
  second build into the same folder fails at once with a message; the kernel
  releases the lock however a build ends. A first build makes the folder empty
  first, so there is something to lock.
- **recovery**: every run first finishes or rolls back an interrupted switch
  and removes what an interrupted run left: staging and old folders, temporary
  files of :func:`timeline.files.write_atomic` in the published folder, and the
  ``timeline-build-*`` staging folders of earlier versions in ``$TMPDIR``.
- **SIGTERM and SIGINT** roll back (the staging folder is removed, the
  published folder never touched) and the build stops promptly with
  :class:`Interrupted`.
- **nothing through a symlink**: the staging folder is new and private, so no
  output is written through a link the published folder holds (a symlinked
  ``feeds/``); files of the old build are read only when they are regular files.
- files the build does not make (a ``CNAME``, ``robots.txt``) are carried over;
  unchanged outputs are carried over as hard links of the published ones, so
  their time stamps (``Last-Modified``) do not move; when nothing at all
  changed, nothing is switched.
- **one flush**: the staging folder's files are not fsynced one by one; the
  file system is flushed once (``syncfs``, :func:`timeline.files.make_durable`)
  after the build and before the switch, so a power cut never publishes a file
  that is not on disk.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from timeline.faults import step
from timeline.files import (
    durable_later,
    forget_early_flush,
    make_durable,
    one_file,
    regular_files,
)

T = TypeVar("T")
RENAME_EXCHANGE = 2
AT_FDCWD = -100
#: Staging folders of versions that built in $TMPDIR, removed when this old.
STALE_SECONDS = 15 * 60


class PublishError(OSError):
    """Publishing could not start (the folder is locked by another build, or unusable)."""


class Interrupted(BaseException):  # noqa: N818 (a signal, not an error of the program)
    """SIGTERM or SIGINT arrived while publishing; the folder was left as it was."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _sibling(out: Path, kind: str) -> Path:
    return out.parent / f".{out.name}.{kind}"


def publish(out: str | Path, render: Callable[[Path, Path], T], *, trash: Path | None = None) -> T:
    """Render into a fresh staging folder, then switch it with ``out`` atomically.

    ``render(staging, published)`` writes the whole new build into ``staging``;
    ``published`` is the current folder (it may not exist), to read the previous
    build from. Whatever goes wrong before the switch (an error, SIGTERM,
    SIGINT, SIGKILL) leaves ``out`` exactly as it was.

    ``trash``: a folder of the build's own (in its cache folder, on the same file
    system) into which the old build, once switched out (or the staging folder of
    a build that changed nothing), is moved and then removed by a process of its
    own after this one returns (:func:`_remove_later`); what an interrupted removal
    left there is removed by the next run. None, or on another file system: removed
    here, before returning.
    """
    out = Path(out)
    if out.is_symlink():
        out = out.resolve()  # publish where the link leads; the link keeps working
    out = out.absolute()
    if out.exists() and not out.is_dir():
        raise PublishError(errno.ENOTDIR, "not a folder", str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    made = not out.exists()
    switched = done = False
    with _lock(out), _signals_roll_back():
        recover(out, trash)
        staging = _sibling(out, f"staging-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            step("make staging folder")
            staging.mkdir()
            try:
                with durable_later(staging):  # one flush below, not an fsync per file
                    result = render(staging, out)
                if _carry_over(out, staging) and out.is_dir():
                    done = True
                    return result  # nothing changed: nothing to switch
                make_durable(staging)  # every file on disk before the switch names it
            except OSError as error:
                raise _as_published(error, staging, out) from None
            with _signals_deferred():  # once begun, the switch is not half done
                _switch(staging, out)
                switched = True
            return result
        finally:
            with _signals_deferred():
                _join_writers()
                forget_early_flush(staging)
                later = (done or switched and not made) and trash is not None
                if not (later and _remove_later(staging, out, trash)):
                    _remove_tree(staging)
                _sibling(out, "journal").unlink(missing_ok=True)
                if made and not switched:
                    with contextlib.suppress(OSError):
                        out.rmdir()  # the empty folder made to lock a first build


# --- the switch ----------------------------------------------------------------------


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False when not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _switch(staging: Path, out: Path) -> None:
    """Make ``staging`` the published ``out``; afterwards ``staging`` holds the old build."""
    step("exchange staging and the published folder")
    if _exchange(staging, out):
        _sync(out.parent)
        return
    old = _sibling(out, f"old-{os.getpid()}-{secrets.token_hex(4)}")
    _write_journal(out, {"staging": staging.name, "old": old.name})
    step("rename the published folder aside")
    os.rename(out, old)
    step("rename staging to the published folder")
    os.rename(staging, out)
    os.rename(old, staging)  # the old build goes where the caller removes it
    _sync(out.parent)


def _write_journal(out: Path, entry: dict) -> None:
    from timeline.files import write_atomic

    write_atomic(_sibling(out, "journal"), json.dumps(entry))
    _sync(out.parent)


def _sync(folder: Path) -> None:
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


# --- recovery ------------------------------------------------------------------------


def recover(out: Path, trash: Path | None = None) -> list[Path]:
    """Finish or roll back an interrupted switch, then remove what interrupted runs left.

    Returns what was removed. Call with the lock held. Old builds an interrupted run
    left in ``trash`` (:func:`publish`) are handed to a remover of their own
    (:func:`_remove_later`), not removed here, nor returned.
    """
    journal = _sibling(out, "journal")
    if journal.is_file():
        try:
            entry = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entry = {}
        staging = out.parent / str(entry.get("staging", ""))
        old = out.parent / str(entry.get("old", ""))
        if not out.exists() and entry.get("staging") and staging.is_dir():
            os.rename(staging, out)  # the new build was complete: finish the switch
        elif not out.exists() and entry.get("old") and old.is_dir():
            os.rename(old, out)  # roll back
        journal.unlink(missing_ok=True)
    removed: list[Path] = []
    for pattern in (f".{out.name}.staging-*", f".{out.name}.old-*"):
        for leftover in out.parent.glob(_glob_escape(pattern)):
            _remove_tree(leftover)
            removed.append(leftover)
    if out.is_dir() and not out.is_symlink():
        for temporary in _temporaries(out):
            temporary.unlink(missing_ok=True)
            removed.append(temporary)
    removed += _stale_scratch()
    if trash is not None:
        with contextlib.suppress(OSError):
            if left := sorted(trash.iterdir()):
                _spawn_remover(left)
    return removed


def _glob_escape(pattern: str) -> str:
    head, _, tail = pattern.rpartition("*")
    escaped = "".join(f"[{c}]" if c in "*?[" else c for c in head)
    return escaped + "*" + tail


def _temporaries(folder: Path) -> Iterator[Path]:
    """``write_atomic``'s temporary files (``.name.random.tmp``), never through a link."""
    for root, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not os.path.islink(os.path.join(root, name))]
        for name in files:
            if name.startswith(".") and name.endswith(".tmp"):
                yield Path(root, name)


def _stale_scratch() -> list[Path]:
    """Staging folders that earlier versions left in $TMPDIR when killed (ours only)."""
    removed = []
    now = time.time()
    scratch = Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for folder in scratch.glob("timeline-build-*"):
            try:
                info = folder.lstat()
            except OSError:
                continue
            if (
                folder.is_dir()
                and not folder.is_symlink()
                and info.st_uid == os.getuid()
                and now - info.st_mtime > STALE_SECONDS
            ):
                _remove_tree(folder)
                removed.append(folder)
    return removed


#: Threads removing a folder's files (:func:`_remove_tree`).
REMOVERS = 8


def _remove_tree(path: Path) -> None:
    """Remove ``path`` (a folder and all it holds, never through a link), ignoring errors.

    A build's folder is some 1,100 files and 200 MB at 10,000 documents: removed one
    file after another, the old build took 0.15 s on a quiet machine and 1–4 s on a
    busy one (each unlink waits on the file system's journal to free its blocks). The
    files are unlinked on :data:`REMOVERS` threads (an unlink lets go of the
    interpreter, and frees its blocks outside the folder's lock): some ten times
    faster on the busy machine. What is left (an error) goes by ``shutil.rmtree``.
    """
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
        return
    if not path.exists():
        return
    step(f"remove {path.name}")
    files: list[str] = []
    folders: list[str] = []
    pending = [str(path)]
    with contextlib.suppress(OSError):
        while pending:
            folder = pending.pop()
            folders.append(folder)
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    else:  # a file, or a link (removed itself, never followed)
                        files.append(entry.path)
        with ThreadPoolExecutor(min(REMOVERS, max(1, len(files) // 16))) as removers:
            list(removers.map(_unlink_quietly, files, chunksize=16))
        for folder in reversed(folders):  # the deepest first
            os.rmdir(folder)
    shutil.rmtree(path, ignore_errors=True)


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


#: The prefix of an old build's name in a publisher's trash folder (:func:`_remove_later`).
OLD_BUILD = "old-"


def _remove_later(folder: Path, out: Path, trash: Path) -> bool:
    """Move ``folder`` into ``trash`` and have it removed by a process of its own that
    outlives this one; False (nothing done) where that cannot be done.

    Removing an old build took 0.25–0.5 s of a +1 % rebuild's wall time at 10,000
    documents (1,400 files unlinked, 0.15 s of CPU), after the switch: moved into
    the trash (one rename, on the same file system), it is removed while the
    command has returned. A kill at any instant leaves the published folder whole:
    the old build is then beside it (removed by :func:`recover`) or in the trash
    (handed to a remover by the next run's :func:`recover`). Not done where the
    trash is inside the published folder or on another file system (a rename
    would copy), or no remover can be started: the caller removes the folder.
    """
    trash = trash.absolute()
    if trash.is_relative_to(out) or trash.is_relative_to(folder):
        return False
    target = trash / f"{OLD_BUILD}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        trash.mkdir(parents=True, exist_ok=True)
        step("move the old build to the trash")
        os.rename(folder, target)
    except OSError:
        return False
    if not _spawn_remover([target]):
        _remove_tree(target)
    return True


def _spawn_remover(folders: list[Path]) -> bool:
    """Start ``rm -rf`` of ``folders`` in a session of its own, not waited for (a shell
    started and waited for starts it in the background: no child of this process is
    left to reap); False when it could not be started."""
    try:
        done = subprocess.run(
            ["sh", "-c", 'rm -rf -- "$@" </dev/null >/dev/null 2>&1 &', "sh", *map(str, folders)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0


# --- what the new build keeps of the old one ---------------------------------------------


def _carry_over(out: Path, staging: Path) -> bool:
    """Other files of the published folder into staging; unchanged outputs as hard links.

    Returns whether both folders now hold the same files, each the very same file
    (nothing changed: nothing to switch), found on the way rather than by comparing
    both trees again. A file the writers left as a link of the published one (a page,
    a feed that did not change) is neither read nor linked again.
    """
    from exports.html import PAGE_FOLDERS
    from exports.ics import FEEDS_FOLDER

    published = regular_files(out)
    staged = regular_files(staging)
    same = published.keys() >= staged.keys()
    for relative, source in published.items():
        if relative.endswith(".tmp") and Path(relative).name.startswith("."):
            same = False  # a leftover the switch drops
            continue
        target = staging / relative
        if relative in staged:
            if one_file(source, staged[relative]):
                continue  # the page writer linked it already (a rename onto it would do nothing)
            if _same_bytes(source, target):
                _link(source, target)
            else:
                same = False
            continue
        if relative.split("/")[0] in (FEEDS_FOLDER, *PAGE_FOLDERS) or relative in (
            "index.html",
            "feeds.html",
            "events.csv",
            "events.parquet",
        ):
            same = False  # the build's own: a feed or page it no longer makes goes away
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        _link(source, target)  # not the build's (a CNAME): kept, the same file on both sides
    return same


def _same_bytes(first: Path, second: Path) -> bool:
    try:
        if first.stat().st_size != second.stat().st_size:
            return False
        return first.read_bytes() == second.read_bytes()
    except OSError:
        return False


def _link(source: Path, target: Path) -> None:
    """``target`` becomes a hard link of ``source`` (a copy across file systems)."""
    with contextlib.suppress(OSError):
        if os.path.samefile(source, target):
            return  # already; and a rename onto a link of the same file does nothing
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        os.link(source, temporary)
    except OSError:
        shutil.copy2(source, temporary)
    step(f"carry over {target.name}")
    os.replace(temporary, target)


#: Threads that write into the staging folder (the page writer's file writers,
#: :class:`exports.site_pages._Output`).
WRITER_THREADS = "site-writer"


def _join_writers(timeout: float = 60.0) -> None:
    """Wait for the threads still writing into the staging folder before it is removed.

    A signal that interrupts the build while it waits for them (SIGTERM raised in
    the main thread in the middle of that wait) leaves them running: each would go
    on writing, and so make again, part of the folder being removed. A thread whose
    ``start()`` the signal interrupted is listed before it runs: it is waited for too.
    """
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread is threading.current_thread() or not thread.name.startswith(WRITER_THREADS):
            continue
        while True:
            try:
                thread.join(max(0.0, deadline - time.monotonic()))
                break
            except RuntimeError:  # its start() was the wait the signal interrupted: not
                if time.monotonic() > deadline:  # running yet, but it will run
                    break
                time.sleep(0.001)


def _as_published(error: OSError, staging: Path, out: Path) -> OSError:
    """An error about a staged file, naming the file it would have been in ``out``."""
    name = error.filename
    if isinstance(name, str) and Path(name).is_relative_to(staging):
        name = str(out / Path(name).relative_to(staging))
    return type(error)(error.errno, error.strerror or str(error), name)


# --- lock and signals ----------------------------------------------------------------


@contextlib.contextmanager
def _lock(out: Path) -> Iterator[None]:
    """An exclusive ``flock`` on the published folder itself; fail at once when held.

    No lock file is left anywhere. The folder is made (empty) when missing, so
    there is always something to lock; after locking, the path must still be
    the folder locked (a build that just switched gives a new folder: lock again).
    """
    for _ in range(20):
        with contextlib.suppress(FileExistsError):
            out.mkdir()
        handle = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise PublishError(
                errno.EBUSY,
                "another build is publishing into this folder; it was left to finish,"
                " try again when it has",
                str(out),
            ) from None
        try:
            if os.stat(out).st_ino != os.fstat(handle).st_ino:
                continue  # switched under us: lock the folder that is published now
            yield
            return
        finally:
            os.close(handle)  # releases the lock
    raise PublishError(errno.EBUSY, "the folder keeps changing under this build", str(out))


_deferred = False
_pending: list[int] = []


def _raise(signum: int, frame) -> None:
    if _deferred:
        _pending.append(signum)
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def _signals_roll_back() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`Interrupted` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _pending.clear()  # arrived once the switch was made: the build is whole, let it end


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Clean-up runs to its end; a signal arriving meanwhile is raised afterwards."""
    global _deferred
    _deferred = True
    try:
        yield
    finally:
        _deferred = False


__all__ = ["Interrupted", "PublishError", "publish", "recover"]
