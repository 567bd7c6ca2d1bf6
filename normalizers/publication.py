"""Find a document's publication date in its own header (placeholder, being written)."""

from __future__ import annotations

from datetime import date


def detect_publication_date(text: str) -> date | None:
    return None
