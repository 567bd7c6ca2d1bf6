"""Chinese numerals as they appear in dates: 二〇二三, 十二, 廿三, 三十一, 初八."""

DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

#: Character classes for the patterns.
DIGIT_CHARS = "〇零一二三四五六七八九"
SMALL_NUMBER_CHARS = "〇零一二两三四五六七八九十廿卅"

#: Month names of the lunar calendar that are not plain numbers.
LUNAR_MONTH_NAMES = {"正": 1, "冬": 11, "腊": 12}


def number_value(written: str) -> int | None:
    """The value of a written number: ``"23"``, ``"二〇二三"``, ``"二十三"``, ``"廿三"``.

    >>> number_value("二〇二三"), number_value("十二"), number_value("廿三"), number_value("三十一")
    (2023, 12, 23, 31)
    """
    written = written.strip()
    if not written:
        return None
    if written.isascii():
        return int(written) if written.isdigit() else None
    if all(ch in DIGITS for ch in written) and len(written) > 1:
        # 二〇二三: one character per digit.
        return int("".join(str(DIGITS[ch]) for ch in written))
    if written in DIGITS:
        return DIGITS[written]
    for tens_char, tens in (("廿", 20), ("卅", 30)):
        if written.startswith(tens_char):
            rest = written[1:]
            return tens + DIGITS.get(rest, 0) if len(rest) <= 1 else None
    if "十" in written:
        head, _, tail = written.partition("十")
        if len(head) > 1 or len(tail) > 1:
            return None
        tens = DIGITS.get(head) if head else 1
        units = DIGITS.get(tail) if tail else 0
        if tens is None or units is None:
            return None
        return tens * 10 + units
    return None


def lunar_day_value(written: str) -> int | None:
    """Lunar days: 初一 … 初十, 十一 … 二十, 廿一 … 廿九, 三十.

    >>> lunar_day_value("初八"), lunar_day_value("十五"), lunar_day_value("廿三")
    (8, 15, 23)
    """
    if written.startswith("初"):
        return number_value(written[1:])
    return number_value(written)
