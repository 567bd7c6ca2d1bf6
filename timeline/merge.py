"""One happening, one event: rows that report the same happening become one row.

Several documents (or several paragraphs of one document: a summary and its
detailed account) often report the same meeting. Two rows are taken to report
the *same happening* when all of these hold:

* both are events or both deadlines (a ``published`` row is never merged);
* the same association;
* not two dates of one sentence (its text is the same by construction; the
  table's own rules say when those are one happening);
* both dated to the day (``day`` or ``week``: a month or a year says too little
  to tell two happenings apart) and their ranges overlap;
* what they say is alike: the sentences, without their dates, the association's
  name and a few words every report uses (协会, 召开, 举办 …), share at least
  :data:`THRESHOLD` of the character pairs (bigrams) of the shorter one
  (the overlap coefficient), or :data:`THRESHOLD_ONE_DOCUMENT` for two
  sentences of one document (an introduction and its account). Two reports of
  one meeting repeat its name (第五届会员大会, 智能制造论坛); two meetings of one
  day do not.

Merging is transitive (a report alike to two others joins them), except that a
group never holds two dates of one sentence: those the table kept apart. The merged row
is the row of its earliest source (by publication date, then document name, then
position), so its ``event_id`` stays when a later report is added or removed; its
``sources`` list every report, each with the ids its own rows had, so a review
made against any of them still applies (:func:`timeline.reviews.apply_reviews`).
The measure and its figures on ``tests/merge/`` are in the README.
"""

from __future__ import annotations

import functools
import re
from datetime import date

from timeline.schema import Source, decode_sources, encode_sources

#: Overlap coefficient of character bigrams from which two reports are one happening.
THRESHOLD = 0.4
#: The same, for two sentences of one document: a document that dates a happening
#: twice (its introduction, then its account) words it differently but names the
#: same places and partners, and one document rarely reports two happenings of one
#: association on one day in alike words.
THRESHOLD_ONE_DOCUMENT = 0.25
#: Precisions fine enough to tell two happenings of one association apart.
MERGEABLE = frozenset({"day", "week"})
#: How many later rows of an association one row is compared with: enough for any
#: real day, and a hostile table of thousands of rows on one day stays linear.
WINDOW = 64
#: Words nearly every report uses: they say nothing about which happening it is.
COMMON_WORDS = (
    "协会",
    "商会",
    "联合会",
    "召开",
    "举办",
    "举行",
    "组织",
    "参加",
    "开展",
    "活动",
    "企业",
    "会员",
    "上午",
    "下午",
    "当天",
    "同日",
    "顺利",
    "成功",
    "正式",
    "我会",
    "在",
    "的",
    "了",
    "和",
    "与",
)
_NOT_WORDS = re.compile(r"[\W\d_a-zA-Z]+")
_COMMON = re.compile("|".join(COMMON_WORDS))


def gist(row: dict) -> frozenset[str]:
    """The character bigrams of what a row says, without its date and common words."""
    return _gist(
        str(row.get("description") or row.get("title") or ""),
        str(row.get("date_text") or ""),
        str(row.get("association") or ""),
    )


@functools.lru_cache(maxsize=1 << 16)
def _gist(text: str, date_text: str, association: str) -> frozenset[str]:
    """:func:`gist` of these texts, made once per distinct texts: reports copied from one
    another (a reprint, a member's page quoting the association's) share their gist, and
    the very same set makes :func:`likeness` a single test."""
    for part in (date_text, association):
        if part:
            text = text.replace(part, " ")
    text = _COMMON.sub(" ", text)
    pieces = [piece for piece in _NOT_WORDS.split(text) if piece]
    return frozenset(piece[i : i + 2] for piece in pieces for i in range(len(piece) - 1))


def likeness(a: frozenset[str], b: frozenset[str]) -> float:
    """The overlap coefficient of two gists: shared bigrams over the smaller set."""
    if not a or not b:
        return 0.0
    if a is b:  # one gist made once for two rows of the same texts (:func:`_gist`)
        return 1.0
    return len(a & b) / min(len(a), len(b))


def mergeable(a: dict, b: dict) -> bool:
    """Whether two rows may be one happening before their text is compared."""
    return (
        a.get("role", "event") == b.get("role", "event") != "published"
        and a["association"] == b["association"]
        and a["granularity"] in MERGEABLE
        and b["granularity"] in MERGEABLE
        and a["start"] <= b["end"]
        and b["start"] <= a["end"]
        and (a["doc"], a["description"]) != (b["doc"], b["description"])
    )


def threshold(a: dict, b: dict) -> float:
    """The likeness from which ``a`` and ``b`` are one happening."""
    return THRESHOLD_ONE_DOCUMENT if a["doc"] == b["doc"] else THRESHOLD


def same_happening(a: dict, b: dict) -> bool:
    """Whether two rows report the same happening (see the module's measure)."""
    return mergeable(a, b) and likeness(gist(a), gist(b)) >= threshold(a, b)


def _order(row: dict) -> tuple:
    published = row.get("published")
    return (
        published if isinstance(published, date) else date.max,
        str(row["doc"]),
        int(row.get("span_start") or 0),
    )


def _candidates(rows: list[dict]) -> list[int]:
    """The rows that may merge (dated to the day), by association, then start, then place."""
    return sorted(
        (i for i, row in enumerate(rows) if row["granularity"] in MERGEABLE),
        key=lambda i: (str(rows[i]["association"]), rows[i]["start"], i),
    )


def groups(rows: list[dict]) -> list[list[int]]:
    """Indices of ``rows`` grouped by happening; each group in source order."""
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    gists: dict[int, frozenset[str]] = {}
    # Two dates of one sentence are apart when the table kept them apart: a group
    # never holds two of them (8月31日到访 … 8月31日至9月3日走进企业). Made for a
    # row when it first joins another.
    sentences: dict[int, set[tuple[str, str]]] = {}

    def sentences_of(k: int) -> set[tuple[str, str]]:
        found = sentences.get(k)
        if found is None:
            found = sentences[k] = {(rows[k]["doc"], rows[k]["description"])}
        return found

    # The likeness of two gists, computed once per distinct pair of sets: reports copied
    # from one another share one gist object (:func:`_gist`); the 102,422 comparisons of
    # the generated 10,000-document corpus's +1% rebuild are 162 distinct pairs.
    decided: dict[tuple[int, int], float] = {}

    # The cells compared, taken out of the rows once (a pair is looked at up to
    # WINDOW times per row): :func:`mergeable` and :func:`threshold`, inline.
    candidates = _candidates(rows)
    chosen = [rows[i] for i in candidates]
    associations = [row["association"] for row in chosen]
    starts = [row["start"] for row in chosen]
    ends = [row["end"] for row in chosen]
    roles = [row.get("role", "event") for row in chosen]
    docs = [row["doc"] for row in chosen]
    descriptions = [row["description"] for row in chosen]
    count = len(candidates)
    for position, i in enumerate(candidates):
        association, start, end = associations[position], starts[position], ends[position]
        role, doc, description = roles[position], docs[position], descriptions[position]
        # Unions below hang the other root under this one: i's root stays ``first``.
        first = root(i)
        for other in range(position + 1, min(count, position + 1 + WINDOW)):
            if associations[other] != association or starts[other] > end:
                break
            j = candidates[other]
            second = parent[j]  # a root, or a root's child (most rows): root() not called
            if parent[second] != second:
                second = root(j)
            if first == second:  # one group already: joining them again changes nothing
                continue
            if (
                roles[other] != role
                or role == "published"
                or not start <= ends[other]
                or (docs[other] == doc and descriptions[other] == description)
            ):
                continue  # not :func:`mergeable`
            for k in (i, j):
                if k not in gists:
                    gists[k] = gist(rows[k])
            limit = THRESHOLD_ONE_DOCUMENT if docs[other] == doc else THRESHOLD
            one, two = gists[i], gists[j]
            pair = (id(one), id(two))  # both sets live in ``gists`` while this runs
            alike = decided.get(pair)
            if alike is None:
                alike = decided[pair] = likeness(one, two)
            if alike >= limit and not (sentences_of(first) & sentences_of(second)):
                parent[second] = first
                sentences[first] |= sentences.pop(second)
    grouped: dict[int, list[int]] = {}
    for i in range(len(rows)):
        grouped.setdefault(root(i), []).append(i)
    return [sorted(members, key=lambda i: _order(rows[i])) for members in grouped.values()]


def clusters(rows: list[dict]) -> list[list[int]]:
    """Indices of ``rows`` cut where :func:`groups` can never join across, each in order.

    :func:`groups` compares a row only with the rows of its association that
    start, in its sorted order, before the row ends: wherever no earlier row's
    end reaches the next row's start, the sorted run splits, and merging each
    cluster on its own gives the very groups of merging them all (the property
    ``tests/test_merge.py`` checks). A row not dated to the day is a cluster of
    its own. Stage 2 sends clusters to different workers
    (:mod:`timeline.gather`).
    """
    found: list[list[int]] = []
    current: list[int] = []
    association, reach = None, None
    for i in _candidates(rows):
        row = rows[i]
        if current and (row["association"] != association or row["start"] > reach):
            found.append(sorted(current))
            current = []
        if current:
            reach = max(reach, row["end"])
        else:
            association, reach = row["association"], row["end"]
        current.append(i)
    if current:
        found.append(sorted(current))
    found.extend([i] for i, row in enumerate(rows) if row["granularity"] not in MERGEABLE)
    return found


def merge_rows(rows: list[dict]) -> list[dict]:
    """``rows`` with every happening reported more than once made one row.

    The row of the earliest source stays, with every source in ``sources`` and a
    time of day taken from another source when its own has none.
    """
    return merged_groups(rows, groups(rows))


def merged_groups(rows: list[dict], found: list[list[int]]) -> list[dict]:
    """One row per group of ``found`` (:func:`groups` of ``rows``), in the groups' order."""
    merged: list[dict] = []
    for members in found:
        first = rows[members[0]]  # a row reported once is kept as it is, not copied
        if len(members) > 1:
            first = dict(first)
            sources: list[Source] = []
            for i in members:
                sources.extend(_sources_of(rows[i]))
            first["sources"] = encode_sources(_joined(sources))
            if not first.get("time_start"):
                timed = next((rows[i] for i in members if rows[i].get("time_start")), None)
                if timed is not None:
                    first["time_start"], first["time_end"] = timed["time_start"], timed["time_end"]
        merged.append(first)
    return merged


def _sources_of(row: dict) -> tuple[Source, ...]:
    found = decode_sources(row.get("sources"))
    if found:
        return found
    return (
        Source(
            str(row["doc"]),
            str(row.get("doc_title") or ""),
            str(row.get("source_url") or ""),
            str(row.get("description") or ""),
            (str(row["event_id"]),),
        ),
    )


def _joined(sources: list[Source]) -> list[Source]:
    """One source per document and sentence, its ids joined, in first-seen order."""
    out: dict[tuple[str, str], Source] = {}
    for source in sources:
        key = (source.doc, source.sentence)
        if key in out:
            known = out[key]
            ids = tuple(dict.fromkeys((*known.ids, *source.ids)))
            out[key] = Source(known.doc, known.title, known.url, known.sentence, ids)
        else:
            out[key] = source
    return list(out.values())
