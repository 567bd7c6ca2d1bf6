"""A document's focus year: the year a summary, a report or a plan speaks of.

A summary of 2022 published in January 2023 (某协会2022年工作总结) or a plan for
2024 published in March 2024 (2024年工作计划) speaks of its year: a yearless
month-day, a quarter, 年初 or 年底 in it belongs to that year, as a careful reader
takes them, not to the year of the publication date. A heading that turns to
another year (二、2023年工作打算) moves the focus from there on.

A focus is set only by a short line (a heading) that *starts* with such a title (after a list
number such as 二、 or （一）, or an organisation's name of at most 20
characters) and names a four-digit year within one year of the publication date
(or any year when there is none).
"""

from __future__ import annotations

import re

FOCUS_HEADING = re.compile(
    r"[ \t]*(?:[一二三四五六七八九十]{1,3}[、.]|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.])?"
    r"[ \t]*[^\n。；;，,]{0,20}?(?P<y>(?:19|20)\d{2})[ \t]?年度?"
    r"[^\n。；;，,]{0,12}?(?:工作总结|总结|回顾|年报|年度报告|工作报告|述职报告|工作计划|计划|工作打算|打算|规划|工作要点|要点|安排|思路|展望)"
)


#: A heading is a short line; longer lines are body text and never set a focus.
HEADING_LENGTH = 60


def focus_headings(folded: str) -> list[tuple[int, int]]:
    """(offset of the heading, its year) for every focus heading, in text order."""
    found: list[tuple[int, int]] = []
    offset = 0
    for line in folded.split("\n"):
        if len(line) <= HEADING_LENGTH and "年" in line:
            heading = FOCUS_HEADING.match(line)
            if heading is not None:
                found.append((offset + heading.start("y"), int(heading.group("y"))))
        offset += len(line) + 1
    return found
