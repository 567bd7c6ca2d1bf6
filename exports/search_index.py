"""The whole corpus's search index, cut into small script files the page loads on demand.

The first page holds only the newest events, yet a search must find any event
of any year. So the build writes, beside the pages:

- ``search/p<span>g<k>.js``: the postings of character pairs (bigrams of the
  folded text, NFKC and lower case, as the page folds the query) of the events
  of a span of :data:`SEARCH_SPAN` years (``p2020``: 2020–2029), spread over the
  span's shards by a hash of the pair; a query loads, for each span, only the
  shards of its own pairs;
- ``search/p<span>e<c>.js``: the span's event summaries in chunks of
  :data:`CHUNK` events (id, association, dates, title, folded text), loaded
  only for the candidates to check and show;
- ``search/years.js``: the one shared piece, each span's shard count and its
  years' event counts.

Each span is an index of its own (:class:`SearchIndex` with a ``prefix``): new
events change their span's pieces and the shared one, nothing else.

Each file is a script that calls ``timelinePiece(name, data)``: the page loads
it with ``<script src>``, never ``fetch``, so the site keeps working from
``file://``. The data is JSON escaped as :func:`exports.html.script_json` does.

A shard holds one section per year of its span (the years ``search/years.js``
lists for the span, in order): ``[{pair: [place, differences…]}, …]``, a pair's
events numbered by their place in that year's page order, as the first place
and then the differences (small numbers, a compact file). The page adds the
events of the span's earlier years to make a place in the span. A year's section
is a function of that year's rows alone (:func:`year_sections`), so a rebuild
keeps the sections of the years whose rows did not change and writes a shard by
joining its years' sections: an event added to one year changes no other
year's text.
"""

from __future__ import annotations

import operator
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]

import numpy as np

from exports.page_render import script_escaped, script_json

SEARCH_FOLDER = "search"
#: Events per summary chunk: a query checks and shows candidates a chunk at a time.
CHUNK = 256
#: Aimed size of a shard of postings, in bytes: the shard count grows with the corpus.
SHARD_BYTES = 96_000
#: Years an index of its own covers (2020–2029: ``search/p2020…``): a query loads a shard
#: per pair in each span, a new event changes its span's pieces.
SEARCH_SPAN = 10
#: The aimed shard size of a span's index: a query loads a shard per pair in every span.
#: Every shard of a span is written again when one of its years changes (a new event's
#: pairs fall in most of them), and each file costs its creation: at 10,000 documents a
#: span of some 16,500 events has 64 shards of about 70 KB, not 256 of 17 KB (32,000:
#: 1,033 search files written by a +1 % rebuild, 425 now; a search took as long).
SPAN_SHARD_BYTES = 96_000
#: A rough size of one event's postings (about 100 distinct pairs, 3–4 bytes each).
EVENT_POSTING_BYTES = 360
MAX_SHARDS = 1024


def fold(text: str) -> str:
    """Text as the page compares it: NFKC, lower case, runs of white space as one space.

    >>> fold("ＡＢＣ  协会")
    'abc 协会'
    """
    if not unicodedata.is_normalized("NFKC", text):  # a quick check: most text is
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.lower().split())  # split() and re's \\s: the same white space


@lru_cache(maxsize=8192)
def _folded_part(text: str) -> str:
    return fold(text)


def fold_joined(parts: Iterable[str]) -> str:
    """``fold(" ".join(parts))``, each part folded on its own (and remembered: the same
    association, date or source recurs on many events).

    The same text: a space is a boundary for NFKC (it never composes with its
    neighbours), for lower case (it ends a final sigma's context) and for the
    runs of white space made one, so folding the parts and joining the
    non-empty ones with one space gives the whole's fold
    (``tests/test_page_cards.py`` compares both on hostile text).

    >>> fold_joined(["ＡＢＣ ", "", "协会"])
    'abc 协会'
    """
    return " ".join(filter(None, map(_folded_part, parts)))


def grams(text: str) -> set[str]:
    """The character pairs of folded ``text`` that hold no space.

    >>> sorted(grams("年会 ab"))
    ['ab', '年会']
    """
    found: set[str] = set()
    for word in text.split(" "):  # folded text: words are apart by one space
        found.update(map(operator.add, word, word[1:]))
    return found


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


def shard_count(events: int, shard_bytes: int = SHARD_BYTES) -> int:
    """A power of two giving shards of about ``shard_bytes`` (1 for a small corpus)."""
    wanted = max(1, events * EVENT_POSTING_BYTES // shard_bytes)
    count = 1
    while count < wanted and count < MAX_SHARDS:
        count *= 2
    return count


Write = Callable[[str, bytes], None]
#: A piece's script from its name and its data already as JSON, in UTF-8 (``piece_json``).
Piece = Callable[[str, bytes], bytes]


def summary_json(event_id: str, who: object, start: str, end: str, title: str, text: str) -> str:
    """An event's summary as a chunk holds it, JSON made once (a card keeps it between builds).

    ``text`` is already folded (:func:`fold`). Strings are written by the JSON encoder's
    own string function, as ``script_json`` would write the list, without its set-up.
    """
    fields = (event_id, who, start, end, title, text)
    if not all(type(field) is str for field in fields):
        return str(script_json(list(fields)))
    out = "[" + ",".join(map(encode_basestring, fields)) + "]"
    return script_escaped(out)


class SearchIndex:
    """Collects a span's events in page order and writes the index's pieces through ``write``.

    ``piece(name, json_text)`` gives a piece's script; ``write(relative, data)`` writes
    one file of the site (both as UTF-8: the pieces are joined from kept bytes).
    ``prefix`` starts every piece's name (``p2020``: ``search/p2020g3.js``).

    Events come a year at a time (:meth:`add_year`), each year with its shards'
    sections already as JSON (:func:`year_sections`, made from the year's postings or
    kept from the last build); a shard is written by joining its years' sections.
    """

    def __init__(
        self,
        events: int,
        write: Write,
        piece: Piece,
        *,
        prefix: str = "",
        shard_bytes: int = SHARD_BYTES,
    ) -> None:
        self.prefix = prefix
        self.shards = shard_count(events, shard_bytes)
        self.write = write
        self.piece = piece
        #: Each year's sections (one JSON text per shard), in the span's order.
        self.sections: list[list[bytes]] = []
        self.chunk: list[bytes] = []
        self.count = 0
        self.written = 0  # events whose summaries are in a written chunk
        #: What the pages must know to read the pieces (known before any is written).
        self.info = {"shards": self.shards, "chunk": CHUNK, "events": events}

    def add_year(self, summaries: list[bytes], sections: list[bytes]) -> None:
        """A year's events, next in page order: their summaries (:func:`summary_json`) and
        the year's section of each shard (:func:`year_sections`), each as UTF-8."""
        if len(sections) != self.shards:
            raise ValueError(f"{len(sections)} sections for {self.shards} shards")
        self.sections.append(sections)
        self.count += len(summaries)
        for summary in summaries:
            self.chunk.append(summary)
            if len(self.chunk) == CHUNK:
                self._write_chunk()

    def _write_chunk(self) -> None:
        number = self.written // CHUNK
        self.written += len(self.chunk)
        name = f"{self.prefix}e{number}"
        rows = b"[" + b",".join(self.chunk) + b"]"  # as json.dumps joins
        self.write(f"{SEARCH_FOLDER}/{name}.js", self.piece(name, rows))
        self.chunk = []

    def finish(self) -> dict:
        """Write the last chunk and every shard; returns what the page must know."""
        if self.chunk:
            self._write_chunk()
        for shard in range(self.shards):
            name = f"{self.prefix}g{shard}"
            text = b"[" + b",".join([year[shard] for year in self.sections]) + b"]"
            self.write(f"{SEARCH_FOLDER}/{name}.js", self.piece(name, text))
        if self.count != self.info["events"]:
            raise ValueError(f"{self.info['events']} events announced, {self.count} added")
        return self.info


def year_sections(block: np.ndarray, shards: int) -> list[bytes]:
    """A year's section of each of ``shards`` shards, as JSON in UTF-8: ``{pair: [place,
    differences…]}`` of the year's postings ``block`` (``(key, place in the year)`` rows
    sorted by key, then place: :func:`exports.search_postings.year_block`); ``{}``
    for a shard none of the year's pairs falls in.

    Each section is :func:`shard_json` of the shard's postings, encoded
    (``tests/test_page_cards.py`` compares both), made for every shard at once: one
    pass over the year's postings, then a join per shard (a call per shard cost three
    times as much at 10,000 documents: some 170 shards a year, most of them small).
    Made as bytes from the start: a section joined as text mixes ASCII numbers with
    CJK pairs, so every digit was widened to the pair's width and then encoded again
    (0.5–0.66 s against 0.45–0.49 s over the 38 years of 10,000 documents).
    """
    sections = [b"{}"] * shards
    if not len(block):
        return sections
    keys = block[:, 0]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])  # a run per pair
    texts = _posting_texts(block[:, 1], starts, _NUMBER_BYTES)
    firsts = keys[starts]
    codes = (firsts & ((1 << CODE_BITS) - 1)).tolist()
    heads = np.array(list(map(_pair_head_bytes, codes)), object)
    owners = firsts >> CODE_BITS
    openings = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])  # a shard's first run
    later = np.ones(len(heads), dtype=bool)
    later[openings] = False
    heads[later] = b"," + heads[later]
    texts[starts] = heads + texts[starts]
    pieces = texts.tolist()
    bounds = [*starts[openings].tolist(), len(pieces)]
    for at, shard in enumerate(owners[openings].tolist()):
        sections[shard] = b"{" + b"".join(pieces[bounds[at] : bounds[at + 1]]) + b"}"
    return sections


#: A pair's code: its first character's code point times this, plus the second's.
CODE_BASE = 0x110000
#: A posting's key: its shard above this many bits, its pair's code below.
CODE_BITS = 41  # CODE_BASE ** 2 < 2 ** 41
_SPACE_CODE = ord(" ")


def _pair_postings(texts: list[str], first: int, shards: int) -> np.ndarray:
    """The distinct (key, event number) of folded ``texts``, numbered from ``first``.

    Every two neighbouring characters of one text, neither a space, make a pair
    (:func:`grams`); lone surrogates stay code points (``surrogatepass``). A key
    is the pair's shard and code (:data:`CODE_BITS`); rows are sorted by key,
    then event.
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    left, right = codes[:-1].astype(np.int64), codes[1:].astype(np.int64)
    keep = (owner[:-1] == owner[1:]) & (left != _SPACE_CODE) & (right != _SPACE_CODE)
    left, right = left[keep], right[keep]
    pairs = left * CODE_BASE + right
    keys = (_shards(left, right, shards) << CODE_BITS) | pairs
    width = max(1, len(texts))
    keys = np.sort(keys * width + owner[:-1][keep])  # key, then event, ascending
    unique = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    out = np.empty((len(unique), 2), dtype=np.int64)
    out[:, 0] = unique // width
    out[:, 1] = unique % width + first
    return out


def _shards(left: np.ndarray, right: np.ndarray, shards: int) -> np.ndarray:
    """:func:`shard_of` of every pair (pairs outside the BMP one by one, in Python)."""
    found = ((left * 31 + right) & 0xFFFFFFFF) % shards
    for at in np.flatnonzero((left > 0xFFFF) | (right > 0xFFFF)).tolist():
        found[at] = shard_of(chr(left[at]) + chr(right[at]), shards)
    return found


def _by_shard(postings: np.ndarray, shards: int) -> list[tuple[int, np.ndarray]]:
    """Postings sorted by key, cut at every shard."""
    keys = postings[:, 0]
    bounds = np.searchsorted(keys, np.arange(shards + 1, dtype=np.int64) << CODE_BITS).tolist()
    return [
        (shard, postings[bounds[shard] : bounds[shard + 1]])
        for shard in range(shards)
        if bounds[shard + 1] > bounds[shard]
    ]


def _gram(code: int) -> str:
    return chr(code // CODE_BASE) + chr(code % CODE_BASE)


def _runs(block: np.ndarray) -> tuple[list[int], np.ndarray, np.ndarray]:
    """A shard's postings (sorted by key, then event) as runs of one pair each: the
    pairs' codes, where each run starts, and every posting's event number as the
    first of its run and then the differences."""
    codes, numbers = block[:, 0] & ((1 << CODE_BITS) - 1), block[:, 1]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    deltas = numbers.copy()
    deltas[1:] -= numbers[:-1]
    deltas[starts] = numbers[starts]
    return codes[starts].tolist(), starts, deltas


def _shard_deltas(block: np.ndarray | None) -> dict[str, list[int]]:
    """A shard's postings as ``{pair: [first, differences…]}`` (what :func:`shard_json`
    writes; the tests compare both)."""
    if block is None or not len(block):
        return {}
    heads, starts, deltas = _runs(block)
    values = deltas.tolist()
    bounds = [*starts.tolist(), len(values)]
    return {_gram(code): values[bounds[at] : bounds[at + 1]] for at, code in enumerate(heads)}


#: Every number below 65,536 as its text followed by a comma, then (from 65,536 on) the
#: same numbers followed by the list's end: a posting's text is one look-up.
_NUMBERS = np.array(
    [f"{number}," for number in range(1 << 16)] + [f"{number}]" for number in range(1 << 16)],
    dtype=object,
)
_CLOSING = 1 << 16
#: :data:`_NUMBERS` in UTF-8, for :func:`year_sections`.
_NUMBER_BYTES = np.array([text.encode() for text in _NUMBERS.tolist()], dtype=object)


def shard_json(block: np.ndarray | None) -> str:
    """``script_json(_shard_deltas(block))``, written without making the Python dict.

    Every posting becomes one piece of text, looked up in a table of numbers with
    the comma or the list's end that follows them (a third of the JSON encoder's
    time for the millions of postings of a large corpus); each pair's key is
    encoded by the encoder's own string function, escaped as
    :func:`~exports.page_render.script_json` does, and put before the first
    posting of its run; the pieces are joined once. Pairs come sorted by code,
    which is the order of ``sort_keys`` (code points). ``tests/test_page_cards.py``
    compares both.
    """
    if block is None or not len(block):
        return "{}"
    codes = block[:, 0] & ((1 << CODE_BITS) - 1)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    texts = _posting_texts(block[:, 1], starts)
    keys = list(map(_pair_head, codes[starts].tolist()))
    keys[1:] = ["," + key for key in keys[1:]]
    texts[starts] = np.array(keys, dtype=object) + texts[starts]
    return "{" + "".join(texts.tolist()) + "}"


def _posting_texts(
    numbers: np.ndarray, starts: np.ndarray, table: np.ndarray = _NUMBERS
) -> np.ndarray:
    """Each posting's text in runs beginning at ``starts`` (a run's first number, then the
    differences), each followed by a comma or, at its run's end, by the list's end; as
    ``str``, or as ``bytes`` with ``table`` :data:`_NUMBER_BYTES`."""
    deltas = numbers.copy()
    deltas[1:] -= numbers[:-1]
    deltas[starts] = numbers[starts]
    last = np.zeros(len(deltas), dtype=np.int64)
    last[starts[1:] - 1] = _CLOSING
    last[-1] = _CLOSING
    outside = (deltas < 0) | (deltas >= _CLOSING)
    texts = table[np.where(outside, 0, deltas) + last]
    as_bytes = table is _NUMBER_BYTES
    for at in np.flatnonzero(outside).tolist():
        text = f"{int(deltas[at])}{']' if last[at] else ','}"
        texts[at] = text.encode() if as_bytes else text
    return texts


@lru_cache(maxsize=1 << 17)
def _pair_head(code: int) -> str:
    """A pair's key as a shard's JSON opens its list (remembered: pairs recur every year)."""
    return script_escaped(encode_basestring(_gram(code))) + ":["


@lru_cache(maxsize=1 << 17)
def _pair_head_bytes(code: int) -> bytes:
    """:func:`_pair_head` in UTF-8 (a lone surrogate of a pair kept as it is, as
    ``surrogatepass`` writes it: the page writer's texts are UTF-8 already and hold none)."""
    return _pair_head(code).encode("utf-8", "surrogatepass")


__all__ = [
    "CHUNK",
    "SEARCH_FOLDER",
    "SEARCH_SPAN",
    "SPAN_SHARD_BYTES",
    "SearchIndex",
    "fold",
    "fold_joined",
    "grams",
    "shard_count",
    "shard_of",
    "summary_json",
    "year_sections",
]
