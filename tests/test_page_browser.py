"""The timeline page as a reader meets it, in the real headless Chromium.

The overview zooms and pans and its marks lead to their cards; chip counts
follow the filters; colours stay with their association; the highlighted date
is the mention's own; the page works at 360 px; cards are reviewed in the page
and the downloaded reviews.csv is applied by ``timeline build``; axe-core finds
no serious or critical violation. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

try:
    from chromium import (
        ARTIFACTS,
        PHONE,
        Watched,
        axe_violations,
        browser,
        needs_axe,
        open_page,
        page,
        watched,
    )
    from test_html import FURNITURE, SAMPLE_FEEDS, TEXTILE, event, sample_table
except ImportError:  # run as tests.test_page_browser
    from tests.chromium import (
        ARTIFACTS,
        PHONE,
        Watched,
        axe_violations,
        browser,
        needs_axe,
        open_page,
        page,
        watched,
    )
    from tests.test_html import FURNITURE, SAMPLE_FEEDS, TEXTILE, event, sample_table

from exports.html import write_timeline
from timeline.cli import app
from timeline.reviews import Review, apply_reviews
from timeline.table import build_events

__all__ = ["Watched", "browser", "page", "watched"]  # fixtures, shared

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "corpus"
runner = CliRunner()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("page-site")
    write_timeline(sample_table(), folder, SAMPLE_FEEDS)
    return folder


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory) -> Path:
    """The sample corpus published by the command line, as `make sample` does."""
    out = tmp_path_factory.mktemp("corpus-site") / "public"
    result = runner.invoke(app, ["build", str(CORPUS), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    return out


def view_range(page) -> tuple[date, date]:
    first = page.get_attribute("#overview", "data-view-from")
    last = page.get_attribute("#overview", "data-view-to")
    return date.fromisoformat(first), date.fromisoformat(last)


def days(span: tuple[date, date]) -> int:
    return (span[1] - span[0]).days + 1


def card_top(page, event_id: str) -> float:
    return page.evaluate(f"document.getElementById('event-{event_id}').getBoundingClientRect().top")


# --- the overview -----------------------------------------------------------------


def test_zoom_and_pan_change_the_visible_range(page, corpus_site: Path) -> None:
    open_page(page, corpus_site)
    whole = view_range(page)
    assert whole == (date(2019, 1, 1), date(2025, 12, 31))
    assert page.inner_text("#ov-range") == "2019年—2025年"
    page.click("#ov-zoom-in")
    page.click("#ov-zoom-in")
    zoomed = view_range(page)
    assert days(zoomed) < days(whole) / 3
    page.click("#ov-right")
    panned = view_range(page)
    assert panned[0] > zoomed[0] and abs(days(panned) - days(zoomed)) <= 1
    # Keys, once the overview has the focus: ← pans back, + zooms in, 0 shows all.
    page.focus("#ov-plot")
    page.keyboard.press("ArrowLeft")
    assert view_range(page)[0] < panned[0]
    for _ in range(8):
        page.keyboard.press("+")
    close = view_range(page)
    assert days(close) <= 15  # down to days
    assert "日" in page.inner_text("#ov-range")
    labels = page.eval_on_selector_all("#ov-ticks text", "t => t.map(x => x.textContent)")
    assert any(label.endswith("日") for label in labels)  # day ticks
    page.keyboard.press("0")
    assert view_range(page) == whole
    # The wheel zooms around the pointer.
    box = page.locator("#ov-plot").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -600)
    assert days(view_range(page)) < days(whole)
    # A drag pans.
    before = view_range(page)
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 10, steps=5)
    page.mouse.up()
    assert view_range(page)[0] > before[0]


def test_marks_outside_the_range_leave_the_tab_order(page, corpus_site: Path) -> None:
    open_page(page, corpus_site)
    shown = page.eval_on_selector_all(
        ".ov-mark", "m => m.filter(x => x.style.display !== 'none').length"
    )
    for _ in range(5):
        page.click("#ov-zoom-in")
    fewer = page.eval_on_selector_all(
        ".ov-mark", "m => m.filter(x => x.style.display !== 'none').length"
    )
    assert 0 < fewer < shown


def test_zoomed_overview_screenshot(page, corpus_site: Path) -> None:
    open_page(page, corpus_site)
    page.click("#ov-zoom-in")
    page.click("#ov-zoom-in")
    page.click("#ov-zoom-in")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "overview-zoomed.png"
    page.locator("#overview").screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def test_clicking_a_mark_scrolls_to_its_card_and_highlights_it(page, site: Path) -> None:
    open_page(page, site)
    target = "ev-33445566778899aa"  # the last event, far below
    page.locator(f'.ov-mark[href="#event-{target}"]').click()
    page.wait_for_function(
        f"() => {{ const r = document.getElementById('event-{target}').getBoundingClientRect();"
        " return r.top >= 0 && r.top < innerHeight; }"
    )
    highlighted = page.eval_on_selector(
        f"#event-{target}", "e => e.matches(':target') && getComputedStyle(e).boxShadow"
    )
    assert highlighted and highlighted != "none"


def test_a_mark_is_labelled_on_hover_and_on_focus(page, site: Path) -> None:
    open_page(page, site)
    mark = page.locator('.ov-mark[href="#event-ev-2233445566778899"]')
    label = mark.locator("title").text_content()
    assert mark.get_attribute("aria-label") is None  # no document text in attributes
    assert "举办家具产业数字化转型论坛" in label and FURNITURE in label
    mark.hover()
    assert page.is_visible("#ov-tip") and page.inner_text("#ov-tip") == label
    page.mouse.move(0, 0)
    assert not page.is_visible("#ov-tip")
    mark.focus()
    assert page.is_visible("#ov-tip") and page.inner_text("#ov-tip") == label
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash === '#event-ev-2233445566778899'")


def test_day_marks_are_drawn_over_year_spans(page, site: Path) -> None:
    open_page(page, site)
    # The centre of every day mark is a day mark (this one or another day of the same
    # lane), never a span of a month or a year behind it.
    hit = page.evaluate(
        """() => [...document.querySelectorAll('.ov-mark.day')].every(mark => {
            const r = mark.getBoundingClientRect();
            const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return at && at.closest('.ov-mark.day') !== null;
        })"""
    )
    assert hit


# --- the list ---------------------------------------------------------------------


def test_year_chip_counts_follow_the_filters(page, site: Path) -> None:
    open_page(page, site)
    table = sample_table()
    in_2023 = sum(1 for d in table["start"] if d.year == 2023)
    assert page.inner_text('[data-year-count="2023"]') == str(in_2023)
    page.fill("#search", "佛山")  # one event, of 2020
    assert page.inner_text('[data-year-count="2020"]') == "1"
    assert page.inner_text('[data-year-count="2023"]') == "0"
    page.fill("#search", "")
    page.click("#associations-none")
    page.locator("label", has_text=TEXTILE).locator("input").check()
    textile = sample_table()[sample_table()["association"] == TEXTILE]
    for year, count in textile.groupby(textile["start"].map(lambda d: d.year)).size().items():
        assert page.inner_text(f'[data-year-count="{year}"]') == str(count)
    assert page.inner_text("#filter-summary") == f"显示 {len(textile)} / {len(sample_table())}"


def _colours(page) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.association-list label')]
            .map(l => [l.textContent.replace(/\\d+$/, '').trim(),
                       getComputedStyle(l.querySelector('.swatch')).backgroundColor]))"""
    )


def test_a_colour_stays_with_its_association_after_a_rejection(page, tmp_path: Path) -> None:
    table = sample_table()
    write_timeline(table, tmp_path / "before")
    # Rejecting every event but one of the busiest association changes the ranking.
    textile = list(table[table["association"] == TEXTILE]["event_id"])
    rejected, _ = apply_reviews(table, [Review(e, "rejected") for e in textile[1:]])
    write_timeline(rejected, tmp_path / "after")
    open_page(page, tmp_path / "before")
    before = _colours(page)
    lane_before = page.eval_on_selector_all(".ov-lanes bdi", "b => b.map(x => x.textContent)")
    open_page(page, tmp_path / "after")
    after = _colours(page)
    lane_after = page.eval_on_selector_all(".ov-lanes bdi", "b => b.map(x => x.textContent)")
    assert lane_before != lane_after  # the order changed …
    assert before == after  # … the colours did not
    assert len(set(before.values())) > 1


def test_the_highlighted_date_is_the_mentions_own_span(page, tmp_path: Path) -> None:
    sentence = "2023年3月15日，协会筹备2023年年会，议定年会在2023年12月召开。"
    table = pd.DataFrame(
        [
            event(
                "ev-0000000000000001",
                TEXTILE,
                date(2023, 1, 1),
                date(2023, 12, 31),
                "year",
                "筹备年会",
                sentence,
                "2023年",
            )
        ]
    )
    write_timeline(table, tmp_path)
    open_page(page, tmp_path)
    quote = page.locator("#event-ev-0000000000000001 blockquote")
    assert quote.locator("mark").inner_text() == "2023年"
    before = quote.evaluate("q => q.querySelector('mark').previousSibling.textContent")
    assert before == "2023年3月15日，协会筹备"


def test_titles_are_cut_at_a_boundary_with_the_full_title_on_hover(page, tmp_path: Path) -> None:
    long = "协会组织会员企业参加第十二届中国国际纺织服装博览会，展示新产品新技术并签订合作协议"
    table = pd.DataFrame(
        [
            event(
                "ev-0000000000000002",
                TEXTILE,
                date(2023, 3, 1),
                date(2023, 3, 1),
                "day",
                long,
                "3月1日，" + long + "。",
                "3月1日",
            )
        ]
    )
    write_timeline(table, tmp_path)
    open_page(page, tmp_path)
    title = page.locator("#event-ev-0000000000000002 h4")
    assert title.inner_text() == "协会组织会员企业参加第十二届中国国际纺织服装博览会…"
    assert title.get_attribute("title") == long


def test_the_page_says_which_events_are_in_the_feeds(page, corpus_site: Path) -> None:
    open_page(page, corpus_site)
    all_ics = (corpus_site / "feeds" / "all.ics").read_text(encoding="utf-8")
    in_feeds = all_ics.count("BEGIN:VEVENT")  # the feed itself is the oracle
    table = pd.read_csv(corpus_site / "events.csv", dtype=str, keep_default_na=False)
    shown = table[table["role"] != "published"]  # publication lines are no cards
    years = int(shown["granularity"].isin(["year", "decade"]).sum())
    summary = page.inner_text(".masthead .summary")
    assert f"共 {len(shown)} 条事件" in summary
    assert f"{in_feeds} 条在日历订阅中" in summary
    note = page.inner_text(".calendar-note")
    assert f"日历订阅中有 {in_feeds} 条事件" in note and f"{years} 条只精确到年" in note
    assert page.locator(".no-feed").count() == len(shown) - in_feeds
    open_page(page, corpus_site, "feeds.html")
    assert f"日历订阅中有 {in_feeds} 条事件" in page.inner_text("#calendar-note")


# --- a phone ----------------------------------------------------------------------


def test_at_360_px_no_sideways_scroll_and_the_first_event_within_one_screen(
    browser, corpus_site: Path
) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=2)
    try:
        page = context.new_page()
        open_page(page, corpus_site)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        first = page.locator("li.event").first.bounding_box()
        assert first["y"] < PHONE["height"] - 40, first
        assert not page.evaluate("document.getElementById('controls').open")  # filters folded
        page.click("#controls > summary")
        assert page.is_visible("#search")
        # Lane labels stay readable: at least 10 px text.
        size = page.eval_on_selector(
            ".ov-lanes li", "li => parseFloat(getComputedStyle(li).fontSize)"
        )
        assert size >= 10
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        assert page.is_visible(".to-top")
        page.click(".to-top")
        page.wait_for_function("() => scrollY < 50")
        ARTIFACTS.mkdir(exist_ok=True)
        page.click("#controls > summary")  # folded again, as a reader arrives
        page.screenshot(path=str(ARTIFACTS / "timeline-phone.png"))
    finally:
        context.close()


def test_desktop_screenshot(page, corpus_site: Path) -> None:
    open_page(page, corpus_site)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "timeline-desktop.png"))
    assert (ARTIFACTS / "timeline-desktop.png").stat().st_size > 20_000


# --- reviewing in the page --------------------------------------------------------


def test_marking_cards_downloading_reviews_csv_and_build_applying_it(
    browser, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    out = tmp_path / "public"
    assert runner.invoke(app, ["build", str(corpus), "-o", str(out), "-q"]).exit_code == 0
    table = pd.read_csv(out / "events.csv", dtype=str, keep_default_na=False)
    rejected, corrected, confirmed = table["event_id"].iloc[[0, 1, 2]]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        open_page(page, out)
        card = page.locator(f"#event-{rejected}")
        card.get_by_role("button", name="拒绝").click()
        assert card.get_by_role("button", name="拒绝").get_attribute("aria-pressed") == "true"
        page.locator(f"#event-{confirmed}").get_by_role("button", name="确认").click()
        fix = page.locator(f"#event-{corrected}")
        fix.get_by_role("button", name="更正…").click()
        fix.get_by_label("开始").fill("2020-05-06")
        fix.get_by_label("结束").fill("2020-05-07")
        fix.get_by_label("标题", exact=True).fill("页面里改过的标题")
        fix.get_by_role("button", name="保存更正").click()
        assert "页面里改过的标题" in fix.locator(".review-state").inner_text()
        # Kept in the browser: a reload shows the marks again.
        page.reload()
        page.wait_for_selector("#controls:not([hidden])")
        assert "已拒绝" in page.locator(f"#event-{rejected} .review-state").inner_text()
        assert page.inner_text("#review-summary") == "已标记 3 条"
        page.click("#review-panel > summary")
        with page.expect_download() as download:
            page.click("#review-download")
        assert download.value.suggested_filename == "reviews.csv"
        saved = corpus / "reviews.csv"
        download.value.save_as(saved)
    finally:
        context.close()
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert {row["event_id"]: row["status"] for row in rows} == {
        rejected: "rejected",
        corrected: "corrected",
        confirmed: "confirmed",
    }
    rebuilt = runner.invoke(app, ["build", str(corpus), "-o", str(out), "-q"])
    assert rebuilt.exit_code == 0, rebuilt.stderr
    after = pd.read_csv(out / "events.csv", dtype=str, keep_default_na=False).set_index("event_id")
    assert rejected not in after.index
    assert after.loc[corrected, ["start", "end", "title", "status"]].tolist() == [
        "2020-05-06",
        "2020-05-07",
        "页面里改过的标题",
        "corrected",
    ]
    assert after.loc[confirmed, "status"] == "confirmed"
    assert "页面里改过的标题" in (out / "index.html").read_text(encoding="utf-8")


def test_nothing_leaves_the_machine_while_reviewing(page, site: Path, watched: Watched) -> None:
    open_page(page, site)
    page.locator("li.event").first.get_by_role("button", name="确认").click()
    page.click("#review-panel > summary")
    with page.expect_download():
        page.click("#review-download")
    assert watched.left_file() == [] or all(
        url.startswith(("file://", "blob:")) for url in watched.requests
    )


# --- accessibility ----------------------------------------------------------------


@needs_axe
@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"]
)
def test_axe_finds_no_serious_violation_in_the_timeline(
    browser, corpus_site: Path, viewport
) -> None:
    assert axe_violations(browser, corpus_site, viewport) == []


@needs_axe
def test_axe_finds_no_serious_violation_in_the_feeds_page(browser, corpus_site: Path) -> None:
    assert axe_violations(browser, corpus_site, {"width": 1280, "height": 900}, "feeds.html") == []


@pytest.fixture(scope="module")
def archived_site(tmp_path_factory) -> Path:
    """The sample corpus with its years moved 20 years back for a part of it: yearly archives."""
    from exports.ics import build_feeds

    out = tmp_path_factory.mktemp("archived-site")
    table = build_events([CORPUS]).table
    older = table.copy()
    older["event_id"] = older["event_id"] + "-old"
    for column in ("start", "end", "published"):
        older[column] = older[column].map(
            lambda day: (
                day.replace(year=day.year - 20, day=min(day.day, 28))
                if isinstance(day, date)
                else day
            )
        )
    table = pd.concat([table, older], ignore_index=True)
    feeds = build_feeds(table, out)
    assert any(feed.year for feed in feeds)
    write_timeline(table, out, feeds)
    return out


@needs_axe
@pytest.mark.parametrize("name", ["feeds.html", "index.html"])
def test_axe_finds_no_serious_violation_with_yearly_archives(
    browser, archived_site: Path, name: str
) -> None:
    assert "archive-heading" in (archived_site / name).read_text(encoding="utf-8")
    assert axe_violations(browser, archived_site, PHONE, name) == []


def test_keyboard_reaches_the_zoom_buttons_the_marks_and_the_review_buttons(
    page, site: Path
) -> None:
    open_page(page, site)
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return e.id || e.getAttribute('data-verdict') || e.getAttribute('class') || e.tagName; }"
            )
        )
    assert {"ov-zoom-in", "ov-zoom-out", "ov-left", "ov-right", "ov-all", "ov-plot"} <= set(reached)
    assert any(str(r).startswith("ov-mark") for r in reached)
    assert "confirmed" in reached


def test_two_fingers_spreading_zoom_in_on_a_phone(browser, corpus_site: Path) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        open_page(page, corpus_site)
        whole = view_range(page)
        box = page.locator("#ov-plot").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + 60
        cdp = context.new_cdp_session(page)

        def touch(kind: str, gap: float) -> None:
            points = [{"x": x - gap, "y": y, "id": 1}, {"x": x + gap, "y": y, "id": 2}]
            cdp.send(
                "Input.dispatchTouchEvent",
                {"type": kind, "touchPoints": [] if kind == "touchEnd" else points},
            )

        touch("touchStart", 20)
        for gap in range(25, 100, 10):
            touch("touchMove", gap)
        touch("touchEnd", 0)
        assert days(view_range(page)) < days(whole) / 2
    finally:
        context.close()
