"""The timeline page in a real headless Chromium (Debian's, through Playwright).

Pages are opened from ``file://`` as a user opening ``index.html`` would. Every
test records the page's requests, console errors, uncaught errors and dialogs,
and fails if any request leaves ``file://`` or anything went wrong (see the
``page`` fixture). ``make system-packages`` installs ``chromium`` and
``fonts-noto-cjk``; ``make test`` does it first.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import pytest

try:
    from test_html import (
        AUTO,
        CHAMBER,
        FURNITURE,
        SAMPLE_FEEDS,
        TEXTILE,
        hostile_table,
        sample_table,
    )
except ImportError:  # run as tests.test_browser
    from tests.test_html import (
        AUTO,
        CHAMBER,
        FURNITURE,
        SAMPLE_FEEDS,
        TEXTILE,
        hostile_table,
        sample_table,
    )

from exports.html import write_timeline

try:
    from chromium import ARTIFACTS, VIEWPORT, Watched, browser, open_page, page, watched
except ImportError:  # run as tests.test_browser
    from tests.chromium import ARTIFACTS, VIEWPORT, Watched, browser, open_page, page, watched

__all__ = ["Watched", "browser", "open_page", "page", "watched"]  # fixtures, shared


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    write_timeline(sample_table(), folder, SAMPLE_FEEDS)
    return folder


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    write_timeline(hostile_table(), folder, SAMPLE_FEEDS)
    return folder


def visible_event_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        "li.event:not([hidden])", "items => items.map(item => item.id.slice(6))"
    )


def association_box(page, name: str):
    return page.locator("label", has_text=name).locator('input[name="association"]')


def association_count(page, name: str) -> str:
    return page.locator("label", has_text=name).locator(".count").inner_text()


def ids_of(association: str) -> set[str]:
    table = sample_table()
    return set(table[table["association"] == association]["event_id"])


# --- filters ----------------------------------------------------------------------


def test_every_event_shows_at_first(page, site: Path) -> None:
    open_page(page, site)
    assert len(visible_event_ids(page)) == len(sample_table())
    assert page.inner_text("#shown-count") == str(len(sample_table()))


def test_association_filter_hides_the_others_and_updates_the_counts(page, site: Path) -> None:
    open_page(page, site)
    page.click("#associations-none")
    assert visible_event_ids(page) == []
    assert page.is_visible("#empty")
    association_box(page, TEXTILE).check()
    assert set(visible_event_ids(page)) == ids_of(TEXTILE)
    assert page.inner_text("#shown-count") == "3"
    assert not page.is_visible("#year-2019")  # a year with none of its events left
    # Counts follow the other filters: only one textile event mentions 选举.
    page.fill("#search", "选举")
    assert association_count(page, TEXTILE) == "1"
    assert association_count(page, AUTO) == "0"
    association_box(page, AUTO).check()
    assert visible_event_ids(page) == ["ev-0a1b2c3d4e5f6071"]
    page.fill("#search", "")
    assert association_count(page, AUTO) == "3"
    assert set(visible_event_ids(page)) == ids_of(TEXTILE) | ids_of(AUTO)


def test_search_finds_an_event_by_a_word_of_its_sentence(page, site: Path) -> None:
    open_page(page, site)
    page.fill("#search", "佛山")  # only in the sentence, not in the title
    assert visible_event_ids(page) == ["ev-2233445566778899"]
    assert page.inner_text("#shown-count") == "1"
    assert association_count(page, FURNITURE) == "1"
    assert page.is_visible("#event-ev-2233445566778899 mark")


def test_search_also_matches_the_document_name(page, site: Path) -> None:
    open_page(page, site)
    page.fill("#search", "CAAM-2021")  # case and width folded
    assert set(visible_event_ids(page)) == {"ev-5566778899aabbcc", "ev-66778899aabbccdd"}


def test_date_range_hides_events_outside_it(page, site: Path) -> None:
    open_page(page, site)
    page.fill("#date-from", "2023-01-01")
    page.fill("#date-to", "2023-12-31")
    # The new-year visit (2022-12-30 to 2023-01-02) overlaps the range.
    assert set(visible_event_ids(page)) == {
        "ev-8899aabbccddeeff",
        "ev-0a1b2c3d4e5f6071",
        "ev-1122334455667788",
    }
    assert association_count(page, CHAMBER) == "1"
    assert association_count(page, AUTO) == "0"
    assert not page.is_visible("#year-2019") and page.is_visible("#year-2023")
    page.click("#reset")
    assert len(visible_event_ids(page)) == len(sample_table())


def test_the_overview_dims_filtered_events(page, site: Path) -> None:
    open_page(page, site)
    page.fill("#search", "佛山")
    dimmed = page.eval_on_selector_all(".overview .ov-mark.off", "marks => marks.length")
    assert dimmed == len(sample_table()) - 1


# --- navigation -------------------------------------------------------------------


def in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and 0 <= box["y"] < VIEWPORT["height"] and box["height"] > 0


def test_a_permalink_scrolls_its_event_into_view(page, site: Path) -> None:
    open_page(page, site, fragment="#event-ev-33445566778899aa")  # the last event, 2024
    page.wait_for_function(
        "() => { const r = document.getElementById('event-ev-33445566778899aa')"
        ".getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }"
    )
    assert in_viewport(page, "#event-ev-33445566778899aa")
    assert page.evaluate("scrollY") > 0


def test_a_permalink_to_a_filtered_event_clears_the_filters(page, site: Path) -> None:
    open_page(page, site)
    page.fill("#search", "佛山")
    page.evaluate("location.hash = '#event-ev-33445566778899aa'")
    page.wait_for_function("() => !document.getElementById('event-ev-33445566778899aa').hidden")
    assert page.input_value("#search") == ""
    page.wait_for_function(
        "() => { const r = document.getElementById('event-ev-33445566778899aa')"
        ".getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }"
    )


def test_a_year_label_of_the_overview_jumps_to_that_year(page, site: Path) -> None:
    open_page(page, site)
    page.click('.overview a[href="#year-2024"]')
    page.wait_for_function(
        "() => { const r = document.getElementById('year-2024').getBoundingClientRect();"
        " return r.top >= 0 && r.top < innerHeight; }"
    )
    assert page.evaluate("location.hash") == "#year-2024"


def test_keyboard_reaches_the_search_box_and_the_association_filters(page, site: Path) -> None:
    open_page(page, site)
    reached = []
    for _ in range(20):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return e.id || (e.name ? e.name + '=' + e.value : e.tagName); }"
            )
        )
    assert "search" in reached
    assert "date-from" in reached and "date-to" in reached
    assert "association=0" in reached and "association=1" in reached
    assert reached.index("search") < reached.index("association=0")
    # Space toggles the focused association, as for any checkbox.
    page.focus('input[name="association"][value="0"]')
    page.keyboard.press("Space")
    assert page.inner_text("#shown-count") == str(len(sample_table()) - 3)


# --- nothing leaves the page ------------------------------------------------------


def test_no_request_leaves_file_urls(page, site: Path, watched: Watched) -> None:
    open_page(page, site)
    page.fill("#search", "协会")
    page.fill("#date-from", "2020-01-01")
    page.click("#associations-none")
    page.click("#associations-all")
    page.click('.overview a[href="#year-2021"]')
    open_page(page, site, "feeds.html")
    page.wait_for_load_state("networkidle")
    assert watched.requests, "the request listener saw nothing"
    assert watched.left_file() == []


def test_no_console_or_page_errors(page, site: Path, watched: Watched) -> None:
    open_page(page, site)
    page.fill("#search", "会")
    page.click("#reset")
    open_page(page, site, "feeds.html")
    assert watched.console_errors == [] and watched.page_errors == []


# --- print ------------------------------------------------------------------------


def pdf_text(page) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    # The CJK font's ToUnicode maps some glyphs to Kangxi radicals (⼤ for 大): fold them.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)), len(reader.pages)


def test_printing_gives_a_clean_chronology(page, site: Path) -> None:
    open_page(page, site)
    text, pages = pdf_text(page)
    assert "举办家具产业数字化转型论坛" in text  # an event's title
    assert "2019年" in text and "2024年" in text  # year headings
    assert "协会大事记" in text
    for control in ("全不选", "清除筛选", "日期范围", "订阅日历"):
        assert control not in text
    assert pages >= 6  # one page (at least) per year


# --- the screenshot ---------------------------------------------------------------


def test_sample_timeline_screenshot(page, site: Path) -> None:
    open_page(page, site)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "timeline.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000
    # Chinese is drawn with Noto CJK, not as missing-glyph boxes: ask Chromium which
    # platform font drew the heading's glyphs.
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    heading = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": heading})["fonts"]
    assert [font["familyName"] for font in fonts] == ["Noto Sans CJK SC"], fonts


# --- hostile text -----------------------------------------------------------------


def test_hostile_text_never_runs(page, hostile_site: Path, watched: Watched) -> None:
    open_page(page, hostile_site)
    page.fill("#search", "alert")
    page.click("#reset")
    page.hover("#event-ev-a000000000000001 h4")
    assert watched.dialogs == []
    # The page's own three scripts, and only data pieces of its search folder besides.
    sources = page.evaluate("Array.from(document.scripts, script => script.src)")
    assert sources.count("") == 3
    search = (hostile_site / "search").as_uri() + "/"
    assert all(source.startswith(search) for source in sources if source), sources
    assert page.inner_text("#event-ev-a000000000000001 h4") == "<script>alert(1)</script>"
    assert page.inner_text("#event-ev-a000000000000002 h4") == "{{ 7*7 }} 模板注入"
    assert page.locator("img, iframe, object, embed").count() == 0
    assert watched.left_file() == []


def test_a_javascript_address_is_not_a_link(page, hostile_site: Path) -> None:
    open_page(page, hostile_site)
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs and not [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript):", h, re.I)]
    assert page.locator("#event-ev-a000000000000001 .source a").count() == 0


def test_a_hostile_association_filters_like_any_other(page, hostile_site: Path) -> None:
    open_page(page, hostile_site)
    page.click("#associations-none")
    page.locator("label", has_text="alert(").locator("input").check()
    assert visible_event_ids(page) == ["ev-a000000000000002"]


def test_bidirectional_text_is_isolated(page, hostile_site: Path) -> None:
    open_page(page, hostile_site)
    style = page.eval_on_selector(
        "#event-ev-a000000000000003 h4 bdi", "bdi => getComputedStyle(bdi).unicodeBidi"
    )
    assert style == "isolate"


def test_a_ten_thousand_character_sentence_stays_inside_the_page(page, hostile_site: Path) -> None:
    open_page(page, hostile_site)
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0


# --- feeds ------------------------------------------------------------------------


def test_feed_links_from_a_file_stay_plain_downloads(page, site: Path) -> None:
    open_page(page, site, "feeds.html")
    hrefs = page.eval_on_selector_all(
        "a.subscribe", "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs == ["feeds/all.ics", "feeds/shan-tou-shi.ics"]
    assert page.is_visible("#local-note")  # says subscribing needs the page on a website


def test_feed_links_served_over_http_become_webcal(browser, site: Path) -> None:
    # The page is served by Playwright's router: no request reaches any network.
    context = browser.new_context(viewport=VIEWPORT)
    served = []

    def serve(route) -> None:
        served.append(route.request.url)
        name = route.request.url.removeprefix("http://timeline.test/") or "index.html"
        file = site / name
        if file.is_file():
            route.fulfill(body=file.read_bytes(), content_type="text/html; charset=utf-8")
        else:
            route.fulfill(status=404, body="")

    context.route("**/*", serve)
    try:
        page = context.new_page()
        page.goto("http://timeline.test/feeds.html")
        hrefs = page.eval_on_selector_all(
            "a.subscribe", "links => links.map(a => a.getAttribute('href'))"
        )
        assert hrefs == [
            "webcal://timeline.test/feeds/all.ics",
            "webcal://timeline.test/feeds/shan-tou-shi.ics",
        ]
        assert not page.is_visible("#local-note")
        page.goto("http://timeline.test/index.html")
        assert page.get_attribute(".feeds a.subscribe", "href") == (
            "webcal://timeline.test/feeds/all.ics"
        )
        assert all(url.startswith("http://timeline.test/") for url in served)
    finally:
        context.close()
