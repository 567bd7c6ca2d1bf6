"""Events a subscriber can trust: roles, open-ended dates, times of day, corrections.

Rows are built from mentions as the normalizers will give them once they read times
and qualifiers (``DateMention(..., time_start=time(9, 0))``), through the function
that turns a document's mentions into rows (:func:`timeline.table.mention_rows`).
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, date, datetime, time
from pathlib import Path

import caldav
import icalendar
import pandas as pd
import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from test_ics import radicale  # noqa: F401 (the Radicale CalDAV server fixture)
from typer.testing import CliRunner

from exports.chronology import chronology
from exports.ics import build_feeds
from normalizers import DateMention
from timeline.cli import app
from timeline.schema import COLUMNS, decode_sources
from timeline.table import DocumentSource, _frame, build_events, mention_rows

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2024, 12, 1, tzinfo=UTC)
ASSOCIATION = "广东省服装服饰行业协会"
TEXT = (
    "协会召开年度总结会\n"
    "发布时间：2024-10-30\n"
    "11月1日上午9时，协会召开年度总结会。\n"
    "请于11月20日前报名参加培训。\n"
    "春节前，协会将走访会员企业。\n"
    "11月5日，协会组织会员参观展会。\n"
)


def _span(text: str) -> tuple[int, int]:
    start = TEXT.index(text)
    return start, start + len(text)


def _mentions() -> list[DateMention]:
    day = DateMention
    return [
        day("2024-10-30", _span("2024-10-30"), date(2024, 10, 30), date(2024, 10, 30), "day"),
        day(
            "11月1日",
            _span("11月1日"),
            date(2024, 11, 1),
            date(2024, 11, 1),
            "day",
            anchor="dct",
            time_start=time(9, 0),
            time_end=time(11, 30),
        ),
        day(
            "11月20日",
            _span("11月20日"),
            date(2024, 11, 20),
            date(2024, 11, 20),
            "day",
            anchor="dct",
            qualifier="deadline",
        ),
        day(
            "春节",
            _span("春节"),
            date(2025, 1, 29),
            date(2025, 1, 29),
            "day",
            anchor="dct",
            qualifier="before",
        ),
        day(
            "11月5日",
            _span("11月5日"),
            date(2024, 11, 5),
            date(2024, 11, 5),
            "day",
            anchor="dct",
            time_start=time(14, 0),
        ),
    ]


def _table() -> pd.DataFrame:
    source = DocumentSource(
        doc="notice.txt",
        title="协会召开年度总结会",
        url="https://example.org/notice",
        association=ASSOCIATION,
        published=date(2024, 10, 30),
        published_span=_span("2024-10-30"),
    )
    rows, _ = mention_rows(TEXT, _mentions(), source)
    return _frame(rows, COLUMNS)


def _feed(tmp_path: Path, **options) -> bytes:
    build_feeds(_table(), tmp_path, now=NOW, **options)
    return (tmp_path / "feeds" / "all.ics").read_bytes()


def _vevents(payload: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(payload)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_rows_carry_role_qualifier_and_time() -> None:
    table = _table().set_index("date_text")
    assert table.loc["2024-10-30", "role"] == "published"
    assert table.loc["11月20日", "role"] == "deadline"
    assert table.loc["春节", "qualifier"] == "before"
    assert (table.loc["11月1日", "time_start"], table.loc["11月1日", "time_end"]) == (
        "09:00",
        "11:30",
    )
    assert table.loc["11月5日", "time_end"] == ""
    [source] = decode_sources(table.loc["11月1日", "sources"])
    assert source.doc == "notice.txt" and source.ids == (table.loc["11月1日", "event_id"],)


def test_publication_line_and_open_ended_rows_are_no_vevent(tmp_path: Path) -> None:
    summaries = set(_vevents(_feed(tmp_path)))
    assert not any(s == "年度总结会" for s in summaries if s.startswith("协会召开年度总结会"))
    assert len(summaries) == 3  # the meeting, the deadline, the visit: not 春节前, not the line
    assert "截止：请报名参加培训" in summaries  # the clause, its date and 前 taken out
    with_open = set(_vevents(_feed(tmp_path / "open", include_open=True)))
    assert len(with_open) == 4


def test_timed_events_are_local_times_with_a_timezone_and_an_end(tmp_path: Path) -> None:
    payload = _feed(tmp_path)
    text = payload.decode("utf-8")
    assert "DTSTART;TZID=Asia/Shanghai:20241101T090000" in text
    assert "DTEND;TZID=Asia/Shanghai:20241101T113000" in text
    assert "DTSTART;TZID=Asia/Shanghai:20241105T140000" in text
    assert "DURATION:PT1H" in text  # 14:00 without an end
    assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Shanghai" in text
    assert "DTSTART;VALUE=DATE:20241120" in text  # a date without a time stays all-day
    events = _vevents(payload)
    meeting = events["协会召开年度总结会"]
    assert meeting["DTSTART"].dt.astimezone(UTC) == datetime(2024, 11, 1, 1, 0, tzinfo=UTC)


def test_timed_feed_validates_with_vobject_and_the_strict_ical_parser(tmp_path: Path) -> None:
    text = _feed(tmp_path).decode("utf-8")
    vobject.readOne(text, validate=True)
    calendar = IcsCalendarStream.calendar_from_ics(text)
    starts = sorted(
        event.dtstart for event in calendar.events if isinstance(event.dtstart, datetime)
    )
    assert [s.astimezone(UTC).hour for s in starts] == [1, 6]  # 09:00 and 14:00 in Shanghai


def test_caldav_time_range_finds_a_timed_event_at_its_hour_in_shanghai(
    tmp_path: Path,
    radicale: str,  # noqa: F811
) -> None:
    payload = _feed(tmp_path)
    client = caldav.DAVClient(url=radicale, username="tester", password="x", timeout=20)
    calendar = client.principal().make_calendar(name="timed", cal_id="timed")
    request = urllib.request.Request(
        str(calendar.url),
        data=payload,
        method="PUT",
        headers={"Content-Type": "text/calendar; charset=utf-8"},
    )
    request.add_header("Authorization", "Basic dGVzdGVyOng=")
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status in (200, 201, 204)
    calendar = client.calendar(url=str(calendar.url))

    def found(start: datetime, end: datetime) -> set[str]:
        results = calendar.search(start=start, end=end, event=True, expand=False)
        return {str(r.icalendar_component["SUMMARY"]) for r in results}

    meeting = "协会召开年度总结会"
    # 09:00-11:30 in Shanghai is 01:00-03:30 UTC on 1 November.
    assert meeting in found(
        datetime(2024, 11, 1, 1, 30, tzinfo=UTC), datetime(2024, 11, 1, 2, tzinfo=UTC)
    )
    assert meeting not in found(
        datetime(2024, 11, 1, 4, tzinfo=UTC), datetime(2024, 11, 1, 9, tzinfo=UTC)
    )
    assert meeting not in found(
        datetime(2024, 10, 31, 23, tzinfo=UTC), datetime(2024, 11, 1, 0, 59, tzinfo=UTC)
    )


def test_chronology_shows_time_qualifier_and_deadline_and_no_publication_line() -> None:
    text = chronology(_table())
    assert "2024年11月1日 09:00—11:30　协会召开年度总结会" in text
    assert "2025年1月29日前" in text
    assert "截止：" in text
    assert "2024年10月30日" not in text


def test_a_corrected_event_describes_what_the_reviewer_set(tmp_path: Path) -> None:
    table = _table()
    at = table.index[table["date_text"] == "11月5日"][0]
    table.loc[at, ["start", "end", "status"]] = [date(2024, 11, 6), date(2024, 11, 6), "corrected"]
    build_feeds(table, tmp_path, now=NOW)
    event = _vevents((tmp_path / "feeds" / "all.ics").read_bytes())["协会组织会员参观展会"]
    description = str(event["DESCRIPTION"])
    assert "日期：2024年11月6日" in description and "已人工更正" in description
    assert "推断" not in description and "原文日期" not in description


# --- the sample corpus -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[pd.DataFrame, Path]:
    out = tmp_path_factory.mktemp("sample")
    table = build_events([ROOT / "data" / "corpus"]).table
    build_feeds(table, out, now=NOW)
    return table, out


def test_sample_publication_lines_are_rows_but_no_vevent(sample) -> None:
    table, out = sample
    published = set(table.loc[table["role"] == "published", "event_id"])
    assert len(published) == 2  # 001's 2021-2-9 and 004's 发布时间:2023-09-08
    uids = {
        str(e["UID"]).split("@")[0]
        for e in icalendar.Calendar.from_ical((out / "feeds/all.ics").read_bytes()).walk("VEVENT")
    }
    assert not published & uids


def test_sample_feed_has_no_two_vevents_from_one_sentence_on_one_day(sample) -> None:
    _, out = sample
    seen = set()
    for event in icalendar.Calendar.from_ical((out / "feeds/all.ics").read_bytes()).walk("VEVENT"):
        sentence = str(event["DESCRIPTION"]).split("\n", 1)[0]
        key = (event["DTSTART"].dt, event["DTEND"].dt, sentence)
        assert key not in seen, key
        seen.add(key)


def test_a_reviews_file_made_against_the_old_ids_still_applies(tmp_path: Path) -> None:
    """reviews-before-merge.csv: ids of the sample as the main branch made them before merging.

    ev-afe970bdac2cd4f4 (当天 … 募捐棉被褥80套) and ev-9f3bd72a76bc540c (the account of
    8月22日) are now sources of merged events: the correction applies to the merged
    event, the rejection of a repetition is not applied to the happening it repeats.
    """
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in (ROOT / "data" / "corpus").iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    reviews = Path(__file__).parent / "data" / "reviews-before-merge.csv"
    runner = CliRunner()
    result = runner.invoke(
        app, ["build", str(corpus), "--out", str(tmp_path / "out"), "--reviews", str(reviews)]
    )
    assert result.exit_code == 0, result.stderr
    assert "reviews: 3 applied (1 confirmed, 2 corrected, 0 rejected)" in result.stderr
    assert "ev-9f3bd72a76bc540c is now one source of ev-2c86cb7a2f39425f" in result.stderr
    assert "its rejection was not applied" in result.stderr
    table = pd.read_csv(tmp_path / "out" / "events.csv", dtype=str, keep_default_na=False)
    merged = table.set_index("event_id").loc["ev-2c86cb7a2f39425f"]
    assert merged["status"] == "corrected" and merged["title"] == "宁夏党建融合与数字化转型培训"
    assert "ev-2dc6db75ac0a62e9" in set(table["event_id"])  # 2月14日 stays
    sources = json.loads(table.set_index("event_id").loc["ev-2dc6db75ac0a62e9", "sources"])
    assert "ev-afe970bdac2cd4f4" in sources[0]["ids"]


def test_page_card_shows_time_qualifier_deadline_and_other_sources() -> None:
    from exports.html import render_timeline

    table = _table()
    at = table.index[table["date_text"] == "11月1日"][0]
    other = {
        "doc": "other.txt",
        "title": "年度总结会召开",
        "url": "https://example.org/o",
        "sentence": "…",
        "ids": ["ev-x"],
    }
    table.loc[at, "sources"] = json.dumps(
        [json.loads(table.loc[at, "sources"])[0], other], ensure_ascii=False
    )
    html = render_timeline(table, [])
    assert '<time class="time" datetime="2024-11-01T09:00">09:00—11:30</time>' in html
    assert "原文：<bdi>春节前</bdi>" in html
    assert '<span class="role">截止日期</span>' in html
    assert 'href="https://example.org/o"' in html and "年度总结会召开" in html
    published = table.loc[table["role"] == "published", "event_id"].iloc[0]
    assert f'id="event-{published}"' not in html  # shown as 发布于 with its document
    assert "发布于2024年10月30日" in html


# --- the document's present ------------------------------------------------------------------

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>协会举办秋季面料对接会</title></head>
<body><nav><a href="/">首页</a> <a href="/news">2023-01-05 旧闻一则</a></nav>
<h1>协会举办秋季面料对接会</h1>
<div class="info">发布时间：2023-09-20 来源：宁波市服装协会</div>
<article><p>9月18日，宁波市服装协会在宁波举办秋季面料对接会，六十余家企业参加，
现场达成合作意向二十余项。协会将于明年继续举办对接活动。</p>
<p>对接会上，十家面料企业发布了秋冬新品，与会服装企业代表逐一洽谈。</p></article>
</body></html>"""


def test_a_web_page_without_date_markup_takes_its_visible_date_line(tmp_path: Path) -> None:
    from timeline.dates import resolve_document
    from timeline.documents import load_document
    from timeline.evaluation import evaluate  # noqa: F401 (shares timeline.present)

    page = tmp_path / "notice.html"
    page.write_text(PAGE, encoding="utf-8")
    document = load_document(page)
    assert (document.published, document.published_source) == (date(2023, 9, 20), "html-line")
    dates = resolve_document(page)
    assert dates.resolution.published == date(2023, 9, 20)
    table = build_events([page]).table
    row = table[table["date_text"] == "9月18日"].iloc[0]
    assert row["start"] == date(2023, 9, 18) and row["published"] == date(2023, 9, 20)


def test_timed_feeds_rebuild_byte_identical(tmp_path: Path) -> None:
    first = _feed(tmp_path / "a")
    assert _feed(tmp_path / "a") == first  # the same folder, its state kept
    assert _feed(tmp_path / "b") == first  # a fresh folder
