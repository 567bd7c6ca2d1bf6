"""The page writer's fast paths give exactly what the slow ones gave.

- :func:`exports.page_cards.card_html` against the card's Jinja template it
  replaced (``tests/data/event_card.html.j2``, rendered with the site's own
  Jinja settings), on cards with every optional part and hostile text;
- :func:`exports.page_rows.decode_table` against :func:`timeline.schema.decode`
  row by row, on cells of every awkward kind;
- the search index found with NumPy against the pairs found one by one.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from exports.event_view import DatePart, EventView, SourceView
from exports.page_cards import card_html, card_lines, chronology_html
from exports.page_pieces import make_card
from exports.page_render import script_json, script_json_with
from exports.page_rows import PageOrder, decode_table, rows_at
from exports.search_index import (
    _by_shard,
    _pair_postings,
    _shard_deltas,
    fold,
    fold_joined,
    grams,
    shard_json,
    shard_of,
    summary_json,
    year_sections,
)
from timeline import schema

DATA = Path(__file__).resolve().parent / "data"
HOSTILE = "<script>&\"'</script>"


def oracle(view: EventView, feeds: bool) -> str:
    environment = Environment(
        loader=FileSystemLoader(DATA),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template("event_card.html.j2").render(
        event=view, feeds=["feed"] if feeds else []
    )


def view(**changes) -> EventView:
    base = dict(
        index=7,
        event_id="ev-1",
        year=2023,
        group=8,
        start=date(2023, 8, 22),
        end=date(2023, 8, 22),
        dates=(DatePart("2023年8月22日", "2023-08-22"),),
        precision="日",
        precision_title="精确到日",
        title="年会",
        full_title="年会",
        association="汕头市纺织服装产业协会",
        lane=0,
        colour=3,
        shape=1,
        coarse=False,
        calendar="",
        before="",
        mark="8月22日",
        after="，协会召开年会。",
        source_url=None,
        source_text="",
        doc="a.txt",
        doc_title="",
        published="",
        organisations="",
        status="",
    )
    base.update(changes)
    return EventView(**base)


CARDS = {
    "plain": {},
    "everything": dict(
        dates=(DatePart("2020年7月", "2020-07"), DatePart("10月", "2020-10")),
        time="09:00—11:30",
        time_datetime="2023-08-22T09:00",
        role="截止日期",
        written="春节前",
        status="已人工更正",
        calendar="只精确到年",
        organisations="甲协会；乙公司",
        source_url="https://example.org/a?b=1&c=2",
        doc_title="关于召开年会的通知",
        published="2023年8月1日",
        sources=(
            SourceView("另一篇", "b.txt", "https://example.org/b"),
            SourceView("", "c.txt", None),
        ),
    ),
    "no mark": dict(before="整句没有日期。", mark="", after=""),
    "address as text": dict(source_text="ftp://example.org/x", doc=""),
    "url without titles": dict(source_url="https://example.org/", doc="", doc_title=""),
    "hostile": dict(
        event_id=HOSTILE,
        title=HOSTILE,
        association=HOSTILE,
        before=HOSTILE,
        mark=HOSTILE,
        after=HOSTILE,
        doc=HOSTILE,
        doc_title=HOSTILE,
        organisations=HOSTILE,
        written=HOSTILE,
        calendar=HOSTILE,
        source_text=HOSTILE,
        sources=(SourceView(HOSTILE, HOSTILE, None), SourceView("", HOSTILE, None)),
    ),
}


@pytest.mark.parametrize("feeds", [False, True])
@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_html_is_the_card_template_byte_for_byte(name: str, feeds: bool) -> None:
    card = view(**CARDS[name])
    assert card_html(card, feeds) + "\n" == oracle(card, feeds)


@pytest.mark.parametrize("feeds", [False, True])
@pytest.mark.parametrize("name", sorted(CARDS))
def test_a_card_s_kept_bytes_are_its_html_data_row_and_summary(name: str, feeds: bool) -> None:
    """A card keeps its HTML, its row of the page's data and its search summary as
    UTF-8 (pages and search pieces are joined from them): each is the text the page
    writer encoded before, the data row escaped as ``script_json`` escapes it."""
    title = HOSTILE + "\u2028\u2029"
    event = view(**{**CARDS[name], "full_title": title})
    card = make_card(event, "confirmed", feeds, ["年会", title])._replace(n=event.index)
    assert card.html == str(card_html(event, feeds))
    row = [event.event_id, 5, "2023-08-22", "2023-08-22", title, "confirmed", event.index]
    assert card.data_row(5) == str(script_json(row)).encode()
    search = fold_joined(["年会", title])
    assert card.search == search.encode()
    fields = [event.event_id, event.association, "2023-08-22", "2023-08-22", event.title]
    assert card.summary == summary_json(*fields, search).encode()


def test_a_page_s_chronology_from_lines_made_once_is_the_one_from_its_cards() -> None:
    """A year's card lines, made once for its page and its associations' pages of the
    year, give each page the chronology made from its own cards: the year's (a
    whole-year group before the months) and an association's cards among them."""
    groups = [(2023, 8), (2023, 0), (2023, 8), (2023, 12), (2023, 0), (2023, 3)]
    names = sorted(CARDS)
    cards = [
        make_card(
            view(**{**CARDS[names[at % len(names)]], "index": at, "year": year, "group": group}),
            "",
            True,
            ["年会"],
        )._replace(n=100 + at)
        for at, (year, group) in enumerate(groups)
    ]
    lines = card_lines(cards)
    assert lines == [card.html.encode() + b"\n" for card in cards]
    assert chronology_html(cards, lines) == chronology_html(cards)
    some = [1, 3, 4]
    mine = [cards[at] for at in some]
    assert chronology_html(mine, [lines[at] for at in some]) == chronology_html(mine)
    text = chronology_html(cards, lines).decode()
    assert text.index('id="year-2023-whole"') < text.index('id="month-2023-03"')
    assert text.count('data-i="') == len(cards)


@pytest.mark.parametrize("data", [{}, {"a": 1}, {"z": "</script>"}, {"a": "\u2028", "z": [1, "&"]}])
@pytest.mark.parametrize("raw", [[], [1, "<x>"], {"k": "\u2029"}])
def test_page_data_joined_from_escaped_bytes_is_its_script_json(data: dict, raw: object) -> None:
    """The page's data with its events given as escaped UTF-8 (:func:`script_json_with`)
    is the bytes of :func:`script_json` of the whole, keys before and after included."""
    joined = script_json_with(data, "m", str(script_json(raw)).encode())
    assert joined == str(script_json({**data, "m": raw})).encode()


def test_card_text_from_documents_is_escaped() -> None:
    html = str(card_html(view(**CARDS["hostile"]), True))
    assert "<script>" not in html and "&lt;script&gt;&amp;&#34;&#39;" in html


def row(**cells) -> dict:
    base = {
        "event_id": "ev-1",
        "association": "协会",
        "start": date(2023, 8, 22),
        "end": date(2023, 8, 22),
        "granularity": "day",
        "title": "年会",
        "description": "8月22日，协会召开年会。",
        "date_text": "8月22日",
        "doc": "a.txt",
    }
    base.update(cells)
    return base


AWKWARD = [
    row(),
    row(title="年会\r\n通知\x1b[2J", description="  \u202e倒序\x07  ", organisations=float("nan")),
    row(start="2023-08-22", end=pd.Timestamp("2023-08-23"), published="2023-08-01"),
    row(end=date(2023, 8, 1)),  # ends before it starts: no event
    row(start="8月", end=None),
    row(span_start=3, span_end=7.0, role="deadline", qualifier="before", time_start="09:30"),
    row(span_start="x", role="nonsense", qualifier="whenever", time_start="25:99"),
    row(source_url="javascript:alert(1)", status="corrected", anchor=None),
    row(source_url="https://example.org/a", event_id=12, association=1.0),
    row(
        sources=json.dumps(
            [
                {
                    "doc": "a.txt",
                    "title": "甲",
                    "url": "https://e.org/a",
                    "sentence": " s ",
                    "ids": ["x"],
                },
                {"doc": "b.txt\n", "title": None, "url": "javascript:x", "sentence": None},
                {"title": "no doc"},
            ]
        )
    ),
    row(sources="[not json"),
    row(sources='[{"doc":"a.txt","title":"甲"}]'),  # one source: read without parsing
    row(sources='[{"doc":"a.txt","sentence":"{x}"}]'),  # a brace in the text: parsed
    row(sources='[5,{"doc":"b.txt"}]'),
    row(sources='[{"doc":"a.txt"},{"doc":"b.txt"}]'),
    row(sources='[{"doc":"a.txt"}, {"doc":"b.txt"}]'),
    row(sources=[{"doc": "c.txt", "ids": [1, "", None]}]),
    # one source twice in a cell (and in the table twice), one whose document is empty
    row(
        sources='[{"doc":"a.txt","title":"甲","url":"https://e.org/a"},{"doc":"","title":"乙","url":""},'
        '{"doc":"a.txt","title":"甲","url":"https://e.org/a"},{"doc":"d.txt","title":"丁\\r","url":"x"}]'
    ),
    row(sources=float("nan")),
]


def _other_sources(event: schema.Event) -> list[tuple[str, str, str]]:
    """What a page shows of an event's other sources: each one's document, title and link."""
    return [(s.doc, s.title, s.url) for s in event.all_sources[1:]]


def test_the_page_reads_only_what_it_shows_of_other_sources() -> None:
    """A page's rows (``alone`` False) read no other source's sentence or ids: their
    cleaning was a third of decoding a +1 % rebuild's new rows; the card shows neither."""
    table = pd.DataFrame([r for r in AWKWARD if isinstance(r.get("sources"), str)][:1])
    (full,) = decode_table(table)
    (page,) = decode_table(table, alone=False)
    assert [s.sentence for s in full.sources] == ["s", ""]
    assert [s.ids for s in full.sources] == [("x",), ()]
    assert [(s.sentence, s.ids) for s in page.sources] == [("", ()), ("", ())]
    assert _other_sources(page) == _other_sources(full)


@pytest.mark.parametrize("kind", ["object", "arrow"])
def test_decode_table_is_schema_decode_of_every_row(kind: str) -> None:
    table = pd.DataFrame(AWKWARD + AWKWARD)  # repeated values: each decoded once
    if kind == "arrow":  # text columns as a Parquet table reads them back
        table = table.drop(columns="sources").astype(
            {name: "string[pyarrow]" for name in ("title", "doc", "granularity", "status")}
        )
    expected = [schema.decode(r) for r in table.to_dict("records")]
    assert decode_table(table) == expected

    def shown(event: schema.Event | None) -> tuple | None:  # what a page reads of it
        return event and (replace(event, sources=()), _other_sources(event))

    assert list(map(shown, decode_table(table, alone=False))) == list(map(shown, expected))


def test_page_rows_reads_the_cells_to_dict_read() -> None:
    table = pd.DataFrame([r for r in AWKWARD if not isinstance(r.get("sources"), list)])
    table["published"] = [date(2023, 1, 2) if i % 2 else None for i in range(len(table))]
    table = table.astype({"title": "string[pyarrow]", "doc": "string[pyarrow]"})
    rows, events = rows_at(table, PageOrder(table).positions)
    assert [e and _other_sources(e) for e in events] == [
        e and _other_sources(e) for e in map(schema.decode, rows)
    ]
    expected = []
    for record in table.to_dict("records"):
        start, end = schema.as_date(record["start"]), schema.as_date(record["end"])
        if start is None or end is None:
            continue
        text = record["association"]
        text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
        expected.append({**record, "start": start, "end": end, "association": text})
    expected.sort(key=lambda r: (r["start"], r["end"], r["association"], str(r["event_id"])))
    assert [repr(r) for r in rows] == [repr(r) for r in expected]


def _placed_one_by_one(table: pd.DataFrame) -> tuple[list, list, list, list]:
    """The page order as a sort of one tuple per row (what PageOrder did before NumPy)."""

    def text(value: object) -> str:
        return (
            "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
        )

    cells = {name: table[name].tolist() if name in table else [None] * len(table) for name in (
        "event_id", "association", "start", "end", "role", "status")}  # fmt: skip
    kept = []
    for at in range(len(table)):
        start, end = schema.as_date(cells["start"][at]), schema.as_date(cells["end"][at])
        if start is None or end is None or text(cells["role"][at]) == "published":
            continue
        status = text(cells["status"][at])
        key = (start, end, text(cells["association"][at]), text(cells["event_id"][at]))
        kept.append((*key, at, status if status in schema.STATUS else ""))
    kept.sort(key=lambda placed: placed[:4])
    return [k[4] for k in kept], [k[0] for k in kept], [k[2] for k in kept], [k[5] for k in kept]


@pytest.mark.parametrize("storage", ["object", "python", "pyarrow"])
def test_the_page_order_is_the_sort_of_every_row(storage: str) -> None:
    pick = random.Random(11)
    ids = ["b", "a", "a\x00", "", "協", "ab", "a"]
    rows = [
        row(
            event_id=pick.choice(ids),
            association=pick.choice(["甲", "乙", None, "甲 "]),
            start=pick.choice([date(2023, 1, 1), date(2022, 5, 5), "2023-01-01", None]),
            end=pick.choice([date(2023, 1, 2), date(2023, 1, 1), "2023-01-01"]),
            role=pick.choice(["event", "published", "deadline", None]),
            status=pick.choice(["confirmed", "corrected", "", None, "x"]),
        )
        for _ in range(300)
    ]
    table = pd.DataFrame(rows)
    if storage != "object":
        text = pd.StringDtype(storage)
        table = table.astype({"event_id": text, "association": text, "status": text})
    mixed = pd.DataFrame([*rows[:20], row(event_id=12, association=1.0), row(event_id=12.0)])
    for each in (table, mixed, table.drop(columns=["role", "status"]), table.iloc[:0]):
        order = PageOrder(each)
        found = (order.positions, order.starts, order.associations, order.statuses)
        assert found == _placed_one_by_one(each)


def test_page_rows_gives_the_asked_cells_only() -> None:
    table = pd.DataFrame(AWKWARD[:3])
    everything, events = rows_at(table, [0, 1, 2])
    some, same = rows_at(table, [0, 1, 2], ("event_id", "start", "end", "association", "x"))
    assert same == events
    assert some == [
        {k: r[k] for k in ("event_id", "association", "start", "end")} for r in everything
    ]


#: Text where folding a part alone could differ from folding the whole: combining marks
#: and compatibility characters at a part's edge, final sigma, white space of every kind.
EDGES = [
    "\u0301a",
    "e\u0301",
    "ΑΣ",
    "Σ",
    "'Σ'",
    "\u00a8",
    "\u3000x\u00a0",
    "ＡＢ",
    "ﬁ",
    "\t",
    "",
    " ",
    "İ",
]


@pytest.mark.parametrize("seed", range(20))
def test_folding_parts_one_by_one_is_folding_them_joined(seed: int) -> None:
    chooser = random.Random(seed)
    pool = EDGES + TEXTS + [HOSTILE, "\u1100\u1161", "\u1161", "가", "\u11a8"]
    parts = [chooser.choice(pool) + chooser.choice(pool) for _ in range(chooser.randint(1, 8))]
    assert fold_joined(parts) == fold(" ".join(parts))


TEXTS = ["年会 ab", "", "a", "  ", "😀a 😀😀", "ＡＢＣ  协会年会", "重复重复重复"]


def test_pairs_found_with_numpy_are_the_pairs_found_one_by_one() -> None:
    folded = [fold(text) for text in TEXTS]
    expected = {}
    for number, text in enumerate(folded, start=40):
        for gram in grams(text):
            expected.setdefault(gram, []).append(number)
    for shards in (1, 8):
        halves = [_pair_postings(folded[:3], 40, shards), _pair_postings(folded[3:], 43, shards)]
        held = np.concatenate(halves)
        held = held[np.argsort(held[:, 0], kind="stable")]
        found = {}
        for shard, block in _by_shard(held, shards):
            for gram, deltas in _shard_deltas(block).items():
                assert shard_of(gram, shards) == shard
                found[gram] = list(itertools.accumulate(deltas))
        assert found == expected


def test_fold_is_nfkc_lower_case_and_one_space_as_the_page_folds() -> None:
    """The quick paths of fold (a normalisation check, ``split``) change nothing."""
    spaces = [chr(code) for code in range(0x3100) if chr(code).isspace()]
    alphabet = [*spaces, "a", "Ａ", "年", "Σ", "ﬁ", "\u0301", "e", "２"]
    rng = random.Random(20261201)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        slow = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()
        assert fold(text) == slow, repr(text)


def _hostile_postings(shards: int) -> np.ndarray:
    """Postings of the pairs of :data:`TEXTS` and of hostile texts (quotes, backslashes,
    controls, script-closing characters, U+2028, astral and lone surrogate characters),
    then again with places past 70,000, ordered by pair."""
    texts = [fold(text) for text in TEXTS] + [
        'a"b\\c<d>e&f\u2028g\u2029h',
        "x\x01y\x7fz",
        "\ud800a😀b",
        "重复",
    ]
    held = np.concatenate(
        [_pair_postings(texts, 0, shards), _pair_postings(texts[::-1], 70_000, shards)]
    )
    return held[np.argsort(held[:, 0], kind="stable")]


@pytest.mark.parametrize("shards", [1, 4])
def test_a_shard_written_directly_is_the_json_of_its_postings(shards: int) -> None:
    """:func:`shard_json` against ``script_json`` of the posting dict, on hostile pairs
    (quotes, backslashes, controls, script-closing characters, U+2028, astral and lone
    surrogate characters) and numbers past the lookup table."""
    held = _hostile_postings(shards)
    blocks = dict(_by_shard(held, shards))
    for shard in range(shards):
        block = blocks.get(shard)
        assert shard_json(block) == str(script_json(_shard_deltas(block)))


@pytest.mark.parametrize("shards", [1, 4, 64])
def test_a_years_sections_made_at_once_are_each_shards_json(shards: int) -> None:
    """:func:`year_sections` (every shard in one pass, as UTF-8) against :func:`shard_json`
    of each shard's postings, encoded, on hostile pairs and numbers past the lookup
    table; a shard without postings is an empty section."""
    held = _hostile_postings(shards)
    blocks = dict(_by_shard(held, shards))
    expected = [
        shard_json(blocks.get(shard)).encode("utf-8", "surrogatepass") for shard in range(shards)
    ]
    assert year_sections(held, shards) == expected
    if shards == 64:  # more shards than pairs: some are empty
        assert b"{}" in expected
    assert year_sections(held[:0], shards) == [b"{}"] * shards


@pytest.mark.parametrize(
    "title",
    ["年会", HOSTILE, 'a"b\\c\u2028\u2029\x01', "\ud800😀"],
    ids=["plain", "hostile", "escapes", "surrogate"],
)
def test_a_summary_written_directly_is_its_script_json(title: str) -> None:
    fields = ["ev-1", "协会<&>", "2023-08-22", "2023-08-23", title, fold(title)]
    assert summary_json(*fields) == str(script_json(fields))
    assert summary_json("ev-1", 7, "a", "b", title, "") == str(
        script_json(["ev-1", 7, "a", "b", title, ""])
    )
