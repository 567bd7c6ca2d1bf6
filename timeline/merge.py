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
group never holds two dates of one sentence: those the table kept apart. Rows that
say the same thing in different documents are copies of one report
(:func:`reports`): joined first, without a comparison, and compared with other
reports as one, so merging costs per distinct report, not per row, in the order
of the reports' own keys (:func:`groups`). The merged row
is the row of its earliest source (by publication date, then document name, then
position), so its ``event_id`` stays when a later report is added or removed; its
``sources`` list every report, each with the ids its own rows had, so a review
made against any of them still applies (:func:`timeline.reviews.apply_reviews`).
The measure and its figures on ``tests/merge/`` are in the README.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import date

from timeline.schema import (
    SOURCE_KEYS,
    Source,
    decode_sources,
    encode_source_items,
    http_url,
    printable,
    source_item,
)

#: Overlap coefficient of character bigrams from which two reports are one happening.
THRESHOLD = 0.4
#: The same, for two sentences of one document: a document that dates a happening
#: twice (its introduction, then its account) words it differently but names the
#: same places and partners, and one document rarely reports two happenings of one
#: association on one day in alike words.
THRESHOLD_ONE_DOCUMENT = 0.25
#: Precisions fine enough to tell two happenings of one association apart.
MERGEABLE = frozenset({"day", "week"})
#: How many later reports of an association (distinct rows, :func:`reports`) one
#: report is compared with: enough for any real day, and a hostile table of thousands
#: of different rows on one day stays linear.
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


def _report_key(row: dict) -> tuple:
    """What merging compares of a row, but its document: the rows of one key, from
    different documents, are copies of one report (a reprint, a member's page quoting
    the association's), alike by construction and always one happening."""
    description = row.get("description")
    return (
        str(row["association"]),
        row["start"],
        row["end"],
        str(row.get("role", "event")),
        str(description or ""),
        "" if description else str(row.get("title") or ""),  # what :func:`gist` reads
        str(row.get("date_text") or ""),
    )


def reports(rows: list[dict]) -> tuple[dict[tuple, list[int]], list[int]]:
    """The rows that may merge, as reports: copies of one report (:func:`_report_key`)
    under one key, and the rows that merge with nothing.

    The ``n``-th row of a key in one document (by place) belongs to the key's ``n``-th
    report, and the key ends with ``n``: two rows of one sentence and one date in one
    document are never one happening (the sentence rule), so they are two reports.
    A row not dated to the day, a publication line, or a report whose text is only its
    date and common words (its gist is empty: alike to nothing) merges with nothing.
    """
    found: dict[tuple, list[int]] = {}
    alone: list[int] = []
    seen: dict[tuple, int] = {}
    for i in sorted(range(len(rows)), key=lambda i: _place_in_document(rows[i], i)):
        row = rows[i]
        if row["granularity"] not in MERGEABLE or row.get("role", "event") == "published":
            alone.append(i)
            continue
        key = _report_key(row)
        counted = (row["doc"], key)
        number = seen[counted] = seen.get(counted, -1) + 1
        found.setdefault((*key, number), []).append(i)
    for key in [key for key, members in found.items() if not gist(rows[members[0]])]:
        alone.extend(found.pop(key))
    return found, alone


def _place_in_document(row: dict, i: int) -> tuple:
    return str(row["doc"]), int(row.get("span_start") or 0), i


def groups(rows: list[dict]) -> list[list[int]]:
    """Indices of ``rows`` grouped by happening; each group in source order.

    Copies of one report are joined first (:func:`reports`), without comparing them;
    then the distinct reports are compared with each other, in the order of their own
    keys (association, start, end, …), each with at most :data:`WINDOW` later reports
    of its association starting before it ends, not in the rows' order: a rebuild's
    copy of a known report joins its report, and a group that only gained copies
    gains only those sources (``tests/test_merge.py``). Joins are made from the most alike pair of reports down (then by
    the reports' keys), each unless it would put two dates of one sentence in one
    group: where that rule must choose, it keeps the closest reports together.
    """
    found, alone = reports(rows)
    keys = sorted(found)  # the canonical order: a newcomer does not shift the others'
    members = [found[key] for key in keys]
    gists = [gist(rows[group[0]]) for group in members]
    docs = [frozenset(rows[i]["doc"] for i in group) for group in members]
    # The likeness of two gists, computed once per distinct pair of sets (:func:`_gist`
    # makes one set per distinct text).
    decided: dict[tuple[int, int], float] = {}
    edges: list[tuple[float, int, int]] = []
    count = len(keys)
    for p in range(count):
        association, start, end, role, description = keys[p][:5]
        for q in range(p + 1, min(count, p + 1 + WINDOW)):
            other = keys[q]
            if other[0] != association or other[1] > end:
                break
            if other[3] != role:
                continue  # not :func:`mergeable`
            shared = docs[p] & docs[q]
            if shared and other[4] == description:
                continue  # one sentence in one document: never one happening
            one, two = gists[p], gists[q]
            pair = (id(one), id(two))  # both sets live in ``gists`` while this runs
            alike = decided.get(pair)
            if alike is None:
                alike = decided[pair] = likeness(one, two)
            # :func:`threshold` of their rows: two documents' reports at THRESHOLD, one
            # document's two sentences at THRESHOLD_ONE_DOCUMENT
            apart = not (len(docs[p]) == 1 and docs[p] == docs[q])
            if (alike >= THRESHOLD and apart) or (shared and alike >= THRESHOLD_ONE_DOCUMENT):
                edges.append((-alike, p, q))
    edges.sort()
    parent = list(range(count))

    def root(p: int) -> int:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    # Two dates of one sentence are apart when the table kept them apart: a group never
    # holds two of them (8月31日到访 … 8月31日至9月3日走进企业).
    sentences: dict[int, set[tuple[str, str]]] = {}

    def sentences_of(p: int) -> set[tuple[str, str]]:
        held = sentences.get(p)
        if held is None:
            held = sentences[p] = {(rows[i]["doc"], rows[i]["description"]) for i in members[p]}
        return held

    for _, p, q in edges:
        first, second = root(p), root(q)
        if first == second or sentences_of(first) & sentences_of(second):
            continue
        if second < first:
            first, second = second, first
        parent[second] = first
        sentences[first] |= sentences.pop(second)
    where = {i: i for i in alone}
    for p, group in enumerate(members):
        top = members[root(p)][0]
        for i in group:
            where[i] = top
    grouped: dict[int, list[int]] = {}
    for i in range(len(rows)):
        grouped.setdefault(where[i], []).append(i)
    return [sorted(group, key=lambda i: _order(rows[i])) for group in grouped.values()]


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
            first["sources"] = joined_sources([rows[i] for i in members])
            if not first.get("time_start"):
                timed = next((rows[i] for i in members if rows[i].get("time_start")), None)
                if timed is not None:
                    first["time_start"], first["time_end"] = timed["time_start"], timed["time_end"]
        merged.append(first)
    return merged


def joined_sources(members: list[dict]) -> str:
    """The ``sources`` cell of a group of rows: every member's sources decoded
    (:func:`timeline.schema.decode_sources`), one per document and sentence with their
    ids joined in first-seen order, encoded again (:func:`timeline.schema.encode_sources`).

    The same text, made without a :class:`~timeline.schema.Source` per member: a member's
    cell that decoding would leave as it is (:func:`_tidy_items`: what stage 1 writes)
    is joined as the JSON items it holds; any other goes through ``decode_sources``. A
    +1 % rebuild re-merges every cluster a new row reaches, whose groups hold dozens of
    copies of one report (``docs/scale.md``, ninth session). A source taken unchanged
    from a member's cell of one source written as encoding writes it (:func:`_encoded`)
    is that cell's text, not encoded again (``docs/scale.md``, eleventh session).
    """
    out: dict[tuple[str, str], dict] = {}
    #: Per source: its encoded text, when a member's cell holds it as encoding writes it.
    texts: dict[tuple[str, str], str | None] = {}
    for row in members:
        cell = row.get("sources")
        items = _tidy_items(cell)
        text = None
        if items is None:
            items = [source_item(source) for source in _sources_of(row)]
        elif len(items) == 1 and _encoded(cell, items):
            text = cell[1:-1]
        for item in items:
            key = (item["doc"], item["sentence"])
            known = out.get(key)
            if known is None:
                out[key], texts[key] = item, text
                continue
            ids = list(dict.fromkeys((*known["ids"], *item["ids"])))
            if ids != known["ids"]:
                out[key], texts[key] = {**known, "ids": ids}, None
    if all(text is not None for text in texts.values()):
        return "[" + ",".join(texts.values()) + "]"  # type: ignore[arg-type]
    # a list encodes as its items' encodings joined by "," (compact separators)
    pieces = [
        text if text is not None else encode_source_items([out[key]])[1:-1]
        for key, text in texts.items()
    ]
    return "[" + ",".join(pieces) + "]"


#: The length of a source's JSON object with every text empty and no id.
_EMPTY_ITEM = len(encode_source_items([dict.fromkeys(SOURCE_KEYS[:-1], "") | {"ids": []}])) - 2


def _encoded(cell: str, items: list[dict]) -> bool:
    """Whether ``cell`` is the very text :func:`timeline.schema.encode_source_items` makes
    of ``items`` (what :func:`_tidy_items` read of it), known without encoding them.

    Without a backslash, every text in the cell stands as it is between its quotes (JSON
    escapes a quote, a backslash and a control character, and the cell was read), and
    the only other way to write the same items is with whitespace between the tokens, or
    a key twice: either makes the cell longer than the encoding, whose length is counted
    from the texts.
    """
    if "\\" in cell:
        return False
    length = 2 + len(items) - 1
    for item in items:
        ids = item["ids"]
        length += _EMPTY_ITEM + len(item["doc"]) + len(item["title"]) + len(item["url"])
        length += len(item["sentence"]) + sum(map(len, ids)) + 3 * len(ids) - (1 if ids else 0)
    return len(cell) == length


def _tidy_items(cell: object) -> list[dict] | None:
    """The JSON objects of a ``sources`` cell that :func:`timeline.schema.decode_sources`
    would give back unchanged (each value already the one its cleaning makes), else None.

    Such a cell's objects are its sources, value for value: each has the keys
    :data:`timeline.schema.SOURCE_KEYS`, in order; ``doc``, ``title`` and
    every id are what :func:`timeline.schema.one_line` leaves as they are, ``doc`` and
    every id not empty; ``sentence`` is what ``printable(...).strip()`` leaves; ``url``
    is empty or a plain http(s) URL. The checks are sufficient, not necessary: a cell
    they refuse is decoded, so the answer is the same either way.
    """
    if not isinstance(cell, str):
        return None
    try:
        items = json.loads(cell)
    except ValueError:
        return None
    if not isinstance(items, list) or not items:
        return None
    for item in items:
        if type(item) is not dict or tuple(item) != SOURCE_KEYS:
            return None
        doc, title, url, sentence, ids = item.values()
        if not (doc and _one_line_already(doc) and _one_line_already(title)):
            return None
        if not _sentence_already(sentence):
            return None
        if type(url) is not str or (url and http_url(url) != url):
            return None
        if type(ids) is not list or not all(one and _one_line_already(one) for one in ids):
            return None
    return items


def _one_line_already(text: object) -> bool:
    """Whether ``text`` is a string :func:`timeline.schema.one_line` returns as it is,
    known without cleaning it: :meth:`str.isprintable` (no control, bidirectional or
    surrogate character, no whitespace but the space; ``tests/test_merge.py`` checks
    this over every code point), no space doubled or at an end."""
    return (
        type(text) is str
        and text.isprintable()
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
    )


def _sentence_already(text: object) -> bool:
    """Whether ``text`` is a string ``printable(text).strip()`` returns as it is (a
    sentence may hold other whitespace, an em space: then ``printable`` is asked)."""
    return (
        type(text) is str
        and (text.isprintable() or printable(text) == text)
        and text.strip() == text
    )


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
