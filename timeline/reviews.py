"""Reviews: a person's verdict on events, applied again on every later run.

A review sheet (XLSX and CSV) lists one association's events with editable
``status`` (confirmed / rejected / corrected), ``start``, ``end`` and ``title``.
Given back with ``--reviews``, it is applied by ``event_id``, so corrections and
rejections survive re-extraction; a review whose event no longer exists is
reported, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from timeline.cells import frame_csv, neutralise_frame
from timeline.files import write_atomic
from timeline.schema import decode_sources, no_formulas

STATUSES = ("confirmed", "rejected", "corrected")
#: Other spellings reviewers type, in Chinese and English.
STATUS_SPELLINGS = {
    "confirmed": "confirmed",
    "confirm": "confirmed",
    "ok": "confirmed",
    "确认": "confirmed",
    "已确认": "confirmed",
    "正确": "confirmed",
    "rejected": "rejected",
    "reject": "rejected",
    "拒绝": "rejected",
    "删除": "rejected",
    "错误": "rejected",
    "corrected": "corrected",
    "correct": "corrected",
    "更正": "corrected",
    "已更正": "corrected",
    "修改": "corrected",
}
SHEET_COLUMNS = (
    "event_id",
    "status",
    "start",
    "end",
    "title",
    "date_text",
    "granularity",
    "description",
    "doc",
    "association",
)
#: The review workbook's Chinese column headers; readers accept these and the field names.
SHEET_HEADERS = {
    "event_id": "事件编号",
    "status": "审核结果",
    "start": "开始日期",
    "end": "结束日期",
    "title": "标题",
    "date_text": "原文日期",
    "granularity": "精度",
    "description": "原句",
    "doc": "文档",
    "association": "协会",
}
FIELD_OF_HEADER = {header: name for name, header in SHEET_HEADERS.items()}
#: What the workbook's status cell offers (its list validation), each read back by STATUS_SPELLINGS.
STATUS_CHOICES = {"confirmed": "确认", "rejected": "拒绝", "corrected": "更正"}
#: ``--association all``: every association, one workbook sheet each.
ALL = "\x00all"


class ReviewError(Exception):
    """A reviews file that cannot be read at all; the message names it."""


@dataclass(frozen=True, slots=True)
class Review:
    event_id: str
    status: str
    start: date | None = None
    end: date | None = None
    title: str = ""
    where: str = ""  # "reviews.csv, line 4": for messages


@dataclass
class ReviewReport:
    """What applying reviews did, and what it could not do."""

    confirmed: int = 0
    corrected: int = 0
    rejected: int = 0
    missing: list[str] = field(default_factory=list)  # reviews of events that no longer exist
    #: Reviews made against an id that is now one source of a merged event: applied
    #: to that event, and said (a message, not a failure).
    migrated: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # rows that could not be read

    @property
    def applied(self) -> int:
        return self.confirmed + self.corrected + self.rejected

    @property
    def summary(self) -> str:
        """``5 applied (3 confirmed, 1 corrected, 1 rejected), 1 not applied``."""
        text = (
            f"{self.applied} applied ({self.confirmed} confirmed, {self.corrected} corrected,"
            f" {self.rejected} rejected)"
        )
        return text + (f", {len(self.messages)} not applied" if self.messages else "")

    @property
    def messages(self) -> list[str]:
        return [*self.problems, *self.missing]


def _parse_day(value: str, column: str, where: str) -> date:
    from normalizers import find_dates  # a reviewer may write 2023年8月22日

    value = value.strip()
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        pass
    found = [m for m in find_dates(value) if m.anchor == "explicit" and m.granularity == "day"]
    if len(found) == 1:
        return found[0].start
    raise ValueError(f"{where}: {column} {value!r} is not a date (write 2023-08-22)")


def _rows(path: Path) -> list[dict[str, str]]:
    """The sheet's rows, in any encoding a spreadsheet saves (see :mod:`timeline.sheets`)."""
    from timeline.sheets import SheetError, read_rows

    try:
        rows = read_rows(path)
    except SheetError as error:
        raise ReviewError(str(error)) from None
    return [{_field_name(k): v for k, v in row.items()} for row in rows]


def _field_name(header: object) -> str:
    """The field a column header names: 审核结果 and status are both ``status``."""
    text = str(header or "").strip()
    return FIELD_OF_HEADER.get(text, text)


def load_reviews(path: str | Path, report: ReviewReport | None = None) -> list[Review]:
    """Reviews from a CSV or XLSX sheet. Unreadable rows go to ``report.problems``.

    Rows with an empty status are not reviews yet and are skipped.
    """
    path = Path(path)
    rows = _rows(path)
    if rows and "event_id" not in rows[0]:
        raise ReviewError(f"{path.name}: no event_id column (columns: {', '.join(rows[0])})")
    reviews: list[Review] = []
    for number, row in enumerate(rows, start=2):
        where = f"{path.name}, line {number}"
        written = (row.get("status") or "").strip()
        if not written:
            continue
        status = STATUS_SPELLINGS.get(written.lower())
        event = (row.get("event_id") or "").strip()
        try:
            if status is None:
                raise ValueError(f"{where}: unknown status {written!r} (use {', '.join(STATUSES)})")
            if not event:
                raise ValueError(f"{where}: no event_id")
            start = (
                _parse_day(row["start"], "start", where)
                if (row.get("start") or "").strip()
                else None
            )
            end = _parse_day(row["end"], "end", where) if (row.get("end") or "").strip() else None
            if start and end and end < start:
                raise ValueError(f"{where}: end {end} is before start {start}")
        except ValueError as problem:
            if report is None:
                raise ReviewError(str(problem)) from problem
            report.problems.append(str(problem))
            continue
        reviews.append(Review(event, status, start, end, (row.get("title") or "").strip(), where))
    return reviews


def apply_reviews(table: pd.DataFrame, reviews: list[Review]) -> tuple[pd.DataFrame, ReviewReport]:
    """The table with reviews applied by ``event_id``, and a report of what happened."""
    report = ReviewReport()
    table = table.copy()
    index = _index(table)
    rejected: list = []
    for review in reviews:
        position = index.get(review.event_id)
        if position is not None and table.at[position, "event_id"] != review.event_id:
            merged_into = table.at[position, "event_id"]
            if review.status == "rejected":  # it rejected a repetition, not the happening
                report.migrated.append(
                    f"{review.where}: event {review.event_id} is now one source of"
                    f" {merged_into} (the same happening); its rejection was not applied to it"
                )
                continue
            report.migrated.append(
                f"{review.where}: event {review.event_id} is now one source of"
                f" {merged_into} (the same happening); the review was applied to it"
            )
        if position is None:
            report.missing.append(
                f"{review.where}: event {review.event_id} no longer exists; the review was not applied"
            )
            continue
        if review.status == "rejected":
            rejected.append(position)
            report.rejected += 1
            continue
        changed = False
        for column, value in (
            ("start", review.start),
            ("end", review.end),
            ("title", review.title),
        ):
            if value and table.at[position, column] != value:
                table.at[position, column] = value
                changed = True
        if table.at[position, "end"] < table.at[position, "start"]:
            table.at[position, "end"] = table.at[position, "start"]
        if changed and table.at[position, "start"] == table.at[position, "end"]:
            table.at[position, "granularity"] = "day"
        corrected = changed or review.status == "corrected"
        table.at[position, "status"] = "corrected" if corrected else "confirmed"
        report.corrected += corrected
        report.confirmed += not corrected
    return table.drop(index=rejected), report


def _index(table: pd.DataFrame) -> dict[str, object]:
    """Event id → row position, the ids of merged rows (their sources' ``ids``) included.

    A row's own id wins over an alias: a review names the event it was made for.
    """
    index: dict[str, object] = {}
    if "sources" in table:
        for position, cell in zip(table.index, table["sources"], strict=True):
            for source in decode_sources(cell):
                for alias in source.ids:
                    index.setdefault(alias, position)
    for position, event in zip(table.index, table["event_id"], strict=True):
        index[event] = position
    return index


def write_review_sheet(
    table: pd.DataFrame, association: str, folder: str | Path, reviews: list[Review] | None = None
) -> list[Path]:
    """``review-<association>.xlsx`` and ``.csv`` with one row per event of ``association``.

    ``association`` may be :data:`ALL`: ``review-all.xlsx`` then holds a sheet
    per association (the CSV every row). Existing reviews fill in their rows
    (status and any corrected start, end or title), so a new sheet never loses
    work. The CSV keeps the field names as headers (a file for programs); the
    workbook, for people, has Chinese headers, an autofilter, wrapped sentences
    and a status cell that accepts only 确认, 拒绝 or 更正. Both files are written
    atomically, and text that looks like a formula stays text in the workbook.
    """
    from timeline.slugs import slugify

    rows = table if association == ALL else table[table["association"] == association]
    sheet = rows[list(SHEET_COLUMNS)].reset_index(drop=True)
    previous = {review.event_id: review for review in reviews or []}
    sheet["status"] = [previous[e].status if e in previous else "" for e in sheet["event_id"]]
    for column in ("start", "end", "title"):
        given = [getattr(previous.get(e), column, None) for e in sheet["event_id"]]
        sheet[column] = [
            value or current for value, current in zip(given, sheet[column], strict=True)
        ]
    for column in ("start", "end"):
        sheet[column] = sheet[column].map(
            lambda value: value.isoformat() if isinstance(value, date) else str(value)
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = "review-all" if association == ALL else f"review-{slugify(association)}"
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    sheet = neutralise_frame(sheet)
    if association == ALL:
        sheets = {name: group for name, group in sheet.groupby("association", sort=True)}
    else:
        sheets = {association: sheet}
    write_atomic(csv_path, frame_csv(sheet).encode("utf-8-sig"))
    write_atomic(xlsx_path, no_formulas(_xlsx_bytes(sheets)))
    return [xlsx_path, csv_path]


#: Column widths of the review workbook, in characters, by field.
SHEET_WIDTHS = {
    "event_id": 22,
    "status": 10,
    "start": 12,
    "end": 12,
    "title": 36,
    "date_text": 16,
    "granularity": 8,
    "description": 70,
    "doc": 26,
    "association": 26,
}
WRAPPED = ("title", "description", "association")


def _sheet_name(name: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    cleaned = "".join("_" if character in "[]:*?/\\" else character for character in name)
    cleaned = cleaned.strip("'") or "sheet"
    candidate, number = cleaned[:31], 2
    while candidate.casefold() in taken:
        suffix = f"~{number}"
        candidate, number = cleaned[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.casefold())
    return candidate


def _xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    import io

    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    buffer = io.BytesIO()
    taken: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for association, sheet in sheets.items():
            shown = sheet.copy()
            shown["status"] = shown["status"].map(lambda s: STATUS_CHOICES.get(s, s))
            shown = shown.rename(columns=SHEET_HEADERS)
            name = _sheet_name(association, taken)
            shown.to_excel(writer, index=False, sheet_name=name)
            worksheet = writer.sheets[name]
            last = len(shown) + 1
            choices = DataValidation(
                type="list",
                formula1='"' + ",".join(STATUS_CHOICES.values()) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="stop",
                errorTitle="审核结果",
                error="请从列表中选择：确认、拒绝或更正",
                showInputMessage=True,
                promptTitle="审核结果",
                prompt="确认、拒绝或更正（更正时改开始日期、结束日期或标题）",
            )
            worksheet.add_data_validation(choices)
            choices.add(f"B2:B{max(last, 2)}")
            for number, column in enumerate(SHEET_COLUMNS, start=1):
                letter = get_column_letter(number)
                worksheet.column_dimensions[letter].width = SHEET_WIDTHS[column]
                if column in WRAPPED:
                    for (cell,) in worksheet.iter_rows(min_row=2, min_col=number, max_col=number):
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
            for cell in worksheet[1]:
                cell.font = Font(bold=True)
            worksheet.auto_filter.ref = f"A1:{get_column_letter(len(SHEET_COLUMNS))}{last}"
            worksheet.freeze_panes = "C2"
    return buffer.getvalue()
