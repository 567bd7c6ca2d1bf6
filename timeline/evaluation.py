"""Scoring resolved mentions against gold annotations.

The definitions are the spec's "Scoring" section (docs: ``date-expressions.md``):

- Gold rows name a mention by its ``text`` and ``occurrence``: the n-th occurrence
  of that exact substring in the document, counting from 1, each search starting
  one character after the previous hit (so occurrences may overlap, and those
  inside a longer gold mention count too).
- Predictions are the mentions of kind ``event``; periods (十四五, a plan's
  years) are not events and are not scored.
- A prediction **matches** a gold row when their character spans overlap.
- **Recall** = gold events matched / gold events.
- **Precision** = predictions matching a gold event / predictions not overlapping
  an ``ignore`` row. A prediction overlapping a ``negative`` row, or no gold row,
  is a false positive.
- **Value accuracy** = gold events matched by a prediction with exactly the gold
  (start, end) or (alt_start, alt_end) / gold events.

Two corner cases the spec leaves open are settled here: a prediction that
overlaps a gold event counts as matching even if it also overlaps an ``ignore``
or ``negative`` row (so precision never exceeds 1), and a gold event overlapped
by several predictions has the right value when any of them has it.

The publication date of each document is what the product itself would know:
the corpus manifest's ``published``, otherwise whatever
:func:`normalizers.normalize` detects in the text; never the gold's own notes.

>>> from datetime import date
>>> from normalizers import DateMention
>>> gold = [GoldMention("a.txt", "8月22日", 1, "event", date(2023, 8, 22), date(2023, 8, 22))]
>>> found = [DateMention("8月22日", (0, 5), date(2023, 8, 22), date(2023, 8, 22), "day")]
>>> score_document("a.txt", "8月22日，军团开展活动。", gold, found).counts.value_accuracy
1.0
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field, replace
from datetime import date
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from normalizers import DateMention
from timeline.documents import DocumentError, load_document, read_text, resolved
from timeline.manifest import default_manifest, load_manifest
from timeline.present import resolve

#: Kinds of gold rows: an event to find, a span to ignore, a span that must not
#: be reported.
GOLD_KINDS = ("event", "ignore", "negative")

GOLD_DOCUMENTS = "documents.csv"
GOLD_MENTIONS = "mentions.csv"


class EvaluationError(Exception):
    """Gold or corpus files that cannot be scored; the message names the file."""


@dataclass(frozen=True, slots=True)
class GoldMention:
    """One row of ``mentions.csv``; ``span`` is set once located in the text."""

    doc: str
    text: str
    occurrence: int
    kind: str
    start: date | None = None
    end: date | None = None
    alt_start: date | None = None
    alt_end: date | None = None
    note: str = ""
    line: int = 0
    span: tuple[int, int] | None = None

    def accepts(self, start: date, end: date) -> bool:
        """True when (start, end) is the gold value or its accepted alternative."""
        if (start, end) == (self.start, self.end):
            return True
        return self.alt_start is not None and (start, end) == (self.alt_start, self.alt_end)

    @property
    def expected(self) -> str:
        value = _format_range(self.start, self.end)
        if self.alt_start is not None:
            value += f" or {_format_range(self.alt_start, self.alt_end)}"
        return value


@dataclass(frozen=True, slots=True)
class WrongValue:
    """A gold event that was found, but none of its predictions has its value."""

    gold: GoldMention
    predictions: tuple[DateMention, ...]


@dataclass(frozen=True, slots=True)
class FalsePositive:
    """A predicted event overlapping no gold event; ``negative`` when it hit one."""

    mention: DateMention
    negative: GoldMention | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    """The numbers behind the three scores; they add up across documents."""

    gold_events: int = 0
    matched_events: int = 0
    correct_values: int = 0
    predictions: int = 0  # event predictions not set aside by an ignore row
    matching_predictions: int = 0
    ignored_predictions: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    @property
    def false_positives(self) -> int:
        return self.predictions - self.matching_predictions

    @property
    def recall(self) -> float | None:
        return _ratio(self.matched_events, self.gold_events)

    @property
    def precision(self) -> float | None:
        return _ratio(self.matching_predictions, self.predictions)

    @property
    def value_accuracy(self) -> float | None:
        return _ratio(self.correct_values, self.gold_events)


@dataclass(frozen=True)
class DocumentScore:
    """The scores of one document, and what to fix."""

    doc: str
    counts: Counts
    missed: list[GoldMention] = field(default_factory=list)
    wrong_values: list[WrongValue] = field(default_factory=list)
    false_positives: list[FalsePositive] = field(default_factory=list)
    published: date | None = None
    published_source: str = "none"
    error: str | None = None  # the resolver failed on this document


@dataclass(frozen=True)
class Evaluation:
    """Per-document scores; ``overall`` is their micro-average."""

    documents: list[DocumentScore]

    @property
    def overall(self) -> Counts:
        return sum((score.counts for score in self.documents), Counts())


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _format_range(start: date | None, end: date | None) -> str:
    if start is None or end is None:
        return "?"
    return start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def find_occurrence(text: str, substring: str, occurrence: int) -> tuple[int, int] | None:
    """Span of the ``occurrence``-th (from 1) hit of ``substring``, or None.

    Each search starts one character after the previous hit.

    >>> find_occurrence("2020年7月—10月, 2020年", "2020年", 2)
    (13, 18)
    """
    position = -1
    for _ in range(occurrence):
        position = text.find(substring, position + 1)
        if position < 0:
            return None
    return (position, position + len(substring))


def locate_gold(text: str, gold: Iterable[GoldMention]) -> list[GoldMention]:
    """The gold rows with their spans in ``text``; a row not found is an error."""
    located = []
    for row in gold:
        span = find_occurrence(text, row.text, row.occurrence)
        if span is None:
            where = f"line {row.line} of the gold" if row.line else "the gold"
            raise EvaluationError(
                f"{row.doc}: {where} names occurrence {row.occurrence} of {row.text!r},"
                " which is not in the text"
            )
        located.append(replace(row, span=span))
    return located


def score_document(
    doc: str,
    text: str,
    gold: Sequence[GoldMention],
    mentions: Sequence[DateMention],
    *,
    published: date | None = None,
    published_source: str = "none",
) -> DocumentScore:
    """Score one document's mentions against its gold rows (see the module doc)."""
    located = locate_gold(text, gold)
    events = [row for row in located if row.kind == "event"]
    ignores = [row for row in located if row.kind == "ignore"]
    negatives = [row for row in located if row.kind == "negative"]
    predictions = [mention for mention in mentions if mention.kind == "event"]

    matched: dict[int, list[DateMention]] = {index: [] for index in range(len(events))}
    matching = ignored = 0
    false_positives: list[FalsePositive] = []
    for prediction in predictions:
        hits = [i for i, row in enumerate(events) if _overlaps(prediction.span, row.span)]
        if hits:
            matching += 1
            for index in hits:
                matched[index].append(prediction)
        elif any(_overlaps(prediction.span, row.span) for row in ignores):
            ignored += 1
        else:
            negative = next(
                (row for row in negatives if _overlaps(prediction.span, row.span)), None
            )
            false_positives.append(FalsePositive(prediction, negative))

    missed: list[GoldMention] = []
    wrong: list[WrongValue] = []
    correct = 0
    for index, row in enumerate(events):
        found = matched[index]
        if not found:
            missed.append(row)
        elif any(row.accepts(p.start, p.end) for p in found):
            correct += 1
        else:
            wrong.append(WrongValue(row, tuple(found)))

    counts = Counts(
        gold_events=len(events),
        matched_events=len(events) - len(missed),
        correct_values=correct,
        predictions=len(predictions) - ignored,
        matching_predictions=matching,
        ignored_predictions=ignored,
    )
    return DocumentScore(
        doc=doc,
        counts=counts,
        missed=missed,
        wrong_values=wrong,
        false_positives=false_positives,
        published=published,
        published_source=published_source,
    )


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with the line each ends on (the header is line 1)."""
    try:
        text = read_text(path)
    except DocumentError as error:
        raise EvaluationError(str(error)) from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [
        (reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None})
        for row in reader
    ]


def _gold_date(value: str, column: str, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise EvaluationError(f"{where}: {column} {value!r} is not a date") from None


def load_gold(gold_dir: str | Path) -> dict[str, list[GoldMention]]:
    """The gold rows of ``gold_dir/mentions.csv`` by document.

    Documents listed in ``gold_dir/documents.csv`` come first, in its order, even
    without mentions (their predictions are then all false positives).
    """
    gold_dir = Path(gold_dir)
    mentions_path = gold_dir / GOLD_MENTIONS
    if not mentions_path.is_file():
        raise EvaluationError(f"{mentions_path}: no such file")
    documents_path = gold_dir / GOLD_DOCUMENTS
    gold: dict[str, list[GoldMention]] = {}
    if documents_path.is_file():
        for line, row in _read_csv(documents_path):
            if not row.get("doc"):
                raise EvaluationError(f"{documents_path}, line {line}: no 'doc' value")
            gold.setdefault(row["doc"], [])
    for line, row in _read_csv(mentions_path):
        where = f"{mentions_path}, line {line}"
        doc, text, kind = row.get("doc", ""), row.get("text", ""), row.get("kind", "")
        if not doc or not text:
            raise EvaluationError(f"{where}: 'doc' and 'text' are required")
        if kind not in GOLD_KINDS:
            raise EvaluationError(f"{where}: kind {kind!r} is not one of {', '.join(GOLD_KINDS)}")
        try:
            occurrence = int(row.get("occurrence") or 1)
        except ValueError:
            occurrence = 0
        if occurrence < 1:
            raise EvaluationError(f"{where}: occurrence must be a whole number from 1")
        values = {
            column: _gold_date(row.get(column, ""), column, where)
            for column in ("start", "end", "alt_start", "alt_end")
        }
        if kind == "event" and (values["start"] is None or values["end"] is None):
            raise EvaluationError(f"{where}: an event needs a start and an end")
        if (values["alt_start"] is None) != (values["alt_end"] is None):
            raise EvaluationError(f"{where}: give both alt_start and alt_end, or neither")
        gold.setdefault(doc, []).append(
            GoldMention(doc, text, occurrence, kind, note=row.get("note", ""), line=line, **values)
        )
    return gold


def evaluate(gold_dir: str | Path, corpus_dir: str | Path | None = None) -> Evaluation:
    """Resolve every gold document of the corpus and score it.

    ``corpus_dir`` defaults to the ``corpus`` folder beside ``gold_dir``
    (``data/corpus`` for ``data/gold``); its ``documents.csv`` manifest, when
    present, supplies publication dates exactly as it does for ``timeline dates``.
    """
    gold_dir = Path(gold_dir)
    corpus = Path(corpus_dir) if corpus_dir is not None else gold_dir.parent / "corpus"
    if not corpus.is_dir():
        raise EvaluationError(f"{corpus}: no such corpus folder")
    manifest_path = default_manifest(corpus)
    manifest = load_manifest(manifest_path) if manifest_path else {}
    scores = []
    for doc, rows in load_gold(gold_dir).items():
        path = corpus / doc
        try:
            document = load_document(path)
        except DocumentError as error:
            raise EvaluationError(f"{error} (named by the gold in {gold_dir})") from error
        text = document.text
        try:
            resolution = resolve(document, manifest.get(resolved(path)))
        except Exception as error:  # score the others, show this one as failed
            score = score_document(doc, text, rows, [])
            scores.append(replace(score, error=f"{type(error).__name__}: {error}"))
            continue
        scores.append(
            score_document(
                doc,
                text,
                rows,
                resolution.mentions,
                published=resolution.published,
                published_source=resolution.published_source,
            )
        )
    return Evaluation(scores)


#: How the table names the source of a publication date (``Resolution.published_source``).
_SOURCES = {"context": "user", "text": "text"}


def _score(numerator: int, denominator: int) -> str:
    ratio = _ratio(numerator, denominator)
    percent = "n/a" if ratio is None else f"{ratio:.0%}"
    return f"{percent} {numerator}/{denominator}"


def score_table(evaluation: Evaluation) -> Table:
    """Recall, precision and value accuracy per document and overall.

    Each score shows its fraction, e.g. ``83% 5/6``; ``published`` is the
    publication date the document was resolved against and where it came from:
    ``user`` (the corpus manifest) or ``text`` (detected by the resolver).
    """
    table = Table(
        title="Date mentions against gold (events only)", box=box.SIMPLE_HEAD, pad_edge=False
    )
    table.add_column("document", no_wrap=True)
    table.add_column("published", no_wrap=True)
    for name in ("recall", "precision", "value acc."):
        table.add_column(name, justify="right", no_wrap=True)

    def add(name: str, published: str, counts: Counts, style: str | None = None) -> None:
        table.add_row(
            name,
            published,
            _score(counts.matched_events, counts.gold_events),
            _score(counts.matching_predictions, counts.predictions),
            _score(counts.correct_values, counts.gold_events),
            style=style,
        )

    for score in evaluation.documents:
        published = "none"
        if score.published is not None:
            source = _SOURCES.get(score.published_source, score.published_source)
            published = f"{score.published.isoformat()} {source}"
        add(score.doc, published, score.counts)
    table.add_section()
    add("overall", "", evaluation.overall, style="bold")
    return table


def _describe(mention: DateMention) -> str:
    how = ", ".join(part for part in (mention.anchor, mention.rule) if part)
    return (
        f"{mention.text!r} @{mention.span[0]}-{mention.span[1]}"
        f" = {_format_range(mention.start, mention.end)} ({how})"
    )


def detail_lines(evaluation: Evaluation) -> list[str]:
    """What to fix, per document: missed events, wrong values, false positives."""
    lines: list[str] = []
    for score in evaluation.documents:
        if not (score.missed or score.wrong_values or score.false_positives or score.error):
            continue
        lines.append(score.doc)
        if score.error:
            lines.append(f"  resolver failed: {score.error}")
        for row in score.missed:
            lines.append(
                f"  missed     {row.text!r} @{row.span[0]}-{row.span[1]}"
                f" expected {row.expected}" + (f"  ({row.note})" if row.note else "")
            )
        for wrong in score.wrong_values:
            row = wrong.gold
            got = "; ".join(_describe(p) for p in wrong.predictions)
            lines.append(
                f"  wrong      {row.text!r} @{row.span[0]}-{row.span[1]}"
                f" expected {row.expected}, got {got}" + (f"  ({row.note})" if row.note else "")
            )
        for false in score.false_positives:
            reason = ""
            if false.negative is not None:
                reason = f"  (negative {false.negative.text!r}"
                reason += f": {false.negative.note})" if false.negative.note else ")"
            lines.append(f"  false pos. {_describe(false.mention)}{reason}")
    return lines


def print_report(evaluation: Evaluation, console: Console | None = None) -> None:
    """Print :func:`score_table` then :func:`detail_lines`.

    Output that is not a terminal (a pipe, a file) is 100 columns wide rather
    than rich's 80, so that the table's document names are not cut.
    """
    if console is None:
        console = Console()
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console.width = 100
    console.print(score_table(evaluation))
    lines = detail_lines(evaluation)
    console.print()
    if not lines:
        console.print("Nothing to fix: every gold event found with its value, no false positives.")
        return
    console.print("What to fix", style="bold", markup=False)
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
