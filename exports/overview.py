"""The overview: one lane per association across the years, a mark per event or counts."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from exports.chronology import DASH
from exports.event_view import EventView, association_look
from exports.overview_bins import BinCounts

# The overview's geometry, in CSS pixels (x positions are percentages of the plot).
AXIS_HEIGHT = 28
LANE_HEIGHT = 36
MIN_LABEL_SPACING = 36  # between year labels, in a 900 px wide plot
PLOT_PIXELS = 900


@dataclass(frozen=True)
class Lane:
    index: int
    name: str
    count: int
    colour: int
    shape: int
    y: int


@dataclass(frozen=True)
class Tick:
    year: int
    x: str  # percent of the plot's width
    labelled: bool
    linked: bool
    href: str = ""


@dataclass(frozen=True)
class Mark:
    """A link drawn in the overview: one event, or a count of events (a bin)."""

    index: int  # the event's number in page order; -1 for a bin
    event_id: str
    colour: int
    shape: int
    coarse: bool  # an outlined span behind the day marks
    x: str  # percent: the left edge of a span, the centre of a day mark
    width: str  # percent, spans only
    y: int
    label: str
    href: str = ""
    first: int = 0  # days since 1970-01-01 of the first day, and of the day after the last
    last: int = 0
    lane: int = 0
    height: int = 0  # bins only: grows with the count
    level: str = ""  # bins only: "year" or "month"


@dataclass(frozen=True)
class Overview:
    height: int
    lanes: list[Lane]
    ticks: list[Tick]
    spans: list[Mark]
    days: list[Mark]
    axis_y: int
    lane_height: int
    first: str  # the first and the day after the last day shown, ISO
    last: str
    range_text: str
    description: str
    bins: list[Mark] = field(default_factory=list)
    month_bins: list[list[int]] = field(default_factory=list)  # drawn by the page when zoomed


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").removesuffix(".")


EPOCH = date(1970, 1, 1).toordinal()


def _epoch_day(day: date) -> int:
    return day.toordinal() - EPOCH


def overview(
    views: list[EventView],
    lanes: list[tuple[str, int]],
    years: set[int],
    *,
    href: Callable[[EventView], str] | None = None,
    year_href: Callable[[int], str] | None = None,
    bins: BinCounts | None = None,
) -> Overview:
    """One lane per association across the years: a mark per event, or counts.

    Positions are percentages of the plot's width, so the drawing fits any
    screen; the page's script moves them when the reader zooms or pans. Events
    of a month or a year are outlined spans drawn first, behind; events of a day
    are solid marks on top, so a year never hides the days inside it. With
    ``bins`` (a corpus with too many events to see one by one) the marks are
    counts per association and year, and per month for a closer zoom, each a
    link to its year's page.
    """
    if bins is not None:
        first, last = bins.first_year, bins.last_year
    else:
        first = min(view.start.year for view in views)
        last = max(view.end.year for view in views)
    origin = date(first, 1, 1).toordinal()
    days = date(last + 1, 1, 1).toordinal() - origin
    href = href or (lambda view: f"#event-{view.event_id}")
    year_href = year_href or (lambda year: f"#year-{year}")

    def x(day: date) -> float:
        return (day.toordinal() - origin) * 100 / days

    per_year = PLOT_PIXELS / (last - first + 1)
    step = max(1, math.ceil(MIN_LABEL_SPACING / per_year))
    ticks = [
        Tick(
            year=year,
            x=_number(x(date(year, 1, 1))),
            labelled=(year - first) % step == 0,
            linked=year in years,
            href=year_href(year),
        )
        for year in range(first, last + 1)
    ]
    lane_views = []
    for index, (name, count) in enumerate(lanes):
        colour, shape = association_look(name)
        lane_views.append(
            Lane(index, name, count, colour, shape, AXIS_HEIGHT + index * LANE_HEIGHT)
        )
    spans, day_marks = [], []
    for view in views if bins is None else ():
        after = date.fromordinal(view.end.toordinal() + 1)
        left, right = x(view.start), x(after)
        top = AXIS_HEIGHT + view.lane * LANE_HEIGHT
        when = DASH.join(part.text for part in view.dates)
        label = f"{when} {view.full_title}（{view.association}）"
        common = {
            "label": label,
            "href": href(view),
            "first": _epoch_day(view.start),
            "last": _epoch_day(after),
            "lane": view.lane,
        }
        if view.coarse:
            spans.append(
                Mark(
                    view.index,
                    view.event_id,
                    view.colour,
                    view.shape,
                    True,
                    _number(left),
                    _number(right - left),
                    top + 5,
                    **common,
                )
            )
        else:
            day_marks.append(
                Mark(
                    view.index,
                    view.event_id,
                    view.colour,
                    view.shape,
                    False,
                    _number((left + right) / 2),
                    "0",
                    top + LANE_HEIGHT // 2,
                    **common,
                )
            )
    bin_marks = []
    if bins is not None:
        names = [name for name, _ in lanes]
        counted = bins.marks()
        most = {"year": max(b.count for b in counted)}

        for count_bin in counted:
            start, after = count_bin.start, count_bin.after
            colour, shape = association_look(names[count_bin.lane])
            height = max(
                4, round((LANE_HEIGHT - 10) * math.sqrt(count_bin.count / most[count_bin.level]))
            )
            top = AXIS_HEIGHT + count_bin.lane * LANE_HEIGHT + (LANE_HEIGHT - height) // 2
            where = f"{start.year}年" + (f"{start.month}月" if count_bin.level == "month" else "")
            bin_marks.append(
                Mark(
                    -1,
                    "",
                    colour,
                    shape,
                    True,
                    _number(x(start)),
                    _number(x(after) - x(start)),
                    top,
                    f"{where}：{count_bin.count} 条（{names[count_bin.lane]}）",
                    href=year_href(start.year)
                    + (
                        f"#month-{start.year}-{start.month:02d}"
                        if count_bin.level == "month"
                        else ""
                    ),
                    first=_epoch_day(start),
                    last=_epoch_day(after),
                    lane=count_bin.lane,
                    height=height,
                    level=count_bin.level,
                )
            )
    total = bins.total if bins is not None else len(views)
    span = f"{first}年" if first == last else f"{first}{DASH}{last}年"
    return Overview(
        height=AXIS_HEIGHT + len(lanes) * LANE_HEIGHT + 4,
        lanes=lane_views,
        ticks=ticks,
        spans=spans,
        days=day_marks,
        axis_y=AXIS_HEIGHT - 10,
        lane_height=LANE_HEIGHT,
        first=date(first, 1, 1).isoformat(),
        last=date(last + 1, 1, 1).isoformat(),
        range_text=span,
        description=f"{span}各协会事件分布：{len(lanes)} 个协会，共 {total} 条事件",
        bins=bin_marks,
        month_bins=bins.month_counts() if bins is not None else [],
    )


__all__ = ["AXIS_HEIGHT", "LANE_HEIGHT", "Lane", "Mark", "Overview", "Tick", "overview"]
