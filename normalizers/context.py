"""The document context a text is resolved against.

The *present* of a document is its publication date (DCT). News is read against
it; a narrative (a biography, an award application) moves its own present along
as it tells its story, so relative words there follow the last mentioned date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

DOCUMENT_TYPES = ("news", "narrative")


def _as_date(value: date | datetime | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


@dataclass(frozen=True, slots=True, init=False)
class DocumentContext:
    """Publication date (optional) and document type (``news`` or ``narrative``).

    >>> DocumentContext(published="2023-09-08").published
    datetime.date(2023, 9, 8)

    ``publication_date`` and ``dct`` are accepted as other names for ``published``.
    """

    published: date | None
    document_type: str

    def __init__(
        self,
        published: date | datetime | str | None = None,
        document_type: str = "news",
        *,
        publication_date: date | datetime | str | None = None,
        dct: date | datetime | str | None = None,
    ) -> None:
        chosen = published if published is not None else publication_date
        chosen = chosen if chosen is not None else dct
        if document_type not in DOCUMENT_TYPES:
            raise ValueError(
                f"document_type must be one of {DOCUMENT_TYPES}, not {document_type!r}"
            )
        object.__setattr__(self, "published", _as_date(chosen))
        object.__setattr__(self, "document_type", document_type)

    @property
    def publication_date(self) -> date | None:
        return self.published

    @property
    def dct(self) -> date | None:
        return self.published
