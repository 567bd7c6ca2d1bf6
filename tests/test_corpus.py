"""The golden corpus: every case line of ``tests/corpus/*.txt`` is one test.

A positive case passes when exactly one mention overlaps the marked span and that
mention is the marked text with the expected start, end, granularity and kind.
A negative case passes when no mention of kind ``event`` overlaps the marked trap
(other dates in the same line may be found). See ``tests/corpus/README.md``.

The other tests here guard the corpus itself: its size and coverage, the shape
of its expected values (a month starts on the 1st …), weekday brackets that agree
with the expected day, and a loader that names the file and line of a bad line.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from normalizers import DocumentContext, find_dates, normalize

try:  # tests/ is a plain directory today; keep working if it becomes a package
    from corpus_loader import (
        CorpusCase,
        CorpusError,
        corpus_files,
        load_corpus,
        parse_corpus_text,
    )
except ImportError:  # pragma: no cover
    from tests.corpus_loader import (
        CorpusCase,
        CorpusError,
        corpus_files,
        load_corpus,
        parse_corpus_text,
    )

#: One file per family; the coverage test fails if one goes missing.
FAMILIES = (
    "full_dates",
    "year_month",
    "month_day",
    "ranges",
    "relative",
    "previous_mention",
    "festivals_lunar",
    "english",
    "traditional",
    "periods",
    "parts_of_year",
    "numerals_fullwidth",
    "negative",
    "lunar",
    "named_days",
    "english_named",
    "qualifiers",
    "times_of_day",
    "years_spelled",
    "notations",
    "loose_days",
    "relative_units",
    "weekdays",
    "unit_parts",
    "connectors",
    "document_time",
)

CASES = load_corpus()
POSITIVE = [case for case in CASES if not case.negative]
NEGATIVE = [case for case in CASES if case.negative]


def _overlaps(span: tuple[int, int], other: tuple[int, int]) -> bool:
    return span[0] < other[1] and other[0] < span[1]


def _describe(case: CorpusCase, mentions) -> str:
    found = "\n".join(
        f"    {m.text!r} {m.span} {m.start}..{m.end} {m.granularity} {m.kind} ({m.rule})"
        for m in mentions
    )
    return (
        f"\n  at {case.where} [{case.reference.describe()}]"
        f"\n  text: {case.text!r}"
        f"\n  marked: {case.marked!r} {case.span}"
        f"\n  mentions found:\n{found or '    (none)'}"
    )


@pytest.mark.parametrize("case", POSITIVE, ids=[case.id for case in POSITIVE])
def test_corpus_expression_resolves(case: CorpusCase) -> None:
    mentions = find_dates(case.text, case.reference.context())
    overlapping = [m for m in mentions if _overlaps(m.span, case.span)]
    assert len(overlapping) == 1, "expected exactly one overlapping mention" + _describe(
        case, mentions
    )
    mention = overlapping[0]
    expected = case.expected
    assert (mention.text, tuple(mention.span)) == (case.marked, case.span), (
        "the mention's span is not the marked expression" + _describe(case, mentions)
    )
    assert (mention.start, mention.end, mention.granularity, mention.kind) == (
        expected.start,
        expected.end,
        expected.granularity,
        expected.kind,
    ), "wrong value" + _describe(case, mentions)
    if expected.qualifier is not None:
        assert mention.qualifier == expected.qualifier, (
            f"qualifier {mention.qualifier!r}, expected {expected.qualifier!r}"
            + _describe(case, mentions)
        )
    if expected.time is not None:
        found = (mention.time_start, mention.time_end, mention.time_approx)
        assert found == expected.time, f"time {found}, expected {expected.time}" + _describe(
            case, mentions
        )


@pytest.mark.parametrize("case", NEGATIVE, ids=[case.id for case in NEGATIVE])
def test_corpus_trap_is_not_an_event(case: CorpusCase) -> None:
    mentions = find_dates(case.text, case.reference.context())
    events = [m for m in mentions if m.kind == "event" and _overlaps(m.span, case.span)]
    assert not events, "a trap was reported as an event" + _describe(case, mentions)


# --- impossible dates: a warning with its position, never a mention -------------

IMPOSSIBLE = [
    ("2023年2月29日，协会召开理事会。", "2023年2月29日"),  # 2023 is not a leap year
    ("2100年2月29日前完成全部建设任务。", "2100年2月29日"),  # centuries are leap only /400
    ("2月30日，协会召开理事会。", "2月30日"),
    ("2023年4月31日，展会闭幕。", "2023年4月31日"),
    ("2023年13月，协会完成换届。", "2023年13月"),
]


@pytest.mark.parametrize(("text", "impossible"), IMPOSSIBLE, ids=[i for _, i in IMPOSSIBLE])
def test_impossible_date_is_a_warning_not_a_mention(text: str, impossible: str) -> None:
    span = (text.index(impossible), text.index(impossible) + len(impossible))
    result = normalize(text, DocumentContext(published="2023-09-08"))
    assert not [m for m in result.mentions if _overlaps(m.span, span)], result.mentions
    assert [w for w in result.warnings if _overlaps(w.span, span)], result.warnings


def test_leap_day_of_a_leap_year_is_a_date() -> None:
    text = "2024年2月29日，协会召开一届五次理事会。"
    result = normalize(text, DocumentContext(published="2024-03-01"))
    assert [(m.text, m.start) for m in result.mentions] == [("2024年2月29日", date(2024, 2, 29))]
    assert not result.warnings


def test_weekday_that_contradicts_the_date_is_a_warning_and_the_date_is_kept() -> None:
    text = "9月5日（周三）上午，协会召开会议。"  # 2023-09-05 was a Tuesday
    result = normalize(text, DocumentContext(published="2023-09-08"))
    assert [(m.text, m.start) for m in result.mentions] == [("9月5日", date(2023, 9, 5))]
    assert [w.text for w in result.warnings] == ["9月5日"]
    assert "weekday" in result.warnings[0].message


# --- the corpus itself -------------------------------------------------------------


def test_corpus_is_large_enough() -> None:
    assert len(POSITIVE) >= 400, len(POSITIVE)
    assert len(NEGATIVE) >= 80, len(NEGATIVE)


def test_corpus_has_every_family_file_and_no_other() -> None:
    assert {path.stem for path in corpus_files()} == set(FAMILIES)


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "negative"])
def test_corpus_family_has_positive_cases(family: str) -> None:
    assert sum(case.family == family for case in POSITIVE) >= 10


def test_negative_file_holds_only_traps() -> None:
    in_file = [case for case in CASES if case.family == "negative"]
    assert len(in_file) >= 60
    assert all(case.negative for case in in_file)


def test_corpus_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


def test_every_corpus_file_declares_its_format_and_context() -> None:
    for path in corpus_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines and lines[0].startswith("#"), f"{path.name}: start with a header comment"
        content = [line for line in lines if line.strip() and not line.startswith("#")]
        assert content[0].startswith("@ published"), f"{path.name}: declare a context first"


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _shape_error(start: date, end: date, granularity: str) -> str | None:
    """Whether START END fit the granularity (a range of whole units is fine)."""
    if granularity in ("month", "quarter", "half", "season"):
        if start.day != 1 or end != _month_end(end):
            return "a month-based value runs from a 1st to a month's last day"
        if granularity in ("quarter", "half"):
            months = 3 if granularity == "quarter" else 6
            if (start.month - 1) % months or end.month % months:
                return f"a {granularity} starts and ends on {granularity} boundaries"
    if granularity in ("year", "decade"):
        if (start.month, start.day, end.month, end.day) != (1, 1, 12, 31):
            return "a year-based value runs from 1 January to 31 December"
        if granularity == "decade" and (start.year % 10 or end.year % 10 != 9):
            return "a decade runs from a year ending in 0 to one ending in 9"
    if granularity == "week" and (start.weekday() != 0 or end - start != timedelta(days=6)):
        return "a week runs from Monday to Sunday"
    return None


def _lunar_month(case: CorpusCase) -> bool:
    """农历十月: a month of the lunar calendar, 29 or 30 days across two Gregorian months."""
    length = (case.expected.end - case.expected.start).days + 1
    return case.family == "lunar" and case.expected.granularity == "month" and length in (29, 30)


def test_corpus_expected_values_fit_their_granularity() -> None:
    """A month-grained value runs from a 1st to a month end, a quarter is aligned …"""
    errors = [
        f"{case.where}: {error}"
        for case in POSITIVE
        if not _lunar_month(case)
        and (
            error := _shape_error(case.expected.start, case.expected.end, case.expected.granularity)
        )
    ]
    assert not errors, "\n".join(errors)


WEEKDAYS = "一二三四五六日"
WEEKDAY_BRACKET = re.compile(r"^[（(](?:星期|礼拜|周)([一二三四五六日天])[)）]")


def test_weekday_brackets_agree_with_the_expected_day() -> None:
    """``5月18日（星期四）``: the bracket must name the weekday of the expected date."""
    checked = 0
    for case in POSITIVE:
        match = WEEKDAY_BRACKET.match(case.text[case.span[1] :])
        if not match or case.expected.granularity != "day":
            continue
        written = WEEKDAYS.index(match.group(1).replace("天", "日"))
        assert written == case.expected.end.weekday(), (
            f"{case.where}: {match.group(0)} but {case.expected.end} is a "
            f"{WEEKDAYS[case.expected.end.weekday()]}"
        )
        checked += 1
    assert checked >= 5


# --- the loader ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("= 2023-01-01 2023-01-01 day\n⟦1月1日⟧", 2, "before any"),
        ("@ published 2023-09-08\n⟦8月22日⟧，活动。", 2, "outside a group"),
        ("@ published 2023-13-08", 1, "not a YYYY-MM-DD"),
        ("@ published 2023-09-08 blog", 1, "document type"),
        ("@ dct 2023-09-08", 1, "context line"),
        ("@ published 2023-09-08\n= 2023-08-22 day\n⟦8月22日⟧", 2, "expectation"),
        ("@ published 2023-09-08\n= 2023-08-22 2023-08-21 day\n⟦8月22日⟧", 2, "before start"),
        ("@ published 2023-09-08\n= 2023-08-22 2023-08-22 days\n⟦8月22日⟧", 2, "granularity"),
        ("@ published 2023-09-08\n= 2023-08-22 2023-08-22 day plan\n⟦8月22日⟧", 2, "kind"),
        ("@ published 2023-09-08\n= 2023-08-22 2023-08-22 day\n8月22日", 3, "exactly one"),
        ("@ published 2023-09-08\n= 2023-08-22 2023-08-22 day\n⟦8月⟧⟦22日⟧", 3, "exactly one"),
        ("@ published 2023-09-08\n= 2023-08-22 2023-08-22 day\n⟧8月22日⟦", 3, "before"),
        ("@ published 2023-09-08\n= 2023-08-22 2023-08-22 day\n⟦⟧8月22日", 3, "empty"),
        ("@ published 2023-09-08\n= 2023-08-22 2023-08-22 day\n⟦ 8月22日⟧", 3, "spaces"),
        (
            "@ published 2023-09-08\n= 2023-08-22 2023-08-22 day\n= 2023-08-23 2023-08-23 day",
            2,
            "no case",
        ),
        ("@ published 2023-09-08\n! 电话：021-52767579", 2, "exactly one"),
    ],
)
def test_loader_rejects_malformed_lines_with_file_and_line(
    content: str, line: int, message: str
) -> None:
    with pytest.raises(CorpusError, match=rf"^bad\.txt:{line}: .*{message}"):
        parse_corpus_text(content, "bad.txt")


def test_loader_reads_contexts_groups_negatives_and_paragraph_breaks() -> None:
    content = "\n".join(
        [
            "# header",
            "@ published 2022-07-13 narrative  # a note",
            "= 2022-01-01 2022-12-31 year period",
            r"截止2021年9月，党员543名。\n争取⟦明年⟧实现全覆盖。",
            "! 联系电话：⟦021-52767579⟧",
            "@ published none",
            "! ⟦8月22日⟧，活动。",
        ]
    )
    first, trap, undated = parse_corpus_text(content, Path("demo.txt"))
    assert first.text == "截止2021年9月，党员543名。\n争取明年实现全覆盖。"
    assert first.marked == "明年" and first.id == "demo:L4:明年"
    assert first.reference.published == date(2022, 7, 13)
    assert first.reference.document_type == "narrative"
    assert (first.expected.granularity, first.expected.kind) == ("year", "period")
    assert trap.negative and trap.marked == "021-52767579"
    assert undated.reference.published is None and undated.reference.document_type == "news"
    assert undated.reference.context() == DocumentContext(None)
