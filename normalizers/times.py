"""Times of day written with a date (issue 8 §4): 11月1日上午9时 → 09:00.

    上午9时 · 9:30 · 下午2点半 · 14时30分 · 晚7点 · 9:00-11:30 · 上午9时至11时30分
    9时许 (approximate) · 全天 (all day: no time)

A time counts only right after its date or later in the same clause, before any
other date: 11月1日上午9时召开, 11月1日（周三）9:30在…举行. What is never a time of
day: a duration (24小时, 2点半年), a count of points (3点建议), a Chinese numeral
hour without 上午/下午 … before it (一时无法).

The period words and their hour shifts are in :mod:`normalizers.tables.times`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from normalizers.tables.numerals import number_value
from normalizers.tables.times import (
    APPROXIMATE_AFTER,
    BARE_HOUR_FOLLOWERS,
    DURATION_AFTER,
    PERIODS,
)

_PERIOD = "|".join(sorted(PERIODS, key=len, reverse=True))
_CN_HOUR = r"(?:二十[一二三四]?|十[一二三四五六七八九]?|[零一二两三四五六七八九])"
_CN_MINUTE = (
    r"(?:[一二三四五]?十[一二三四五六七八九]?|[零〇][一二三四五六七八九]|[一二三四五六七八九])"
)
_ONE = (
    rf"(?:(?P<{{p}}period>{_PERIOD})[ \t]?)?"
    rf"(?:(?P<{{p}}h>[012]?\d)[:：](?P<{{p}}m>[0-5]\d)(?:[:：][0-5]\d)?(?![0-9:：])"
    rf"|(?P<{{p}}h2>[012]?\d|{_CN_HOUR})[ \t]?(?P<{{p}}unit>时|点|點)(?:钟)?"
    rf"(?:(?P<{{p}}half>半)|(?P<{{p}}quarter>一刻|三刻)|整"
    rf"|[ \t]?(?P<{{p}}m2>[0-5]?\d|{_CN_MINUTE})[ \t]?分?)?)"
)
TIME = re.compile(
    _ONE.format(p="a") + r"(?:[ \t]*(?:-{1,2}|—{1,2}|~|～|至|到)[ \t]*" + _ONE.format(p="b") + ")?"
)
#: Where a time may start after the date: a weekday bracket, 的, spaces, a comma.
LEAD = re.compile(r"[ \t]*(?:[(（][^)）]{1,6}[)）])?[ \t,，]?(?:的)?[ \t]*")
ALL_DAY = re.compile(r"[ \t]*(?:全天|整天|全日)")
CLAUSE_END = re.compile(r"[。！？!?；;\n]")
PERIOD_WORD = re.compile(_PERIOD)
#: Every time of day holds one of these (9时, 3点半, 14:30): none in the clause, no time.
#: The characters one of which a time of day holds (9时, 9点, 9:30): a date followed by
#: none of them before the next date has no time.
TIME_MARKS = frozenset("时点點:：")
_TIME_MARK = re.compile(f"[{''.join(sorted(TIME_MARKS))}]")


@dataclass(frozen=True, slots=True)
class TimeOfDay:
    start: time | None
    end: time | None
    approx: bool
    span: tuple[int, int]


def _clock(match: re.Match[str], p: str, period: str | None) -> time | None:
    hour_text = match.group(f"{p}h") or match.group(f"{p}h2")
    if hour_text is None:
        return None
    hour = number_value(hour_text)
    if hour is None:
        return None
    minute_text = match.group(f"{p}m") or match.group(f"{p}m2")
    minute = number_value(minute_text) if minute_text else 0
    if match.group(f"{p}half"):
        minute = 30
    elif match.group(f"{p}quarter"):
        minute = 15 if match.group(f"{p}quarter") == "一刻" else 45
    if minute is None:
        return None
    if period is not None:
        hour = PERIODS[period](hour)
    if hour == 24 and minute == 0:
        hour, minute = 23, 59  # 24:00 is the end of the day
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _plausible(match: re.Match[str], text: str) -> bool:
    """Reject durations (24小时), counts (3点建议) and bare Chinese numerals (一时)."""
    first_is_bare = match.group("aperiod") is None and match.group("am") is None
    hour_text = match.group("ah2") or ""
    if first_is_bare and not hour_text.isascii():
        return False  # 一时无法, 三点建议: Chinese hours need 上午/下午 …
    following = text[match.end() : match.end() + 3]
    if following.startswith(DURATION_AFTER):
        return False  # 2点半年, 3点多钟 is fine but 2点半个月 is not
    if (
        first_is_bare
        and match.group("aunit") in ("点", "點")
        and match.group("am2") is None
        and match.group("ahalf") is None
        and match.group("bh") is None
        and match.group("bh2") is None
    ):
        # 3点 alone: a time only before a verb of meeting, a connector or punctuation.
        return following == "" or following.startswith(BARE_HOUR_FOLLOWERS)
    return True


def time_after(text: str, end: int, limit: int) -> TimeOfDay | None:
    """The time of day written for the date that ends at ``end``, if any.

    ``limit`` is where the next date starts: a time after it belongs to that date.
    """
    bound = min(limit, end + 40)
    if bound <= end:
        return None  # the next date starts right here (a run of dates): no room for a time
    if _TIME_MARK.search(text, end, bound) is None:
        return None  # most dates: no 时, 点 or colon before the next date, no time
    stop = CLAUSE_END.search(text, end, bound)
    stop_at = stop.start() if stop else min(bound, len(text))
    if stop is not None and _TIME_MARK.search(text, end, stop_at) is None:
        return None  # none before the clause ends either
    if ALL_DAY.match(text, end):
        return None  # 全天: an all-day event
    position = LEAD.match(text, end).end()
    candidates = [position]
    # later in the same clause: 11月1日在杭州召开，会议于上午9时开始
    candidates += [m.start() for m in PERIOD_WORD.finditer(text, position, stop_at)]
    for start in candidates:
        if start >= stop_at:
            break
        match = TIME.match(text, start, stop_at)
        if match is None or not _plausible(match, text):
            continue
        period = match.group("aperiod")
        first = _clock(match, "a", period)
        if first is None:
            continue
        last = None
        if match.group("bh") or match.group("bh2"):
            second_period = match.group("bperiod") or period
            last = _clock(match, "b", second_period)
            if last is not None and last < first and second_period is None and last.hour < 12:
                last = time(last.hour + 12, last.minute)  # 10时至2时: the afternoon
            if last is not None and last <= first:
                last = None
        finish = match.end()
        approx = text.startswith(APPROXIMATE_AFTER, finish)
        if approx:
            finish += next(len(w) for w in APPROXIMATE_AFTER if text.startswith(w, finish))
        return TimeOfDay(first, last, approx, (match.start(), finish))
    return None
