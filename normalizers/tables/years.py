"""Words around a two-digit or spoken year that tell a year from a count of years."""

#: Right after ``15年``: a count (23年来, 15年间, 干了15年多), never the year 2015.
COUNT_AFTER = (
    "来",
    "间",
    "内",
    "多",
    "余",
    "以上",
    "以下",
    "以来",
    "之久",
    "之内",
    "之后",
    "之前",
    "以后",
    "以前",
    "前",
    "后",
    "里",
    "左右",
    "历史",
    "时间",
    "时光",
    "光阴",
    "了",
    "半",
    "零",
    "期",
    "的时间",
    "的历史",
    "的努力",
    "的发展",
)

#: Right before ``15年``: a count (干了15年, 近20年, 第15年, 满10年).
COUNT_BEFORE = frozenset("了近约多第满达共每用过历经这那几数有超逾足整花需要等再前后")

#: Right before a bare ``08年`` for it to be a year: the start of a phrase (not 是,
#: 和, 与: 工龄是15年, 10年和15年 are counts).
BARE_YEAR_BEFORE = frozenset(' \t\n,，。;；:：、(（“"【》从自在于到至~-')

#: Right after a two-digit year that starts a range: 18年至20年, 98年-99年.
RANGE_TAIL = ("至", "到", "-", "~", "起", "开始")
