"""The server-drawn charts: what a target's chart scales to, what its axes say, and its caption."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from tests.factory import make_commitment, make_milestone
from tracker.models import Reading, Target
from tracker.public.charts import TargetChart, axis_labels, nice_step, target_chart, target_picture

pytestmark = pytest.mark.django_db


def make_target(**fields) -> Target:
    defaults = {"slug": "members", "name_en": "Members", "unit_en": "members", "target_value": 60}
    return Target.objects.create(commitment=make_commitment(), **{**defaults, **fields})


def read(target, *readings):
    for day, value, precision in readings:
        Reading.objects.create(target=target, measured_on=day, value=value, measured_precision=precision)


def test_round_steps_cut_a_span_into_about_four():
    assert [nice_step(Decimal(span)) for span in ("16", "100", "3", "0.8", "400000000")] == [
        Decimal(5), Decimal(50), Decimal(1), Decimal("0.2"), Decimal(100_000_000)
    ]  # fmt: skip


def test_the_target_chart_fills_its_height_with_the_values_it_draws_not_from_zero():
    target = make_target(baseline=44, baseline_on=datetime.date(2025, 2, 28), baseline_precision="month",
                         due_on=datetime.date(2025, 11, 30), due_precision="month")  # fmt: skip
    read(target, (datetime.date(2025, 2, 28), 44, "month"), (datetime.date(2025, 9, 1), 51, "day"))

    chart = target_chart(target, list(target.readings.all()), "February 2025", "November 2025")

    assert [tick.value for tick in chart.y_ticks] == [40, 45, 50, 55, 60]
    assert chart.y_ticks[0].at == TargetChart.BOTTOM and chart.y_ticks[-1].at == TargetChart.TOP
    assert chart.target_y == TargetChart.TOP  # 60, the top of the scale
    assert chart.baseline_y == chart.points[0].y  # the first reading is the baseline
    assert [tick.value for tick in chart.x_ticks] == ["February 2025", "November 2025"]
    assert chart.points[0].x == TargetChart.LEFT and chart.points[1].x < TargetChart.RIGHT


def test_the_dates_axis_marks_each_new_year_between_its_ends():
    target = make_target(due_on=datetime.date(2027, 12, 31), due_precision="year")
    read(target, (datetime.date(2025, 3, 31), 10, "month"))
    chart = target_chart(target, list(target.readings.all()), "March 2025", "2027")
    # The year the axis ends in is labelled once, at its end.
    assert [tick.value for tick in chart.x_ticks] == ["March 2025", "2026", "2027"]
    assert [tick.at for tick in chart.x_ticks] == sorted(tick.at for tick in chart.x_ticks)


def test_the_picture_ends_its_time_axis_at_the_latest_reading_when_it_is_past_the_due_date():
    target = make_target(milestone=make_milestone(date=datetime.date(2025, 11, 30), date_precision="month"))
    read(target, (datetime.date(2025, 6, 30), 50, "month"), (datetime.date(2026, 1, 12), 58, "day"))
    with translation.override("en"):
        picture = target_picture(target)
    assert [tick.value for tick in picture["chart"].x_ticks][-1] == "12 January 2026"
    assert picture["first"].value == 50 and picture["latest"].value == 58


def test_a_reading_at_the_baseline_is_no_change_yet_and_one_past_it_a_share_of_the_way():
    target = make_target(baseline=44)
    read(target, (datetime.date(2025, 2, 28), 44, "month"))
    picture = target_picture(target)
    assert picture["unchanged"] and picture["reached"] == 0
    read(target, (datetime.date(2025, 9, 30), 52, "month"))
    picture = target_picture(target)
    assert not picture["unchanged"] and picture["reached"] == 50


def test_no_change_yet_is_said_only_against_a_baseline_short_of_the_target():
    without_baseline = make_target(baseline=None)
    read(without_baseline, (datetime.date(2025, 2, 28), 0, "month"))
    assert not target_picture(without_baseline)["unchanged"]
    already_there = make_target(baseline=60)  # the target is 60: nothing was left to change
    read(already_there, (datetime.date(2025, 2, 28), 60, "month"))
    assert not target_picture(already_there)["unchanged"]


@pytest.mark.parametrize(
    ("values", "english"),
    [
        ([40, 45, 50], ["40", "45", "50"]),
        ([9_500, 10_000, 10_500], ["9.5K", "10K", "10.5K"]),  # one style on one axis
        ([1_000_000, 1_020_000, 1_040_000, 1_060_000], ["1M", "1.02M", "1.04M", "1.06M"]),  # distinct
    ],
)
def test_an_axis_writes_its_values_in_one_style_each_distinct(values, english):
    with translation.override("en"):
        assert axis_labels([Decimal(value) for value in values]) == english
