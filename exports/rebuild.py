"""The rebuild shortcut: a site whose inputs did not change is not rendered again.

Everything :func:`exports.site.build_site` writes is a function of the event
table, the build's options and the code of the exporters. Each build records,
in ``.build-state.json`` at the top of the published folder, a key made of
those three (:func:`build_key`) and the digest of every file it wrote (SHA-256
cut to 128 bits, as the writers found it while writing: nothing is read back). The
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from exports.fragments import code_version  # the code's part of the key
from exports.ics import Feed
from exports.page_pieces import DIGEST_CHARS
from exports.row_keys import table_digest
from timeline.files import durable_later, file_digest, regular_files, write_atomic

STATE = ".build-state.json"
#: Threads hashing the files a build wrote (:func:`record`).
HASHERS = 4
#: Bumped when the state's layout changes (2: digests cut to :data:`DIGEST_CHARS`).
FORMAT = "2"


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
) -> None:
    """Write the state of the build just rendered into ``staging``.

    Each file's digest (SHA-256 cut to 128 bits, :data:`DIGEST_CHARS`) is hashed
    again only when not known already: ``known`` gives those the writers found as
    they wrote (relative path: SHA-256, cut here); ``digests`` is a file (in the
    cache folder, never in the published one: the state's bytes stay those of a
    fresh build) of the digests the last build recorded, by the file's signature
    (device, inode, size, modification time): a file still the very file recorded
    then (a page or feed linked from the published folder, not written again)
    keeps its digest. A +1 % rebuild thus reads back none of its 200 MB of site.
    None: every file is hashed.
    """
    known = {relative: digest[:DIGEST_CHARS] for relative, digest in (known or {}).items()}
    before = _read_digests(digests)
    found = sorted(_files(staging).items())
    signatures = {relative: _signature(path) for relative, path in found}
    files = {
        relative: known.get(relative) or before.get(signatures[relative]) for relative, _ in found
    }
    unknown = [(relative, path) for relative, path in found if not files[relative]]
    if unknown:  # hashlib and reading let go of the interpreter: hashed on every core
        with ThreadPoolExecutor(min(HASHERS, len(unknown))) as hashers:
            hashed = hashers.map(_digest, [path for _, path in unknown])
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


def _digest(path: Path) -> str:
    """The digest the state records of the file at ``path``."""
    return file_digest(path)[:DIGEST_CHARS]


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
    status = path.stat()
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
    return {str(k): v for k, v in found.items() if isinstance(v, str) and len(v) == DIGEST_CHARS}


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
            if (_signature(path), digest) not in known and _digest(path) != digest:
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
    "build_key",
    "code_version",
    "digests_file",
    "record",
    "reuse",
    "table_fingerprint",
]
