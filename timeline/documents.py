"""Reading documents of every common format into text and metadata.

A document is plain text (``.txt``, ``.md``), a web page (``.html``, ``.htm``), a
Word file (``.docx``) or a PDF with a text layer. :func:`load_document` turns any
of them into a :class:`Document`: the text that date spans index, and what the
file says about itself (title, publication date, address).

Chinese plain text comes as UTF-8 (often with a byte-order mark when saved by
Windows tools), UTF-16 (Windows "Unicode"), GB18030 (a superset of GBK and GB2312,
mainland China) or Big5 (Hong Kong, Taiwan). Offsets reported anywhere in the
project index the text returned here, so plain text is returned exactly as
decoded: no newline translation, no whitespace clean-up.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "gbk.txt"
>>> _ = path.write_bytes("8月22日，军团开展活动。".encode("gb18030"))
>>> read_text(path)
'8月22日，军团开展活动。'
>>> load_document(path).encoding
'gb18030'
"""

from __future__ import annotations

import codecs
import errno
import html as html_entities
import io
import logging
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from charset_normalizer import from_bytes

from timeline import limits

if TYPE_CHECKING:
    from lxml.html import HtmlElement

#: Suffixes of plain-text documents.
TEXT_SUFFIXES = (".txt", ".md")

#: Suffix (lower case) → :attr:`Document.format`.
FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}

#: Suffixes of the files a folder argument expands to (compared case-insensitively).
DOCUMENT_SUFFIXES = tuple(FORMATS)

#: The user's manifest (see :mod:`timeline.manifest`): never a document itself.
MANIFEST_NAME = "documents.csv"


class DocumentError(Exception):
    """A document that cannot be read or decoded; the message names the file."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Document:
    """One document: its text and what the file itself says about it.

    ``text`` is what date spans index (``text[start:end] == date_text``): the
    decoded file for plain text, the main text of a web page (no navigation,
    related-news lists or footers), the paragraphs and table cells of a Word
    file, the text layer of a PDF. ``published`` comes from the file's own
    metadata only (``published_source`` says which: ``html-meta``, ``docx-core``
    or ``pdf-info``); a date line inside the text is the resolver's business.
    """

    path: Path
    name: str
    text: str
    title: str | None = None
    published: date | None = None
    published_source: str | None = None
    url: str | None = None
    format: str = "txt"
    encoding: str | None = None
    #: What had to be given up to read the file at all (a character cut off at
    #: the end, a page too deeply nested for the HTML parser): the document is
    #: used, but the run must not pass silently. Messages without the file name.
    repairs: tuple[str, ...] = ()


#: The default size limit per document, in bytes (``--max-document-mb 20``). A
#: real association document is a few hundred kilobytes; one of tens of
#: megabytes is a database dump or a mistake, and reading it would hold the run
#: for minutes (about a second per megabyte) and its memory.
DEFAULT_MAX_BYTES = 20 * 2**20


# --------------------------------------------------------------------------- #
# Reading files                                                                #
# --------------------------------------------------------------------------- #


def load_document(path: str | Path, max_bytes: int | None = DEFAULT_MAX_BYTES) -> Document:
    """Read one document of any supported format.

    The format comes from the suffix (:data:`FORMATS`); a file with another
    suffix is recognised by its first bytes (``%PDF-``, a zip archive, an HTML
    tag) and is otherwise read as plain text. Raises :class:`DocumentError`,
    naming the file and what went wrong, for anything that cannot be read:
    missing, not a regular file, permission denied, empty, larger than
    ``max_bytes`` (None: no limit), undecodable, a corrupt Word file or PDF, a
    PDF without a text layer. What could be read only in part is in
    :attr:`Document.repairs`.
    """
    path = Path(path)
    data = _read_bytes(path, max_bytes)
    kind = FORMATS.get(path.suffix.lower()) or _sniff_format(data)
    try:
        limits.check_archive(data)  # a .docx inflating to gigabytes, refused unread
        document = _LOADERS[kind](path, data, kind)
        limits.check_characters(len(document.text))
    except limits.LimitExceeded as error:
        raise DocumentError(path, str(error)) from None
    return document


def read_text(path: str | Path, max_bytes: int | None = DEFAULT_MAX_BYTES) -> str:
    """The text of one document: what its date spans index.

    Documents (:data:`FORMATS`) give :attr:`Document.text`; any other file (a
    CSV manifest, a file without a suffix) is decoded as plain text, see
    :func:`decode_text`. Raises :class:`DocumentError` naming the file when it is
    missing, unreadable, larger than ``max_bytes`` or cannot be decoded.
    """
    path = Path(path)
    if path.suffix.lower() in FORMATS:
        return load_document(path, max_bytes).text
    return decode_text(_read_bytes(path, max_bytes, allow_empty=True), path)


def megabytes(size: int) -> str:
    """A size in MB (2**20 bytes), as the ``--max-document-mb`` option counts them.

    >>> megabytes(50 * 2**20), megabytes(1536 * 1024)
    ('50 MB', '1.5 MB')
    """
    return f"{size / 2**20:.2f}".rstrip("0").rstrip(".") + " MB"


def _read_bytes(path: Path, max_bytes: int | None = None, *, allow_empty: bool = False) -> bytes:
    """The bytes of a regular file, or a :class:`DocumentError` saying why not.

    The file type is checked before opening: reading a FIFO named ``x.txt``
    would block forever. The size is checked before reading, and again while
    reading (a file may grow in between), so an oversized file is never held
    in memory. An empty file is an error: it is nearly always a failed download
    or copy, and its events would silently go missing.
    """
    try:
        status = path.stat()
    except FileNotFoundError as error:
        if path.is_symlink():
            raise DocumentError(path, "broken symbolic link (its target does not exist)") from error
        raise DocumentError(path, "no such file") from error
    except PermissionError as error:
        raise DocumentError(path, "permission denied") from error
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise DocumentError(
                path, "symbolic link loop (the link leads back to itself)"
            ) from error
        raise DocumentError(path, f"cannot read the file ({error.strerror or error})") from error
    if stat.S_ISDIR(status.st_mode):
        raise DocumentError(path, "is a folder, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise DocumentError(path, "not a regular file (a device, pipe or socket)")
    if max_bytes is not None and status.st_size > max_bytes:
        raise _too_large(path, status.st_size, max_bytes)
    try:
        with path.open("rb") as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except PermissionError as error:
        raise DocumentError(path, "permission denied") from error
    except OSError as error:
        raise DocumentError(path, f"cannot read the file ({error.strerror or error})") from error
    if max_bytes is not None and len(data) > max_bytes:
        raise _too_large(path, len(data), max_bytes)
    if not data and not allow_empty:
        raise DocumentError(path, "the file is empty (0 bytes)")
    return data


def _too_large(path: Path, size: int, max_bytes: int) -> DocumentError:
    return DocumentError(
        path,
        f"too large: {megabytes(size)}, over the limit"
        f" of {megabytes(max_bytes)} per document (raise it with --max-document-mb)",
    )


def _sniff_format(data: bytes) -> str:
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    if re.match(rb"(?i)(\xef\xbb\xbf)?\s*<(!doctype html|html|head|body|meta)\b", head):
        return "html"
    return "txt"


def _quiet(*loggers: str) -> None:
    """Keep parsers' log records off standard error unless logging is set up.

    pypdf, trafilatura and htmldate log what they repair ("EOF marker not
    found"); without a handler Python prints those on standard error, which the
    command line keeps for its own messages naming the file. The records still
    reach any handler the application configures.
    """
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            logger.addHandler(logging.NullHandler())


def _describe(error: BaseException) -> str:
    """A library exception in a few words: its type and message."""
    message = str(error).strip()
    name = type(error).__name__
    return f"{name}: {message}" if message else name


# --------------------------------------------------------------------------- #
# Plain text                                                                   #
# --------------------------------------------------------------------------- #


def decode_text(data: bytes, source: str | Path = "<bytes>") -> str:
    """Decode the bytes of a plain-text document; see :func:`detect_encoding`.

    >>> decode_text("日期".encode("utf-8-sig"))
    '日期'
    >>> decode_text("香港紡織業聯會於2023年9月8日舉行周年大會".encode("big5"))
    '香港紡織業聯會於2023年9月8日舉行周年大會'
    """
    return detect_encoding(data, source)[0]


def detect_encoding(data: bytes, source: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode plain-text bytes; returns ``(text, encoding)``.

    In order:

    1. A byte-order mark decides (UTF-8, UTF-16, UTF-32); the rest must then
       decode strictly.
    2. UTF-16 without a mark, told by its NUL bytes: the ASCII characters of
       Chinese text (digits of dates, punctuation, newlines) put a NUL in every
       other byte, all on the same side.
    3. Strict UTF-8: valid UTF-8 is almost never an accident.
    4. The legacy Chinese encodings, GB18030 and Big5, with charset-normalizer's
       candidates added when neither looks right. Big5 bytes are mostly valid
       GB18030 too (and the other way round), so a strict decode proves nothing:
       each candidate is scored by :func:`chinese_plausibility` (the share of
       common Chinese characters, with replacement, private-use and control
       characters counting against it) and the best wins, GB18030 on a tie.
       This keeps short GB18030 texts working, where statistics have too little
       to go on.
    5. Otherwise charset-normalizer's best guess (text that is not Chinese).

    A file cut short in the middle of a multi-byte character (an interrupted
    download or copy) is read without that incomplete character; see
    :func:`decode_with_repairs`, which also says so. Text with NUL characters
    is refused as binary.
    """
    text, encoding, _ = decode_with_repairs(data, source)
    return text, encoding


def decode_with_repairs(
    data: bytes, source: str | Path = "<bytes>"
) -> tuple[str, str, tuple[str, ...]]:
    """:func:`detect_encoding`, and what had to be dropped to decode at all.

    Only an incomplete character at the very end is dropped (at most 3 bytes):
    the rest of the file is intact and its offsets unchanged. Damage anywhere
    else is not guessed away: the file is then not in that encoding.

    >>> decode_with_repairs("8月22日，年会".encode()[:-1])
    ('8月22日，年', 'utf-8', ('ends in the middle of a UTF-8 character (2 of its bytes): the file was probably cut short; read without them',))
    """
    for bom, encoding, label in _BOMS:
        if data.startswith(bom):
            try:
                text, cut = _decode_cut(data[len(bom) :], encoding.removesuffix("-sig"))
            except UnicodeDecodeError as error:
                raise DocumentError(
                    source,
                    f"starts with a {label} byte-order mark but is not valid {label} ({error})",
                ) from error
            return _refuse_binary(text, source), encoding, _cut_note(cut, label)
    utf16 = _utf16_by_nul_bytes(data)
    if utf16 is not None:
        try:
            return _refuse_binary(data.decode(utf16), source), utf16, ()
        except UnicodeDecodeError:
            pass
    try:
        text, cut = _decode_cut(data, "utf-8")
        return _refuse_binary(text, source), "utf-8", _cut_note(cut, "UTF-8")
    except UnicodeDecodeError:
        pass
    candidates = _strict_decodings(data, _CHINESE_ENCODINGS)
    best = _most_plausible(candidates)
    if best is None or best[2] < _PLAUSIBLE:
        cut = _legacy_cut(data)
        if cut is not None:
            text, encoding, dropped = cut
            return _refuse_binary(text, source), encoding, _cut_note(dropped, encoding.upper())
        guesses = from_bytes(data)
        candidates.update(_strict_decodings(data, [guess.encoding for guess in guesses]))
        best = _most_plausible(candidates)
        guess = guesses.best()
        if (best is None or best[2] < _PLAUSIBLE) and guess is not None:
            return _refuse_binary(str(guess), source), guess.encoding, ()
    if best is None:
        binary = b"\x00" in data or sum(byte < 9 for byte in data[:4096]) > 8
        raise DocumentError(
            source,
            "cannot decode the text: not UTF-8, UTF-16, GB18030 or Big5, and no other encoding fits"
            + (" (it looks like a binary file)" if binary else ""),
        )
    text, encoding, _ = best
    return _refuse_binary(text, source), encoding, ()


#: What a codec says when the bytes stop inside a character.
_CUT_REASONS = ("unexpected end of data", "truncated data", "incomplete multibyte sequence")


def _decode_cut(data: bytes, encoding: str) -> tuple[str, int]:
    """Strict decoding, forgiving only an incomplete character at the very end.

    Returns the text and how many trailing bytes were dropped (0 normally);
    raises :class:`UnicodeDecodeError` for anything else.
    """
    try:
        return data.decode(encoding), 0
    except UnicodeDecodeError as error:
        cut = len(data) - error.start
        if error.end != len(data) or cut > 3 or not error.reason.startswith(_CUT_REASONS):
            raise
        return data[: error.start].decode(encoding), cut


def _legacy_cut(data: bytes) -> tuple[str, str, int] | None:
    """GB18030 or Big5 text cut short inside its last character, when plausible."""
    for encoding in ("gb18030", "big5"):
        for cut in (1, 2, 3):
            try:
                text = data[:-cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            if chinese_plausibility(text) >= _PLAUSIBLE:
                return text, encoding, cut
            break
    return None


def _cut_note(cut: int, label: str) -> tuple[str, ...]:
    if not cut:
        return ()
    label = {"GB18030": "GB18030", "BIG5": "Big5"}.get(label, label)
    return (
        f"ends in the middle of a {label} character ({cut} of its bytes): the file was"
        " probably cut short; read without them",
    )


#: Byte-order marks: the mark, the encoding reported (its codec without
#: ``-sig`` decodes the rest), the name in messages. UTF-32's marks begin with
#: UTF-16's, so they come first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)

#: Tried in this order; on equal plausibility the first wins.
_CHINESE_ENCODINGS = ("gb18030", "big5", "cp950", "big5hkscs")

#: Below this plausibility a decoding is not taken for Chinese text.
_PLAUSIBLE = 0.6


def _utf16_by_nul_bytes(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the NUL bytes say so, else None.

    >>> _utf16_by_nul_bytes("2023年9月8日".encode("utf-16-le"))
    'utf-16-le'
    """
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    nuls = even + odd
    if nuls < max(2, len(data) // 50):
        return None
    if odd >= 0.9 * nuls:
        return "utf-16-le"
    if even >= 0.9 * nuls:
        return "utf-16-be"
    return None


def _strict_decodings(data: bytes, encodings: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{codec name: (text, encoding)}`` for the encodings that decode strictly."""
    found: dict[str, tuple[str, str]] = {}
    for encoding in encodings:
        try:
            key = codecs.lookup(encoding).name
        except LookupError:
            continue
        if key in found:
            continue
        try:
            found[key] = (data.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return found


def _most_plausible(
    candidates: dict[str, tuple[str, str]],
) -> tuple[str, str, float] | None:
    best: tuple[str, str, float] | None = None
    for text, encoding in candidates.values():
        score = chinese_plausibility(text)
        if best is None or score > best[2]:
            best = (text, encoding, score)
    return best


def chinese_plausibility(text: str) -> float:
    """How much a decoded text looks like real Chinese (or plain ASCII), at most 1.

    The share of its non-ASCII characters that are common: the 6,763 hanzi of
    GB2312, the 5,401 frequent characters of Big5, CJK and full-width
    punctuation. Replacement (U+FFFD), private-use and control characters count
    five times against it: GB18030 decodes Big5 punctuation into the private-use
    area, and Big5 decodes GB18030 punctuation into bopomofo.

    >>> chinese_plausibility("農曆新年期間暫停辦公")
    1.0
    >>> chinese_plausibility("香港總商會".encode("big5").decode("gb18030"))  # 翠羆坝穦
    -0.6
    """
    common = _common_characters()
    foreign = good = bad = 0
    for char in text:
        if char < "\x80":
            if char < " " and char not in "\t\n\r\f\v":
                bad += 1
            continue
        foreign += 1
        if char in common:
            good += 1
        elif _is_bad_character(char):
            bad += 1
    if not foreign:
        return 0.0 if bad else 1.0
    return (good - 5 * bad) / foreign


def _is_bad_character(char: str) -> bool:
    code = ord(char)
    return (
        code == 0xFFFD
        or 0x80 <= code < 0xA0
        or 0xE000 <= code <= 0xF8FF
        or 0xD800 <= code <= 0xDFFF
        or code >= 0xF0000
    )


#: Punctuation and symbols common in Chinese text, besides the hanzi.
_COMMON_SYMBOLS = (
    "\u00b7\u00d7\u00f7\u00b0\u00a7\u2103\u2116\u203b\u2192\u2190\u2191\u2193\u25cb\u25cf\u25a1\u25a0\u2605\u2606"
    "\u2010\u2013\u2014\u2015\u2018\u2019\u201c\u201d\u2026\u2027\u2030\u2032\u2033\u2022\u00a0"
)


@cache
def _common_characters() -> frozenset[str]:
    """GB2312's hanzi, Big5's frequent characters, CJK and full-width punctuation.

    Taken from the codecs themselves: GB2312 rows 16-87 (lead bytes B0-F7) and
    Big5 A440-C67E.
    """
    chars: set[str] = set(_COMMON_SYMBOLS)
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            if (lead << 8 | trail) > 0xC67E:
                break
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                continue
    chars.update(chr(code) for code in range(0x3000, 0x3040))  # CJK punctuation
    chars.update(chr(code) for code in range(0xFF01, 0xFF66))  # full-width forms
    chars.update(chr(code) for code in range(0x2160, 0x216C))  # Roman numerals Ⅰ-Ⅻ
    chars.update(chr(code) for code in range(0x2460, 0x249C))  # ① ⑴ ⒈
    chars.update(chr(code) for code in range(0x3220, 0x322A))  # ㈠-㈩
    return frozenset(chars)


def _refuse_binary(text: str, source: str | Path) -> str:
    if "\x00" in text:
        raise DocumentError(source, "looks like a binary file (it contains NUL bytes)")
    return text


#: The first bytes of files that are not text, for the message that refuses them.
_NOT_TEXT = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.doc, .xls): save it as .docx"),
)


def _load_plain_text(path: Path, data: bytes, kind: str) -> Document:
    """A plain-text file; a PDF or Word file misnamed .txt is read as what it is."""
    actual = _sniff_format(data)
    if actual in ("pdf", "docx"):
        document = _LOADERS[actual](path, data, actual)
        note = f"named {path.suffix} but is a {actual.upper()} file: read as one"
        return replace(document, repairs=(note, *document.repairs))
    for magic, what in _NOT_TEXT:
        if data.startswith(magic):
            raise DocumentError(path, f"not text: it is {what}")
    text, encoding, repairs = decode_with_repairs(data, path)
    if not text.strip():
        raise DocumentError(path, "no text: the file holds only white space")
    return Document(
        path=path,
        name=path.name,
        text=text,
        title=_first_line_title(text, markdown=kind == "md"),
        format=kind,
        encoding=encoding,
        repairs=repairs,
    )


def _first_line_title(text: str, *, markdown: bool = False) -> str | None:
    """The first non-empty line, without Markdown's ``#`` heading marks."""
    for line in text.splitlines():
        line = line.strip()
        if markdown:
            line = re.sub(r"^#{1,6}\s*|\s+#+$", "", line).strip()
        if line:
            return line
    return None


# --------------------------------------------------------------------------- #
# Web pages                                                                    #
# --------------------------------------------------------------------------- #


def _load_html(path: Path, data: bytes, kind: str) -> Document:
    """A web page: main text by trafilatura, metadata from the markup.

    trafilatura keeps the article and drops navigation, related-news lists and
    footers (in its precision mode: on small pages the balanced mode keeps
    menus and "related reading" links, whose dates would become false events);
    when it finds nothing, the whole visible text is used. Nothing is
    fetched: the parsers only ever see the file's own markup.

    libxml2 gives up on a page nesting its tags more than 256 deep or holding a
    text of over 10 MB (it keeps what it read so far, silently), and
    trafilatura or lxml may fail on odd markup: the page's visible text is then
    read by :func:`stream_text`, which has no depth and runs in linear time, and
    :attr:`Document.repairs` says so.
    """
    _quiet("trafilatura", "htmldate", "courlan", "justext")
    markup, encoding, decoded = _decode_html(data, path)
    repairs = list(decoded)
    if not markup.strip():
        raise DocumentError(path, "no HTML in the file (it is empty)")
    checked, limit = _parse_checked(markup)
    text, metadata = "", (None, None, None)
    if limit is None:
        try:
            tree = _parse_html(markup)
            if tree is not None:
                text = _main_text(tree) or _visible_text(tree)
                metadata = _html_metadata(tree)
        except Exception as error:  # lxml, trafilatura and htmldate raise many kinds
            limit = f"the HTML parsers failed ({_describe(error)})"
            text = ""
    if limit is not None:
        text, stream_title = stream_text(markup)
        metadata = _metadata_or_none(checked)
        metadata = (metadata[0] or stream_title, metadata[1], metadata[2])
        repairs.append(
            f"{limit}: read its visible text as a stream instead, menus and footers included"
        )
    if not text.strip():
        raise DocumentError(path, "no text in the web page (is it rendered by JavaScript?)")
    title, published, url = metadata
    return Document(
        path=path,
        name=path.name,
        text=text,
        title=title or _first_line_title(text),
        published=published,
        published_source="html-meta" if published else None,
        url=url,
        format=kind,
        encoding=encoding,
        repairs=tuple(repairs),
    )


def _parse_checked(markup: str) -> tuple[HtmlElement | None, str | None]:
    """The page parsed by lxml, and why the tree cannot be trusted (None if it can).

    libxml2 stops at a resource limit (nesting depth, huge text) with a fatal
    error and no exception: the tree simply ends there.
    """
    from lxml import etree
    from lxml import html as lxml_html

    def parse(source: str | bytes, parser: Any) -> HtmlElement | None:
        try:
            return lxml_html.document_fromstring(source, parser=parser)
        except etree.ParserError:
            return None

    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        tree = parse(markup, parser)
    except ValueError:  # a str with an encoding declaration: give lxml bytes
        parser = lxml_html.HTMLParser(
            remove_comments=True, remove_pis=True, collect_ids=False, encoding="utf-8"
        )
        tree = parse(markup.encode("utf-8", "surrogatepass"), parser)
    except Exception as error:
        return None, f"the HTML parser failed ({_describe(error)})"
    for entry in parser.error_log:
        if entry.level == etree.ErrorLevels.FATAL:
            message = " ".join(entry.message.split()).removesuffix(", use XML_PARSE_HUGE option")
            message = message.removesuffix(", try XML_PARSE_HUGE")
            return tree, (
                f"the HTML parser gave up at line {entry.line} ({message}):"
                " the page nests its tags too deeply or holds too long a text"
            )
    return tree, None


def _metadata_or_none(tree: HtmlElement | None) -> tuple[str | None, date | None, str | None]:
    """:func:`_html_metadata` of a partial tree; nothing when that fails too."""
    if tree is None:
        return None, None, None
    try:
        return _html_metadata(tree)
    except Exception:
        return None, None, None


_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)

#: Declared charsets read as their supersets, as browsers do.
_CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "cp950",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
}


def _declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 8 KB (``<meta charset>``, XML)."""
    match = _DECLARED_CHARSET.search(data[:8192])
    if match is None:
        return None
    name = (match.group(1) or match.group(2)).decode("ascii").lower()
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _CHARSET_SUPERSETS.get(codec, codec)


def _decode_html(data: bytes, path: Path) -> tuple[str, str, tuple[str, ...]]:
    """The page's markup as text, the encoding used, and what was repaired.

    A byte-order mark wins, then valid UTF-8 (pages often declare one charset
    and are saved in UTF-8), then the declared charset (gb2312 and gbk read as
    GB18030, their superset), then the plain-text detection. A page in its
    declared charset with a few broken bytes is still read, with replacement
    characters for them, and the repair says how many.
    """
    for bom, _, _ in _BOMS:
        if data.startswith(bom):
            return decode_with_repairs(data, path)
    try:
        text, cut = _decode_cut(data, "utf-8")
        return text, "utf-8", _cut_note(cut, "UTF-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data)
    if declared is not None:
        try:
            return data.decode(declared), declared, ()
        except UnicodeDecodeError:
            pass
    try:
        return decode_with_repairs(data, path)
    except DocumentError:
        if declared is None:
            raise
    text = data.decode(declared, errors="replace")
    broken = text.count("\ufffd")
    if broken > max(3, len(text) // 1000):
        raise DocumentError(path, f"cannot decode the page in its declared charset {declared}")
    return text, declared, (f"{broken} character(s) are not valid {declared}: replaced by \ufffd",)


def _parse_html(markup: str) -> HtmlElement | None:
    from lxml import etree
    from lxml import html as lxml_html
    from trafilatura.utils import load_html

    if not markup.strip():
        return None
    tree = load_html(markup)
    if tree is not None:
        return tree
    # trafilatura refuses fragments; lxml wraps them in a document
    try:
        return lxml_html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", markup))
    except (etree.ParserError, ValueError):
        return None


def _main_text(tree: HtmlElement) -> str:
    import trafilatura

    text = trafilatura.extract(
        deepcopy(tree),
        output_format="txt",
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        favor_precision=True,
    )
    return (text or "").strip()


_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_INVISIBLE_TAGS = frozenset(
    ["head", "script", "style", "noscript", "template", "svg", "iframe", "object"]
)


def _visible_text(tree: HtmlElement) -> str:
    """All the text a browser would show, one block per line.

    Walked with an explicit stack, not recursion: the depth of a page is the
    page's business.
    """
    pieces: list[str] = []
    body = tree.find(".//body")
    stack: list[tuple[Any, bool]] = [(body if body is not None else tree, False)]
    while stack:
        element, leaving = stack.pop()
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        block = tag in _BLOCK_TAGS
        if leaving:
            if block:
                pieces.append("\n")
            pieces.append(element.tail or "")
            continue
        if not tag or tag in _INVISIBLE_TAGS:  # a comment, a script ...
            pieces.append(element.tail or "")
            continue
        if block:
            pieces.append("\n")
        pieces.append(element.text or "")
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return _block_lines("".join(pieces))


def _block_lines(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


#: Elements whose content is never shown as text; a stream skips to their end tag.
_RAW_TEXT_TAGS = ("script", "style", "title", "noscript", "template", "textarea", "xmp", "iframe")
_END_TAGS = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _RAW_TEXT_TAGS}
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40})")


def stream_text(markup: str) -> tuple[str, str | None]:
    """The visible text of a page read as a stream of tags, and its ``<title>``.

    No tree and no recursion, so no nesting is too deep, and every step moves
    forward: linear time whatever the markup (Python's own ``html.parser`` is
    quadratic on unclosed comments). Used when libxml2 gives up on a page.
    Block elements start new lines, as in :func:`_visible_text`; scripts,
    styles and the like are skipped.

    >>> stream_text("<title>年会</title>" + "<div>" * 3 + "8月22日<script>x</script>召开" + "</div>" * 3)
    ('8月22日召开', '年会')
    """
    pieces: list[str] = []
    title: str | None = None
    position, size = 0, len(markup)
    while position < size:
        opening = markup.find("<", position)
        if opening < 0:
            pieces.append(html_entities.unescape(markup[position:]))
            break
        pieces.append(html_entities.unescape(markup[position:opening]))
        if markup.startswith("<!--", opening):
            end = markup.find("-->", opening + 4)
            position = size if end < 0 else end + 3
            continue
        if markup.startswith(("<!", "<?"), opening):
            end = markup.find(">", opening + 2)
            position = size if end < 0 else end + 1
            continue
        tag = _TAG_NAME.match(markup, opening)
        if tag is None:  # a lone "<" is text
            pieces.append("<")
            position = opening + 1
            continue
        end = markup.find(">", tag.end())
        if end < 0:  # a tag left open runs to the end of the file, as in browsers
            break
        position = end + 1
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _BLOCK_TAGS:
            pieces.append("\n")
        if not closing and name in _END_TAGS and markup[end - 1] != "/":
            found = _END_TAGS[name].search(markup, position)
            content = markup[position : found.start() if found else size]
            if name == "title" and title is None:
                title = " ".join(html_entities.unescape(content).split()) or None
            position = found.end() if found else size
    return _block_lines("".join(pieces)), title


def _html_metadata(tree: HtmlElement) -> tuple[str | None, date | None, str | None]:
    """Title, publication date and address from the page's markup.

    Title and address come from trafilatura (og:title, ``<title>``; canonical
    link, og:url). The date comes from htmldate, given only the markup that
    states a date (meta tags, JSON-LD, ``<time>`` outside lists and footers)
    and the address: never the article text, never a related-news list, and
    never the clock (its upper bound is fixed, not today).
    """
    from htmldate import find_date
    from trafilatura import extract_metadata

    metadata = extract_metadata(deepcopy(tree), date_config=dict(_DATE_OPTIONS))
    url = metadata.url or None
    found = find_date(_date_markup(tree), url=url, **_DATE_OPTIONS)
    published = date.fromisoformat(found) if found else None
    return metadata.title or None, published, url


_DATE_OPTIONS: dict[str, Any] = {
    "extensive_search": False,
    "original_date": True,
    "max_date": "2100-12-31",
    "deferred_url_extractor": True,
}

#: A ``<time>`` inside one of these is a list entry or page furniture.
_NOT_THE_ARTICLE = frozenset(["li", "nav", "aside", "footer", "a"])


def _date_markup(tree: HtmlElement) -> HtmlElement:
    """A page holding only the elements that state the page's own date."""
    from lxml import html as lxml_html

    page = lxml_html.document_fromstring("<html><head></head><body></body></html>")
    head, body = page.find("head"), page.find("body")
    kept = tree.xpath(
        '//meta | //link[@rel="canonical"] | //script[@type="application/ld+json"]'
        " | //*[@itemprop='datePublished']"
    )
    for element in kept:
        head.append(_detached_copy(element))
    for element in tree.iter("time"):
        if not any(ancestor.tag in _NOT_THE_ARTICLE for ancestor in element.iterancestors()):
            body.append(_detached_copy(element))
    return page


def _detached_copy(element: Any) -> Any:
    copy = deepcopy(element)
    copy.tail = None
    return copy


# --------------------------------------------------------------------------- #
# Word files                                                                   #
# --------------------------------------------------------------------------- #


def _load_docx(path: Path, data: bytes, kind: str) -> Document:
    """A Word file: paragraphs and table cells in order, core properties.

    The publication date is the file's creation date (its modification date
    when it has none), as stored: Word stores UTC, so a file created before
    8 a.m. in China carries the previous day.
    """
    import docx

    _quiet("docx")

    try:
        word = docx.Document(io.BytesIO(data))
        paragraphs = [line for line in _docx_paragraphs(word) if line.strip()]
        core = word.core_properties
        title = (core.title or "").strip() or None
        stamp = core.created or core.modified
    except Exception as error:  # python-docx, zipfile and lxml raise many kinds
        raise DocumentError(
            path, f"damaged or not a Word .docx file ({_describe(error)})"
        ) from error
    text = "\n".join(paragraphs)
    if not text.strip():
        raise DocumentError(path, "no text in the Word file (only images?)")
    return _from_metadata(path, kind, text, title, stamp, "docx-core")


def _docx_paragraphs(container: Any) -> Iterator[str]:
    """Paragraph texts in document order; a table gives its cells' paragraphs.

    A merged cell appears once, however many grid columns or rows it spans.
    """
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            seen: set[Any] = set()
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc in seen:
                        continue
                    seen.add(cell._tc)
                    yield from _docx_paragraphs(cell)
        else:
            yield block.text


def _plausible_date(stamp: datetime | None) -> date | None:
    """The day of a file's timestamp; None for none or a placeholder before 1980."""
    if stamp is None or stamp.year < 1980:
        return None
    return stamp.date()


# --------------------------------------------------------------------------- #
# PDF                                                                          #
# --------------------------------------------------------------------------- #


def _load_pdf(path: Path, data: bytes, kind: str) -> Document:
    """A PDF's text layer, page after page, and its document information.

    A scanned PDF has pictures of pages and no text: it is an error, since
    reading it needs OCR.
    """
    from pypdf import PdfReader

    _quiet("pypdf")

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, "the PDF is protected by a password")
        limits.check_pages(len(reader.pages))
        pages = [(page.extract_text() or "").rstrip("\n") for page in reader.pages]
    except limits.LimitExceeded as error:
        raise DocumentError(path, str(error)) from None
    except DocumentError:
        raise
    except Exception as error:  # pypdf raises many kinds on damaged files
        raise DocumentError(path, f"damaged or not a PDF file ({_describe(error)})") from error
    text = "\n".join(pages)
    if not text.strip():
        raise DocumentError(
            path, f"no text layer: scanned PDF? ({len(pages)} page(s), no extractable text)"
        )
    title, stamp = _pdf_info(reader)
    return _from_metadata(path, kind, text, title, stamp, "pdf-info")


def _from_metadata(
    path: Path, kind: str, text: str, title: str | None, stamp: Any, source: str
) -> Document:
    """A Word or PDF document: title and publication date from the file's own metadata."""
    published = _plausible_date(stamp)
    return Document(
        path=path,
        name=path.name,
        text=text,
        title=title or _first_line_title(text),
        published=published,
        published_source=source if published else None,
        format=kind,
    )


_PLACEHOLDER_TITLE = re.compile(
    r"(?i)^(microsoft (word|powerpoint) - |untitled\b)|\.(docx?|wps|pdf|txt|pptx?)$"
)


def _pdf_info(reader: Any) -> tuple[str | None, datetime | None]:
    """Title and creation date from the document information, when usable.

    A damaged information dictionary costs the metadata, not the document.
    """
    try:
        info = reader.metadata
    except Exception:
        return None, None
    if info is None:
        return None, None
    try:
        title = (info.title or "").strip()
    except Exception:
        title = ""
    try:
        created = info.creation_date
    except Exception:
        created = None
    if _PLACEHOLDER_TITLE.search(title):
        title = ""
    return title or None, created


_LOADERS: dict[str, Callable[[Path, bytes, str], Document]] = {
    "txt": _load_plain_text,
    "md": _load_plain_text,
    "html": _load_html,
    "docx": _load_docx,
    "pdf": _load_pdf,
}


# --------------------------------------------------------------------------- #
# Command-line PATH arguments                                                  #
# --------------------------------------------------------------------------- #


def resolved(path: str | Path) -> Path:
    """``path`` made absolute with its links followed, as far as they lead.

    ``Path.resolve`` raises on a symbolic link loop (RuntimeError before Python
    3.13, OSError after); a loop is then reported when the file is read, so
    here it only needs a stable key: the absolute path, links not followed.
    """
    path = Path(path)
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def is_document_name(name: str) -> bool:
    """Whether a folder's file of this name is a document to read.

    Hidden files, Office lock files (``~$报告.docx``) and the manifest are not.

    >>> [is_document_name(n) for n in ["a.PDF", "b.htm", ".c.txt", "~$d.docx", "e.csv"]]
    [True, True, False, False, False]
    """
    return (
        Path(name).suffix.lower() in DOCUMENT_SUFFIXES
        and not name.startswith((".", "~$"))
        and name != MANIFEST_NAME
    )


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The documents named by command-line PATH arguments.

    A folder stands for its documents (:data:`DOCUMENT_SUFFIXES`, any case),
    searched recursively and sorted by path; hidden files and folders, Office
    lock files and the manifest ``documents.csv`` are skipped. Symbolic links to
    folders are followed, but a folder already visited (a link loop, or two
    links to one folder) is not entered again. A file stands for itself
    whatever its suffix. A path that does not exist is kept, and so is a pipe,
    socket or broken link named like a document, so that reading it reports the
    error with its name instead of the file silently disappearing.
    Duplicates are dropped, first occurrence kept.
    """
    found: list[Path] = []
    for argument in paths:
        path = Path(argument)
        if path.is_dir():
            found.extend(sorted(_documents_in(path)))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _documents_in(folder: Path) -> Iterator[Path]:
    visited: set[Path] = set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        here = Path(root)
        real = resolved(here)
        if real in visited:
            dirs[:] = []
            continue
        visited.add(real)
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        # Every entry that is not a folder: a pipe, socket or broken link named
        # like a document is yielded too, so that reading it reports it.
        for name in sorted(files):
            if is_document_name(name):
                yield here / name
