"""Parts of a year or a month counted in months or days.

After a year (joined later: 2005年首月, 明年第九个月, 去年的前10天, 2021年的最后4个月):

    首月 第八个月 前七个月 前两月 后三个月 最后四个月 最后一个月
    前十天 最后五天 最后一天

With their month written in the same phrase (4月前4天, 这个月前两天, 上月最后五天,
5月最后一天). Alone (前两天, 后三个月, 最后一天) they are durations or
anaphora, never dates: a part without its year or month is a fragment and is dropped.
"""

from __future__ import annotations

import re

from normalizers.rules.base import CHINESE_MONTH, SP, Partial, Rule
from normalizers.tables.numerals import number_value
from normalizers.tables.relative import RELATIVE_MONTHS

_N = r"(?:\d{1,2}|十[一二三四五六七八九]?|[一二两三四五六七八九]十?[一二三四五六七八九]?)"
YEAR_PARTS = re.compile(
    rf"(?P<first_month>首月)"
    rf"|第{SP}(?P<nth_month>{_N}){SP}个{SP}月"
    rf"|(?:前|头){SP}(?P<first_months>{_N}){SP}个?{SP}月(?!份)"
    rf"|(?:后|最后|最後){SP}(?P<last_months>{_N}){SP}个?{SP}月(?!份)"
    rf"|(?:最后|最後){SP}一{SP}个{SP}月"
    rf"|(?:前|头){SP}(?P<first_days>{_N}){SP}(?:天|日)"
    rf"|(?:最后|最後){SP}(?P<last_days>{_N}){SP}(?:天|日)"
    rf"|(?P<last_day>(?:最后|最後){SP}一{SP}天)"
)

_RELATIVE_MONTH = "|".join(sorted(RELATIVE_MONTHS, key=len, reverse=True))
MONTH_DAYS = re.compile(
    rf"(?:(?P<m>1[0-2]|[1-9]|{CHINESE_MONTH})月份?|(?P<rel>{_RELATIVE_MONTH}))(?:的)?"
    rf"(?:(?:前|头){SP}(?P<first>{_N}){SP}(?:天|日)"
    rf"|(?:最后|最後){SP}(?P<last>{_N}){SP}(?:天|日)"
    rf"|(?P<last_day>(?:最后|最後){SP}一{SP}天))"
)


#: Where a part can start: 首月, or 第/前/头/后/最后 right before a number. Single
#: characters such as 前 are far too common to try the pattern at each one.
_NUMBER_STARTS = (*"0123456789一二两三四五六七八九十", " ")
_YEAR_PART_KEYWORDS = (
    "首月",
    *(
        head + start
        for head in ("第", "前", "头", "后", "最后", "最後")
        for start in _NUMBER_STARTS
    ),
)

#: Right after a month's 月: 份, 的, 前, 头 or 最 (4月前4天, 5月的最后一天).
_AFTER_MONTH = frozenset("份的前头最")


def _range(span, rule, unit, first: tuple, last: tuple, **fields) -> Partial:
    """A partial from ``first`` to ``last``, each (month, day) or (month, None)."""
    head = Partial(span=span, rule=rule, unit=unit, month=first[0], day=first[1], **fields)
    if first != last:
        head.end = head.moved(month=last[0], day=last[1])
    return head


def produce_year_part(m: re.Match[str], text: str) -> Partial | None:
    g = m.groupdict()
    span = m.span()
    fields = dict(base="context", fragment=True)
    rule = "parts.of-year"
    if g["first_month"]:
        return _range(span, rule, "month", (1, None), (1, None), **fields)
    if g["nth_month"] or g["first_months"] or g["last_months"]:
        n = number_value(g["nth_month"] or g["first_months"] or g["last_months"])
        if n is None or not 1 <= n <= 12:
            return None
        if g["nth_month"]:
            return _range(span, rule, "month", (n, None), (n, None), **fields)
        if g["first_months"]:
            return _range(span, rule, "month", (1, None), (n, None), **fields)
        return _range(span, rule, "month", (13 - n, None), (12, None), **fields)
    if g["first_days"]:
        n = number_value(g["first_days"])
        if n is None or not 2 <= n <= 31:  # 前一天 is the day before (relative.py)
            return None
        return _range(span, rule, "day", (1, 1), (1, n), **fields)
    if g["last_days"]:
        n = number_value(g["last_days"])
        if n is None or not 1 <= n <= 31:
            return None
        return _range(span, rule, "day", (12, 32 - n), (12, 31), **fields)
    if g["last_day"]:
        return _range(span, rule, "day", (12, 31), (12, 31), **fields)
    return _range(span, rule, "month", (12, None), (12, None), **fields)  # 最后一个月


def produce_month_days(m: re.Match[str], text: str) -> Partial | None:
    g = m.groupdict()
    if g["last_day"]:
        first, last = -1, -1
    else:
        n = number_value(g["first"] or g["last"])
        if n is None or not 1 <= n <= 28:
            return None
        first, last = (1, n) if g["first"] else (-n, -1)
    span = m.span()
    if g["rel"]:
        reference, offset = RELATIVE_MONTHS[g["rel"]]
        fields = dict(base=reference, shift=offset, shift_unit="months")
        month = None
    else:
        month = number_value(g["m"])
        if month is None or not 1 <= month <= 12:
            return None
        fields = dict(base="context")
    return _range(span, "parts.of-month", "day", (month, first), (month, last), **fields)


RULES = (
    Rule(
        "parts.of-year",
        YEAR_PARTS,
        produce_year_part,
        keywords=_YEAR_PART_KEYWORDS,
    ),
    Rule(
        "parts.of-month",
        MONTH_DAYS,
        produce_month_days,
        keywords=tuple(RELATIVE_MONTHS),
        on_numbers="both",
        worth_trying=lambda digits, following: len(digits) <= 2 and following == "月",
        after_chinese=frozenset("月"),
        second_look=lambda digits, following, second: second in _AFTER_MONTH,
    ),
)
