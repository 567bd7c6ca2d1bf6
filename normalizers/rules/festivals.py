"""Festivals, holidays and dates of the lunar calendar.

    元旦 春节 元宵节 清明节 五一 劳动节 端午节 七一 中秋节 国庆节 国庆期间 除夕 小年
    农历正月十五 正月初一 腊月二十三 农历八月十五 闰二月初一

Their days come from :mod:`normalizers.tables.festivals` and the lunar-calendar
library; the year comes from what is written before them (2025年元宵节,
去年春节) or from the narrative.
"""

from __future__ import annotations

import re

from normalizers.rules.base import SP, YEAR, Partial, Rule, after, before
from normalizers.tables.festivals import (
    AMBIGUOUS,
    FESTIVAL_CONTEXT_AFTER,
    FESTIVAL_CONTEXT_BEFORE,
    FESTIVALS,
    FOREIGN_BEFORE,
    STANDALONE,
    TERM_CONTEXT_AFTER,
    WEATHER_TERMS,
)
from normalizers.tables.numerals import LUNAR_MONTH_NAMES, lunar_day_value, number_value

_names = "|".join(re.escape(name) for name in sorted(FESTIVALS, key=len, reverse=True))
#: 农历元宵, 阴历七夕: the marker only says what the name already says.
FESTIVAL = re.compile(rf"(?:(?:农历|阴历)(?!新年){SP})?(?P<name>{_names})")
OPENING_QUOTES = "“\"‘'「『"
CLOSING_QUOTES = "”\"’'」』"
CJK_CHARS = re.compile(r"[\u4e00-\u9fff]")

_CN_DAY = r"(?:初[一二三四五六七八九十]|廿[一二三四五六七八九]?|卅|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
LUNAR_DAY = rf"(?:初\d{{1,2}}(?!\d)|{_CN_DAY})"
LUNAR_STYLE_DAY = re.compile(r"初|廿|卅")
#: A Gregorian year written right before: 二零零四年八月十五 is a Gregorian date.
GREGORIAN_YEAR_BEFORE = re.compile(
    r"(?:\d{4}|[〇零一二三四五六七八九]{2,4}|两千[〇零一二三四五六七八九十]*)[ \t]?年$"
)
LUNAR_MONTH = r"(?:正|冬|腊|十[一二]?|[一二三四五六七八九])"
NOT_A_DAY_AFTER = r"(?![日号〇零一二三四五六七八九十0-9])"
LUNAR = re.compile(
    # 农历八月十五, 农历8月15日, 阴历腊月二十三, 农历十月 (the whole month), 阴历二〇二一年六月
    rf"(?P<marker>农历|阴历|夏历){SP}(?:(?P<year>{YEAR}){SP}年{SP})?(?P<leap1>闰)?"
    rf"(?P<m1>{LUNAR_MONTH}|\d{{1,2}}){SP}月(?:份)?"
    rf"(?:{SP}(?P<d1>{LUNAR_DAY}|\d{{1,2}}(?!\d))(?:{SP}[日号])?)?"
    # 腊月十八, 腊月18, 正月初8, 腊月 (the whole month): named months are always lunar
    rf"|(?P<leap2>闰)?(?P<m2>正|冬|腊)月(?:(?P<d2>{LUNAR_DAY}|\d{{1,2}}(?!\d))[日号]?)?"
    # 八月十五, 去年八月十五, 三月廿三: a Chinese day without 日 is lunar (see produce_lunar)
    rf"|(?P<m3>{LUNAR_MONTH})月(?P<d3>{LUNAR_DAY}){NOT_A_DAY_AFTER}"
    # 闰四月, 闰4月, 闰二月十五: a leap month exists only in the lunar calendar
    rf"|闰(?P<m4>{LUNAR_MONTH}|\d{{1,2}})月(?:份|(?P<d4>{LUNAR_DAY}|\d{{1,2}}(?!\d))[日号]?)?"
    # 大年初十: a day of the first lunar month (never 年初)
    rf"|大年初(?P<d5>[一二三四五六七八九十]|\d{{1,2}}(?!\d))"
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


def _standalone(text: str, start: int, end: int) -> bool:
    """Nothing Chinese right before or after: a heading or a list item (国庆)."""
    return not CJK_CHARS.match(before(text, start, 1)) and not CJK_CHARS.match(after(text, end, 1))


def produce_festival(m: re.Match[str], text: str) -> Partial | None:
    name = m.group("name")
    start, end = m.span()
    tail = after(text, end, 4)
    if tail.startswith(NAME_AFTER):
        return None
    if before(text, start, 6).rstrip("的").endswith(FOREIGN_BEFORE):
        return None  # 以色列国庆节, 犹太植树节: another country's or faith's day
    if name in AMBIGUOUS and not (name in STANDALONE and _standalone(text, start, end)):
        quoted = before(text, start, 1) in OPENING_QUOTES and after(text, end, 1) in CLOSING_QUOTES
        quoted = quoted and start > 0 and end < len(text)
        if not (
            quoted
            or tail.startswith(FESTIVAL_CONTEXT_AFTER)
            or before(text, start, 2).endswith(FESTIVAL_CONTEXT_BEFORE)
        ):
            return None
        if name in WEATHER_TERMS and not (quoted or tail.startswith(TERM_CONTEXT_AFTER)):
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


#: The groups of LUNAR in the order of ``m.groups()``: read all at once, one call.
_LUNAR_GROUPS = (
    "marker",
    "year",
    "leap1",
    "m1",
    "d1",
    "leap2",
    "m2",
    "d2",
    "m3",
    "d3",
    "m4",
    "d4",
    "d5",
)
assert tuple(sorted(LUNAR.groupindex, key=LUNAR.groupindex.get)) == _LUNAR_GROUPS


def produce_lunar(m: re.Match[str], text: str) -> Partial | None:
    """A lunar day (腊月十八, 大年初十) or a whole lunar month (农历十月, 闰四月)."""
    _, year_written, leap1, m1, d1, leap2, m2, d2, m3, d3, m4, d4, d5 = m.groups()
    if d5:
        written_month, written_day = "正", d5
    else:
        written_month = m1 or m2 or m3 or m4
        written_day = d1 or d2 or d3 or d4
    # 八月十五 without 农历 or 日 is lunar as people say it, but not 一月二十三 (the
    # lunar first month is 正月) nor after a Gregorian year (二〇〇四年八月十五).
    if (
        m3
        and not LUNAR_STYLE_DAY.match(d3)
        and (m3 == "一" or GREGORIAN_YEAR_BEFORE.search(before(text, m.start(), 8)))
    ):
        return None
    month = LUNAR_MONTH_NAMES.get(written_month) or number_value(written_month)
    day = lunar_day_value(written_day) if written_day else None
    if month is None or (written_day and day is None):
        return None
    warning = None
    if not 1 <= month <= 12:
        warning = f"there is no lunar month {month}"
    elif day is not None and not 1 <= day <= 30:
        warning = f"there is no lunar day {day}"
    year = number_value(year_written) if year_written else None
    leap = bool(leap1 or leap2 or m4)
    return Partial(
        span=m.span(),
        rule="festivals.lunar" if day is not None else "festivals.lunar-month",
        unit="lunar",
        year=year,
        month=month,
        day=day,
        leap_month=leap,
        base="explicit" if year is not None else "context",
        warning=warning,
    )


RULES = (
    Rule(
        "festivals.names",
        FESTIVAL,
        produce_festival,
        keywords=(*FESTIVALS, "农历", "阴历"),
    ),
    Rule(
        "festivals.lunar",
        LUNAR,
        produce_lunar,
        keywords=("农历", "阴历", "夏历", "正月", "冬月", "腊月", "闰", "大年初"),
        on_numbers="chinese",
        # 八月十五: at a run of numerals only the month written in them, then 月.
        after_chinese=frozenset("月"),
    ),
)
