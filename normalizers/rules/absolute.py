"""Dates written with numbers: full dates, year-months, years, month-days, months.

One tokenizer pattern covers them all, because they share their pieces and
because one pass over the text is what keeps extraction fast:

    2020年10月20日  2023-09-08  2021-2-9  2023/9/8  2023.09.08  二〇二三年九月八日
    2024年4月  2024.4  2020年  2022年度  2023年底  2019-2020  2019—2020年
    8月22日  9月4号  十月一日  3月份  8月下旬  1-8月  11月18-20日
    2023汕头马拉松 (a bare year right before an event name)
    20日 and 10月 after a dash are fragments, joined to their neighbour later.

Values are checked here: 2月30日 and 13月 become warnings, never dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from normalizers.rules.base import (
    ARABIC_YEAR,
    CJK,
    CONNECTOR,
    DAY,
    MONTH,
    NOT_AFTER_NUMBER,
    SP,
    YEAR,
    Partial,
    Rule,
    after,
    before,
    branch_groups,
    forms,
    weekday_after,
)
from normalizers.tables.numerals import DIGIT_CHARS, number_value
from normalizers.tables.traps import LABEL_BEFORE, UNIT_CHARS, YEAR_DURATION_AFTER

#: 日 after a day, or (8月22、23日) a list of days that ends with it.
DAY_END = rf"(?:{SP}[日号]|(?=[ \t]?[、,，和及与][ \t]?{DAY}{SP}[日号]))"
YEAR_PART = r"(?:伊始|初|底|末)(?![步次级中等心衷始稿])"
MONTH_PART = r"(?:上旬|中旬|下旬|初|底|末|中(?=[,，。;；、 \t\n]|$))(?![步次级等心衷始稿])"

#: The forms of dates written with numbers, in the order the pattern tries them, each
#: with what it starts with: "year" (four digits, or four Chinese digits) or "short"
#: (a month or a day: one or two digits, or a Chinese numeral).
_FORMS = (
    # 2020年10月20日, 二〇二〇年十月二十日, 2020年11月18-20日
    ("year", rf"(?P<ymd_y>{YEAR}){SP}年{SP}(?P<ymd_m>{MONTH}){SP}月{SP}(?P<ymd_d>{DAY})(?:{SP}{CONNECTOR}{SP}(?P<ymd_d2>{DAY}))?{DAY_END}"),
    # 2024年4月, 2024年4月份, 2023年8月下旬
    ("year", rf"(?P<ym_y>{YEAR}){SP}年{SP}(?P<ym_m>{MONTH}){SP}月份?(?P<ym_part>{MONTH_PART})?"),
    # 2023-09-08, 2023/9/8, 2023.09.08 (one separator throughout)
    ("year", rf"(?P<iso_y>{ARABIC_YEAR})(?P<iso_sep>[-/.])(?P<iso_m>\d{{1,2}})(?P=iso_sep)(?P<iso_d>\d{{1,2}})(?![0-9])"),
    # 2019-2020, 2019—2020年, 2019至2020年度 (never 2023-2023: see refuses)
    ("year", rf"(?P<yr_a>{ARABIC_YEAR}){SP}{CONNECTOR}{SP}(?!(?P=yr_a)(?![0-9]))(?P<yr_b>{ARABIC_YEAR})(?P<yr_n>{SP}年度?)?"),
    # 2020年, 2022年度, 2023年底, 二〇二三年
    ("year", rf"(?P<y_y>{YEAR}){SP}年(?P<y_fiscal>度)?(?P<y_part>{YEAR_PART})?"),
    # 2024.4, 2024-04, 2024/4
    ("year", rf"(?P<isoym_y>{ARABIC_YEAR})(?P<isoym_sep>[-/.])(?P<isoym_m>\d{{1,2}})(?![0-9])"),
    # 8月1-3日, 11月18-20日
    ("short", rf"(?P<mdr_m>{MONTH}){SP}月{SP}(?P<mdr_a>{DAY}){SP}{CONNECTOR}{SP}(?P<mdr_b>{DAY}){SP}[日号]"),
    # 8月22日, 9月4号, 十月一日
    ("short", rf"(?P<md_m>{MONTH}){SP}月{SP}(?P<md_d>{DAY}){DAY_END}"),
    # 1-8月, 7至9月
    ("short", rf"(?P<mr_a>{MONTH}){SP}{CONNECTOR}{SP}(?P<mr_b>{MONTH}){SP}月份?"),
    # 3月, 3月份, 8月下旬
    ("short", rf"(?P<m_m>{MONTH}){SP}月份?(?P<m_part>{MONTH_PART})?"),
    # 18-20日
    ("short", rf"(?P<dr_a>\d{{1,2}}){SP}{CONNECTOR}{SP}(?P<dr_b>\d{{1,2}}){SP}[日号]"),
    # 20日, 二十日 (a fragment unless the context makes it a date)
    ("short", rf"(?P<d_d>{DAY}){SP}[日号]"),
    # 2023 alone: a year only before an event name (2023汕头马拉松), so only before a
    # Chinese character, after at most one space (2023 2024 … is no match at all)
    ("year", rf"(?P<bare_y>{ARABIC_YEAR})(?=[ ]?[\u4e00-\u9fff])"),
)  # fmt: skip


def _alternation(starts: tuple[str, ...]) -> re.Pattern[str]:
    """The forms that start with one of ``starts``, in their order, as one pattern."""
    forms = "|".join(form for start, form in _FORMS if start in starts)
    return re.compile(f"{NOT_AFTER_NUMBER}(?:{forms})")


NUMERIC = _alternation(("year", "short"))
#: The same forms cut by how they start. At a run of Arabic digits, a form of the
#: other kind can never match: a year needs four digits (1\d{3}, 20\d{2}: a run of
#: one or two stops short of them), a month or a day takes at most two and then
#: wants 月, 日, a connector… never the third digit of a longer run. Dropping forms
#: that cannot match leaves the first that does, so the match is the same, for
#: the cost of half the forms (``match_by_shape``; tests/test_extract_shortcuts.py
#: compares both patterns at every place of its texts).
_YEAR_FIRST = _alternation(("year",))
_SHORT_FIRST = _alternation(("short",))

LONE_DAY_AFTER = re.compile(
    r"^(?:$|[\s,，。;；:：、)）]|上午|下午|中午|晚上|晚|早上|早|凌晨|傍晚|夜|起|开始|举行|举办|召开|开幕|闭幕|至|到|-|~)"
)
#: At the start of a phrase, a lone day is a date unless a count reads better (3日内, 5日游).
LONE_DAY_NOT_AFTER = re.compile(r"^(?:[0-9内游以左后前之间来多余天期均薪制班次个届]|工作|假)")
#: What may stand right before a lone day-of-month for it to be a date (20日，…), besides
#: whitespace and the text's start.
_LONE_DAY_BEFORE_CHARS = frozenset(',，。;；:：、(（“"】于在是从自至到和及与~-')


def _lone_day_before(text: str, start: int) -> bool:
    """Whether a lone day at ``start`` may be a date for what stands before it: the text's
    start, whitespace or one of :data:`_LONE_DAY_BEFORE_CHARS` right before ``start``
    (tests/test_extract_shortcuts.py compares it with the pattern it replaced on every
    character)."""
    if not start:
        return True
    char = text[start - 1]
    return char in _LONE_DAY_BEFORE_CHARS or char.isspace()


PHRASE_START = re.compile(r"(?:^|[\n。！？!?；;，,])$")
NEW_MONTH_DAY = re.compile(r"(?:当月|本月|同月|次月)$")


def _value(text: str | None) -> int | None:
    if not text:
        return None
    # Arabic digits, most numbers of a date, without number_value's other scripts.
    return int(text) if text.isascii() and text.isdigit() else number_value(text)


#: The months of fewer than 31 days, and their longest day (a leap year's February).
_LONGEST_DAY = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}


def _check(year: int | None, month: int | None, day: int | None) -> str | None:
    """Why a written date cannot exist, or None when it can."""
    if month is not None and not 1 <= month <= 12:
        return f"there is no month {month}"
    if day is not None:
        if not 1 <= day <= 31:
            return f"there is no day {day}"
        if month is not None:
            longest = _LONGEST_DAY.get(month, 31)
            if day > longest:
                return f"month {month} has at most {longest} days"
            if year is not None and month == 2 and day == 29 and not _leap(year):
                return f"{year} is not a leap year"
    return None


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _is_amount(text: str, end: int) -> bool:
    """True when the number ending at ``end`` is followed by a unit (2000万名)."""
    rest = text[end : end + 2].lstrip(" ")
    return bool(rest) and (rest[0] in UNIT_CHARS or rest[0] in "0123456789.%")


#: The last characters of the labels: most numbers have none of them before.
_LABEL_ENDINGS = frozenset(label[-1] for label in LABEL_BEFORE)


#: What may stand right before a labelled number: a label's last character, or what
#: :func:`_labelled` strips between the label and the number.
_LABEL_OR_STRIPPED = _LABEL_ENDINGS | frozenset(" :：")


def _labelled(text: str, start: int) -> bool:
    """True when a label or an ordinal stands right before the number (第2023, 阅读数:2023)."""
    if not start or text[start - 1] not in _LABEL_OR_STRIPPED:
        return False  # most numbers: no label can end right before them
    head = text[max(0, start - 6) : start].rstrip(" :：")
    return head[-1:] in _LABEL_ENDINGS and head.endswith(LABEL_BEFORE)


def _partial(m: re.Match[str], unit: str, **values) -> Partial:
    return Partial(span=m.span(), rule=f"absolute.{unit}", unit=unit, **values)


#: id of a pattern → its groups (by id: a pattern's hash reads its whole compiled code).
_GROUPS_OF = {
    id(pattern): branch_groups(pattern) for pattern in (NUMERIC, _YEAR_FIRST, _SHORT_FIRST)
}


#: id of a pattern → ``m.lastindex`` of a match → the form that matched (the prefix
#: of its groups' names: ymd, ym, iso, yr, y, isoym, mdr, md, mr, m, dr, d, bare).
_FORM_OF = {id(pattern): forms(pattern) for pattern in (NUMERIC, _YEAR_FIRST, _SHORT_FIRST)}


def _GROUPS(m: re.Match[str]) -> dict[str, str | None]:  # noqa: N802  (the other rules' name)
    """The groups of the form that matched, whichever of the three patterns it was."""
    return _GROUPS_OF[id(m.re)](m)


def _range_ends(pattern: re.Pattern[str]) -> dict[int, tuple[int, int, bool]]:
    """``m.lastindex`` of a match of a range of years (yr) or of days (dr) → the groups
    of its two ends, and whether they are years."""
    index = pattern.groupindex
    ends: dict[int, tuple[int, int, bool]] = {}
    if "yr_a" in index:  # the last group is yr_n when 年 is written after the range
        ends[index["yr_b"]] = ends[index["yr_n"]] = (index["yr_a"], index["yr_b"], True)
    if "dr_a" in index:
        ends[index["dr_b"]] = (index["dr_a"], index["dr_b"], False)
    return ends


_RANGE_ENDS = {id(p): _range_ends(p) for p in (NUMERIC, _YEAR_FIRST, _SHORT_FIRST)}


def refuses(m: re.Match[str]) -> bool:
    """A range of years or of days that :func:`produce` refuses for its values alone:
    the second end not after the first (2024-2019, 18-18日; the pattern itself never
    offers two equal years, 2023-2023, which a back-reference tells cheaper), or
    too far (over 200 years, past the 31st), read from the match's groups before
    any candidate or partial is made of it."""
    ends = _RANGE_ENDS[id(m.re)].get(m.lastindex)
    if ends is None:
        return False
    first, last = int(m.group(ends[0])), int(m.group(ends[1]))
    if ends[2]:
        return not first < last <= first + 200
    return not 1 <= first < last <= 31


def _produce_ymd(m: re.Match[str], text: str) -> Partial | None:
    """2020年10月20日, 二〇二〇年十月二十日, 2020年11月18-20日"""
    group = m.group
    end = m.end()
    year, month, day = _value(group("ymd_y")), _value(group("ymd_m")), _value(group("ymd_d"))
    head = _partial(
        m,
        "day",
        year=year,
        month=month,
        day=day,
        warning=_check(year, month, day),
        weekday=weekday_after(text, end),
    )
    if group("ymd_d2"):
        last = _value(group("ymd_d2"))
        head.warning = head.warning or _check(year, month, last)
        if head.warning is None and last <= day:
            return None
        head.end = head.moved(day=last, weekday=None)
        head.rule = "ranges.day"
    return head


def _produce_ym(m: re.Match[str], text: str) -> Partial | None:
    """2024年4月, 2024年4月份, 2023年8月下旬"""
    group = m.group
    year, month = _value(group("ym_y")), _value(group("ym_m"))
    return _partial(
        m,
        "month",
        year=year,
        month=month,
        part=group("ym_part"),
        warning=_check(year, month, None),
    )


def _produce_iso(m: re.Match[str], text: str) -> Partial | None:
    """2023-09-08, 2023/9/8, 2023.09.08"""
    group = m.group
    end = m.end()
    year, month, day = int(group("iso_y")), int(group("iso_m")), int(group("iso_d"))
    if group("iso_sep") == "." and _is_amount(text, end):
        return None
    problem = _check(year, month, day)
    if problem and (month > 12 or day > 31):
        return None  # not a date at all: a code or a version number
    return _partial(
        m,
        "day",
        year=year,
        month=month,
        day=day,
        warning=problem,
        weekday=weekday_after(text, end),
    )


def _produce_yr(m: re.Match[str], text: str) -> Partial | None:
    """2019-2020, 2019—2020年, 2019至2020年度"""
    group = m.group
    start, end = m.span()
    first, last = int(group("yr_a")), int(group("yr_b"))
    if not first < last <= first + 200 or _labelled(text, start) or _is_amount(text, end):
        return None
    last_text = group("yr_b") + (group("yr_n") or "")
    return Partial(
        span=m.span(),
        rule="ranges.year",
        unit="year",
        year=first,
        bare_year=not group("yr_n"),
        end=Partial(span=(end - len(last_text), end), rule="absolute.year", unit="year", year=last),
    )


def _produce_y(m: re.Match[str], text: str) -> Partial | None:
    """2020年, 2022年度, 2023年底, 二〇二三年"""
    group = m.group
    start, end = m.span()
    year = _value(group("y_y"))
    if year is None or _labelled(text, start):
        return None
    if after(text, end, 2).startswith(YEAR_DURATION_AFTER):
        return None  # 5000年历史, 2000多年: a count of years
    if group("y_y").isascii() and not 1000 <= year <= 2199:
        return None
    return _partial(m, "year", year=year, part=group("y_part"))


def _produce_isoym(m: re.Match[str], text: str) -> Partial | None:
    """2024.4, 2024-04, 2024/4"""
    group = m.group
    start, end = m.span()
    year, month = int(group("isoym_y")), int(group("isoym_m"))
    if not 1 <= month <= 12 or _is_amount(text, end) or _labelled(text, start):
        return None
    if group("isoym_sep") == "." and not 1990 <= year <= 2100:
        return None
    if (
        group("isoym_sep") == "-"
        and len(group("isoym_m")) == 1
        and text[end : end + 1] not in ("", " ", "\n")
        and CJK.match(text, end) is None
    ):
        return None
    return _partial(m, "month", year=year, month=month)


def _produce_mdr(m: re.Match[str], text: str) -> Partial | None:
    """8月1-3日, 11月18-20日"""
    group = m.group
    month, first, last = _value(group("mdr_m")), _value(group("mdr_a")), _value(group("mdr_b"))
    warning = _check(None, month, first) or _check(None, month, last)
    if warning is None and last <= first:
        return None
    head = Partial(
        span=m.span(),
        rule="ranges.day",
        unit="day",
        month=month,
        day=first,
        base="context",
        warning=warning,
    )
    head.end = Partial(
        span=m.span(), rule="ranges.day", unit="day", month=month, day=last, base="context"
    )
    return head


def _produce_md(m: re.Match[str], text: str) -> Partial | None:
    """8月22日, 9月4号, 十月一日"""
    group = m.group
    end = m.end()
    month, day = _value(group("md_m")), _value(group("md_d"))
    return _partial(
        m,
        "day",
        month=month,
        day=day,
        base="context",
        warning=_check(None, month, day),
        weekday=weekday_after(text, end),
    )


def _produce_mr(m: re.Match[str], text: str) -> Partial | None:
    """1-8月, 7至9月"""
    group = m.group
    start = m.start()
    first, last = _value(group("mr_a")), _value(group("mr_b"))
    if (
        _check(None, first, None)
        or _check(None, last, None)
        or last <= first
        or _labelled(text, start)
        or before(text, start, 2).endswith(("周", "星期", "礼拜"))
    ):
        return None
    head = Partial(span=m.span(), rule="ranges.month", unit="month", month=first, base="context")
    head.end = Partial(span=m.span(), rule="ranges.month", unit="month", month=last, base="context")
    return head


#: What refuses a month right before it (每月, 几个月, 第3月, 每年3月), and their last
#: characters, looked at first.
_NOT_BEFORE_MONTH = ("每", "个", "几", "数", "第", "每年")
_NOT_BEFORE_MONTH_LAST = frozenset(word[-1] for word in _NOT_BEFORE_MONTH)


def _produce_m(m: re.Match[str], text: str) -> Partial | None:
    """3月, 3月份, 8月下旬"""
    group = m.group
    start = m.start()
    month = _value(group("m_m"))
    if (
        start
        and text[start - 1] in _NOT_BEFORE_MONTH_LAST
        and before(text, start, 2).endswith(_NOT_BEFORE_MONTH)
    ) or _labelled(text, start):
        return None
    if month is not None and month > 12:
        return _partial(
            m, "month", month=month, base="context", warning=f"there is no month {month}"
        )
    # The constructor itself, not _partial: a month alone is the most frequent form.
    return Partial(
        span=m.span(),
        rule="absolute.month",
        unit="month",
        month=month,
        part=group("m_part"),
        base="context",
    )


def _produce_dr(m: re.Match[str], text: str) -> Partial | None:
    """18-20日"""
    group = m.group
    first, last = int(group("dr_a")), int(group("dr_b"))
    if not 1 <= first < last <= 31:
        return None
    head = Partial(
        span=m.span(), rule="ranges.day", unit="day", day=first, base="context", fragment=True
    )
    head.end = Partial(span=m.span(), rule="ranges.day", unit="day", day=last, base="context")
    return head


def _produce_d(m: re.Match[str], text: str) -> Partial | None:
    """20日, 二十日"""
    start, end = m.span()
    written = m.group("d_d")
    day = _value(written)
    if day is None or not 1 <= day <= 31:
        return None
    lone = (
        written.isascii()
        and _lone_day_before(text, start)
        and (
            LONE_DAY_AFTER.match(after(text, end, 3)) is not None
            and (text[end - 1] == "日" or after(text, end, 1) != "")
            or text[end - 1] == "日"
            and PHRASE_START.search(before(text, start, 1)) is not None
            and LONE_DAY_NOT_AFTER.match(after(text, end, 2)) is None
        )
        and not before(text, start, 2).endswith(("每", "逢"))
    )
    return Partial(
        span=(start, end),
        rule="absolute.day",
        unit="day",
        day=day,
        base="context",
        fragment=not lone,
        notes=["lone-day"] if lone else [],
    )


def _bare_year(m: re.Match[str], text: str) -> Partial | None:
    """2023汕头马拉松, 2025 汕头小公园国际元宵灯会: a year written before an event's name."""
    start, end = m.span()
    year = int(m.group("bare_y"))
    if not 1900 <= year <= 2099 or _labelled(text, start):
        return None
    following = text[end : end + 2]
    name_start = end + (1 if following[:1] == " " else 0)
    if following[:2] == "  " or CJK.match(text, name_start) is None:
        return None
    if text[name_start] in UNIT_CHARS or text[name_start] in "年月日号至到":
        return None
    return _partial(m, "year", year=year, bare_year=True)


#: The form that matched → its production.
_PRODUCTIONS: dict[str, Callable[[re.Match[str], str], Partial | None]] = {
    "ymd": _produce_ymd,
    "ym": _produce_ym,
    "iso": _produce_iso,
    "yr": _produce_yr,
    "y": _produce_y,
    "isoym": _produce_isoym,
    "mdr": _produce_mdr,
    "md": _produce_md,
    "mr": _produce_mr,
    "m": _produce_m,
    "dr": _produce_dr,
    "d": _produce_d,
    "bare": _bare_year,
}


def produce(m: re.Match[str], text: str) -> Partial | None:
    # Which form matched, from the last group it set (every group of a form is named
    # for it, as :func:`~normalizers.rules.base.branch_groups` reads them); its own
    # production reads its groups one by one, without a dictionary of them all.
    return _PRODUCTIONS[_FORM_OF[id(m.re)][m.lastindex]](m, text)


_AFTER_SHORT_NUMBER = frozenset("月日号-~至到 \t")
#: The characters of NOT_AFTER_NUMBER's look-behind.
_NOT_AFTER = frozenset("0123456789." + DIGIT_CHARS + "十廿卅两")


def worth_trying(digits: str, following: str) -> bool:
    """A year has four digits; a month or a day one or two, then 月, 日, a dash …
    (never 年, / or .: every branch that takes those after a number wants a year
    of four digits before them, so 1/1/1… and 1.1.1… try nothing here)."""
    return len(digits) == 4 or (len(digits) <= 2 and following in _AFTER_SHORT_NUMBER)


#: After a short number and one space: 月, 日/号 or a connector (8 月, 18 - 20日).
_AFTER_SHORT_NUMBER_SPACE = frozenset("月日号-~至到")


#: What stands after a connector that ends a short number for a range to follow:
#: the second number's first character (8-9月, 8至九月, 18-20日), a space or a tab,
#: or the second dash of "--".
_SECOND_END_START = frozenset("0123456789一二三四五六七八九十廿卅 \t-")
#: After a year and one space: 年 (2023 年), a connector (2023 - 2024) or, after a
#: space only, the Chinese character that starts an event's name (2023 汕头马拉松).
_AFTER_YEAR_SPACE = frozenset("年-~至到")
_AFTER_YEAR_TAB = _AFTER_YEAR_SPACE


def second_look(digits: str, following: str, second: str) -> bool:
    """8 月 and 20 日 are dates, 1 2 3 (numbers after spaces) never: a short Arabic
    number and a space are worth a match only before 月, 日, 号 or a connector.
    After a connector, a range needs its second number next (8-9月, 18至20日:
    8-日, 8至年 and 2023-年 never match; 2023至 may still be a bare year before a
    name, the production refuses it there); a year and a space need 年, a
    connector or (a space only) a Chinese character (2023 2023 … never matches)."""
    count = len(digits)
    if count in (1, 2):
        if following in (" ", "\t"):
            return second in _AFTER_SHORT_NUMBER_SPACE
        if following in _CONNECTOR_CHARACTERS:
            return second.isdecimal() or second in _SECOND_END_START
    elif count == 4:
        if following in ("-", "~"):
            return second.isdecimal() or second in _SECOND_END_START
        if following == " ":
            return second in _AFTER_YEAR_SPACE or "\u4e00" <= second <= "\u9fff"
        if following == "\t":
            return second in _AFTER_YEAR_TAB
    return True


#: The characters of ``CONNECTOR`` (-{1,2}, ~, 至, 到).
_CONNECTOR_CHARACTERS = frozenset("-~至到")


def match_by_shape(digits: int, following: str) -> Callable[..., re.Match[str] | None]:
    """The ``match`` to try at the start of a run of ``digits`` Arabic digits followed
    by ``following``: the forms that may start there (see ``_YEAR_FIRST``). After
    the run, a digit of another script (``\\d`` reads them too) keeps every form."""
    if following.isdecimal() and not following.isascii():
        return NUMERIC.match
    if digits == 4:
        return _YEAR_FIRST.match
    if digits <= 2:
        return _SHORT_FIRST.match
    return NUMERIC.match


ROC = re.compile(
    rf"民国{SP}(?P<roc>\d{{1,3}}|[{DIGIT_CHARS}十百]{{1,5}}){SP}年(?P<fiscal>度)?"
    rf"(?:{SP}(?P<m>{MONTH}){SP}月(?:{SP}(?P<d>{DAY}){SP}[日号])?)?"
)
_CHINESE_HUNDREDS = re.compile(rf"(?P<h>[{DIGIT_CHARS}])百(?:零?(?P<rest>.+))?")


def _roc_number(written: str) -> int | None:
    hundreds = _CHINESE_HUNDREDS.fullmatch(written)
    if hundreds:
        rest = number_value(hundreds.group("rest")) if hundreds.group("rest") else 0
        head = number_value(hundreds.group("h"))
        return None if rest is None or head is None else head * 100 + rest
    return number_value(written)


def produce_roc(m: re.Match[str], text: str) -> Partial | None:
    """民國112年 = 2023: years of the Republic of China count from 1912."""
    number = _roc_number(m.group("roc"))
    if number is None or not 1 <= number <= 200:
        return None
    year = 1911 + number
    month, day = _value(m.group("m")), _value(m.group("d"))
    unit = "day" if day is not None else "month" if month is not None else "year"
    return Partial(
        span=m.span(),
        rule=f"absolute.roc-{unit}",
        unit=unit,
        year=year,
        month=month,
        day=day,
        warning=_check(year, month, day),
    )


RULES = (
    Rule(
        "absolute.numeric",
        NUMERIC,
        produce,
        on_numbers="both",
        worth_trying=worth_trying,
        second_look=second_look,
        match_by_shape=match_by_shape,
        same_span=True,
        refuses=refuses,
        # NOT_AFTER_NUMBER, before every form: never right after a number, a point
        # (1.5, 二〇二三 past its first numeral).
        not_after=_NOT_AFTER,
        # Before: _labelled (6). After: weekday_after (at most 8: " （星期三）"),
        # LONE_DAY_AFTER (3), _is_amount (2), a bare year's name (2).
        reads=(6, 8),
    ),
    Rule("absolute.roc", ROC, produce_roc, keywords=("民国",)),
)
