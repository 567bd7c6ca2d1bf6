"""Words that qualify a date (see :mod:`normalizers.qualifiers`).

Longer words come first inside each group, so 前后 is read before 前.
"""

#: (qualifier, words written right after the date), tried in this order.
AFTER_WORDS = (
    ("around", ("前后", "左右", "上下")),
    ("since", ("以来", "至今以来")),
    ("before", ("之前", "以前", "前夕", "前")),
    ("after", ("之后", "以后", "过后", "后")),
    ("from", ("起", "开始", "开始起")),
)

#: After a qualifier word, these make it part of another word: 3月1日前往 (go to),
#: 2023年前三季度 (the first three quarters), 5月1日后勤 … 起草 (draft).
NOT_A_QUALIFIER = {
    "前": (
        "往",
        "来",
        "去",
        "进",
        "行",
        "身",
        "列",
        "沿",
        "景",
        "任",
        "线",
        "台",
        "端",
        "提",
        "期",
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
        "几",
        "半",
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "9",
        "天",
        "日",
        "年",
        "月",
    ),
    "后": (
        "勤",
        "台",
        "者",
        "续",
        "备",
        "代",
        "方",
        "面",
        "来",
        "一",
        "两",
        "三",
        "半",
        "天",
        "日",
        "年",
        "月",
        "期",
    ),
    "起": ("草", "诉", "来", "飞", "步", "源", "因", "点", "到", "至"),
    "开始": ("前", "后"),
    "上下": ("班", "游", "级", "车", "楼"),
}

#: Right before the date: the date is a deadline (截止日期为11月20日, 最迟11月20日).
DEADLINE_BEFORE = tuple(
    sorted(
        (
            f"{head}{tail}{link}"
            for head in ("截止", "截稿", "报名截止", "申报截止", "提交截止", "受理截止")
            for tail in ("日期", "时间")
            for link in ("", "为", "是", "：", ":", "为：", "为:")
        ),
        key=len,
        reverse=True,
    )
) + (
    "报名截止",
    "申报截止",
    "提交截止",
    "征集截止",
    "报名截至",
    "最迟",
    "最迟于",
    "最晚",
    "最晚于",
    "不晚于",
    "不迟于",
    "务必于",
    "须于",
    "需于",
    "必须于",
)

#: In the clause before the date: a request, so X前 is a deadline (请于11月20日前报名).
DEADLINE_REQUEST = (
    "请",
    "须",
    "需",
    "务必",
    "必须",
    "应于",
    "应当",
    "要求",
    "报名",
    "提交",
    "报送",
)

#: Right after the date: 报名于11月20日截止.
DEADLINE_AFTER = ("截止", "前截止", "截稿", "止报名")

#: Right before the date: 截至2021年9月, 截止到2022年底.
AS_OF_BEFORE = ("截至", "截止", "截止到", "截止至", "截至到", "截至目前", "as of")

#: Right before the date: 自2020年, 从5月1日 (a start, when no 以来 or 起 follows).
FROM_BEFORE = ("自", "从", "自从")
#: …but not in these words: 数据来自2023年统计公报, 出自, 各自.
NOT_FROM_BEFORE = (
    "来自",
    "出自",
    "源自",
    "各自",
    "亲自",
    "独自",
    "擅自",
    "发自",
    "听从",
    "服从",
    "遵从",
)

#: English: the word right before the date (since 2019, before the Spring Festival).
ENGLISH_BEFORE = {
    "since": "since",
    "before": "before",
    "prior to": "before",
    "ahead of": "before",
    "after": "after",
    "following": "after",
    "as of": "as-of",
    "as at": "as-of",
    "starting": "from",
    "starting from": "from",
    "beginning": "from",
    "effective": "from",
    "from": "from",
    "around": "around",
    "no later than": "deadline",
    "not later than": "deadline",
    "deadline is": "deadline",
    "deadline:": "deadline",
}
