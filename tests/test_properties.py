"""Property tests for :func:`normalizers.find_dates`.

Whatever the text and context, ``find_dates``

* does not raise,
* returns mentions whose ``span`` indexes the text (``text[a:b] == m.text``, non-empty),
  sorted by span and not overlapping,
* with ``start <= end`` (both plain dates), a granularity, kind and anchor from the
  sets in ``normalizers/mention.py``,
* and years within 1900–2100 unless a four-digit year was written out: in the
  mention itself, or (for a mention anchored on something earlier: 次年, 当天 …)
  anywhere before it, or (for a mention anchored on a publication date that
  the text itself gives, 发布时间：1900年1月1日, before or after it) within ten
  years of a year written anywhere in the text. Publication dates are drawn from 1950–2090, so the words that lean
  on a given publication date (去年, 90年代, 99年 …) must land in range.

The text strategy mixes random unicode with date-ish fragments (digits in ASCII,
full width and Chinese numerals, 年月日号, 至/到/dashes, festivals, relative words,
English dates) so that the resolver's real paths are exercised, not only its
"nothing here" path.

Example counts come from a settings profile chosen by ``HYPOTHESIS_PROFILE``:
``dev`` (default, quick) or ``ci`` (more examples); both are derandomized and
keep no example database, so a run is reproducible. ``explore`` is random, with
many examples, for hunting bugs locally. A profile of the same name registered
elsewhere (e.g. a conftest) takes precedence.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from normalizers import DocumentContext, find_dates
from normalizers.context import DOCUMENT_TYPES
from normalizers.mention import ANCHORS, GRANULARITIES, KINDS

# ------------------------------------------------------------------- profiles

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
_PROFILES = {
    "dev": dict(
        max_examples=60,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=_QUIET,
    ),
    "ci": dict(
        max_examples=250,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=_QUIET,
    ),
    "explore": dict(max_examples=5000, deadline=None, suppress_health_check=_QUIET),
}
for _name, _kwargs in _PROFILES.items():
    try:
        settings.get_profile(_name)
    except InvalidArgument:
        settings.register_profile(_name, **_kwargs)

PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE") or "dev")

# ----------------------------------------------------------------- strategies

YEAR_MIN, YEAR_MAX = 1900, 2100
_FULL_WIDTH = str.maketrans("0123456789-/.", "０１２３４５６７８９－／．")
_CN_DIGITS = "〇一二三四五六七八九"

# fmt: off
FRAGMENTS = [
    # years, months, days in every spelling the corpus uses
    "2023", "2021", "1999", "1850", "9999", "0000", "23", "99", "05", "00", "２０２３", "２", "〇",
    "二〇二三", "二〇", "零", "十", "廿", "卅", "两", "年", "月", "日", "号", "8月", "12月", "13月", "2月30日",
    "22日", "31号", "年初", "年底", "年末", "上旬", "中旬", "下旬", "上半年", "下半年", "第一季度", "Q3", "春季", "年代",
    "90年代", "世纪", "十四五", "“十四五”", "期间",
    # ranges and separators
    "至", "到", "—", "——", "–", "-", "－", "~", "～", "/", ".", "、", "，", "。", "至今", "以来", "截至",
    "截止", "起",
    # lunar calendar and festivals
    "农历", "正月", "腊月", "初一", "十五", "春节", "元宵节", "中秋节", "国庆",
    # words read against a present
    "今年", "去年", "明年", "上年", "本月", "上月", "下月", "今天", "昨天", "明天", "当天", "当日", "次日", "翌日", "次年",
    "同年", "本周", "下周三", "星期日", "周五",
    # English and ISO-ish dates that appear in the corpus
    "June 18, 2021", "on June 18", "2021-2-9", "2023-09-08", "2022-2030", "发布时间：",
    # layout
    " ", "\u3000", "\n", "\t",
]
# fmt: on


def _chinese_digits(n: int) -> str:
    """二〇二三 style."""
    return "".join(_CN_DIGITS[int(c)] for c in str(n))


def _chinese_number(n: int) -> str:
    """十一, 二十一, 三十 style, for 0–99."""
    tens, ones = divmod(n, 10)
    if n < 10:
        return _CN_DIGITS[n] if n else "零"
    return (_CN_DIGITS[tens] if tens > 1 else "") + "十" + (_CN_DIGITS[ones] if ones else "")


def _numbers(low: int, high: int) -> st.SearchStrategy[str]:
    n = st.integers(low, high)
    return st.one_of(
        n.map(str),
        n.map(lambda v: f"{v:02d}"),
        n.map(lambda v: str(v).translate(_FULL_WIDTH)),
        n.map(_chinese_digits),
        n.filter(lambda v: v < 100).map(_chinese_number),
    )


years = st.one_of(_numbers(1890, 2110), _numbers(0, 99999))
months = _numbers(0, 14)
days = _numbers(0, 33)

date_phrases = st.one_of(
    st.builds(lambda y, m, d: f"{y}年{m}月{d}日", years, months, days),
    st.builds(lambda y, m: f"{y}年{m}月", years, months),
    st.builds(lambda m, d, h: f"{m}月{d}{h}", months, days, st.sampled_from(["日", "号", ""])),
    st.builds(
        lambda y, sep, m, d: f"{y}{sep}{m}{sep}{d}",
        years,
        st.sampled_from(["-", "/", ".", "－", "／"]),
        months,
        days,
    ),
    st.builds(
        lambda a, joiner, b: f"{a}{joiner}{b}",
        st.builds(lambda m, d: f"{m}月{d}日", months, days),
        st.sampled_from(["至", "到", "—", "-", "~", "～", "－", "—至"]),
        st.one_of(
            days.map(lambda d: f"{d}日"), st.builds(lambda m, d: f"{m}月{d}日", months, days)
        ),
    ),
    st.builds(lambda y: f"{y}年代", _numbers(0, 99)),
)

pieces = st.one_of(
    st.sampled_from(FRAGMENTS),
    date_phrases,
    _numbers(0, 99999),
    st.text(max_size=4),  # any unicode, including CJK and full-width
    st.text(
        alphabet="0123456789０１２３４５６７８９年月日号至到—-－～〇零一二三四五六七八九十",
        max_size=6,
    ),
)

texts = st.one_of(
    st.text(),
    st.lists(pieces, max_size=30).map("".join),
)

contexts = st.one_of(
    st.none(),
    st.builds(
        DocumentContext,
        published=st.dates(date(1950, 1, 1), date(2090, 12, 31)),
        document_type=st.sampled_from(DOCUMENT_TYPES),
    ),
    st.builds(DocumentContext, published=st.none(), document_type=st.sampled_from(DOCUMENT_TYPES)),
)

# ------------------------------------------------------------------ helpers

#: A year written out: four or more digits in a row, ASCII, full-width or 二〇二三.
_WRITTEN_YEAR = re.compile(r"[\d〇○零一二三四五六七八九]{4,}")
_ANCHORED_ELSEWHERE = {"previous-mention", "narrative", "as-of", "range-start"}
_ANCHORED_ON_PUBLICATION = {"dct", "as-of"}


#: A century written out (十九世纪, 19世纪): it fixes the years as a four-digit year does.
_WRITTEN_CENTURY = re.compile(r"[\d０-９〇零一二三四五六七八九十]+世纪")
#: A year written short (〇零年, 00年): with an early present it may be 1900.
_WRITTEN_SHORT_YEAR = re.compile(r"[\d０-９〇○零一二三四五六七八九]{2,}年")


def _written_year(text: str) -> bool:
    return _WRITTEN_YEAR.search(text) is not None or _WRITTEN_CENTURY.search(text) is not None


_CHINESE_DIGIT_VALUES = str.maketrans("〇○零一二三四五六七八九", "000123456789")


def _near_a_written_year(text: str, mention) -> bool:
    """A four-digit year written anywhere in the text within ten years of the mention's."""
    years = {
        int(found.translate(_CHINESE_DIGIT_VALUES)[:4]) for found in _WRITTEN_YEAR.findall(text)
    }
    return any(abs(year - day.year) <= 10 for year in years for day in (mention.start, mention.end))


def _year_written_before(text: str, mention) -> bool:
    """The mention's own year written out before it (a list's head: 1890年6月12日，2号)."""
    years = {
        int(found.translate(_CHINESE_DIGIT_VALUES)[:4])
        for found in _WRITTEN_YEAR.findall(text[: mention.span[0]].translate(_FULL_WIDTH))
    }
    return mention.start.year in years


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def _in_range(day: date) -> bool:
    return YEAR_MIN <= day.year <= YEAR_MAX


def check_mentions(text: str, mentions: list) -> None:
    assert isinstance(mentions, list)
    previous_end = 0
    for i, m in enumerate(mentions):
        a, b = m.span
        assert isinstance(a, int) and isinstance(b, int), m
        assert 0 <= a < b <= len(text), (m.span, len(text))
        assert text[a:b] == m.text, (text[a:b], m)
        if i:
            assert a >= previous_end, ("overlapping or unsorted", mentions[i - 1].span, m.span)
        previous_end = b

        for day in (m.start, m.end):
            assert isinstance(day, date) and not isinstance(day, datetime), m
        assert m.start <= m.end, m
        assert m.granularity in GRANULARITIES, m
        assert m.kind in KINDS, m
        assert m.anchor in ANCHORS, m

        # A range to the present (至今) ends on the document's present, which the
        # caller's context may give at any date: only its start is the text's.
        days = (m.start,) if m.rule.endswith("-present") else (m.start, m.end)
        if not all(_in_range(day) for day in days):
            leaned_on_written_year = (
                m.anchor in _ANCHORED_ELSEWHERE
                and (_written_year(text[:b]) or _WRITTEN_SHORT_YEAR.search(text[:b]))
                or m.anchor in _ANCHORED_ON_PUBLICATION
                and _near_a_written_year(text, m)  # a publication line the text gives
            )
            assert (
                _written_year(m.text) or leaned_on_written_year or _year_written_before(text, m)
            ), (
                f"year out of {YEAR_MIN}–{YEAR_MAX} with no four-digit year written",
                m,
            )


# -------------------------------------------------------------------- tests


@PROFILE
@given(text=texts)
def test_any_text_without_context(text: str) -> None:
    check_mentions(text, find_dates(text))


@PROFILE
@given(text=texts, context=contexts)
def test_any_text_with_context(text: str, context: DocumentContext | None) -> None:
    check_mentions(text, find_dates(text, context))


@PROFILE
@given(
    text=st.lists(date_phrases | st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map("".join),
    context=contexts,
)
def test_date_heavy_text(text: str, context: DocumentContext | None) -> None:
    check_mentions(text, find_dates(text, context))


@PROFILE
@given(text=texts, context=contexts)
def test_find_dates_is_pure(text: str, context: DocumentContext | None) -> None:
    """Same text and context, same answer: no clock, no state carried between calls."""
    assert find_dates(text, context) == find_dates(text, context)


def test_a_written_century_may_put_a_decade_out_of_range() -> None:
    """Found by the fuzz campaign (seed 20261201, date-heavy text #95741): 十九世纪２０年代
    is the 1820s, rightly; the century is written out, so the property allows it."""
    text = "89年代二十九世纪２０年代"
    mentions = find_dates(text)
    assert [(m.text, m.start.year, m.end.year) for m in mentions][-1] == (
        "十九世纪２０年代",
        1820,
        1829,
    )
    check_mentions(text, mentions)


def test_a_range_to_the_present_ends_on_the_contexts_present() -> None:
    """Found by the fuzz campaign (seed 20261202, long text #2401): 民國112年至今 in a
    document published in 2106 runs from 2023 to that day, rightly; the property
    checks only the start of a range to the present."""
    context = DocumentContext(published=date(2106, 10, 6))
    mentions = find_dates("民國112年至今", context)
    assert [(m.text, m.start, m.end) for m in mentions] == [
        ("民國112年至今", date(2023, 1, 1), date(2106, 10, 6))
    ]
    check_mentions("民國112年至今", mentions)


def test_a_short_year_and_an_early_present_may_lead_a_step_out_of_range() -> None:
    """Found by the fuzz campaign (seed 20261202, any text #267301): in a text published
    in 1961, 〇零年 is 1900 (the latest year ending in 00 at most ten years ahead) and
    上年 after it, anchored there, is 1899: the year was written, short."""
    text = "０至8月到〇零年四２３—昨天上年16年代ￗ正月81年代春季—二七十５今年"
    mentions = find_dates(text, DocumentContext(published=date(1961, 12, 7), document_type="news"))
    assert ("上年", 1899, "as-of") in [(m.text, m.start.year, m.anchor) for m in mentions]
    check_mentions(text, mentions)


def test_a_day_list_carries_its_heads_year_out_of_range() -> None:
    """Found by the fuzz campaign (seed 20261202, long texts #2926 and #2956): in
    1890年６月12日，2号 the second day is 1890-06-02, the year its list's head wrote."""
    for text, year in (("1890年６月12日，2号", 1890), ("五二〇四年六月十二日、22日", 5204)):
        mentions = find_dates(text)
        assert [m.start.year for m in mentions] == [year, year]
        check_mentions(text, mentions)


def test_a_publication_line_after_a_mention_may_anchor_it_out_of_range() -> None:
    """Found by the fuzz campaign: 发布时间：1900年1月1日 makes 5月1日 before it 1899-05-01.

    The year 1900 is written out, after the mention: the property allows it.
    """
    text = "5月1日发布时间：1900年1月1日"
    mentions = find_dates(text)
    assert [(m.text, m.start.year, m.anchor) for m in mentions][0] == ("5月1日", 1899, "dct")
    check_mentions(text, mentions)


def test_checker_rejects_bad_mentions() -> None:
    """The property checker itself catches what it claims to catch."""
    from normalizers.mention import DateMention

    text = "2023年8月22日至24日，去年"
    good = DateMention("2023年8月22日至24日", (0, 14), date(2023, 8, 22), date(2023, 8, 24), "day")
    check_mentions(text, [good])
    bad = [
        [DateMention("2023年8月", (1, 8), date(2023, 8, 1), date(2023, 8, 31), "month")],
        [DateMention("去年", (15, 17), date(2023, 1, 1), date(2022, 12, 31), "year")],
        [DateMention("去年", (15, 17), date(1800, 1, 1), date(1800, 12, 31), "year", anchor="dct")],
        [DateMention("去年", (15, 17), date(2022, 1, 1), date(2022, 12, 31), "annual")],
        [good, DateMention("24日", (12, 14), date(2023, 8, 24), date(2023, 8, 24), "day")],
    ]
    for mentions in bad:
        try:
            check_mentions(text, mentions)
        except AssertionError:
            continue
        raise AssertionError(f"checker accepted {mentions}")
