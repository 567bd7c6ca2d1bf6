"""Periods that frame events but are not events themselves (kind ``period``).

    十四五 (the 14th five-year plan, 2021–2025), “十三五”时期, 90年代, 上世纪80年代,
    1990年代, 20世纪90年代

A plan's years (（2022-2030）, 2023-2025年规划) are found as year ranges and
turned into periods when they are joined (see :mod:`normalizers.extract`).
Vague words (近年来, 今后, 新的一年) are never reported.
"""

from __future__ import annotations

import re
from datetime import date

from normalizers.rules.base import Partial, Rule, after, before
from normalizers.tables.numerals import number_value

FIVE_YEAR_PLAN = re.compile(
    r"(?P<name>十[一二三四五]五)(?=[”\"’」』]|规划|计划|时期|期间|期末|末|初|以来|开局|收官|发展|的|重点|目标|开篇|中期|[ \t,，。、])"
)

#: What may follow a five-year plan's name: the first characters of the look-ahead
#: above. A run of Chinese numerals followed by anything else holds no plan.
_AFTER_PLAN = frozenset('”"’」』规计时期末初以开收发的重目中 \t,，。、')

DECADE = re.compile(
    r"(?P<century>20世纪|二十世纪|上世纪|上个世纪|19世纪|十九世纪|21世纪|二十一世纪)?"
    r"(?P<decade>[1-9]0|[一二三四五六七八九]十)年代"
    r"|(?P<full>1[89]\d0|20\d0)年代"
)


def produce_plan(m: re.Match[str], text: str) -> Partial | None:
    number = number_value(m.group("name")[:-1])
    if number is None or (m.start() > 0 and before(text, m.start(), 1) in "第一二三四五六七八九十"):
        return None
    first = 1966 + 5 * (number - 3)  # the 3rd plan began in 1966, then one every five years
    fixed = (date(first, 1, 1), date(first + 4, 12, 31), "year")
    return Partial(
        span=m.span("name"), rule="periods.five-year-plan", unit="fixed", fixed=fixed, kind="period"
    )


def produce_decade(m: re.Match[str], text: str) -> Partial | None:
    if m.group("full"):
        first = int(m.group("full"))
    else:
        tens = number_value(m.group("decade"))
        century = m.group("century") or ""
        base = (
            2000
            if century.startswith(("21", "二十一"))
            else 1800
            if century.startswith(("19", "十九"))
            else 1900
        )
        if tens is None:
            return None
        first = base + tens
    if after(text, m.end(), 1) == "后":  # 90后: people born in the 1990s, not a time
        return None
    fixed = (date(first, 1, 1), date(first + 9, 12, 31), "decade")
    return Partial(span=m.span(), rule="periods.decade", unit="fixed", fixed=fixed, kind="period")


#: After a decade's number, the character its 年 or 世 is followed by.
_DECADE_NEXT = {"年": "代", "世": "纪"}


def _decade_second_look(digits: str, following: str, second: str) -> bool:
    """80年代, 20世纪80年代: after 年 only 代, after 世 only 纪 (80年8月, 2023年 and
    1920世界 hold no decade)."""
    wanted = _DECADE_NEXT.get(following)
    return wanted is None or second == wanted


RULES = (
    Rule(
        "periods.five-year-plan",
        FIVE_YEAR_PLAN,
        produce_plan,
        on_numbers="chinese",
        after_chinese=_AFTER_PLAN,
    ),
    Rule(
        "periods.decade",
        DECADE,
        produce_decade,
        keywords=("上世纪", "上个世纪"),
        on_numbers="both",
        worth_trying=lambda digits, following: len(digits) in (2, 4) and following in ("年", "世"),
        # 八十年代, 二十世纪八十年代
        after_chinese=frozenset("年世"),
        second_look=_decade_second_look,
    ),
)
