"""A printed chronology: events grouped by year, each date written the Chinese way.

Dates are written at their precision, the way a careful Chinese editor would:
2023年8月22日, 2020年11月18日—20日, 2023年8月31日—9月3日, 2024年4月,
2020年7月—10月, 2024年, 2019—2020年, 2023年上半年, 2023年第三季度, 2023年底.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from timeline import schema
from timeline.cells import csv_writer, neutralise

DASH = "—"
QUARTERS = {1: "第一季度", 4: "第二季度", 7: "第三季度", 10: "第四季度"}
SEASONS = {3: "春季", 6: "夏季", 9: "秋季", 12: "冬季"}
XUN = {1: "上旬", 11: "中旬", 21: "下旬"}


def _last_of_month(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _day(day: date, year: bool = True, month: bool = True) -> str:
    text = f"{day.day}日"
    if month:
        text = f"{day.month}月" + text
    if year:
        text = f"{day.year}年" + text
    return text


def _days(start: date, end: date) -> str:
    if start == end:
        return _day(start)
    if start.year != end.year:
        return f"{_day(start)}{DASH}{_day(end)}"
    if start.month != end.month:
        return f"{_day(start)}{DASH}{_day(end, year=False)}"
    return f"{_day(start)}{DASH}{_day(end, year=False, month=False)}"


def _months(start: date, end: date) -> str:
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    if start.year == end.year:
        return f"{start.year}年{start.month}月{DASH}{end.month}月"
    return f"{start.year}年{start.month}月{DASH}{end.year}年{end.month}月"


def _whole_months(start: date, end: date) -> bool:
    return start.day == 1 and _last_of_month(end)


def format_date(start: date, end: date, granularity: str) -> str:
    """A date range written the Chinese way at its precision.

    >>> format_date(date(2020, 11, 18), date(2020, 11, 20), "day")
    '2020年11月18日—20日'
    >>> format_date(date(2024, 4, 1), date(2024, 4, 30), "month")
    '2024年4月'
    """
    whole_years = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
    if granularity in ("year", "decade") and whole_years:
        if granularity == "decade" and end.year - start.year == 9 and start.year % 10 == 0:
            return f"{start.year}年代"
        return f"{start.year}年" if start.year == end.year else f"{start.year}{DASH}{end.year}年"
    if granularity == "half" and start.year == end.year and _whole_months(start, end):
        if (start.month, end.month) == (1, 6):
            return f"{start.year}年上半年"
        if (start.month, end.month) == (7, 12):
            return f"{start.year}年下半年"
    if granularity == "quarter" and start.year == end.year and _whole_months(start, end):
        if end.month - start.month == 2 and start.month in QUARTERS:
            return f"{start.year}年{QUARTERS[start.month]}"
        if start.month == 1 and end.month in (6, 9):
            return f"{start.year}年前{'两' if end.month == 6 else '三'}季度"
    if granularity == "season" and _whole_months(start, end) and start.month in SEASONS:
        return f"{start.year}年{SEASONS[start.month]}"
    if granularity == "part":
        if (
            start.year == end.year
            and (start.month, start.day, end.month) == (1, 1, 2)
            and _last_of_month(end)
        ):
            return f"{start.year}年初"
        if start.year == end.year and (start.month, start.day, end.month, end.day) == (
            11,
            1,
            12,
            31,
        ):
            return f"{start.year}年底"
        if (start.year, start.month) == (end.year, end.month) and start.day in XUN:
            closes = (
                end.day == 10
                if start.day == 1
                else end.day == 20
                if start.day == 11
                else _last_of_month(end)
            )
            if closes:
                return f"{start.year}年{start.month}月{XUN[start.day]}"
    if granularity in ("month", "quarter", "half", "season", "part", "year") and _whole_months(
        start, end
    ):
        return _months(start, end)
    return _days(start, end)


@dataclass(frozen=True, slots=True)
class Entry:
    year: int
    date: str
    title: str
    association: str
    doc: str
    event_id: str


def select(
    table: pd.DataFrame,
    association: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """The table's events of one association (or all) that touch [since, until]."""
    rows = table
    if association:
        rows = rows[rows["association"] == association]
    if since is not None:
        rows = rows[rows["end"].map(lambda d: d >= since)]
    if until is not None:
        rows = rows[rows["start"].map(lambda d: d <= until)]
    return rows.sort_values(["start", "end", "association", "doc", "span_start"], kind="stable")


def when(event: schema.Event) -> str:
    """The event's date the Chinese way, with its qualifier and time as written.

    >>> from datetime import date, time
    >>> when(schema.Event("e", "A", date(2024, 2, 10), date(2024, 2, 10), "day", "", "", "春节",
    ...      "a.txt", qualifier="before"))
    '2024年2月10日前'
    """
    written = format_date(event.start, event.end, event.granularity)
    if event.qualifier:
        written = schema.qualified(event.qualifier, written)
    if event.timed:
        written += " " + schema.time_text(event.time_start)
        if event.time_end is not None:
            written += DASH + schema.time_text(event.time_end)
    return written


def headline(event: schema.Event) -> str:
    """The event's title as the chronology prints it: a deadline says so."""
    return ("截止：" if event.role == "deadline" else "") + event.title


def entries(table: pd.DataFrame) -> list[Entry]:
    """The chronology's lines, one per event of ``table`` (decoded by :mod:`timeline.schema`).

    A document's own publication line (role ``published``) is no happening: it is
    left out; a deadline says so.
    """
    return [
        Entry(
            year=event.start.year,
            date=when(event),
            title=headline(event),
            association=event.association,
            doc=event.doc,
            event_id=event.event_id,
        )
        for event in schema.events(table)
        if event.role != "published"
    ]


def _by_year(items: Iterable[Entry]) -> dict[int, list[Entry]]:
    grouped: dict[int, list[Entry]] = {}
    for item in items:
        grouped.setdefault(item.year, []).append(item)
    return grouped


def render_text(items: list[Entry]) -> str:
    lines: list[str] = []
    for year, group in _by_year(items).items():
        if lines:
            lines.append("")
        lines.append(f"{year}年")
        for item in group:
            lines.append(f"  {item.date}　{item.title}（{item.association}）")
    return "\n".join(lines) + ("\n" if lines else "")


def render_markdown(items: list[Entry]) -> str:
    blocks: list[str] = []
    for year, group in _by_year(items).items():
        body = "\n".join(f"- **{item.date}** {item.title} — {item.association}" for item in group)
        blocks.append(f"## {year}年\n\n{body}")
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def render_csv(items: list[Entry]) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["year", "date", "title", "association", "doc", "event_id"])
    for item in items:
        row = [item.year, item.date, item.title, item.association, item.doc, item.event_id]
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


RENDERERS = {"text": render_text, "markdown": render_markdown, "csv": render_csv}


def chronology(
    table: pd.DataFrame,
    association: str | None = None,
    since: date | None = None,
    until: date | None = None,
    style: str = "text",
) -> str:
    """The chronology of ``table`` as text, Markdown or CSV."""
    return RENDERERS[style](entries(select(table, association, since, until)))


def associations_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Each association with its number of events and the span of their dates."""
    if table.empty:
        return pd.DataFrame(columns=["association", "events", "first", "last"])
    grouped = table.groupby("association", sort=True)
    summary = pd.DataFrame(
        {
            "events": grouped.size(),
            "first": grouped["start"].min(),
            "last": grouped["end"].max(),
        }
    ).reset_index()
    return summary.sort_values(
        ["events", "association"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
