"""Command-line PATH arguments: which files a folder stands for."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from timeline.documents.base import DOCUMENT_SUFFIXES, MANIFEST_NAME

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- #
# Command-line PATH arguments                                                  #
# --------------------------------------------------------------------------- #


def resolved(path: str | Path) -> Path:
    """``path`` made absolute with its links followed, as far as they lead.

    ``Path.resolve`` raises on a symbolic link loop (RuntimeError before Python
    3.13, OSError after); a loop is then reported when the file is read, so
    here it only needs a stable key: the absolute path, links not followed.
    """
    path = Path(path)
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def is_document_name(name: str) -> bool:
    """Whether a folder's file of this name is a document to read.

    Hidden files, Office lock files (``~$报告.docx``) and the manifest are not.

    >>> [is_document_name(n) for n in ["a.PDF", "b.htm", ".c.txt", "~$d.docx", "e.csv"]]
    [True, True, False, False, False]
    """
    # os.path.splitext gives Path.suffix for every name not starting with a dot,
    # without a path object per file (hidden names are refused anyway)
    return (
        not name.startswith((".", "~$"))
        and os.path.splitext(name)[1].lower() in DOCUMENT_SUFFIXES
        and name != MANIFEST_NAME
    )


def expand_paths(paths: Iterable[str | Path], plain: dict[str, Path] | None = None) -> list[Path]:
    """The documents named by command-line PATH arguments.

    A folder stands for its documents (:data:`DOCUMENT_SUFFIXES`, any case),
    searched recursively and sorted by path; hidden files and folders, Office
    lock files and the manifest ``documents.csv`` are skipped. Symbolic links to
    folders are followed, but a folder already visited (a link loop, or two
    links to one folder) is not entered again. A file stands for itself
    whatever its suffix. A path that does not exist is kept, and so is a pipe,
    socket or broken link named like a document, so that reading it reports the
    error with its name instead of the file silently disappearing.
    Duplicates are dropped, first occurrence kept.

    ``plain``: given, it receives the text (and the path returned) of every
    document found in a folder that its folder's listing shows as a regular
    file, not a link (what ``os.scandir`` tells without a system call per file):
    a build's :class:`timeline.manifest.Resolver` then neither asks those whether
    they are links nor whether they are files.
    """
    found: list[Path] = []
    for argument in paths:
        path = Path(argument)
        if path.is_dir():
            found.extend(sorted(_documents_in(path, plain)))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _documents_in(folder: Path, plain: dict[str, Path] | None = None) -> Iterator[Path]:
    """The documents under ``folder``, as ``os.walk(folder, followlinks=True)`` visits it
    (a folder's entries first, then its folders in order, depth first; a folder that
    cannot be listed is skipped), from each folder's ``os.scandir`` entries."""
    visited: set[Path] = set()
    pending = [os.fspath(folder)]
    while pending:
        root = pending.pop()
        try:
            with os.scandir(root) as listing:
                entries = list(listing)
        except OSError:
            continue
        here = Path(root)
        real = resolved(here)
        if real in visited:
            continue
        visited.add(real)
        folders = []
        for entry in sorted(entries, key=_name):
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if is_folder:
                if not entry.name.startswith("."):
                    folders.append(entry.name)
                continue
            # Every entry that is not a folder: a pipe, socket or broken link named
            # like a document is yielded too, so that reading it reports it.
            if is_document_name(entry.name):
                path = here / entry.name
                if plain is not None and entry.is_file(follow_symlinks=False):
                    plain[os.fspath(path)] = path
                yield path
        pending.extend(os.path.join(root, name) for name in reversed(folders))


def _name(entry: os.DirEntry) -> str:
    return entry.name
