"""Reading documents of every common format into text and metadata.

One module per format: :mod:`.text` (plain text and its encodings), :mod:`.html`,
:mod:`.docx`, :mod:`.pdf`; :mod:`.base` holds what they share and :mod:`.paths`
what a folder argument stands for. The names below are the package's interface.

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

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from timeline import limits
from timeline.documents.base import (
    DEFAULT_MAX_BYTES,
    DOCUMENT_SUFFIXES,
    FORMATS,
    MANIFEST_NAME,
    TEXT_SUFFIXES,
    Document,
    DocumentError,
    _read_bytes,
    _sniff_format,
    megabytes,
)
from timeline.documents.docx import _load_docx
from timeline.documents.html import _load_html, stream_text
from timeline.documents.paths import expand_paths, is_document_name, resolved
from timeline.documents.pdf import _load_pdf
from timeline.documents.text import (
    _load_plain_text,
    chinese_plausibility,
    decode_text,
    decode_with_repairs,
    detect_encoding,
)

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
    actual = _sniff_format(data) if kind in ("txt", "md") else kind
    if actual != kind and actual in ("pdf", "docx"):  # a PDF or Word file misnamed .txt
        document = _LOADERS[actual](path, data, actual)
        note = f"named {path.suffix} but is a {actual.upper()} file: read as one"
        return replace(document, repairs=(note, *document.repairs))
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


_LOADERS: dict[str, Callable[[Path, bytes, str], Document]] = {
    "txt": _load_plain_text,
    "md": _load_plain_text,
    "html": _load_html,
    "docx": _load_docx,
    "pdf": _load_pdf,
}


__all__ = [
    "DEFAULT_MAX_BYTES",
    "DOCUMENT_SUFFIXES",
    "FORMATS",
    "MANIFEST_NAME",
    "TEXT_SUFFIXES",
    "Document",
    "DocumentError",
    "chinese_plausibility",
    "decode_text",
    "decode_with_repairs",
    "detect_encoding",
    "expand_paths",
    "is_document_name",
    "load_document",
    "megabytes",
    "read_text",
    "resolved",
    "stream_text",
]
