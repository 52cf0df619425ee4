"""
Geometry for the server-drawn SVG charts: plain numbers the templates place, so every chart reads
without JavaScript. Each chart also has its figures in a table beside it (the templates do that).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_compact_decimal, format_decimal

from ..choices import Status
from ..dates import format_fuzzy_date
from ..fields import current_language

# Bar charts are drawn in a 0–100 wide box, the target chart in its own (TargetChart); all scale with CSS.


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
class Tick:
    at: float  # the position along its axis, in the drawing's units
    value: object  # a Decimal on the y axis, the label of a date on the x axis
    label: str = ""  # how it is written


def axis_labels(values: list[Decimal]) -> list[str]:
    """
    Write an axis's values in the active language, all in one style and each distinct: in full
    ("9,500") below ten thousand, else shortly ("250K", "1.02M") with as few decimals as tell them apart.
    """
    locale = current_language()
    if max(abs(value) for value in values) >= 10_000:
        for digits in range(4):
            labels = [
                format_compact_decimal(value, format_type="short", locale=locale, fraction_digits=digits)
                for value in values
            ]
            if len(set(labels)) == len(labels):
                return labels
    return [format_decimal(value, locale=locale) for value in values]


@dataclass
class TargetChart:
    """
    A target's readings over time against the line of the target, in a WIDTH × HEIGHT drawing: the
    plot fills the box between the margins, the ticks of each axis sit in them.
    """

    points: list[Point]
    target_y: float
    baseline_y: float | None
    y_ticks: list[Tick]
    x_ticks: list[Tick]

    WIDTH, HEIGHT = 320, 180
    LEFT, RIGHT, TOP, BOTTOM = 46, 312, 24, 152

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def nice_step(span: Decimal) -> Decimal:
    """Return a round step (1, 2 or 5 times a power of ten) that cuts `span` into about four."""
    rough = span / 4
    power = Decimal(10) ** (rough.adjusted())
    return next(power * m for m in (1, 2, 5, 10) if power * m >= rough)


def target_chart(target, readings, start_label: str, end_label: str) -> TargetChart | None:
    """
    Return the drawing of `readings` (ordered by date) of `target`, or None without readings.

    Time runs from the baseline date (or the first reading) to the due date (or the last reading, if
    later), the two dates `start_label` and `end_label` write at their precision. The values run
    between round numbers just around the readings, the baseline and the target, not from zero: 44
    to 60 members drawn from 0 left the upper half of the chart to the target alone.
    """
    if not readings:
        return None
    first = target.baseline_on or readings[0].measured_on
    last = max(target.due_date() or readings[-1].measured_on, readings[-1].measured_on)
    span = max((last - first).days, 1)
    values = [r.value for r in readings] + [target.target_value]
    if target.baseline is not None:
        values.append(target.baseline)
    low, high = min(values), max(values)
    step = nice_step(high - low or abs(high) or Decimal(1))
    bottom, top = (
        (low / step).to_integral_value("ROUND_FLOOR") * step,
        (high / step).to_integral_value("ROUND_CEILING") * step,
    )
    if top == bottom:
        top += step
    c = TargetChart

    def y(value) -> float:
        return c.BOTTOM - float((value - bottom) / (top - bottom)) * (c.BOTTOM - c.TOP)

    def x(day: datetime.date) -> float:
        return c.LEFT + (c.RIGHT - c.LEFT) * max((day - first).days, 0) / span

    y_ticks, value = [], bottom
    while value <= top:
        y_ticks.append(Tick(at=y(value), value=value))
        value += step
    for tick, label in zip(y_ticks, axis_labels([tick.value for tick in y_ticks]), strict=True):
        tick.label = label
    x_ticks = [Tick(at=x(first), value=start_label), Tick(at=x(last), value=end_label)]
    # Each new year between them, where its label neither runs into theirs nor repeats one ("2027").
    for year in range(first.year + 1, last.year + 1):
        at = x(datetime.date(year, 1, 1))
        if c.LEFT + 50 < at < c.RIGHT - 50 and str(year) not in (start_label, end_label):
            x_ticks.insert(-1, Tick(at=at, value=str(year)))
    points = [Point(x=x(r.measured_on), y=y(r.value)) for r in readings]
    baseline = y(target.baseline) if target.baseline is not None else None
    return TargetChart(points, y(target.target_value), baseline, y_ticks, x_ticks)


def share(done: int, total: int) -> int:
    """Return done/total as a whole percentage (0 when there is nothing to do)."""
    return round(100 * done / total) if total else 0


def target_picture(target):
    """
    Return what a target's chart and table show: its chart, readings, first and latest ones, the
    share of the way from the baseline to the target reached, and whether the latest reading is still
    the baseline (`unchanged`: "no change yet", not "0 % reached", which reads as a failure).
    """
    readings = list(target.readings.all())
    first, latest = (readings[0], readings[-1]) if readings else (None, None)
    chart = None
    if readings:
        # The axis ends at the due date, or at the latest reading when it came after it.
        start, due = target.baseline_on or first.measured_on, target.due_date()
        start_precision = target.baseline_precision if target.baseline_on else first.measured_precision
        if due and due >= latest.measured_on:
            end_label = target.due_label()
        else:
            end_label = format_fuzzy_date(latest.measured_on, latest.measured_precision)
        chart = target_chart(target, readings, format_fuzzy_date(start, start_precision), end_label)
    reached = target.progress_share(latest.value) if latest else 0
    # "No change yet" needs a baseline to compare with, and one that is not already the target.
    unchanged = (
        latest is not None
        and target.baseline is not None
        and latest.value == target.baseline != target.target_value
    )
    return {
        "chart": chart,
        "first": first,
        "latest": latest,
        "readings": readings,
        "reached": reached,
        "unchanged": unchanged,
    }
