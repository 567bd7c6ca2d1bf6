"""Words of the time-of-day reader (:mod:`normalizers.times`)."""

from collections.abc import Callable


def _morning(hour: int) -> int:
    return 0 if hour == 12 else hour


def _afternoon(hour: int) -> int:
    return hour + 12 if 1 <= hour < 12 else hour


def _noon(hour: int) -> int:
    return hour + 12 if 1 <= hour < 11 else hour


def _evening(hour: int) -> int:
    """晚8点 is 20:00, 晚12点 midnight (kept as 0), 晚上11点 23:00."""
    if hour == 12:
        return 0
    return hour + 12 if 5 <= hour < 12 else hour


def _as_written(hour: int) -> int:
    return hour


#: A period of the day written before a time, and how it turns the hour into 0–23.
PERIODS: dict[str, Callable[[int], int]] = {
    "凌晨": _morning,
    "清晨": _as_written,
    "早晨": _as_written,
    "早上": _as_written,
    "早": _as_written,
    "上午": _as_written,
    "中午": _noon,
    "午间": _noon,
    "下午": _afternoon,
    "午后": _afternoon,
    "傍晚": _afternoon,
    "晚上": _evening,
    "晚间": _evening,
    "夜间": _evening,
    "夜里": _evening,
    "当晚": _evening,
    "晚": _evening,
}

#: After a time, these make it approximate: 9时许, 9点左右.
APPROXIMATE_AFTER = ("许", "左右", "前后", "多", "上下")

#: After a time, these make it a duration or an amount, never a time of day.
DURATION_AFTER = ("年", "个", "天", "小时", "月", "周", "倍", "分钟", "秒", "%", "％", "万", "亿")

#: After a bare Arabic hour with 点 (3点), these make it a time of day; anything
#: else (3点建议, 5点要求) reads as a count of points.
BARE_HOUR_FOLLOWERS = (
    "，",
    ",",
    "。",
    " ",
    "整",
    "钟",
    "开始",
    "召开",
    "举行",
    "举办",
    "在",
    "于",
    "到",
    "至",
    "-",
    "~",
    "前",
    "后",
    "许",
    "左右",
    "起",
    "出发",
    "集合",
    "截止",
    "结束",
    "准时",
    "正式",
    "开幕",
    "闭幕",
    "签到",
)
