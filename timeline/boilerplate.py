"""The parts of a plain-text web capture that are not the article.

Association news is mostly collected by saving web pages as text, so the article
comes wrapped in the site's navigation (menus, login boxes, lists of other
headlines), lists of related news after it, and a footer of copyright, licence
and contact lines. Those parts are full of dates (other articles' headlines,
``Copyright 2008``, ``沪ICP备2020036264号``, phone numbers) that are not events of
the document, and of organisation names that are not its author (the site's
owner). :func:`boilerplate_spans` finds them so that the event table and the
association detector can leave them out.

Pure: a text in, character ranges out. The rules work on lines, because that is
all a plain-text capture keeps of the page's layout:

- **Top navigation**: the run of short, unpunctuated lines at the top (menus,
  login and register widgets, truncated headline lists), when it carries some
  sign of being navigation (a login or link-list word, or many lines). The
  article's own title, and the date or source lines under it, are kept out.
- **Link lists**: a marker line (相关新闻, 相关阅读, 推荐阅读, 延伸阅读, 热门文章,
  猜你喜欢, 上一篇/下一篇, 友情链接, "Related articles" …) and the run of short,
  headline-like lines that follows it.
- **Footer**: from the first copyright, licence, disclaimer, source or contact line
  (版权所有, Copyright, ©, ICP备, 免责声明, 文章来源, 地址:, 电话:, 传真:, Email …) of
  the document's tail to its end; a copyright or licence line elsewhere is
  boilerplate on its own.
- **By structure, not by one word**: a line naming copyright is a footer line
  only when it looks like one: not prose (no sentence ends inside it), and
  either near the end of the document or carrying a footer mark of its own
  (``©``, ``Copyright 2014``, ``版权所有：``, ``ICP备12345号``, ``All rights
  reserved``). A sentence about copyright (讲解设计作品版权所有人的权益。) stays in
  the article; in a document without line breaks only the clause from the
  footer mark to the end of the line is boilerplate, not the whole text.

>>> text = "首页 | 协会概况 | 新闻中心 | 联系我们\\n协会召开年会\\n2023年5月6日，协会召开年会。\\n版权所有©2014 某某协会"
>>> [text[start:end] for start, end in boilerplate_spans(text)]
['首页 | 协会概况 | 新闻中心 | 联系我们', '版权所有©2014 某某协会']
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

from timeline.scans import case_led

#: A line this wide or less (CJK characters count 2) can be a menu item or a
#: headline rather than a paragraph.
SHORT_LINE = 60
#: Headlines in a list of related articles are at most this wide.
HEADLINE = 160
#: A line of filler inside a footer ("网站地图", "返回顶部") is at most this wide.
FILLER = 40
#: How many short lines at the top are navigation even without a telling word.
MANY_NAV_LINES = 6

# Words that only navigation, log-in widgets and link lists use.
_NAV_WORDS = re.compile(
    r"登录|登陆|注册|用户名|密码|验证码|首页|主页|设为首页|加入收藏|当前位置|您的位置|"
    r"网站导航|友情链接|站内搜索|搜索|扫一扫|扫码|关注我们|返回顶部|切换|"
    r"\b(?:log ?in|sign (?:in|up)|register|search|menu|home|skip to)\b",
    re.IGNORECASE,
)

# A line that opens a list of other articles or links (the marker must start the
# line and be followed by nothing, punctuation or the first headline).
_LIST_MARKER = re.compile(
    r"^[\s【\[（(■□▶►●◆>》»|｜]*"
    r"(?:相关(?:新闻|阅读|文章|推荐|链接|资讯|报道)|推荐(?:阅读|文章|新闻)|延伸阅读|"
    r"热门(?:文章|推荐|新闻|资讯|阅读|标签)|热点(?:新闻|推荐)|猜你喜欢|"
    r"最新(?:文章|新闻|资讯|动态)|更多(?:新闻|阅读|文章|资讯)|精彩推荐|友情链接|"
    r"上一篇|下一篇|上一条|下一条|"
    r"related (?:articles?|posts?|news|stories|reading)|recommended(?: (?:articles?|posts?|reading))?|"
    r"you (?:may|might) also like|more (?:news|articles|stories)|popular (?:posts|articles)|"
    r"latest (?:news|posts|articles)|previous(?: (?:post|article))?|next(?: (?:post|article))?)"
    r"(?=$|[\s:：>》»|｜\]】)）\-—.…·])",
    re.IGNORECASE,
)

# Copyright and licence words: a line with one of them is never the article.
LEGAL_WORDS = (
    "版权所有",
    "版权归",
    "copyright",
    "©",
    r"\(c\)\s*\d{4}",
    "all rights reserved",
    "ICP备",
    "ICP证",
    "公网安备",
    "网安备",
)


def _first_characters(alternatives: tuple[str, ...]) -> str:
    """A character class of what each pattern of ``alternatives`` can start with, both
    cases: a lookahead of it lets a case-insensitive scan pass most characters at once."""
    firsts = set()
    for pattern in alternatives:
        first = pattern[:2] if pattern.startswith("\\") else pattern[0]
        firsts.update({first, first.lower(), first.upper()})
    return "[" + "".join(sorted(firsts)) + "]"


_LEGAL = re.compile(
    f"(?={_first_characters(LEGAL_WORDS)})(?:{'|'.join(LEGAL_WORDS)})", re.IGNORECASE
)


#: :data:`_LEGAL` for one scan of a whole text (its matches, found faster).
_LEGAL_SCAN = re.compile(case_led(LEGAL_WORDS))

# Footer lines: the legal words anywhere, or a disclaimer, source or contact
# label at the start of the line.
_FOOTER_START = re.compile(
    r"^[\s【\[（(]*"
    r"(?:免责声明|声明[:：]|disclaimer|(?:文章|信息|稿件|新闻|本文)?来源[:：]|本文来自|"
    r"责任编辑|编辑[:：]|(?:联系|办公|通讯)?地址[:：]|(?:联系|办公|咨询)?电话[:：]|传真[:：]|"
    r"邮编[:：]|邮政编码|(?:电子)?邮箱|电子邮件|e-?mail|联系我们|联系方式|技术支持|"
    r"主办单位|网站地图|"
    r"this article (?:is )?from|source\s*:|address\s*:|tel(?:ephone)?\s*[:.]|phone\s*:|fax\s*:|"
    r"contact us|powered by)",
    re.IGNORECASE,
)

# A paragraph that starts an enumerated item: （一） (1) 一、 1. ① 第一，
_ENUMERATED = re.compile(
    r"^\s*(?:[（(]\s*(?:[一二三四五六七八九十]+|\d{1,2})\s*[）)]|[一二三四五六七八九十]+\s*[、.．]|"
    r"\d{1,2}\s*[、.．](?!\d)|[①-⑳]|第[一二三四五六七八九十]+[，,、：:])"
)

# Separators of a one-line menu: 首页 | 协会概况 | 新闻中心
_MENU_SEPARATOR = re.compile(r"\s*[|｜·•»>/]\s*|\s{2,}|\u3000+")

_WIDTH_CAP = 500
_SENTENCE_END = "。！？!?；;…"
_ENGLISH_SENTENCE_END = re.compile(r"[a-z][.!?](?:\s|$)")
_META = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}|发布|来源|作者|时间[:：]|日期[:：]|浏览|阅读|点击|"
    r"\b(?:posted|published|updated|by)\b",
    re.IGNORECASE,
)


class _Line(NamedTuple):
    """One line of the text (a named tuple: a text has hundreds, made in a fraction
    of a frozen dataclass's time)."""

    start: int
    end: int
    content: str
    stripped: str
    #: Display width, counted up to :data:`_WIDTH_CAP` (no rule looks further).
    width: int

    @property
    def blank(self) -> bool:
        return not self.stripped


#: Wide and full-width characters (East Asian Width W or F), for a count in C.
_WIDE = re.compile(
    "[\u1100-\u115f\u231a-\u231b\u2329-\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19"
    "\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\U0001f300-\U0001f64f\U0001f900-\U0001f9ff"
    "\U00020000-\U0002fffd\U00030000-\U0003fffd]"
)

#: The other characters, counted once.
_NARROW = re.compile(_WIDE.pattern.replace("[", "[^", 1))


def display_width(text: str) -> int:
    """Width of ``text`` with CJK and full-width characters counted twice.

    Why: a "short line" must mean the same for Chinese and English captures; ten
    Chinese characters carry about as much as twenty Latin letters.

    >>> display_width("协会ab")
    6
    """
    if text.isascii():
        return len(text)
    return 2 * len(text) - len(_NARROW.findall(text))  # Chinese text has few narrow characters


def boilerplate_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``text`` that are navigation, link lists or footers.

    Why: dates and organisation names in these parts belong to the website, not
    to the article, and must not become events. The ranges are sorted, do not
    overlap, and start and end on line content (ranges separated only by
    whitespace are merged).

    >>> boilerplate_spans("协会举办培训。\\n相关阅读\\n2024年协会年会召开")
    [(8, 24)]
    """
    lines = _split_lines(text)
    spans = _top_navigation(lines) + _link_lists(lines) + _legal_lines(lines, text)
    spans += _footer(lines, spans)
    return _merge(text, spans)


def reads_as_prose(text: str, position: int) -> bool:
    """Whether the line around ``position`` is a sentence of prose, not a footer's or menu's.

    Boilerplate holds dates (a related headline's, a copyright year); a dated
    *sentence* in it is worth a warning when it is left out of the events.

    >>> reads_as_prose("相关新闻\n2023-05-06 协会召开年会", 6), reads_as_prose("x\n2023年5月6日，协会召开年会。", 3)
    (False, True)
    """
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start : end if end >= 0 else len(text)].strip()
    return bool(re.search(r"[。！？!?]", line)) and bool(re.search(r"[，,；;]", line))


def in_boilerplate(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether the range ``start``–``end`` lies inside one of ``spans``.

    >>> in_boilerplate([(10, 20)], 12, 15), in_boilerplate([(10, 20)], 18, 25)
    (True, False)
    """
    for low, high in spans:  # noqa: SIM110 (a loop, not any(): asked for every line and name)
        if low <= start and end <= high:
            return True
    return False


def _split_lines(text: str) -> list[_Line]:
    lines = []
    offset = 0
    for raw in text.split("\n"):
        content = raw[:-1] if raw.endswith("\r") else raw
        stripped = content.strip()
        width = display_width(stripped[:_WIDTH_CAP]) if stripped else 0
        lines.append(_Line(offset, offset + len(content), content, stripped, width))
        offset += len(raw) + 1
    return lines


def _is_enumerated(line: _Line) -> bool:
    return bool(_ENUMERATED.match(line.content))


def _is_menu(line: _Line) -> bool:
    """Four or more short items separated by bars, dots or wide spaces."""
    text = line.stripped
    separator = _MENU_SEPARATOR if re.search(r"[A-Za-z]", text) else re.compile(r"\s+|[|｜·•»>/]")
    items = [item for item in separator.split(text) if item]
    return (
        len(items) >= 4
        and all(display_width(item) <= 16 for item in items)
        and not any(char in text for char in _SENTENCE_END + "，,")
    )


def _is_nav_like(line: _Line) -> bool:
    """Blank, a menu or log-in line, or short and unpunctuated like a link."""
    if line.blank:
        return True
    if _is_body(line) or _is_enumerated(line):
        return False
    if line.width <= 200 and (_NAV_WORDS.search(line.stripped) or _is_menu(line)):
        return True
    if line.stripped[-1] in _SENTENCE_END + "：:":
        return False
    return line.width <= SHORT_LINE


def _is_body(line: _Line) -> bool:
    """A paragraph of the article, as opposed to a title: long, or made of sentences."""
    text = line.stripped
    return (
        line.width > HEADLINE
        or any(char in text for char in "。！？")
        or (bool(_ENGLISH_SENTENCE_END.search(text)) and len(text.split()) >= 6)
    )


def _top_navigation(lines: list[_Line]) -> list[tuple[int, int]]:
    """The run of navigation lines at the top, without the article's title.

    The run stops at the first line that is not short (or is punctuated like
    prose). When that line is a paragraph, the title and its date or source lines
    are the last lines of the run: they are kept out.
    """
    end = 0
    while end < len(lines) and _is_nav_like(lines[end]):
        end += 1
    if end == len(lines):
        return []  # all short lines: a list document, not a page around one
    if _is_body(lines[end]):
        end = _title_start(lines, end)
    nav = [line for line in lines[:end] if not line.blank]
    if not nav:
        return []
    evidence = any(_NAV_WORDS.search(line.stripped) or _is_menu(line) for line in nav)
    if not evidence and len(nav) < MANY_NAV_LINES:
        return []
    return [(nav[0].start, nav[-1].end)]


def _title_start(lines: list[_Line], body: int) -> int:
    """Index of the title line above the paragraph ``body`` (after meta lines)."""
    index = body - 1
    while index >= 0 and lines[index].blank:
        index -= 1
    while (
        index >= 0
        and (lines[index].blank or _META.search(lines[index].stripped))
        and lines[index].width <= 120
    ):
        index -= 1
    while index > 0 and lines[index].blank:
        index -= 1
    if index > 0 and lines[index].stripped.startswith(("——", "—", "--")):
        index -= 1  # a subtitle: the title is the line above
    return max(index, 0)


def _is_headline(line: _Line) -> bool:
    text = line.stripped
    return (
        0 < line.width <= HEADLINE
        and text[-1] not in "。！？!?；;"
        and not _FOOTER_START.match(line.content)
        and not _LEGAL.search(text)
    )


def _link_lists(lines: list[_Line]) -> list[tuple[int, int]]:
    """A list marker and the headlines after it (blank lines may separate them).

    A list above the article's first paragraph (友情链接 in the page header) stops
    before the article's title and its date line.
    """
    spans = []
    index = 0
    seen_body = False
    while index < len(lines):
        line = lines[index]
        if not (line.width <= HEADLINE and _LIST_MARKER.match(line.content)):
            seen_body = seen_body or _is_body(line)
            index += 1
            continue
        marker = index
        index += 1
        while index < len(lines) and (lines[index].blank or _is_headline(lines[index])):
            index += 1
        stop = index
        if not seen_body and stop < len(lines) and _is_body(lines[stop]):
            # A list in the page header: the article's title ends the run.
            stop = max(_title_start(lines, stop), marker + 1)
        items = [lines[i] for i in range(marker, stop) if not lines[i].blank]
        spans.append((items[0].start, items[-1].end))
    return spans


#: Marks that only a footer carries: a copyright sign or year, a licence number.
_FOOTER_MARK = re.compile(
    r"©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4})|all rights reserved|"
    r"版权所有\s*(?:[©:：(（]|\d{4}|$)|(?:©|\d{4}\s*[-–—]?\s*\d{0,4})\s*版权所有|"
    r"版权归[^。！？!?]{0,30}所有\s*$|"
    r"(?:ICP|公网安)备\s*[\d-]+|ICP证\s*[\d-]+|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP",
    re.IGNORECASE,
)
#: The last lines of a document (not counting blank ones) where a footer sits.
TAIL_LINES = 8
_PROSE_END = re.compile(r"[。！？!?](?!\s*$)")


def _prose(line: _Line) -> bool:
    """Prose, not a footer: a sentence end inside the line, or a closing one without a footer mark."""
    text = line.stripped
    if _PROSE_END.search(text):
        return True
    return text[-1] in "。！？!?" and not _FOOTER_MARK.search(text)


def _legal_footer(line: _Line, near_end: bool) -> bool:
    """A copyright or licence line that looks like a footer (see the module's rules)."""
    if line.blank or line.width > 240 or not _LEGAL.search(line.stripped):
        return False
    if _prose(line):
        return False
    return near_end or bool(_FOOTER_MARK.search(line.stripped))


def _legal_lines(lines: list[_Line], text: str) -> list[tuple[int, int]]:
    """Copyright and licence lines that look like footers, wherever they are.

    A line of prose ending with a footer mark (a page saved without line breaks:
    …召开年会。版权所有©2014 某某协会) gives only the clause from the mark on.
    """
    content = [index for index, line in enumerate(lines) if not line.blank]
    tail = set(content[-TAIL_LINES:]) if len(content) > 1 else set()
    spans = []
    for index in _lines_with_legal_words(lines, text):
        line = lines[index]
        if line.blank:
            continue
        if _legal_footer(line, index in tail):
            spans.append((line.start, line.end))
        elif _LEGAL.search(line.stripped) and (clause := _closing_clause(line)):
            spans.append(clause)
    return spans


def _lines_with_legal_words(lines: list[_Line], text: str) -> list[int]:
    """The indices of the lines where a match of :data:`_LEGAL` starts, in order.

    One scan of the whole text instead of a case-insensitive search of every line
    (most lines have none). Every line whose own text matches is among them: a
    match found in the whole text crosses a line break only by the spaces and
    digits of ``(c) 2014``, where no match of a line can start.
    """
    starts = [line.start for line in lines]
    found = {bisect.bisect_right(starts, m.start()) - 1 for m in _LEGAL_SCAN.finditer(text)}
    return sorted(found)


def _closing_clause(line: _Line) -> tuple[int, int] | None:
    """The last clause of a line when it carries a footer mark and no sentence end follows."""
    text = line.content
    marks = list(_FOOTER_MARK.finditer(text))
    if not marks:
        return None
    mark = marks[-1]
    ends = [m.end() for m in re.finditer(r"[。！？!?]", text[: mark.start()])]
    start = ends[-1] if ends else 0
    if start == 0 or re.search(r"[。！？!?]", text[mark.end() :].rstrip()[:-1]):
        return None  # the whole line (handled as a line), or prose after the mark
    while start < len(text) and text[start].isspace():
        start += 1
    return (line.start + start, line.end)


def _is_footer_line(line: _Line, near_end: bool = True) -> bool:
    if _legal_footer(line, near_end):
        return True
    if not _FOOTER_START.match(line.content):
        return False
    disclaimer = re.match(r"[\s【\[（(]*(?:免责声明|声明|disclaimer)", line.content, re.IGNORECASE)
    return bool(disclaimer) or line.width <= 240


def _is_filler(line: _Line) -> bool:
    """A short line of a footer that names no date: 网站地图, 返回顶部, a site name."""
    text = line.stripped
    return (
        line.width <= FILLER and not re.search(r"\d", text) and text[-1] not in "。！？!?"
    ) or _is_menu(line)


def _footer(lines: list[_Line], found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """From the first footer line of the document's tail to its last line.

    Scanning up from the end, footer lines, blank lines, short filler lines and
    lines already found (a related-news list) belong to the tail; the first other
    line ends it. The footer starts at the highest footer line of that tail, so
    a signature above it (上海市工商联纺织服装商会 / 秘书长:刘寅峰) stays in the
    article.
    """
    first = None
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line.blank:
            continue
        if _is_footer_line(line):
            first = index
        elif not (_is_filler(line) or in_boilerplate(found, line.start, line.end)):
            break
    if first is None:
        return []
    last = max(index for index, line in enumerate(lines) if not line.blank)
    return [(lines[first].start, lines[last].end)]


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip()):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
