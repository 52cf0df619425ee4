"""
Geometry for the server-drawn SVG charts: plain numbers the templates place, so every chart reads
without JavaScript. Each chart also has its figures in a table beside it (the templates do that).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from ..choices import Status
from ..dates import format_fuzzy_date

# Charts are drawn in a 0–100 wide box and scale with CSS.


@dataclass
class Bar:
    label: str
    value: int
    width: float  # share of the longest bar, 0–100
    colour: str


def status_bars(counts: dict[str, int]) -> list[Bar]:
    """Return one bar per status, in the vocabulary's order, for {status: count}."""
    longest = max(counts.values(), default=0) or 1
    return [
        Bar(label=status.label, value=counts.get(status, 0), width=100 * counts.get(status, 0) / longest,
            colour=status.colour)
        for status in Status
    ]  # fmt: skip


@dataclass
class Segment:
    status: Status
    value: int
    start: float  # percent of the row
    width: float


def stacked_row(counts: dict[str, int]) -> list[Segment]:
    """Return the segments of a 100% stacked bar of statuses (the axes chart)."""
    total = sum(counts.values()) or 1
    segments, start = [], 0.0
    for status in Status:
        value = counts.get(status, 0)
        if value:
            width = 100 * value / total
            segments.append(Segment(status=status, value=value, start=start, width=width))
            start += width
    return segments


@dataclass
class Point:
    x: float
    y: float


@dataclass
class TargetChart:
    """A target's readings over time against the line of the target (a 0–100 × 0–60 drawing)."""

    points: list[Point]
    target_y: float
    baseline_y: float | None
    start_label: str
    end_label: str

    HEIGHT = 60

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def target_chart(target, readings, start_label: str, end_label: str) -> TargetChart | None:
    """
    Return the drawing of `readings` (ordered by date) of `target`, or None without readings.

    Time runs from the baseline date (or the first reading) to the due date (or the last reading).
    """
    if not readings:
        return None
    first = target.baseline_on or readings[0].measured_on
    last = max(target.due_date() or readings[-1].measured_on, readings[-1].measured_on)
    span = max((last - first).days, 1)
    values = (
        [r.value for r in readings] + [target.target_value] + ([target.baseline] if target.baseline else [])
    )
    top = max(values) or Decimal(1)

    def y(value) -> float:
        return TargetChart.HEIGHT - float(value / top) * (TargetChart.HEIGHT - 5)

    def x(day: datetime.date) -> float:
        return 100 * max((day - first).days, 0) / span

    points = [Point(x=x(r.measured_on), y=y(r.value)) for r in readings]
    baseline = y(target.baseline) if target.baseline is not None else None
    return TargetChart(points, y(target.target_value), baseline, start_label, end_label)


def share(done: int, total: int) -> int:
    """Return done/total as a whole percentage (0 when there is nothing to do)."""
    return round(100 * done / total) if total else 0


def target_picture(target):
    """Return what a target's chart and table show: its chart, readings, latest one and share reached."""
    readings = list(target.readings.all())
    latest = readings[-1] if readings else None
    start = target.baseline_on or (readings[0].measured_on if readings else None)
    chart = target_chart(
        target,
        readings,
        start_label=format_fuzzy_date(start, target.baseline_precision) if start else "",
        end_label=target.due_label(),
    )
    reached = target.progress_share(latest.value) if latest else 0
    return {"chart": chart, "latest": latest, "readings": readings, "reached": reached}
