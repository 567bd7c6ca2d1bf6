"""Dates written the Chinese way at their precision, and the chronology around them."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from exports.chronology import associations_summary, chronology, format_date


@pytest.mark.parametrize(
    ("start", "end", "granularity", "written"),
    [
        (date(2023, 8, 22), date(2023, 8, 22), "day", "2023年8月22日"),
        (date(2020, 11, 18), date(2020, 11, 20), "day", "2020年11月18日—20日"),
        (date(2023, 8, 31), date(2023, 9, 3), "day", "2023年8月31日—9月3日"),
        (date(2023, 12, 30), date(2024, 1, 2), "day", "2023年12月30日—2024年1月2日"),
        (date(2024, 4, 1), date(2024, 4, 30), "month", "2024年4月"),
        (date(2020, 7, 1), date(2020, 10, 31), "month", "2020年7月—10月"),
        (date(2023, 12, 1), date(2024, 2, 29), "month", "2023年12月—2024年2月"),
        (date(2024, 1, 1), date(2024, 12, 31), "year", "2024年"),
        (date(2019, 1, 1), date(2020, 12, 31), "year", "2019—2020年"),
        (date(2023, 1, 1), date(2023, 6, 30), "half", "2023年上半年"),
        (date(2023, 7, 1), date(2023, 12, 31), "half", "2023年下半年"),
        (date(2023, 7, 1), date(2023, 9, 30), "quarter", "2023年第三季度"),
        (date(2023, 1, 1), date(2023, 9, 30), "quarter", "2023年前三季度"),
        (date(2023, 1, 1), date(2023, 2, 28), "part", "2023年初"),
        (date(2022, 11, 1), date(2022, 12, 31), "part", "2022年底"),
        (date(2023, 8, 21), date(2023, 8, 31), "part", "2023年8月下旬"),
        (date(2023, 9, 1), date(2023, 9, 10), "part", "2023年9月上旬"),
        (date(2024, 3, 1), date(2024, 5, 31), "season", "2024年春季"),
        (date(2023, 9, 4), date(2023, 9, 10), "week", "2023年9月4日—10日"),
        (date(1990, 1, 1), date(1999, 12, 31), "decade", "1990年代"),
    ],
)
def test_dates_are_written_at_their_precision(
    start: date, end: date, granularity: str, written: str
) -> None:
    assert format_date(start, end, granularity) == written


def _table() -> pd.DataFrame:
    rows = [
        ("ev-1", "甲协会", date(2024, 4, 1), date(2024, 4, 30), "month", "参与植树护绿"),
        ("ev-2", "甲协会", date(2023, 8, 22), date(2023, 8, 22), "day", "开展党建活动"),
        ("ev-3", "乙商会", date(2020, 11, 18), date(2020, 11, 20), "day", "首届印花制衣展"),
    ]
    return pd.DataFrame(
        [
            {
                "event_id": e,
                "association": a,
                "start": s,
                "end": t,
                "granularity": g,
                "title": ti,
                "doc": "x.txt",
                "span_start": 0,
            }
            for e, a, s, t, g, ti in rows
        ]
    )


def test_chronology_groups_by_year_in_date_order() -> None:
    text = chronology(_table())
    assert text.splitlines() == [
        "2020年",
        "  2020年11月18日—20日　首届印花制衣展（乙商会）",
        "",
        "2023年",
        "  2023年8月22日　开展党建活动（甲协会）",
        "",
        "2024年",
        "  2024年4月　参与植树护绿（甲协会）",
    ]


def test_chronology_filters_by_association_and_dates() -> None:
    text = chronology(_table(), association="甲协会", since=date(2024, 1, 1), style="markdown")
    assert text == "## 2024年\n\n- **2024年4月** 参与植树护绿 — 甲协会\n"
    assert chronology(_table(), until=date(2019, 12, 31)) == ""


def test_chronology_as_csv_has_a_header_and_one_line_per_event() -> None:
    lines = chronology(_table(), style="csv").splitlines()
    assert lines[0] == "year,date,title,association,doc,event_id"
    assert len(lines) == 4


def test_associations_summary_counts_events_and_spans_their_dates() -> None:
    summary = associations_summary(_table())
    assert summary.to_dict("records") == [
        {
            "association": "甲协会",
            "events": 2,
            "first": date(2023, 8, 22),
            "last": date(2024, 4, 30),
        },
        {
            "association": "乙商会",
            "events": 1,
            "first": date(2020, 11, 18),
            "last": date(2020, 11, 20),
        },
    ]
