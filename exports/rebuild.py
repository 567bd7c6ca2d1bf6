"""The rebuild shortcut: a site whose inputs did not change is not rendered again.

Everything :func:`exports.site.build_site` writes is a function of the event
table, the build's options and the code of the exporters. Each build records,
in ``.build-state.json`` at the top of the published folder, a key made of
those three (:func:`build_key`) and the SHA-256 of every file it wrote. The
next build with the same key does not render the feeds, the page or the table
files: it links the published files into its staging folder, so that
:mod:`exports.publish` finds nothing changed and switches nothing.

Never stale: the key holds a fingerprint of every cell of the table (every
row's key, :mod:`exports.row_keys`, with the columns, their types and the row
count), every option, and a hash of every file of ``exports/`` and
``timeline/`` (code, templates, tables); and the shortcut is taken only when
every file the state names is still in the published folder, a regular file
with the recorded bytes (a file still the very file the last build hashed, by
its device, inode, size and modification time, kept in the cache folder, is not
read again: :func:`digests_file`). A hand-edited, missing or extra-linked file, a damaged
or absent state: the site is rendered again, as without the shortcut. The feeds'
time stamps need no key: for an unchanged table they are the published ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from exports.fragments import code_version  # the code's part of the key
from exports.ics import Feed
from exports.row_keys import table_digest
from timeline.files import (
    digest_started,
    durable_later,
    file_digest,
    regular_files,
    write_atomic,
)

STATE = ".build-state.json"
#: Threads hashing the files a build wrote (:func:`record`).
HASHERS = 4
#: Bumped when the state's layout changes.
FORMAT = "1"


def table_fingerprint(table: pd.DataFrame) -> str:
    """A SHA-256 of ``table``: its columns, their types, its length and every row's key
    (:func:`exports.row_keys.table_digest`: the keys the fragments and the page use too,
    made once per build)."""
    return table_digest(table)


def build_key(table: pd.DataFrame, options: dict) -> str:
    """The key of a build: the table, the options and the code."""
    material = json.dumps(
        [FORMAT, code_version(), table_fingerprint(table), options],
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _files(folder: Path) -> dict[str, Path]:
    """Regular files under ``folder`` by relative path, the state left out; links never followed."""
    found = regular_files(folder)
    found.pop(STATE, None)
    return found


def record(
    staging: Path,
    key: str,
    feeds: list[Feed],
    known: dict[str, str] | None = None,
    digests: Path | None = None,
    early: EarlyDigests | None = None,
) -> None:
    """Write the state of the build just rendered into ``staging``.

    Each file's SHA-256 is hashed again only when not known already: ``known``
    gives those a writer made as it wrote (relative path: digest); ``digests`` is
    a file (in the cache folder, never in the published one: the state's bytes
    stay those of a fresh build) of the digests the last build hashed, by the
    file's signature (device, inode, size, modification time): a file still the
    very file hashed then (a page or feed linked from the published folder, not
    written again) keeps its digest. A +1 % rebuild thus hashes what it wrote,
    not the 200 MB of its whole site. None: every file is hashed. ``early``: what
    :class:`EarlyDigests` hashed while the writers wrote (it read ``digests`` already).
    """
    known = known or {}
    before = _read_digests(digests) if early is None else {**early.known, **early.found}
    found = sorted(_files(staging).items())
    signatures = {relative: _signature(path) for relative, path in found}
    files = {
        relative: known.get(relative) or before.get(signatures[relative]) for relative, _ in found
    }
    unknown = [(relative, path) for relative, path in found if not files[relative]]
    # hashlib and reading let go of the interpreter: the files are hashed on every core
    with ThreadPoolExecutor(min(HASHERS, max(len(unknown), 1))) as hashers:
        hashed = hashers.map(file_digest, [path for _, path in unknown])
        files.update(
            (relative, digest) for (relative, _), digest in zip(unknown, hashed, strict=True)
        )
    after = {signatures[relative]: digest for relative, digest in files.items()}
    state = {"format": FORMAT, "key": key, "files": files, "feeds": [asdict(f) for f in feeds]}
    write_atomic(staging / STATE, json.dumps(state, ensure_ascii=False, indent=0).encode())
    if digests is not None:
        # only a saving for the next build: no fsync of its own (it would wait on the
        # file system's journal behind the build's files), the flush before the switch
        # takes it along on the same file system; lost to a power cut, it costs hashing
        with contextlib.suppress(OSError), durable_later(digests.parent):
            write_atomic(digests, json.dumps(after, separators=(",", ":")).encode())


class EarlyDigests:
    """The digests of the files a build's writers wrote, hashed while they still write.

    The build's own process only waits while the forked page writer writes (on a
    +1 % rebuild of 10,000 documents some 1,300 files, 190 MB): :meth:`catch_up`,
    called as it waits (:meth:`exports.site_writers.Writers.wait`), hashes the
    files that reached their name since the last call, so that :func:`record`,
    after the writers, has little or nothing left to hash. A file at its name is
    whole (every writer writes a temporary file, renamed); each digest is kept by
    the file's signature (device, inode, size, modification time), as
    :func:`record` keeps them between builds, so a file replaced or changed after
    it was hashed is hashed again there. Files the last build hashed (linked from
    the published folder) and ``skip`` (files their writer hashes) are left out.
    """

    #: Seconds between two walks of the staging folder.
    EVERY = 0.2
    #: Seconds a folder's modification time must lie before a walk for the folder to be
    #: skipped later while that time stays: a file system keeps times in ticks (a few
    #: milliseconds, a second or two on some), and an entry renamed in the tick of
    #: the walk would leave the time as the walk read it.
    SETTLED = 1.0

    def __init__(self, staging: Path, digests: Path | None, skip: Collection[str] = ()) -> None:
        self.staging = staging
        self.known = _read_digests(digests)
        self.skip = set(skip)
        self.found: dict[str, str] = {}  # signature: digest, hashed by this build
        self.done: set[str] = set()  # relative paths hashed, or known
        self.pending: list[tuple[str, Path]] = []
        self.walked = 0.0
        #: Each folder read (relative, "" the top, else ending in "/"): its modification
        #: time when read, if it lay :data:`SETTLED` before (else None), and its
        #: subfolders (relative, path).
        self.folders: dict[str, tuple[int | None, list[tuple[str, str]]]] = {}

    def catch_up(self, seconds: float = 0.05) -> bool:
        """Hash files written since the last call, for about ``seconds`` at most; True
        when files found are left to hash (call again)."""
        started = time.perf_counter()
        if not self.pending and started - self.walked >= self.EVERY:
            self.walked = started
            self._walk()
        while self.pending and time.perf_counter() - started < seconds:
            relative, path = self.pending.pop()
            try:
                signature = _signature(path)
                if signature not in self.known:
                    # new bytes: hashed, and the disk takes them while we wait
                    hashed = digest_started(path)
                    if hashed is not None and _signature_of(hashed[0]) == signature:
                        self.found[signature] = hashed[1]  # the file stat'ed, unchanged
            except OSError:  # gone or replaced: record() sees to it
                continue
            self.done.add(relative)
        return bool(self.pending)

    def _walk(self) -> None:
        """Queue the files that reached their name since the last walk.

        The page writer's wait is walked every :data:`EVERY` seconds (some 40 walks
        of 1,400 files at 10,000 documents, 10 ms each): a folder whose
        modification time is the one it had when last read (and lay
        :data:`SETTLED` before) has no entry added, renamed or removed since, and
        is not read again (its subfolders are visited). Only a saving: a file
        missed here is hashed by :func:`record`.
        Left out: files not yet at their name (``.tmp``), writers' scratch (hidden
        folders), the state, ``skip``, and files hashed already.
        """
        folders = [("", str(self.staging))]
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
                            and relative != STATE
                            and not relative.endswith(".tmp")
                        ):
                            self.pending.append((relative, Path(entry.path)))
            except OSError:  # a writer removed a folder (its scratch) as it was walked
                continue
            self.folders[prefix] = (kept, inside)
            folders += inside


def digests_file(cache: Path | None, published: Path) -> Path | None:
    """Where :func:`record` keeps the digests of the build published in ``published``."""
    if cache is None:
        return None
    name = hashlib.sha256(str(published.absolute()).encode()).hexdigest()[:24]
    return cache / "digests" / f"{name}.json"


def _signature(path: Path) -> str:
    """What tells a file that has not changed since it was hashed: its device and inode (a
    link of a file hashed before), size and modification time (never its change time,
    which a new link moves)."""
    return _signature_of(path.stat())


def _signature_of(status: os.stat_result) -> str:
    return f"{status.st_dev}:{status.st_ino}:{status.st_size}:{status.st_mtime_ns}"


def _read_digests(path: Path | None) -> dict[str, str]:
    """The digests :func:`record` kept, by signature; empty when none or damaged."""
    if path is None:
        return {}
    try:
        found = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(k): v for k, v in found.items() if isinstance(v, str) and len(v) == 64}


def reuse(
    published: Path, staging: Path, key: str, digests: Path | None = None
) -> list[Feed] | None:
    """The published build's feeds, its files linked into ``staging``, when its key is ``key``.

    None (and ``staging`` untouched) when the published folder is not that build
    exactly: no state, another key, or a file missing or changed. ``digests``: the
    digests :func:`record` kept by signature (:func:`digests_file`): a file still the
    very file hashed then is not read again (the 280 MB of a 10,000-document site).
    """
    state_path = published / STATE
    try:
        if state_path.is_symlink() or published.is_symlink():
            return None
        state = json.loads(state_path.read_text("utf-8"))
        if state.get("format") != FORMAT or state.get("key") != key:
            return None
        files: dict[str, str] = state["files"]
        feeds = [Feed(**feed) for feed in state["feeds"]]
        present = _files(published)
        known = set(_read_digests(digests).items())
        for relative, digest in files.items():
            path = present.get(relative)
            if path is None:
                return None
            if (_signature(path), digest) not in known and file_digest(path) != digest:
                return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    for relative in [*files, STATE]:
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(published / relative, target)
        except OSError:  # another file system: a copy
            write_atomic(target, (published / relative).read_bytes())
    return feeds


__all__ = [
    "STATE",
    "EarlyDigests",
    "build_key",
    "code_version",
    "digests_file",
    "record",
    "reuse",
    "table_fingerprint",
]
