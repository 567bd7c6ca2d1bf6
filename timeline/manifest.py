"""The user's metadata about documents: a CSV manifest beside them.

A manifest is the first source of a document's publication date (its *present*,
see the spec's "Document context"): it wins over anything found in the file.
Columns, only ``file`` required::

    file,published,association,title,url
    002_a982ae3a54d22653.txt,2022-07-13,,,

``file`` is relative to the manifest's folder; ``published`` is an ISO date
(YYYY-MM-DD) or empty. A folder holding a manifest named ``documents.csv`` uses
it by default.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from timeline.documents import DocumentError, read_text, resolved

#: The manifest a folder of documents uses by default.
MANIFEST_NAME = "documents.csv"

#: The columns a manifest may have; ``file`` is required.
COLUMNS = ("file", "published", "association", "title", "url")


class ManifestError(Exception):
    """A manifest that cannot be used; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """What the user told us about one document."""

    path: Path
    published: date | None = None
    association: str = ""
    title: str = ""
    url: str = ""


class Resolver:
    """:func:`timeline.documents.resolved` of many paths, each folder resolved once.

    ``resolved(folder / name)`` follows every link of every component again for
    each document (some five ``lstat`` and many path objects each); a folder's
    documents share their folder, so it is resolved once and only the name is
    asked whether it is a link. A name that is not a link resolves to the
    resolved folder joined with it, exactly what ``resolved`` gives; a link, or
    an odd name (``..``), is given to ``resolved`` itself.
    """

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}
        #: Each path asked, by its text: a build asks for every document twice (its
        #: manifest row, then the document found in its folder), and the second answer
        #: is the first's very ``Path`` (its hash made once), not an ``lstat`` and a
        #: path object again (some 0.15 s at 10,000 documents).
        self._paths: dict[str, Path] = {}
        #: The texts of paths that a folder's listing showed as regular files, not
        #: links (:func:`timeline.documents.expand_paths`), with the walk's path of
        #: each: asked neither whether they are links nor whether they are files, and
        #: one that resolves to itself is answered with that path, not a second one
        #: made from its text (some 0.1 s at 10,000 documents).
        self.plain: dict[str, Path] = {}
        self._files: set[str] = set()

    def __call__(self, path: str | Path) -> Path:
        text = os.fspath(path)
        found = self._paths.get(text)
        if found is None:
            found = self._paths[text] = self._resolved(text)
        return found

    def _resolved(self, text: str) -> Path:
        head, name = os.path.split(text)
        if name in ("", ".", ".."):
            return resolved(text)
        folder = self._folders.get(head)
        if folder is None:
            folder = self._folders[head] = str(resolved(head or "."))
        joined = os.path.join(folder, name)
        walked = self.plain.get(text)
        if walked is not None:  # a regular file in its folder's listing: not a link
            self._files.add(joined)
            return walked if joined == text else Path(joined)
        try:
            link = stat.S_ISLNK(os.lstat(joined).st_mode)
        except OSError:  # absent: resolved leaves the name as it is
            return Path(joined)
        return resolved(joined) if link else Path(joined)

    def is_file(self, path: Path) -> bool:
        """``os.path.isfile(path)``, answered without a system call for a path this
        resolver made from a regular file of a folder's listing."""
        text = os.fspath(path)
        return text in self._files or os.path.isfile(text)


def default_manifest(folder: str | Path) -> Path | None:
    """The folder's ``documents.csv`` when there is one."""
    candidate = Path(folder) / MANIFEST_NAME
    return candidate if candidate.is_file() else None


def load_manifest(
    path: str | Path, problems: list[str] | None = None, resolver: Resolver | None = None
) -> dict[Path, DocumentMetadata]:
    r"""Read a manifest into ``{resolved document path: DocumentMetadata}``.

    Every row is checked: the file must exist beside the manifest, appear once,
    have no more values than there are columns, and ``published`` must be a
    real ISO date. A bad row is named by the manifest and its line (the header
    is line 1). With a ``problems`` list, every bad row is appended to it and
    left out, and the good rows are returned: one typo must not cost the
    metadata of every other document. Without one, the first bad row raises
    :class:`ManifestError`. ``resolver``: the :class:`Resolver` to use (a build
    shares one with its look-up of each document's row).

    The header itself always raises: without a ``file`` column no row means
    anything, and an unknown column is nearly always a misspelt one
    (``publshed``) whose values would otherwise be ignored on *every* row, each
    document silently resolved without the date the user gave it.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("8月22日", encoding="utf-8")
    >>> _ = (folder / "documents.csv").write_text(
    ...     "file,published\na.txt,2023-09-08\nb.txt,2023-02-30\n", encoding="utf-8")
    >>> found: list[str] = []
    >>> [meta.published for meta in load_manifest(folder / "documents.csv", found).values()]
    [datetime.date(2023, 9, 8)]
    >>> len(found), "documents.csv, line 3: unknown file 'b.txt'" in found[0]
    (1, True)
    """
    path = Path(path)
    try:
        text = read_text(path)
    except DocumentError as error:
        raise ManifestError(str(error)) from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise ManifestError(f"{path}, line 1: not a CSV header ({error})") from error
    if "file" not in header:
        raise ManifestError(f"{path}, line 1: the manifest needs a 'file' column")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise ManifestError(
            f"{path}, line 1: unknown column(s) {', '.join(map(repr, unknown))};"
            f" known columns are {', '.join(COLUMNS)}"
        )
    reader.fieldnames = header
    folder = path.parent
    documents: dict[Path, DocumentMetadata] = {}
    resolve = resolver or Resolver()
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # a NUL byte, an unterminated quote at the end ...
            _report(ManifestError(f"{path}, line {reader.line_num}: {error}"), problems)
            break
        try:
            entry = _row(row, folder, f"{path}, line {reader.line_num}", documents, resolve)
        except ManifestError as error:
            _report(error, problems)
            continue
        if entry is not None:
            documents[entry.path] = entry
    return documents


def _report(error: ManifestError, problems: list[str] | None) -> None:
    if problems is None:
        raise error
    problems.append(str(error))


def _row(
    row: dict,
    folder: Path,
    where: str,
    documents: dict[Path, DocumentMetadata],
    resolve: Resolver,
) -> DocumentMetadata | None:
    """One row's metadata, None for a blank row; raises :class:`ManifestError`."""
    if None in row:
        raise ManifestError(f"{where}: more values than columns")
    values = {key: (value or "").strip() for key, value in row.items()}
    if not any(values.values()):
        return None
    name = values["file"]
    if not name:
        raise ManifestError(f"{where}: the 'file' value is empty")
    document = resolve(os.path.join(folder, name))
    if not resolve.is_file(document):
        raise ManifestError(f"{where}: unknown file {name!r} (not found in {folder})")
    if document in documents:
        raise ManifestError(f"{where}: {name!r} is listed twice")
    return DocumentMetadata(
        path=document,
        published=_parse_date(values.get("published", ""), where),
        association=values.get("association", ""),
        title=values.get("title", ""),
        url=values.get("url", ""),
    )


def _parse_date(value: str, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ManifestError(
            f"{where}: published {value!r} is not a date (expected YYYY-MM-DD)"
        ) from None
