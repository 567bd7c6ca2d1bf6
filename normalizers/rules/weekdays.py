"""Weekdays: bare (星期一, 周五, 礼拜天, 週三) and the n-th of a month.

    星期一 周五 礼拜天 週三 (週 and 禮拜 are folded)   周一至周五
    5月第二个星期日  6月第3个星期日  八月份的第一个周二  四月的最后一个星期一

A weekday after a relative week (本周三, 上周五, 下下周二) is read by
:mod:`normalizers.rules.relative`; a weekday in brackets after a date
(5月18日（星期四）) is part of that date. A bare weekday resolves near the
narrative's day, in the direction of the sentence's tense (see
:func:`normalizers.days.weekday_near`). 每周一, 一周一次, 周年 are no dates.
"""

from __future__ import annotations

import re

from normalizers.rules.base import CHINESE_MONTH, CJK, WEEKDAYS, Partial, Rule, after, before
from normalizers.tables.numerals import number_value

_WEEKDAY = r"(?:星期|礼拜|周)(?P<wd>[一二三四五六日天])"
BARE = re.compile(_WEEKDAY)
NTH = re.compile(
    rf"(?P<m>1[0-2]|[1-9]|{CHINESE_MONTH})月份?(?:的)?"
    r"(?:第(?P<n>[一二三四五1-5])|(?P<last>最后|最末))一?个?"
    rf"{_WEEKDAY}"
)

#: Before a bare weekday: a frequency or a count, not a date (每周一, 一周一次, 上周一 is relative).
NOT_BEFORE = frozenset("每逢隔一二三四五六七八九十几两上下本这个同当该次前后")
#: After a bare weekday: a count of weeks or a name (周一次, 周年, 周日报).
NOT_AFTER = ("次", "年", "报", "刊", "岁", "个")


#: After 周一 … 周日 (周 is also a surname): what a weekday is followed by in a sentence.
AFTER_SHORT = (*"上下中晚早午凌起前后是的和与及或、至到在将会已正全这那当召举开出回放休",)

#: A weekday right after a date belongs to it: 5月18日（星期四）, 2023-09-08 周五.
AFTER_DATE = re.compile(r"(?:[日号]|\d)[ \t]?[(（]?[ \t]?$")


def produce_bare(m: re.Match[str], text: str) -> Partial | None:
    start, end = m.span()
    if AFTER_DATE.search(before(text, start, 4)):
        return None
    if before(text, start, 1) in NOT_BEFORE or after(text, end, 1).startswith(NOT_AFTER):
        return None
    if m.group(0).startswith("周"):
        if m.group("wd") == "天":
            return None  # 周天 is rarely a weekday in writing, often 周天 (a week's days)
        if CJK.match(text, end) and not after(text, end, 2).startswith(AFTER_SHORT):
            return None  # 周五郎, 周一鸣先生: 周 is also a surname
    return Partial(
        span=m.span(),
        rule="weekdays.bare",
        unit="day",
        base="context",
        weekday=WEEKDAYS[m.group("wd")],
    )


#: A year written right before the month (2023年5月第二个星期日) belongs to the mention.
YEAR_BEFORE = re.compile(r"(?P<y>1\d{3}|20\d{2})[ \t]?年[ \t]?$")

#: Right after the month's 月: 份, 的, 第 or 最 (5月第二个星期日, 四月的最后一个星期一).
_AFTER_MONTH = frozenset("份的第最")


def produce_nth(m: re.Match[str], text: str) -> Partial | None:
    month = number_value(m.group("m"))
    year_before = YEAR_BEFORE.search(text, max(0, m.start() - 7), m.start())
    nth = -1 if m.group("last") else number_value(m.group("n"))
    if month is None or not 1 <= month <= 12 or nth is None:
        return None
    return Partial(
        span=(year_before.start() if year_before else m.start(), m.end()),
        rule="weekdays.nth",
        unit="day",
        year=int(year_before.group("y")) if year_before else None,
        month=month,
        base="explicit" if year_before else "context",
        weekday=WEEKDAYS[m.group("wd")],
        nth=nth,
    )


RULES = (
    Rule(
        "weekdays.bare",
        BARE,
        produce_bare,
        keywords=("星期", "礼拜", *(f"周{day}" for day in "一二三四五六日天")),
    ),
    Rule(
        "weekdays.nth",
        NTH,
        produce_nth,
        on_numbers="both",
        worth_trying=lambda digits, following: len(digits) <= 2 and following == "月",
        after_chinese=frozenset("月"),
        second_look=lambda digits, following, second: second in _AFTER_MONTH,
    ),
)
