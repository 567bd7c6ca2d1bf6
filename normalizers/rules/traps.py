"""Things that look like dates and are not: they claim their span so no rule can.

沪ICP备2020036264号  Copyright 2008  版权所有©2014  021-52767579
邮编:200060  阅读数:26348  第28届 (ordinals are rejected in the rules themselves)
"""

from __future__ import annotations

import re

from normalizers.rules.base import Partial, Rule

LABELLED = re.compile(
    r"ICP[备证]?[ \t]*\d+号?(?:-\d+)?"  # licence numbers
    r"|(?i:copyright)[ \t]*(?:©|\(c\))?[ \t]*\d{4}(?:[ \t]*[-~][ \t]*\d{4})?"  # footers
    r"|(?:©|\([cC]\))[ \t]*\d{4}(?:[ \t]*[-~][ \t]*\d{4})?"
    r"|版权所有[ \t]*(?:©|\([cC]\))?[ \t]*\d{4}(?:[ \t]*[-~][ \t]*\d{4})?"
    r"|(?:邮编|邮政编码)[ \t]*[:：]?[ \t]*\d{6}"  # postal codes
    r"|(?:阅读数|阅读量|阅读|浏览量|浏览次数|浏览|点击量|点击数|点击)[ \t]*[:：]?[ \t]*\d+"  # counters
)
#: A standard's number: FZ/T 73020-2019, ISO 9001:2015.
_STANDARD = r"\d+(?:\.\d+){0,3}[-:](?:19|20)\d{2}(?![0-9])"
#: A mobile number: eleven digits.
_MOBILE = r"1[3-9]\d{9}(?![0-9])"
NUMBERS = re.compile(
    # A standard's number is a trap only after its letters (see :func:`produce`): the
    # branch is not tried without a letter right before it or before one blank. Where
    # it would have matched, the other branches give nothing either (a match of the
    # first branch ended the search: 13912345678-2019 is no phone number). Where a
    # mobile number matches (:data:`MOBILE`, a rule of its own), nothing else does.
    rf"(?:(?<=[A-Za-z])|(?<=[A-Za-z][ \t]))(?P<standard>{_STANDARD})"
    rf"|(?!{_STANDARD})(?!{_MOBILE})(?:"
    r"0\d{2,3}-\d{7,8}(?![0-9])"  # phone and fax numbers with an area code
    r"|\d+(?:\.\d+)?[ \t]*%"  # percentages
    r")"
)
#: Mobile numbers, apart from :data:`NUMBERS` because they alone hold none of its
#: signs (``Rule.needs``): a text without %, - or : tries no other number trap.
MOBILE = re.compile(rf"(?!{_STANDARD}){_MOBILE}")
LABELS = (
    "ICP",
    "Copyright",
    "copyright",
    "COPYRIGHT",
    "©",
    "(c)",
    "(C)",
    "版权所有",
    "邮编",
    "邮政编码",
    "阅读",
    "浏览",
    "点击",
)


STANDARD_BEFORE = re.compile(r"[A-Za-z]{2,}(?:/[A-Za-z])?[ \t]?$")


def produce(m: re.Match[str], text: str) -> Partial | None:
    standard = m.groupdict().get("standard")
    if standard and not STANDARD_BEFORE.search(text, max(0, m.start() - 8), m.start()):
        return None  # 2019-2020 is a range of years, not a standard's number
    return Partial(span=m.span(), rule="traps", unit="trap")


def _after_space(digits: str, following: str, second: str) -> bool:
    """After a space only a percentage (50 %): more spaces, then the sign."""
    return following not in (" ", "\t") or second in ("", " ", "\t", "%")


def _sign_then_digit(digits: str, following: str, second: str) -> bool:
    """After the number's sign (a standard's - or :, a phone number's -, a decimal
    point) every branch wants a digit next (GB/T 1-2019, 021-5276, 12.5%); after a
    space, :func:`_after_space`."""
    if following in ("-", ":", "."):
        return second.isdecimal()
    return _after_space(digits, following, second)


RULES = (
    Rule("traps.labelled", LABELLED, produce, keywords=LABELS),
    Rule(
        "traps.numbers",
        NUMBERS,
        produce,
        on_numbers="arabic",
        worth_trying=lambda digits, following: following in ("%", ".", " ", "-", ":"),
        second_look=_sign_then_digit,
        needs=frozenset("%-:"),
    ),
    Rule(
        "traps.mobile",
        MOBILE,
        produce,
        on_numbers="arabic",
        worth_trying=lambda digits, following: len(digits) == 11,
        # As when mobile numbers were a branch of NUMBERS, whose second look this was.
        second_look=_after_space,
    ),
)
