"""The index of a text's sentence ends and future cues (``normalizers.sentences``)
answers as the anchoring's search around one date does, and is used once a text
asks often."""

from __future__ import annotations

import random
from datetime import date

from normalizers import DocumentContext, anchor, normalize
from normalizers.sentences import TenseIndex
from normalizers.tables.relative import FUTURE_CUES

#: Sentence ends, pieces of cues (将 in 即将, 拟 before 于), cues cut by a sentence
#: end, long stretches without an end, dates.
PIECES = [*"。！？!?；;\n，的了将拟于年月日", "将于", "计划", "即将", "预计", "x" * 30, "8月1日"]


def test_the_index_answers_as_the_search_in_the_sentence_bounds() -> None:
    chooser = random.Random(7)
    for _ in range(300):
        text = "".join(chooser.choice(PIECES) for _ in range(chooser.randint(1, 120)))
        index = TenseIndex(text, anchor.SENTENCE_END, FUTURE_CUES, 80)
        for _ in range(30):
            start = chooser.randint(0, len(text))
            end = chooser.randint(start, min(len(text), start + 12))
            assert index.bounds(start, end) == anchor._sentence_bounds(text, start, end)
            assert index.has_cue(start, end) is anchor._speaks_of_future(text, (start, end))


def test_a_text_dense_in_festivals_resolves_as_date_by_date(monkeypatch) -> None:
    """Past the questions the anchorer answers one by one, its index takes over: the
    years of festivals before the narrative's day, with and without a plan's cue."""
    text = "2023年9月1日，" + "春节元宵节中秋节。协会将于春节元宵节中秋节举办，" * 60
    context = DocumentContext(date(2023, 9, 8), "news")
    built = []

    class Counted(TenseIndex):
        def __init__(self, *args) -> None:
            built.append(1)
            super().__init__(*args)

    monkeypatch.setattr(anchor, "TenseIndex", Counted)
    before = anchor._INDEX_TENSES_AFTER
    try:
        indexed = normalize(text, context)
        anchor._INDEX_TENSES_AFTER = 10**9
        searched = normalize(text, context)
    finally:
        anchor._INDEX_TENSES_AFTER = before
    assert built == [1]  # the first text was indexed, the second not
    assert indexed == searched
    assert len({mention.start.year for mention in indexed.mentions}) >= 2
