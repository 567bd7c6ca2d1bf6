"""The event table read for the pages: rows in page order, each decoded once.

The page writer shows every event on its year's page and again on the first
page, its association's page and the overview; it decodes each row once
(:func:`decode_rows`) and the cards are built from that. Decoding goes column by
column: a cell function of :mod:`timeline.schema` (``one_line``, ``as_date``,
``http_url`` …) runs once per distinct value of a column, not once per row (an
association, a document's title, a precision repeat over thousands of rows).
The result is exactly :func:`timeline.schema.decode` of every row
(``tests/test_page_rows.py`` compares them on real tables).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

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

#: How :func:`timeline.schema.decode` reads each field: the column, the cell function.
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


def _source_memo() -> Callable[[object], tuple[schema.Source, ...]]:
    """:func:`timeline.schema.decode_sources` with its per-field functions remembered."""
    line, url, ids = _Memo(schema.one_line), _Memo(schema.http_url), _Memo(schema.one_line)

    def sources(value: object) -> tuple[schema.Source, ...]:
        if isinstance(value, (list, tuple)):
            items: Any = value
        else:
            try:
                items = json.loads(schema.as_text(value) or "[]")
            except ValueError:
                return ()
        out = []
        for item in items if isinstance(items, list | tuple) else ():
            if isinstance(item, schema.Source):
                out.append(item)
            elif isinstance(item, dict) and schema.as_text(item.get("doc")):
                out.append(
                    schema.Source(
                        line(item.get("doc")),
                        line(item.get("title")),
                        url(item.get("url")) or "",
                        schema.printable(item.get("sentence")).strip(),
                        tuple(ids(i) for i in item.get("ids") or () if schema.as_text(i)),
                    )
                )
        return tuple(out)

    return sources


def decode_rows(rows: list[dict]) -> list[schema.Event | None]:
    """:func:`timeline.schema.decode` of every row, each distinct cell read once per column."""
    memos: dict[str, Callable[[Any], Any]] = {name: _Memo(schema.one_line) for name in _ONE_LINE}
    memos.update(
        start=_Memo(schema.as_date),
        end=_Memo(schema.as_date),
        published=_Memo(schema.as_date),
        description=_Memo(_description),
        source_url=_Memo(schema.http_url),
        span_start=_Memo(_whole),
        span_end=_Memo(_whole),
        role=_Memo(_role),
        qualifier=_Memo(_qualifier),
        time_start=_Memo(schema.as_time),
        time_end=_Memo(schema.as_time),
        sources=_source_memo(),
    )
    fields = list(memos.items())
    decoded: list[schema.Event | None] = []
    for row in rows:
        start, end = memos["start"](row.get("start")), memos["end"](row.get("end"))
        if start is None or end is None or end < start:
            decoded.append(None)
            continue
        decoded.append(schema.Event(**{name: read(row.get(name)) for name, read in fields}))
    return decoded


def page_rows(table: pd.DataFrame) -> list[dict]:
    """The table's dated rows but publication lines, in page order, cells read column by column.

    ``start`` and ``end`` become dates, ``association`` text. ``tolist`` per column
    is several times faster than ``to_dict("records")`` on Arrow-backed text and
    gives the same Python values.
    """
    schema.require_columns(table, REQUIRED_COLUMNS)
    names = [str(name) for name in table.columns]
    columns = [table[name].tolist() for name in table.columns]
    as_date = _Memo(schema.as_date)
    rows = []
    for values in zip(*columns, strict=True):
        row = dict(zip(names, values, strict=True))
        start, end = as_date(row["start"]), as_date(row["end"])
        if start is None or end is None:
            continue
        if text(row.get("role")) == "published":
            continue  # the document's own date line: shown with its document (发布于…)
        row["start"], row["end"] = start, end
        row["association"] = text(row["association"])
        rows.append(row)
    rows.sort(key=lambda r: (r["start"], r["end"], r["association"], text(r["event_id"])))
    return rows


__all__ = ["REQUIRED_COLUMNS", "decode_rows", "page_rows", "text"]
