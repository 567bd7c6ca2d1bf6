"""A document's present: the one place that decides what 今年 or a bare 8月22日 mean.

Every command (``timeline dates``, ``events``, ``evaluate``, ``build``) gets a
document's context from :func:`document_context`, so they can never disagree on
it. In order:

1. the user's manifest (``documents.csv``);
2. the file's own metadata: a web page's date markup, or, for a page without
   one, the visible 发布日期/发布时间 line near its headline even when the
   main-text extractor dropped it (``html-line``); a Word file's core
   properties; a PDF's info;
3. otherwise none: :func:`normalizers.normalize` then looks for a publication
   line in the text itself (发布时间:2023-09-08, a date under the title).
"""

from __future__ import annotations

from normalizers import DocumentContext, Resolution, normalize
from timeline.documents import Document
from timeline.manifest import DocumentMetadata


def document_context(document: Document, metadata: DocumentMetadata | None) -> DocumentContext:
    """The context :func:`normalizers.normalize` resolves ``document`` in."""
    if metadata is not None and metadata.published is not None:
        return DocumentContext(published=metadata.published)
    return DocumentContext(published=document.published)


def resolve(document: Document, metadata: DocumentMetadata | None) -> Resolution:
    """``document``'s date mentions, resolved in its :func:`document_context`."""
    return normalize(document.text, document_context(document, metadata))
