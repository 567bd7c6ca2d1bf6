"""From a dated mention to the words of its event: its sentence and a short title.

A row of the event table shows a date and what happened then. The sentence is
the evidence a reviewer reads; the title is what a calendar shows, so it must be
short and say what the event is, not repeat the date:

- In reports and award citations events are often enumerated, each item opening
  with a heading: ``（三）参与植树护绿。2024年4月，积极响应…``. The heading is the
  best title for every date inside its item.
- Otherwise the title is the event's own clause, with the date expression and
  the preposition that introduces it removed:
  ``会后，两个党支部成立专项调研小组于8月23日至8月24日共同走进企业，…`` →
  ``两个党支部成立专项调研小组共同走进企业``. A clause that is only the date
  (``8月22日，服装制造军团与宁夏联通开展…``) gives way to the next one.
- Titles are cut at about ``max_chars`` characters on a boundary (punctuation, a
  space, a function word), and are never empty.

Pure functions of text: no I/O.

>>> text = "（三）参与植树护绿。2024年4月，向濠江区慈善总会捐赠资金40万元用于购买树苗。"
>>> event_title(text, (10, 17))
'参与植树护绿'
"""

from __future__ import annotations

import re

#: Characters that end a sentence (a full stop '.' is handled apart, see
#: :func:`sentence_bounds`).
SENTENCE_ENDS = "。！？!?；;\n"
#: Characters that end a clause inside a sentence.
CLAUSE_ENDS = "，,；;：:"
# Closing quotes and brackets that belong to the sentence they follow.
_CLOSERS = "”’」』）)】》\"'"
# The characters that may end a sentence (_ends_sentence decides).
_MAY_END = re.compile("[" + re.escape(SENTENCE_ENDS) + ".]")
# Everything up to the last of them.
_LAST_MAY_END = re.compile("(?s).*" + _MAY_END.pattern)
# Abbreviations whose full stop does not end an English sentence.
_ABBREVIATIONS = frozenset(
    ("Mr", "Mrs", "Ms", "Dr", "No", "St", "Co", "Ltd", "Inc", "vs", "etc", "e.g", "i.e", "Jan")
    + ("Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Prof")
)

# A paragraph that opens an enumerated item: （三） (3) 三、 3. 3、 ③ 第三，
_ITEM = re.compile(
    r"\s*(?:[（(]\s*(?:[一二三四五六七八九十]+|\d{1,2})\s*[）)]|[一二三四五六七八九十]+\s*[、.．]|"
    r"\d{1,2}\s*[、．]|\d{1,2}\.(?!\d)|[①-⑳]|第[一二三四五六七八九十]+[，,、：:])\s*"
)
# Where an item's heading ends.
_HEADING_ENDS = "。！？!?；;：:\n"

# What introduces a date (于8月23日, 在2020年, 从…, on June 18) and what may
# follow it (下午, 以来, a weekday in brackets).
_BEFORE_DATE = re.compile(
    r"(?:截至|截止|直至|于|在|从|自|到|至|on|in|at|since|from|by|during|as of)\s*$", re.IGNORECASE
)
_AFTER_DATE = re.compile(
    r"^\s*(?:[（(](?:星期|周)[一二三四五六日天][）)])?\s*"
    r"(?:上午|下午|晚上|晚间|中午|凌晨|傍晚|早上|以来|起)?的?"
)
# Words left at the start of a title once the date before them is gone:
# "2020年是…", "并于2020年10月20日成功举办…", "In 2023 and …".
_LEADING_FILLER = re.compile(r"^(?:并且|而且|并|且|而|是|还|也|又|(?:and|but|or)\b)\s*", re.I)
# What is left of a clause that was only about time: 今后, "and in the future".
_TIME_ONLY = re.compile(
    r"(?:in (?:the )?future|so far|to date|since then|thereafter|and beyond|onwards?|"
    r"以来|至今|期间|前后|之前|之后|以后|今后|未来|以前|左右)+",
    re.I,
)
# Quotes and brackets emptied by removing the date: 《“十四五”规划》 → 《“”规划》.
_EMPTY_PAIR = re.compile(r"“\s*”|‘\s*’|《\s*》|「\s*」|[（(]\s*[）)]|\[\s*\]|\"\s*\"")
# Spaces between two Chinese characters or marks (left where a date was).
_CJK_SPACE = re.compile(
    r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"
)
# Soft cut points for a long Chinese title: before these function words.
_FUNCTION_WORDS = "在于并和与及的为对向将把由等"
_PUNCTUATION = "，,、；;：:。！？!?…—"
_MIN_TITLE = 4
_SENTINEL = "\x00"


# Patterns asked for every title, compiled once.
_LIST_NUMBER = re.compile(r"\s*\d{1,2}")
_WORD_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")
_CLAUSE_END = re.compile(f"[{re.escape(CLAUSE_ENDS)}]")
_ALNUM_END = re.compile(r"[A-Za-z0-9]$")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z]")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def sentence_bounds(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The character range of the full sentence around ``span``.

    Why: the sentence is the evidence for an event, and the unit in which its
    title and participants are looked for. Sentences end at 。！？!?；; and line
    breaks, and at an English full stop followed by a space (not the one in
    1.2万吨, 2023.09.08, "No. 5" or a list number "1. "). The range keeps the
    closing punctuation and quotes and leaves out surrounding whitespace.

    >>> text = "协会召开年会。8月22日，军团开展活动。"
    >>> start, end = sentence_bounds(text, (7, 12))
    >>> text[start:end]
    '8月22日，军团开展活动。'
    """
    start, end = _check_span(text, span)
    # Only a character of SENTENCE_ENDS or a full stop can end a sentence: the
    # scan visits those (found by one regular expression), not every character;
    # leftwards, each time the last one before the place (one match in C).
    left = 0
    place = start
    while found := _LAST_MAY_END.match(text, 0, place):
        place = found.end() - 1
        if _ends_sentence(text, place):
            left = place + 1
            break
    right = len(text)
    for match in _MAY_END.finditer(text, end):
        if _ends_sentence(text, match.start()):
            right = match.start()
            break
    if right < len(text) and text[right] != "\n":
        right += 1
        while right < len(text) and text[right] in _CLOSERS:
            right += 1
    while left < start and text[left].isspace():
        left += 1
    while right > end and text[right - 1].isspace():
        right -= 1
    return left, right


def may_end_sentence(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds a character that may end a sentence."""
    return _MAY_END.search(text, start, end) is not None


def event_title(
    text: str,
    span: tuple[int, int],
    max_chars: int = 40,
    *,
    sentence: tuple[int, int] | None = None,
) -> str:
    """A short title for the event dated by the mention at ``span``.

    Why: a calendar entry needs a few words that say what happened, without the
    date (the entry has it). The heading of the enumerated item the mention sits
    in wins (``（三）参与植树护绿。…`` → ``参与植树护绿``); otherwise the
    mention's own clause without the date and its 于/在/从, cut at about
    ``max_chars`` characters on a boundary. Never empty: at worst the sentence.
    ``sentence``: :func:`sentence_bounds` of ``span``, when the caller has them.

    >>> text = "会后，两个党支部成立专项调研小组于8月23日至8月24日共同走进企业，开展调研活动。"
    >>> event_title(text, (17, 28))
    '两个党支部成立专项调研小组共同走进企业'
    """
    start, end = _check_span(text, span)
    heading = _item_heading(text, start, end, max_chars)
    if heading:
        return heading
    return _clause_title(text, start, end, max_chars, sentence)


def _check_span(text: str, span: tuple[int, int]) -> tuple[int, int]:
    start, end = span
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {span} is outside a text of {len(text)} characters")
    return start, end


def _ends_sentence(text: str, index: int) -> bool:
    char = text[index]
    if char in SENTENCE_ENDS:
        return True
    if char != "." or (index + 1 < len(text) and not text[index + 1].isspace()):
        return False
    line_start = text.rfind("\n", 0, index) + 1
    before = text[line_start:index]
    if _LIST_NUMBER.fullmatch(before):
        return False  # "1. Innovative services …": a list number
    word = _last_word(before)
    # "No. 5", "U.S. exports"
    return not (word and (word in _ABBREVIATIONS or _INITIALS.fullmatch(word)))


def _last_word(text: str) -> str:
    """The Latin word (letters and full stops, from a letter) ``text`` ends with, or "".

    Read backwards from the end: a search for it would try every character of a
    long line first.
    """
    start = len(text)
    while start and text[start - 1] in _WORD_CHARACTERS:
        start -= 1
    while start < len(text) and text[start] == ".":
        start += 1
    return text[start:]


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


def _item_heading(text: str, start: int, end: int, max_chars: int) -> str | None:
    """The heading of the enumerated paragraph holding the mention, if short."""
    line_start, line_end = _line_bounds(text, start, end)
    item = _ITEM.match(text, line_start, line_end)
    if not item:
        return None
    heading_start = item.end()
    heading_end = heading_start
    while heading_end < line_end and text[heading_end] not in _HEADING_ENDS:
        heading_end += 1
    if heading_start <= start and end <= heading_end:
        heading = _without_date(text, heading_start, heading_end, start, end)
    else:
        heading = text[heading_start:heading_end]
    heading = _tidy(heading)
    if _meaningful(heading) and len(heading) <= max_chars:
        return heading
    return None


def _clause_title(
    text: str, start: int, end: int, max_chars: int, bounds: tuple[int, int] | None = None
) -> str:
    sentence_start, sentence_end = bounds or sentence_bounds(text, (start, end))
    sentence = text[sentence_start:start] + _SENTINEL + text[end:sentence_end]
    clauses = _clauses(sentence)
    index = next(i for i, clause in enumerate(clauses) if _SENTINEL in clause)
    own = clauses[index]
    before, _, after = own.partition(_SENTINEL)
    before = _tidy(_BEFORE_DATE.sub("", before))
    after = _tidy(_AFTER_DATE.sub("", after, count=1))
    title = _join(before, after)
    if _meaningful(title):
        if len(title) > max_chars and _meaningful(after) and len(after) <= max_chars:
            return after  # the predicate: 于8月21日参加…推介会
        return _shorten(title, max_chars)
    for other in clauses[index + 1 :] + clauses[:index][::-1]:
        other = _tidy(other)
        if _meaningful(other):
            return _shorten(other, max_chars)
    whole = _tidy(text[sentence_start:sentence_end])
    return _shorten(whole or text[start:end], max_chars)


def _clauses(sentence: str) -> list[str]:
    """The sentence cut at commas, semicolons and colons (a comma inside the
    date expression itself, as in "June 18, 2021", is not there any more)."""
    parts = _CLAUSE_END.split(sentence)
    return [part for part in parts if part.strip()] or [sentence]


def _without_date(text: str, low: int, high: int, start: int, end: int) -> str:
    before = _BEFORE_DATE.sub("", text[low:start])
    after = _AFTER_DATE.sub("", text[end:high], count=1)
    return _join(before.strip(), after.strip())


def _join(before: str, after: str) -> str:
    """Join the text around a removed date: a space only between two Latin words."""
    if before and after and _ALNUM_END.search(before) and _ALNUM.match(after):
        joined = f"{before} {after}"
    else:
        joined = before + after
    joined = _CJK_SPACE.sub("", _EMPTY_PAIR.sub("", joined))
    rest = _LEADING_FILLER.sub("", joined, count=1)
    return rest if _meaningful(rest) else joined


def _tidy(text: str) -> str:
    """Without surrounding spaces and punctuation (an English full stop too)."""
    return text.strip().strip(_PUNCTUATION + ". \u3000").strip()


def _meaningful(text: str) -> bool:
    """Some words that are not only about time (digits and punctuation do not count)."""
    words = _LEADING_FILLER.sub("", text.strip(), count=1)
    if _TIME_ONLY.fullmatch(words.strip()):
        return False
    letters = _LETTER.findall(words)
    return len(letters) >= _MIN_TITLE and (
        not _LATIN.search(words) or len(_LATIN_WORD.findall(words)) >= 2
    )


def _shorten(title: str, max_chars: int) -> str:
    """Cut ``title`` to at most ``max_chars`` characters on a boundary, with "…".

    The cut is at the last punctuation or space in the second half of the limit,
    else before a function word (在, 于, 和 …), else a hard cut.
    """
    if len(title) <= max_chars:
        return title
    limit = max(max_chars - 1, 1)
    window = title[: limit + 1]
    half = limit // 2
    for marks in (_PUNCTUATION + " \u3000", _FUNCTION_WORDS):
        cut = max(window.rfind(mark) for mark in marks)
        if cut >= half:
            return _tidy(title[:cut]) + "…"
    return title[:limit].rstrip() + "…"
