"""Words relative to the document's present or to the last mention.

    今年 去年 前年 明年 后年 今年底 去年年初 | 当年 同年 次年
    今天 昨天 明天 | 当天 当日 同日 次日 翌日 隔天 前一天
    本月 上月 下个月 | 当月 次月      本周 上周 下周
    年初 年底 上半年 下半年 一季度 第四季度 前三季度 Q1 春季 (parts of a year)
    上旬 中旬 下旬 月初 月底 (parts of a month)

A part of a year alone (上半年) belongs to the year of what precedes it, joined
later (2023年上半年, 今年上半年), else to the document's present.
"""

from __future__ import annotations

import re

from normalizers.rules.base import DAY, WEEKDAYS, Partial, Rule, after, before
from normalizers.tables.numerals import number_value
from normalizers.tables.parts import YEAR_PART_SPELLINGS, YEAR_PARTS
from normalizers.tables.relative import (
    RELATIVE_DAYS,
    RELATIVE_HALVES,
    RELATIVE_MONTHS,
    RELATIVE_QUARTERS,
    RELATIVE_WEEKS,
    RELATIVE_YEARS,
)


def _alternation(words) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


RELATIVE = re.compile(
    rf"(?P<year>{_alternation(RELATIVE_YEARS)})(?:年?(?P<year_part>初|底|末)(?![步次级中等心衷始稿]))?"
    rf"|(?P<month>{_alternation(RELATIVE_MONTHS)})份?"
    rf"(?:的?(?P<month_day>{DAY})[ \t]?[日号]|(?P<month_part>上旬|中旬|下旬|初|底|末|中(?![旬国共心央文外方部期])))?"
    rf"|(?P<week>{_alternation(RELATIVE_WEEKS)})(?:周|星期|礼拜)?(?P<weekday>[一二三四五六日天](?![年]))?"
    rf"|(?P<quarter>{_alternation(RELATIVE_QUARTERS)})(?P<quarter_part>初|末|底)?"
    rf"|(?P<half>{_alternation(RELATIVE_HALVES)})"
    rf"|(?P<day>{_alternation(RELATIVE_DAYS)})"
)

_PART_WORDS = [w for w in YEAR_PARTS if len(w) > 1] + [w for w in YEAR_PART_SPELLINGS if len(w) > 1]
PARTS = re.compile(
    rf"(?P<ypart>{_alternation(_PART_WORDS)})(?:(?<=[初底末始])(?![步次级中等心衷始稿])|(?<![初底末始]))"
    r"|(?P<mpart>上旬|中旬|下旬|月初|月底|月末|月中(?![国共心央文外方部期]))"
)

#: Figurative uses: 才有今天的荣誉 (what we have now), 美好明天 (the future).
FIGURATIVE_BEFORE = (
    "有",
    "到",
    "才有",
    "直到",
    "走到",
    "美好",
    "的",
    "创造",
    "开创",
    "赢得",
    "成就",
    "和",
)
#: Names and phrases that contain a relative word but are no date.
NOT_DATE_AFTER = {
    "今日": ("头条", "说法", "关注", "中国", "美国", "视点", "话题"),
    "明日": ("之星", "之子", "黄花", "香"),
    "后天": ("努力", "培养", "形成", "习得", "的努力"),
    "上月": ("球", "亮", "台"),
    "下月": ("台", "球"),
    "上年": ("纪",),
    "前年": ("度",),
}
NOT_DATE_BEFORE = {
    "去年": ("过", "失"),
    "前年": ("提", "之", "以", "目", "从", "当"),
    "后年": ("最", "然", "以", "之", "落", "背", "此"),
    "上年": ("以", "向"),
    "当年": ("相",),
    "前天": ("提",),
    "明天": ("光",),
    "当天": ("每",),
    "当日": ("每",),
}


def _excluded(word: str, text: str, start: int, end: int) -> bool:
    not_before = NOT_DATE_BEFORE.get(word)
    if not_before is not None and before(text, start, 2).endswith(not_before):
        return True
    not_after = NOT_DATE_AFTER.get(word)
    return not_after is not None and after(text, end, 3).startswith(not_after)


#: The groups of RELATIVE in the order of ``m.groups()``: read all at once, one call.
_GROUPS = (
    "year",
    "year_part",
    "month",
    "month_day",
    "month_part",
    "week",
    "weekday",
    "quarter",
    "quarter_part",
    "half",
    "day",
)
assert tuple(sorted(RELATIVE.groupindex, key=RELATIVE.groupindex.get)) == _GROUPS


def produce_relative(m: re.Match[str], text: str) -> Partial | None:
    (
        year,
        year_part,
        month,
        month_day,
        month_part,
        week,
        weekday_written,
        quarter,
        quarter_part,
        half,
        day_word,
    ) = m.groups()
    word = year or month or week or quarter or half or day_word
    start, end = span = m.span()
    if _excluded(word, text, start, start + len(word)):
        return None
    rule = f"relative.{word}"
    if year:
        reference, offset = RELATIVE_YEARS[word]
        return Partial(
            span=span,
            rule=rule,
            unit="year",
            part=year_part,
            base=reference,
            shift=offset,
        )
    if quarter or half:
        reference, offset = (RELATIVE_QUARTERS if quarter else RELATIVE_HALVES)[word]
        return Partial(
            span=span,
            rule=rule,
            unit="year",
            part=quarter_part,
            base=reference,
            shift=offset,
            shift_unit="quarters" if quarter else "halves",
        )
    if month and month_day:
        reference, offset = RELATIVE_MONTHS[word]
        day = number_value(month_day)
        if day is None or not 1 <= day <= 31:
            return None
        return Partial(
            span=span,
            rule=rule,
            unit="day",
            day=day,
            base=reference,
            shift=offset,
            shift_unit="months",
        )
    if month:
        reference, offset = RELATIVE_MONTHS[word]
        return Partial(
            span=span,
            rule=rule,
            unit="month",
            part=month_part,
            base=reference,
            shift=offset,
            shift_unit="months",
        )
    if week:
        reference, offset = RELATIVE_WEEKS[word]
        weekday = WEEKDAYS.get(weekday_written or "")
        return Partial(
            span=span,
            rule=rule,
            unit="day" if weekday is not None else "week",
            base=reference,
            shift=offset,
            shift_unit="weeks",
            weekday=weekday,  # 上周五: the Friday of last week
        )
    reference, offset = RELATIVE_DAYS[word]
    if word in ("今天", "明天", "今日", "明日") and (
        before(text, start, 2).endswith(FIGURATIVE_BEFORE)
        or after(text, end, 1) == "的"
        and word in ("明天",)
    ):
        return None
    if (
        word in ("今天",)
        and after(text, end, 1) == "的"
        and before(text, start, 3).endswith(("有", "才有", "到", "将"))
    ):
        return None
    return Partial(
        span=span, rule=rule, unit="day", base=reference, shift=offset, shift_unit="days"
    )


def produce_part(m: re.Match[str], text: str) -> Partial | None:
    start, end = m.span()
    if m.group("ypart"):
        word = m.group("ypart")
        key = YEAR_PART_SPELLINGS.get(word, word)
        if word == "年初" and before(text, start, 1) == "大":
            return None  # 大年初十 is a lunar day, never 年初
        if word in ("年初", "年底", "年末") and before(text, start, 1) in (
            "今",
            "去",
            "明",
            "前",
            "后",
            "当",
            "同",
            "次",
            "翌",
            "本",
            "上",
            "每",
            "来",
            "近",
            "多",
            "数",
            "两",
            "几",
            "连",
        ):
            return None
        if before(text, start, 1) in ("每", "各"):
            return None
        seasonal = YEAR_PARTS[key][2] == "season"
        return Partial(
            span=m.span(),
            rule=f"parts.{key}",
            unit="year",
            part=key,
            base="context",
            fragment=seasonal,  # 春季 alone is too vague: only 2024年春季 counts
        )
    word = m.group("mpart")
    if before(text, start, 1) in ("每", "各", "本", "上", "下", "当", "同", "次"):
        return None
    key = word[1] if word.startswith("月") else word
    return Partial(span=m.span(), rule=f"parts.month-{key}", unit="month", part=key, base="context")


FIRST_MONTHS = re.compile(r"前(?P<n>\d{1,2}|十[一二]?|[一二两三四五六七八九])个月")
_FIRST_MONTHS_WORDS = tuple(
    f"前{n}个月"
    for n in (
        *range(1, 13),
        "一",
        "二",
        "两",
        "三",
        "四",
        "五",
        "六",
        "七",
        "八",
        "九",
        "十",
        "十一",
        "十二",
    )
)


def produce_first_months(m: re.Match[str], text: str) -> Partial | None:
    """前8个月 after a year (今年前8个月): January to August. Alone it is a duration."""
    months = number_value(m.group("n"))
    if months is None or not 1 <= months <= 12:
        return None
    head = Partial(
        span=m.span(),
        rule="relative.first-months",
        unit="month",
        month=1,
        base="context",
        fragment=True,
    )
    head.end = Partial(
        span=m.span(), rule="relative.first-months", unit="month", month=months, base="context"
    )
    return head


TWO_UNITS = re.compile(r"(?P<pair>今明|昨今|去今)两(?P<unit>年|天|日)")
_PAIRS = {"今明": (0, 1), "昨今": (-1, 0), "去今": (-1, 0)}


def produce_two_units(m: re.Match[str], text: str) -> Partial | None:
    """今明两年 (this year and next), 昨今两天: one range over both."""
    first, last = _PAIRS[m.group("pair")]
    year = m.group("unit") == "年"
    fields = dict(
        span=m.span(),
        rule="relative.two-units",
        unit="year" if year else "day",
        base="present",
        shift_unit="years" if year else "days",
    )
    head = Partial(shift=first, **fields)
    head.end = Partial(shift=last, **fields)
    return head


RULES = (
    Rule(
        "relative.two-units",
        TWO_UNITS,
        produce_two_units,
        keywords=("今明两", "昨今两", "去今两"),
    ),
    Rule("relative.first-months", FIRST_MONTHS, produce_first_months, keywords=_FIRST_MONTHS_WORDS),
    Rule(
        "relative.words",
        RELATIVE,
        produce_relative,
        keywords=(
            *RELATIVE_YEARS,
            *RELATIVE_MONTHS,
            *RELATIVE_WEEKS,
            *RELATIVE_QUARTERS,
            *RELATIVE_HALVES,
            *RELATIVE_DAYS,
        ),
        # Its partials cover the match and are named for the word (relative.今年).
        same_span=True,
        # Before: the figurative and excluded words (3). After: the excluded words,
        # read from the word's end, never past the match's end (3).
        reads=(3, 3),
    ),
    Rule(
        "relative.parts",
        PARTS,
        produce_part,
        keywords=(*_PART_WORDS, "上旬", "中旬", "下旬", "月初", "月底", "月末", "月中"),
    ),
)
