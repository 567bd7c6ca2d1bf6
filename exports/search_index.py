"""The whole corpus's search index, cut into small script files the page loads on demand.

The first page holds only the newest events, yet a search must find any event
of any year. So the build writes, beside the pages:

- ``search/g<k>.js``: postings of character pairs (bigrams of the folded text,
  NFKC and lower case, as the page folds the query), spread over shards by a
  hash of the pair; a query loads only the shards of its own pairs;
- ``search/e<c>.js``: event summaries in chunks of :data:`CHUNK` events (id,
  lane, dates, title, folded text), loaded only for the candidates to check
  and show.

Each file is a script that calls ``timelinePiece(name, data)``: the page loads
it with ``<script src>``, never ``fetch``, so the site keeps working from
``file://``. The data is JSON escaped as :func:`exports.html.script_json` does.

Events are numbered in the page's order (by start, end, association, id); a
posting list holds those numbers as differences from the previous one (small
numbers, a compact file). Memory stays bounded: postings are spilled to one
file per shard every :data:`SPILL_POSTINGS` postings and merged shard by shard
at the end.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

SEARCH_FOLDER = "search"
#: Events per summary chunk: a query checks and shows candidates a chunk at a time.
CHUNK = 256
#: Aimed size of a shard of postings, in bytes: the shard count grows with the corpus.
SHARD_BYTES = 96_000
#: A rough size of one event's postings (about 100 distinct pairs, 3–4 bytes each).
EVENT_POSTING_BYTES = 360
MAX_SHARDS = 1024
SPILL_POSTINGS = 2_000_000

_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Text as the page compares it: NFKC, lower case, runs of white space as one space.

    >>> fold("ＡＢＣ  协会")
    'abc 协会'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def grams(text: str) -> set[str]:
    """The character pairs of folded ``text`` that hold no space.

    >>> sorted(grams("年会 ab"))
    ['ab', '年会']
    """
    pairs = (text[i : i + 2] for i in range(len(text) - 1))
    return {pair for pair in pairs if " " not in pair}


def shard_of(gram: str, shards: int) -> int:
    """The shard of a pair: a 31-multiplier hash over its UTF-16 code units (as in the page).

    >>> shard_of("年会", 1)
    0
    """
    value = 0
    data = gram.encode("utf-16-le")
    for index in range(0, len(data), 2):
        value = (value * 31 + (data[index] | data[index + 1] << 8)) & 0xFFFFFFFF
    return value % shards


def shard_count(events: int) -> int:
    """A power of two giving shards of about :data:`SHARD_BYTES` (1 for a small corpus)."""
    wanted = max(1, events * EVENT_POSTING_BYTES // SHARD_BYTES)
    count = 1
    while count < wanted and count < MAX_SHARDS:
        count *= 2
    return count


Write = Callable[[str, str], None]
Piece = Callable[[str, object], str]


class SearchIndex:
    """Collects events in page order and writes the index's pieces through ``write``.

    ``piece(name, data)`` gives a piece's script text; ``write(relative, text)``
    writes one file of the site. ``scratch`` is a folder for spilled postings.
    """

    def __init__(self, events: int, write: Write, piece: Piece, scratch: Path) -> None:
        self.shards = shard_count(events)
        self.write = write
        self.piece = piece
        self.scratch = scratch
        self.postings: dict[str, list[int]] = {}
        self.held = 0
        self.spilled = False
        self.chunk: list[list] = []
        self.count = 0
        #: What the pages must know to read the pieces (known before any is written).
        self.info = {"shards": self.shards, "chunk": CHUNK, "events": events}

    def add(self, event_id: str, lane: int, start: str, end: str, title: str, text: str) -> None:
        """The next event in page order: its summary and its pairs."""
        folded = fold(text)
        number = self.count
        self.count += 1
        self.chunk.append([event_id, lane, start, end, title, folded])
        if len(self.chunk) == CHUNK:
            self._write_chunk()
        for gram in grams(folded):
            self.postings.setdefault(gram, []).append(number)
            self.held += 1
        if self.held >= SPILL_POSTINGS:
            self._spill()

    def _write_chunk(self) -> None:
        number = (self.count - 1) // CHUNK
        self.write(f"{SEARCH_FOLDER}/e{number}.js", self.piece(f"e{number}", self.chunk))
        self.chunk = []

    def _spill(self) -> None:
        """Postings so far appended to one scratch file per shard (``gram<TAB>n,n,…``)."""
        self.scratch.mkdir(parents=True, exist_ok=True)
        lines: dict[int, list[str]] = {}
        for gram, numbers in self.postings.items():
            lines.setdefault(shard_of(gram, self.shards), []).append(
                gram + "\t" + ",".join(map(str, numbers)) + "\n"
            )
        for shard, block in lines.items():
            with open(self.scratch / f"{shard}.txt", "a", encoding="utf-8") as out:
                out.writelines(block)
        self.postings = {}
        self.held = 0
        self.spilled = True

    def _shard_postings(self, shard: int) -> dict[str, list[int]]:
        merged: dict[str, list[int]] = {}
        path = self.scratch / f"{shard}.txt"
        if self.spilled and path.exists():
            with open(path, encoding="utf-8") as lines:
                for line in lines:
                    gram, _, numbers = line.rstrip("\n").partition("\t")
                    merged.setdefault(gram, []).extend(map(int, numbers.split(",")))
            path.unlink()
        return merged

    def finish(self) -> dict:
        """Write the last chunk and every shard; returns what the page must know."""
        if self.chunk:
            self._write_chunk()
        if self.spilled:
            self._spill()
            per_shard: list[dict[str, list[int]]] = []
        else:
            per_shard = [{} for _ in range(self.shards)]
            for gram, numbers in self.postings.items():
                per_shard[shard_of(gram, self.shards)][gram] = numbers
            self.postings = {}
        for shard in range(self.shards):
            postings = self._shard_postings(shard) if self.spilled else per_shard[shard]
            deltas = {gram: _deltas(numbers) for gram, numbers in sorted(postings.items())}
            self.write(f"{SEARCH_FOLDER}/g{shard}.js", self.piece(f"g{shard}", deltas))
        if self.spilled:
            self.scratch.rmdir()
        if self.count != self.info["events"]:
            raise ValueError(f"{self.info['events']} events announced, {self.count} added")
        return self.info


def _deltas(numbers: list[int]) -> list[int]:
    """Ascending numbers as the first and then the differences.

    >>> _deltas([3, 4, 10])
    [3, 1, 6]
    """
    return [numbers[0]] + [b - a for a, b in zip(numbers, numbers[1:], strict=False)]


__all__ = ["CHUNK", "SEARCH_FOLDER", "SearchIndex", "fold", "grams", "shard_count", "shard_of"]
