"""Extraction then anchoring (placeholder, being written)."""

from __future__ import annotations

from normalizers.context import DocumentContext
from normalizers.mention import DateMention, Resolution


def normalize(text: str, context: DocumentContext | None = None) -> Resolution:
    return Resolution()


def find_dates(text: str, context: DocumentContext | None = None) -> list[DateMention]:
    return normalize(text, context).mentions
