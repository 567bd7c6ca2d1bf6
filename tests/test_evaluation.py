"""The scoring definitions of the spec, on small hand-made gold."""

from datetime import date
from pathlib import Path

import pytest

from normalizers import DateMention
from timeline.evaluation import (
    EvaluationError,
    GoldMention,
    find_occurrence,
    load_gold,
    score_document,
)

TEXT = "8月22日开展活动，8月23日至8月24日调研。近年来发展迅速。版权所有©2014。2020年，2020年"


def day(text: str, when: date, end: date | None = None, kind: str = "event") -> DateMention:
    """A predicted mention of the first occurrence of ``text`` in :data:`TEXT`."""
    start = TEXT.index(text)
    return DateMention(text, (start, start + len(text)), when, end or when, "day", kind=kind)


def event(
    text: str, start: date, end: date | None = None, occurrence: int = 1, **alt
) -> GoldMention:
    return GoldMention("doc.txt", text, occurrence, "event", start, end or start, **alt)


AUG22 = event("8月22日", date(2023, 8, 22))
RANGE = event("8月23日至8月24日", date(2023, 8, 23), date(2023, 8, 24))
VAGUE = GoldMention("doc.txt", "近年来", 1, "ignore")
FOOTER = GoldMention("doc.txt", "©2014", 1, "negative")


def test_overlapping_spans_match_even_when_not_identical() -> None:
    partial = DateMention("8月23日", (10, 15), date(2023, 8, 23), date(2023, 8, 23), "day")
    score = score_document("doc.txt", TEXT, [RANGE], [partial])
    assert score.counts.recall == 1.0
    assert score.counts.precision == 1.0
    assert score.counts.value_accuracy == 0.0
    assert [wrong.gold.text for wrong in score.wrong_values] == ["8月23日至8月24日"]


def test_adjacent_spans_do_not_overlap() -> None:
    after = DateMention("开展", (5, 7), date(2023, 8, 22), date(2023, 8, 22), "day")
    score = score_document("doc.txt", TEXT, [AUG22], [after])
    assert score.counts.recall == 0.0
    assert [row.text for row in score.missed] == ["8月22日"]
    assert len(score.false_positives) == 1


def test_exact_value_counts_for_value_accuracy() -> None:
    score = score_document(
        "doc.txt",
        TEXT,
        [AUG22, RANGE],
        [
            day("8月22日", date(2023, 8, 22)),
            day("8月23日至8月24日", date(2023, 8, 23), date(2023, 8, 24)),
        ],
    )
    assert (score.counts.recall, score.counts.precision, score.counts.value_accuracy) == (
        1.0,
        1.0,
        1.0,
    )


def test_alt_start_and_alt_end_are_accepted() -> None:
    gold = event(
        "8月22日",
        date(2023, 8, 1),
        date(2023, 8, 31),
        alt_start=date(2023, 8, 22),
        alt_end=date(2023, 8, 22),
    )
    score = score_document("doc.txt", TEXT, [gold], [day("8月22日", date(2023, 8, 22))])
    assert score.counts.value_accuracy == 1.0


def test_half_of_the_alt_range_is_not_enough() -> None:
    gold = event(
        "8月22日",
        date(2023, 8, 1),
        date(2023, 8, 31),
        alt_start=date(2023, 8, 22),
        alt_end=date(2023, 8, 22),
    )
    score = score_document(
        "doc.txt", TEXT, [gold], [day("8月22日", date(2023, 8, 1), date(2023, 8, 22))]
    )
    assert score.counts.value_accuracy == 0.0


def test_predictions_on_ignore_rows_are_neither_rewarded_nor_punished() -> None:
    found = [day("8月22日", date(2023, 8, 22)), day("近年来", date(2020, 1, 1), date(2023, 12, 31))]
    score = score_document("doc.txt", TEXT, [AUG22, VAGUE], found)
    assert score.counts.predictions == 1
    assert score.counts.ignored_predictions == 1
    assert score.counts.precision == 1.0
    assert score.counts.recall == 1.0
    assert score.false_positives == []


def test_ignore_rows_are_not_gold_events() -> None:
    score = score_document("doc.txt", TEXT, [AUG22, VAGUE], [])
    assert score.counts.gold_events == 1


def test_prediction_on_a_negative_row_is_a_false_positive() -> None:
    found = [day("8月22日", date(2023, 8, 22)), day("2014", date(2014, 1, 1), date(2014, 12, 31))]
    score = score_document("doc.txt", TEXT, [AUG22, FOOTER], found)
    assert score.counts.precision == 0.5
    assert [fp.negative.text for fp in score.false_positives] == ["©2014"]


def test_prediction_on_no_gold_row_is_a_false_positive() -> None:
    found = [day("8月22日", date(2023, 8, 22)), day("调研", date(2023, 8, 23))]
    score = score_document("doc.txt", TEXT, [AUG22], found)
    assert score.counts.precision == 0.5
    assert [(fp.mention.text, fp.negative) for fp in score.false_positives] == [("调研", None)]


def test_periods_are_not_scored() -> None:
    period = day("近年来", date(2020, 1, 1), date(2023, 12, 31), kind="period")
    score = score_document("doc.txt", TEXT, [AUG22], [period])
    assert score.counts.predictions == 0
    assert score.counts.precision is None
    assert score.false_positives == []


@pytest.mark.parametrize(
    ("text", "substring", "occurrence", "expected"),
    [
        ("2020年，2020年", "2020年", 1, (0, 5)),
        ("2020年，2020年", "2020年", 2, (6, 11)),
        ("2020年，2020年", "2020年", 3, None),
        # the next search starts one character after the previous hit
        ("aaa", "aa", 2, (1, 3)),
        # occurrences inside a longer mention count too
        ("8月31日至9月3日，8月31日", "8月31日", 2, (11, 16)),
    ],
)
def test_occurrences_are_counted_from_one(text, substring, occurrence, expected) -> None:
    assert find_occurrence(text, substring, occurrence) == expected


def test_gold_row_picks_the_nth_occurrence() -> None:
    second = event("2020年", date(2020, 1, 1), date(2020, 12, 31), occurrence=2)
    first = day("2020年", date(2020, 1, 1), date(2020, 12, 31))
    score = score_document("doc.txt", TEXT, [second], [first])
    assert score.counts.recall == 0.0
    assert len(score.false_positives) == 1


def test_gold_row_not_in_the_text_is_an_error() -> None:
    with pytest.raises(EvaluationError, match="occurrence 3 of '2020年'"):
        score_document("doc.txt", TEXT, [event("2020年", date(2020, 1, 1), occurrence=3)], [])


def test_counts_add_up_across_documents() -> None:
    one = score_document(
        "doc.txt", TEXT, [AUG22, RANGE], [day("8月22日", date(2023, 8, 22))]
    ).counts
    two = score_document("doc.txt", TEXT, [AUG22], [day("调研", date(2023, 8, 23))]).counts
    total = one + two
    assert (total.gold_events, total.matched_events, total.predictions) == (3, 1, 2)
    assert total.recall == pytest.approx(1 / 3)


def test_gold_files_are_validated_with_their_line(tmp_path: Path) -> None:
    (tmp_path / "mentions.csv").write_text(
        "doc,text,occurrence,kind,start,end,alt_start,alt_end,note\n"
        "a.txt,8月22日,1,event,2023-08-22,2023-08-22,,,\n"
        "a.txt,8月23日,1,event,2023-08-23,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(EvaluationError, match=r"mentions.csv, line 3: an event needs"):
        load_gold(tmp_path)
