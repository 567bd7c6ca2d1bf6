"""What follows or precedes a number and makes it something other than a date."""

#: Characters right after a number that make it an amount, a count or a
#: measure, not a year: 2000万名, 2023家, 1998件, 2020多, 100.7亿元.
UNIT_CHARS = frozenset(
    "万亿千百元块角分%‰个家名人位户次件套台辆吨米斤克升只条张份篇项所座栋层号楼室间床把支根颗粒"
    "株棵头匹批届期款种类组队场轮首部集页章节多余来几平公亩顷里度岁周天小秒倍股手箱包袋瓶罐"
)

#: After ``YYYY年``: a count of years, not the year (2000多年, 1000年来, 5000年历史).
YEAR_DURATION_AFTER = ("来", "多", "余", "之久", "左右", "历史", "光阴")

#: Right before a number: it is a label's value, an ordinal or a code.
LABEL_BEFORE = (
    "第",
    "编号",
    "No.",
    "NO.",
    "no.",
    "No",
    "#",
    "阅读",
    "浏览",
    "点击",
    "备",
    "证",
    "码",
    "ICP",
)

#: Before a day-of-month alone (20日): it repeats, it is not one date.
RECURRING_BEFORE = ("每月", "每", "逢", "隔")

#: After a day count alone (3日内): a duration.
DAY_DURATION_AFTER = (
    "内",
    "之内",
    "以内",
    "左右",
    "以上",
    "后",
    "来",
    "多",
    "余",
    "间",
    "起算",
    "之后",
    "以后",
    "工作日",
)
