"""Remembered productions (normalizers.memo) never change a partial.

A production is remembered under its match and the window of text its rule says
it reads; these tests hold that claim against the productions themselves: the
same match in other surroundings outside the window gives the same partial, the
same match inside different windows gives different partials where it should, and
extraction with the memo equals extraction without it.
"""

from __future__ import annotations

import random
from datetime import date

import pytest
from test_extract_shortcuts import ALPHABET, TEXTS

from normalizers import DocumentContext, extract, find_dates, memo
from normalizers.rules import ALL_RULES
from normalizers.tables.characters import fold

CONTEXT = DocumentContext(published=date(2023, 9, 8))
REMEMBERING = [rule for rule in ALL_RULES if rule.reads is not None]
#: Dates whose productions read far around them: a weekday in brackets, a list of
#: days, a year before an event's name, a year before a loose month-day.
FAR_READERS = [
    "9月5日（星期三）",
    "2023年9月5日 （ 周二 ）",
    "，20日（周五）",
    "2023-9-5（礼拜天）",
    "2023汕头马拉松",
    "2023 汕头",
    "8月22、23日",
    "8月22日、二十三日",
    "2004年8月15 ",
    "阅读数：2023年",
    "第2023年",
    "3月8家企业",
    "5月3万人",
]


def _fields(partial):
    """Everything of a partial (and of its second end), to compare two of them."""
    if partial is None:
        return None
    values = {name: getattr(partial, name) for name in partial.__slots__}
    values["end"] = _fields(partial.end)
    return values


def test_some_rules_are_remembered() -> None:
    assert {rule.name for rule in REMEMBERING} >= {"absolute.numeric", "loose_days.month-day"}


@pytest.mark.parametrize("rule", REMEMBERING, ids=lambda r: r.name)
def test_nothing_outside_the_window_changes_a_production(rule) -> None:
    chooser = random.Random(31)
    before, after = rule.reads
    checked = 0
    for text in [*TEXTS, *FAR_READERS]:
        folded = fold(text)
        for position in range(len(folded)):
            matched = rule.pattern.match(folded, position)
            if matched is None:
                continue
            start, end = matched.span()
            left, right = max(0, start - before), end + after
            for _ in range(6):
                noise = "".join(chooser.choice(ALPHABET) for _ in range(12))
                other = noise[: chooser.randint(0, 12)]
                # Another text, the same window at another place: its production,
                # moved back, is this one's. A window cut by the text's end is
                # shorter than any other (so the memo's key differs): the other
                # text ends there too.
                changed = other + folded[left:right] + (noise if right <= len(folded) else "")
                again = rule.pattern.match(changed, len(other) + start - left)
                if again is None or again.groups() != matched.groups():
                    continue  # the pattern itself read further: another match
                if left == 0 and other:
                    continue  # the window started at the text's start: keep it there
                shift = len(other) + start - left - start
                mine = rule.produce(matched, folded)
                theirs = rule.produce(again, changed)
                if theirs is not None:
                    theirs = memo.shifted(theirs, -shift)
                assert _fields(mine) == _fields(theirs), (rule.name, folded[left:right])
                checked += 1
    assert checked > 200


def test_the_same_match_in_other_windows_is_produced_again() -> None:
    # 20日 after a comma is a lone day (a date); after 第 or a word it is a fragment.
    mentions = find_dates("8月1日，20日，活动继续。第20日。共计20日。，20日，", CONTEXT)
    assert [m.text for m in mentions] == ["8月1日", "20日", "20日"]
    assert [m.start for m in mentions] == [date(2023, 8, 1), date(2023, 8, 20), date(2023, 8, 20)]


def test_selection_with_the_memo_equals_selection_without(monkeypatch) -> None:
    texts = [*TEXTS, "8月8" * 50, "2023年" * 50, "22日、" * 50, "8月1日至" * 50]
    with_memo = []
    for text in texts:
        folded = fold(text)
        with_memo.append([_fields(p) for p in extract.select(extract.candidates(folded), folded)])
    monkeypatch.setattr(memo, "_READS", {})
    for text, remembered in zip(texts, with_memo, strict=True):
        folded = fold(text)
        plain = [_fields(p) for p in extract.select(extract.candidates(folded), folded)]
        assert plain == remembered, text[:60]


def test_remembered_partials_are_never_shared() -> None:
    # Joining changes partials in place (a range's kind, an enumerated day's month):
    # two mentions of one remembered production must be two objects.
    folded = "2023年" * 4
    kept = extract.select(extract.candidates(folded), folded)
    assert len(kept) == 4
    assert len({id(p) for p in kept}) == 4
    assert len({id(p.notes) for p in kept}) == 4


def test_the_memo_is_left_out_while_nothing_recurs_and_tried_again() -> None:
    """In text of mixed date pieces the matches seldom recur: after a probe that finds
    too few, the productions are made directly for a while, then the memo is tried
    again; every partial is the production's own all along. In a run where they do
    recur, the memo stays on."""
    production = next(rule.produce for rule in REMEMBERING if rule.name == "absolute.numeric")
    pattern = next(rule.pattern for rule in REMEMBERING if rule.name == "absolute.numeric")

    def states(text: str) -> list[bool]:
        folded = fold(text)
        remembered = memo.ForOneText()
        seen = []
        for run in extract.NUMBER_RUN.finditer(folded):
            matched = pattern.match(folded, run.start())
            if matched is None:
                continue
            kept = remembered(production, matched, folded)
            assert _fields(kept) == _fields(production(matched, folded)), run.start()
            seen.append(remembered._on)
        return seen

    memo._REMEMBERED.clear()
    chooser = random.Random(3)
    mixed = states("".join(chooser.choice("0123456789年月日至-") for _ in range(150_000)))
    assert len(mixed) > memo.PROBE + memo.PAUSE + memo.PROBE
    first_off = mixed.index(False)
    assert first_off >= memo.PROBE - 1 and True in mixed[first_off:]
    assert all(states("8月8" * 3000))  # one match again and again: always remembered
