"""iCalendar feeds, checked with tools nobody on the team wrote.

Every feed is parsed by icalendar and by vobject (validating); exclusive ends at
month end, year end and the leap day are checked by ``ics-query`` run as a real
subprocess, and by a real Radicale CalDAV server queried with the ``caldav``
client. The bytes themselves (CRLF, 75-octet folding, UTF-8) are checked by hand.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import caldav
import icalendar
import pandas as pd
import pytest
import vobject
from hypothesis import given
from hypothesis import strategies as st

from exports.ics import Feed, FeedStateError, build_feeds, clean_text, fold, http_url
from timeline.slugs import slugify

TEXTILE = "汕头市纺织服装产业协会"
GARMENT = "广东省服装服饰行业协会"
NOW = datetime(2024, 6, 1, 8, 30, tzinfo=UTC)
LATER = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
VENV_BIN = Path(sys.executable).parent


def row(event_id: str, start: date, end: date | None = None, **fields) -> dict:
    """One row of the event table, with plausible Chinese defaults."""
    base = {
        "event_id": event_id,
        "association": TEXTILE,
        "start": start,
        "end": end or start,
        "granularity": "day",
        "title": "协会召开理事会",
        "description": f"{start.month}月{start.day}日，协会召开第三届理事会第二次会议。",
        "date_text": f"{start.month}月{start.day}日",
        "doc": "004_508937cf9c40d0b3.txt",
        "doc_title": "协会召开理事会会议",
        "published": date(2023, 9, 8),
        "source_url": "https://example.org/news/1.html",
        "span_start": 10,
        "span_end": 15,
        "anchor": "dct",
        "organisations": "",
        "status": "",
    }
    base.update(fields)
    return base


def table(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def sample_rows() -> list[dict]:
    return [
        row("ev-day", date(2023, 8, 22), title="开展党建活动", anchor="narrative"),
        row(
            "ev-range",
            date(2023, 8, 31),
            date(2023, 9, 3),
            title="参加中国国际纺织面料博览会",
            date_text="8月31日至9月3日",
        ),
        row("ev-yearend", date(2023, 12, 31), title="年终总结会", published=None, source_url=""),
        row(
            "ev-leap",
            date(2024, 2, 29),
            title="闰日座谈会",
            association=GARMENT,
            date_text="2024年2月29日",
            anchor="explicit",
            published=date(2024, 3, 2),
            source_url="http://example.org/leap",
        ),
        row(
            "ev-month",
            date(2024, 4, 1),
            date(2024, 4, 30),
            granularity="month",
            title="参与植树护绿",
            date_text="4月",
            association=GARMENT,
            published=date(2024, 5, 6),
        ),
        row(
            "ev-year",
            date(2022, 1, 1),
            date(2022, 12, 31),
            granularity="year",
            title="全年营收",
            date_text="2022年",
            anchor="explicit",
        ),
    ]


def sample_table() -> pd.DataFrame:
    return table(*sample_rows())


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, list[Feed]]:
    return tmp_path, build_feeds(sample_table(), tmp_path, now=NOW)


def parse(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def read(path: Path) -> str:
    """The feed's text with its CRLFs (``read_text`` would turn them into LF)."""
    return path.read_bytes().decode("utf-8")


def events_by_uid(path: Path) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in parse(path).walk("VEVENT")}


def uid(event_id: str) -> str:
    return f"{event_id}@cn-timeline"


# --- the feeds written ----------------------------------------------------------------


def test_all_feed_first_then_one_per_association_sorted_by_slug(built) -> None:
    out, feeds = built
    expected = sorted([(slugify(TEXTILE), TEXTILE, 3), (slugify(GARMENT), GARMENT, 2)])
    assert feeds[0] == Feed(None, "all", "feeds/all.ics", 5)
    assert [(f.slug, f.association, f.events) for f in feeds[1:]] == expected
    for feed in feeds:
        assert feed.path == f"feeds/{feed.slug}.ics"
        assert (out / feed.path).is_file()
        assert len(list(parse(out / feed.path).walk("VEVENT"))) == feed.events


def test_every_feed_parses_with_icalendar(built) -> None:
    out, feeds = built
    for feed in feeds:
        calendar = parse(out / feed.path)
        for component in calendar.walk():
            assert component.errors == [], component.name
        assert len(list(calendar.walk("VEVENT"))) == feed.events


def test_every_feed_validates_with_vobject(built) -> None:
    out, feeds = built
    for feed in feeds:
        text = read(out / feed.path)
        calendar = vobject.readOne(text, validate=True)
        events = calendar.contents.get("vevent", [])
        assert len(events) == feed.events
        for event in events:
            assert type(event.dtstart.value) is date
            assert type(event.dtend.value) is date
        assert len(list(vobject.readComponents(text, validate=True))) == 1


@pytest.mark.parametrize(
    ("event_id", "dtstart", "dtend"),
    [
        ("ev-day", date(2023, 8, 22), date(2023, 8, 23)),
        ("ev-range", date(2023, 8, 31), date(2023, 9, 4)),
        ("ev-yearend", date(2023, 12, 31), date(2024, 1, 1)),
        ("ev-leap", date(2024, 2, 29), date(2024, 3, 1)),
        ("ev-month", date(2024, 4, 1), date(2024, 5, 1)),
    ],
)
def test_all_day_event_ends_the_day_after_its_last_day(
    built, event_id: str, dtstart: date, dtend: date
) -> None:
    out, _ = built
    event = events_by_uid(out / "feeds/all.ics")[uid(event_id)]
    assert event.start == dtstart and type(event.start) is date
    assert event.end == dtend and type(event.end) is date
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event["DTEND"].params["VALUE"] == "DATE"


def test_no_event_mixes_date_and_datetime(built) -> None:
    out, _ = built
    text = read(out / "feeds/all.ics")
    for line in text.split("\r\n"):
        if line.startswith(("DTSTART", "DTEND")):
            assert line.startswith(("DTSTART;VALUE=DATE:", "DTEND;VALUE=DATE:"))
            assert "T" not in line.split(":", 1)[1]


def test_year_level_events_are_left_out_by_default(built) -> None:
    out, _ = built
    assert uid("ev-year") not in events_by_uid(out / "feeds/all.ics")


def test_year_level_events_are_included_on_request(tmp_path: Path) -> None:
    decade = row("ev-decade", date(1990, 1, 1), date(1999, 12, 31), granularity="decade")
    feeds = build_feeds(table(*sample_rows(), decade), tmp_path, include_years=True, now=NOW)
    events = events_by_uid(tmp_path / "feeds/all.ics")
    assert events[uid("ev-year")].end == date(2023, 1, 1)
    # 1990 is older than the subscription window: the decade is in its year's archive
    archived = events_by_uid(tmp_path / "feeds/archive/1990.ics")
    assert archived[uid("ev-decade")].end == date(2000, 1, 1)
    assert [(feed.year, feed.events) for feed in feeds if feed.path == "feeds/all.ics"] == [
        (None, 6)
    ]
    assert [(feed.year, feed.events) for feed in feeds if feed.year] == [(1990, 1)]


def test_rows_without_dates_or_that_are_periods_are_left_out(tmp_path: Path) -> None:
    rows = [
        row("ev-ok", date(2023, 8, 22)),
        row("ev-nodate", date(2023, 8, 22), end=None),
        row("ev-period", date(2021, 1, 1), date(2025, 12, 31), kind="period"),
    ]
    rows[1]["kind"] = "event"  # ev-ok has no kind at all (NaN in the frame)
    rows[1]["start"] = None
    build_feeds(table(*rows), tmp_path, now=NOW)
    assert list(events_by_uid(tmp_path / "feeds/all.ics")) == [uid("ev-ok")]


def test_events_are_sorted_by_start_end_and_id(tmp_path: Path) -> None:
    rows = [
        row("ev-b", date(2023, 8, 22)),
        row("ev-a", date(2023, 8, 22)),
        row("ev-long", date(2023, 8, 22), date(2023, 8, 25)),
        row("ev-early", date(2023, 1, 5)),
    ]
    build_feeds(table(*rows), tmp_path, now=NOW)
    order = list(events_by_uid(tmp_path / "feeds/all.ics"))
    assert order == [uid("ev-early"), uid("ev-a"), uid("ev-b"), uid("ev-long")]


def test_event_properties(built) -> None:
    out, _ = built
    event = events_by_uid(out / "feeds/all.ics")[uid("ev-range")]
    assert str(event["SUMMARY"]) == "参加中国国际纺织面料博览会"
    assert event.categories == [TEXTILE]
    assert str(event["URL"]) == "https://example.org/news/1.html"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert event["SEQUENCE"] == 0
    lines = str(event["DESCRIPTION"]).split("\n")
    assert lines[0] == "8月31日，协会召开第三届理事会第二次会议。"
    assert "日期：2023年8月31日—9月3日" in lines
    assert "原文日期：8月31日至9月3日" in lines
    assert "精度：日" in lines
    assert "推断：据文件发布日期推断（dct）" in lines
    assert "来源：《协会召开理事会会议》 004_508937cf9c40d0b3.txt" in lines
    assert "链接：https://example.org/news/1.html" in lines


@pytest.mark.parametrize(
    ("granularity", "start", "end", "precision"),
    [
        ("month", date(2024, 4, 1), date(2024, 4, 30), "月"),
        ("week", date(2023, 9, 4), date(2023, 9, 10), "周"),
        ("part", date(2023, 8, 21), date(2023, 8, 31), "旬"),
        ("part", date(2022, 11, 1), date(2022, 12, 31), "年初/年底"),
        ("quarter", date(2023, 7, 1), date(2023, 9, 30), "季度"),
        ("half", date(2023, 1, 1), date(2023, 6, 30), "半年"),
        ("season", date(2024, 3, 1), date(2024, 5, 31), "季节"),
    ],
)
def test_description_names_the_precision_in_chinese(
    tmp_path: Path, granularity: str, start: date, end: date, precision: str
) -> None:
    build_feeds(table(row("ev-1", start, end, granularity=granularity)), tmp_path, now=NOW)
    event = events_by_uid(tmp_path / "feeds/all.ics")[uid("ev-1")]
    assert f"精度：{precision}" in str(event["DESCRIPTION"]).split("\n")


def test_calendar_properties_appear_once(built) -> None:
    out, feeds = built
    for feed in feeds:
        text = read(out / feed.path)
        unfolded = text.replace("\r\n ", "")
        header = unfolded.split("BEGIN:VEVENT")[0].split("\r\n")
        names = [line.split(":")[0].split(";")[0] for line in header if line]
        for name in ("NAME", "X-WR-CALNAME", "DESCRIPTION", "X-WR-CALDESC", "UID", "PRODID"):
            assert names.count(name) == 1, name
        for line in (
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
            "X-PUBLISHED-TTL:PT12H",
        ):
            assert header.count(line) == 1, line
        assert "X-WR-TIMEZONE" not in names
        calendar = parse(out / feed.path)
        assert calendar.calendar_name == (feed.association or "全部协会活动")


def test_calendar_uid_is_stable_and_differs_per_feed(built, tmp_path_factory) -> None:
    out, feeds = built
    again = tmp_path_factory.mktemp("again")
    build_feeds(sample_table(), again, now=LATER)
    uids = [str(parse(out / feed.path)["UID"]) for feed in feeds]
    assert len(set(uids)) == len(uids)
    assert uids == [str(parse(again / feed.path)["UID"]) for feed in feeds]


@pytest.mark.parametrize(
    ("source_url", "expected"),
    [
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("http://example.org/", "http://example.org/"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<b>x</b>", None),
        ("ftp://example.org/a", None),
        ("//example.org/a", None),
        ("", None),
        ("https://example.org/a\r\nBEGIN:VEVENT", None),
        ("https:///nohost", None),
    ],
)
def test_url_only_for_http_addresses(tmp_path: Path, source_url: str, expected) -> None:
    assert http_url(source_url) == expected
    build_feeds(table(row("ev-1", date(2023, 8, 22), source_url=source_url)), tmp_path, now=NOW)
    event = events_by_uid(tmp_path / "feeds/all.ics")[uid("ev-1")]
    assert (str(event["URL"]) if "URL" in event else None) == expected
    if expected is None:
        assert "javascript" not in read(tmp_path / "feeds/all.ics").lower()


# --- the bytes ------------------------------------------------------------------------


def check_bytes(payload: bytes) -> None:
    assert payload.endswith(b"\r\n")
    lines = payload.split(b"\r\n")[:-1]
    assert b"\n" not in payload.replace(b"\r\n", b"")
    assert b"\r" not in payload.replace(b"\r\n", b"")
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # each physical line is valid UTF-8 on its own
        assert line, "no empty lines"


def test_bytes_are_crlf_folded_at_75_octets_and_utf8_per_line(built) -> None:
    out, feeds = built
    for feed in feeds:
        check_bytes((out / feed.path).read_bytes())


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc", "é", "aé"])
def test_long_chinese_text_folds_between_characters(tmp_path: Path, prefix: str) -> None:
    sentence = prefix + "汕头市纺织服装产业协会举办第三届中国（汕头）国际纺织服装博览会𠀀" * 8
    build_feeds(
        table(row("ev-1", date(2023, 8, 22), title=sentence, description=sentence)),
        tmp_path,
        now=NOW,
    )
    payload = (tmp_path / "feeds/all.ics").read_bytes()
    check_bytes(payload)
    event = events_by_uid(tmp_path / "feeds/all.ics")[uid("ev-1")]
    assert str(event["SUMMARY"]) == sentence
    assert str(event["DESCRIPTION"]).startswith(sentence)


@given(st.text(min_size=0, max_size=300))
def test_fold_keeps_every_line_within_75_octets(text: str) -> None:
    value = clean_text(text, one_line=True)
    logical = f"SUMMARY:{value}".encode()
    folded = fold(logical + b"\r\n")
    check_bytes(folded)
    assert folded.replace(b"\r\n ", b"") == logical + b"\r\n"


# --- rebuilding -------------------------------------------------------------------------


def feed_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "feeds").iterdir())}


def test_rebuilding_unchanged_input_is_byte_identical(built) -> None:
    out, _ = built
    before = feed_bytes(out)
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "feeds").iterdir()}
    build_feeds(sample_table(), out, now=LATER)
    assert feed_bytes(out) == before
    assert {p.name: p.stat().st_mtime_ns for p in (out / "feeds").iterdir()} == stamps


def test_building_into_a_fresh_folder_is_byte_identical(built, tmp_path_factory) -> None:
    out, _ = built
    fresh = tmp_path_factory.mktemp("fresh")
    build_feeds(sample_table(), fresh, now=LATER)
    assert feed_bytes(fresh) == feed_bytes(out)


def test_first_stamp_comes_from_the_publication_date_else_the_start(built) -> None:
    out, _ = built
    events = events_by_uid(out / "feeds/all.ics")
    published = datetime(2023, 9, 8, tzinfo=UTC)
    assert events[uid("ev-day")]["LAST-MODIFIED"].dt == published
    assert events[uid("ev-day")]["DTSTAMP"].dt == published
    assert events[uid("ev-yearend")]["LAST-MODIFIED"].dt == datetime(2023, 12, 31, tzinfo=UTC)


def test_changing_a_title_bumps_only_its_sequence_and_last_modified(built) -> None:
    out, _ = built
    before = events_by_uid(out / "feeds/all.ics")
    rows = sample_rows()
    rows[0]["title"] = "开展主题党日活动"
    build_feeds(table(*rows), out, now=LATER)
    after = events_by_uid(out / "feeds/all.ics")
    changed = after[uid("ev-day")]
    assert str(changed["SUMMARY"]) == "开展主题党日活动"
    assert changed["SEQUENCE"] == 1
    assert changed["LAST-MODIFIED"].dt == LATER
    assert changed["DTSTAMP"].dt == LATER
    for key, event in after.items():
        if key != uid("ev-day"):
            assert event.to_ical() == before[key].to_ical()
    # the same input again changes nothing more
    again = feed_bytes(out)
    build_feeds(table(*rows), out, now=LATER + timedelta(days=3))
    assert feed_bytes(out) == again


def test_changing_a_date_bumps_the_sequence_again(built) -> None:
    out, _ = built
    rows = sample_rows()
    rows[0]["title"] = "开展主题党日活动"
    build_feeds(table(*rows), out, now=LATER)
    rows[0]["end"] = date(2023, 8, 23)
    build_feeds(table(*rows), out, now=LATER + timedelta(days=1))
    event = events_by_uid(out / "feeds/all.ics")[uid("ev-day")]
    assert event["SEQUENCE"] == 2
    assert event.end == date(2023, 8, 24)
    assert event["LAST-MODIFIED"].dt == LATER + timedelta(days=1)


def test_state_file_records_hash_sequence_and_last_modified(built) -> None:
    out, _ = built
    state = json.loads(read(out / "feeds/.state.json"))
    assert state["events"]["ev-day"]["sequence"] == 0
    assert state["events"]["ev-day"]["last_modified"] == "2023-09-08T00:00:00Z"
    assert len(state["events"]["ev-day"]["hash"]) == 64
    assert state["feeds"][0] == "feeds/all.ics"


def test_unreadable_state_is_an_error_not_a_silent_reset(built) -> None:
    out, _ = built
    (out / "feeds/.state.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(FeedStateError, match="state.json"):
        build_feeds(sample_table(), out, now=LATER)


def test_removed_events_and_associations_disappear(built) -> None:
    out, feeds = built
    garment = next(feed for feed in feeds if feed.association == GARMENT)
    rows = [r for r in sample_rows() if r["association"] != GARMENT and r["event_id"] != "ev-day"]
    new_feeds = build_feeds(table(*rows), out, now=LATER)
    assert [feed.association for feed in new_feeds] == [None, TEXTILE]
    assert not (out / garment.path).exists()
    assert set(events_by_uid(out / "feeds/all.ics")) == {uid("ev-range"), uid("ev-yearend")}


def test_an_empty_table_still_writes_an_empty_all_feed(tmp_path: Path) -> None:
    feeds = build_feeds(sample_table().iloc[0:0], tmp_path, now=NOW)
    assert feeds == [Feed(None, "all", "feeds/all.ics", 0)]
    vobject.readOne(read(tmp_path / "feeds/all.ics"), validate=True)


# --- hostile text -----------------------------------------------------------------------

HOSTILE_TITLE = "标题\r\nBEGIN:VEVENT\r\nUID:evil-1\r\nSUMMARY:injected"
HOSTILE_DESCRIPTION = (
    "说明；分号;逗号,反斜杠\\ 结尾\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil-2\n"
    "DTSTART:20990101\rX-INJECTED:yes\u2028ATTACH:http://evil\x00\x0b\x1bEND:VCALENDAR"
)
HOSTILE_ASSOCIATION = "恶意协会\r\nX-INJECTED:1;,\\"


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, list[Feed]]:
    rows = [
        row(
            "ev-hostile",
            date(2023, 8, 22),
            title=HOSTILE_TITLE,
            description=HOSTILE_DESCRIPTION,
            date_text="8月22日\r\nRRULE:FREQ=DAILY",
            doc_title="《标题》\nEND:VCALENDAR",
            association=HOSTILE_ASSOCIATION,
        ),
        row("ev-plain", date(2023, 8, 23)),
    ]
    return tmp_path, build_feeds(table(*rows), tmp_path, now=NOW)


def test_hostile_text_leaves_exactly_one_vevent_per_event(hostile) -> None:
    out, feeds = hostile
    for feed in feeds:
        text = read(out / feed.path)
        check_bytes(text.encode("utf-8"))
        calendar = parse(out / feed.path)
        events = list(calendar.walk("VEVENT"))
        assert len(events) == feed.events
        assert text.count("\r\nBEGIN:VEVENT\r\n") == feed.events
        assert text.count("\r\nEND:VCALENDAR\r\n") == 1
        vcal = vobject.readOne(text, validate=True)
        assert len(vcal.contents["vevent"]) == feed.events
        for event in events:
            assert set(event) <= {
                "UID",
                "SUMMARY",
                "DESCRIPTION",
                "DTSTART",
                "DTEND",
                "DTSTAMP",
                "LAST-MODIFIED",
                "SEQUENCE",
                "CATEGORIES",
                "URL",
                "TRANSP",
            }
            assert not str(event["UID"]).startswith("evil")
            assert "RRULE" not in event
        assert "X-INJECTED" not in calendar
        assert all(
            not line.startswith(("X-INJECTED", "ATTACH", "RRULE")) for line in text.split("\r\n")
        )


def test_hostile_text_round_trips_as_inert_text(hostile) -> None:
    out, _ = hostile
    event = events_by_uid(out / "feeds/all.ics")[uid("ev-hostile")]
    assert str(event["SUMMARY"]) == "标题 BEGIN:VEVENT UID:evil-1 SUMMARY:injected"
    description = str(event["DESCRIPTION"])
    assert description.startswith("说明；分号;逗号,反斜杠\\ 结尾\nEND:VEVENT\nBEGIN:VEVENT\n")
    assert "X-INJECTED:yes\nATTACH:http://evil\nEND:VCALENDAR" in description
    assert "\x00" not in description and "\x1b" not in description and "\r" not in description
    assert event.categories == ["恶意协会 X-INJECTED:1;,\\"]


def test_hostile_association_name_is_escaped_in_the_calendar_name(hostile) -> None:
    out, feeds = hostile
    feed = next(
        feed for feed in feeds if feed.association == clean_text(HOSTILE_ASSOCIATION, one_line=True)
    )
    calendar = parse(out / feed.path)
    assert calendar.calendar_name == "恶意协会 X-INJECTED:1;,\\"
    assert "X-INJECTED" not in calendar


# --- ics-query (a real subprocess) ----------------------------------------------------------


def ics_query(*args: str) -> set[str]:
    """UIDs of the events ``ics-query`` prints."""
    result = subprocess.run(
        [str(VENV_BIN / "ics-query"), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=True,
    )
    return {line[4:] for line in result.stdout.splitlines() if line.startswith("UID:")}


@pytest.mark.parametrize(
    ("event_id", "last_day"),
    [
        ("ev-month", date(2024, 4, 30)),  # month end
        ("ev-yearend", date(2023, 12, 31)),  # year end
        ("ev-leap", date(2024, 2, 29)),  # leap day
        ("ev-range", date(2023, 9, 3)),  # a day range across months
        ("ev-day", date(2023, 8, 22)),
    ],
)
def test_ics_query_sees_the_last_day_but_not_the_day_after(
    built, event_id: str, last_day: date
) -> None:
    out, _ = built
    feed = str(out / "feeds/all.ics")
    assert uid(event_id) in ics_query("at", last_day.isoformat(), feed, "-")
    assert uid(event_id) not in ics_query(
        "at", (last_day + timedelta(days=1)).isoformat(), feed, "-"
    )


def test_ics_query_between_finds_exactly_the_events_in_a_range(built) -> None:
    out, _ = built
    feed = str(out / "feeds/all.ics")
    assert ics_query("between", "2023-09-01", "2024-03-01", feed, "-") == {
        uid("ev-range"),
        uid("ev-yearend"),
        uid("ev-leap"),
    }
    assert ics_query("at", "2024-03-01", feed, "-") == set()
    assert ics_query("at", "2024-04", feed, "-") == {uid("ev-month")}
    assert ics_query("at", "2022", feed, "-") == set()  # the year-level event is left out


# --- Radicale, a real CalDAV server -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def radicale(tmp_path_factory) -> str:
    storage = tmp_path_factory.mktemp("radicale")
    port = free_port()
    log = (storage / "radicale.log").open("wb")
    command = [
        sys.executable,
        "-m",
        "radicale",
        "--config",
        "",
        "--server-hosts",
        f"127.0.0.1:{port}",
        "--storage-filesystem-folder",
        str(storage / "collections"),
        "--auth-type",
        "none",
        "--logging-level",
        "warning",
    ]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"radicale exited: {(storage / 'radicale.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("radicale did not start within 30 s")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def utc_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def test_radicale_accepts_every_feed_and_answers_time_ranges(built, radicale: str) -> None:
    out, feeds = built
    client = caldav.DAVClient(url=radicale, username="tester", password="x", timeout=20)
    principal = client.principal()
    calendars = {}
    for feed in feeds:
        calendar = principal.make_calendar(name=feed.association or "all", cal_id=feed.slug)
        request = urllib.request.Request(
            str(calendar.url),
            data=(out / feed.path).read_bytes(),
            method="PUT",
            headers={"Content-Type": "text/calendar; charset=utf-8"},
        )
        request.add_header("Authorization", "Basic dGVzdGVyOng=")  # tester:x
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.status in (200, 201, 204)
        calendar = client.calendar(url=str(calendar.url))
        assert len(calendar.events()) == feed.events
        calendars[feed.slug] = calendar

    everything = calendars["all"]

    def found(first: date, after_last: date) -> set[str]:
        results = everything.search(
            start=utc_day(first), end=utc_day(after_last), event=True, expand=False
        )
        return {str(result.icalendar_component["UID"]) for result in results}

    for event_id, last_day in [
        ("ev-month", date(2024, 4, 30)),
        ("ev-yearend", date(2023, 12, 31)),
        ("ev-leap", date(2024, 2, 29)),
        ("ev-range", date(2023, 9, 3)),
    ]:
        assert uid(event_id) in found(last_day, last_day + timedelta(days=1)), event_id
        assert uid(event_id) not in found(
            last_day + timedelta(days=1), last_day + timedelta(days=2)
        ), event_id
    assert found(date(2023, 9, 1), date(2024, 3, 1)) == {
        uid("ev-range"),
        uid("ev-yearend"),
        uid("ev-leap"),
    }
    assert found(date(2023, 8, 30), date(2023, 8, 31)) == set()
    garment = calendars[slugify(GARMENT)]
    results = garment.search(
        start=utc_day(date(2024, 1, 1)), end=utc_day(date(2025, 1, 1)), event=True
    )
    assert {str(r.icalendar_component["UID"]) for r in results} == {uid("ev-leap"), uid("ev-month")}
