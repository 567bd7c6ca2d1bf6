"""Relative words: how far each one moves from its reference.

``present`` words count from the document's present (its publication date, or a
present the paragraph sets with 截至…); ``previous`` words count from the last
resolved mention (当天 is the day just mentioned).
"""

#: Year words → (reference, offset in years).
RELATIVE_YEARS: dict[str, tuple[str, int]] = {
    "今年": ("present", 0),
    "本年": ("present", 0),
    "去年": ("present", -1),
    "上年": ("present", -1),
    "前年": ("present", -2),
    "大前年": ("present", -3),
    "明年": ("present", 1),
    "来年": ("present", 1),
    "后年": ("present", 2),
    "大后年": ("present", 3),
    "当年": ("previous", 0),
    "同年": ("previous", 0),
    "次年": ("previous", 1),
    "翌年": ("previous", 1),
    "转年": ("previous", 1),
    "前一年": ("previous", -1),
    "这一年": ("present", 0),
    "上一年": ("present", -1),
    "下一年": ("present", 1),
}

#: Day words → (reference, offset in days).
RELATIVE_DAYS: dict[str, tuple[str, int]] = {
    "今天": ("present", 0),
    "今日": ("present", 0),
    "昨天": ("present", -1),
    "昨日": ("present", -1),
    "前天": ("present", -2),
    "大前天": ("present", -3),
    "明天": ("present", 1),
    "明日": ("present", 1),
    "后天": ("present", 2),
    "大后天": ("present", 3),
    "大大后天": ("present", 4),
    "大大前天": ("present", -4),
    "本日": ("present", 0),
    "前日": ("present", -2),
    "当天": ("previous", 0),
    "当日": ("previous", 0),
    "同日": ("previous", 0),
    "同一天": ("previous", 0),
    "次日": ("previous", 1),
    "翌日": ("previous", 1),
    "隔天": ("previous", 1),
    "隔日": ("previous", 1),
    "第二天": ("previous", 1),
    "后一天": ("previous", 1),
    "前一天": ("previous", -1),
    "前一日": ("previous", -1),
}

#: Month words → (reference, offset in months).
RELATIVE_MONTHS: dict[str, tuple[str, int]] = {
    "本月": ("present", 0),
    "这个月": ("present", 0),
    "上月": ("present", -1),
    "上个月": ("present", -1),
    "下月": ("present", 1),
    "下个月": ("present", 1),
    "上一个月": ("present", -1),
    "下一个月": ("present", 1),
    "上上个月": ("present", -2),
    "上上月": ("present", -2),
    "下下个月": ("present", 2),
    "当月": ("previous", 0),
    "同月": ("previous", 0),
    "次月": ("previous", 1),
}

#: Week words → (reference, offset in weeks); a week runs Monday to Sunday.
RELATIVE_WEEKS: dict[str, tuple[str, int]] = {
    "本周": ("present", 0),
    "这周": ("present", 0),
    "本星期": ("present", 0),
    "上周": ("present", -1),
    "上个星期": ("present", -1),
    "上星期": ("present", -1),
    "下周": ("present", 1),
    "下个星期": ("present", 1),
    "下星期": ("present", 1),
    "这个星期": ("present", 0),
    "这星期": ("present", 0),
    "这个周": ("present", 0),
    "本礼拜": ("present", 0),
    "这个礼拜": ("present", 0),
    "这礼拜": ("present", 0),
    "上个周": ("present", -1),
    "上礼拜": ("present", -1),
    "上个礼拜": ("present", -1),
    "上上周": ("present", -2),
    "上上个周": ("present", -2),
    "上上个星期": ("present", -2),
    "上上个礼拜": ("present", -2),
    "下个周": ("present", 1),
    "下礼拜": ("present", 1),
    "下个礼拜": ("present", 1),
    "下下周": ("present", 2),
    "下下个周": ("present", 2),
    "下下个星期": ("present", 2),
    "下下个礼拜": ("present", 2),
}

#: Quarter and half-year words → (reference, offset in quarters or halves).
RELATIVE_QUARTERS: dict[str, tuple[str, int]] = {
    "本季度": ("present", 0),
    "这个季度": ("present", 0),
    "这季度": ("present", 0),
    "当季": ("present", 0),
    "上季度": ("present", -1),
    "上个季度": ("present", -1),
    "上一季度": ("present", -1),
    "上一个季度": ("present", -1),
    "上上个季度": ("present", -2),
    "下季度": ("present", 1),
    "下个季度": ("present", 1),
    "下一季度": ("present", 1),
    "下一个季度": ("present", 1),
}
RELATIVE_HALVES: dict[str, tuple[str, int]] = {
    "上个半年": ("present", -1),
    "上一个半年": ("present", -1),
    "下个半年": ("present", 1),
    "下一个半年": ("present", 1),
}

#: Words before a date that make it the paragraph's own present ("as of").
AS_OF_CUES = ("截至", "截止", "截止到", "截至到", "截止至", "至")

#: Words around a month-day that announce the future (将于8月22日举办).
FUTURE_CUES = (
    "将于",
    "将在",
    "将",
    "拟于",
    "拟",
    "计划于",
    "计划",
    "预计",
    "即将",
    "届时",
    "定于",
    "预定",
    "将要",
    "准备",
)

#: Words in a sentence that tell of the past: a bare 周五 there is the last one.
PAST_CUES = ("了", "已", "曾", "刚", "过", "上周", "昨")
