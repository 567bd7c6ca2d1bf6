"""The resolved date mentions of a set of documents: what ``timeline dates`` prints.

Each document is read (:mod:`timeline.documents`), given its present by
:func:`timeline.present.document_context` (the one function every command uses)
and resolved. A document
that cannot be read is reported and the others go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from normalizers import DateMention, DateWarning, DocumentContext, Resolution
from timeline.documents import DEFAULT_MAX_BYTES, DocumentError, load_document, resolved
from timeline.manifest import (
    DocumentMetadata,
    ParsedRows,
    Resolver,
    default_manifest,
    load_manifest,
)
from timeline.present import document_context, resolve

#: The columns of ``timeline dates``, in order. ``span_start``/``span_end`` index
#: the decoded text of the document, so ``text[span_start:span_end] == date_text``.
#: ``qualifier`` is one of :data:`normalizers.mention.QUALIFIERS` (春节前: before);
#: ``time_start``/``time_end`` are a time of day written with the date (HH:MM), or empty.
DATE_COLUMNS = (
    "doc",
    "span_start",
    "span_end",
    "date_text",
    "start",
    "end",
    "granularity",
    "kind",
    "anchor",
    "rule",
    "qualifier",
    "time_start",
    "time_end",
)

Manifest = dict[Path, DocumentMetadata]


@dataclass(frozen=True)
class DocumentDates:
    """One document's outcome: its resolution, or the error that stopped it."""

    path: Path
    text: str = ""
    resolution: Resolution = field(default_factory=Resolution)
    error: str | None = None
    repairs: tuple[str, ...] = ()  # what was lost reading the file (see Document.repairs)

    @property
    def doc(self) -> str:
        return self.path.name

    @property
    def mentions(self) -> list[DateMention]:
        return self.resolution.mentions

    @property
    def warnings(self) -> list[DateWarning]:
        return self.resolution.warnings


def collect_manifest(
    paths: Iterable[str | Path],
    manifest: str | Path | None = None,
    problems: list[str] | None = None,
    resolver: Resolver | None = None,
    parsed: dict[str, ParsedRows] | None = None,
) -> Manifest:
    """The metadata for PATH arguments (``resolver``, ``parsed``: see :func:`load_manifest`).

    An explicit manifest is used for everything; otherwise each folder argument
    holding a ``documents.csv`` contributes that file. Raises
    :class:`timeline.manifest.ManifestError` for a manifest that cannot be used
    at all; bad rows go to ``problems`` when given (see
    :func:`timeline.manifest.load_manifest`).
    """
    if manifest is not None:
        return load_manifest(manifest, problems, resolver, parsed)
    merged: Manifest = {}
    for argument in paths:
        found = default_manifest(argument) if Path(argument).is_dir() else None
        if found is not None:
            merged.update(load_manifest(found, problems, resolver, parsed))
    return merged


def context_for(path: str | Path, manifest: Manifest | None = None) -> DocumentContext:
    """The context the product knows for the document at ``path``.

    See :func:`timeline.present.document_context`; a file that cannot be read
    has only its manifest date.
    """
    metadata = (manifest or {}).get(resolved(path))
    try:
        document = load_document(path)
    except DocumentError:
        return DocumentContext(published=metadata.published if metadata else None)
    return document_context(document, metadata)


def resolve_document(
    path: str | Path, manifest: Manifest | None = None, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> DocumentDates:
    """Read and resolve one document; errors are returned, not raised.

    ``max_bytes`` is the size limit per document (None: no limit).
    """
    path = Path(path)
    try:
        document = load_document(path, max_bytes)
    except DocumentError as error:
        return DocumentDates(path=path, error=error.reason)
    text = document.text
    try:
        resolution = resolve(document, (manifest or {}).get(resolved(path)))
    except Exception as error:  # a resolver bug must not stop the other documents
        return DocumentDates(
            path=path, text=text, error=f"the resolver failed: {type(error).__name__}: {error}"
        )
    return DocumentDates(path=path, text=text, resolution=resolution, repairs=document.repairs)


def resolve_documents(
    paths: Iterable[str | Path],
    manifest: Manifest | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> Iterator[DocumentDates]:
    """:func:`resolve_document` for each path, in order."""
    for path in paths:
        yield resolve_document(path, manifest, max_bytes)


def mention_row(doc: str, mention: DateMention) -> dict[str, str | int]:
    """One output row (:data:`DATE_COLUMNS`) for a mention; dates in ISO form."""
    return {
        "doc": doc,
        "span_start": mention.span[0],
        "span_end": mention.span[1],
        "date_text": mention.text,
        "start": mention.start.isoformat(),
        "end": mention.end.isoformat(),
        "granularity": mention.granularity,
        "kind": mention.kind,
        "anchor": mention.anchor,
        "rule": mention.rule,
        "qualifier": mention.qualifier,
        "time_start": mention.time_start.strftime("%H:%M") if mention.time_start else "",
        "time_end": mention.time_end.strftime("%H:%M") if mention.time_end else "",
    }
