"""The document's association, and the organisations a sentence names.

Every gold document's association (``data/gold/documents.csv``: ``association``
or one of the ``association_alt`` names) must be detected from its text alone;
synthetic documents check each signal on its own (signature, title, source line,
subject, boilerplate, generic mentions).
"""

import csv
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline import associations
from timeline.associations import (
    Organisations,
    detect_association,
    find_organisations,
    organisation_mentions,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def gold_documents() -> list:
    with open(DATA / "gold" / "documents.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [pytest.param(row, id=row["doc"][:3]) for row in rows]


@pytest.mark.parametrize("row", gold_documents())
def test_gold_document_association_is_detected(row: dict[str, str]) -> None:
    text = (DATA / "corpus" / row["doc"]).read_text(encoding="utf-8")
    accepted = {row["association"]} | {
        name.strip() for name in row["association_alt"].split(";") if name.strip()
    }
    assert detect_association(text) in accepted


@pytest.mark.parametrize(
    ("doc", "title", "expected"),
    [
        ("001_3c97cd865ef99b3a.txt", "商会秘书长2020年的述职报告", "上海市工商联纺织服装商会"),
        (
            "004_508937cf9c40d0b3.txt",
            "党建促互联、产业迎新篇 | 中国联通服装制造军团与宁夏回族自治区联通举行党建共建活动",
            "联通服装制造军团",
        ),
    ],
)
def test_gold_document_with_its_title(doc: str, title: str, expected: str) -> None:
    """A title that names no association, or a longer form of the source's name."""
    text = (DATA / "corpus" / doc).read_text(encoding="utf-8")
    assert detect_association(text, title=title) == expected


def test_without_its_source_line_004_falls_back_to_the_subject_of_its_title() -> None:
    text = (DATA / "corpus" / "004_508937cf9c40d0b3.txt").read_text(encoding="utf-8")
    text = text.replace("文章来源:联通服装制造军团", "")
    assert detect_association(text) == "中国联通服装制造军团"


# ---------------------------------------------------------------------------
# detect_association on synthetic documents


def test_signature_block_outweighs_a_meeting_place_in_the_first_sentence() -> None:
    text = (
        "商会秘书长述职报告\n"
        "2月3日下午，全市商会秘书长述职交流会在上海市服装行业协会会长单位召开。\n"
        "2020年，商会会员增加到300家。商会组织企业参加展会。\n"
        "\n"
        "浙江省杭州市纺织服装商会\n"
        "秘书长：王某\n"
    )
    assert detect_association(text) == "浙江省杭州市纺织服装商会"


def test_names_in_navigation_related_news_and_footer_do_not_count() -> None:
    text = (
        "首页 | 协会概况 | 新闻中心 | 会员服务 | 联系我们\n"
        "登录 注册\n"
        "广州市服装行业协会召开第五届会员大会\n"
        "发布时间：2023-05-06\n"
        "5月6日，广州市服装行业协会在广州召开第五届会员大会。会议选举产生了新一届理事会。\n"
        "相关阅读\n"
        "深圳市服装行业协会举办2023年设计大赛\n"
        "深圳市服装行业协会召开理事会\n"
        "深圳市服装行业协会走访会员企业\n"
        "版权所有©2015 深圳市服装行业协会 粤ICP备12345678号\n"
    )
    assert detect_association(text) == "广州市服装行业协会"


def test_generic_mentions_name_no_association() -> None:
    text = (
        "协会召开理事会。本会会员企业参加。各商协会积极响应。行业协会要发挥作用，该协会表示支持。"
    )
    assert detect_association(text) is None


def test_empty_text_has_no_association() -> None:
    assert detect_association("") is None


def test_title_decides_between_two_associations() -> None:
    text = (
        "浙江省服装行业协会与江苏省服装协会签署合作协议。"
        "浙江省服装行业协会会长和江苏省服装协会会长出席。"
    )
    assert detect_association(text) == "浙江省服装行业协会"
    assert detect_association(text, title="江苏省服装协会赴浙江考察") == "江苏省服装协会"


def test_source_line_names_the_author_when_the_text_says_only_公司() -> None:
    text = (
        "公司组织员工参加数字化培训。\n"
        "9月1日，公司走访了三家客户，介绍了新产品。\n"
        "文章来源：联创纺织科技有限公司\n"
    )
    assert detect_association(text) == "联创纺织科技有限公司"


def test_a_newspaper_as_source_is_not_the_association() -> None:
    text = "来源：中国纺织报\n江苏省纺织工业协会召开会长办公会，部署下半年工作。会议要求会员企业做好安全生产。\n"
    assert detect_association(text) == "江苏省纺织工业协会"


def test_author_organisation_beats_an_association_it_only_mentions() -> None:
    text = (
        "华纺集团召开年中工作会议。会上，华纺集团宣布加入江苏省纺织工业协会。\n"
        "9月1日，华纺集团走访客户。\n"
        "文章来源：华纺集团\n"
    )
    assert detect_association(text) == "华纺集团"


def test_subject_of_the_title_and_sentences_without_any_association() -> None:
    text = (
        "中国电信纺织服务军团与某市联合开展调研\n"
        "9月1日，纺织服务军团与某市政府开展调研。9月3日，纺织服务军团走访企业，了解数字化需求。\n"
    )
    assert detect_association(text) == "中国电信纺织服务军团"


def test_short_forms_add_to_the_full_name_they_end() -> None:
    text = (
        "辽宁省纺织服装协会举办劳模宣传活动。\n"
        "大连市服装行业协会参加了活动。\n"
        "纺织服装协会还组织了座谈。纺织服装协会会长讲话。\n"
    )
    assert detect_association(text) == "辽宁省纺织服装协会"


def test_english_document() -> None:
    text = (
        "Home | About | News | Contact\n"
        "Zhejiang Garment Chamber of Commerce holds annual meeting\n"
        "On 12 March 2023, the Zhejiang Garment Chamber of Commerce held its annual meeting in"
        " Hangzhou. The China National Garment Association sent a letter of congratulations.\n"
        "Related articles\n"
        "China National Garment Association opens fair\n"
        "China National Garment Association visits members\n"
        "Copyright © 2023 China National Garment Association\n"
    )
    assert detect_association(text) == "Zhejiang Garment Chamber of Commerce"


# ---------------------------------------------------------------------------
# find_organisations


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("由汕头市纺织服装产业协会主办", ["汕头市纺织服装产业协会"]),
        ("交流会在上海市工商联金融服务商会会长单位召开", ["上海市工商联金融服务商会"]),
        ("上海市工商联所属商(协)会秘书长述职交流会", ["上海市工商联"]),
        ("上海市工商联纺织服装商会秘书长刘寅峰", ["上海市工商联纺织服装商会"]),
        ("全国工商联纺织服装业商会召开年会", ["全国工商联纺织服装业商会"]),
        ("中国纺织工业联合会会长出席", ["中国纺织工业联合会"]),
        (
            "深圳市服装行业协会与香港制衣同业公会签署协议",
            ["深圳市服装行业协会", "香港制衣同业公会"],
        ),
        (
            "浙江省服装行业协会和江苏省纺织工业协会联合举办",
            ["浙江省服装行业协会", "江苏省纺织工业协会"],
        ),
        (
            "2020年7月西柳服装集团组建成立海城市印花行业协会",
            ["西柳服装集团", "海城市印花行业协会"],
        ),
        (
            "中国服装设计师协会“走进丹东”沙龙暨辽宁(丹东)服装行业协会座谈会",
            ["中国服装设计师协会", "辽宁(丹东)服装行业协会"],
        ),
        ("向市文明办、政法委捐赠3150套志愿者马甲", ["市文明办", "政法委"]),
        (
            "积极响应汕头市委、市政府的倡议，向濠江区慈善总会捐赠",
            ["汕头市委", "市政府", "濠江区慈善总会"],
        ),
        ("认真贯彻党中央、国务院及省委省政府的决策部署", ["省委", "省政府"]),
        ("商务部印发通知，市场监管局局长出席", ["商务部", "市场监管局"]),
        (
            "工业和信息化部、人力资源和社会保障部联合发文",
            ["工业和信息化部", "人力资源和社会保障部"],
        ),
        ("大连工业大学服装学院刘敬源同学获奖", ["大连工业大学服装学院"]),
        (
            "由上海市纺织科学研究院、东华大学和上海纺织（集团）有限公司共同承办",
            ["上海市纺织科学研究院", "东华大学", "上海纺织（集团）有限公司"],
        ),
        (
            "感谢中国联合网络通信有限公司宁夏回族自治区分公司的支持",
            ["中国联合网络通信有限公司宁夏回族自治区分公司"],
        ),
        ("军团应宁夏回族自治区中国联通政企事业部邀请", ["宁夏回族自治区中国联通政企事业部"]),
    ],
)
def test_find_organisations_gives_whole_names(sentence: str, expected: list[str]) -> None:
    assert find_organisations(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "积极组织各商协会参与市场的重要活动",
        "该协会与本会和行业协会共同发起倡议",
        "协会协会号召会员企业",
        "协会会长单位、副会长单位及理事单位参加",
        "困难总会过去，我们学会了坚持",
        "全部企业完成布局调整，大部分在东部",
        "推动党建与中心工作深度融合",
        "认真贯彻党委的意图",
        "宁夏回族自治区灵武市工业企业数字化转型推介会",
    ],
)
def test_find_organisations_skips_generic_mentions_and_ordinary_words(sentence: str) -> None:
    assert find_organisations(sentence) == []


def test_find_organisations_lists_each_name_once_in_order() -> None:
    sentence = "市工商联副主席出席，市经信委、市工商联和市商务委支持。"
    assert find_organisations(sentence) == ["市工商联", "市经信委", "市商务委"]


def test_find_organisations_in_english() -> None:
    sentence = (
        "Since the establishment of the Anhui Textile Industry Association on June 18, 2021, "
        "under the guidance of the Provincial Federation of Industry and Commerce and the "
        "Provincial Department of Civil Affairs, the China Chamber of Commerce for Import and "
        "Export of Textiles and Huamao Group joined."
    )
    assert find_organisations(sentence) == [
        "Anhui Textile Industry Association",
        "Provincial Federation of Industry and Commerce",
        "Provincial Department of Civil Affairs",
        "China Chamber of Commerce for Import and Export of Textiles",
        "Huamao Group",
    ]


def test_organisation_mentions_have_their_spans() -> None:
    text = "8月22日，辽宁省纺织服装协会与大连工业大学签约。"
    mentions = organisation_mentions(text)
    assert [(m.name, text[m.start : m.end], m.association) for m in mentions] == [
        ("辽宁省纺织服装协会", "辽宁省纺织服装协会", True),
        ("大连工业大学", "大连工业大学", False),
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "感谢宁夏回族自治区党委宣传部、自治区政府办公厅支持",
            ["宁夏回族自治区党委宣传部", "自治区政府办公厅"],
        ),
        ("汕头市委市政府与市侨办、区外事办共同举办", ["汕头市委", "市政府", "市侨办", "区外事办"]),
        (
            "上海市服装行业协会与深圳市服装行业商(协)会合作",
            ["上海市服装行业协会", "深圳市服装行业商(协)会"],
        ),
        (
            "The Shanghai Garment Association met the China Textile Federation",
            ["Shanghai Garment Association", "China Textile Federation"],
        ),
    ],
)
def test_every_kind_of_head_is_found(sentence: str, expected: list[str]) -> None:
    """Committees (市委, 外事办), one-character bodies (部, 厅), bracketed heads and
    English names: the scan that skips to a head's first character misses none."""
    assert find_organisations(sentence) == expected


# Organisations: a document's names read once, then asked per sentence or line

# Pieces that make names, break them, or sit on a part's edge: heads and stems, stop
# and protected words, sentence ends, closers, brackets, English names and
# abbreviations, spaces and line breaks.
_PIECES = [
    "协会",
    "商会",
    "商(协)会",
    "商（协）会",
    "中心",
    "工作",
    "市委",
    "市政府",
    "外事办",
    "部",
    "全部",
    "总会",
    "了",
    "集团",
    "化",
    "辽宁省",
    "纺织服装",
    "服装制造",
    "由",
    "在",
    "经济",
    "积极",
    "组织",
    "各",
    "该",
    "2023年",
    "8月22日",
    "（",
    "）",
    "(",
    ")",
    "。",
    "，",
    "！",
    "；",
    "：",
    "”",
    "“",
    ".",
    " ",
    "\u3000",
    "\n",
    "Beijing",
    "Textile",
    "Association",
    "Chamber of Commerce",
    "Big Corp. Beijing Textile Association",
    "Textile. Association of Beijing",
    "辽宁省纺织服装协会",
    "Co.",
    "Ltd.",
    "The",
    "In",
    "and",
    "of",
    "Corp.",
    "Group",
    "x",
]
_BREAKS = "\n。！？!?；;."


@given(st.lists(st.sampled_from(_PIECES), max_size=60), st.data())
@settings(max_examples=500, deadline=None)
def test_names_of_a_part_are_those_of_the_part_read_alone(pieces: list[str], data) -> None:
    """Organisations.within (the whole text's names inside a part) is exactly
    organisation_mentions of the part read alone, or None (the caller reads it)."""
    text = "".join(pieces)
    edges = sorted(
        {0, len(text)}
        | {index + 1 for index, char in enumerate(text) if char in _BREAKS}
        | {index for index, char in enumerate(text) if char == "\n"}
    )
    anywhere = st.integers(0, len(text))  # an edge inside a word: within must see it
    start = data.draw(st.sampled_from(edges) | anywhere)
    end = data.draw(st.sampled_from([edge for edge in edges if edge >= start]) | anywhere)
    start, end = min(start, end), max(start, end)
    organisations = Organisations(text)
    for low, high in ((start, end), _stripped(text, start, end)):
        found = organisations.within(low, high)
        if found is not None:
            assert found == organisation_mentions(text[low:high])


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """The part without its surrounding spaces, as a sentence is taken."""
    part = text[start:end]
    low = start + len(part) - len(part.lstrip())
    return low, max(low, start + len(part.rstrip()))


def test_names_of_every_corpus_sentence_come_from_the_whole_text() -> None:
    """On the sample corpus every sentence and line is answered from the whole
    text's names (none read again), and they are the part's own."""
    answered = 0
    for path in sorted((DATA / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        organisations = Organisations(text)
        for match in re.finditer(r"[^\n。！？；]+[。！？；]?", text):
            low, high = _stripped(text, *match.span())
            found = organisations.within(low, high)
            assert found is not None, text[low:high]
            assert found == organisation_mentions(text[low:high])
            answered += 1
    assert answered > 100


def _trim_left_by_subs(text: str, start: int, head_start: int) -> int:
    """The first version of ``_trim_left``: stop words, then three subs a turn."""
    stem = text[start:head_start]
    cut = 0
    stops = list(associations._STOP_RE.finditer(stem))
    if stops:
        found = associations._PROTECTED_RE.finditer(text, start, head_start)
        protected = [match.span() for match in found]
        for match in stops:
            a, b = match.start() + start, match.end() + start
            if not any(p0 < b and a < p1 for p0, p1 in protected):
                cut = match.end()
    stem = stem[cut:]
    start += cut
    while True:
        trimmed = associations._LEADING_TIME.sub("", stem)
        trimmed = associations._DETERMINERS.sub("", trimmed)
        trimmed = associations._drop_unbalanced(trimmed)
        if trimmed == stem:
            return start
        start += len(stem) - len(trimmed)
        stem = trimmed


_STEM_PIECES = [
    "2023年",
    "8月",
    "上午",
    "近年来",
    "本",
    "该",
    "各级",
    "有关",
    "三家",
    "（",
    "）",
    "(",
    "纺织",
    "协会",
    "市",
    "其",
    "一",
    "随后",
    "１２",
    "组织",
    "经济",
    "会上",
    "号",
    "这些",
]


@given(st.lists(st.sampled_from(_STEM_PIECES), max_size=12))
def test_leading_words_are_cut_as_the_subs_cut_them(pieces: list[str]) -> None:
    """Stop words, leading times, determiners and stray brackets leave the start
    where the first version's substitutions left it."""
    stem = "".join(pieces)
    assert associations._trim_left(stem, 0, len(stem)) == _trim_left_by_subs(stem, 0, len(stem))


def _english_by_whole_scans(text: str) -> list[tuple[str, int, int]]:
    """The first version of ``_english_mentions``: the pattern searched from each end on."""
    found = []
    position = 0
    while match := associations._EN_ORG.search(text, position):
        leading = associations._EN_LEADING.match(match.group(1))
        start = match.start() + (leading.end() if leading else 0)
        end = match.end()
        next_one = associations._EN_NEXT_ORG.search(text, match.end(2), end)
        if next_one:
            end = next_one.start()
        position = end
        name = text[start:end].strip()
        if name.endswith(".") and not re.search(r"\b(?:Co|Ltd|Inc)\.$", name):
            name = name[:-1]
        if len(name.split()) >= 2:
            found.append((name, start, start + len(name)))
    return found


_ENGLISH_PIECES = [
    "The",
    "Zhejiang",
    "Garment",
    "Association",
    "Chamber of Commerce",
    "of",
    "Textiles",
    "and",
    "Huamao",
    "Group",
    "Co.,",
    "Ltd.",
    "Inc.",
    "In",
    "Big",
    "Corp.",
    "Office",
    "x",
    "协会",
    "。",
    ",",
    " ",
    " ",
    " ",
    "\n",
    "\r\n",
]


@given(st.lists(st.sampled_from(_ENGLISH_PIECES), max_size=40))
@settings(max_examples=300, deadline=None)
def test_english_names_read_line_by_line_are_those_of_whole_scans(pieces: list[str]) -> None:
    """Searching only the lines that hold a head word finds what searching the whole
    text from each name's end found."""
    text = "".join(pieces)
    found = [(m.name, m.start, m.end) for m in associations._english_mentions(text)]
    assert found == _english_by_whole_scans(text)


_SOURCE_PIECES = [
    "文章来源",
    "来源",
    "信息",
    "供稿",
    "供稿单位",
    "发布单位",
    "发布",
    "作者单位",
    "Source",
    "SOURCE",
    "\u017fource",
    "published by",
    "Issued By",
    "\u0130ssued by",
    "：",
    ":",
    " ",
    "\n",
    "【",
    "|",
    "｜",
    "联通服装制造军团",
    "Zhejiang Garment",
    "。",
    "，",
    "x",
]


@given(st.lists(st.sampled_from(_SOURCE_PIECES), max_size=30))
def test_the_source_line_scan_finds_what_the_pattern_as_written_finds(pieces) -> None:
    """The fast scan (keywords led by a literal first character, a lookbehind for the
    break before them) gives the values of the case-insensitive pattern as written."""
    text = "".join(pieces)
    scanned = [m.group("value") for m in associations._ATTRIBUTION_SCAN.finditer(text)]
    assert scanned == [m.group("value") for m in associations._ATTRIBUTION.finditer(text)]
