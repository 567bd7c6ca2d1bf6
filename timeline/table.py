"""The event table: documents in, one row per dated event out.

:func:`build_table` reads each document on its own (so a run can be split across
machines), resolves its dates with :mod:`normalizers`, drops what stands in site
boilerplate, and turns every remaining ``event`` mention into a row. Periods
(十四五, a plan's years) are kept apart in :attr:`TableResult.periods`.

The columns, their vocabularies and how cells are decoded are in
:mod:`timeline.schema`, the table's contract with the exporters.
"""

from __future__ import annotations

import bisect
import hashlib
import pickle
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from normalizers import DateMention
from normalizers.qualifiers import qualifier_word_end
from timeline import limits
from timeline.arrow_pool import use_build_pool
from timeline.associations import Organisations, detect_association, find_organisations
from timeline.boilerplate import boilerplate_spans, reads_as_prose
from timeline.cache import DocumentCache, Packed
from timeline.collector import collector_paused
from timeline.dates import collect_manifest
from timeline.documents import (
    DEFAULT_MAX_BYTES,
    DOCUMENT_SUFFIXES,
    Document,
    DocumentError,
    expand_paths,
    load_document,
)
from timeline.engine import Engine, Workers, each_partition
from timeline.events import event_title, may_end_sentence, sentence_bounds
from timeline.files import write_atomic
from timeline.gather import Clusters, _frame, frame_of_periods, merged_table
from timeline.kept import Kept, keep
from timeline.manifest import (  # noqa: F401 (ManifestError re-exported)
    DocumentMetadata,
    ManifestError,
    Resolver,
)
from timeline.partitions import ORDER_COLUMNS, PERIOD_COLUMNS, RowStore, row_store
from timeline.present import resolve
from timeline.reviews import Review, ReviewError, ReviewReport, apply_reviews, load_reviews
from timeline.schema import (  # noqa: F401 (COLUMNS, read_table, table_bytes, WRITERS re-exported)
    COLUMNS,
    ORGANISATION_SEPARATOR,
    QUALIFIER,
    WRITERS,
    Source,
    empty_table,
    encode_sources,
    http_url,
    one_line,
    printable,
    read_table,
    table_bytes,
    time_text,
)

UNKNOWN_ASSOCIATION = "（未识别协会）"

Manifest = dict[Path, DocumentMetadata]


@dataclass(frozen=True)
class DocumentEvents:
    """One document's events and periods, or the error that stopped it."""

    path: Path
    rows: list[dict] = field(default_factory=list)
    periods: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    repairs: list[str] = field(default_factory=list)  # see Document.repairs


@dataclass
class TableResult:
    """What :func:`build_events` made of a set of documents.

    Three kinds of trouble, each a list of ``(path, message)`` with the message
    naming the file: ``errors``, documents that could not be read at all (their
    events are missing); ``problems``, input that is not a document but counts
    (a bad manifest row, whose metadata is missing; a folder argument without
    documents); ``repairs``, documents read by giving something up (a
    character cut off at the end, a page too deep for the HTML parser, a Word
    file named .txt), whose events are in the table. Each of them, like a review that cannot be applied, fails the run
    (:attr:`failed`); only the first two make the table :attr:`incomplete`.
    """

    table: pd.DataFrame
    periods: pd.DataFrame
    #: The table before reviews were applied, in the order rows were extracted:
    #: :attr:`extracted`. Without reviews it is :attr:`table`'s rows in another
    #: order, kept as that order (``_extracted_order``) rather than a second table.
    _extracted: pd.DataFrame | None = field(default=None, repr=False)
    _extracted_order: tuple | None = field(default=None, repr=False)
    errors: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)
    reviews: ReviewReport = field(default_factory=ReviewReport)
    documents: int = 0
    problems: list[tuple[Path, str]] = field(default_factory=list)
    repairs: list[tuple[Path, str]] = field(default_factory=list)
    #: Seconds of each stage: ``documents`` (stage 1, every document on its own,
    #: in the engine) and ``gather`` (stage 2: merging, reviews, the table's order).
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def extracted(self) -> pd.DataFrame | None:
        """The table before reviews were applied, in the order its rows were extracted."""
        if self._extracted is None and self._extracted_order is not None:
            positions, index = self._extracted_order
            extracted = self.table.take(positions)
            extracted.index = index
            return extracted
        return self._extracted

    @extracted.setter
    def extracted(self, table: pd.DataFrame | None) -> None:
        self._extracted, self._extracted_order = table, None

    @property
    def incomplete(self) -> bool:
        """Events or their metadata are missing: a document or a manifest row failed."""
        return bool(self.errors) or bool(self.problems)

    @property
    def failed(self) -> bool:
        return self.incomplete or bool(self.repairs) or bool(self.reviews.messages)


_SPACES = re.compile(r"\s+")
_NOT_WORDS = re.compile(r"[\s\W_]+")


def event_id(doc: str, sentence: str, date_text: str, occurrence: int) -> str:
    """A stable id from what the text says, not from what the resolver made of it.

    >>> event_id("a.txt", "8月22日，军团开展活动。", "8月22日", 1)
    'ev-...'
    """
    key = "\x1f".join((doc, _SPACES.sub(" ", sentence).strip(), date_text, str(occurrence)))
    return "ev-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _inside(span: tuple[int, int], zones: list[tuple[int, int]] | _Zones) -> bool:
    if isinstance(zones, _Zones):
        return zones.contain(span)
    return any(start <= span[0] and span[1] <= end for start, end in zones)


class _Zones:
    """Boilerplate zones, asked "is this span inside one?" in logarithmic time.

    A long capture has thousands of zones and thousands of dates: asking every
    zone for every date would take their product.
    """

    def __init__(self, zones: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(zones)
        self.starts = [start for start, _ in ordered]
        self.reach: list[int] = []  # the furthest end of the zones so far
        for _, end in ordered:
            self.reach.append(max(end, self.reach[-1]) if self.reach else end)

    def contain(self, span: tuple[int, int]) -> bool:
        index = bisect.bisect_right(self.starts, span[0])
        return index > 0 and self.reach[index - 1] >= span[1]


#: How far from its date a sentence is looked for, when its line is longer than
#: :data:`LINE_REACH` either way. Sentences end at line breaks, so an ordinary
#: document is read exactly as it is; a "sentence" running on for pages (a table
#: flattened into one line, a hostile file) is cut, or each of its dates would
#: read all of it and a document would take the square of its length.
SENTENCE_REACH = 200
#: A line is taken whole, for its sentence and the heading of its enumerated
#: item (``（三）参与植树护绿。…``), when it ends within this many characters.
LINE_REACH = 2000


def _surroundings(text: str, span: tuple[int, int]) -> tuple[str, int]:
    r"""The part of ``text`` where the sentence and title of ``span`` are looked for.

    Returns the part and its offset in ``text``: the mention's whole line when
    it reaches no further than :data:`LINE_REACH` either side, else
    :data:`SENTENCE_REACH` characters on that side.

    >>> _surroundings("第一行。\n8月22日，协会召开年会。\n第三行。", (5, 10))
    ('8月22日，协会召开年会。', 5)
    """
    start, end = span
    low = max(0, start - LINE_REACH)
    found = text.rfind("\n", low, start)
    first = found + 1 if found >= 0 else (0 if low == 0 else start - SENTENCE_REACH)
    high = min(len(text), end + LINE_REACH)
    found = text.find("\n", end, high)
    last = found if found >= 0 else (len(text) if high == len(text) else end + SENTENCE_REACH)
    return text[first:last], first


def document_events(
    path: str | Path,
    metadata: DocumentMetadata | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> DocumentEvents:
    """Read one document and turn its dated sentences into rows; errors are returned.

    ``max_bytes`` is the size limit per document (None: no limit).
    """
    path = Path(path)
    try:
        with limits.time_budget():  # reading and resolving, bounded in time
            document = load_document(path, max_bytes)
            outcome = _rows_of(document, metadata)
            limits.check_events(len(outcome.rows))
    except DocumentError as error:
        return DocumentEvents(path=path, error=str(error))
    except limits.LimitExceeded as error:
        return DocumentEvents(path=path, error=f"{path.name}: {error}")
    except Exception as error:  # a bug on one document must not stop the others
        return DocumentEvents(
            path=path, error=f"{path.name}: processing failed: {type(error).__name__}: {error}"
        )
    outcome.repairs.extend(f"{document.name}: {repair}" for repair in document.repairs)
    return outcome


def _rows_of(document: Document, metadata: DocumentMetadata | None) -> DocumentEvents:
    text = document.text
    resolution = resolve(document, metadata)
    zones = boilerplate_spans(text)
    title = (
        metadata.title if metadata and metadata.title else _document_title(document, zones)
    ) or ""
    organisations = None  # the text's names, read once for the association and the rows
    association = metadata.association if metadata and metadata.association else None
    if not association:
        organisations = Organisations(text)
        association = detect_association(text, title or None, zones, organisations)
    association = association or UNKNOWN_ASSOCIATION
    url = (metadata.url if metadata and metadata.url else document.url) or ""
    warnings = [
        f"{document.name}: offset {w.span[0]}: {w.text}: {w.message}" for w in resolution.warnings
    ]
    if url and not http_url(url):
        warnings.append(f"{document.name}: its address {url!r} is not an http(s) address; left out")
        url = ""
    source = DocumentSource(
        doc=document.name,
        title=title,
        url=url,
        association=association,
        published=resolution.published,
        published_span=resolution.published_span,
    )
    zones = _Zones(zones)
    warnings.extend(
        f"{document.name}: offset {mention.span[0]}: {mention.text}: left out as"
        " the page's boilerplate (footer, navigation, link list), though it dates a sentence"
        for mention in resolution.mentions
        if mention.kind == "event"
        and _inside(mention.span, zones)
        and reads_as_prose(text, mention.span[0])
    )
    rows, periods = mention_rows(text, resolution.mentions, source, zones, organisations)
    return DocumentEvents(path=document.path, rows=rows, periods=periods, warnings=warnings)


@dataclass(frozen=True)
class DocumentSource:
    """What every row of one document shares."""

    doc: str
    title: str = ""
    url: str = ""
    association: str = UNKNOWN_ASSOCIATION
    published: date | None = None
    published_span: tuple[int, int] | None = None  # the publication line's date
    #: The association and the title as cells (one line, printable): made once for
    #: the document, not once for each of its rows.
    association_cell: str = field(init=False, repr=False, compare=False)
    title_cell: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "association_cell", one_line(self.association))
        object.__setattr__(self, "title_cell", one_line(self.title))


def _role(mention: DateMention, published_span: tuple[int, int] | None) -> str:
    """``published`` for the document's own date line, ``deadline`` for a 截止 date."""
    if (
        published_span
        and mention.span[0] < published_span[1]
        and published_span[0] < mention.span[1]
    ):
        return "published"
    return "deadline" if mention.qualifier == "deadline" else "event"


def _title_span(
    near: str, local: tuple[int, int], mention: DateMention, offset: int
) -> tuple[int, int]:
    """The date as the title leaves it out: with its time (上午9时至11时30分) and its
    qualifier word (11月20日前), so that neither becomes the event's name."""
    end = local[1]
    if mention.time_span is not None and 0 <= mention.time_span[0] - offset - end <= 2:
        end = max(end, min(len(near), mention.time_span[1] - offset))
    if mention.qualifier:
        end = qualifier_word_end(near, end) or end
    return local[0], end


def _same_sentence(
    near: str, local: tuple[int, int], title_span: tuple[int, int], bounds: tuple[int, int]
) -> tuple[int, int] | None:
    """``bounds`` (the sentence of ``local``) when they are the sentence of ``title_span`` too.

    The title's span only reaches further right (a time, a qualifier word); with no
    character that may end a sentence in what it adds, nor a space ending it, the
    sentence is the same and is not looked for again.
    """
    if title_span[1] == local[1]:
        return bounds
    if may_end_sentence(near, local[1], title_span[1]) or near[title_span[1] - 1].isspace():
        return None
    return bounds


def mention_rows(
    text: str,
    mentions: Iterable[DateMention],
    source: DocumentSource,
    zones: Iterable[tuple[int, int]] = (),
    organisations: Organisations | None = None,
) -> tuple[list[dict], list[dict]]:
    """The rows (:data:`COLUMNS`) and period rows of one document's resolved mentions.

    ``organisations``: the names of ``text``, when the caller has read them (each
    sentence then takes its own from them instead of being read again).

    Mentions in boilerplate ``zones`` are skipped. Within one sentence, a mention
    that resolves to the same days as an earlier one (2月14日 … 当天) and a year
    that only repeats the year of a finer mention (2023年3月15日 … 2023年年会)
    give no row of their own: their ids become aliases of the row they repeat
    (:attr:`schema.Source.ids`), so a review made against them still applies.
    """
    rows: list[dict] = []
    periods: list[dict] = []
    seen: dict[tuple[str, str], int] = {}
    zones = zones if isinstance(zones, _Zones) else _Zones(zones)
    pending: list[tuple[DateMention, str, str, str, int]] = []  # with the sentence's start
    for mention in mentions:
        if _inside(mention.span, zones):
            continue
        near, offset = _surroundings(text, mention.span)
        local = (mention.span[0] - offset, mention.span[1] - offset)
        first, last = sentence_bounds(near, local)
        whole = near[first:last]
        sentence = whole.strip()
        sentence_start = offset + first + len(whole) - len(whole.lstrip())
        if mention.kind != "event":
            periods.append(_period_row(source, mention, sentence))
            continue
        occurrence = seen[(sentence, mention.text)] = seen.get((sentence, mention.text), 0) + 1
        title_span = _title_span(near, local, mention, offset)
        event_name = event_title(
            near, title_span, sentence=_same_sentence(near, local, title_span, (first, last))
        )
        if _says_nothing(event_name, mention.text):
            # A dateline (2021-2-9, 发布时间:…) dates the document: name it by its headline.
            event_name = _headline_above(text, mention.span[0], zones) or source.title or event_name
        identifier = event_id(source.doc, sentence, mention.text, occurrence)
        pending.append((mention, sentence, identifier, event_name, sentence_start))
    kept: list[dict] = []
    by_sentence: dict[str, list[dict]] = {}
    cells: dict[str, tuple[str, str]] = {}  # by sentence: several dates share one
    for mention, sentence, identifier, event_name, sentence_start in pending:
        if sentence not in cells:
            names = (
                find_organisations(sentence)
                if organisations is None
                else organisations.names(sentence_start, sentence_start + len(sentence))
            )
            cells[sentence] = _sentence_cells(sentence, names, source)
        row = _row(mention, identifier, event_name, source, *cells[sentence])
        same = _repeated(row, by_sentence.setdefault(row["description"], []))
        if same is not None:
            same["_ids"].append(identifier)
            continue
        row["_ids"] = [identifier]
        kept.append(row)
        by_sentence[row["description"]].append(row)
    for row in kept:
        ids = row.pop("_ids")
        row["sources"] = encode_sources(
            [Source(source.doc, source.title_cell, source.url, row["description"], tuple(ids))]
        )
        rows.append(row)
    return rows, periods


def _one_year(row: dict) -> int | None:
    return row["start"].year if row["start"].year == row["end"].year else None


def _repeated(row: dict, earlier: list[dict]) -> dict | None:
    """The earlier row of the same sentence that ``row`` only repeats, if any.

    When a finer date follows a year that it falls in, the year's row takes the
    finer date (its id stays: ids come from the text, not from the value).
    """
    if row["role"] == "published":
        return None
    year = _one_year(row)
    for other in earlier:
        if other["role"] == "published":
            continue
        if (other["start"], other["end"]) == (row["start"], row["end"]):
            return other  # 2月14日 … 当天
        if year is None or _one_year(other) != year:
            continue
        if row["granularity"] == "year" and other["granularity"] != "year":
            return other  # 2023年3月15日 … 召开2023年会员大会
        if other["granularity"] == "year" and row["granularity"] != "year":
            other.update({k: v for k, v in row.items() if k not in ("event_id", "_ids")})
            return other
    return None


def _sentence_cells(
    sentence: str, organisations: list[str], source: DocumentSource
) -> tuple[str, str]:
    """The ``description`` and ``organisations`` cells of ``sentence``'s rows.

    ``organisations``: :func:`find_organisations` of ``sentence``; the document's
    own association is not among the others.
    """
    others = [name for name in organisations if name != source.association]
    return printable(sentence), one_line(ORGANISATION_SEPARATOR.join(others))


def _row(
    mention: DateMention,
    identifier: str,
    event_name: str,
    source: DocumentSource,
    description: str,
    organisations: str,
) -> dict:
    """One row; ``description`` and ``organisations``: :func:`_sentence_cells`."""
    return {
        "event_id": identifier,
        "association": source.association_cell,
        "start": mention.start,
        "end": mention.end,
        "granularity": mention.granularity,
        "title": one_line(event_name),
        "description": description,
        "date_text": mention.text,
        "doc": source.doc,
        "doc_title": source.title_cell,
        "published": source.published,
        "source_url": source.url,
        "span_start": mention.span[0],
        "span_end": mention.span[1],
        "anchor": mention.anchor,
        "organisations": organisations,
        "status": "",
        "role": _role(mention, source.published_span),
        "qualifier": mention.qualifier if mention.qualifier in QUALIFIER else "",
        "time_start": time_text(mention.time_start),
        "time_end": time_text(mention.time_end),
        "sources": "",
    }


_LABELS = re.compile(
    r"^(?:发布|发表|更新|上传)?(?:时间|日期)|^(?:release|published|date)", re.IGNORECASE
)


def _says_nothing(title: str, date_text: str) -> bool:
    """True for a title that is only the date or a header label (发布时间)."""
    words = _NOT_WORDS.sub("", title.replace(date_text, ""))
    return len(words) < 2 or bool(_LABELS.match(words)) and len(words) <= 6


def _document_title(document: Document, zones: list[tuple[int, int]]) -> str:
    """A plain-text capture's title: its first headline-like line outside boilerplate.

    Web captures start with the site's navigation; a file's first line is only
    its title when nothing better stands before the article.
    """
    if document.format not in ("txt", "md"):
        return document.title or ""
    position = 0
    for line in document.text.split("\n"):
        start, position = position, position + len(line) + 1
        stripped = line.strip().lstrip("#").strip()
        if not stripped or _inside((start, start + len(line)), zones):
            continue
        if 4 <= len(stripped) <= 60 and not _LABELS.match(stripped):
            return stripped
        break
    return (document.title or "")[:40]


HEADLINE_LINES = 30


def _headline_above(text: str, position: int, zones: list[tuple[int, int]] | _Zones) -> str:
    """The nearest line above ``position`` that reads like a headline (not boilerplate).

    At most :data:`HEADLINE_LINES` lines up: a dateline's headline stands just above it.
    """
    end = text.rfind("\n", 0, position)
    for _ in range(HEADLINE_LINES):
        if end <= 0:
            break
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if len(line) >= 6 and not _inside((start, end), zones):
            return line if len(line) <= 40 else line[:39] + "…"
        end = start - 1
    return ""


def _period_row(source: DocumentSource, mention: DateMention, sentence: str) -> dict:
    return {
        "doc": source.doc,
        "association": source.association_cell,
        "start": mention.start,
        "end": mention.end,
        "date_text": mention.text,
        "description": printable(sentence),
        "span_start": mention.span[0],
        "span_end": mention.span[1],
    }


def default_reviews(paths: Iterable[str | Path]) -> Path | None:
    """``reviews.csv`` (or ``.xlsx``) in the first folder argument, when it exists.

    Both at once raise :class:`timeline.reviews.ReviewError`: which one holds the
    reviewer's latest work cannot be told, so neither is chosen silently.
    """
    for argument in paths:
        folder = Path(argument)
        if folder.is_dir():
            found = [folder / name for name in ("reviews.csv", "reviews.xlsx")]
            found = [path for path in found if path.is_file()]
            if len(found) > 1:  # never one of them ignored in silence
                raise ReviewError(
                    f"{found[0]} and {found[1].name} are both beside the corpus; keep one"
                    " (or pass the one to apply with --reviews)"
                )
            return found[0] if found else None
    return None


def build_events(
    paths: Iterable[str | Path],
    manifest: str | Path | Manifest | None = None,
    reviews: str | Path | list[Review] | None = None,
    progress: Callable[[Path], None] | None = None,
    max_document_bytes: int | None = DEFAULT_MAX_BYTES,
    engine: Engine | None = None,
) -> TableResult:
    """Every document under ``paths`` processed on its own, gathered in one table.

    Two stages: the documents are processed on their own by ``engine`` (serial,
    local processes or a Dask cluster, with or without a cache; see
    :mod:`timeline.engine`), then gathered here in their order: duplicates,
    reviews and the table's order need them all.

    ``manifest``: a manifest file, an already loaded manifest, or None for each
    folder's ``documents.csv``; its bad rows are reported in
    :attr:`TableResult.problems` and its good rows used. ``reviews``: a reviews
    file or loaded reviews, applied by ``event_id`` (rejected events leave the
    table, corrected ones take the reviewer's values; reviews of events that no
    longer exist, and rows that cannot be read, are reported).
    ``max_document_bytes``: the size limit per document, larger ones are
    errors (None: no limit). Nothing a document holds stops the others; only a
    manifest or reviews file that cannot be used at all raises
    (:class:`ManifestError`, :class:`timeline.reviews.ReviewError`).
    """
    use_build_pool()
    paths = list(paths)
    result = TableResult(table=empty_table(), periods=_frame([], PERIOD_COLUMNS))
    cache = engine.cache if engine is not None else None
    slot = _gathered_slot(paths) if cache is not None else None
    keys: list[str | None] | None = None
    # the last build's kept rows and clusters, read meanwhile (a miss costs nothing)
    with _ReadAhead(cache, slot) as ahead:
        with collector_paused():
            files, tasks = _tasks_of(paths, manifest, result, cache, slot)
            started = time.perf_counter()
            if cache is not None and slot is not None:
                keys = cache.keys(tasks, max_document_bytes, slot)
        review_problems = ReviewReport()
        if reviews is not None and not isinstance(reviews, list):
            reviews = load_reviews(reviews, review_problems)
        gathered = None
        if cache is not None and slot is not None and keys is not None:
            gathered = _gathered_key(files, keys, reviews, review_problems)
            if gathered is not None and _from_cache(result, cache, slot, gathered, ahead.stop):
                for path in files if progress is not None else ():
                    progress(path)
                result.seconds["documents"] = time.perf_counter() - started
                result.seconds["gather"] = 0.0
                return result
    cache_folder = engine.cache.folder if engine is not None and engine.cache else None
    with Workers(engine) as workers, row_store(len(tasks), cache_folder) as store:
        # A large corpus (its rows on disk) keeps its rows for the next build, in one piece.
        keeping = slot is not None and store.folder is not None
        kept = None
        if keeping:
            assert engine is not None and engine.cache is not None and slot is not None
            kept = ahead.kept()
            store.kept, store.kept_periods = [], []
        notes = _stage_one(
            result,
            files,
            tasks,
            store,
            max_document_bytes,
            engine,
            progress,
            keys,
            kept,
            workers,
            keeping,
        )
        last = kept.base_of() if kept is not None else None  # not its rows: let go
        del kept
        result.seconds["documents"] = time.perf_counter() - started
        started = time.perf_counter()
        names = None
        if keys is not None:
            names = [_row_name(key, path) for key, path in zip(keys, files, strict=True)]
        table = merged_table(  # stage 2
            store, engine, len(files), names, slot, workers, known=ahead.clusters
        )
        if store.folder is not None:  # rows as Arrow tables: the period rows too
            result.periods = frame_of_periods(store.period_table())
        else:
            result.periods = _frame(store.periods(), PERIOD_COLUMNS)
        if keeping:
            assert engine is not None and engine.cache is not None and slot is not None
            assert keys is not None and store.kept is not None
            keep(engine.cache, slot, keys, store.kept, store.kept_periods, notes, last)
    _ordered(result, table, reviews, review_problems)
    result.seconds["gather"] = time.perf_counter() - started
    if gathered is not None and not result.errors and engine is not None and engine.cache:
        stored = {name: _packed(getattr(result, name)) for name in _GATHERED}
        # then its key alone (:func:`_from_cache`): killed between the two, the key
        # entry names the last build's result, which the whole entry's key refuses;
        # both written by a child while the site is made (only the next build reads them)
        engine.cache.put_meanwhile(
            [(slot, {"key": gathered, **stored}), (_key_slot(slot), gathered)]
        )
    return result


class _ReadAhead:
    """The last build's kept rows (:class:`timeline.kept.Kept`, their tables decoded) and
    merged clusters (:class:`timeline.gather.Clusters`) of ``slot``, read by a thread
    while the build walks its folders and makes the documents' keys.

    Arrow decompresses and the files are read without holding the interpreter: at
    10,000 documents some 75 MB of kept rows are decoded beside the walk rather than
    after it. A context manager: the thread is joined on leaving it, before the build
    forks any worker (stopped first, after its current step, when the build needs
    nothing of it: an unchanged corpus taken whole from the cache, or a failure).
    What it read is counted by the cache (hits, misses) only when the build takes
    it, as a build reading it then would; what it could not read (an error) is read
    then, by the build's own thread.
    """

    def __init__(self, cache: DocumentCache | None, slot: str | None) -> None:
        self._kept: object = _UNREAD
        self._clusters: object = _UNREAD
        self._found: dict[str, list[bool]] = {"kept": [], "clusters": []}
        self._stopped = False
        self._cache, self._slot = cache, slot
        self._thread: threading.Thread | None = None
        if cache is not None and slot is not None:
            self._thread = threading.Thread(
                target=self._read, args=(cache, slot), name="timeline-read-ahead", daemon=True
            )
            self._thread.start()

    def _read(self, cache: DocumentCache, slot: str) -> None:
        try:
            kept = Kept.load(cache, slot, self._found["kept"])
            if kept is not None and not self._stopped:
                kept.decode(lambda: self._stopped)
            self._kept = kept
            if not self._stopped:
                self._clusters = Clusters.load(cache, slot, self._found["clusters"])
        except Exception:  # what was not read is read when taken (kept, clusters)
            return

    def __enter__(self) -> _ReadAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:  # the build failed: nothing more is read
            self._stopped = True
        if self._thread is not None:
            self._thread.join()

    def stop(self) -> None:
        """Read nothing more (after the table being decoded): the build needs none of it."""
        self._stopped = True

    def kept(self) -> Kept | None:
        """The kept rows read ahead (the thread joined), counted by the cache now."""
        if self._taken("kept") is _UNREAD:
            assert self._cache is not None and self._slot is not None
            return Kept.load(self._cache, self._slot)
        assert self._kept is None or isinstance(self._kept, Kept)
        return self._kept

    def clusters(self) -> Clusters | None:
        """The kept clusters read ahead (the thread joined), counted by the cache now."""
        if self._taken("clusters") is _UNREAD:
            return Clusters.load(self._cache, self._slot)
        assert self._clusters is None or isinstance(self._clusters, Clusters)
        return self._clusters

    def _taken(self, name: str) -> object:
        """What was read of ``name`` (:data:`_UNREAD`: nothing), its look-ups counted."""
        if self._thread is not None:
            self._thread.join()
        value = getattr(self, f"_{name}")
        if self._cache is not None and value is not _UNREAD:
            self._cache.count(self._found[name])
        self._found[name] = []
        return value


#: What :class:`_ReadAhead` did not read.
_UNREAD = object()


def _tasks_of(
    paths: list,
    manifest: str | Path | Manifest | None,
    result: TableResult,
    cache: DocumentCache | None,
    slot: str | None,
) -> tuple[list[Path], list]:
    """The documents under ``paths`` and each one's ``(path, manifest row)``; the manifest's
    problems and the folders without documents reported in ``result``."""
    # each folder resolved once, not each document's every component; each document once,
    # for its manifest row and its look-up below
    resolver = Resolver()
    # each folder walked once, first: its listing tells the resolver which documents are
    # regular files, so that neither the manifest's rows nor the documents are asked
    expanded = [expand_paths([argument], resolver.plain) for argument in paths]
    if isinstance(manifest, dict):
        loaded = manifest
    else:
        problems: list[str] = []
        # the rows of a manifest's text seen last time are not read again (ParsedRows)
        parsed = cache.parsed_manifests(slot) if cache is not None and slot else None
        last = dict(parsed) if parsed is not None else None
        loaded = collect_manifest(paths, manifest, problems, resolver, parsed)
        result.problems.extend((_named_file(problem), problem) for problem in problems)
        if cache is not None and slot and parsed is not None and parsed != last:
            cache.keep_parsed_manifests(slot, parsed)
    files = list(dict.fromkeys(path for found in expanded for path in found))  # expand_paths
    result.documents = len(files)
    for argument, found in zip(paths, expanded, strict=True):
        folder = Path(argument)
        if not found and folder.is_dir():
            result.problems.append(
                (folder, f"{folder}: no documents in this folder ({', '.join(DOCUMENT_SUFFIXES)})")
            )
    return files, [(path, loaded.get(resolver(path))) for path in files]


def _stage_one(
    result: TableResult,
    files: list[Path],
    tasks: list,
    store: RowStore,
    max_document_bytes: int | None,
    engine: Engine | None,
    progress: Callable[[Path], None] | None,
    keys: list[str | None] | None,
    kept: Kept | None = None,
    workers: Workers | None = None,
    keeping: bool = False,
) -> dict[int, tuple[list[str], list[str]]]:
    """Every document's result, a partition at a time: rows into ``store``, the rest into
    ``result`` in the documents' order (whatever order the partitions finished in).

    ``kept``: the last build's rows (:mod:`timeline.kept`); the documents it holds
    are taken from it in one piece, only the others are read or processed.
    ``keeping``: this build's rows will be kept so (:func:`timeline.kept.keep`): the
    results of documents whose key it can hold are not stored one by one.
    Returns the warnings and repairs of every document that gave a result, by index.
    """
    errors: dict[int, str] = {}
    notes: dict[int, tuple[list[str], list[str]]] = {}
    known = kept.known(keys) if kept is not None and keys is not None else []
    others = sorted(set(range(len(tasks))).difference(known)) if known else list(range(len(tasks)))

    def read(chosen: list[int]) -> tuple[list[int], Iterable]:
        """The ``chosen`` documents' partitions (:func:`_partitions_of`), with ``chosen``."""
        partitions = _partitions_of(
            chosen, tasks, max_document_bytes, engine, progress, keys, workers, keeping
        )
        return chosen, partitions

    # A few documents to read are sent to the workers now (each_partition): they are
    # read while the kept rows are, below.
    runs = [read(others)]
    if known:
        assert kept is not None and keys is not None
        tables = kept.tables(keys, known)
        if tables is None:  # a damaged entry: every document read or taken one by one
            runs.append(read(known))
        else:
            store.add_tables(*tables)
            held = kept.notes
            for index in known:
                notes[index] = held[keys[index]]
                if progress is not None:
                    progress(files[index])
    for chosen, partitions in runs:
        for indices, outcomes in partitions:
            for place, outcome in zip(indices, outcomes, strict=True):
                index = chosen[place]
                if outcome.error is not None:
                    errors[index] = outcome.error
                    continue
                notes[index] = (outcome.warnings, outcome.repairs)
                store.add(index, outcome.rows, outcome.periods)
    result.errors.extend((files[index], errors[index]) for index in sorted(errors))
    for index in sorted(notes):
        result.warnings.extend((files[index], warning) for warning in notes[index][0])
    for index in sorted(notes):
        result.repairs.extend((files[index], repair) for repair in notes[index][1])
    return notes


def _partitions_of(
    chosen: list[int],
    tasks: list,
    max_bytes: int | None,
    engine: Engine | None,
    progress: Callable[[Path], None] | None,
    keys: list[str | None] | None,
    workers: Workers | None,
    keeping: bool,
):
    """:func:`timeline.engine.each_partition` of the ``chosen`` documents (their places in
    ``chosen`` given back). ``keeping``: the results of documents whose key is held once are
    kept in one piece at the end (:func:`timeline.kept.keep`), not stored one by one."""
    whole: set[int] = set()
    if keeping and keys is not None:
        counts = Counter(keys)
        whole = {place for place, index in enumerate(chosen) if counts[keys[index]] == 1}
    return each_partition(
        document_events,
        [tasks[index] for index in chosen],
        max_bytes,
        engine,
        progress,
        [keys[index] for index in chosen] if keys is not None else None,
        workers,
        whole,
    )


SORT_COLUMNS = ["association", "start", "end", "doc", "span_start"]


def _ordered(
    result: TableResult,
    merged: pd.DataFrame,
    reviews: list[Review] | None,
    review_problems: ReviewReport,
) -> None:
    """Stage 2's merged rows (in any order, with ``ORDER_COLUMNS``) into ``result``: an
    event id seen twice kept once (the first extracted), the reviews applied, the
    table's order. The rows are put in their extraction order, and then the table's,
    by positions computed on a few columns; without reviews every row is copied once."""
    extraction = np.lexsort(
        (merged["_seq"].to_numpy(dtype=np.int64), merged["_doc"].to_numpy(dtype=np.int64))
    )
    merged = merged.drop(columns=list(ORDER_COLUMNS))
    ids = merged["event_id"].take(extraction).reset_index(drop=True)
    duplicated = ids.duplicated(keep="first").to_numpy()
    for place in extraction[duplicated]:
        doc, date_text = merged["doc"].iat[place], merged["date_text"].iat[place]
        result.warnings.append((Path(doc), f"{doc}: the same event appears twice: {date_text}"))
    index = np.flatnonzero(~duplicated)  # each kept row's place in the extraction order
    extraction = extraction[~duplicated]
    if reviews is not None:
        table = merged.take(extraction)
        table.index = index
        result.extracted = table
        table, result.reviews = apply_reviews(table, reviews)
        result.reviews.problems[:0] = review_problems.problems
        result.table = _sorted(table)[0]
        return
    # the extracted table is the table in its extraction order: keep only the order
    moved = _table_order(merged[SORT_COLUMNS].take(extraction).reset_index(drop=True))
    positions = np.empty_like(moved)
    positions[moved] = np.arange(len(moved))
    result.table = merged.take(extraction[moved]).reset_index(drop=True)
    result._extracted_order = (positions, index)


def _table_order(keys: pd.DataFrame) -> np.ndarray:
    """``keys.sort_values(SORT_COLUMNS, kind="stable").index``: where each row of the
    table's order stands in ``keys``, rows of equal keys in their order.

    Sorted on a number per cell (a day per date, a code per text in the texts' order), as
    pandas sorts, but without comparing the date objects (their factorization was most of
    the sort: some 40 ms of 51,000 rows); keys of another kind, or missing, are sorted by
    pandas itself (``tests/test_table.py`` compares both).
    """
    columns = []
    for name in SORT_COLUMNS:
        column = keys[name]
        if column.hasnans:
            return keys.sort_values(SORT_COLUMNS, kind="stable").index.to_numpy()
        if pd.api.types.is_integer_dtype(column.dtype):
            columns.append(column.to_numpy(dtype=np.int64))
        elif infer_dtype(column, skipna=False) == "string":
            columns.append(pd.factorize(column, sort=True)[0])
        elif column.dtype == object and infer_dtype(column, skipna=False) == "date":
            days = [day.toordinal() for day in column.to_numpy()]
            columns.append(np.array(days, dtype=np.int64))
        else:
            return keys.sort_values(SORT_COLUMNS, kind="stable").index.to_numpy()
    return np.lexsort(columns[::-1])


def _sorted(table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The table in its published order, and where each of its rows went (a position)."""
    ordered = table.reset_index(drop=True).sort_values(SORT_COLUMNS, kind="stable")
    moved = ordered.index.to_numpy()
    positions = np.empty_like(moved)
    positions[moved] = np.arange(len(moved))
    return ordered.reset_index(drop=True), positions


#: What stage 2 makes of the documents' results: kept under the gathered key.
_GATHERED = (
    "table",
    "periods",
    "_extracted",
    "_extracted_order",
    "warnings",
    "repairs",
    "reviews",
)


def _gathered_key(
    files: list[Path],
    keys: list[str | None],
    reviews: list[Review] | None,
    review_problems: ReviewReport,
) -> str | None:
    """The key of stage 2's result: every document's key in order, their paths, the reviews.

    None when a document has no key (it is read every time). Each document's key
    holds its bytes, its manifest row, the size limit and the code's version
    (:class:`timeline.cache.DocumentCache`), so this key changes with any input
    of stage 2; the manifest's own problems are not in the result, they are
    reported afresh on every run.
    """
    if not all(keys):
        return None
    digest = hashlib.sha256(b"gathered\0")
    for path, key in zip(files, keys, strict=True):
        digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + str(key).encode())
    digest.update(pickle.dumps((reviews, review_problems), protocol=4))
    return digest.hexdigest()


def _gathered_slot(paths: list) -> str:
    """Where stage 2's result is kept: one entry per set of arguments, replaced by each
    build that changes it (the cache does not grow by a table per build)."""
    digest = hashlib.sha256(b"gathered-slot\0")
    for argument in paths:
        digest.update(str(Path(argument).absolute()).encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def _packed(value: object) -> object:
    """A frame as :class:`timeline.cache.Packed` (pickled as Arrow), anything else as it is."""
    return Packed(value) if isinstance(value, pd.DataFrame) else value


def _key_slot(slot: str) -> str:
    """Where the key of the stage 2 result kept at ``slot`` is kept on its own."""
    return hashlib.sha256(b"gathered-key\0" + slot.encode()).hexdigest()


def _from_cache(
    result: TableResult,
    cache: DocumentCache,
    slot: str,
    key: str,
    matched: Callable[[], None] | None = None,
) -> bool:
    """Fill ``result`` from the stage 2 result kept at ``slot`` when it is ``key``'s; else
    False. Its key is read first, from an entry of its own: a rebuild that changed
    anything does not read (check, unpickle, convert) the last whole table only to
    find it is another's (some 0.2–0.5 s at 10,000 documents). ``matched``: called
    when the key is ``key``'s, before the table is read."""
    if cache.get(_key_slot(slot)) != key:
        return False
    if matched is not None:
        matched()
    stored = cache.get(slot)
    if not isinstance(stored, dict) or stored.get("key") != key:
        return False
    if set(stored) != {"key", *_GATHERED}:
        return False
    for name in _GATHERED:
        setattr(result, name, stored[name])
    return True


def _row_name(key: str | None, path: Path) -> str | None:
    """A document's rows' name for stage 2's kept clusters: its cache key and its path."""
    return None if key is None else f"{key}\0{path}"


def _named_file(message: str) -> Path:
    """The file a ``"path, line N: ..."`` message names."""
    return Path(message.split(", line ", 1)[0])


def build_table(
    paths: Iterable[str | Path],
    manifest: str | Path | Manifest | None = None,
    reviews: str | Path | list[Review] | None = None,
) -> pd.DataFrame:
    """The event table of the documents under ``paths`` (see the module's schema).

    Documents that could not be read are listed in ``table.attrs["errors"]`` as
    ``(path, message)`` pairs; :func:`build_events` returns them with the warnings
    and the review report.
    """
    result = build_events(paths, manifest, reviews)
    result.table.attrs["errors"] = [(str(path), message) for path, message in result.errors]
    return result.table


# --- writing ----------------------------------------------------------------------


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the table in the format its suffix names: .csv, .parquet, .json or .xlsx.

    The file is written atomically: a reader, or a failed run, never leaves half
    a table behind, and an existing table stays as it was until the new one is
    complete.
    """
    path = Path(path)
    try:
        data = table_bytes(table, path.suffix)
    except ValueError as error:
        raise ValueError(f"{path.name}: {error}") from None
    return write_atomic(path, data)


__all__ = [
    "COLUMNS",
    "ManifestError",
    "TableResult",
    "build_events",
    "build_table",
    "document_events",
    "event_id",
    "read_table",
    "table_bytes",
    "write_table",
]
