"""Days written loosely: a month-day without 日 or 号.

    1月3至2月10  3月8至10日  10月22出生  十月31  2024年8月15 (years.py)

Only an Arabic day counts (a Chinese day without 日, 八月十五, is read as a lunar
date by :mod:`normalizers.rules.festivals`), and only where no amount can be
read: 3月8家企业, 5月3万人, 1月3.5亿元 stay traps.
"""

from __future__ import annotations

import re

from normalizers.rules.absolute import _check, _is_amount, _labelled
from normalizers.rules.base import CHINESE_MONTH, Partial, Rule, after, before
from normalizers.tables.numerals import number_value

LOOSE = re.compile(
    rf"(?<![0-9.第每])(?P<m>1[0-2]|0?[1-9]|{CHINESE_MONTH})月(?P<d>3[01]|[12]\d|0?[1-9])(?![0-9日号.])"
)
YEAR_BEFORE = re.compile(r"(?P<y>1\d{3}|20\d{2})[ \t]?年[ \t]?$")

#: After the day: a count or a unit, not a date (5月3个, 1月3天, 6月5周).
#: Right after 月: the day's first digit.
_DAY_DIGITS = frozenset("0123456789")

NOT_AFTER = ("个", "天", "周", "年", "次", "期", "届", "倍", "成", "点", "时", "分", ":", "%")


def produce(m: re.Match[str], text: str) -> Partial | None:
    start, end = m.span()
    if _is_amount(text, end) or after(text, end, 1).startswith(NOT_AFTER):
        return None
    if _labelled(text, start) or before(text, start, 1) in ("个", "几"):
        return None
    month, day = number_value(m.group("m")), int(m.group("d"))
    if month is None or _check(None, month, day):
        return None
    year_before = YEAR_BEFORE.search(text, max(0, start - 7), start)
    if year_before is not None:  # 2004年8月15: the year written before belongs to it
        year = int(year_before.group("y"))
        return Partial(
            span=(year_before.start(), end),
            rule="loose_days.month-day",
            unit="day",
            year=year,
            month=month,
            day=day,
            warning=_check(year, month, day),
        )
    return Partial(
        span=m.span(), rule="loose_days.month-day", unit="day", month=month, day=day, base="context"
    )


def _no_year_before(m: re.Match[str], text: str) -> bool:
    """Whether the partial of ``m`` is sure to have the match's span: YEAR_BEFORE ends
    with 年 and at most one space or tab, so no 年 or blank right before, no year."""
    start = m.start()
    return start == 0 or text[start - 1] not in "年 \t"


RULES = (
    Rule(
        "loose_days.month-day",
        LOOSE,
        produce,
        on_numbers="both",
        worth_trying=lambda digits, following: len(digits) <= 2 and following == "月",
        after_chinese=frozenset("月"),
        second_look=lambda digits, following, second: second in _DAY_DIGITS,
        own_span=_no_year_before,
        # The pattern's look behind (1), _labelled (6), YEAR_BEFORE (7); _is_amount (2).
        reads=(7, 2),
    ),
)
