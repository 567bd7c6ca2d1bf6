"""Reading review sheets the way spreadsheets save them, and keeping earlier ones.

A reviewer opens the sheet in Excel, WPS or LibreOffice and saves it back: as
UTF-8 with or without a byte-order mark, as GBK/GB18030 (Excel's "CSV" on
Chinese Windows), as UTF-16 with tabs (Excel's "Unicode text"), or as a
workbook. :func:`read_rows` reads all of them; anything it cannot read raises
:class:`SheetError` with one line naming the file, never a traceback and never
a silent empty sheet, because a sheet that cannot be read must not be taken
for one without reviews (and overwritten).

:func:`backup` keeps a numbered copy (``review-x.csv.~1~``, ``.~2~`` …, as GNU
``cp --backup=numbered`` does) of a sheet before it is replaced.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import shutil
from pathlib import Path

from timeline.cells import restore

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: Encodings tried, in order, for a CSV without a byte-order mark. GB18030 is a
#: superset of GBK and GB2312; Big5 is what Excel writes on Traditional Chinese Windows.
FALLBACK_ENCODINGS = ("utf-8", "gb18030", "big5")


class SheetError(Exception):
    """A sheet that cannot be read; the message names it in one line."""


def decode(data: bytes) -> str:
    """The text of a CSV file saved by a spreadsheet, whatever its encoding.

    >>> decode("状态".encode("gbk")), decode(codecs.BOM_UTF16_LE + "状态".encode("utf-16-le"))
    ('状态', '状态')
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding)
    if len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        return data.decode("utf-16-le")  # UTF-16 without its mark: ASCII every other byte
    if len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] != 0:
        return data.decode("utf-16-be")
    for encoding in FALLBACK_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("any", data, 0, 1, "not UTF-8, UTF-16, GB18030 or Big5")


def _delimiter(header: str) -> str:
    """Excel's "Unicode text" separates with tabs; "CSV" with commas (or ; in some locales)."""
    counts = {sep: header.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV or XLSX sheet as dicts of stripped column name -> text."""
    try:
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            return _workbook_rows(path)
        text = decode(path.read_bytes())
    except FileNotFoundError:
        raise SheetError(f"{path}: no such reviews file") from None
    except IsADirectoryError:
        raise SheetError(f"{path}: is a folder, not a reviews file") from None
    except UnicodeDecodeError:
        raise SheetError(
            f"{path}: cannot read the reviews: not text in UTF-8, UTF-16, GB18030 or Big5"
        ) from None
    except OSError as error:
        raise SheetError(f"{path}: cannot read the reviews: {error.strerror or error}") from None
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    try:
        return [
            {(k or "").strip(): restore(v or "") for k, v in row.items() if isinstance(v, str)}
            for row in reader
        ]
    except csv.Error as error:
        raise SheetError(f"{path}: cannot read the reviews: {error}") from None


def _workbook_rows(path: Path) -> list[dict[str, str]]:
    """Every worksheet's rows; a damaged or truncated workbook is one line of error."""
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SheetError(
            f"{path}: cannot read the reviews: not a complete .xlsx workbook ({reason})"
        ) from None
    except Exception as error:  # openpyxl raises many kinds on a damaged part
        raise SheetError(
            f"{path}: cannot read the reviews: damaged workbook ({type(error).__name__})"
        ) from None
    try:
        found = []
        for worksheet in workbook.worksheets:  # a workbook may hold a sheet per association
            rows = worksheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            names = [str(name).strip() if name is not None else "" for name in header]
            for values in rows:
                cells = ["" if value is None else _text(value) for value in values]
                if not any(cells):
                    continue
                found.append(
                    {name: restore(cell) for name, cell in zip(names, cells, strict=False)}
                )
        return found
    except Exception as error:  # a part that breaks only when read
        raise SheetError(
            f"{path}: cannot read the reviews: damaged workbook ({type(error).__name__})"
        ) from None
    finally:
        workbook.close()


def _text(value: object) -> str:
    """A cell as the text a reviewer typed (a date cell as its ISO day)."""
    from datetime import date, datetime

    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_BACKUP = re.compile(r"\.~(\d+)~$")


def backups(path: Path) -> list[Path]:
    """The numbered backups of ``path``, oldest first."""
    numbered = []
    for sibling in path.parent.glob(f"{glob_escape(path.name)}.~*~"):
        match = _BACKUP.search(sibling.name)
        if match and sibling.name == f"{path.name}.~{match.group(1)}~":
            numbered.append((int(match.group(1)), sibling))
    return [sibling for _, sibling in sorted(numbered)]


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def backup(path: Path) -> Path | None:
    """Copy ``path`` to its next numbered backup before it is replaced.

    Nothing is copied when there is no file, or when the latest backup already
    holds the same bytes (running the command again does not pile up copies).
    Returns the backup that now holds the sheet's bytes, or None.
    """
    if not path.is_file():
        return None
    from timeline.files import write_atomic

    data = path.read_bytes()
    earlier = backups(path)
    if earlier and earlier[-1].read_bytes() == data:
        return earlier[-1]
    number = int(_BACKUP.search(earlier[-1].name).group(1)) + 1 if earlier else 1
    target = path.with_name(f"{path.name}.~{number}~")
    write_atomic(target, data)
    shutil.copystat(path, target)
    return target


__all__ = ["SheetError", "backup", "backups", "decode", "read_rows"]
