"""Plain text: decoding Chinese encodings (UTF-8/16, GB18030, Big5) exactly as written."""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from charset_normalizer import from_bytes

from timeline.documents.base import Document, DocumentError, _first_line_title

if TYPE_CHECKING:
    pass


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
    """A plain-text file (a PDF or Word file misnamed .txt never reaches here)."""
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
