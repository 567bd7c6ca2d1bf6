"""Qualifiers: what the words around a date say about it (issue 9, family 11).

    春节前 → before      2020年以后 → after    2019年以来 → since
    截至2021年9月 → as-of  国庆前后 → around     5月1日起 → from
    请于11月20日前报名 → deadline               报名截止日期为11月20日 → deadline

The mention's value stays the date that was written (春节前 is the festival's day
with the qualifier ``before``): a qualifier never claims a precision the text does
not give. The words themselves are in :mod:`normalizers.tables.qualifiers`.
"""

from __future__ import annotations

import re
import string

from normalizers.tables.qualifiers import (
    AFTER_WORDS,
    AS_OF_BEFORE,
    DEADLINE_AFTER,
    DEADLINE_BEFORE,
    DEADLINE_REQUEST,
    ENGLISH_BEFORE,
    FROM_BEFORE,
    NOT_A_QUALIFIER,
    NOT_FROM_BEFORE,
)

ENGLISH_CUE = re.compile(
    r"(?<![A-Za-z])(?P<cue>"
    + "|".join(re.escape(w) for w in sorted(ENGLISH_BEFORE, key=len, reverse=True))
    + r")[ \t]+(?:the[ \t]+)?$",
    re.IGNORECASE,
)
_WORD_QUALIFIER = {word: qualifier for qualifier, words in AFTER_WORDS for word in words}
#: One pattern for every word after a date, longest first (前后 before 前).
WORD_AFTER = re.compile(
    r"[ \t]*("
    + "|".join(re.escape(w) for w in sorted(_WORD_QUALIFIER, key=len, reverse=True))
    + ")"
)
_GAP = " \t"
CLAUSE_BREAKS = "。！？!?；;\n"


def _clause_before(text: str, start: int, width: int = 40) -> str:
    """The text of the clause before ``start`` (at most ``width`` characters)."""
    left = max(0, start - width)
    cut = max(text.rfind(mark, left, start) for mark in CLAUSE_BREAKS)
    return text[max(left, cut + 1) : start]


def _qualifier_match(text: str, end: int) -> re.Match[str] | None:
    """The qualifier word written right after a date (spaces skipped), if it is one."""
    found = WORD_AFTER.match(text, end)
    if found is None or text.startswith(NOT_A_QUALIFIER.get(found.group(1), ()), found.end()):
        return None
    return found


def qualifier_word_end(text: str, end: int) -> int | None:
    """Where the qualifier word after a date (春节前, 9月以来) ends, or None: the word
    is part of the date as written, so a title leaves it out."""
    found = _qualifier_match(text, end)
    return None if found is None else found.end()


def _word_after(text: str, end: int) -> str:
    """The qualifier written right after a date (spaces skipped), or ""."""
    found = _qualifier_match(text, end)
    return "" if found is None else _WORD_QUALIFIER[found.group(1)]


#: The last characters of every cue written before a date: most dates have none of
#: them right before, and then no cue has to be compared at all.
_CUE_ENDINGS = frozenset(cue[-1] for cue in (*DEADLINE_BEFORE, *AS_OF_BEFORE, *FROM_BEFORE))


#: The characters that may end what is written before a date to qualify it (spaces
#: and tabs skipped): the last of a cue, an ASCII letter (an English cue: since …).
_MAY_QUALIFY_BEFORE = _CUE_ENDINGS | frozenset(string.ascii_letters)
#: The characters that may begin what is written after a date to qualify it (spaces
#: and tabs skipped): the first of a word after it (前, 以来 …) or of a deadline (截止).
_MAY_QUALIFY_AFTER = frozenset([word[0] for word in (*_WORD_QUALIFIER, *DEADLINE_AFTER)])


#: Either set with a space and a tab: a date with no character of the first right
#: before it and none of the second right after it has no qualifier (:func:`qualify`
#: answers "" at its first look); the resolver looks so before it calls it.
MAY_QUALIFY_BEFORE_OR_GAP = _MAY_QUALIFY_BEFORE | {" ", "\t"}
MAY_QUALIFY_AFTER_OR_GAP = _MAY_QUALIFY_AFTER | {" ", "\t"}


_CUES_BEFORE = (*DEADLINE_BEFORE, *AS_OF_BEFORE, *FROM_BEFORE)
_WORDS_AFTER = (*_WORD_QUALIFIER, *DEADLINE_AFTER)
#: The last two characters of every cue before a date of two or more, and the last
#: characters that end only such cues (not a cue of one character, not a letter of an
#: English cue): after one of these, no cue ends right before the date unless the two
#: characters there are a cue's last two (至 ends 截至, but 8月1日至 holds none).
_CUE_TAILS = frozenset(cue[-2:] for cue in _CUES_BEFORE if len(cue) > 1)
_ENDS_LONG_CUES_ONLY = (
    frozenset(cue[-1] for cue in _CUES_BEFORE if len(cue) > 1)
    - {cue for cue in _CUES_BEFORE if len(cue) == 1}
    - frozenset(string.ascii_letters)
)
#: The same after a date: the first two characters of every word after it of two or
#: more, and the first characters that begin only such words (至 begins 至今以来).
_WORD_HEADS = frozenset(word[:2] for word in _WORDS_AFTER if len(word) > 1)
_BEGINS_LONG_WORDS_ONLY = frozenset(word[0] for word in _WORDS_AFTER if len(word) > 1) - {
    word for word in _WORDS_AFTER if len(word) == 1
}


def qualify(text: str, span: tuple[int, int]) -> str:
    """The qualifier of the date written at ``span`` of ``text`` (folded text), or ""."""
    start, end = span
    last = text[start - 1 : start]
    if last == " " or last == "\t":
        last = text[max(0, start - 12) : start].rstrip(_GAP)[-1:]  # as _qualify reads it
        before = last in _MAY_QUALIFY_BEFORE
    else:
        # A cue ends right before the date: its last two characters are there too.
        before = last in _MAY_QUALIFY_BEFORE and (
            last not in _ENDS_LONG_CUES_ONLY or text[start - 2 : start] in _CUE_TAILS
        )
    if not before:
        following = text[end : end + 1]
        if following == " " or following == "\t":
            # The words after a date may stand after any number of spaces: a window
            # of spaces only is left to the full search (前 begins a word after).
            following = text[end : end + 16].lstrip(_GAP)[:1] or "前"
            after = following in _MAY_QUALIFY_AFTER
        else:
            after = following in _MAY_QUALIFY_AFTER and (
                following not in _BEGINS_LONG_WORDS_ONLY or text[end : end + 2] in _WORD_HEADS
            )
        if not after:
            return ""  # most dates: nothing around them can start a qualifier
    return _qualify(text, start, end)


def _qualify(text: str, start: int, end: int) -> str:
    """:func:`qualify` without its look at the two characters around the date."""
    right_before = text[max(0, start - 12) : start].rstrip(_GAP)
    last = right_before[-1:]
    cue_before = last in _CUE_ENDINGS
    qualifier = _word_after(text, end)
    if cue_before and right_before.endswith(DEADLINE_BEFORE):
        return "deadline"  # 报名截止日期为11月20日, 最迟11月20日
    if qualifier == "before" and any(
        cue in _clause_before(text, start) for cue in DEADLINE_REQUEST
    ):
        return "deadline"  # 请于11月20日前报名
    if qualifier == "" and text.startswith(DEADLINE_AFTER, end):
        return "deadline"  # 报名于11月20日截止
    if cue_before and right_before.endswith(AS_OF_BEFORE):
        return "as-of"  # 截至2021年9月
    if qualifier:
        return qualifier
    if last.isascii() and last.isalpha():
        english = ENGLISH_CUE.search(text, max(0, start - 20), start)
        if english is not None:
            return ENGLISH_BEFORE[english.group("cue").lower()]
    if (
        cue_before
        and right_before.endswith(FROM_BEFORE)
        and not right_before.endswith(NOT_FROM_BEFORE)
    ):
        return "from"  # 自2020年, 从5月1日 (without 起 or 以来 after it)
    return ""
