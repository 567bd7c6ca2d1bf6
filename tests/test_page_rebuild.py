"""The page rebuilt per piece: only what changed is rendered, and never anything stale.

Each test builds a site with :func:`exports.html.write_timeline` and a cache
folder, changes the table (a document added, removed or edited, an option or
the code changed, a published file damaged, the cache deleted), builds again
into a new folder that links the unchanged pieces from the first
(``published``), and compares the result with a fresh build without any cache,
byte for byte, file by file. Which pages were rendered is watched on the real
writer (its ``page`` method, wrapped, still does the work); which files changed
is read from the two folders (a piece taken unchanged is the published file,
hard-linked: the same inode).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from jinja2 import Environment

try:
    from test_html import AUTO, CHAMBER, FURNITURE, TEXTILE, event
except ImportError:  # run as tests.test_page_rebuild
    from tests.test_html import AUTO, CHAMBER, FURNITURE, TEXTILE, event

import exports.html
import exports.page_render
import exports.rebuild
import exports.search_postings
import exports.site_pages
from exports.html import write_timeline
from exports.page_pieces import row_keys
from exports.search_index import SEARCH_SPAN
from exports.site_writers import Writers, can_fork
from timeline.slugs import slugify

ASSOCIATIONS = [TEXTILE, FURNITURE, AUTO, CHAMBER]
YEARS = range(2015, 2021)
#: The document the tests add, remove or change: events of 2017 only, of one association
#: (whose page, its newest events, shows none of 2017).
DOC = "doc-7.txt"


def table(events: int = 1200, *, title: str = "第{i}次理事会") -> pd.DataFrame:
    rows = []
    for i in range(events):
        year = YEARS[i * len(YEARS) // events]
        day = date(year, 1 + i % 12, 1 + i % 28)
        doc = f"doc-{i % 40}.txt"
        association = ASSOCIATIONS[i % 4]
        if doc == DOC:
            day, association = date(2017, 1 + i % 12, 2), FURNITURE
        rows.append(
            event(
                f"ev-{i:05d}",
                association,
                day,
                day,
                "day",
                title.format(i=i),
                f"{day.month}月{day.day}日，协会召开第{i}次理事会。",
                f"{day.month}月{day.day}日",
                doc=doc,
                status="confirmed" if i % 97 == 0 else "",
            )
        )
    return pd.DataFrame(rows)


def files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}


def same_site(a: Path, b: Path) -> None:
    left, right = files(a), files(b)
    assert sorted(left) == sorted(right)
    different = [name for name in left if left[name].read_bytes() != right[name].read_bytes()]
    assert different == []


def changed(before: Path, after: Path) -> set[str]:
    """Files of ``after`` that are not ``before``'s own file (another inode) or are new."""
    old = files(before)
    return {
        name
        for name, path in files(after).items()
        if name not in old or path.stat().st_ino != old[name].stat().st_ino
    }


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The pages the writer renders, by kind and heading (the real method does the work)."""
    seen: list[str] = []
    page = exports.site_pages._Site.page

    def watched(self, kind, cards, **options):
        seen.append(f"{kind}:{options.get('heading', '')}")
        return page(self, kind, cards, **options)

    monkeypatch.setattr(exports.site_pages._Site, "page", watched)
    return seen


def rebuild(tmp_path: Path, before: pd.DataFrame, after: pd.DataFrame, **options) -> Path:
    """``before`` built with the cache, then ``after`` linked from it; returns after's folder."""
    cache = tmp_path / "cache"
    write_timeline(before, tmp_path / "a", cache_folder=cache)
    write_timeline(after, tmp_path / "b", published=tmp_path / "a", cache_folder=cache, **options)
    write_timeline(after, tmp_path / "fresh", **options)
    same_site(tmp_path / "b", tmp_path / "fresh")
    return tmp_path / "b"


def year_pieces(folder: Path, year: int) -> set[str]:
    """A year's page and the search pieces of its span of years."""
    span = year - year % SEARCH_SPAN
    return {
        name
        for name in files(folder)
        if name == f"years/{year}.html" or name.startswith(f"search/p{span}")
    }


SHARED = {"index.html", "search/years.js", "search/reviews.js"}


def association_pages(year: int) -> set[str]:
    """The associations' pages of ``year``, and the page (its newest events) of the
    association of the document the tests add, remove or change."""
    slugs = [slugify(name) for name in ASSOCIATIONS]
    return {f"associations/{slug}-{year}.html" for slug in slugs} | {
        f"associations/{slugify(FURNITURE)}.html"
    }


def test_adding_a_document_renders_its_year_and_association_only(tmp_path, rendered) -> None:
    full = table()
    without = full[full["doc"] != DOC].reset_index(drop=True)
    cache = tmp_path / "cache"
    write_timeline(without, tmp_path / "a", cache_folder=cache)
    rendered.clear()
    write_timeline(full, tmp_path / "b", published=tmp_path / "a", cache_folder=cache)
    # the associations' pages show their newest 100 events, all after 2017: not rendered;
    # of their pages of 2017 only the document's association's: an event's number does
    # not move when others are added (exports.page_numbers), the other pages are kept
    assert sorted(rendered) == [
        "association-year:" + FURNITURE + " · 2017年",
        "index:",
        "year:2017年",
    ]

    write_timeline(full, tmp_path / "fresh")
    same_site(tmp_path / "b", tmp_path / "fresh")
    touched = changed(tmp_path / "a", tmp_path / "b")
    allowed = SHARED | year_pieces(tmp_path / "b", 2017) | association_pages(2017)
    assert touched <= allowed and "years/2017.html" in touched
    assert f"associations/{slugify(FURNITURE)}-2017.html" in touched
    assert f"associations/{slugify(FURNITURE)}-2016.html" not in touched
    others = association_pages(2017) - {f"associations/{slugify(FURNITURE)}-2017.html"}
    assert not touched & others - {f"associations/{slugify(FURNITURE)}.html"}
    assert "years/2016.html" not in touched and "search/p2020e0.js" not in touched


def test_removing_a_document_gives_the_fresh_site(tmp_path, rendered) -> None:
    full = table()
    b = rebuild(tmp_path, full, full[full["doc"] != DOC].reset_index(drop=True))
    touched = changed(tmp_path / "a", b)
    assert touched <= SHARED | year_pieces(b, 2017) | association_pages(2017)


def test_additions_in_every_year_and_a_changed_row_give_the_fresh_site(tmp_path) -> None:
    """Pages and search pieces are joined from the bytes the kept cards hold: with text the
    page's data must escape (``</script>``, ``&``, line separators) in kept and new rows,
    events added to every year but 2020, a kept row's title changed and another row
    removed, the site is the fresh one; 2020's published page, edited by hand, is made
    again, not taken."""
    full = table(title="第{i}次</script>&\u2028会")
    years = [day.year for day in full["start"]]
    added = [i % 9 == 0 and year != 2020 for i, year in zip(range(len(full)), years, strict=True)]
    before = full[[not a for a in added]].reset_index(drop=True)
    cache = tmp_path / "cache"
    write_timeline(before, tmp_path / "a", cache_folder=cache)
    page = tmp_path / "a" / "years" / "2020.html"
    page.write_bytes(page.read_bytes().replace("第".encode(), "弟".encode(), 1))
    after = full.copy()
    after.loc[after.index[1], "title"] = "改过的</script>标题"
    after = after.drop(index=after.index[2]).reset_index(drop=True)
    write_timeline(after, tmp_path / "b", published=tmp_path / "a", cache_folder=cache)
    write_timeline(after, tmp_path / "fresh")
    same_site(tmp_path / "b", tmp_path / "fresh")
    assert changed(tmp_path / "a", tmp_path / "b") >= {f"years/{year}.html" for year in YEARS}
    text = (tmp_path / "b" / "years" / "2015.html").read_text(encoding="utf-8")
    assert "改过的&lt;/script&gt;标题" in text and "ev-00002" not in text


def test_changing_one_cell_renders_its_pieces_only(tmp_path, rendered) -> None:
    full = table()
    edited = full.copy()
    at = edited.index[edited["doc"] == DOC][0]
    edited.loc[at, "title"] = "改过的标题"
    cache = tmp_path / "cache"
    write_timeline(full, tmp_path / "a", cache_folder=cache)
    rendered.clear()
    write_timeline(edited, tmp_path / "b", published=tmp_path / "a", cache_folder=cache)
    assert "year:2017年" in rendered and "year:2016年" not in rendered
    write_timeline(edited, tmp_path / "fresh")
    same_site(tmp_path / "b", tmp_path / "fresh")
    assert "改过的标题" in (tmp_path / "b" / "years" / "2017.html").read_text(encoding="utf-8")


def test_a_new_year_or_an_option_renders_everything_again(tmp_path, rendered) -> None:
    full = table()
    b = rebuild(tmp_path, full, full, title="另一个标题")  # every page shows the title
    assert changed(tmp_path / "a", b) >= {f"years/{year}.html" for year in YEARS}
    grown = pd.concat([full, table(1).assign(event_id="ev-new", start=date(2030, 5, 1))])
    grown["end"] = grown["start"]
    rendered.clear()
    write_timeline(grown, tmp_path / "c", published=tmp_path / "b", cache_folder=tmp_path / "cache")
    assert len([page for page in rendered if page.startswith("year:")]) == len(YEARS) + 1
    write_timeline(grown, tmp_path / "fresh-c")
    same_site(tmp_path / "c", tmp_path / "fresh-c")


def test_other_code_renders_everything_again(tmp_path, rendered, monkeypatch) -> None:
    full = table()
    cache = tmp_path / "cache"
    write_timeline(full, tmp_path / "a", cache_folder=cache)
    monkeypatch.setattr(exports.rebuild, "code_version", lambda: "a template changed")
    rendered.clear()
    write_timeline(full, tmp_path / "b", published=tmp_path / "a", cache_folder=cache)
    assert len([page for page in rendered if page.startswith("year:")]) == len(YEARS)


def test_nothing_changed_renders_only_the_shared_pieces(tmp_path, rendered) -> None:
    full = table()
    cache = tmp_path / "cache"
    write_timeline(full, tmp_path / "a", cache_folder=cache)
    rendered.clear()
    write_timeline(full, tmp_path / "b", published=tmp_path / "a", cache_folder=cache)
    assert rendered == ["index:"]
    assert changed(tmp_path / "a", tmp_path / "b") == set()  # all linked, the shared ones too
    same_site(tmp_path / "a", tmp_path / "b")


def test_a_damaged_published_file_or_a_lost_cache_is_rendered_again(tmp_path, rendered) -> None:
    full = table()
    cache = tmp_path / "cache"
    write_timeline(full, tmp_path / "a", cache_folder=cache)
    (tmp_path / "a" / "years" / "2016.html").write_text("edited by hand", encoding="utf-8")
    shard = sorted((tmp_path / "a" / "search").glob("p2020g*.js"))[0]
    shard.unlink()
    rendered.clear()
    write_timeline(full, tmp_path / "b", published=tmp_path / "a", cache_folder=cache)
    assert sorted(page for page in rendered if page.startswith("year:")) == ["year:2016年"]
    assert (tmp_path / "b" / shard.relative_to(tmp_path / "a")).is_file()  # made again
    write_timeline(full, tmp_path / "fresh")
    same_site(tmp_path / "b", tmp_path / "fresh")
    for path in sorted(cache.rglob("*"), reverse=True):  # the cache deleted: all again
        path.rmdir() if path.is_dir() else path.unlink()
    rendered.clear()
    write_timeline(full, tmp_path / "c", published=tmp_path / "b", cache_folder=cache)
    assert len([page for page in rendered if page.startswith("year:")]) == len(YEARS)
    same_site(tmp_path / "c", tmp_path / "fresh")


def test_a_record_a_power_cut_left_gives_the_fresh_site(tmp_path) -> None:
    """The cache's record (``pieces.json``) is renamed into place without an fsync: after a
    power cut it may be empty, cut short, or the build's before. Each is read as it is
    (a piece is taken only when its fingerprint and its files' digests agree) and the
    next build is the fresh site."""
    full = table()
    without = full[full["doc"] != DOC].reset_index(drop=True)
    cache = tmp_path / "cache"
    write_timeline(without, tmp_path / "a", cache_folder=cache)
    older = (cache / "pieces.json").read_bytes()
    write_timeline(full, tmp_path / "b", published=tmp_path / "a", cache_folder=cache)
    newer = (cache / "pieces.json").read_bytes()
    write_timeline(full, tmp_path / "fresh")
    for number, record in enumerate((b"", newer[: len(newer) // 2], older)):
        (cache / "pieces.json").write_bytes(record)
        write_timeline(full, tmp_path / f"c{number}", published=tmp_path / "b", cache_folder=cache)
        same_site(tmp_path / f"c{number}", tmp_path / "fresh")


def test_a_card_kept_in_the_cache_is_the_card_made_again(tmp_path) -> None:
    """Every card of a rebuild comes from the cache, and the pages are those made afresh."""
    full = table()
    cache = tmp_path / "cache"
    write_timeline(full, tmp_path / "a", cache_folder=cache)
    (tmp_path / "a" / "years" / "2019.html").unlink()  # the page must be made, from kept cards
    write_timeline(full, tmp_path / "b", published=tmp_path / "a", cache_folder=cache)
    write_timeline(full, tmp_path / "fresh")
    same_site(tmp_path / "b", tmp_path / "fresh")


@pytest.fixture
def split(monkeypatch) -> list[str]:
    """The texts split into pairs for the search index (the real function does the work)."""
    seen: list[str] = []
    pairs = exports.search_postings._pair_postings

    def watched(texts, first, shards):
        seen.extend(texts)
        return pairs(texts, first, shards)

    monkeypatch.setattr(exports.search_postings, "_pair_postings", watched)
    return seen


def test_a_rebuild_splits_only_the_new_events_texts_into_pairs(tmp_path, split) -> None:
    """The 2010s span's index is made again for a document added to 2017, from the kept
    postings of every year: only the document's events are split into pairs."""
    full = table()
    added = full[full["doc"] == DOC]
    without = full[full["doc"] != DOC].reset_index(drop=True)
    edited = full.copy()
    edited.loc[edited.index[edited["doc"] == DOC][0], "title"] = "改过的标题"
    cache = tmp_path / "cache"
    write_timeline(without, tmp_path / "a", cache_folder=cache)
    assert len(split) == len(without)  # a first build splits every event
    for name, after, new in (("b", full, len(added)), ("c", edited, 1)):
        split.clear()
        published = tmp_path / ("a" if name == "b" else "b")
        write_timeline(after, tmp_path / name, published=published, cache_folder=cache)
        assert len(split) == new
        write_timeline(after, tmp_path / f"fresh-{name}")
        same_site(tmp_path / name, tmp_path / f"fresh-{name}")
    (cache / "postings" / "2017.pickle").write_bytes(b"damaged")  # made again, whole
    split.clear()
    write_timeline(full, tmp_path / "d", published=tmp_path / "c", cache_folder=cache)
    assert len(split) == len(full[[day.year == 2017 for day in full["start"]]])
    same_site(tmp_path / "d", tmp_path / "fresh-b")


def test_a_rebuild_keeps_the_search_sections_of_unchanged_years(tmp_path, monkeypatch) -> None:
    """A document added to 2017 makes only 2017's sections of the 2010s index again (the
    other years' are kept, as JSON); damaged kept sections are made again when their
    span is; each site is the fresh one."""
    made: list[int] = []
    sections = exports.site_pages.year_sections

    def watched(block, shards):
        made.append(len(block))
        return sections(block, shards)

    monkeypatch.setattr(exports.site_pages, "year_sections", watched)
    full = table()
    without = full[full["doc"] != DOC].reset_index(drop=True)
    cache = tmp_path / "cache"
    write_timeline(without, tmp_path / "a", cache_folder=cache)
    assert len(made) == len(YEARS)  # a first build makes every year's
    made.clear()
    write_timeline(full, tmp_path / "b", published=tmp_path / "a", cache_folder=cache)
    assert len(made) == 1  # 2017's
    write_timeline(full, tmp_path / "fresh")
    same_site(tmp_path / "b", tmp_path / "fresh")
    (cache / "postings" / "2016.shards.pickle").write_bytes(b"damaged")
    made.clear()
    write_timeline(without, tmp_path / "c", published=tmp_path / "b", cache_folder=cache)
    assert len(made) == 2  # 2017's, and 2016's from its kept postings
    write_timeline(without, tmp_path / "fresh-without")
    same_site(tmp_path / "c", tmp_path / "fresh-without")


def test_row_keys_tell_cells_and_their_types_apart() -> None:
    """A card is kept by its row's key: a cell of another value or type is another row."""
    rows = pd.DataFrame(
        {"a": ["x", "x", "x", "x"], "b": [1, 1, 1, 2], "c": ["1", "1", 1, "1"]}, dtype=object
    )
    keys = row_keys(rows)
    assert keys[0] == keys[1]  # the same cells: the same key, wherever the row stands
    assert len({keys[0], keys[2], keys[3]}) == 3  # "1" is not 1; b = 2 is not b = 1
    assert row_keys(rows[["c", "b", "a"]])[0] != keys[0]  # the columns' order counts too


def added_document(number: int) -> pd.DataFrame:
    """A new document with one event in every year of the table."""
    return pd.DataFrame(
        [
            event(
                f"ev-new-{number}-{year}",
                TEXTILE,
                date(year, 6, 1 + number),
                date(year, 6, 1 + number),
                "day",
                f"新文件{number}",
                f"6月{1 + number}日，协会召开会议。",
                f"6月{1 + number}日",
                doc=f"new-{number}.txt",
            )
            for year in YEARS
        ]
    )


def test_cards_added_to_most_years_are_kept_apart_then_written_whole(tmp_path) -> None:
    """Each rebuild that adds a document to every year keeps the new cards in files of
    additions (the year's file stays); too many files of additions write the year's file
    whole again, and a removed document then leaves it be (its cards stale in it). Every
    rebuild is the fresh site, byte for byte."""
    from exports.page_pieces import ADDITIONS

    cache, cards = tmp_path / "cache", tmp_path / "cache" / "cards"
    tables = [table()]
    for number in range(1, ADDITIONS + 2):
        tables.append(pd.concat([tables[-1], added_document(number)], ignore_index=True))
    tables.append(tables[-1][tables[-1]["doc"] != "new-1.txt"].reset_index(drop=True))
    write_timeline(tables[0], tmp_path / "0", cache_folder=cache)
    first = {path.name: path.stat().st_ino for path in cards.glob("*.pickle")}
    for step, grown in enumerate(tables[1:], start=1):
        write_timeline(
            grown, tmp_path / f"{step}", published=tmp_path / f"{step - 1}", cache_folder=cache
        )
        write_timeline(grown, tmp_path / f"fresh{step}")
        same_site(tmp_path / f"{step}", tmp_path / f"fresh{step}")
        additions = sorted(path.name for path in cards.glob("2016.add*.pickle"))
        if step <= ADDITIONS:  # kept apart; the year's own file untouched
            assert additions == [f"2016.add{n}.pickle" for n in range(1, step + 1)]
            assert (cards / "2016.pickle").stat().st_ino == first["2016.pickle"]
        else:  # one addition too many: written whole; a removed document leaves it be
            assert additions == []
    (cards / "2017.pickle").write_bytes(b"damaged")  # its cards are made again
    write_timeline(tables[-1], tmp_path / "again", published=tmp_path / "0", cache_folder=cache)
    same_site(tmp_path / "again", tmp_path / f"fresh{len(tables) - 1}")


def test_changed_rows_leave_their_old_cards_in_place_up_to_a_quarter(tmp_path) -> None:
    """Rows of 2016 changed (their cards made again, as when a new document reports an
    event already there): their new cards go to a file of additions and the old ones
    stay in the year's file, which is not written again; once the old and new cards pass
    a quarter of the year's, the year's file is written whole, with its rows' cards
    only. Every rebuild is the fresh site, byte for byte."""
    cache, cards = tmp_path / "cache", tmp_path / "cache" / "cards"
    first = table()
    in_2016 = first.index[
        (pd.to_datetime(first["start"]).dt.year == 2016) & (first["doc"] != DOC)
    ].tolist()
    second = first.copy()
    second.loc[in_2016[:10], "title"] = "改过的标题"
    third = second.copy()
    third.loc[in_2016[10:50], "title"] = "又改过的标题"
    write_timeline(first, tmp_path / "0", cache_folder=cache)
    kept = (cards / "2016.pickle").stat().st_ino
    for step, changed_table in enumerate((second, third), start=1):
        write_timeline(
            changed_table,
            tmp_path / f"{step}",
            published=tmp_path / f"{step - 1}",
            cache_folder=cache,
        )
        write_timeline(changed_table, tmp_path / f"fresh{step}")
        same_site(tmp_path / f"{step}", tmp_path / f"fresh{step}")
        additions = sorted(path.name for path in cards.glob("2016.add*.pickle"))
        if step == 1:  # 10 new cards and 10 stale of 200: kept apart
            assert additions == ["2016.add1.pickle"]
            assert (cards / "2016.pickle").stat().st_ino == kept
        else:  # 40 more: 50 stale and 40 new, past a quarter: written whole
            assert additions == []
            assert (cards / "2016.pickle").stat().st_ino != kept
    (cards / "2016.pickle").write_bytes(b"damaged")  # its cards are made again
    write_timeline(first, tmp_path / "again", published=tmp_path / "0", cache_folder=cache)
    write_timeline(first, tmp_path / "fresh-again")
    same_site(tmp_path / "again", tmp_path / "fresh-again")


@pytest.fixture
def helped(monkeypatch) -> list[set[int]]:
    """The page writer may fork its helper for any table; the spans each helper made."""
    monkeypatch.setattr(exports.site_pages, "HELPER_FROM", 0)
    monkeypatch.setattr(exports.site_pages, "HELPER_WORK", 0)
    made: list[set[int]] = []
    split = exports.site_pages._Site._split

    def watched(self, plan, span_plan, spans):
        groups = split(self, plan, span_plan, spans)
        if len(groups) > 1:
            made.append(set().union(*groups[1:]))
        return groups

    monkeypatch.setattr(exports.site_pages._Site, "_split", watched)
    return made


@pytest.fixture
def forks(monkeypatch) -> list[str]:
    """The helpers the page writer started (the real Writers.start does the work)."""
    started: list[str] = []
    start = Writers.start

    def watched(self, name, work):
        started.append(name)
        return start(self, name, work)

    monkeypatch.setattr(Writers, "start", watched)
    return started


@pytest.fixture
def forkable() -> None:
    """Forking needs a process with no other thread: the whole suite may hold some (its
    browser and cluster fixtures); these tests then run in a fresh process
    (:func:`test_the_helpers_tests_in_a_fresh_process`)."""
    if not can_fork():
        pytest.skip("other threads run here: run by test_the_helpers_tests_in_a_fresh_process")


FORKING_TESTS = ("forked_helper_makes", "three_spans_are_made", "killed_helper_fails")


def test_the_helpers_tests_in_a_fresh_process() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            __file__,
            "-k",
            " or ".join(FORKING_TESTS),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{len(FORKING_TESTS)} passed" in done.stdout and "skipped" not in done.stdout


def test_a_forked_helper_makes_the_bytes_of_one_process(tmp_path, helped, forks, forkable) -> None:
    """Years made by two processes (whole spans each), a full build and a rebuild that
    adds a document to every year: each the site of one process, byte for byte; the
    helper's pieces are recorded (an unchanged rebuild renders none of them again)."""
    full = table()
    grown = pd.concat([full, added_document(1)], ignore_index=True)
    assert {year - year % SEARCH_SPAN for year in YEARS} == {2010, 2020}  # two spans
    cache = tmp_path / "cache"
    write_timeline(full, tmp_path / "a", cache_folder=cache, helpers=Writers)
    write_timeline(full, tmp_path / "fresh-a")
    same_site(tmp_path / "a", tmp_path / "fresh-a")
    write_timeline(
        grown, tmp_path / "b", published=tmp_path / "a", cache_folder=cache, helpers=Writers
    )
    write_timeline(grown, tmp_path / "fresh-b")
    same_site(tmp_path / "b", tmp_path / "fresh-b")
    assert len(helped) == 2 and all(len(spans) == 1 for spans in helped)
    assert forks == ["page part 1", "page part 1"]  # forked, each build
    write_timeline(
        grown, tmp_path / "c", published=tmp_path / "b", cache_folder=cache, helpers=Writers
    )
    assert changed(tmp_path / "b", tmp_path / "c") == set()  # every piece recorded and linked


def test_three_spans_are_made_by_three_processes(tmp_path, helped, forks, forkable) -> None:
    """Two helpers (HELPERS) for three spans of years: the bytes of one process."""
    older = [
        event(
            f"ev-old-{i}",
            TEXTILE,
            date(2005 + i % 3, 3, 1 + i % 20),
            date(2005 + i % 3, 3, 1 + i % 20),
            "day",
            f"旧会{i}",
            "3月1日，协会开会。",
            "3月1日",
            doc=f"old-{i % 5}.txt",
        )
        for i in range(300)
    ]
    wide = pd.concat([table(), pd.DataFrame(older)], ignore_index=True)
    write_timeline(wide, tmp_path / "a", helpers=Writers)
    write_timeline(wide, tmp_path / "fresh")
    same_site(tmp_path / "a", tmp_path / "fresh")
    assert helped == [{2000, 2010}]  # a helper each; the lightest span (2020) made here
    assert forks == ["page part 1", "page part 2"]


def test_the_helper_shares_only_a_large_piece_of_work(monkeypatch) -> None:
    """No helper below HELPER_FROM events, nor for a share of work below HELPER_WORK."""
    site = exports.site_pages._Site(
        table(),
        [],
        title="t",
        base_url=None,
        include_years=True,
        include_open=False,
        helpers=Writers,
    )
    spans = {2010: [2015, 2016, 2017, 2018, 2019], 2020: [2020]}
    plan = [(year, *site.years[year], "", "", None, True) for year in YEARS]
    span_plan = {span: ("", "", None) for span in spans}
    site.prepare(list(YEARS))
    assert len(site._split(plan, span_plan, spans)) == 1  # 1,200 events
    monkeypatch.setattr(exports.site_pages, "HELPER_FROM", 1000)
    assert len(site._split(plan, span_plan, spans)) == 1  # the 2020 span: 200 cards to make
    monkeypatch.setattr(exports.site_pages, "HELPER_WORK", 2000)
    assert site._split(plan, span_plan, spans) == [[2020], [2010]]


def test_a_killed_helper_fails_the_page_writer_naming_it(
    tmp_path, helped, monkeypatch, forkable
) -> None:
    from exports.site_writers import WriterError

    monkeypatch.setenv("TIMELINE_CRASH_WRITER_AT", "1")  # the helper's first write step
    monkeypatch.setenv("TIMELINE_CRASH_SIGNAL", "KILL")
    with pytest.raises(WriterError, match="the page part 1 writer .* was killed by SIGKILL"):
        write_timeline(table(), tmp_path / "a", helpers=Writers)
    assert helped


def test_with_another_thread_running_no_helper_is_forked(tmp_path, helped, forks) -> None:
    """A fork while another thread runs could inherit its held locks: the groups are then
    all made in the page writer's own process, to the same bytes."""
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        write_timeline(table(), tmp_path / "a", helpers=Writers)
    finally:
        stop.set()
        other.join()
    assert helped and forks == []  # split in two, then made here
    write_timeline(table(), tmp_path / "fresh")
    same_site(tmp_path / "a", tmp_path / "fresh")


def test_compiled_templates_are_kept_in_the_cache_and_read_back(tmp_path, monkeypatch) -> None:
    """The page's templates compiled once are kept in the cache folder; a fresh process
    reads them back rather than compiling, and a damaged file is compiled again: the
    same pages either way."""
    cache = tmp_path / "cache"
    exports.page_render.template_environment.cache_clear()
    write_timeline(table(), tmp_path / "a", cache_folder=cache)
    kept = sorted((cache / exports.html.TEMPLATES_FOLDER).iterdir())
    assert kept and all(path.stat().st_size for path in kept)

    def refused(*_args, **_options):
        raise AssertionError("compiled again")

    exports.page_render.template_environment.cache_clear()  # as a fresh process has it
    with monkeypatch.context() as patched:
        patched.setattr(Environment, "compile", refused)
        write_timeline(table(), tmp_path / "b", cache_folder=cache)
    same_site(tmp_path / "b", tmp_path / "a")
    for path in kept:
        path.write_bytes(path.read_bytes()[:20])  # cut short: compiled again, and kept
    exports.page_render.template_environment.cache_clear()
    write_timeline(table(), tmp_path / "c", cache_folder=cache)
    same_site(tmp_path / "c", tmp_path / "a")
    assert all(path.stat().st_size > 20 for path in kept)
    exports.page_render.template_environment.cache_clear()  # the next test compiles its own
