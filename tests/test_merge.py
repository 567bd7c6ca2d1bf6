"""One happening, one event: merging rows across sentences and documents."""

from __future__ import annotations

import csv
import itertools
import json
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline import merge
from timeline.dates import collect_manifest
from timeline.documents import expand_paths, resolved
from timeline.gather import table_clusters
from timeline.schema import Source, encode_source_items, encode_sources
from timeline.table import build_events, document_events

MERGE = Path(__file__).parent / "merge"


def _unmerged_rows() -> tuple[list[dict], list[str]]:
    """Every row of the merge corpus before merging, with its key in happenings.csv."""
    manifest = collect_manifest([MERGE])
    rows: list[dict] = []
    for path in expand_paths([MERGE]):
        rows.extend(document_events(path, manifest.get(resolved(path))).rows)
    rows.sort(key=lambda row: (row["doc"], row["span_start"]))
    keys, seen = [], {}
    for row in rows:
        key = (row["doc"], row["date_text"])
        seen[key] = seen.get(key, 0) + 1
        keys.append(f"{key[0]}|{key[1]}" + (f"#{seen[key]}" if seen[key] > 1 else ""))
    return rows, keys


def _gold() -> dict[str, str]:
    with (MERGE / "happenings.csv").open(encoding="utf-8") as handle:
        return {f"{r['doc']}|{r['date_text']}": r["happening"] for r in csv.DictReader(handle)}


def test_merge_corpus_precision_and_recall() -> None:
    rows, keys = _unmerged_rows()
    gold = _gold()
    assert sorted(keys) == sorted(gold), "happenings.csv must name every row"
    predicted = {i: g for g, members in enumerate(merge.groups(rows)) for i in members}
    true_pairs = merged_pairs = both = 0
    failures = []
    for i, j in itertools.combinations(range(len(rows)), 2):
        same = gold[keys[i]] == gold[keys[j]]
        joined = predicted[i] == predicted[j]
        true_pairs += same
        merged_pairs += joined
        both += same and joined
        if same != joined:
            failures.append(("merged" if joined else "missed", keys[i], keys[j]))
    precision = both / merged_pairs if merged_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    print(f"merge corpus: precision {precision:.3f}, recall {recall:.3f}, failures {failures}")
    assert true_pairs >= 15  # the corpus really has repeated happenings
    assert precision >= 0.95, failures
    assert recall >= 0.90, failures


def test_different_happenings_of_one_day_stay_apart() -> None:
    table = build_events([MERGE]).table
    days = table[(table["association"] == "广州纺织工贸企业协会")]
    assert len(days) == 3  # the council (three reports), its preparation, the visit
    council = days[days["title"].str.contains("理事会")]
    [sources] = council["sources"].tolist()
    assert [s["doc"] for s in json.loads(sources)] == ["d1.txt", "d5.txt", "d2.txt"]


def test_same_meeting_of_two_associations_is_two_events() -> None:
    table = build_events([MERGE]).table
    assemblies = table[
        table["title"].str.contains("会员大会") & (table["start"].astype(str) == "2024-03-15")
    ]
    assert set(assemblies["association"]) == {"广东省服装服饰行业协会", "浙江省纺织行业协会"}


def test_merged_id_is_the_earliest_source_and_survives_adding_a_later_one(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("d1.txt", "d3.txt"):
        (folder / name).write_bytes((MERGE / name).read_bytes())
    manifest = (MERGE / "documents.csv").read_text(encoding="utf-8").splitlines()
    keep = [line for line in manifest if line.startswith(("file,", "d1.txt", "d3.txt", "d2.txt"))]
    (folder / "documents.csv").write_text("\n".join(keep) + "\n", encoding="utf-8")
    before = set(build_events([folder]).table["event_id"])
    (folder / "d2.txt").write_bytes((MERGE / "d2.txt").read_bytes())  # a later report
    after = build_events([folder]).table
    assert set(after["event_id"]) == before
    assert len(after) == 2


@pytest.mark.parametrize("role", ["published"])
def test_a_publication_line_is_never_merged(role: str) -> None:
    a = {"role": role, "association": "A", "granularity": "day", "start": 1, "end": 1}
    assert not merge.mergeable(a, dict(a))


def test_likeness_of_reports_and_of_different_meetings() -> None:
    def row(sentence: str) -> dict:
        return {
            "description": sentence,
            "date_text": "9月2日",
            "association": "广州纺织工贸企业协会",
        }

    same = merge.likeness(
        merge.gist(row("9月2日，协会召开三届三次理事会议，审议通过年度预算。")),
        merge.gist(row("9月2日，协会理事会议审议通过了2024年度预算。")),
    )
    other = merge.likeness(
        merge.gist(row("9月2日，协会召开三届三次理事会议，审议通过年度预算。")),
        merge.gist(row("9月2日，协会秘书处召开会员大会筹备会，研究大会议程。")),
    )
    assert same >= merge.THRESHOLD > other


# --- clusters: merging cut where day ranges do not chain gives the same groups ----

_SENTENCES = (
    "协会召开第五届会员大会，审议工作报告。",
    "第五届会员大会在杭州召开，审议通过工作报告。",
    "协会举办智能制造论坛，企业代表参加。",
    "智能制造论坛举行，多家企业参加交流。",
    "秘书处走访会员企业，调研生产经营情况。",
)


@st.composite
def _rows(draw) -> list[dict]:
    """Rows of two associations on a few crowded weeks: ranges that chain and that do not."""
    count = draw(st.integers(0, 60))
    rows = []
    for _ in range(count):
        first = date(2024, 3, 1) + timedelta(days=draw(st.integers(0, 40)))
        sentence = draw(st.sampled_from(_SENTENCES))
        rows.append(
            {
                "association": draw(st.sampled_from(("甲会", "乙会"))),
                "start": first,
                "end": first + timedelta(days=draw(st.sampled_from((0, 0, 1, 6)))),
                "granularity": draw(st.sampled_from(("day", "day", "week", "month"))),
                "role": draw(st.sampled_from(("event", "event", "deadline", "published"))),
                "doc": draw(st.sampled_from(("a.txt", "b.txt", "c.txt"))),
                "description": sentence,
                "date_text": "3月",
                "published": draw(st.sampled_from((None, date(2024, 2, 1), date(2024, 5, 1)))),
                "span_start": draw(st.integers(0, 9)),
            }
        )
    return rows


def _reference_groups(rows: list[dict]) -> list[list[int]]:
    """:func:`merge.groups` by its definition, every pair of rows compared (the tests'
    associations hold fewer than ``merge.WINDOW`` reports, so the window never binds).

    Rows of one report (association, range, role, sentence, date text; the n-th such
    row of a document in the n-th report) are one group to start with; two reports
    are linked when any of their rows are :func:`merge.same_happening`, by the
    likeness of their texts; links are taken from the most alike down, then by the
    reports' keys, each unless it puts two rows of one sentence in one group.
    """
    keys: dict[int, tuple] = {}
    counted: dict[tuple, int] = {}
    for i in sorted(range(len(rows)), key=lambda i: (rows[i]["doc"], rows[i]["span_start"], i)):
        row = rows[i]
        if row["granularity"] not in merge.MERGEABLE or row["role"] == "published":
            continue
        if not merge.gist(row):
            continue
        key = (
            row["association"],
            row["start"],
            row["end"],
            row["role"],
            row["description"],
            "" if row["description"] else row.get("title", ""),
            row["date_text"],
        )
        counted[(row["doc"], key)] = counted.get((row["doc"], key), -1) + 1
        keys[i] = (*key, counted[(row["doc"], key)])
    reports: dict[tuple, list[int]] = {}
    for i, key in keys.items():
        reports.setdefault(key, []).append(i)
    links = []
    for one, two in itertools.combinations(sorted(reports), 2):
        alike = [
            merge.likeness(merge.gist(rows[i]), merge.gist(rows[j]))
            for i in reports[one]
            for j in reports[two]
            if merge.same_happening(rows[i], rows[j])
        ]
        if alike:
            links.append((-max(alike), one, two))
    group = {key: {key} for key in reports}
    for _, one, two in sorted(links):
        if group[one] is group[two]:
            continue
        joined = group[one] | group[two]
        sentences = [(rows[i]["doc"], rows[i]["description"]) for k in joined for i in reports[k]]
        if len(set(sentences)) < len(sentences):
            continue  # two dates of one sentence
        for key in joined:
            group[key] = joined
    found = {frozenset(i for key in joined for i in reports[key]) for joined in group.values()}
    found |= {frozenset([i]) for i in range(len(rows)) if i not in keys}
    # in source order, rows of one place (the same document and offset) in the rows' order
    return [sorted(sorted(members), key=lambda i: merge._order(rows[i])) for members in found]


@settings(max_examples=300, deadline=None)
@given(_rows())
def test_merging_each_cluster_on_its_own_gives_the_groups_of_merging_all(rows) -> None:
    whole = merge.groups(rows)
    assert sorted(whole) == sorted(_reference_groups(rows))
    found = merge.clusters(rows)
    assert sorted(i for cluster in found for i in cluster) == list(range(len(rows)))
    assert all(cluster == sorted(cluster) for cluster in found)
    pieces = []
    for cluster in found:
        pieces.extend(
            [cluster[k] for k in members] for members in merge.groups([rows[i] for i in cluster])
        )
    assert sorted(pieces) == sorted(whole)
    for association in ("甲会", "乙会"):  # the columnar cut is the same cut
        mine = [i for i, row in enumerate(rows) if row["association"] == association]
        table = pa.Table.from_pylist([rows[i] for i in mine])
        if not mine:
            continue
        by_columns = sorted(sorted(mine[k] for k in cluster) for cluster in table_clusters(table))
        assert by_columns == sorted(c for c in found if rows[c[0]]["association"] == association)


@settings(max_examples=200, deadline=None)
@given(_rows())
def test_a_later_documents_copies_join_their_reports_and_change_nothing_else(rows) -> None:
    """A rebuild that adds a document copying another's reports (a reprint, published
    later): each copy joins the group of the row it copies, every group stays what it
    was, and each merged row keeps its id, the copies' sources added last."""
    for number, row in enumerate(rows):
        row.update(event_id=f"{row['doc']}#{number}", doc_title="", source_url="", sources="")
    copied = [number for number, row in enumerate(rows) if row["doc"] == "a.txt"]
    copies = [dict(rows[i], doc="zz.txt", published=None, event_id=f"zz#{i}") for i in copied]
    joins = {  # the copies that can merge at all: dated to the day, saying something
        len(rows) + k: original
        for k, original in enumerate(copied)
        if rows[original]["granularity"] in merge.MERGEABLE
        and rows[original]["role"] != "published"
        and merge.gist(rows[original])
    }
    before = merge.groups(rows)
    expected = [
        sorted([*members, *(k for k, i in joins.items() if i in members)]) for members in before
    ]
    expected += [[len(rows) + k] for k in range(len(copies)) if len(rows) + k not in joins]
    assert sorted(sorted(members) for members in merge.groups(rows + copies)) == sorted(expected)

    def documents(row: dict) -> list[str]:
        return (
            [one["doc"] for one in json.loads(row["sources"])] if row["sources"] else [row["doc"]]
        )

    merged_before = {row["event_id"]: row for row in merge.merge_rows(rows)}
    for row in merge.merge_rows(rows + copies):
        if row["event_id"].startswith("zz#"):
            continue  # a copy standing alone (not dated to the day, or saying nothing)
        old = merged_before[row["event_id"]]  # the same id: its earliest source stays
        gained = documents(row)[len(documents(old)) :]
        assert documents(row)[: len(documents(old))] == documents(old)
        assert gained == ["zz.txt"] * len(gained)
        if not gained:
            assert row == old


def _reference_sources(members: list[dict]) -> str:
    """A group's ``sources`` as decoding each member's, joining, encoding does it."""
    out: dict[tuple[str, str], Source] = {}
    for row in members:
        for source in merge._sources_of(row):
            key = (source.doc, source.sentence)
            known = out.get(key)
            if known is not None:
                ids = tuple(dict.fromkeys((*known.ids, *source.ids)))
                source = Source(known.doc, known.title, known.url, known.sentence, ids)
            out[key] = source
    return encode_sources(out.values())


# Values that decoding keeps and values it cleans: control, bidirectional and surrogate
# characters, quotes and backslashes, whitespace at an end or doubled, a URL or not.
_TIDY = st.sampled_from(["a.txt", "协会", "题 目", "2023年8月22日召开"])
_ODD = st.sampled_from(
    [" ", "  ", "\t", "\n", "\x07", "\x85", "\u200e", "\u2028", "\ud800", "\u2003"]
    + ["\u00a0", "\u200d", '"', "\\", "}", "https://a.org/x"]
)
_VALUES = _TIDY | st.tuples(_TIDY, _ODD, st.integers(0, 2)).map(
    lambda made: [made[1] + made[0], made[0][:1] + made[1] + made[0][1:], made[0] + made[1]][
        made[2]
    ]
)
_SOURCE = st.fixed_dictionaries(
    {
        "doc": _VALUES | st.just(""),
        "title": _VALUES,
        "url": st.sampled_from(["", "https://a.org/1", "http://b", "ftp://c", " https://a.org/1"]),
        "sentence": _VALUES,
        "ids": st.lists(_VALUES | st.just(""), max_size=3),
    }
)
_CELL = (
    st.lists(_SOURCE, max_size=3).map(lambda items: json.dumps(items, ensure_ascii=False))
    | st.lists(_SOURCE, max_size=3).map(
        lambda items: json.dumps(items, ensure_ascii=False, separators=(",", ":"))
    )
    | st.lists(_SOURCE, max_size=3).map(
        lambda items: json.dumps(items, ensure_ascii=True, separators=(",", ":"))
    )
    | st.sampled_from(["", "[", "{}", "[1]", '[{"doc":"a.txt"}]', None])
    | st.sampled_from(
        [
            '[{"doc":"a.txt","title":"题","url":"","sentence":"一句","ids":["e1"]} ]',
            '[{"doc":"a.txt","title":"题","url":"","sentence":"一\\u53e5","ids":["e1"]}]',
            '[{"doc":"a.txt","title":"题","url":"","sentence":"一句","ids":["e\\/1"]}]',
            '[{"doc":"a.txt","doc":"a.txt","title":"题","url":"","sentence":"一句","ids":[]}]',
            '[{"doc":"a.txt","title":"题","url":"","sentence":"一句","ids":[]}]',
        ]
    )
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_CELL, min_size=2, max_size=5))
def test_a_groups_sources_are_its_members_decoded_joined_and_encoded(cells) -> None:
    """Joining members' cells as JSON items (what stage 1 writes) gives the very text
    of decoding every member, joining one source per document and sentence, encoding."""
    members = [
        {
            "doc": f"d{number}.txt",
            "doc_title": "题",
            "source_url": "",
            "description": "句",
            "event_id": f"id{number}",
            "sources": cell,
        }
        for number, cell in enumerate(cells)
    ]
    assert merge.joined_sources(members) == _reference_sources(members)


@settings(max_examples=500, deadline=None)
@given(_CELL)
def test_a_cell_is_known_as_encoding_writes_it_without_encoding_it(cell) -> None:
    """A tidy cell is taken as its sources' text exactly when encoding them gives it:
    escapes, whitespace between the tokens and a key written twice all tell it apart."""
    items = merge._tidy_items(cell)
    if items is not None:
        assert merge._encoded(cell, items) == (encode_source_items(items) == cell)


_TIDY_SOURCE = {"doc": "a.txt", "title": "题", "url": "", "sentence": "一句", "ids": ["e1"]}


@pytest.mark.parametrize(
    "field, value",
    [
        ("doc", "b.txt "),
        ("doc", " b.txt"),
        ("doc", "b\u200e.txt"),
        ("title", "题  目"),
        ("title", "题\u2003目"),
        ("title", "题\u200d目"),
        ("sentence", " 一句"),
        ("sentence", "一句\u2003"),
        ("sentence", "一\x07句"),
        ("sentence", "一\u2003句"),
        ("url", "ftp://c"),
        ("url", "javascript:x"),
        ("url", "https://a.org/1"),
        ("ids", ["e\n1"]),
        ("ids", [" e1"]),
        ("ids", ["", "e1"]),
    ],
)
def test_one_odd_value_gives_the_sources_decoding_gives(field: str, value: object) -> None:
    """A cell whose one odd value decoding cleans (or keeps) joins as decoding it does."""
    odd = json.dumps([{**_TIDY_SOURCE, "doc": "b.txt", field: value}], ensure_ascii=False)
    members = [
        {"doc": "x.txt", "description": "句", "event_id": "x", "sources": odd},
        {
            "doc": "y.txt",
            "description": "句",
            "event_id": "y",
            "sources": json.dumps([_TIDY_SOURCE]),
        },
    ]
    assert merge.joined_sources(members) == _reference_sources(members)


def test_stage_ones_sources_are_joined_without_decoding_them() -> None:
    """Every row stage 1 makes of the merge corpus holds a cell decoding leaves as it
    is: a group's sources are joined from its members' JSON items."""
    rows, _ = _unmerged_rows()
    assert rows
    for row in rows:
        items = merge._tidy_items(row["sources"])
        assert items is not None, row["sources"]
        assert merge.joined_sources([row, row]) == _reference_sources([row, row])


def test_a_sentence_with_an_em_space_is_joined_without_decoding_it() -> None:
    """A sentence may hold whitespace other than a space (an em space between a date and
    a count): decoding keeps it, and so does the join, without decoding the cell."""
    source = Source("a.txt", "题", "", "发布时间:2008-09-08\u2003阅读数:26", ("e1",))
    other = Source("b.txt", "题", "https://a.org/1", "另一句", ("e2",))
    rows = [{"sources": encode_sources([one])} for one in (source, other)]
    assert merge._tidy_items(rows[0]["sources"]) is not None
    assert merge.joined_sources(rows) == encode_sources([source, other])


def test_a_printable_value_holds_no_character_decoding_cleans() -> None:
    """What :func:`timeline.merge._one_line_already` takes from ``str.isprintable``: no
    control, bidirectional or surrogate character, no whitespace but the space."""
    from timeline import schema

    cleaned = {chr(code) for code in schema._CONTROLS} | set(schema.LINE_BREAKS)
    cleaned |= {chr(code) for code in range(0xD800, 0xE000)}
    cleaned |= {chr(code) for code in range(0x110000) if chr(code).isspace()} - {" "}
    assert [c for c in cleaned if c.isprintable()] == []
