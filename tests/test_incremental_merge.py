"""Stage 2 incremental: the clusters kept from the last build and the ones merged again.

A rebuild takes from the last build the merged rows of every cluster whose rows are
exactly the last build's (:class:`timeline.gather.Clusters`) and merges only the
others. For random corpora split into the documents of a first build and those
added (or removed) before the second, the second build's merged rows must be the
rows of merging everything afresh: the same rows, in the same order, whatever
was kept, rows held as dicts or as Arrow tables.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline import gather
from timeline.cache import DocumentCache
from timeline.engine import Engine
from timeline.partitions import ORDER_COLUMNS, RowStore
from timeline.schema import COLUMNS

_SENTENCES = (
    "协会召开第五届会员大会，选举新一届理事会。",
    "第五届会员大会在杭州召开，选举产生理事会。",
    "协会举办智能制造论坛，企业代表参加。",
    "智能制造论坛举行，多家企业参加交流。",
    "秘书处走访会员企业，调研生产经营情况。",
)


def _row(draw, doc: str, seq: int) -> dict:
    first = date(2024, 3, 1) + timedelta(days=draw(st.integers(0, 30)))
    row = {column: "" for column in COLUMNS}
    row.update(
        event_id=f"{doc}#{seq}",
        association=draw(st.sampled_from(("甲会", "乙会"))),
        start=first,
        end=first + timedelta(days=draw(st.sampled_from((0, 0, 1, 6)))),
        granularity=draw(st.sampled_from(("day", "day", "week", "month"))),
        role=draw(st.sampled_from(("event", "event", "deadline", "published"))),
        doc=doc,
        description=draw(st.sampled_from(_SENTENCES)),
        date_text="3月",
        published=draw(st.sampled_from((None, date(2024, 2, 1), date(2024, 5, 1)))),
        span_start=seq * 10,
        span_end=seq * 10 + 5,
        time_start=draw(st.sampled_from(("", "", "09:00"))),
    )
    return row


@st.composite
def _corpora(draw) -> tuple[dict[str, list[dict]], list[str], list[str]]:
    """Documents (name: rows) and the names of the first build's and the second's."""
    names = [f"d{number:02d}.txt" for number in range(draw(st.integers(1, 14)))]
    documents = {
        name: [_row(draw, name, seq) for seq in range(draw(st.integers(0, 6)))] for name in names
    }
    first = [name for name in names if draw(st.booleans())]
    kept = [name for name in first if draw(st.integers(0, 5))]  # some first ones removed
    second = sorted({*kept, *(name for name in names if draw(st.booleans()))})
    return documents, first, second


def _merged(documents: dict, names: list[str], spilled: bool, folder: Path, cache=None) -> str:
    """The merged rows of the documents ``names`` (in that order) as CSV, in the order of
    merging them all at once; with ``cache``, through the kept clusters."""
    store = RowStore(
        folder / "partitions" if spilled else None, partition_rows=3, memory_bytes=2**20
    )
    if spilled:
        store.kept = []  # as build_events keeps them: every association's table handed out
    for index, name in enumerate(names):
        store.add(index, [dict(row) for row in documents[name]], [])
    engine = Engine(workers=0, cache=cache)
    keys = [f"key-of-{name}\0{name}" for name in names] if cache is not None else None
    frame = gather.merged_table(store, engine, len(names), keys, "slot" if cache else None)
    frame = frame.sort_values(list(ORDER_COLUMNS), kind="stable").reset_index(drop=True)
    return pd.DataFrame(frame[[*COLUMNS, *ORDER_COLUMNS]]).to_csv(index=False)


@settings(max_examples=60, deadline=None)
@given(_corpora(), st.booleans())
def test_a_rebuild_merges_as_a_fresh_build_whatever_was_kept(corpus, spilled: bool) -> None:
    documents, first, second = corpus
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        cache = DocumentCache(folder / "cache")
        _merged(documents, first, spilled, folder, cache)  # the first build keeps its clusters
        again = _merged(documents, second, spilled, folder, cache)
        assert again == _merged(documents, second, spilled, folder)
        # and the kept clusters of the second build serve a third build of the same documents
        assert _merged(documents, second, spilled, folder, cache) == again


@settings(max_examples=20, deadline=None)
@given(_corpora(), st.booleans())
def test_the_one_row_clusters_are_made_frames_once_the_last_part_is_given(
    corpus, spilled: bool
) -> None:
    """While the parts are being made (and, with workers, merged), no one-row cluster is
    made a frame yet; once the last part is given, all of them are, and the table is
    the one merging everything gives."""
    documents, _, names = corpus
    with tempfile.TemporaryDirectory() as name:
        store = RowStore(
            Path(name) / "partitions" if spilled else None, partition_rows=3, memory_bytes=2**20
        )
        if spilled:
            store.kept = []
        for index, document in enumerate(names):
            store.add(index, [dict(row) for row in documents[document]], [])
        plan = gather._Plan(None, None)
        frames = []
        for part in plan.parts(store, size=2):
            assert plan.alone == []
            frames.append(gather.merge_part(part))
        assert all(len(frame) for frame in plan.alone)
        table = plan.table([*frames, *plan.alone])
        merged = table if table is not None else gather._frame_of_rows([])
        merged = merged.sort_values(list(ORDER_COLUMNS), kind="stable").reset_index(drop=True)
        csv = pd.DataFrame(merged[[*COLUMNS, *ORDER_COLUMNS]]).to_csv(index=False)
        assert csv == _merged(documents, names, spilled, Path(name) / "fresh")
