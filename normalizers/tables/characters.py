"""One-for-one character folding applied before matching.

Every entry maps one character to one character, so offsets in the folded text
are offsets in the original text: a mention found in ``fold(text)`` at ``span``
is ``text[span[0]:span[1]]`` in the original.
"""

import re

#: Full-width digits, letters and punctuation → ASCII (U+FF01–U+FF5E → U+0021–U+007E).
FULL_WIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}

#: Dashes and tildes of every width → "-" and "~" (—— stays two characters: "--").
DASHES = {
    "\u2010": "-",  # ‐ hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash
    "\u2015": "-",  # ― horizontal bar
    "\u2212": "-",  # − minus
    "\ufe58": "-",  # small em dash
    "\ufe63": "-",  # small hyphen-minus
    "\u301c": "~",  # 〜 wave dash
    "\u3030": "~",  # 〰 wavy dash
    "\uff5e": "~",  # ～ full-width tilde (also covered by FULL_WIDTH)
    "\u30fc": "-",  # ー katakana long mark, typed for a dash in Chinese text
}

#: Spaces that behave like a space inside a date (2023 年 8 月).
SPACES = {"\u3000": " ", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u202f": " "}

#: Zero look-alikes used in written-out years (二○二三年).
ZEROS = {"○": "〇", "◯": "〇"}

#: Traditional characters that occur in date expressions and their traps
#: (Hong Kong, Macau and Taiwan associations): 號 農曆 臘月 國慶 週年 元宵節 民國 …
TRADITIONAL = {
    "號": "号",
    "農": "农",
    "曆": "历",
    "臘": "腊",
    "國": "国",
    "慶": "庆",
    "節": "节",
    "週": "周",
    "閏": "闰",
    "個": "个",
    "萬": "万",
    "億": "亿",
    "餘": "余",
    "來": "来",
    "屆": "届",
    "間": "间",
    "後": "后",
    "當": "当",
    "誕": "诞",
    "聖": "圣",
    "勞": "劳",
    "動": "动",
    "兒": "儿",
    "華": "华",
    "陽": "阳",
    "歲": "岁",
    "歷": "历",
    "紀": "纪",
    "執": "执",
    "於": "于",
    "舉": "举",
    "辦": "办",
    "會": "会",
    "級": "级",
    "頭": "头",
    "條": "条",
    "單": "单",
    "開": "开",
    "備": "备",
    "權": "权",
    "電": "电",
    "話": "话",
    "傳": "传",
    "郵": "邮",
    "編": "编",
    "閱": "阅",
    "讀": "读",
    "數": "数",
    "點": "点",
    "擊": "击",
    "瀏": "浏",
    "覽": "览",
    "規": "规",
    "劃": "划",
    "畫": "画",
    "計": "计",
    "綱": "纲",
    "時": "时",
    "舊": "旧",
    "氣": "气",
    "濟": "济",
    "齊": "齐",
    "雙": "双",
    "結": "结",
    "約": "约",
    "預": "预",
    "將": "将",
    "擬": "拟",
    "兩": "两",
    "學": "学",
    "夢": "梦",
    "燈": "灯",
    "龍": "龙",
    "師": "师",
    "婦": "妇",
    "軍": "军",
    "黨": "党",
    "誌": "志",
    "與": "与",
    "為": "为",
    "過": "过",
    "場": "场",
    "貿": "贸",
    "紡": "纺",
    "織": "织",
    "協": "协",
    "聯": "联",
    "進": "进",
    "審": "审",
    "議": "议",
    "說": "说",
    "這": "这",
    "禮": "礼",
}


#: Full-width punctuation common in Chinese prose that the rules read as it is;
#: leaving it alone keeps folding cheap (only rare characters are replaced).
KEPT_AS_WRITTEN = frozenset("，。：；（）！？、")


def _folding_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for mapping in (FULL_WIDTH, DASHES, SPACES, ZEROS, TRADITIONAL):
        table.update(mapping)
    for kept in KEPT_AS_WRITTEN:
        table.pop(kept, None)
    assert all(len(k) == 1 and len(v) == 1 for k, v in table.items())
    return table


FOLDING = _folding_table()
_FOLDABLE = re.compile("[" + "".join(re.escape(ch) for ch in FOLDING) + "]")


def _replace(match: re.Match[str]) -> str:
    return FOLDING[match.group()]


def fold(text: str) -> str:
    """Fold ``text`` one character for one, keeping every offset.

    >>> fold("２０２３年９月８日至１０號")
    '2023年9月8日至10号'
    """
    return _FOLDABLE.sub(_replace, text)
