"""A site too large for one page: the first page, year and association pages, search pieces.

A table of :data:`EVENTS` events over 2010–2024 (more than the first page shows
and more than the overview draws one by one) is published with
:func:`exports.html.write_timeline` and opened from ``file://`` in the real
headless Chromium: the first page holds only the newest events, a year's events
appear once the reader goes to its page, search finds an event of any year
through the index's pieces, a year's page prints that year alone, and axe-core,
the keyboard and a 360 px screen are checked on each kind of page. The sizes of
the pieces are checked in Python: the first page does not grow with the corpus.
"""

from __future__ import annotations

import gc
import itertools
import json
import random
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

try:
    from chromium import PHONE, Watched, axe_violations, browser, needs_axe, page, watched
    from test_html import AUTO, CHAMBER, FURNITURE, TEXTILE, event
except ImportError:  # run as tests.test_page_pieces
    from tests.chromium import PHONE, Watched, axe_violations, browser, needs_axe, page, watched
    from tests.test_html import AUTO, CHAMBER, FURNITURE, TEXTILE, event

from exports.html import FIRST_PAGE_EVENTS, MARK_LIMIT, write_timeline
from exports.overview_bins import BinCounts
from exports.page_pieces import digest_bytes
from exports.search_index import (
    CHUNK,
    SEARCH_SPAN,
    SPAN_SHARD_BYTES,
    fold,
    grams,
    shard_count,
    shard_of,
)
from exports.site_pages import _Output, _Site
from timeline.slugs import slugify

__all__ = ["Watched", "browser", "page", "watched"]  # fixtures, shared

EVENTS = 1_700
ASSOCIATIONS = [TEXTILE, FURNITURE, AUTO, CHAMBER]
NEEDLE = "ev-needle0000000001"  # an event of 2011, far from the first page
NEEDLE_WORDS = "青瓷非遗"


def big_table(events: int = EVENTS, first_year: int = 2010, years: int = 15) -> pd.DataFrame:
    rows = []
    for i in range(events):
        day = date(first_year + i * years // events, 1 + i % 12, 1 + i % 28)
        rows.append(
            event(
                f"ev-{i:016x}",
                ASSOCIATIONS[i % 4],
                day,
                day,
                "day",
                f"第{i}次理事会",
                f"{day.month}月{day.day}日，协会召开第{i}次理事会，审议年度工作报告。",
                f"{day.month}月{day.day}日",
                doc=f"doc-{i % 50}.txt",
            )
        )
    rows.append(
        event(
            NEEDLE,
            FURNITURE,
            date(2011, 6, 18),
            date(2011, 6, 18),
            "day",
            "举办青瓷非遗展览",
            "6月18日，协会举办青瓷非遗展览。",
            "6月18日",
        )
    )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("big-site")
    write_timeline(big_table(), folder)
    return folder


def open_site(page, folder: Path, name: str = "index.html") -> None:
    page.goto((folder / name).as_uri())
    page.wait_for_selector("#controls:not([hidden])")


def pieces(watched: Watched) -> list[str]:
    return [url.rsplit("/", 2)[-2] + "/" + url.rsplit("/", 1)[-1] for url in watched.requests]


# --- in Python: what is written, and how big ------------------------------------------


def test_the_first_page_holds_the_newest_events_and_links_the_years(big_site: Path) -> None:
    index = (big_site / "index.html").read_text(encoding="utf-8")
    assert index.count('<li class="event') == FIRST_PAGE_EVENTS
    assert f"event-ev-{EVENTS - 1:016x}" in index  # the newest
    assert NEEDLE not in index and "ev-0000000000000000" not in index
    assert 'href="years/2011.html"' in index
    year = (big_site / "years" / "2011.html").read_text(encoding="utf-8")
    assert f'id="event-{NEEDLE}"' in year
    assert {p.name for p in (big_site / "years").iterdir()} == {
        f"{y}.html" for y in range(2010, 2025)
    }
    association = big_site / "associations" / f"{slugify(FURNITURE)}.html"
    assert association.read_text(encoding="utf-8").count('<li class="event') == FIRST_PAGE_EVENTS


def test_an_association_s_year_pages_hold_every_one_of_its_events(big_site: Path) -> None:
    """A reviewer going through an association reaches every one of its events: its page
    (the newest 100) lists its years, each a page of all its events of that year."""
    table = big_table()
    for association in ASSOCIATIONS:
        slug = slugify(association)
        home = (big_site / "associations" / f"{slug}.html").read_text(encoding="utf-8")
        linked = re.findall(rf'href="({re.escape(slug)}-(\d{{4}})\.html)"', home)
        mine = table[table["association"] == association]
        years = sorted({day.year for day in mine["start"]})
        assert sorted({int(year) for _, year in linked}) == years
        found: set[str] = set()
        for name, year in dict(linked).items():
            page = (big_site / "associations" / name).read_text(encoding="utf-8")
            ids = re.findall(r'<li class="event[^"]*" id="event-([^"]+)"', page)
            assert len(ids) == len(set(ids)) > 0
            expected = mine[[day.year == int(year) for day in mine["start"]]]
            assert set(ids) == set(expected["event_id"])  # that year's, that association's
            assert f'href="{slug}.html"' in page  # back to the association's page
            found |= set(ids)
        assert found == set(mine["event_id"])
    assert NEEDLE in (big_site / "associations" / f"{slugify(FURNITURE)}-2011.html").read_text(
        encoding="utf-8"
    )


def test_the_overview_draws_counts_when_there_are_too_many_events(big_site: Path) -> None:
    assert EVENTS > MARK_LIMIT
    index = (big_site / "index.html").read_text(encoding="utf-8")
    assert 'class="ov-mark day' not in index and 'class="ov-mark span' not in index
    assert index.count("ov-mark bin year-bin") == 4 * 15  # an association and a year each
    assert 'class="ov-mark bin month-bin' not in index  # drawn from data when zoomed in
    assert '"monthBins":[[0,2010,2,10],' in index  # [lane, year, month, count]


def test_the_first_page_does_not_grow_with_the_corpus(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    write_timeline(big_table(2_000), small)
    write_timeline(big_table(5_000), large)
    first = (small / "index.html").stat().st_size
    second = (large / "index.html").stat().st_size
    assert second < first * 1.05, (first, second)
    for folder in (small, large):  # every piece stays small; there are more of them
        sizes = [path.stat().st_size for path in (folder / "search").iterdir()]
        assert max(sizes) < 200_000
    assert len(list((large / "search").iterdir())) > len(list((small / "search").iterdir()))
    year = (large / "years" / "2011.html").stat().st_size
    assert year < 5_000 / 15 * 2_000  # a year's page holds that year's events only


def test_the_page_writer_leaves_the_collector_as_it_found_it(tmp_path: Path) -> None:
    """The collector is paused while the pages are made (no cycle to find), then resumed:
    after a build, after a failed one, and not resumed when the caller had paused it."""
    table = big_table(300)
    assert gc.isenabled()
    write_timeline(table, tmp_path / "a")
    assert gc.isenabled()
    with pytest.raises(ValueError, match="none came"):  # feeds promised, none given
        write_timeline(table, tmp_path / "b", lambda: [], include_years=False)
    assert gc.isenabled()
    gc.disable()
    try:
        write_timeline(table, tmp_path / "c")
        assert not gc.isenabled()
    finally:
        gc.enable()


def _hashed_build(table: pd.DataFrame, out: Path, published: Path | None, cache: Path) -> dict:
    """The page writer's digests of a build (what ``write_timeline`` makes, its output kept)."""
    site = _Site(
        table,
        [],
        title="t",
        base_url=None,
        include_years=False,
        include_open=False,
        cache_folder=cache,
    )
    output = _Output(out, published, digests=True)
    site.build(output)
    return output.hashes


def test_the_page_writers_digests_cover_every_file_written_or_kept(tmp_path: Path) -> None:
    """Each file of the pages, written or taken as published (linked), has its digest."""
    table = big_table(400)
    cache, first, second, third = (tmp_path / name for name in ("cache", "a", "b", "c"))
    _hashed_build(table, first, None, cache)
    changed = table.copy()
    changed.loc[changed.index[5], "title"] = "改过的标题"
    for out, published, data in ((second, first, table), (third, second, changed)):
        hashes = _hashed_build(data, out, published, cache)
        files = {
            path.relative_to(out).as_posix(): digest_bytes(path.read_bytes())
            for path in out.rglob("*")
            if path.is_file()
        }
        assert hashes == files
        linked = [name for name in files if (out / name).samefile(published / name)]
        assert linked  # kept pieces among them
    assert len(linked) < len(files)  # and, after the change, written ones


def test_a_rebuild_removes_the_pages_of_years_that_are_gone(tmp_path: Path) -> None:
    write_timeline(big_table(300), tmp_path)
    assert (tmp_path / "years" / "2010.html").exists()
    write_timeline(big_table(300, first_year=2015, years=3), tmp_path)
    assert sorted(p.name for p in (tmp_path / "years").iterdir()) == [
        "2011.html",  # the needle's
        "2015.html",
        "2016.html",
        "2017.html",
    ]


def test_the_page_and_the_index_fold_and_shard_alike() -> None:
    assert fold("ＡＢ  Ｃ") == "ab c"
    assert grams("青瓷 非遗") == {"青瓷", "非遗"}
    assert shard_count(10) == 1 and shard_count(1_000_000) == 1024
    # The page's hash (Math.imul(h, 31) + code unit, unsigned) over UTF-16 code units.
    assert shard_of("青瓷", 1 << 30) == (0x9752 * 31 + 0x74F7) % (1 << 30)
    assert shard_of("😀a", 2**32) == ((0xD83D * 31 + 0xDE00) * 31 + 0x61) % 2**32


# --- in Chromium ------------------------------------------------------------------------


def test_a_years_events_appear_only_after_going_there(page, big_site: Path, watched) -> None:
    open_site(page, big_site)
    assert page.locator(f"#event-{NEEDLE}").count() == 0
    assert not [p for p in pieces(watched) if p.startswith("years/")]
    assert not [p for p in pieces(watched) if p.startswith("search/p")]  # no search yet
    page.click('nav.years a[href="years/2011.html"]')
    page.wait_for_selector("#controls:not([hidden])")
    assert page.url.endswith("/years/2011.html")
    assert page.locator(f"#event-{NEEDLE}").is_visible()
    assert set(page.eval_on_selector_all("section.year", "s => s.map(x => x.id)")) == {"year-2011"}


def test_search_finds_an_event_of_a_year_not_on_the_first_page(
    page, big_site: Path, watched
) -> None:
    open_site(page, big_site)
    page.fill("#search", NEEDLE_WORDS)
    page.wait_for_selector(f'#results[data-query="{fold(NEEDLE_WORDS)}"]')
    links = page.locator("#results-list a")
    assert links.count() == 1
    assert links.first.get_attribute("href") == f"years/2011.html#event-{NEEDLE}"
    shards = [p for p in pieces(watched) if re.fullmatch(r"search/p\d+g\d+\.js", p)]
    years = big_table()["start"].map(lambda day: day.year)
    per_span = (years - years % SEARCH_SPAN).value_counts()
    needed = {  # each span's shards of the query's pairs, and no other
        f"search/p{span}g{shard_of(g, shard_count(count, SPAN_SHARD_BYTES))}.js"
        for span, count in per_span.items()
        for g in grams(fold(NEEDLE_WORDS))
    }
    assert sorted(shards) == sorted(needed)
    # summaries: only the chunk of the needle's span that holds it
    summaries = [p for p in pieces(watched) if re.fullmatch(r"search/p\d+e\d+\.js", p)]
    span = 2011 - 2011 % SEARCH_SPAN
    starts = big_table()["start"]
    place = int(((years >= span) & (starts < date(2011, 6, 18))).sum())  # ties: none that day
    assert summaries == [f"search/p{span}e{place // CHUNK}.js"]
    links.first.click()
    page.wait_for_selector("#controls:not([hidden])")
    assert page.locator(f"#event-{NEEDLE}").is_visible()


def test_search_leaves_out_the_events_of_the_page_itself(page, big_site: Path, watched) -> None:
    # A year's page holds its whole year: the year's places are skipped in the index,
    # before any summary is read; the needle, on this page, is no result of another.
    open_site(page, big_site, "years/2011.html")
    page.fill("#search", NEEDLE_WORDS)
    page.wait_for_selector(f'#results[data-query="{fold(NEEDLE_WORDS)}"]', state="attached")
    assert page.locator("#results-list a").count() == 0
    assert not [p for p in pieces(watched) if re.fullmatch(r"search/p\d+e\d+\.js", p)]
    page.fill("#search", "理事会")
    page.wait_for_selector('#results[data-query="理事会"]')
    hrefs = page.eval_on_selector_all("#results-list a", "a => a.map(x => x.getAttribute('href'))")
    assert hrefs and not [href for href in hrefs if href.startswith("2011.html")]
    # Any other page: its own events are told by their id once their summaries are read.
    for name in ("index.html", f"associations/{slugify(FURNITURE)}-2011.html"):
        open_site(page, big_site, name)
        page.fill("#search", "理事会")
        page.wait_for_selector('#results[data-query="理事会"]')
        own = set(page.eval_on_selector_all("li.event", "items => items.map(i => i.id)"))
        hrefs = page.eval_on_selector_all(
            "#results-list a", "a => a.map(x => x.getAttribute('href'))"
        )
        assert own and hrefs and not {href.split("#", 1)[1] for href in hrefs} & own, name


def test_search_results_follow_the_association_filter(page, big_site: Path) -> None:
    open_site(page, big_site)
    page.fill("#search", "理事会")
    page.wait_for_selector('#results[data-query="理事会"]')
    assert "至少" in page.inner_text("#results-status")  # more than it lists
    listed = "() => Array.from(document.querySelectorAll('#results-list .association'), n => n.textContent)"
    assert FURNITURE in page.evaluate(listed)
    page.locator("label", has_text=FURNITURE).locator("input").uncheck()
    page.wait_for_function(
        f"() => ({listed})().length > 0 && !({listed})().includes({FURNITURE!r})"
    )


def _prints_only(page, year: str) -> None:
    """In print, the open page shows events of ``year`` alone and none of its furniture."""
    page.emulate_media(media="print")
    visible_years = page.eval_on_selector_all(
        "li.event",
        "items => [...new Set(items.filter(i => i.offsetParent !== null)"
        ".map(i => i.querySelector('time').getAttribute('datetime').slice(0, 4)))]",
    )
    assert visible_years == [year]
    for hidden in (".sidebar", "nav.years", "#results", ".crumbs"):
        assert not page.locator(hidden).first.is_visible(), hidden


def test_a_year_page_prints_that_year_only(page, big_site: Path) -> None:
    open_site(page, big_site, "years/2011.html")
    _prints_only(page, "2011")


def test_the_keyboard_goes_from_an_association_to_its_events_of_a_year(
    page, big_site: Path
) -> None:
    slug = slugify(FURNITURE)
    open_site(page, big_site, f"associations/{slug}.html")
    assert page.locator(f"#event-{NEEDLE}").count() == 0  # 2011: not among the newest
    reached = ""
    for _ in range(120):
        page.keyboard.press("Tab")
        reached = page.evaluate("() => document.activeElement.getAttribute('href') || ''")
        if reached == f"{slug}-2011.html":
            break
    assert reached == f"{slug}-2011.html"
    page.keyboard.press("Enter")
    page.wait_for_selector("#controls:not([hidden])")
    assert page.url.endswith(f"/associations/{slug}-2011.html")
    assert page.locator(f"#event-{NEEDLE}").is_visible()
    assert set(page.eval_on_selector_all("section.year", "s => s.map(x => x.id)")) == {"year-2011"}
    _prints_only(page, "2011")


def test_an_overview_count_is_a_link_the_keyboard_reaches(page, big_site: Path) -> None:
    open_site(page, big_site)
    page.fill("#search", NEEDLE_WORDS)
    page.wait_for_selector("#results-list a")
    page.focus("#search")
    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return (e.getAttribute('class') || '') + ' ' + (e.getAttribute('href') || ''); }"
            )
        )
    assert any(f"years/2011.html#event-{NEEDLE}" in r for r in reached)  # a search result
    assert any(r.startswith("ov-mark bin") for r in reached)  # a count of the overview
    bin_ = page.locator(".ov-mark.year-bin").first
    bin_.focus()
    assert page.locator("#ov-tip").is_visible() and "条" in page.inner_text("#ov-tip")
    page.keyboard.press("Enter")
    page.wait_for_selector("#controls:not([hidden])")
    assert "/years/" in page.url


def test_zooming_in_shows_counts_per_month(page, big_site: Path) -> None:
    open_site(page, big_site)
    shown = "m => m.filter(x => x.style.display !== 'none').length"
    assert page.eval_on_selector_all(".ov-mark.month-bin", shown) == 0
    for _ in range(3):
        page.click("#ov-zoom-in")
    assert page.eval_on_selector_all(".ov-mark.month-bin", shown) > 0
    assert page.eval_on_selector_all(".ov-mark.year-bin", shown) == 0
    month = page.locator(".ov-mark.month-bin").first  # a link to its month of its year's page
    assert month.get_attribute("href").startswith("years/2")
    assert "#month-" in month.get_attribute("href")


@pytest.mark.parametrize(
    "name", ["index.html", "years/2011.html", "associations/", "associations/-2011"]
)
def test_no_sideways_scroll_at_360_px(browser, big_site: Path, name: str) -> None:
    if name.startswith("associations/"):  # an association's page, or its page of 2011
        name = f"associations/{slugify(FURNITURE)}{name.removeprefix('associations/')}.html"
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=2)
    try:
        page = context.new_page()
        open_site(page, big_site, name)
        page.click("#controls > summary")  # folded on a phone
        page.fill("#search", "理事会")
        page.wait_for_selector('#results[data-query="理事会"]')
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


@needs_axe
@pytest.mark.parametrize(
    "name", ["index.html", "years/2011.html", "associations/", "associations/-2011"]
)
def test_axe_finds_no_serious_violation_on_each_kind_of_page(
    browser, big_site: Path, name: str
) -> None:
    if name.startswith("associations/"):  # an association's page, or its page of 2011
        name = f"associations/{slugify(FURNITURE)}{name.removeprefix('associations/')}.html"
    assert axe_violations(browser, big_site, {"width": 1280, "height": 900}, name) == []


def _piece_data(path: Path):
    """The data a piece script hands the page (``timelinePiece(name, data);``)."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text[text.index(",") + 1 : text.rindex(")")])


def test_each_shard_holds_a_section_per_year_read_as_places_in_the_span(
    big_site: Path,
) -> None:
    """A shard's sections, read as the page reads them (each year's places after the
    events of the span's earlier years), are exactly the pairs of every event's folded
    text (the summaries' last field), at its place in the span."""
    search = big_site / "search"
    spans = _piece_data(search / "years.js")["spans"]
    assert spans
    for first, shards, years in spans:
        summaries = []
        for chunk in range(-(-sum(count for _, count in years) // CHUNK)):
            summaries += _piece_data(search / f"p{first}e{chunk}.js")
        expected: dict[str, list[int]] = {}
        for place, row in enumerate(summaries):
            for gram in grams(row[5]):
                expected.setdefault(gram, []).append(place)
        found: dict[str, list[int]] = {}
        for shard in range(shards):
            sections = _piece_data(search / f"p{first}g{shard}.js")
            assert len(sections) == len(years)
            start = 0
            for section, (_, count) in zip(sections, years, strict=True):
                for gram, deltas in section.items():
                    assert shard_of(gram, shards) == shard
                    places = [start + place for place in itertools.accumulate(deltas)]
                    assert all(start <= place < start + count for place in places)
                    found.setdefault(gram, []).extend(places)
                start += count
        assert found == expected


def test_bins_counted_at_once_are_the_bins_added_one_by_one() -> None:
    """The overview's counts of a large corpus, made without a call per event."""
    rng = random.Random(5)
    lanes = [rng.randrange(6) for _ in range(3000)]
    starts = [date(rng.randrange(1999, 2031), rng.randrange(1, 13), 1) for _ in lanes]
    one_by_one = BinCounts()
    for lane, start in zip(lanes, starts, strict=True):
        one_by_one.add(lane, start)
    at_once = BinCounts.counted(iter(lanes), iter(starts))
    assert at_once.total == one_by_one.total == 3000
    assert at_once.marks() == one_by_one.marks()
    assert at_once.month_counts() == one_by_one.month_counts() != []
    assert (at_once.first_year, at_once.last_year) == (one_by_one.first_year, 2030)
