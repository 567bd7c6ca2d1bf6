"""The feeds' own byte writer, with icalendar as the oracle, and the subscription window.

``exports.ics`` writes each VEVENT once as bytes and reuses them in every feed it
belongs to; these tests parse what it wrote with icalendar and check that every
feed holds exactly the events, and every event exactly the properties, that the
table says, also for hostile text, timed events and deadlines.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exports import ical_text, ics
from exports.html import write_timeline
from exports.ics import Feed, build_feeds, clean_text
from timeline.slugs import slugify

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
TEXTILE = "汕头市纺织服装产业协会"
HOSTILE = "恶意;协会,\\N\r\nX-INJECTED:1"
HOSTILE_TITLE = "标题\\N，逗号,分号;反斜杠\\\r\nBEGIN:VEVENT\r\nUID:evil"
LONG = "协会" * 60 + "𠀋" * 7 + "e\u0301" * 9  # 4-byte characters and combining marks


def row(event_id: str, start: date, end: date | None = None, **fields) -> dict:
    base = {
        "event_id": event_id,
        "association": TEXTILE,
        "start": start,
        "end": end or start,
        "granularity": "day",
        "title": "协会召开理事会",
        "description": f"{start.month}月{start.day}日，协会召开理事会。",
        "date_text": f"{start.month}月{start.day}日",
        "doc": "004_508937cf9c40d0b3.txt",
        "doc_title": "协会召开理事会会议",
        "published": date(2025, 11, 8),
        "source_url": "https://example.org/news/1.html",
        "anchor": "dct",
        "status": "",
        "role": "event",
        "qualifier": "",
        "time_start": "",
        "time_end": "",
    }
    base.update(fields)
    return base


def rows() -> list[dict]:
    return [
        row("ev-day", date(2025, 8, 22)),
        row("ev-range", date(2025, 8, 31), date(2025, 9, 3), association="广东省服装服饰行业协会"),
        row("ev-timed", date(2025, 5, 3), time_start="09:30", time_end="11:00"),
        row("ev-open-time", date(2025, 5, 4), time_start="14:00", source_url=""),
        row("ev-deadline", date(2025, 11, 20), role="deadline", title="报名"),
        row("ev-hostile", date(2024, 2, 29), title=HOSTILE_TITLE, association=HOSTILE),
        row("ev-long", date(2024, 3, 1), title=LONG, description=LONG + "\n" + LONG),
        row("ev-old", date(2012, 6, 1), published=date(2012, 6, 2)),
        row("ev-older", date(2009, 1, 15), published=None),
    ]


def parse(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, list[Feed]]:
    return tmp_path, build_feeds(pd.DataFrame(rows()), tmp_path, now=NOW)


def test_every_feed_holds_exactly_the_events_the_table_gives_it(built) -> None:
    out, feeds = built
    uids = {
        feed.path: {str(e["UID"]) for e in parse(out / feed.path).walk("VEVENT")} for feed in feeds
    }
    recent = {
        "ev-day",
        "ev-range",
        "ev-timed",
        "ev-open-time",
        "ev-deadline",
        "ev-hostile",
        "ev-long",
    }
    assert uids["feeds/all.ics"] == {f"{name}@cn-timeline" for name in recent}
    for feed in feeds:
        expected = {
            r["event_id"]
            for r in rows()
            if (
                r["event_id"] in recent
                and feed.year is None
                and feed.association in (None, clean_text(r["association"], one_line=True))
            )
            or (feed.year == r["start"].year and r["event_id"] not in recent)
        }
        assert uids[feed.path] == {f"{name}@cn-timeline" for name in expected}, feed.path
        assert feed.events == len(expected)
    assert [(feed.year, feed.path) for feed in feeds if feed.year] == [
        (2009, "feeds/archive/2009.ics"),
        (2012, "feeds/archive/2012.ics"),
    ]


def test_each_event_has_exactly_the_properties_the_table_says(built) -> None:
    out, _ = built
    events = {str(e["UID"]): e for e in parse(out / "feeds/all.ics").walk("VEVENT")}
    day = events["ev-day@cn-timeline"]
    assert day.decoded("DTSTART") == date(2025, 8, 22)
    assert day.decoded("DTEND") == date(2025, 8, 23)
    assert str(day["SUMMARY"]) == "协会召开理事会"
    assert day.categories == [TEXTILE]
    assert str(day["URL"]) == "https://example.org/news/1.html"
    assert str(day["TRANSP"]) == "TRANSPARENT"
    assert int(day["SEQUENCE"]) == 0
    assert (
        day.decoded("DTSTAMP") == day.decoded("LAST-MODIFIED") == datetime(2025, 11, 8, tzinfo=UTC)
    )
    assert str(day["DESCRIPTION"]).startswith("8月22日，协会召开理事会。\n\n日期：2025年8月22日")
    assert events["ev-range@cn-timeline"].decoded("DTEND") == date(2025, 9, 4)
    timed = events["ev-timed@cn-timeline"]
    assert timed.decoded("DTSTART") == datetime(2025, 5, 3, 9, 30, tzinfo=SHANGHAI)
    assert timed.decoded("DTEND") == datetime(2025, 5, 3, 11, 0, tzinfo=SHANGHAI)
    assert str(timed["TRANSP"]) == "OPAQUE"
    open_time = events["ev-open-time@cn-timeline"]
    assert "DTEND" not in open_time and "URL" not in open_time
    assert open_time.decoded("DURATION") == timedelta(hours=1)
    assert str(events["ev-deadline@cn-timeline"]["SUMMARY"]) == "截止：报名"
    assert "截止日期：" in str(events["ev-deadline@cn-timeline"]["DESCRIPTION"])
    calendar = parse(out / "feeds/all.ics")
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Shanghai"]


def test_hostile_and_long_text_reads_back_exactly(built) -> None:
    out, feeds = built
    events = {str(e["UID"]): e for e in parse(out / "feeds/all.ics").walk("VEVENT")}
    hostile = events["ev-hostile@cn-timeline"]
    assert str(hostile["SUMMARY"]) == clean_text(HOSTILE_TITLE, one_line=True)
    assert "\\N" in str(hostile["SUMMARY"])  # kept as typed, not turned into a line break
    assert hostile.categories == [clean_text(HOSTILE, one_line=True)]
    long = events["ev-long@cn-timeline"]
    assert str(long["SUMMARY"]) == LONG
    assert str(long["DESCRIPTION"]).startswith(LONG + "\n" + LONG + "\n\n")
    for feed in feeds:
        payload = (out / feed.path).read_bytes()
        for line in payload.split(b"\r\n")[:-1]:
            assert len(line) <= 75
            line.decode("utf-8")  # never cut inside a character
        assert not re.search(rb"\r\n(X-INJECTED|UID:evil)", payload)


def test_a_vevent_is_the_same_bytes_in_every_feed_it_is_in(built) -> None:
    out, _ = built
    block = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.S)
    everything = set(block.findall((out / "feeds/all.ics").read_bytes()))
    textile = set(block.findall((out / f"feeds/{slugify(TEXTILE)}.ics").read_bytes()))
    assert textile and textile <= everything


def test_the_window_counts_from_the_newest_publication_not_the_clock(tmp_path: Path) -> None:
    table = pd.DataFrame(rows())
    build_feeds(table, tmp_path / "a", now=NOW)
    build_feeds(table, tmp_path / "b", now=NOW + timedelta(days=3650))
    for name in ("all.ics", "archive/2009.ics", "archive/2012.ics"):
        assert (tmp_path / "a/feeds" / name).read_bytes() == (
            tmp_path / "b/feeds" / name
        ).read_bytes()
    newer = pd.DataFrame([*rows(), row("ev-new", date(2036, 1, 5), published=date(2036, 1, 1))])
    feeds = build_feeds(newer, tmp_path / "c", now=NOW)
    assert sorted(feed.year for feed in feeds if feed.year) == [2009, 2012, 2024, 2025]
    assert (tmp_path / "c/feeds/archive/2024.ics").exists()


def test_a_corpus_within_the_window_has_no_archive(tmp_path: Path) -> None:
    recent = [r for r in rows() if r["start"].year >= 2016]
    feeds = build_feeds(pd.DataFrame(recent), tmp_path, now=NOW)
    assert not any(feed.year for feed in feeds)
    assert not (tmp_path / "feeds/archive").exists()


def test_the_window_shrinks_when_all_ics_would_be_too_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ics, "WINDOW_BYTES", 4000)
    feeds = build_feeds(pd.DataFrame(rows()), tmp_path, now=NOW)
    assert sorted(feed.year for feed in feeds if feed.year) == [2009, 2012, 2024]
    assert (tmp_path / "feeds/all.ics").stat().st_size < 4000 + 2000  # the header and zone
    assert all(
        e.decoded("DTSTART").year == 2025 for e in parse(tmp_path / "feeds/all.ics").walk("VEVENT")
    )


def test_archives_no_longer_needed_are_removed(tmp_path: Path) -> None:
    build_feeds(pd.DataFrame(rows()), tmp_path, now=NOW)
    assert (tmp_path / "feeds/archive/2009.ics").exists()
    build_feeds(pd.DataFrame(rows()[:-1]), tmp_path, now=NOW)
    assert not (tmp_path / "feeds/archive/2009.ics").exists()
    assert (tmp_path / "feeds/archive/2012.ics").exists()


def test_the_feeds_page_names_the_window_and_lists_the_archives(tmp_path: Path) -> None:
    table = pd.DataFrame(rows())
    feeds = build_feeds(table, tmp_path, now=NOW)
    write_timeline(table, tmp_path, feeds)
    page = (tmp_path / "feeds.html").read_text(encoding="utf-8")
    assert "只含 2013 年以来的事件" in page
    assert 'id="archive-heading"' in page
    assert 'href="feeds/archive/2009.ics"' in page and "2009年存档" in page
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="feeds.html#archive-heading"' in index
    assert 'href="feeds/archive/2009.ics"' not in index


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=300))
def test_any_text_is_escaped_and_folded_so_icalendar_reads_it_back(text: str) -> None:
    value = clean_text(text)
    payload = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        + ical_text.text_line("DESCRIPTION", value)
        + b"UID:x\r\nDTSTAMP:20250101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    for line in payload.split(b"\r\n")[:-1]:
        assert len(line) <= 75
        line.decode("utf-8")
    event = next(iter(icalendar.Calendar.from_ical(payload).walk("VEVENT")))
    assert str(event["DESCRIPTION"]) == value


_TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_ENTRIES = st.fixed_dictionaries(
    {"hash": _TEXTS, "last_modified": _TEXTS, "sequence": st.integers(-5, 10**12)}
)


@settings(max_examples=300, deadline=None)
@given(
    events=st.dictionaries(
        _TEXTS,
        _ENTRIES | st.dictionaries(_TEXTS, st.integers() | _TEXTS | st.booleans(), max_size=3),
        max_size=6,
    ),
    feeds=st.lists(_TEXTS | st.integers(), max_size=4),
    extra=st.booleans(),
)
def test_the_feed_state_is_the_text_json_writes(events: dict, feeds: list, extra: bool) -> None:
    """ics.state_text writes the feed state line by line (json's indented writer is
    Python, 0.3 s at 16,000 events): the very text of json.dumps, for a state of the
    form write_feeds makes and for any other (written by json then)."""
    import json

    state = {"events": events, "feeds": feeds}
    if extra:
        state["other"] = [1, {"b": None}]
    expected = json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    assert ics.state_text(state) == expected


_MESSY = st.text(
    st.sampled_from(
        ["a", "年", " ", "\t", "\n", "\r", "\x07", "\u2028", "\x85", "\u202e", "\ud800"]
    ),
    max_size=5,
)
_CELL = st.one_of(_MESSY, _MESSY, _MESSY, _MESSY, st.none(), st.integers(-1, 1))  # texts mostly
_SOURCES = st.lists(
    st.fixed_dictionaries(
        {
            "doc": _CELL,
            "title": _CELL,
            "url": st.sampled_from(["", None, 0, "https://example.org/a", " http://x", "ftp://x"]),
            "sentence": _CELL,
            "ids": st.lists(_CELL, max_size=2),
        }
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(_SOURCES)
def test_sources_are_cleaned_field_by_field_with_or_without_their_sentences(items: list) -> None:
    """schema.decode_sources cleans a cell's fields together when none needs it, and a
    feed's rows leave the sentences out: each field is what cleaning it alone gives."""
    from timeline import schema

    expected = tuple(
        schema.Source(
            schema.one_line(item["doc"]),
            schema.one_line(item["title"]),
            schema.http_url(item["url"]) or "",
            schema.printable(item["sentence"]).strip(),
            tuple(schema.one_line(i) for i in item["ids"] if schema.as_text(i)),
        )
        for item in items
        if schema.as_text(item["doc"])
    )
    cell = json.dumps(items)
    assert schema.decode_sources(cell) == expected
    links = tuple(schema.Source(s.doc, s.title, s.url) for s in expected)
    assert schema.decode_sources(cell, sentences=False) == links
