"""The event table read for the pages: rows in page order, each decoded once.

The page writer shows every event on its year's page and again on the first
page, its association's page and the overview; it decodes each row once
(:func:`decode_table`) and the cards are built from that. Decoding goes column
by column: a cell function of :mod:`timeline.schema` (``one_line``, ``as_date``,
``http_url`` …) runs once per distinct value of a column (:func:`pandas.factorize`),
not once per row (an association, a document's title, a precision repeat over
thousands of rows).
The result is exactly :func:`timeline.schema.decode` of every row
(``tests/test_page_cards.py`` compares them on awkward tables).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from timeline import schema

REQUIRED_COLUMNS = (
    "event_id",
    "association",
    "start",
    "end",
    "granularity",
    "title",
    "description",
    "date_text",
)

#: The fields :func:`timeline.schema.decode` reads with ``one_line``.
_ONE_LINE = (
    "event_id",
    "association",
    "granularity",
    "title",
    "date_text",
    "doc",
    "doc_title",
    "anchor",
    "organisations",
    "status",
)


def text(value: Any) -> str:
    """A cell as the page shows it: "" for None and NaN, else ``str``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _description(value: object) -> str:
    return schema.printable(value).strip()


def _whole(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def _role(value: object) -> str:
    role = schema.one_line(value) or "event"
    return role if role in schema.ROLE else "event"


def _qualifier(value: object) -> str:
    qualifier = schema.one_line(value)
    return qualifier if qualifier in schema.QUALIFIER else ""


class _Memo:
    """A cell function applied once per distinct (type, value) of a column."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function
        self.seen: dict[tuple[type, Any], Any] = {}

    def __call__(self, value: Any) -> Any:
        try:
            key = (type(value), value)
            found = self.seen.get(key, self)
        except TypeError:  # an unhashable cell (a list): not remembered
            return self.function(value)
        if found is self:
            found = self.seen[key] = self.function(value)
        return found


def _one_object(text: str) -> bool:
    """Whether ``text`` is at most a JSON list of one object, known without parsing it.

    ``[{`` … ``}]`` with a single ``{``: the list's first item is its only object
    and, ending the list with ``}``, also its last (a string ends with ``"``, a
    number with a digit, a list with ``]``). Anything else (spaces, a ``{`` in a
    sentence, several items) is left to the parser.

    >>> _one_object('[{"doc":"a.txt","title":"}"}]'), _one_object('[{"doc":"a"},{"doc":"b"}]')
    (True, False)
    """
    return text.startswith("[{") and text.endswith("}]") and text.count("{") == 1


def _source_memo(alone: bool = True) -> Callable[[object], tuple[schema.Source, ...]]:
    """:func:`timeline.schema.decode_sources` with its per-field functions remembered.

    With ``alone`` False a cell of at most one source decodes as ``()``: its event's
    ``all_sources`` is then its own document alone, all a page shows of it (the
    page lists the *other* sources), and no :class:`~timeline.schema.Source` is made;
    of several sources only what a page shows is read (the document, title and
    link: the sentence and ids stay empty). On the generated corpus a row changed
    by a new document lists 18 sources on average: reading their sentences and
    ids was a third of decoding a ``+1 %`` rebuild's 740 new rows.
    """
    line, url, ids = _Memo(schema.one_line), _Memo(schema.http_url), _Memo(schema.one_line)
    sentence = _Memo(_description)
    # What a page shows of another source, by its (document, title, link) as text: one
    # Source each (frozen, so shared). A document is another source of every row of its
    # cluster: the 740 new and changed rows of a +1 % rebuild at 10,000 documents list
    # some 13,000 sources, most of them many times over.
    shown: dict[tuple[str, str, str], schema.Source] = {}

    def other(item: dict) -> schema.Source | None:
        doc, title, link = item.get("doc"), item.get("title"), item.get("url")
        if type(doc) is str and type(title) is str and type(link) is str:
            key = (doc, title, link)
            found = shown.get(key)
            if found is None and doc:
                found = shown[key] = schema.Source(line(doc), line(title), url(link) or "")
            return found
        if not schema.as_text(doc):
            return None
        return schema.Source(line(doc), line(title), url(link) or "")

    def sources(value: object) -> tuple[schema.Source, ...]:
        if not alone and isinstance(value, str) and _one_object(value):
            return ()  # one source: its own document (most rows), no JSON read
        if isinstance(value, (list, tuple)):
            items: Any = value
        else:
            try:
                items = json.loads(schema.as_text(value) or "[]")
            except ValueError:
                return ()
        if not alone and isinstance(items, list) and len(items) <= 1:
            return ()
        out = []
        for item in items if isinstance(items, list | tuple) else ():
            if isinstance(item, schema.Source):
                out.append(item)
            elif not isinstance(item, dict):
                continue
            elif not alone:  # what a page shows of another source
                found = other(item)
                if found is not None:
                    out.append(found)
            elif not schema.as_text(item.get("doc")):
                continue
            else:
                out.append(
                    schema.Source(
                        line(item.get("doc")),
                        line(item.get("title")),
                        url(item.get("url")) or "",
                        sentence(item.get("sentence")),
                        tuple(ids(i) for i in item.get("ids") or () if schema.as_text(i)),
                    )
                )
        return tuple(out)

    return sources


#: How :func:`timeline.schema.decode` reads each field of :class:`timeline.schema.Event`.
def _readers(alone: bool = True) -> dict[str, Callable[[Any], Any]]:
    readers: dict[str, Callable[[Any], Any]] = {name: schema.one_line for name in _ONE_LINE}
    readers.update(
        start=schema.as_date,
        end=schema.as_date,
        published=schema.as_date,
        description=_description,
        source_url=schema.http_url,
        span_start=_whole,
        span_end=_whole,
        role=_role,
        qualifier=_qualifier,
        time_start=schema.as_time,
        time_end=schema.as_time,
        sources=_source_memo(alone),
    )
    return {name: readers[name] for name in schema.Event.__dataclass_fields__}


#: Columns whose cells hardly ever repeat (an id; the sources, each naming its own row's
#: document): read cell by cell, not factorized.
_DISTINCT = frozenset({"event_id", "sources"})
#: Object columns whose distinct values can be told apart by equality (no 1 == 1.0 == True).
_PLAIN = frozenset({"string", "date", "empty"})


def _column(table: pd.DataFrame, name: str, read: Callable[[Any], Any]) -> list[Any]:
    """``read`` of every cell of a column, run once per distinct value.

    Every reader gives the same for None as for NaN or NaT (an empty cell), so
    the missing cells share one answer.
    """
    if name not in table.columns:
        return [read(None)] * len(table)
    series = table[name]
    if name in _DISTINCT:  # hashing every long cell to find repeats costs more than it saves
        return list(map(read, series.tolist()))
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) not in _PLAIN:
        memo = _Memo(read)
        return [memo(value) for value in series.tolist()]
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    answers = np.empty(len(uniques) + 1, dtype=object)
    for at, value in enumerate(uniques):
        answers[at] = read(value)
    answers[-1] = read(None)  # code -1: an empty cell
    return answers[codes].tolist()


def _event(*fields: Any) -> schema.Event | None:
    start, end = fields[2], fields[3]
    if start is None or end is None or end < start:
        return None
    return schema.Event(*fields)


def decode_table(table: pd.DataFrame, alone: bool = True) -> list[schema.Event | None]:
    """:func:`timeline.schema.decode` of every row of ``table``, a column at a time.

    ``alone`` False: a single source is left out (see :func:`_source_memo`).
    """
    columns = [_column(table, name, read) for name, read in _readers(alone).items()]
    return list(map(_event, *columns))


#: The columns that place a row on the pages: enough to order, count and group them.
_PLACING = ("event_id", "association", "start", "end", "role", "status")


def _review(value: object) -> str:
    """A row's review already applied to the table: confirmed or corrected, else ""."""
    found = text(value)
    return found if found in schema.STATUS else ""


def _coded(
    table: pd.DataFrame, name: str, function: Callable[[Any], Any], size: int
) -> tuple[np.ndarray, list[Any]]:
    """Column ``name`` as codes and ``function`` of each code's value (a missing column:
    every row None). Text or date cells are factorized; a column of other kinds
    (numbers, whose equal values of different types must stay apart) is decoded
    cell by cell, once per distinct (type, value)."""
    if name not in table.columns:
        return np.zeros(size, dtype=np.intp), [function(None)]
    column = table[name]
    texts = isinstance(column.dtype, pd.StringDtype)  # str cells or missing ones only
    kinds = set() if texts else set(map(type, column.tolist()))
    if texts or kinds <= {str, type(None)} or kinds <= {date, type(None)}:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        values = [function(value) for value in uniques.tolist()]
        missing = np.flatnonzero(codes < 0)
        if len(missing):  # a missing cell as the cell-by-cell reading sees it (None, pd.NA)
            values.append(function(column.iloc[missing[:1]].tolist()[0]))
            codes = np.where(codes < 0, len(values) - 1, codes)
        return codes, values
    memo = _Memo(function)
    seen: dict[tuple[type, Any], int] = {}
    values, codes = [], np.empty(size, dtype=np.intp)
    for at, value in enumerate(map(memo, column.tolist())):
        key = (type(value), value)
        if key not in seen:
            seen[key] = len(values)
            values.append(value)
        codes[at] = seen[key]
    return codes, values


def _ranks(coded: tuple[np.ndarray, list[Any]]) -> np.ndarray:
    """Each row's rank in the order of its decoded values (equal values, equal ranks)."""
    codes, values = coded
    if values and "\0" not in "".join(values):  # NumPy's text drops trailing NULs
        # fixed-width UCS-4 compares code points, as str does
        return np.unique(np.array(values, dtype=str), return_inverse=True)[1].reshape(-1)[codes]
    rank = {value: at for at, value in enumerate(sorted(set(values)))}
    return np.asarray([rank[value] for value in values], dtype=np.int64)[codes]


def _ordinals(coded: tuple[np.ndarray, list[Any]]) -> np.ndarray:
    """Each row's day as an ordinal (rows without a day: 0, left out by the caller)."""
    codes, days = coded
    return np.asarray([day.toordinal() if day else 0 for day in days], dtype=np.int64)[codes]


class PageOrder:
    """Where each dated row of the table stands on the pages, without decoding it.

    ``positions[k]`` is the table row (``iloc``) at page place ``k``; ``starts``,
    ``associations`` and ``statuses`` are that row's start day, association and
    review already applied to the table (confirmed or corrected, else "": the
    page's reviews.csv starts from them). Publication lines and rows without dates are left out. The
    rest of a row is read only when its page is made (:func:`rows_at`), so the
    page writer holds one year's decoded rows at a time, not the corpus's.
    """

    def __init__(self, table: pd.DataFrame) -> None:
        schema.require_columns(table, REQUIRED_COLUMNS)
        # Each column's distinct values decoded once, then every row placed with NumPy:
        # the same order as sorting (start, end, association, id) tuples, ties in table
        # order (np.lexsort is stable), without a tuple per row.
        size = len(table)
        start = _coded(table, "start", schema.as_date, size)
        end = _coded(table, "end", schema.as_date, size)
        association = _coded(table, "association", text, size)
        event_id = _coded(table, "event_id", text, size)
        role = _coded(table, "role", text, size)
        status = _coded(table, "status", _review, size)
        dated = [day is not None for day in start[1]], [day is not None for day in end[1]]
        keep = np.asarray(dated[0], dtype=bool)[start[0]] & np.asarray(dated[1], dtype=bool)[end[0]]
        # the document's own date line: shown with its document (发布于…)
        keep &= np.asarray([value != "published" for value in role[1]], dtype=bool)[role[0]]
        rows = np.flatnonzero(keep)
        order = rows[
            np.lexsort(
                (
                    _ranks(event_id)[rows],
                    _ranks(association)[rows],
                    _ordinals(end)[rows],
                    _ordinals(start)[rows],
                )
            )
        ]
        self.positions: list[int] = order.tolist()
        self.starts: list[date] = list(map(start[1].__getitem__, start[0][order].tolist()))
        self.associations: list[str] = list(
            map(association[1].__getitem__, association[0][order].tolist())
        )
        self.statuses: list[str] = list(map(status[1].__getitem__, status[0][order].tolist()))

    def __len__(self) -> int:
        return len(self.positions)


#: The cells a card reads from its row beside the decoded event
#: (:func:`exports.event_view.event_views`).
CARD_COLUMNS = (
    *REQUIRED_COLUMNS,
    "doc",
    "doc_title",
    "published",
    "source_url",
    "organisations",
    "status",
)


def rows_at(
    table: pd.DataFrame, positions: list[int], columns: tuple[str, ...] | None = None
) -> tuple[list[dict], list[schema.Event | None]]:
    """The rows of ``table`` at ``positions`` (in that order), each decoded.

    ``columns``: the cells each row's dict holds (those of the table among them;
    None: every column). ``start`` and ``end`` become dates, ``association``
    text. ``tolist`` per column is several times faster than
    ``to_dict("records")`` on Arrow-backed text and gives the same Python values.
    """
    part = table.iloc[positions]
    decoded = decode_table(part, alone=False)  # the page shows only the other sources
    names = [str(name) for name in part.columns]
    if columns is not None:
        names = [name for name in names if name in columns]
    cells = [part[name].tolist() for name in names]
    at = {name: number for number, name in enumerate(names)}
    cells[at["start"]] = list(map(_Memo(schema.as_date), cells[at["start"]]))
    cells[at["end"]] = list(map(_Memo(schema.as_date), cells[at["end"]]))
    cells[at["association"]] = list(map(text, cells[at["association"]]))
    rows = [dict(zip(names, values, strict=True)) for values in zip(*cells, strict=True)]
    return rows, decoded


__all__ = ["CARD_COLUMNS", "REQUIRED_COLUMNS", "PageOrder", "decode_table", "rows_at", "text"]
