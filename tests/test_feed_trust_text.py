"""Events a subscriber can trust, from real text: the normalizers read the times,
qualifiers and publication line that :mod:`test_feed_trust` builds by hand, and the
whole pipeline (document → table → feeds → chronology) keeps them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import icalendar
import vobject

from exports.chronology import chronology
from exports.ics import build_feeds
from normalizers import DocumentContext, normalize
from timeline.table import build_events

NOW = datetime(2024, 12, 1, tzinfo=UTC)
TEXT = (
    "广东省服装服饰行业协会召开年度总结会\n"
    "发布时间：2024-10-30　来源：广东省服装服饰行业协会\n"
    "11月1日上午9时至11时30分，广东省服装服饰行业协会召开年度总结会。\n"
    "请于11月20日前报名参加培训。\n"
    "春节前，协会将走访会员企业。\n"
    "11月5日下午2点，协会组织会员参观展会。\n"
    "2月14日，协会募集物资，当天送达武汉。\n"
)


def _mention(resolution, written: str):
    (found,) = [m for m in resolution.mentions if m.text == written]
    return found


def test_the_normalizers_read_time_qualifier_deadline_and_the_publication_line() -> None:
    resolution = normalize(TEXT, DocumentContext())
    assert resolution.published == date(2024, 10, 30)
    line = TEXT.index("2024-10-30")
    assert resolution.published_span == (line, line + len("2024-10-30"))
    meeting = _mention(resolution, "11月1日")
    assert (meeting.start, meeting.time_start, meeting.time_end) == (
        date(2024, 11, 1),
        time(9, 0),
        time(11, 30),
    )
    assert TEXT[slice(*meeting.time_span)] == "上午9时至11时30分"
    assert _mention(resolution, "11月20日").qualifier == "deadline"
    festival = _mention(resolution, "春节")
    assert (festival.start, festival.qualifier) == (date(2025, 1, 29), "before")
    visit = _mention(resolution, "11月5日")
    # 春节前 is a plan ahead of the story: it does not carry 11月5日 into 2025.
    assert (visit.start, visit.time_start) == (date(2024, 11, 5), time(14, 0))
    assert _mention(resolution, "2月14日").start == date(2024, 2, 14)


def _build(tmp_path: Path, **options) -> tuple[str, list]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notice.txt").write_text(TEXT, encoding="utf-8")
    result = build_events([corpus])
    assert not result.errors
    build_feeds(result.table, tmp_path / "out", now=NOW, **options)
    text = (tmp_path / "out" / "feeds" / "all.ics").read_text(encoding="utf-8")
    return text, result.table


def test_the_feed_of_real_text_has_local_times_a_deadline_and_no_publication_line(
    tmp_path: Path,
) -> None:
    text, table = _build(tmp_path)
    assert set(table["role"]) == {"published", "event", "deadline"}
    vobject.readOne(text, validate=True)
    assert "DTSTART;TZID=Asia/Shanghai:20241101T090000" in text
    assert "DTEND;TZID=Asia/Shanghai:20241101T113000" in text
    assert "DTSTART;TZID=Asia/Shanghai:20241105T140000" in text
    events = icalendar.Calendar.from_ical(text).walk("VEVENT")
    starts = sorted(str(event["DTSTART"].dt) for event in events)
    assert "2024-10-30" not in starts  # the publication line is no event
    assert any(str(event["SUMMARY"]).startswith("截止") for event in events)
    assert len([s for s in starts if s.startswith("2024-02-14") or s == "2024-02-14"]) <= 1
    assert not any(str(event["DTSTART"].dt).startswith("2025-01-29") for event in events)


def test_open_ended_dates_come_in_only_when_asked(tmp_path: Path) -> None:
    text, _ = _build(tmp_path, include_open=True)
    assert "DTSTART;VALUE=DATE:20250129" in text  # 春节前, with --include-open


def test_the_chronology_writes_the_time_and_the_qualifier_as_the_text_does(
    tmp_path: Path,
) -> None:
    _, table = _build(tmp_path)
    printed = chronology(table)
    assert "2024年11月1日 09:00" in printed
    assert "2025年1月29日前" in printed
    assert "截止：" in printed
    assert "2024年10月30日" not in printed  # the publication line
    assert "广东省服装服饰行业协会召开年度总结会" in printed  # the title is no time of day
    assert "截止：请报名参加培训" in printed  # nor 前
