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
with the recorded bytes. A hand-edited, missing or extra-linked file, a damaged
or absent state: the site is rendered again, as without the shortcut. The feeds'
time stamps need no key: for an unchanged table they are the published ones.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from exports.fragments import code_version  # the code's part of the key
from exports.ics import Feed
from exports.row_keys import table_digest
from timeline.files import file_digest, write_atomic

STATE = ".build-state.json"
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
    found = {}
    for root, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not os.path.islink(os.path.join(root, name))]
        for name in names:
            path = Path(root, name)
            relative = path.relative_to(folder).as_posix()
            if relative != STATE and not path.is_symlink() and path.is_file():
                found[relative] = path
    return found


def record(staging: Path, key: str, feeds: list[Feed]) -> None:
    """Write the state of the build just rendered into ``staging``."""
    files = {relative: file_digest(path) for relative, path in sorted(_files(staging).items())}
    state = {"format": FORMAT, "key": key, "files": files, "feeds": [asdict(f) for f in feeds]}
    write_atomic(staging / STATE, json.dumps(state, ensure_ascii=False, indent=0).encode())


def reuse(published: Path, staging: Path, key: str) -> list[Feed] | None:
    """The published build's feeds, its files linked into ``staging``, when its key is ``key``.

    None (and ``staging`` untouched) when the published folder is not that build
    exactly: no state, another key, or a file missing or changed.
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
        for relative, digest in files.items():
            path = present.get(relative)
            if path is None or file_digest(path) != digest:
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


__all__ = ["STATE", "build_key", "code_version", "record", "reuse", "table_fingerprint"]
