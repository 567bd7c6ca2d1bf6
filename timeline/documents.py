"""Reading documents into text.

Chinese plain text comes as UTF-8 (often with a byte-order mark when saved by
Windows tools) or in the national GB18030 encoding (a superset of GBK and GB2312).
Offsets reported anywhere in the project index the text returned here, so it is
returned exactly as decoded: no newline translation, no whitespace clean-up.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "gbk.txt"
>>> _ = path.write_bytes("8月22日，军团开展活动。".encode("gb18030"))
>>> read_text(path)
'8月22日，军团开展活动。'
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from pathlib import Path

from charset_normalizer import from_bytes

#: Suffixes of the files a folder argument expands to.
TEXT_SUFFIXES = (".txt", ".md")


class DocumentError(Exception):
    """A document that cannot be read or decoded; the message names the file."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def decode_text(data: bytes, source: str | Path = "<bytes>") -> str:
    """Decode the bytes of a plain-text document.

    Tried in order: strict UTF-8 (a leading byte-order mark is dropped), strict
    GB18030, then charset-normalizer's best guess. Strict decoding comes first
    because charset-normalizer guesses from statistics and short Chinese texts
    can fool it, while valid UTF-8 is almost never an accident. GB18030 is less
    telling: Big5 text (Hong Kong, Taiwan) is valid GB18030 too and comes out
    garbled, so Big5 files should be converted to UTF-8 first. Text with NUL
    characters is refused as binary.

    >>> decode_text("日期".encode("utf-8-sig"))
    '日期'
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return _refuse_binary(data[len(codecs.BOM_UTF8) :].decode("utf-8"), source)
        except UnicodeDecodeError as error:
            raise DocumentError(
                source, f"starts with a UTF-8 byte-order mark but is not valid UTF-8 ({error})"
            ) from error
    for encoding in ("utf-8", "gb18030"):
        try:
            return _refuse_binary(data.decode(encoding), source)
        except UnicodeDecodeError:
            continue
    guess = from_bytes(data).best()
    if guess is None:
        raise DocumentError(
            source, "cannot decode the text: not UTF-8, not GB18030, and no other encoding fits"
        )
    return _refuse_binary(str(guess), source)


def _refuse_binary(text: str, source: str | Path) -> str:
    if "\x00" in text:
        raise DocumentError(source, "looks like a binary file (it contains NUL bytes)")
    return text


def read_text(path: str | Path) -> str:
    """Read and decode one plain-text document; see :func:`decode_text`.

    Raises :class:`DocumentError` naming the file when it is missing, unreadable
    or cannot be decoded.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise DocumentError(path, "no such file") from error
    except IsADirectoryError as error:
        raise DocumentError(path, "is a folder, not a file") from error
    except OSError as error:
        raise DocumentError(path, f"cannot read the file ({error.strerror or error})") from error
    return decode_text(data, path)


def _is_text_document(path: Path, folder: Path) -> bool:
    hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
    return path.is_file() and path.suffix.lower() in TEXT_SUFFIXES and not hidden


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The documents named by command-line PATH arguments.

    A folder stands for its text files (:data:`TEXT_SUFFIXES`), searched
    recursively (hidden files and folders skipped) and sorted by path; a file
    stands for itself whatever its suffix.
    A path that does not exist is kept, so that reading it reports the error
    with its name instead of the file silently disappearing. Duplicates are
    dropped, first occurrence kept.
    """
    found: list[Path] = []
    for argument in paths:
        path = Path(argument)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if _is_text_document(p, path)))
        else:
            found.append(path)
    return list(dict.fromkeys(found))
