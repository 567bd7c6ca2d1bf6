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
    return (
        Path(name).suffix.lower() in DOCUMENT_SUFFIXES
        and not name.startswith((".", "~$"))
        and name != MANIFEST_NAME
    )


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
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
    """
    found: list[Path] = []
    for argument in paths:
        path = Path(argument)
        if path.is_dir():
            found.extend(sorted(_documents_in(path)))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _documents_in(folder: Path) -> Iterator[Path]:
    visited: set[Path] = set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        here = Path(root)
        real = resolved(here)
        if real in visited:
            dirs[:] = []
            continue
        visited.add(real)
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        # Every entry that is not a folder: a pipe, socket or broken link named
        # like a document is yielded too, so that reading it reports it.
        for name in sorted(files):
            if is_document_name(name):
                yield here / name
