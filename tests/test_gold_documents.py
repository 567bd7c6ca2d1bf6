"""The sample corpus against its gold annotations, one test per gold row.

Each document is resolved as the product would resolve it: with the publication
date of the corpus manifest (only supplied by the user for 002), otherwise with
whatever the resolver detects in the text, never with the gold's own dates.
"""

from functools import cache
from pathlib import Path

import pytest

from normalizers import DateMention, find_dates
from timeline.dates import context_for
from timeline.documents import read_text
from timeline.evaluation import GoldMention, load_gold, locate_gold
from timeline.manifest import load_manifest

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "corpus"
MANIFEST = load_manifest(CORPUS / "documents.csv")


@cache
def text_of(doc: str) -> str:
    return read_text(CORPUS / doc)


@cache
def event_mentions(doc: str) -> tuple[DateMention, ...]:
    mentions = find_dates(text_of(doc), context_for(CORPUS / doc, MANIFEST))
    return tuple(m for m in mentions if m.kind == "event")


def gold_rows(kind: str) -> list:
    rows = [
        row
        for doc, gold in load_gold(DATA / "gold").items()
        for row in locate_gold(text_of(doc), gold)
        if row.kind == kind
    ]
    return [pytest.param(row, id=f"{row.doc[:3]}-line{row.line}-{row.text}") for row in rows]


def overlapping(row: GoldMention) -> list[DateMention]:
    start, end = row.span
    return [m for m in event_mentions(row.doc) if m.span[0] < end and start < m.span[1]]


def describe(mentions: list[DateMention]) -> str:
    return ", ".join(f"{m.text!r}={m.start}..{m.end} ({m.anchor}, {m.rule})" for m in mentions)


@pytest.mark.parametrize("row", gold_rows("event"))
def test_gold_event_is_found_with_its_value(row: GoldMention) -> None:
    found = overlapping(row)
    assert found, f"{row.text!r} at {row.span} not found; {row.note}"
    assert any(row.accepts(m.start, m.end) for m in found), (
        f"{row.text!r} expected {row.expected}, got {describe(found)}; {row.note}"
    )


@pytest.mark.parametrize("row", gold_rows("negative"))
def test_gold_negative_is_not_an_event(row: GoldMention) -> None:
    found = overlapping(row)
    assert not found, f"{row.text!r} ({row.note}) reported as {describe(found)}"
