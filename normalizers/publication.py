"""A document's publication date, found in its own header.

Looks, in the opening lines only, for

* a labelled line: 发布时间:2023-09-08, 发布日期：2023年9月8日, 日期:, 时间:,
  发表时间, 更新时间, Release time:, Published:, Date:;
* a lone date line under the title, as in a web capture whose article begins
  ``商会秘书长2020年的述职报告`` / ``2021-2-9``.

Only full dates (day precision) count: a header that says 2021年 is no
publication date.
"""

from __future__ import annotations

import re
from datetime import date

from normalizers.rules.base import ARABIC_YEAR, CHINESE_YEAR, SP
from normalizers.tables.characters import fold
from normalizers.tables.numerals import number_value

HEADER_LINES = 60
BODY_LINE = 120  # a line this long is body text: the header is over

_DATE = (
    rf"(?P<y>{ARABIC_YEAR}|{CHINESE_YEAR}){SP}(?:年|[-/.]){SP}(?P<m>\d{{1,2}}|十[一二]?|[一二三四五六七八九]){SP}"
    rf"(?:月|[-/.]){SP}(?P<d>\d{{1,2}}|三十一?|二?十[一二三四五六七八九]?|[一二三四五六七八九]){SP}[日号]?"
)
LABELLED = re.compile(
    r"(?:发布时间|发布日期|发表时间|发表日期|发稿时间|更新时间|更新日期|上传时间|日期|时间|"
    r"(?i:release\s*time|release\s*date|released|published(?:\s*on)?|publish\s*date|publication\s*date|posted(?:\s*on)?|date))"
    rf"{SP}[:：]?[ \t]*(?:{_DATE})"
)
LONE = re.compile(rf"[ \t]*(?:{_DATE})(?:[ \t]+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?[ \t]*")
ENGLISH_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
ENGLISH_LABELLED = re.compile(
    r"(?i:release\s*time|release\s*date|published(?:\s*on)?|publish\s*date|posted(?:\s*on)?|date)\s*[:：]?\s*"
    r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>(?:19|20)\d\d)"
)


def _to_date(m: re.Match[str]) -> date | None:
    year, month, day = (number_value(m.group(k)) for k in ("y", "m", "d"))
    if year is None or month is None or day is None or not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def detect_publication_date(text: str) -> date | None:
    """The publication date a document states in its header, or None.

    >>> detect_publication_date("标题\\n\\n发布时间:2023-09-08  阅读数:26348\\n正文")
    datetime.date(2023, 9, 8)
    """
    found = find_publication_line(text)
    return found[0] if found else None


def find_publication_line(text: str) -> tuple[date, tuple[int, int]] | None:
    """The header's publication date and the span of its date in ``text``, or None.

    The span lets the table tell the document's own date line from its events.

    >>> find_publication_line("标题\\n发布时间:2023-09-08\\n正文")
    (datetime.date(2023, 9, 8), (8, 18))
    """
    lone: tuple[date, tuple[int, int]] | None = None
    offset = 0
    for number, line in enumerate(fold(text[:20000]).splitlines(keepends=True)):
        if number >= HEADER_LINES:
            break
        start, offset = offset, offset + len(line)
        line = line.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        found = LABELLED.search(line)
        if found and (day := _to_date(found)) is not None:
            return day, _date_span(found, start)
        english = ENGLISH_LABELLED.search(line)
        if english and english.group("month").lower() in ENGLISH_MONTHS:
            try:
                day = date(
                    int(english.group("year")),
                    ENGLISH_MONTHS[english.group("month").lower()],
                    int(english.group("day")),
                )
                return day, (start + english.start("month"), start + english.end("year"))
            except ValueError:
                pass
        if lone is None:
            alone = LONE.fullmatch(line)
            if alone is not None and (day := _to_date(alone)) is not None:
                lone = day, _date_span(alone, start)
        if len(line.strip()) >= BODY_LINE:
            break
    return lone


def _date_span(found: re.Match[str], line_start: int) -> tuple[int, int]:
    """Where the date of a matched header line stands in the whole text."""
    return line_start + found.start("y"), line_start + found.end("d")
