"""Conventional parts of a year or a month, as (first, last) month-day pairs.

``(1, 1), (2, 0)`` means January 1 to the last day of February; day 0 stands for
"the last day of that month". Month parts use day numbers inside the month.
"""

#: Parts of a year → ((month, day), (month, day), granularity).
YEAR_PARTS: dict[str, tuple[tuple[int, int], tuple[int, int], str]] = {
    "初": ((1, 1), (2, 0), "part"),  # 年初
    "底": ((11, 1), (12, 31), "part"),  # 年底
    "末": ((11, 1), (12, 31), "part"),  # 年末
    "上半年": ((1, 1), (6, 30), "half"),
    "前半年": ((1, 1), (6, 30), "half"),
    "下半年": ((7, 1), (12, 31), "half"),
    "后半年": ((7, 1), (12, 31), "half"),
    "一季度": ((1, 1), (3, 31), "quarter"),
    "二季度": ((4, 1), (6, 30), "quarter"),
    "三季度": ((7, 1), (9, 30), "quarter"),
    "四季度": ((10, 1), (12, 31), "quarter"),
    "前两季度": ((1, 1), (6, 30), "quarter"),
    "前三季度": ((1, 1), (9, 30), "quarter"),
    "春季": ((3, 1), (5, 31), "season"),
    "夏季": ((6, 1), (8, 31), "season"),
    "秋季": ((9, 1), (11, 30), "season"),
    "冬季": ((12, 1), (12, 31), "season"),
}

#: Spellings folded onto the keys above.
YEAR_PART_SPELLINGS = {
    "第一季度": "一季度",
    "第二季度": "二季度",
    "第三季度": "三季度",
    "第四季度": "四季度",
    "首季度": "一季度",
    "1季度": "一季度",
    "2季度": "二季度",
    "3季度": "三季度",
    "4季度": "四季度",
    "Q1": "一季度",
    "Q2": "二季度",
    "Q3": "三季度",
    "Q4": "四季度",
    "春天": "春季",
    "夏天": "夏季",
    "秋天": "秋季",
    "冬天": "冬季",
    "年初": "初",
    "年底": "底",
    "年末": "末",
}

#: Parts of a month → (first day, last day or 0 for the month's last day).
MONTH_PARTS: dict[str, tuple[int, int]] = {
    "上旬": (1, 10),
    "中旬": (11, 20),
    "下旬": (21, 0),
    "初": (1, 10),
    "底": (21, 0),
    "末": (21, 0),
}
