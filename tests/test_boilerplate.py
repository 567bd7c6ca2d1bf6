"""Navigation, related-news lists and footers of web captures are not the article.

The gold annotations of ``data/gold`` say which dates are website furniture: the
``ignore`` rows of related-news lists and the ``negative`` rows (licence numbers,
phone numbers, copyright years) must lie inside a boilerplate span, and no gold
``event`` may. Synthetic captures check the same rules on text written here.
"""

import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline import boilerplate
from timeline.boilerplate import boilerplate_spans, display_width, in_boilerplate
from timeline.evaluation import GoldMention, load_gold, locate_gold
from timeline.scans import case_variants

DATA = Path(__file__).resolve().parents[1] / "data"


@cache
def text_of(doc: str) -> str:
    return (DATA / "corpus" / doc).read_text(encoding="utf-8")


@cache
def spans_of(doc: str) -> tuple[tuple[int, int], ...]:
    return tuple(boilerplate_spans(text_of(doc)))


def gold_rows(wanted) -> list:
    rows = [
        row
        for doc, gold in load_gold(DATA / "gold").items()
        for row in locate_gold(text_of(doc), gold)
        if wanted(row)
    ]
    return [pytest.param(row, id=f"{row.doc[:3]}-line{row.line}-{row.text}") for row in rows]


def is_website_furniture(row: GoldMention) -> bool:
    return row.kind == "negative" or (row.kind == "ignore" and "related-news list" in row.note)


def inside(text: str, needle: str, spans: list[tuple[int, int]], occurrence: int = 1) -> bool:
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    return in_boilerplate(spans, start, start + len(needle))


def covered(text: str, spans: list[tuple[int, int]]) -> str:
    return "".join(text[start:end] for start, end in spans)


@pytest.mark.parametrize("row", gold_rows(is_website_furniture))
def test_gold_related_news_and_negatives_are_boilerplate(row: GoldMention) -> None:
    assert in_boilerplate(list(spans_of(row.doc)), *row.span), f"{row.text!r}: {row.note}"


@pytest.mark.parametrize("row", gold_rows(lambda row: row.kind == "event"))
def test_gold_events_are_not_boilerplate(row: GoldMention) -> None:
    spans = spans_of(row.doc)
    overlapping = [(a, b) for a, b in spans if a < row.span[1] and row.span[0] < b]
    assert not overlapping, f"{row.text!r} ({row.note}) inside {overlapping}"


def test_corpus_article_bodies_and_signature_stay_in() -> None:
    text = text_of("001_3c97cd865ef99b3a.txt")
    spans = boilerplate_spans(text)
    assert inside(text, "用户登陆", spans)
    assert inside(text, "友情链接", spans)
    assert not inside(text, "商会秘书长2020年的述职报告", spans)
    assert not inside(text, "上海市工商联纺织服装商会\n秘书长:刘寅峰", spans)
    assert inside(text, "联系我们:办公地址", spans)


def test_corpus_header_with_publication_line_is_kept() -> None:
    text = text_of("004_508937cf9c40d0b3.txt")
    spans = boilerplate_spans(text)
    assert inside(text, "获取短信验证码", spans)
    assert not inside(text, "发布时间:2023-09-08", spans)
    assert not inside(text, "党建促互联、产业迎新篇", spans)
    assert inside(text, "【免责声明", spans)


def test_document_without_website_has_no_boilerplate() -> None:
    assert boilerplate_spans(text_of("000_92f2d229f8f6c19e.txt")) == []


def test_english_disclaimer_footer() -> None:
    text = text_of("003_c33f681bf6538398.txt")
    spans = boilerplate_spans(text)
    assert inside(text, "Disclaimer: Some of the texts", spans)
    assert inside(text, "This article is from the Internet", spans)
    assert not inside(text, "In 2023 and in the future", spans)


# ---------------------------------------------------------------------------
# Synthetic captures

CAPTURE = """\
首页 | 协会概况 | 新闻中心 | 通知公告 | 会员服务 | 联系我们
会员登录
用户名
密码
立即注册

广州市服装行业协会召开第五届会员大会
发布时间：2023-05-08  来源：本站

2023年5月6日，广州市服装行业协会在广州召开第五届会员大会，选举产生新一届理事会。
会议由秘书长主持。
会长作了题为《凝心聚力 再创佳绩》的工作报告，回顾了2022年的工作。

相关阅读：
深圳市服装行业协会举办2023年设计大赛
2022年度优秀会员企业名单公布
“十四五”纺织服装产业发展规划解读

上一篇：协会走访会员企业
下一篇：2024年春节放假通知
地址：广州市天河区体育西路100号  邮编：510620
电话：020-12345678  传真：020-87654321  邮箱：gzga@example.com
Copyright © 2015-2023 广州市服装行业协会 版权所有 粤ICP备12345678号-1
"""


def test_capture_menu_login_related_list_and_footer_are_marked() -> None:
    spans = boilerplate_spans(CAPTURE)
    for piece in (
        "首页 | 协会概况",
        "会员登录",
        "立即注册",
        "相关阅读",
        "深圳市服装行业协会举办2023年设计大赛",
        "2022年度优秀会员企业名单公布",
        "“十四五”纺织服装产业发展规划解读",
        "上一篇：协会走访会员企业",
        "下一篇：2024年春节放假通知",
        "020-12345678",
        "粤ICP备12345678号-1",
        "Copyright © 2015-2023",
    ):
        assert inside(CAPTURE, piece, spans), piece


def test_capture_title_publication_line_and_article_are_kept() -> None:
    spans = boilerplate_spans(CAPTURE)
    for piece in (
        "广州市服装行业协会召开第五届会员大会",
        "发布时间：2023-05-08",
        "2023年5月6日，广州市服装行业协会",
        "会议由秘书长主持。",
        "回顾了2022年的工作。",
    ):
        assert not inside(CAPTURE, piece, spans), piece


def test_spans_are_sorted_disjoint_and_trimmed() -> None:
    spans = boilerplate_spans(CAPTURE)
    assert spans == sorted(spans)
    assert all(a < b for a, b in spans)
    assert all(b1 < a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))
    for start, end in spans:
        assert CAPTURE[start:end] == CAPTURE[start:end].strip()


def test_related_list_with_dated_headlines_between_article_and_footer() -> None:
    text = (
        "9月1日，协会组织会员企业赴越南考察，走访了三家服装工厂。\n"
        "推荐阅读\n"
        "\n"
        "2023年8月 协会召开理事会\n"
        "\n"
        "协会发布2024年春节放假通知\n"
        "版权所有 某某纺织协会\n"
    )
    spans = boilerplate_spans(text)
    assert not inside(text, "9月1日", spans)
    assert inside(text, "2023年8月 协会召开理事会", spans)
    assert inside(text, "2024年春节", spans)


def test_english_capture() -> None:
    text = (
        "Home | About us | News | Members | Contact\n"
        "Sign in\n"
        "Register\n"
        "Search\n"
        "Chamber holds its annual meeting\n"
        "Posted on 12 March 2023\n"
        "On 12 March 2023, the Zhejiang Garment Chamber of Commerce held its annual meeting"
        " in Hangzhou. Members reviewed the work of 2022.\n"
        "Related articles\n"
        "Garment fair opens on 5 May 2023\n"
        "Members visit Vietnam in June 2022\n"
        "Copyright © 2023 Zhejiang Garment Chamber of Commerce. All rights reserved.\n"
    )
    spans = boilerplate_spans(text)
    assert inside(text, "Sign in", spans)
    assert inside(text, "Garment fair opens on 5 May 2023", spans)
    assert inside(text, "Copyright © 2023", spans)
    assert not inside(text, "Chamber holds its annual meeting", spans)
    assert not inside(text, "Posted on 12 March 2023", spans)
    assert not inside(text, "On 12 March 2023, the Zhejiang", spans)


def test_normal_article_with_short_paragraphs_and_enumerated_list_is_not_boilerplate() -> None:
    text = (
        "关于召开2023年度会员大会的通知\n"
        "\n"
        "各会员单位：\n"
        "经理事会研究，定于2023年12月20日召开会员大会。\n"
        "会议内容如下：\n"
        "（一）审议工作报告\n"
        "（二）审议财务报告\n"
        "（三）选举新一届理事会\n"
        "请准时参加。\n"
        "\n"
        "某某市纺织服装协会\n"
        "2023年12月1日\n"
    )
    assert boilerplate_spans(text) == []


def test_report_with_short_heading_lines_is_not_navigation() -> None:
    text = (
        "某某市纺织服装产业协会\n"
        "事迹材料\n"
        "\n"
        "一、坚定政治方向\n"
        "协会始终坚持正确的政治方向。\n"
        "二、服务会员企业\n"
        "2024年4月，协会组织企业参加植树活动。\n"
        "三、履行社会责任\n"
        "2024年8月，协会向慈善总会捐款。\n"
    )
    assert boilerplate_spans(text) == []


def test_a_document_of_short_lines_only_is_not_navigation() -> None:
    text = "\n".join(f"第{n}届会员大会 {2000 + n}年" for n in range(1, 12))
    assert boilerplate_spans(text) == []


def test_marker_words_inside_a_sentence_are_not_a_list() -> None:
    text = "相关新闻稿件显示，协会于2023年5月6日召开年会。\n热门文章的作者是协会秘书处。\n"
    assert boilerplate_spans(text) == []


def test_contact_lines_inside_the_article_body_are_not_a_footer() -> None:
    text = (
        "报名方式如下。\n"
        "电话：020-12345678\n"
        "2023年9月8日前报名的企业，协会将于2023年9月20日组织集中培训，请各企业认真准备。\n"
    )
    spans = boilerplate_spans(text)
    assert not inside(text, "2023年9月20日", spans)


def test_windows_line_endings() -> None:
    text = "协会于2023年5月6日召开年会。\r\n相关阅读\r\n2024年协会年会召开\r\n版权所有 某某协会\r\n"
    spans = boilerplate_spans(text)
    assert not inside(text, "2023年5月6日", spans)
    assert inside(text, "2024年协会年会召开", spans)
    assert all(not text[start:end].endswith("\r") for start, end in spans)


def test_empty_text() -> None:
    assert boilerplate_spans("") == []


def test_display_width_counts_chinese_twice() -> None:
    assert display_width("协会") == 4
    assert display_width("ab") == 2
    assert display_width("１２") == 4


def test_a_first_paragraph_with_a_navigation_word_is_not_navigation() -> None:
    text = (
        "首页 | 协会概况 | 新闻中心 | 联系我们\n"
        "协会举办电商培训\n"
        "9月1日，协会举办搜索引擎推广培训，会员企业登录平台学习。\n"
        "培训持续两天。\n"
    )
    spans = boilerplate_spans(text)
    assert inside(text, "首页", spans)
    assert not inside(text, "协会举办电商培训", spans)
    assert not inside(text, "9月1日", spans)


@pytest.mark.parametrize(
    "footer",
    [
        "版权所有 某某协会",
        "COPYRIGHT 2014 某某协会",
        "Copyright © 某某协会",
        "(C) 2014 某某协会",
        "All Rights Reserved 某某协会",
        "icp备12345678号",
        "沪ICP证12345号",
        "沪公网安备 31010102002号",
    ],
)
def test_a_legal_footer_is_found_whatever_its_case(footer: str) -> None:
    """Every legal word, in any case, starts a footer (the scan skips ahead by first characters)."""
    text = "协会召开年会，会员出席。\n" * 12 + footer
    assert boilerplate_spans(text) == [(len(text) - len(footer), len(text))]


def test_display_width_of_mixed_and_supplementary_text() -> None:
    """Wide characters, narrow ones, and those outside the Basic Multilingual Plane."""
    assert display_width("") == 0
    assert display_width("abc") == 3
    assert display_width("协会ab，") == 8  # the full-width comma is wide
    assert display_width("𠀀é") == 3  # U+20000 is wide, é is narrow


_LEGAL_PIECES = [
    "版权所有",
    "版权归",
    "Copyright",
    "COPYRIGHT",
    "cOpYrIgHt",
    "©",
    "(c) 2014",
    "(C)2014",
    "(c)",
    "All Rights Reserved",
    "ICP备",
    "icp证",
    "\u0130CP备",
    "\u0131cp备",
    "公网安备",
    "网安备",
    "版",
    "c",
    "I",
    "a",
    "协会",
    " ",
    "\n",
    "2023",
]


@given(st.lists(st.sampled_from(_LEGAL_PIECES), max_size=30))
def test_the_whole_text_scan_finds_the_legal_words_the_line_pattern_finds(pieces) -> None:
    """_LEGAL_SCAN (first characters spelt out in both cases, for speed) finds
    exactly the matches of _LEGAL (case-insensitive, asked of single lines)."""
    text = "".join(pieces)
    scanned = [match.span() for match in boilerplate._LEGAL_SCAN.finditer(text)]
    assert scanned == [match.span() for match in boilerplate._LEGAL.finditer(text)]


def test_the_scan_spells_every_case_of_each_first_character() -> None:
    """Every character that a legal word's first character matches case-insensitively
    (all of Unicode asked), and no other, is among the variants the fast scan spells out."""
    firsts = {word[:2] if word.startswith("\\") else word[0] for word in boilerplate.LEGAL_WORDS}
    for first in sorted(firsts):
        pattern = re.compile(first, re.IGNORECASE)
        matched = {chr(code) for code in range(0x110000) if pattern.fullmatch(chr(code))}
        spelt = {variant.removeprefix("\\") for variant in case_variants(first)}
        assert matched == spelt, first
