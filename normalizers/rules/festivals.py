"""Festivals, holidays and dates of the lunar calendar.

    元旦 春节 元宵节 清明节 五一 劳动节 端午节 七一 中秋节 国庆节 国庆期间 除夕 小年
    农历正月十五 正月初一 腊月二十三 农历八月十五 闰二月初一

Their days come from :mod:`normalizers.tables.festivals` and the lunar-calendar
library; the year comes from what is written before them (2025年元宵节,
去年春节) or from the narrative.
"""

from __future__ import annotations

import re

from normalizers.rules.base import SP, Partial, Rule, after, before
from normalizers.tables.festivals import (
    AMBIGUOUS,
    FESTIVAL_CONTEXT_AFTER,
    FESTIVAL_CONTEXT_BEFORE,
    FESTIVALS,
)
from normalizers.tables.numerals import LUNAR_MONTH_NAMES, lunar_day_value, number_value

_names = "|".join(sorted(FESTIVALS, key=len, reverse=True))
FESTIVAL = re.compile(rf"(?P<name>{_names})")
OPENING_QUOTES = "“\"‘'「『"
CLOSING_QUOTES = "”\"’'」』"

LUNAR_DAY = r"(?:初[一二三四五六七八九十]|廿[一二三四五六七八九]|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
LUNAR_MONTH = r"(?:正|冬|腊|十[一二]?|[一二三四五六七八九])"
LUNAR = re.compile(
    # 农历八月十五, 农历8月15日, 阴历腊月二十三
    rf"(?P<marker>农历|阴历|夏历){SP}(?P<leap1>闰)?(?P<m1>{LUNAR_MONTH}|\d{{1,2}}){SP}月{SP}(?P<d1>{LUNAR_DAY}|\d{{1,2}})(?:{SP}[日号])?"
    # 正月十五, 腊月二十三, 正月初一, 八月十五 (a Chinese day without 日 is lunar)
    rf"|(?P<leap2>闰)?(?P<m2>{LUNAR_MONTH})月(?P<d2>{LUNAR_DAY})(?![日号〇零一二三四五六七八九十])"
)

#: After these, a festival's name is part of another name (五一路, 国庆路, 中秋月饼厂).
NAME_AFTER = (
    "路",
    "街",
    "广场",
    "大道",
    "大街",
    "村",
    "镇",
    "中学",
    "小学",
    "学校",
    "公园",
    "桥",
    "巷",
    "商场",
    "大厦",
    "酒店",
    "牌",
    "号",
)


#: After these, the festival names an event (元宵灯会, 春节联欢晚会): without a year
#: of its own it does not date the sentence it stands in (向元宵灯会赞助25万元).
EVENT_NAME_AFTER = ("灯会", "晚会", "联欢晚会", "联欢会", "庙会", "游园会", "花灯", "礼包", "档")


def produce_festival(m: re.Match[str], text: str) -> Partial | None:
    name = m.group("name")
    start, end = m.span()
    tail = after(text, end, 4)
    if tail.startswith(NAME_AFTER):
        return None
    if name in AMBIGUOUS:
        quoted = before(text, start, 1) in OPENING_QUOTES and after(text, end, 1) in CLOSING_QUOTES
        quoted = quoted and start > 0 and end < len(text)
        if not (
            quoted
            or tail.startswith(FESTIVAL_CONTEXT_AFTER)
            or before(text, start, 2).endswith(FESTIVAL_CONTEXT_BEFORE)
        ):
            return None
        if name == "十一" and not (
            quoted or tail.startswith(("黄金周", "长假", "假期", "期间", "小长假", "国庆"))
        ):
            return None
    return Partial(
        span=(start, end),
        rule=f"festivals.{name}",
        unit="festival",
        festival=name,
        base="context",
        fragment=tail.startswith(EVENT_NAME_AFTER),  # kept only when a year qualifies it
    )


def produce_lunar(m: re.Match[str], text: str) -> Partial | None:
    written_month = m.group("m1") or m.group("m2")
    written_day = m.group("d1") or m.group("d2")
    month = LUNAR_MONTH_NAMES.get(written_month) or number_value(written_month)
    day = lunar_day_value(written_day)
    if month is None or day is None:
        return None
    # 八月十五 without 农历 is lunar only in Chinese numerals with a lunar-style day.
    warning = None
    if not 1 <= month <= 12:
        warning = f"there is no lunar month {month}"
    elif not 1 <= day <= 30:
        warning = f"there is no lunar day {day}"
    return Partial(
        span=m.span(),
        rule="festivals.lunar",
        unit="lunar",
        month=month,
        day=day,
        leap_month=bool(m.group("leap1") or m.group("leap2")),
        base="context",
        warning=warning,
    )


RULES = (
    Rule("festivals.names", FESTIVAL, produce_festival, keywords=tuple(FESTIVALS)),
    Rule(
        "festivals.lunar",
        LUNAR,
        produce_lunar,
        keywords=("农历", "阴历", "夏历", "正月", "冬月", "腊月", "闰"),
        on_numbers="chinese",
    ),
)
