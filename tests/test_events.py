"""The sentence around a dated mention, and the short title of its event."""

import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from normalizers import DateMention, find_dates
from timeline import events
from timeline.dates import context_for
from timeline.documents import read_text
from timeline.events import event_title, sentence_bounds
from timeline.manifest import load_manifest

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "corpus"


@cache
def text_of(doc: str) -> str:
    return read_text(CORPUS / doc)


@cache
def mentions_of(doc: str) -> tuple[DateMention, ...]:
    manifest = load_manifest(CORPUS / "documents.csv")
    return tuple(find_dates(text_of(doc), context_for(CORPUS / doc, manifest)))


def span_of(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """The n-th occurrence of ``needle`` (from 1), each search one character on."""
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def sentence(text: str, needle: str, occurrence: int = 1) -> str:
    start, end = sentence_bounds(text, span_of(text, needle, occurrence))
    return text[start:end]


def all_corpus_mentions() -> list:
    return [
        pytest.param(path.name, mention, id=f"{path.name[:3]}-{mention.span[0]}-{mention.text}")
        for path in sorted(CORPUS.glob("*.txt"))
        for mention in mentions_of(path.name)
    ]


# ---------------------------------------------------------------------------
# sentence_bounds


def test_sentence_ends_at_chinese_full_stop_and_keeps_it() -> None:
    text = "协会召开年会。8月22日，军团开展活动。会后合影。"
    assert sentence(text, "8月22日") == "8月22日，军团开展活动。"


def test_sentence_ends_at_line_breaks_and_semicolons() -> None:
    text = "一、工作回顾\n2021年商会工作,一是要推进党建;二是要建设品牌\n"
    assert sentence(text, "2021年") == "2021年商会工作,一是要推进党建;"
    assert sentence(text, "二是") == "二是要建设品牌"


def test_sentence_keeps_closing_quotes() -> None:
    text = "他说：“2023年是关键之年。”随后散会。"
    assert sentence(text, "2023年") == "他说：“2023年是关键之年。”"


def test_sentence_is_trimmed_of_surrounding_whitespace() -> None:
    text = "    2月3日下午,交流会召开。\n"
    assert sentence(text, "2月3日") == "2月3日下午,交流会召开。"


def test_english_sentences_split_on_full_stop_and_space_only() -> None:
    text = (
        "Output rose 1.2 times in 2022. The U.S. market and No. 5 plant grew in June 2023. "
        "It ended."
    )
    assert sentence(text, "2022") == "Output rose 1.2 times in 2022."
    assert sentence(text, "June 2023") == "The U.S. market and No. 5 plant grew in June 2023."


def test_a_list_number_does_not_end_an_english_sentence() -> None:
    text = "1. In September 2022 the association submitted a proposal.\n"
    assert (
        sentence(text, "September 2022")
        == "1. In September 2022 the association submitted a proposal."
    )


def test_dotted_dates_and_decimals_stay_in_one_sentence() -> None:
    text = "发布日期 2023.09.08 产能达1.7万吨。"
    assert sentence(text, "2023.09.08") == text


def test_sentence_at_the_edges_of_the_text() -> None:
    assert sentence("8月22日", "8月22日") == "8月22日"
    assert sentence_bounds("", (0, 0)) == (0, 0)


def test_span_outside_the_text_is_an_error() -> None:
    with pytest.raises(ValueError):
        sentence_bounds("8月22日", (3, 10))
    with pytest.raises(ValueError):
        event_title("8月22日", (-1, 2))


@pytest.mark.parametrize(("doc", "mention"), all_corpus_mentions())
def test_corpus_sentence_holds_its_mention_on_one_line(doc: str, mention: DateMention) -> None:
    text = text_of(doc)
    start, end = sentence_bounds(text, mention.span)
    assert start <= mention.span[0] and mention.span[1] <= end
    assert "\n" not in text[start:end]


# ---------------------------------------------------------------------------
# event_title on the corpus


@pytest.mark.parametrize(
    ("doc", "needle", "occurrence", "expected"),
    [
        ("000_92f2d229f8f6c19e.txt", "2024年4月", 1, "参与植树护绿"),
        ("000_92f2d229f8f6c19e.txt", "2024年8月", 1, "赞助东南亚外出交流文创服装"),
        ("000_92f2d229f8f6c19e.txt", "2023", 1, "一站式出品马拉松跑服"),
        ("000_92f2d229f8f6c19e.txt", "2024年", 1, "一站式出品马拉松跑服"),
        ("000_92f2d229f8f6c19e.txt", "2025", 1, "赞助汕头小公园国际元宵灯会"),
        ("001_3c97cd865ef99b3a.txt", "2020年", 1, "商会秘书长述职报告"),
        ("001_3c97cd865ef99b3a.txt", "2021年", 1, "对商会工作提出要求"),
        ("002_a982ae3a54d22653.txt", "2020年3月1日", 1, "西柳市场开市运营"),
        ("002_a982ae3a54d22653.txt", "2020年", 3, "疫情期间"),
        (
            "004_508937cf9c40d0b3.txt",
            "8月23日至8月24日",
            1,
            "两个党支部成立专项调研小组共同走进企业",
        ),
        (
            "004_508937cf9c40d0b3.txt",
            "8月22日",
            1,
            "服装制造军团与宁夏联通、浙江帮扶团开展业务支持与党建融合活动",
        ),
        (
            "004_508937cf9c40d0b3.txt",
            "8月21日",
            1,
            "参加宁夏回族自治区灵武市工业企业数字化转型推介会",
        ),
    ],
)
def test_corpus_event_titles(doc: str, needle: str, occurrence: int, expected: str) -> None:
    text = text_of(doc)
    assert event_title(text, span_of(text, needle, occurrence)) == expected


def test_english_corpus_title_drops_the_date_and_its_preposition() -> None:
    text = text_of("003_c33f681bf6538398.txt")
    title = event_title(text, span_of(text, "June 18, 2021"))
    assert title.startswith("Since the establishment of the Anhui")
    assert "June" not in title and " on" not in title


@pytest.mark.parametrize(("doc", "mention"), all_corpus_mentions())
def test_corpus_titles_are_short_and_never_empty(doc: str, mention: DateMention) -> None:
    text = text_of(doc)
    title = event_title(text, mention.span)
    assert 0 < len(title) <= 40
    start, end = sentence_bounds(text, mention.span)
    if text[start:end] != mention.text:  # a date alone on its line has nothing else
        assert mention.text not in title


# ---------------------------------------------------------------------------
# event_title on text written here


@pytest.mark.parametrize(
    "paragraph",
    [
        "（二）组织企业赴越南考察。2023年9月，协会组织12家企业赴越南胡志明市考察。",
        "(2) 组织企业赴越南考察。2023年9月，协会组织12家企业赴越南胡志明市考察。",
        "二、组织企业赴越南考察。2023年9月，协会组织12家企业赴越南胡志明市考察。",
        "2. 组织企业赴越南考察。2023年9月，协会组织12家企业赴越南胡志明市考察。",
        "2、组织企业赴越南考察。2023年9月，协会组织12家企业赴越南胡志明市考察。",
        "②组织企业赴越南考察。2023年9月，协会组织12家企业赴越南胡志明市考察。",
        "第二，组织企业赴越南考察。2023年9月，协会组织12家企业赴越南胡志明市考察。",
        "（二）组织企业赴越南考察：2023年9月，协会组织12家企业赴越南胡志明市考察。",
    ],
)
def test_enumerated_item_heading_is_the_title(paragraph: str) -> None:
    text = "协会全年开展了多项工作。\n（一）举办培训。全年举办培训12场。\n" + paragraph + "\n"
    assert event_title(text, span_of(text, "2023年9月")) == "组织企业赴越南考察"


def test_heading_holding_the_date_loses_the_date() -> None:
    text = "（五）赞助2025 汕头小公园国际元宵灯会。为助力城市营造节日氛围，协会赞助25万元。"
    assert event_title(text, span_of(text, "2025")) == "赞助汕头小公园国际元宵灯会"


def test_a_long_first_sentence_is_no_heading() -> None:
    text = "1. 2023年5月，协会在杭州召开第五届会员代表大会，选举产生了新一届理事会和监事会，会长作了工作报告。"
    assert event_title(text, span_of(text, "2023年5月")) == "协会在杭州召开第五届会员代表大会"


def test_section_heading_on_its_own_line_does_not_title_the_paragraphs_below() -> None:
    text = "一、市场党建工作不断创新\n2019年9月，她带领团队参加党建知识大赛，并荣获冠军。\n"
    assert event_title(text, span_of(text, "2019年9月")) == "她带领团队参加党建知识大赛"


@pytest.mark.parametrize(
    ("text", "needle", "expected"),
    [
        (
            "会后，专项调研小组于8月23日至24日共同走进企业，开展调研。",
            "8月23日至24日",
            "专项调研小组共同走进企业",
        ),
        ("协会在2020年疫情期间组织捐赠物资。", "2020年", "协会疫情期间组织捐赠物资"),
        ("从2021年起协会每年举办设计大赛。", "2021年", "协会每年举办设计大赛"),
        ("5月18日（星期四）上午，协会召开理事会。", "5月18日", "协会召开理事会"),
        ("截至2021年9月，共获评成长型品牌53个。", "2021年9月", "共获评成长型品牌53个"),
        ("并于2020年10月20日成功举办第二届论坛。", "2020年10月20日", "成功举办第二届论坛"),
        ("2020年是商会注册成立的第一年。", "2020年", "商会注册成立的第一年"),
        ("市领导对2021年的商会工作提出要求。", "2021年", "市领导对商会工作提出要求"),
        ("协会召开理事会议，时间为2023年5月6日。", "2023年5月6日", "协会召开理事会议"),
        ("2月3日下午,秘书长述职交流会在市工商联召开。", "2月3日", "秘书长述职交流会在市工商联召开"),
    ],
)
def test_clause_title_without_the_date(text: str, needle: str, expected: str) -> None:
    assert event_title(text, span_of(text, needle)) == expected


def test_english_clause_title() -> None:
    text = "In 2023 and in the future, the association will grow. It grew."
    assert event_title(text, span_of(text, "2023")) == "the association will grow"
    text = "On 12 March 2023, the chamber held its annual meeting in Hangzhou."
    assert event_title(text, span_of(text, "12 March 2023")) == (
        "the chamber held its annual meeting in…"
    )


def test_long_clause_is_cut_at_punctuation_in_the_second_half() -> None:
    text = "2023年6月，协会组织会员企业参加在上海举办的中国国际纺织面料及辅料博览会、中国国际服装服饰博览会和中国国际家用纺织品博览会。"
    title = event_title(text, span_of(text, "2023年6月"))
    assert title == "协会组织会员企业参加在上海举办的中国国际纺织面料及辅料博览会…"
    assert len(title) <= 40


def test_long_clause_without_punctuation_is_cut_before_a_function_word_or_hard() -> None:
    text = "2023年6月协会组织会员企业参加在上海举办的中国国际纺织面料博览会暨中国国际服装服饰博览会开幕式活动"
    title = event_title(text, span_of(text, "2023年6月"), max_chars=20)
    assert title == "协会组织会员企业参加在上海举办…"
    text = "2023年6月" + "纺" * 60
    title = event_title(text, span_of(text, "2023年6月"), max_chars=20)
    assert title == "纺" * 19 + "…"


def test_predicate_after_the_date_when_the_clause_is_too_long() -> None:
    text = "军团应宁夏回族自治区中国联通政企事业部及自治区工信厅邀请于8月21日参加灵武市数字化转型推介会。"
    assert event_title(text, span_of(text, "8月21日")) == "参加灵武市数字化转型推介会"


def test_a_date_alone_falls_back_to_the_neighbouring_clause_or_itself() -> None:
    text = "发布时间:2023-09-08  阅读数:26348"
    assert event_title(text, span_of(text, "2023-09-08")) == "发布时间"
    assert event_title("2021-2-9", (0, 8)) == "2021-2-9"


def test_emptied_quotes_are_dropped() -> None:
    text = "科技部印发《“十四五”东西部科技合作实施方案》的通知"
    assert (
        event_title(text, span_of(text, "十四五")) == "科技部印发《东西部科技合作实施方案》的通知"
    )


@given(st.text(alphabet="ab.Z 1\u4e00", max_size=30))
def test_the_last_word_is_the_one_a_search_from_the_left_finds(text: str) -> None:
    """_last_word reads backwards what ``([A-Za-z][A-Za-z.]*)$`` found from the left."""
    found = re.search(r"([A-Za-z][A-Za-z.]*)$", text)
    assert events._last_word(text) == (found.group(1) if found else "")
