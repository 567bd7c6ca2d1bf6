"""Which association a document is about, and the organisations a sentence names.

A timeline row needs its association: the organisation whose activities the
document reports, usually its author. Documents rarely say so in a field: a
careful reader looks at the title, the opening lines, the signature block at the
end (上海市工商联纺织服装商会 / 秘书长:刘寅峰), a source line (文章来源:…), and
at which organisation is the subject of sentence after sentence; names on the
website around the article (menus, related news, the copyright footer) do not
count. :func:`detect_association` does the same with weights.

Organisation names are found from their heads (协会, 商会, 联合会, 促进会, 联盟 …
for associations; 公司, 集团, 政府, 工商联, 委员会, 大学 … for other bodies; and
"… Association", "… Chamber of Commerce", "… Federation" in English) and extended
to the left up to punctuation or a verb or function word (由, 在, 与, 向, 组织,
召开, 举办 …), so that 积极组织各商协会参与 gives nothing and
召开的上海市工商联金融服务商会 gives the whole name.

Pure functions of text: no I/O.

>>> detect_association("辽宁省纺织服装协会举办劳模宣传活动。\\n协会表彰了先进集体。")
'辽宁省纺织服装协会'
>>> find_organisations("感谢人力资源和社会保障部、中国纺联、辽宁省纺织服装协会、西柳服装集团领导")
['人力资源和社会保障部', '辽宁省纺织服装协会', '西柳服装集团']
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from timeline.boilerplate import boilerplate_spans, display_width, in_boilerplate
from timeline.scans import case_led

# ---------------------------------------------------------------------------
# Word tables


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Heads of association names, longest first so that 商(协)会 wins over 协会.
ASSOCIATION_HEADS = (
    "工商业联合会",
    "同业公会",
    "联合会",
    "促进会",
    "研究会",
    "商(协)会",
    "商（协）会",
    "商协会",
    "协会",
    "商会",
    "联盟",
    "总会",
    "学会",
    "公会",
)

#: Heads of other organisations: companies, government bodies, universities,
#: units of large companies (军团, 事业部). Single-character government heads
#: (部, 局, 厅, 委, 办) are handled apart, since 全部, 布局, 举办 are not bodies.
OTHER_HEADS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "分公司",
    "公司",
    "集团",
    "军团",
    "兵团",
    "事业部",
    "人民政府",
    "政府",
    "工商联",
    "管委会",
    "委员会",
    "办公厅",
    "办公室",
    "科学院",
    "研究院",
    "研究所",
    "大学",
    "学院",
    "学校",
    "医院",
    "银行",
    "基金会",
    "俱乐部",
    "合作社",
    "博物馆",
    "电视台",
    "报社",
    "中心",
)

# 部, 局, 厅 end many common words; these two-character words are not bodies.
_NOT_BODIES = frozenset(
    _words(
        "全部 内部 外部 局部 干部 大部 东部 西部 南部 北部 中部 总部 头部 底部 顶部 上部 下部 面部 "
        "腹部 胸部 背部 细部 本部 支部 团部 布局 格局 大局 全局 开局 结局 残局 僵局 出局 时局 "
        "赛局 变局 新局 饭局 骗局 邮局 书局 牌局 当局 大厅 客厅 餐厅 展厅 门厅 舞厅 前厅 "
        "后厅 正厅 副厅"
    )
)
#: Bodies named by one character after a short prefix: 市委, 政法委, 外事办.
_COMMITTEE_PREFIXES = {
    "委": _words("省 市 区 县 州 旗 镇 乡 党 纪 政法 经信 商务 发改 卫健 教 科 国资 网信 编 侨 农"),
    "办": _words("文明 侨 外事 外 台 扶贫 金融 网信 合作交流 政府 党政 综治 人防 信访 文创"),
}
_COMMITTEES = re.compile(
    "|".join(
        "(?:" + "|".join(map(re.escape, prefixes)) + ")" + head
        for head, prefixes in _COMMITTEE_PREFIXES.items()
    )
)

#: Where a name ends when read leftwards: verbs and function words that come
#: before an organisation in a sentence (由协会主办, 在商会召开, 感谢…协会).
_STOP_WORDS = _words(
    "召开 举办 举行 主办 承办 协办 参加 参与 出席 成立 组建 加入 发动 带领 携手 感谢 邀请 "
    "应邀 响应 走进 走访 拜访 考察 视察 慰问 捐赠 捐献 赞助 推动 推进 协助 配合 会同 联动 "
    "担任 当选 荣获 获得 授予 评为 认定 表彰 发布 印发 转发 通过 签署 签订 对接 设在 位于 "
    "来自 隶属 所属 下属 旗下 及其 以及 共同 一起 分别 先后 积极 主动 牵头 号召 带动 倡导 "
    "引导 组织 开展 帮助 成为 作为 代表 包括 其中 同时 此外 目前 近日 日前 今年 去年 明年 "
    "当天 当日 期间 以来 属于 就是 也是 都是 还是 负责 得到 受到 经过 根据 按照 依托 "
    "得知 会后 会上 支持 指导 主持 完成 确保 凝聚 指出 发挥 抓好 做好 搞好 办好 展现 展示 鞭策 "
    "学习 谢谢 希望 介绍 结合 贯彻 加强 依靠 借助 利用 落实 强化 完善 提升 打造 扶持 整合 "
    "搭建 建立 设立 创建 筹建 申报 接待 欢迎 会见 访问 沟通 协调 联系 召集 动员 呼吁 要求 "
    "鼓励 督促 评选 推荐 选举 表示 认为 强调 认真 充分 切实 大力 努力 不断 全力 持续 深入 "
    "广泛 进一步 很多 许多 众多 诸多 不少 等等"
) + tuple(
    "由在与和向是的为经被及或同跟对给把将从自于至到让使请据按受应暨并而即又还也所等了着过得们很更就才再已曾要想她他你任地"
)

#: Words in which a stop character is part of the name (经济, 自治区, 和平区 …).
_PROTECTED = _words(
    "经济 经贸 经营 经销 经编 经纬 经信 经开 和平 共和 和谐 和田 向阳 在线 为民 自治 自然 "
    "自贸 自主 自动 自由 对外 高等 中等 供应 应急 应用 适应 相应 效应 大使 使馆 同业 同济 "
    "共同体 代表处 代表团 联合会 联合体 联合国 支持中心 指导中心 至诚 人力资源和社会保障 "
    "工业和信息化 住房和城乡建设 文化和旅游 农业和农村 科学和技术 生态环境和 及时 以及时 "
    "研究所 事务所 派出所 场所 诊所 会所 交易所 初等 其他 主任 责任 信任 任务 任丘 地区 地方 "
    "基地 产地 地市 地域 要素 过程 得力 人才 英才"
)

_STOP_RE = re.compile("|".join(sorted(map(re.escape, _STOP_WORDS), key=len, reverse=True)))
_PROTECTED_RE = re.compile("|".join(sorted(map(re.escape, _PROTECTED), key=len, reverse=True)))

#: Leading words that make a name generic or are not part of it.
_DETERMINERS = re.compile(
    r"^(?:本|该|我|贵|各|此|其|这|那|某)(?:个|家|些|级|类|地)?"
    r"|^(?:有关|相关|全体|部分|多家|一些|所有|我们|他们|你们|广大|其他|其它|兄弟|友好|当地|各地)"
    r"|^[\d一二两三四五六七八九十百千几多数]+[个家名位所批届]"
)
_LEADING_TIME = re.compile(
    r"^(?:[\d０-９]+[年月日号时]?|[年月日号]|上午|下午|晚上|中午|凌晨|傍晚|近年来|近年|近期|"
    r"此前|随后|后来|最后|首先|其次|另外|此外|同时|其中)+"
)
#: Stems (a name without its head) that name no particular organisation.
_GENERIC_STEMS = frozenset(
    _words(
        "行业 商 产业 社会 地方 全国性 全国性行业 地方性 省级 市级 县级 区级 优秀 先进 四好 "
        "基层 各级 相关 有关 上级 下级 会员 成员 协会 商会 分 总 母 子 新 老 两 好 大 小 "
        "地区 当地 服务 广大"
    )
)
_ONE_CHAR_STEMS = frozenset("省市区县州镇乡旗国")
_ONLY_HEADS = re.compile("(?:" + "|".join(map(re.escape, ASSOCIATION_HEADS)) + ")+")

# Ambiguous heads: 总会 ("always"), 学会 ("learn to").
_AMBIGUOUS_FOLLOWERS = {"总会": "了过着得有是能要把让想在", "学会": "了过着得如怎用做"}
# Collocations in which a head is an ordinary word: 中心工作, 大学生, 集团化.
_NOT_A_HEAD_BEFORE = {
    "中心": ("工作", "任务", "城", "区", "地", "位", "环节", "思想", "主题"),
    "大学": ("生", "毕业"),
    "学院": ("派", "式"),
    "集团": ("化", "军"),
    "银行": ("业", "卡"),
    "政府": ("采购", "补贴", "性"),
    "联盟": ("链",),
}

#: Single-character government heads, bodies only after a Chinese character.
_ONE_CHAR_HEADS = "部局厅"
#: The characters a head can start with. The head pattern is an alternation of
#: some eighty words, tried in turn at every character of a text; a lookahead on
#: this class first lets the scan skip every other character at C speed (a
#: sixth of the time on ordinary documents).
_HEAD_FIRSTS = "".join(
    sorted(
        {head[0] for head in ASSOCIATION_HEADS + OTHER_HEADS}
        | {prefix[0] for prefixes in _COMMITTEE_PREFIXES.values() for prefix in prefixes}
        | set(_ONE_CHAR_HEADS)
    )
)
_HEAD_WORDS = sorted(map(re.escape, ASSOCIATION_HEADS + OTHER_HEADS), key=len, reverse=True)
_HEAD_RE = re.compile(
    f"(?=[{re.escape(_HEAD_FIRSTS)}])"
    f"(?:{'|'.join(_HEAD_WORDS)}|{_COMMITTEES.pattern}|(?<=[\u4e00-\u9fff])[{_ONE_CHAR_HEADS}])"
)
#: The longest name before its head, in characters (中共中国联合网络通信有限公司宁夏
#: 回族自治区分公司 has 22); it bounds the work on long runs without punctuation.
MAX_STEM = 40
# A character that can be part of a Chinese organisation name.
_NAME_CHAR = r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9（）()]"
#: Everything up to the last character that is not a name's (the run of name
#: characters before a head starts after it).
_LAST_NOT_NAME = re.compile(r"(?s).*[^" + _NAME_CHAR[1:])

# English names: capitalised words before a head, and an "of …" tail.
_EN_HEADS = (
    r"Association|Chamber of Commerce|Federation|Council|Alliance|Society|League|Union"
    r"|Committee|Department|Ministry|Bureau|Office|Government|University|College|Institute"
    r"|Academy|Company|Corporation|Group|Co\.,? Ltd\.?|Ltd\.?|Inc\.?"
)
_EN_ASSOCIATION = re.compile(
    r"^(?:Association|Chamber of Commerce|Federation|Council|Alliance|Society|League)$"
)
_EN_CAP = r"[A-Z][\w'’&.-]*"
_SP = r"[^\S\n]+"  # spaces within one line
_EN_ORG = re.compile(
    # At most eight words before the head: unbounded, a long Title Case line backtracks
    # from every word (quadratic; "June " * 8000 took seconds). The lookahead on a
    # capital first spares the head words' lookahead at every other word boundary
    # (between two Chinese characters and a comma, say): half the scan's time.
    rf"(?=[A-Z])\b((?:(?!(?:{_EN_HEADS})\b){_EN_CAP}{_SP}(?:(?:and|&){_SP})?){{1,8}})({_EN_HEADS})\b"
    rf"((?:{_SP}(?:of|for){_SP}(?:the{_SP})?{_EN_CAP}(?:{_SP}(?:and{_SP}|&{_SP})?{_EN_CAP})*)*)"
)
#: Any head word: a text without one (most Chinese texts) has no English name.
_EN_HEAD = re.compile(rf"(?:{_EN_HEADS})\b")
_EN_NEXT_ORG = re.compile(rf"{_SP}(?:and|&){_SP}(?:{_EN_CAP}{_SP})+(?:{_EN_HEADS})\b")
_EN_LEADING = re.compile(
    r"^(?:(?:The|A|An|In|On|At|Since|From|By|With|For|To|And|Our|This|That|These|Its|Their|"
    r"News|Home|Dear|When|After|Before|During|As|Under|Of|All)\s+)+"
)

# Lines that name the document's source or author: 文章来源:…, 供稿:…
#: Their keywords (文章来源 before 来源, as an optional prefix would be tried).
_SOURCE_WORDS = (
    "文章来源",
    "信息来源",
    "稿件来源",
    "新闻来源",
    "本文来源",
    "来源",
    "供稿(?:单位)?",
    "发布(?:单位|机构)",
    "作者单位",
    "撰稿单位",
    "source",
    "published by",
    "issued by",
)
#: What may stand before a keyword (or the text's start).
_SOURCE_BREAK = r"\s【\[|｜"
_SOURCE_VALUE = r"\s*[:：]\s*(?P<value>[^\s,，;；|｜】\]。]+(?: [A-Z][^\s,，;；|｜】\]。]*)*)"
#: The source line as written (case-insensitive).
_ATTRIBUTION = re.compile(
    rf"(?:^|[{_SOURCE_BREAK}])(?:{'|'.join(_SOURCE_WORDS)}){_SOURCE_VALUE}", re.IGNORECASE
)
#: :data:`_ATTRIBUTION`'s keywords and values, found by a scan that skips in C to
#: a keyword's first character (:func:`timeline.scans.case_led`); the lookbehind
#: after it asks for a break or the text's start before it.
_ATTRIBUTION_SCAN = re.compile(
    "(?:"
    + case_led(_SOURCE_WORDS, lambda first: f"(?<![^{_SOURCE_BREAK}]{first})")
    + f")(?i:{_SOURCE_VALUE})"
)
_MEDIA = re.compile(
    r"(?:报|网|刊|杂志|报社|新闻社|通讯社|电视台|广播|客户端|公众号|头条|新华社|微博|微信)$"
)
_SOURCE_TAILS = re.compile(r"(?:官方网站|官网|网站|微信公众号|公众号|官方微博|微信)$")

# Lines that follow a signature: 秘书长:刘寅峰, 会长 张三, a date.
_SIGNATORY = re.compile(
    r"^\s*(?:秘书长|会长|理事长|主任|主席|负责人|联系人|落款|日期|执行会长|常务副会长|"
    r"[\d〇零一二三四五六七八九十]{4}\s*[年\-/.])"
)

_CLAUSE_BREAK = "。！？!?；;：:，,\n"
#: Everything up to the last clause break (one regex, not a search per break).
_LAST_CLAUSE_BREAK = re.compile("(?s).*[" + re.escape(_CLAUSE_BREAK) + "]")
# A signature is among the last lines of the article.
_SIGNATURE_LINES = 4
# How far before a name its clause may start for the name to be its subject.
_SUBJECT_WINDOW = 40


# Patterns of the per-name checks, compiled once (each is asked for every name).
_ALPHANUMERIC = re.compile(r"[\dA-Za-z]*")
_TWO_LETTERS = re.compile(r"[A-Za-z]{2}")
_PRONOUN = re.compile(r"[我你他她它]们?$|^(?:我们|他们|大家)")
_ITEM_NUMBER = re.compile(r"^[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*")
_DATE_ONLY = re.compile(r"[\d０-９年月日号至到—\-~～/.上下午晚间早今去明当天前后]+")
_LATIN = re.compile(r"[A-Za-z]")


# ---------------------------------------------------------------------------
# Names in text


class OrganisationMention(NamedTuple):
    """One organisation name found in a text, with its character range.

    A named tuple: a document makes some fifty of them, and a tuple is made in a
    fraction of a frozen dataclass's time.
    """

    name: str
    start: int
    end: int
    association: bool


def find_organisations(sentence: str) -> list[str]:
    """The organisations named in ``sentence``, in order of appearance, once each.

    Why: an event row lists who took part (companies, government bodies,
    universities, other associations), and these names must be whole
    (辽宁省纺织服装协会, not 纺织服装协会) and specific (各商协会, 该协会 and 公司
    alone name nobody).

    >>> find_organisations("积极响应汕头市委、市政府的倡议，向濠江区慈善总会捐赠资金40万元")
    ['汕头市委', '市政府', '濠江区慈善总会']
    """
    names: list[str] = []
    for mention in organisation_mentions(sentence):
        if mention.name not in names:
            names.append(mention.name)
    return names


def organisation_mentions(text: str) -> list[OrganisationMention]:
    """Every specific organisation name in ``text``, longest names only, in order.

    >>> [m.name for m in organisation_mentions("上海市工商联纺织服装商会秘书长述职")]
    ['上海市工商联纺织服装商会']
    """
    return _longest(_raw_mentions(text))


def _raw_mentions(text: str) -> list[OrganisationMention]:
    """Every name found in ``text``, nested ones too, by start (the longer first)."""
    found = _chinese_mentions(text) + _english_mentions(text)
    found.sort(key=_by_start)
    return found


def _by_start(mention: OrganisationMention) -> tuple[int, int]:
    return mention.start, -mention.end


def _longest(found: list[OrganisationMention]) -> list[OrganisationMention]:
    """``found`` (sorted by :func:`_by_start`) without the names inside a longer one."""
    kept: list[OrganisationMention] = []
    reach = -1
    for mention in found:
        if mention.end <= reach:
            continue  # 上海市工商联 inside 上海市工商联纺织服装商会
        kept.append(mention)
        reach = mention.end
    return kept


def _chinese_mentions(text: str) -> list[OrganisationMention]:
    found = []
    #: The same stem before the same head reads the same wherever it stands (a name
    #: recurs in its document): trimmed once per document, not once per mention.
    trimmed: dict[tuple[str, str], int | None] = {}
    for match in _HEAD_RE.finditer(text):
        head = match.group()
        head_start, end = match.span()
        if head in _CHECKED_HEADS and not _head_is_real(text, head, head_start, end):
            continue
        start = _name_start(text, head_start)
        key = (text[start:head_start], head)
        cut = trimmed.get(key, -1)
        if cut == -1:
            cut = trimmed[key] = _trimmed(text, start, head_start, head)
        if cut is None:
            continue
        start += cut
        found.append(OrganisationMention(text[start:end], start, end, head in _ASSOCIATION_HEADS))
    return found


def _trimmed(text: str, start: int, head_start: int, head: str) -> int | None:
    """How far :func:`_trim_left` moves the name's start; None when the name is generic."""
    if start == head_start:  # the head alone (a whole name only for 省委, 市委 …): no stem to trim
        return None if _is_generic(head, head) else 0
    trimmed = _trim_left(text, start, head_start)
    return None if _is_generic(text[trimmed:head_start] + head, head) else trimmed - start


class Organisations:
    """The organisation names of one document's text, found once and asked per part.

    Why: the association detector reads the whole text, and every event row names
    the organisations of its sentence, and the signature lines are read again:
    three readings of the same characters. A name is found from its head and at
    most :data:`MAX_STEM` characters before it, stopping at the first character
    that cannot be in a name, so a part of the text that starts and ends at a
    sentence or line break has the names the whole text has there:
    :meth:`within` gives them, or None when it cannot be sure (a name found across
    the part's edge, an edge inside a word), and the caller reads the part itself.

    >>> text = "协会召开年会。辽宁省纺织服装协会与西柳服装集团签约。"
    >>> [m.name for m in Organisations(text).within(7, len(text))]
    ['辽宁省纺织服装协会', '西柳服装集团']
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.raw = _raw_mentions(text)
        self.mentions = _longest(self.raw)
        self._starts = [mention.start for mention in self.raw]
        self._reach: list[int] = []  # the furthest end of the names so far
        for mention in self.raw:
            self._reach.append(max(mention.end, self._reach[-1]) if self._reach else mention.end)

    def within(self, start: int, end: int) -> list[OrganisationMention] | None:
        """:func:`organisation_mentions` of ``text[start:end]`` (its offsets), or None."""
        if not (_opens_part(self.text, start) and _closes_part(self.text, start, end)):
            return None
        first = bisect.bisect_left(self._starts, start)
        last = bisect.bisect_left(self._starts, end)
        if (first and self._reach[first - 1] > start) or (last and self._reach[last - 1] > end):
            return None  # a name across an edge: the part alone may read otherwise
        return [
            OrganisationMention(m.name, m.start - start, m.end - start, m.association)
            for m in _longest(self.raw[first:last])
        ]

    def names(self, start: int, end: int) -> list[str]:
        """:func:`find_organisations` of ``text[start:end]``."""
        found = self.within(start, end)
        if found is None:
            return find_organisations(self.text[start:end])
        return list(dict.fromkeys(mention.name for mention in found))


#: Characters after which a part of a text reads as it does in the whole: a
#: sentence's end (an English full stop too: a name across it is seen by
#: :meth:`Organisations.within`) or a line break.
_PART_BREAKS = "\n。！？!?；;."
_CLOSERS = "”’」』）)】》\"'"


def _opens_part(text: str, start: int) -> bool:
    """``start`` follows a break, perhaps with spaces between: no name runs across it."""
    while start > 0 and text[start - 1] != "\n" and text[start - 1].isspace():
        start -= 1
    return start == 0 or text[start - 1] in _PART_BREAKS


def _closes_part(text: str, start: int, end: int) -> bool:
    """``end`` is a line's end (after spaces) or follows a sentence's end (and its closers)."""
    after = end
    while after < len(text) and text[after] != "\n" and text[after].isspace():
        after += 1
    if after == len(text) or text[after] == "\n":
        return True
    while end > start and text[end - 1] in _CLOSERS:
        end -= 1
    return end > start and text[end - 1] in _PART_BREAKS


#: The heads :func:`_head_is_real` may reject (the others are always heads).
_CHECKED_HEADS = (
    frozenset(_AMBIGUOUS_FOLLOWERS) | frozenset(_NOT_A_HEAD_BEFORE) | {"部", "局", "厅"}
)
_ASSOCIATION_HEADS = frozenset(ASSOCIATION_HEADS)


def _head_is_real(text: str, head: str, start: int, end: int) -> bool:
    after = text[end : end + 4]
    if head in _AMBIGUOUS_FOLLOWERS and after[:1] and after[0] in _AMBIGUOUS_FOLLOWERS[head]:
        return False
    if any(after.startswith(word) for word in _NOT_A_HEAD_BEFORE.get(head, ())):
        return False
    if head in ("部", "局", "厅"):
        word = text[max(start - 1, 0) : end]
        if word in _NOT_BODIES or after[:1] in ("分", "门", "长", "位", "署", "面"):
            return False
    return True


def _name_start(text: str, head_start: int) -> int:
    """Leftmost character of the run of name characters before the head.

    The run stops after a 委 followed by a one-character stem (市委市政府: two
    bodies), the rightmost such place before the head.
    """
    limit = max(head_start - MAX_STEM, 0)
    other = _LAST_NOT_NAME.match(text, limit, head_start)
    start = other.end() if other else limit
    committee = text.rfind("委", start, head_start)
    while committee >= start:
        if text[committee + 1] in _ONE_CHAR_STEMS:
            return committee + 1  # 市委市政府: two bodies
        committee = text.rfind("委", start, committee)
    return start


def _trim_left(text: str, start: int, head_start: int) -> int:
    """Move ``start`` right past stop words, dates, determiners and stray brackets."""
    stem = text[start:head_start]
    cut = 0
    stops = list(_STOP_RE.finditer(stem))
    if stops:  # most names hold no stop word: their protected words are not looked for
        protected = [m.span() for m in _PROTECTED_RE.finditer(text, start, head_start)]
        for match in stops:
            a, b = match.start() + start, match.end() + start
            if not any(p0 < b and a < p1 for p0, p1 in protected):
                cut = match.end()
    stem = stem[cut:]
    start += cut
    while True:
        # Both patterns hold only at the stem's start: a match is cut off (a sub
        # would scan the whole stem for nothing).
        leading = _LEADING_TIME.match(stem)
        trimmed = stem[leading.end() :] if leading else stem
        determiner = _DETERMINERS.match(trimmed)
        if determiner:
            trimmed = trimmed[determiner.end() :]
        trimmed = _drop_unbalanced(trimmed)
        if trimmed == stem:
            break
        start += len(stem) - len(trimmed)
        stem = trimmed
    return start


_BRACKET = re.compile(r"[()（）]")


def _drop_unbalanced(stem: str) -> str:
    """Cut a stem after a bracket it does not close or open: 辽宁(丹东)服装 stays."""
    if not _BRACKET.search(stem):
        return stem
    opened: list[int] = []
    cut = 0
    for index, char in enumerate(stem):
        if char in "(（":
            opened.append(index)
        elif char in ")）":
            if opened:
                opened.pop()
            else:
                cut = index + 1
    if opened:
        cut = max(cut, opened[-1] + 1)
    return stem[cut:]


def _is_generic(name: str, head: str) -> bool:
    stem = name[: len(name) - len(head)]
    if not stem and _COMMITTEES.fullmatch(head) and head != "党委":
        return False  # 省委, 市委, 政法委: whole names
    if _ALPHANUMERIC.fullmatch(stem) and not _TWO_LETTERS.search(stem):
        return True  # 协会, 2023协会
    if stem in _GENERIC_STEMS or stem.endswith("的"):
        return True
    if _ONLY_HEADS.fullmatch(stem):
        return True  # 协会协会
    if len(stem) == 1 and stem not in _ONE_CHAR_STEMS:
        return True
    return bool(_PRONOUN.search(stem))


def _english_mentions(text: str) -> list[OrganisationMention]:
    """English names, looked for only on the lines that hold a head word.

    A name never crosses a line break and ends with its head, so a line without
    one holds none: the costly pattern (up to eight capitalised words tried at
    every capital) is not run over a Chinese text, nor over most English lines.
    """
    found: list[OrganisationMention] = []
    position = line_end = 0
    for head_word in _EN_HEAD.finditer(text):
        if head_word.start() < line_end:
            continue  # on the line just read
        line_start = text.rfind("\n", 0, head_word.start()) + 1
        line_end = text.find("\n", head_word.end())
        line_end = len(text) if line_end < 0 else line_end
        position = max(position, line_start)
        while match := _EN_ORG.search(text, position, line_end):
            position = _english_mention(text, match, found)
    return found


def _english_mention(text: str, match: re.Match, found: list[OrganisationMention]) -> int:
    """The name ``match`` of :data:`_EN_ORG` gives, added to ``found``; where to go on."""
    head = match.group(2)
    leading = _EN_LEADING.match(match.group(1))
    start = match.start() + (leading.end() if leading else 0)
    end = match.end()
    # "… of Textiles and Huamao Group": the "and" starts another organisation.
    next_one = _EN_NEXT_ORG.search(text, match.end(2), end)
    if next_one:
        end = next_one.start()
    name = text[start:end].strip()
    if name.endswith(".") and not re.search(r"\b(?:Co|Ltd|Inc)\.$", name):
        name = name[:-1]
    if len(name.split()) < 2:
        return end  # "Association" alone
    association = bool(_EN_ASSOCIATION.match(head))
    found.append(OrganisationMention(name, start, start + len(name), association))
    return end


# ---------------------------------------------------------------------------
# The document's association

#: Weights of where a name occurs.
WEIGHT_MENTION = 1  # each mention in the article
WEIGHT_SUBJECT = 1  # the name starts its clause: the organisation acts
WEIGHT_OPENING = 2  # in the opening paragraph
WEIGHT_HEADER = 3  # in the lines above the first paragraph (title, a name line)
WEIGHT_TITLE = 6  # in the title the caller supplies
WEIGHT_SIGNATURE = 6  # alone on a line at the end, or above 秘书长:…
WEIGHT_SOURCE = 10  # 文章来源:…
#: An association with at least this score is the document's association even
#: when another organisation scores higher (the product is about associations).
STRONG_ASSOCIATION = 4


@dataclass
class _Candidate:
    name: str
    association: bool
    score: int = 0
    formal: int = 0  # title, header, signature and source weight
    mentions: int = 0
    source: bool = False


def detect_association(
    text: str,
    title: str | None = None,
    boilerplate: list[tuple[int, int]] | None = None,
    organisations: Organisations | None = None,
) -> str | None:
    """The association the document ``text`` is about, or ``None``.

    Why: documents rarely carry their association as metadata, and the names they
    contain include the website's owner, partners and places. Each name outside
    the website's boilerplate scores by where it occurs (title, opening lines,
    signature block, source line, subject of its clause, frequency); short forms
    (纺织服装协会, 服装制造军团) add to the full name they end (辽宁省纺织服装协会,
    联通服装制造军团). Associations (协会, 商会, 联盟, "… Association" …) win when
    they score well; otherwise the best organisation of any kind that acts as a
    subject or signs the document (a company's 军团, a 集团) is taken.

    ``organisations``: the text's :class:`Organisations`, when the caller has them.

    >>> detect_association("联通服装制造军团\\n8月22日，服装制造军团与宁夏联通开展活动。")
    '联通服装制造军团'
    """
    spans = boilerplate_spans(text) if boilerplate is None else boilerplate
    if organisations is None:
        organisations = Organisations(text)
    candidates: dict[str, _Candidate] = {}

    def add(mention: OrganisationMention, weight: int, formal: int = 0) -> None:
        candidate = candidates.setdefault(
            mention.name, _Candidate(mention.name, mention.association)
        )
        candidate.score += weight
        candidate.formal += formal
        candidate.mentions += 1

    lines = _article_lines(text, spans)
    opening = _opening_paragraph(text, lines)
    header_end = opening[0] if opening else len(text)
    signature_lines = _signature_lines(text, lines, organisations)
    for mention in organisations.mentions:
        if in_boilerplate(spans, mention.start, mention.end):
            continue
        weight, formal = WEIGHT_MENTION, 0
        subject = _is_subject(text, mention)
        if subject:
            weight += WEIGHT_SUBJECT
        if mention.end <= header_end:
            formal += WEIGHT_HEADER
        elif opening and opening[0] <= mention.start < opening[1]:
            weight += WEIGHT_OPENING
        if any(a <= mention.start and mention.end <= b for a, b in signature_lines):
            formal += WEIGHT_SIGNATURE
        if not mention.association and not (subject or formal):
            continue  # a company or office only mentioned in passing
        add(mention, weight + formal, formal)
    if title:
        for mention in organisation_mentions(title):
            add(mention, WEIGHT_TITLE, WEIGHT_TITLE)
    for name in _sources(text):
        mention = OrganisationMention(name, 0, 0, _is_association_name(name))
        add(mention, WEIGHT_SOURCE, WEIGHT_SOURCE)
        candidates[name].source = True
    clusters = _clusters(candidates)
    associations = [c for c in clusters if c.association]
    others = [c for c in clusters if not c.association]
    best_association = max(associations, key=_rank, default=None)
    best_other = max(others, key=_rank, default=None)
    if best_association and (
        best_other is None
        or best_association.score >= STRONG_ASSOCIATION
        or best_association.score >= best_other.score
    ):
        return best_association.name
    if best_other and (best_other.source or best_other.formal or best_other.mentions >= 2):
        return best_other.name
    return best_association.name if best_association else None


def _rank(candidate: _Candidate) -> tuple[int, int, int]:
    return (candidate.score, candidate.formal, len(candidate.name))


def _is_association_name(name: str) -> bool:
    if any(name.endswith(head) for head in ASSOCIATION_HEADS):
        return True
    return bool(re.search(r"\b(?:Association|Chamber of Commerce|Federation|Council)$", name))


def _article_lines(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of the non-blank lines outside boilerplate."""
    lines = []
    position = 0
    for content in text.split("\n"):
        start, position = position, position + len(content) + 1
        stripped = content.strip()
        if not stripped or in_boilerplate(spans, start, start + len(content)):
            continue
        start += len(content) - len(content.lstrip())
        lines.append((start, start + len(stripped)))
    return lines


def _opening_paragraph(text: str, lines: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The first paragraph of the article (the lines above it are its header)."""
    return next(((a, b) for a, b in lines if _is_paragraph(text, a, b)), None)


def _is_paragraph(text: str, start: int, end: int) -> bool:
    line = text[start:end]
    return display_width(line) > 160 or any(char in line for char in "。！？")


def _signature_lines(
    text: str, lines: list[tuple[int, int]], organisations: Organisations
) -> list[tuple[int, int]]:
    """Lines holding only an organisation name at the end of the article.

    A name line among the last lines of the article, or one followed by a
    signatory line (秘书长:…, a date), is how letters and reports are signed.
    """
    signature = []
    for index, (start, end) in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else None
        signed = following is not None and bool(_SIGNATORY.match(text[following[0] : following[1]]))
        if not (signed or index >= len(lines) - _SIGNATURE_LINES) or end - start > 60:
            continue
        mentions = organisations.within(start, end)
        if mentions is None:
            mentions = organisation_mentions(text[start:end])
        # the name, perhaps with a date or a stamp note beside it
        if len(mentions) == 1 and len(mentions[0].name) >= end - start - 12:
            signature.append((start, end))
    return signature


def _is_subject(text: str, mention: OrganisationMention) -> bool:
    """Whether the name opens its clause, after at most a date: 8月22日，军团…"""
    window = max(mention.start - _SUBJECT_WINDOW, 0)
    last_break = _LAST_CLAUSE_BREAK.match(text, window, mention.start)
    clause_start = last_break.end() - 1 if last_break else -1
    if clause_start < 0 and window > 0:
        return False  # a long way from the start of its clause
    before = text[clause_start + 1 : mention.start].strip()
    before = _ITEM_NUMBER.sub("", before)
    return not before or bool(_DATE_ONLY.fullmatch(before))


def _sources(text: str) -> list[str]:
    """Organisations named on source lines (文章来源:联通服装制造军团)."""
    names = []
    for match in _ATTRIBUTION_SCAN.finditer(text):
        value = _SOURCE_TAILS.sub("", match.group("value").strip(" \u3000"))
        if len(value) < 4 or _MEDIA.search(value):
            continue
        mentions = organisation_mentions(value)
        if mentions and mentions[-1].end == len(value):
            names.append(mentions[-1].name if mentions[-1].start == 0 else value)
        elif re.fullmatch(r"[\u4e00-\u9fff]{2,}(?:军团|兵团|事业部|集团|公司)", value):
            names.append(value)
    return names


def _clusters(candidates: dict[str, _Candidate]) -> list[_Candidate]:
    """Merge short forms into the one full name they end: 服装制造军团 → 联通服装制造军团.

    A short form that ends names with different roots (纺织协会 in both
    辽宁省纺织协会 and 浙江省纺织协会) stays on its own. The merged candidate is
    named by its source line, else its most formal, then most frequent member.
    """
    names = sorted(candidates, key=len, reverse=True)
    parent: dict[str, str] = {}
    for name in names:
        if len(name) < 4:
            continue
        # A longer name ends with it: after a space, for an English name.
        tail = " " + name if _LATIN.search(name) else name
        roots = {
            _root(other, parent)
            for other in names
            if len(other) > len(name) and other.endswith(tail)
        }
        if len(roots) == 1:
            parent[name] = roots.pop()
    groups: dict[str, list[_Candidate]] = defaultdict(list)
    for name, candidate in candidates.items():
        groups[_root(name, parent)].append(candidate)
    merged = []
    for members in groups.values():
        best = max(members, key=lambda c: (c.source, c.formal, c.score, len(c.name)))
        merged.append(
            _Candidate(
                best.name,
                any(c.association for c in members),
                score=sum(c.score for c in members),
                formal=sum(c.formal for c in members),
                mentions=sum(c.mentions for c in members),
                source=any(c.source for c in members),
            )
        )
    return merged


def _root(name: str, parent: dict[str, str]) -> str:
    while name in parent:
        name = parent[name]
    return name
