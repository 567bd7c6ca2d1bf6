"""Load the golden corpus of date expressions in ``tests/corpus/*.txt``.

Each family of expressions (full dates, ranges, festivals …) has one UTF-8 file.
The files are both the test suite and the documentation of what parses, in the
spirit of Duckling's ``Corpus.hs``: surface forms grouped under one expected
value, against a declared reference context. The full format is described in
``tests/corpus/README.md``; in short::

    # a comment (whole line only)
    @ published 2023-09-08 news          reference context of the cases below
    @ published none                     no publication date (type defaults to news)
    = 2020-11-18 2020-11-20 day          expected START END GRANULARITY [KIND] [q=… t=…]
    展会于⟦2020年11月18日—20日⟧在沈阳举行。   a positive case under that expectation
    ! 联系电话：⟦021-52767579⟧             a negative case: no event may overlap the trap

``\\n`` inside a case line stands for a paragraph break. A malformed line raises
:class:`CorpusError` naming the file and line, so a typo in the corpus fails
loudly instead of silently dropping cases.

>>> cases = parse_corpus_text("@ published 2023-09-08\\n= 2023-08-22 2023-08-22 day\\n⟦8月22日⟧，活动。", "demo.txt")
>>> cases[0].marked, cases[0].span, cases[0].expected.start
('8月22日', (0, 5), datetime.date(2023, 8, 22))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from normalizers import DocumentContext
from normalizers.context import DOCUMENT_TYPES
from normalizers.mention import GRANULARITIES, KINDS, QUALIFIERS

CORPUS_DIR = Path(__file__).parent / "corpus"

OPEN, CLOSE = "⟦", "⟧"
PARAGRAPH_BREAK = "\\n"  # the two characters backslash + n


class CorpusError(ValueError):
    """A malformed corpus line; the message starts with ``file:line:``."""


@dataclass(frozen=True, slots=True)
class Expected:
    """The value every case of a ``=`` group must resolve to."""

    start: date
    end: date
    granularity: str
    kind: str = "event"
    #: ``q=before`` on the ``=`` line: the mention's qualifier ("" for ``q=none``);
    #: None when the group does not state it (then it is not checked).
    qualifier: str | None = None
    #: ``t=09:00``, ``t=09:00-11:30``, ``t=09:00~`` (approximate) or ``t=none``: the
    #: time of day written with the date, as ``(start, end, approx)``; None: unchecked.
    time: tuple[time | None, time | None, bool] | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """The context declared by an ``@`` line."""

    published: date | None
    document_type: str = "news"

    def context(self) -> DocumentContext:
        return DocumentContext(published=self.published, document_type=self.document_type)

    def describe(self) -> str:
        published = self.published.isoformat() if self.published else "none"
        return f"published {published} {self.document_type}"


@dataclass(frozen=True, slots=True)
class CorpusCase:
    """One case line: the clean text, the marked span, and what is expected there.

    ``expected`` is ``None`` for a negative case (a trap that must not become an
    event).
    """

    family: str
    path: Path
    line: int
    source: str  # the line as written, markers included
    text: str  # the text given to the resolver: markers removed, \\n expanded
    span: tuple[int, int]  # offsets of the marked expression in ``text``
    reference: Reference
    expected: Expected | None

    @property
    def marked(self) -> str:
        return self.text[self.span[0] : self.span[1]]

    @property
    def negative(self) -> bool:
        return self.expected is None

    @property
    def id(self) -> str:
        """A readable pytest id, e.g. ``month_day:L12:8月22日``."""
        return f"{self.family}:L{self.line}:{self.marked}"

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def _fail(path: Path | str, line: int, message: str) -> CorpusError:
    name = path.name if isinstance(path, Path) else path
    return CorpusError(f"{name}:{line}: {message}")


def _parse_date(token: str, path: Path | str, line: int, what: str) -> date:
    try:
        return date.fromisoformat(token)
    except ValueError:
        raise _fail(path, line, f"{what} {token!r} is not a YYYY-MM-DD date") from None


def _strip_directive_comment(body: str) -> str:
    """``@`` and ``=`` lines may end with `` # a note``."""
    return body.split(" #", 1)[0].strip()


def _parse_reference(body: str, path: Path | str, line: int) -> Reference:
    words = _strip_directive_comment(body).split()
    if not words or words[0] != "published" or len(words) not in (2, 3):
        raise _fail(
            path, line, "context line must read '@ published YYYY-MM-DD|none [news|narrative]'"
        )
    published = None if words[1] == "none" else _parse_date(words[1], path, line, "published")
    document_type = words[2] if len(words) == 3 else "news"
    if document_type not in DOCUMENT_TYPES:
        raise _fail(path, line, f"document type {document_type!r} is not one of {DOCUMENT_TYPES}")
    return Reference(published, document_type)


def _parse_time(value: str, path: Path | str, line: int) -> tuple[time | None, time | None, bool]:
    if value == "none":
        return None, None, False
    approx = value.endswith("~")
    first, _, last = value.rstrip("~").partition("-")
    try:
        return time.fromisoformat(first), time.fromisoformat(last) if last else None, approx
    except ValueError:
        raise _fail(path, line, f"time {value!r} is not HH:MM[-HH:MM][~] or none") from None


def _parse_options(words: list[str], path: Path | str, line: int) -> dict:
    """``q=QUALIFIER`` and ``t=TIME`` after the value of an ``=`` line."""
    options: dict = {}
    for word in words:
        key, _, value = word.partition("=")
        if key == "q":
            qualifier = "" if value == "none" else value
            if qualifier not in QUALIFIERS:
                raise _fail(path, line, f"qualifier {value!r} is not one of {QUALIFIERS[1:]}")
            options["qualifier"] = qualifier
        elif key == "t":
            options["time"] = _parse_time(value, path, line)
        else:
            raise _fail(path, line, f"unknown option {word!r} (q=… or t=…)")
    return options


def _parse_expected(body: str, path: Path | str, line: int) -> Expected:
    words = _strip_directive_comment(body).split()
    options = _parse_options([w for w in words if "=" in w], path, line)
    words = [w for w in words if "=" not in w]
    if len(words) not in (3, 4):
        raise _fail(
            path, line, "expectation must read '= START END GRANULARITY [KIND] [q=…] [t=…]'"
        )
    start = _parse_date(words[0], path, line, "start")
    end = _parse_date(words[1], path, line, "end")
    if end < start:
        raise _fail(path, line, f"end {end} is before start {start}")
    granularity = words[2]
    if granularity not in GRANULARITIES:
        raise _fail(path, line, f"granularity {granularity!r} is not one of {GRANULARITIES}")
    kind = words[3] if len(words) == 4 else "event"
    if kind not in KINDS:
        raise _fail(path, line, f"kind {kind!r} is not one of {KINDS}")
    return Expected(start, end, granularity, kind, **options)


def _parse_marked(source: str, path: Path | str, line: int) -> tuple[str, tuple[int, int]]:
    """Remove the one ``⟦…⟧`` pair; return the clean text and the marked span."""
    expanded = source.replace(PARAGRAPH_BREAK, "\n")
    if expanded.count(OPEN) != 1 or expanded.count(CLOSE) != 1:
        raise _fail(path, line, f"a case needs exactly one {OPEN}…{CLOSE} pair: {source!r}")
    begin = expanded.index(OPEN)
    close = expanded.index(CLOSE)
    if close < begin:
        raise _fail(path, line, f"{CLOSE} comes before {OPEN}: {source!r}")
    marked = expanded[begin + 1 : close]
    if not marked.strip():
        raise _fail(path, line, f"the marked expression is empty: {source!r}")
    if marked != marked.strip():
        raise _fail(path, line, f"the marked expression has surrounding spaces: {marked!r}")
    text = expanded[:begin] + marked + expanded[close + 1 :]
    return text, (begin, begin + len(marked))


def parse_corpus_text(
    content: str, path: Path | str, family: str | None = None
) -> list[CorpusCase]:
    """Parse one corpus file's content; ``path`` is used for ids and errors."""
    path_obj = Path(path)
    family = family or path_obj.stem
    cases: list[CorpusCase] = []
    reference: Reference | None = None
    expected: Expected | None = None
    group_line = 0
    group_size = 0

    def close_group() -> None:
        if expected is not None and group_size == 0:
            raise _fail(path_obj, group_line, "expectation line has no case under it")

    for number, raw in enumerate(content.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            close_group()
            reference = _parse_reference(line[1:], path_obj, number)
            expected, group_line, group_size = None, 0, 0
            continue
        if line.startswith("="):
            close_group()
            expected = _parse_expected(line[1:], path_obj, number)
            group_line, group_size = number, 0
            continue
        if reference is None:
            raise _fail(path_obj, number, "case before any '@ published …' context line")
        if line.startswith("!"):
            text, span = _parse_marked(line[1:].strip(), path_obj, number)
            cases.append(CorpusCase(family, path_obj, number, line, text, span, reference, None))
            continue
        if expected is None:
            raise _fail(
                path_obj,
                number,
                "positive case outside a group: put '= START END GRANULARITY' above it "
                "(a new '@' context line ends the previous group)",
            )
        text, span = _parse_marked(line, path_obj, number)
        cases.append(CorpusCase(family, path_obj, number, line, text, span, reference, expected))
        group_size += 1
    close_group()
    return cases


def load_corpus_file(path: Path) -> list[CorpusCase]:
    return parse_corpus_text(path.read_text(encoding="utf-8"), path)


def corpus_files(directory: Path = CORPUS_DIR) -> list[Path]:
    return sorted(directory.glob("*.txt"))


def load_corpus(directory: Path = CORPUS_DIR) -> list[CorpusCase]:
    """Every case of every family file, in file then line order."""
    return [case for path in corpus_files(directory) for case in load_corpus_file(path)]
