"""PDF files with a text layer: the text, title and creation date from the info."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from timeline import limits
from timeline.documents.base import Document, DocumentError, _describe, _from_metadata, _quiet

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- #
# PDF                                                                          #
# --------------------------------------------------------------------------- #


def _load_pdf(path: Path, data: bytes, kind: str) -> Document:
    """A PDF's text layer, page after page, and its document information.

    A scanned PDF has pictures of pages and no text: it is an error, since
    reading it needs OCR.
    """
    from pypdf import PdfReader

    _quiet("pypdf")

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, "the PDF is protected by a password")
        limits.check_pages(len(reader.pages))
        pages = [(page.extract_text() or "").rstrip("\n") for page in reader.pages]
    except limits.LimitExceeded as error:
        raise DocumentError(path, str(error)) from None
    except DocumentError:
        raise
    except Exception as error:  # pypdf raises many kinds on damaged files
        raise DocumentError(path, f"damaged or not a PDF file ({_describe(error)})") from error
    text = "\n".join(pages)
    if not text.strip():
        raise DocumentError(
            path, f"no text layer: scanned PDF? ({len(pages)} page(s), no extractable text)"
        )
    title, stamp = _pdf_info(reader)
    return _from_metadata(path, kind, text, title, stamp, "pdf-info")


_PLACEHOLDER_TITLE = re.compile(
    r"(?i)^(microsoft (word|powerpoint) - |untitled\b)|\.(docx?|wps|pdf|txt|pptx?)$"
)


def _pdf_info(reader: Any) -> tuple[str | None, datetime | None]:
    """Title and creation date from the document information, when usable.

    A damaged information dictionary costs the metadata, not the document.
    """
    try:
        info = reader.metadata
    except Exception:
        return None, None
    if info is None:
        return None, None
    try:
        title = (info.title or "").strip()
    except Exception:
        title = ""
    try:
        created = info.creation_date
    except Exception:
        created = None
    if _PLACEHOLDER_TITLE.search(title):
        title = ""
    return title or None, created
