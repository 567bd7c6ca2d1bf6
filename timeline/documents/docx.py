"""Word files: paragraphs and table cells, title and date from core properties."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from timeline.documents.base import Document, DocumentError, _describe, _from_metadata, _quiet

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- #
# Word files                                                                   #
# --------------------------------------------------------------------------- #


def _load_docx(path: Path, data: bytes, kind: str) -> Document:
    """A Word file: paragraphs and table cells in order, core properties.

    The publication date is the file's creation date (its modification date
    when it has none), as stored: Word stores UTC, so a file created before
    8 a.m. in China carries the previous day.
    """
    import docx

    _quiet("docx")

    try:
        word = docx.Document(io.BytesIO(data))
        paragraphs = [line for line in _docx_paragraphs(word) if line.strip()]
        core = word.core_properties
        title = (core.title or "").strip() or None
        stamp = core.created or core.modified
    except Exception as error:  # python-docx, zipfile and lxml raise many kinds
        raise DocumentError(
            path, f"damaged or not a Word .docx file ({_describe(error)})"
        ) from error
    text = "\n".join(paragraphs)
    if not text.strip():
        raise DocumentError(path, "no text in the Word file (only images?)")
    return _from_metadata(path, kind, text, title, stamp, "docx-core")


def _docx_paragraphs(container: Any) -> Iterator[str]:
    """Paragraph texts in document order; a table gives its cells' paragraphs.

    A merged cell appears once, however many grid columns or rows it spans.
    """
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            seen: set[Any] = set()
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc in seen:
                        continue
                    seen.add(cell._tc)
                    yield from _docx_paragraphs(cell)
        else:
            yield block.text
