"""The two passes put together: extraction, then anchoring."""

from __future__ import annotations

from normalizers.anchor import Anchorer
from normalizers.context import DocumentContext
from normalizers.extract import extract
from normalizers.mention import DateMention, DateWarning, Resolution
from normalizers.publication import find_publication_line
from normalizers.tables.characters import fold


def normalize(text: str, context: DocumentContext | None = None) -> Resolution:
    """Every date mention in ``text`` with its days, plus warnings for what failed.

    The document's present is ``context.published`` when given, else a
    publication line found in the text itself (发布时间:2023-09-08), else none.
    """
    context = context or DocumentContext()
    published, source = context.published, "context"
    line = find_publication_line(text)
    if published is None:
        published = line[0] if line else None
        source = "text" if published is not None else "none"
    folded = fold(text)
    anchorer = Anchorer(folded, context, published)
    mentions: list[DateMention] = []
    warnings: list[DateWarning] = []
    for partial in extract(folded):
        mention, warning = anchorer.resolve(partial, text)
        if mention is not None:
            mentions.append(mention)
        if warning is not None:
            warnings.append(warning)
    return Resolution(
        mentions=mentions,
        warnings=warnings,
        published=published,
        published_source=source,
        published_span=line[1] if line else None,
    )


def find_dates(text: str, context: DocumentContext | None = None) -> list[DateMention]:
    """The resolved mentions of ``text``; see :func:`normalize` for the warnings too."""
    return normalize(text, context).mentions
