"""Festivals and holidays: the day each one falls on.

``solar``: a fixed Gregorian month and day. ``lunar``: a month and day of the
Chinese lunar calendar, converted by the lunar-calendar library (never by a
hand-made table). ``term``: a solar term (清明, 冬至) computed by the same library.
``eve``: the day before the lunar new year (除夕).

A festival named with a Gregorian year (2025年腊八节) falls in that Gregorian
year, so festivals of the twelfth lunar month use the lunar year before.
"""

from __future__ import annotations

from typing import NamedTuple


class Festival(NamedTuple):
    calendar: str  # "solar", "lunar", "term" or "eve"
    month: int = 0
    day: int = 0
    term: str = ""


#: name as written (after folding to simplified characters) → when it falls.
FESTIVALS: dict[str, Festival] = {
    "元旦": Festival("solar", 1, 1),
    "春节": Festival("lunar", 1, 1),
    "农历新年": Festival("lunar", 1, 1),
    "大年初一": Festival("lunar", 1, 1),
    "元宵节": Festival("lunar", 1, 15),
    "元宵": Festival("lunar", 1, 15),
    "龙抬头": Festival("lunar", 2, 2),
    "妇女节": Festival("solar", 3, 8),
    "三八妇女节": Festival("solar", 3, 8),
    "植树节": Festival("solar", 3, 12),
    "清明节": Festival("term", term="清明"),
    "清明": Festival("term", term="清明"),
    "劳动节": Festival("solar", 5, 1),
    "五一劳动节": Festival("solar", 5, 1),
    "五一国际劳动节": Festival("solar", 5, 1),
    "国际劳动节": Festival("solar", 5, 1),
    "五一": Festival("solar", 5, 1),
    "青年节": Festival("solar", 5, 4),
    "五四青年节": Festival("solar", 5, 4),
    "儿童节": Festival("solar", 6, 1),
    "六一儿童节": Festival("solar", 6, 1),
    "六一": Festival("solar", 6, 1),
    "端午节": Festival("lunar", 5, 5),
    "端午": Festival("lunar", 5, 5),
    "建党节": Festival("solar", 7, 1),
    "七一": Festival("solar", 7, 1),
    "建军节": Festival("solar", 8, 1),
    "八一建军节": Festival("solar", 8, 1),
    "八一": Festival("solar", 8, 1),
    "七夕节": Festival("lunar", 7, 7),
    "七夕": Festival("lunar", 7, 7),
    "中元节": Festival("lunar", 7, 15),
    "教师节": Festival("solar", 9, 10),
    "中秋节": Festival("lunar", 8, 15),
    "中秋": Festival("lunar", 8, 15),
    "国庆节": Festival("solar", 10, 1),
    "国庆": Festival("solar", 10, 1),
    "十一": Festival("solar", 10, 1),
    "重阳节": Festival("lunar", 9, 9),
    "重阳": Festival("lunar", 9, 9),
    "双十一": Festival("solar", 11, 11),
    "冬至": Festival("term", term="冬至"),
    "腊八节": Festival("lunar", 12, 8),
    "腊八": Festival("lunar", 12, 8),
    "小年": Festival("lunar", 12, 23),
    "除夕": Festival("eve"),
    "大年三十": Festival("eve"),
    "平安夜": Festival("solar", 12, 24),
    "圣诞节": Festival("solar", 12, 25),
    "圣诞": Festival("solar", 12, 25),
    "情人节": Festival("solar", 2, 14),
}

#: Short names that are also ordinary words or numbers (五一路, 十一个, 六一中学):
#: they count as festivals only with one of these words right after them, or in
#: quotation marks (“七一”).
AMBIGUOUS = {
    "五一",
    "六一",
    "七一",
    "八一",
    "十一",
    "元宵",
    "清明",
    "国庆",
    "中秋",
    "端午",
    "重阳",
    "小年",
    "圣诞",
    "七夕",
    "腊八",
}

#: Words that make an ambiguous short name a festival: 五一期间, 国庆假期, 七一前夕 …
FESTIVAL_CONTEXT_AFTER = (
    "期间",
    "双节",
    "国庆",
    "中秋",
    "当晚",
    "之夜",
    "夜",
    "假期",
    "长假",
    "小长假",
    "黄金周",
    "前夕",
    "当天",
    "当日",
    "节",
    "前后",
    "来临",
    "到来",
    "之际",
    "佳节",
    "节日",
    "晚会",
    "联欢",
    "庆祝",
    "假日",
    "放假",
    "档",
    "消费",
    "灯会",
    "花灯",
    "游园",
    "小长",
    "那天",
    "这天",
    "以来",
    "过后",
    "后",
    "前",
    "团圆",
    "赏月",
    "假",
    "节前",
    "节后",
)
FESTIVAL_CONTEXT_BEFORE = (
    "庆祝",
    "迎接",
    "迎",
    "喜迎",
    "欢度",
    "共度",
    "度过",
    "过",
    "纪念",
    "庆",
    "今年",
    "去年",
    "明年",
    "年",
)
