"""Conventional parts of a year or a month, as (first, last) month-day pairs.

``(1, 1), (2, 0)`` means January 1 to the last day of February; day 0 stands for
"the last day of that month". Month parts use day numbers inside the month.
"""

from calendar import monthrange

#: Parts of a year → ((month, day), (month, day), granularity).
YEAR_PARTS: dict[str, tuple[tuple[int, int], tuple[int, int], str]] = {
    "初": ((1, 1), (2, 0), "part"),  # 年初
    "底": ((11, 1), (12, 31), "part"),  # 年底
    "末": ((11, 1), (12, 31), "part"),  # 年末
    "伊始": ((1, 1), (2, 0), "part"),  # 2023年伊始: 年初
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

#: The first and last months of each quarter: 一季度末 (March), 四季度初 (October).
#: (None of them is February, so their last days never change.)
for _number, _name in enumerate("一二三四"):
    _first, _last = 3 * _number + 1, 3 * _number + 3
    YEAR_PARTS[f"{_name}季度初"] = ((_first, 1), (_first, monthrange(2001, _first)[1]), "part")
    YEAR_PARTS[f"{_name}季度末"] = ((_last, 1), (_last, monthrange(2001, _last)[1]), "part")
    YEAR_PARTS[f"{_name}季度底"] = YEAR_PARTS[f"{_name}季度末"]

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
    "前两个季度": "前两季度",
    "前2个季度": "前两季度",
    "前三个季度": "前三季度",
    "前3个季度": "前三季度",
    "年伊始": "初",
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
    "中": (11, 20),  # 月中, 5月中, 下月中: as 中旬
    "底": (21, 0),
    "末": (21, 0),
}

for _number, _name in enumerate("一二三四", start=1):
    for _end in ("初", "末", "底"):
        YEAR_PART_SPELLINGS[f"第{_name}季度{_end}"] = f"{_name}季度{_end}"
        YEAR_PART_SPELLINGS[f"{_number}季度{_end}"] = f"{_name}季度{_end}"
        YEAR_PART_SPELLINGS[f"Q{_number}{_end}"] = f"{_name}季度{_end}"
