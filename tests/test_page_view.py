"""What the timeline page shows of each event, without a browser: the mention's
own span, titles cut at a boundary, a colour per association name, and why an
event is not in the calendar feeds."""

from __future__ import annotations

from datetime import date

import pytest

from exports.html import (
    PALETTE_SIZE,
    SHAPES,
    association_look,
    calendar_exclusion,
    clip,
    mention_offset,
)


@pytest.mark.parametrize(
    ("sentence", "date_text", "offset"),
    [
        ("2023年3月15日，协会筹备2023年年会。", "2023年", 15),  # not inside the longer date
        ("8月22日，协会召开年会。", "8月22日", 0),
        ("会后，8月22日与8月22日。", "8月22日", 3),  # the same date twice: the first
        ("12月与2月", "2月", 4),  # 2月 inside 12月 is not the mention
        ("2023年底前，2023年的目标", "2023年", 8),
        ("协会召开年会。", "8月22日", -1),
        ("协会召开年会。", "", -1),
    ],
)
def test_the_mentions_own_offset_in_its_sentence(sentence, date_text, offset) -> None:
    assert mention_offset(sentence, date_text) == offset
    if offset >= 0:
        assert sentence[offset : offset + len(date_text)] == date_text


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("协会召开年会", 40, "协会召开年会"),
        (
            "协会召开第五届会员大会，选举产生新一届理事会，审议工作报告",
            16,
            "协会召开第五届会员大会…",
        ),
        ("Anhui Textile Industry Association", 16, "Anhui Textile…"),
        (
            "一二三四五六七八九十一二三四五六七八九十",
            10,
            "一二三四五六七八九…",
        ),  # no boundary: a hard cut
    ],
)
def test_titles_are_cut_at_a_clause_or_word_boundary(text, limit, expected) -> None:
    cut = clip(text, limit)
    assert cut == expected and len(cut) <= limit


def test_the_look_of_an_association_depends_on_its_name_only() -> None:
    names = [f"协会{i}" for i in range(200)]
    looks = [association_look(name) for name in names]
    assert looks == [association_look(name) for name in reversed(names)][::-1]
    assert all(0 <= colour < PALETTE_SIZE and 0 <= shape < SHAPES for colour, shape in looks)
    assert len(set(looks)) > 20  # the hash spreads names over colours and shapes
    assert association_look("汕头市纺织服装产业协会") == association_look("汕头市纺织服装产业协会")


@pytest.mark.parametrize(
    ("row", "include_years", "reason"),
    [
        ({"granularity": "day", "start": date(2023, 8, 22), "end": date(2023, 8, 22)}, False, ""),
        (
            {"granularity": "year", "start": date(2022, 1, 1), "end": date(2022, 12, 31)},
            False,
            "只精确到年",
        ),
        ({"granularity": "year", "start": date(2022, 1, 1), "end": date(2022, 12, 31)}, True, ""),
        (
            {"granularity": "day", "start": date(2023, 1, 1), "end": date.max},
            False,
            "没有确定的结束日期",
        ),
        (
            {
                "granularity": "day",
                "start": date(2023, 9, 8),
                "end": date(2023, 9, 8),
                "role": "published",
            },
            False,
            "文档的发布日期",
        ),
    ],
)
def test_why_an_event_is_not_in_the_feeds(row, include_years, reason) -> None:
    assert calendar_exclusion(row, include_years) == reason
