"""What every reader shares: the :class:`Document`, its error, the size limit and
the checked reading of a file's bytes."""

from __future__ import annotations

import errno
import logging
import re
import stat
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


#: Suffixes of plain-text documents.
TEXT_SUFFIXES = (".txt", ".md")

#: Suffix (lower case) → :attr:`Document.format`.
FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}

#: Suffixes of the files a folder argument expands to (compared case-insensitively).
DOCUMENT_SUFFIXES = tuple(FORMATS)

#: The user's manifest (see :mod:`timeline.manifest`): never a document itself.
MANIFEST_NAME = "documents.csv"


class DocumentError(Exception):
    """A document that cannot be read or decoded; the message names the file."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Document:
    """One document: its text and what the file itself says about it.

    ``text`` is what date spans index (``text[start:end] == date_text``): the
    decoded file for plain text, the main text of a web page (no navigation,
    related-news lists or footers), the paragraphs and table cells of a Word
    file, the text layer of a PDF. ``published`` comes from the file itself
    (``published_source`` says where: ``html-meta``, ``html-line`` for the
    visible date line of a page without date markup, ``docx-core`` or
    ``pdf-info``); a date line inside ``text`` is the resolver's business.
    """

    path: Path
    name: str
    text: str
    title: str | None = None
    published: date | None = None
    published_source: str | None = None
    url: str | None = None
    format: str = "txt"
    encoding: str | None = None
    #: What had to be given up to read the file at all (a character cut off at
    #: the end, a page too deeply nested for the HTML parser): the document is
    #: used, but the run must not pass silently. Messages without the file name.
    repairs: tuple[str, ...] = ()


#: The default size limit per document, in bytes (``--max-document-mb 20``). A
#: real association document is a few hundred kilobytes; one of tens of
#: megabytes is a database dump or a mistake, and reading it would hold the run
#: for minutes (about a second per megabyte) and its memory.
DEFAULT_MAX_BYTES = 20 * 2**20


def megabytes(size: int) -> str:
    """A size in MB (2**20 bytes), as the ``--max-document-mb`` option counts them.

    >>> megabytes(50 * 2**20), megabytes(1536 * 1024)
    ('50 MB', '1.5 MB')
    """
    return f"{size / 2**20:.2f}".rstrip("0").rstrip(".") + " MB"


def _read_bytes(path: Path, max_bytes: int | None = None, *, allow_empty: bool = False) -> bytes:
    """The bytes of a regular file, or a :class:`DocumentError` saying why not.

    The file type is checked before opening: reading a FIFO named ``x.txt``
    would block forever. The size is checked before reading, and again while
    reading (a file may grow in between), so an oversized file is never held
    in memory. An empty file is an error: it is nearly always a failed download
    or copy, and its events would silently go missing.
    """
    try:
        status = path.stat()
    except FileNotFoundError as error:
        if path.is_symlink():
            raise DocumentError(path, "broken symbolic link (its target does not exist)") from error
        raise DocumentError(path, "no such file") from error
    except PermissionError as error:
        raise DocumentError(path, "permission denied") from error
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise DocumentError(
                path, "symbolic link loop (the link leads back to itself)"
            ) from error
        raise DocumentError(path, f"cannot read the file ({error.strerror or error})") from error
    if stat.S_ISDIR(status.st_mode):
        raise DocumentError(path, "is a folder, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise DocumentError(path, "not a regular file (a device, pipe or socket)")
    if max_bytes is not None and status.st_size > max_bytes:
        raise _too_large(path, status.st_size, max_bytes)
    try:
        with path.open("rb") as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except PermissionError as error:
        raise DocumentError(path, "permission denied") from error
    except OSError as error:
        raise DocumentError(path, f"cannot read the file ({error.strerror or error})") from error
    if max_bytes is not None and len(data) > max_bytes:
        raise _too_large(path, len(data), max_bytes)
    if not data and not allow_empty:
        raise DocumentError(path, "the file is empty (0 bytes)")
    return data


def _too_large(path: Path, size: int, max_bytes: int) -> DocumentError:
    return DocumentError(
        path,
        f"too large: {megabytes(size)}, over the limit"
        f" of {megabytes(max_bytes)} per document (raise it with --max-document-mb)",
    )


def _sniff_format(data: bytes) -> str:
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    if re.match(rb"(?i)(\xef\xbb\xbf)?\s*<(!doctype html|html|head|body|meta)\b", head):
        return "html"
    return "txt"


def _quiet(*loggers: str) -> None:
    """Keep parsers' log records off standard error unless logging is set up.

    pypdf, trafilatura and htmldate log what they repair ("EOF marker not
    found"); without a handler Python prints those on standard error, which the
    command line keeps for its own messages naming the file. The records still
    reach any handler the application configures.
    """
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            logger.addHandler(logging.NullHandler())


def _describe(error: BaseException) -> str:
    """A library exception in a few words: its type and message."""
    message = str(error).strip()
    name = type(error).__name__
    return f"{name}: {message}" if message else name


def _from_metadata(
    path: Path, kind: str, text: str, title: str | None, stamp: Any, source: str
) -> Document:
    """A Word or PDF document: title and publication date from the file's own metadata."""
    published = _plausible_date(stamp)
    return Document(
        path=path,
        name=path.name,
        text=text,
        title=title or _first_line_title(text),
        published=published,
        published_source=source if published else None,
        format=kind,
    )


def _plausible_date(stamp: datetime | None) -> date | None:
    """The day of a file's timestamp; None for none or a placeholder before 1980."""
    if stamp is None or stamp.year < 1980:
        return None
    return stamp.date()


def _first_line_title(text: str, *, markdown: bool = False) -> str | None:
    """The first non-empty line, without Markdown's ``#`` heading marks."""
    for line in text.splitlines():
        line = line.strip()
        if markdown:
            line = re.sub(r"^#{1,6}\s*|\s+#+$", "", line).strip()
        if line:
            return line
    return None
