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
import hashlib
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


@dataclass(frozen=True)
class ParsedRows:
    """What a manifest's clean parse leaves for the next build (:func:`load_manifest`).

    A rebuild after adding documents finds the last manifest's text again, with rows
    appended: it takes the rows of that text from here (no CSV read, no path resolved
    per row) and parses only the rest. Kept only when the parse reported nothing and
    every row named a regular file of its folder's listing (the walk's
    :attr:`Resolver.plain`), by the very text the walk gave it; taken only while every
    such text is still in the listing and the folders of the rows still resolve to
    themselves (no link put in their way). A changed, removed or reordered row changes
    the text's digest: the whole manifest is parsed again.
    """

    #: The SHA-256 of the text these rows come from, and its length in characters.
    digest: str
    length: int
    #: The reader's line number at the end of that text (the next row's line - 1).
    lines: int
    #: The folders holding the rows' documents (each resolved to itself when kept).
    folders: tuple[str, ...]
    #: Per row: the document's path text, published (an ordinal, 0 for none),
    #: association, title, url.
    rows: tuple[tuple[str, int, str, str, str], ...]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _taken_rows(
    kept: ParsedRows | None, text: str, resolve: Resolver
) -> dict[Path, DocumentMetadata] | None:
    """The rows ``kept`` holds when ``text`` begins with their text and they still stand
    (see :class:`ParsedRows`), as :func:`load_manifest` would read them; else None."""
    if kept is None or len(text) < kept.length or _digest(text[: kept.length]) != kept.digest:
        return None
    if any(str(resolved(folder)) != folder for folder in kept.folders):
        return None
    plain = resolve.plain
    paths = [plain.get(row[0]) for row in kept.rows]
    if None in paths:  # a document gone (or no longer a regular file): parse it all
        return None
    return {
        path: DocumentMetadata(path, date.fromordinal(day) if day else None, *values)
        for path, (_, day, *values) in zip(paths, kept.rows, strict=True)
    }


def _parsed_rows(
    text: str,
    lines: int,
    documents: dict[Path, DocumentMetadata],
    resolve: Resolver,
    start: int = 0,
) -> ParsedRows | None:
    """What :func:`_taken_rows` can take next time, or None when the rows do not allow it:
    not when the text ends inside a quoted field (a quote opened and never closed, which
    the reader takes to the end of the text), since rows appended after it would be
    read as part of that field, not as rows of their own. ``start``: where the text
    read now begins (the end of the rows taken, which ended a record)."""
    if not text.endswith("\n") or not _ends_a_record(text[start:]):
        return None
    plain = resolve.plain
    rows = []
    for path, entry in documents.items():
        name = os.fspath(path)
        if plain.get(name) is not path:  # not the walk's own path for it: not kept
            return None
        day = entry.published.toordinal() if entry.published else 0
        rows.append((name, day, entry.association, entry.title, entry.url))
    folders = tuple(sorted({os.path.dirname(row[0]) for row in rows}))
    return ParsedRows(_digest(text), len(text), lines, folders, tuple(rows))


def _ends_a_record(text: str) -> bool:
    """Whether ``text`` ends where a CSV record may begin: a strict reader (which, unlike
    the manifest's, refuses a quoted field left open at the end) reads it all."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), strict=True):
            pass
    except csv.Error:
        return False
    return True


def default_manifest(folder: str | Path) -> Path | None:
    """The folder's ``documents.csv`` when there is one."""
    candidate = Path(folder) / MANIFEST_NAME
    return candidate if candidate.is_file() else None


def load_manifest(
    path: str | Path,
    problems: list[str] | None = None,
    resolver: Resolver | None = None,
    parsed: dict[str, ParsedRows] | None = None,
) -> dict[Path, DocumentMetadata]:
    r"""Read a manifest into ``{resolved document path: DocumentMetadata}``.

    Every row is checked: the file must exist beside the manifest, appear once,
    have no more values than there are columns, and ``published`` must be a
    real ISO date. A bad row is named by the manifest and its line (the header
    is line 1). With a ``problems`` list, every bad row is appended to it and
    left out, and the good rows are returned: one typo must not cost the
    metadata of every other document. Without one, the first bad row raises
    :class:`ManifestError`. ``resolver``: the :class:`Resolver` to use (a build
    shares one with its look-up of each document's row). ``parsed``: what the last
    parses left, by manifest path (:class:`ParsedRows`): rows whose text this one
    begins with are taken from there and only the rest is read; the entry is
    replaced by this parse's (or removed when it cannot be kept).

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
    resolve = resolver or Resolver()
    slot = os.fspath(path)
    kept = parsed.get(slot) if parsed is not None else None
    kept = kept if isinstance(kept, ParsedRows) else None
    taken = _taken_rows(kept, text, resolve)
    lines = 0  # the lines before the reader's first
    documents = {} if taken is None else taken
    if taken is not None:  # only the rows after the kept ones
        assert kept is not None
        reader = csv.DictReader(io.StringIO(text[kept.length :], newline=""), fieldnames=header)
        lines = kept.lines
    clean = True
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # a NUL byte, an unterminated quote at the end ...
            clean = False
            _report(ManifestError(f"{path}, line {lines + reader.line_num}: {error}"), problems)
            break
        try:
            where = f"{path}, line {lines + reader.line_num}"
            entry = _row(row, folder, where, documents, resolve)
        except ManifestError as error:
            clean = False
            _report(error, problems)
            continue
        if entry is not None:
            documents[entry.path] = entry
    unchanged = taken is not None and kept is not None and len(text) == kept.length
    if parsed is not None and not unchanged:
        parsed.pop(slot, None)
        start = kept.length if taken is not None and kept is not None else 0
        found = (
            _parsed_rows(text, lines + reader.line_num, documents, resolve, start)
            if clean
            else None
        )
        if found is not None:
            parsed[slot] = found
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
