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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from timeline.documents import DocumentError, read_text

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


def default_manifest(folder: str | Path) -> Path | None:
    """The folder's ``documents.csv`` when there is one."""
    candidate = Path(folder) / MANIFEST_NAME
    return candidate if candidate.is_file() else None


def load_manifest(path: str | Path) -> dict[Path, DocumentMetadata]:
    """Read a manifest into ``{resolved document path: DocumentMetadata}``.

    Every row is checked: the file must exist beside the manifest, appear once,
    and ``published`` must be a real ISO date. The first problem raises
    :class:`ManifestError` naming the manifest and the line of the row (the
    header is line 1).
    """
    path = Path(path)
    try:
        text = read_text(path)
    except DocumentError as error:
        raise ManifestError(str(error)) from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
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
    for row in reader:
        where = f"{path}, line {reader.line_num}"
        if None in row:
            raise ManifestError(f"{where}: more values than columns")
        values = {key: (value or "").strip() for key, value in row.items()}
        if not any(values.values()):
            continue
        name = values["file"]
        if not name:
            raise ManifestError(f"{where}: the 'file' value is empty")
        document = (folder / name).resolve()
        if not document.is_file():
            raise ManifestError(f"{where}: unknown file {name!r} (not found in {folder})")
        if document in documents:
            raise ManifestError(f"{where}: {name!r} is listed twice")
        documents[document] = DocumentMetadata(
            path=document,
            published=_parse_date(values.get("published", ""), where),
            association=values.get("association", ""),
            title=values.get("title", ""),
            url=values.get("url", ""),
        )
    return documents


def _parse_date(value: str, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ManifestError(
            f"{where}: published {value!r} is not a date (expected YYYY-MM-DD)"
        ) from None
