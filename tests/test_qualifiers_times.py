"""Qualifiers and times of day on date mentions, and their columns in ``timeline dates``.

The value cases live in the corpus (``tests/corpus/qualifiers.txt`` and
``times_of_day.txt``); here: the spans the fields point to, the mention's own span
left alone, and the CLI columns.
"""

import csv
import io
from datetime import date, time
from pathlib import Path

from typer.testing import CliRunner

from normalizers import DocumentContext, find_dates
from normalizers.mention import QUALIFIERS
from timeline.cli import app

NOTICE = (
    "关于召开年会的通知\n请于11月20日前报名。11月25日上午9时至11时30分召开年会，春节前完成总结。"
)
CONTEXT = DocumentContext("2023-10-20")


def test_time_span_points_at_the_time_and_the_mention_span_stays_the_date() -> None:
    mentions = {m.text: m for m in find_dates(NOTICE, CONTEXT)}
    meeting = mentions["11月25日"]
    assert NOTICE[meeting.span[0] : meeting.span[1]] == "11月25日"
    assert NOTICE[meeting.time_span[0] : meeting.time_span[1]] == "上午9时至11时30分"
    assert (meeting.time_start, meeting.time_end, meeting.time_approx) == (
        time(9, 0),
        time(11, 30),
        False,
    )


def test_qualifiers_keep_the_written_value() -> None:
    mentions = {m.text: m for m in find_dates(NOTICE, CONTEXT)}
    assert (mentions["11月20日"].qualifier, mentions["11月20日"].start) == (
        "deadline",
        date(2023, 11, 20),
    )
    spring = mentions["春节"]
    assert (spring.qualifier, spring.start, spring.end) == (
        "before",
        date(2023, 1, 22),
        date(2023, 1, 22),
    )
    assert all(m.qualifier in QUALIFIERS for m in mentions.values())


def test_a_time_after_another_date_belongs_to_that_date() -> None:
    text = "11月12日召开理事会，11月13日上午9时召开会员大会。"
    first, second = find_dates(text, CONTEXT)
    assert first.time_start is None
    assert second.time_start == time(9, 0)


def test_dates_command_prints_qualifier_and_time_columns(tmp_path: Path) -> None:
    (tmp_path / "notice.txt").write_text("发布时间：2023-10-20\n" + NOTICE, encoding="utf-8")
    result = CliRunner().invoke(app, ["dates", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    rows = {row["date_text"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["11月20日"]["qualifier"] == "deadline"
    assert (rows["11月25日"]["time_start"], rows["11月25日"]["time_end"]) == ("09:00", "11:30")
    assert (rows["春节"]["qualifier"], rows["春节"]["time_start"]) == ("before", "")


def test_the_look_around_a_date_never_misses_a_qualifier() -> None:
    """``qualify`` answers "" at a look at the characters around a date (one each
    side, or two when the one could only end a longer cue: 至 of 8月1日至); wherever it
    does, the full reading finds nothing either."""
    import random

    from normalizers import qualifiers
    from normalizers.tables import qualifiers as words

    cues = [
        *words.DEADLINE_BEFORE,
        *words.AS_OF_BEFORE,
        *words.FROM_BEFORE,
        *words.NOT_FROM_BEFORE,
        *words.DEADLINE_AFTER,
        *(word for _, group in words.AFTER_WORDS for word in group),
        *words.ENGLISH_BEFORE,
    ]
    pieces = [*cues, *(cue[:-1] for cue in cues), *(cue[1:] for cue in cues)]
    pieces += [*"至到前日月年，。 \t", "8月1日", "请于", "报名", "the "]
    chooser = random.Random(11)
    looked = 0
    for _ in range(4000):
        before = "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 4)))
        after = "".join(chooser.choice(pieces) for _ in range(chooser.randint(0, 4)))
        text = before + "8月1日" + after
        start = len(before)
        found = qualifiers.qualify(text, (start, start + 4))
        looked += found == ""
        assert found == qualifiers._qualify(text, start, start + 4), text
    assert 500 < looked < 3900
