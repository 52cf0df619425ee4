import datetime

import pytest
import time_machine
from django.template import Context, Template
from django.utils import translation

from tracker.dates import (
    DatePrecision,
    end_of_period,
    format_fuzzy_date,
    format_span,
    parse_fuzzy_date,
    today,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-02-10", (datetime.date(2025, 2, 10), DatePrecision.DAY)),
        ("2025-11", (datetime.date(2025, 11, 30), DatePrecision.MONTH)),
        ("2028-02", (datetime.date(2028, 2, 29), DatePrecision.MONTH)),
        ("2026", (datetime.date(2026, 12, 31), DatePrecision.YEAR)),
    ],
)
def test_a_date_is_due_by_the_last_day_of_its_period(text, expected):
    assert parse_fuzzy_date(text) == expected


@pytest.mark.parametrize("text", ["", "2025-13", "2025-02-30", "Nov 2025", "25-11"])
def test_malformed_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_fuzzy_date(text)


def test_end_of_period_moves_a_typed_day_to_the_end_of_its_month_or_year():
    assert end_of_period(datetime.date(2025, 11, 5), DatePrecision.MONTH) == datetime.date(2025, 11, 30)
    assert end_of_period(datetime.date(2026, 6, 15), DatePrecision.YEAR) == datetime.date(2026, 12, 31)
    assert end_of_period(datetime.date(2026, 6, 15), DatePrecision.DAY) == datetime.date(2026, 6, 15)


def test_dates_show_only_the_precision_they_have_in_each_language():
    november = datetime.date(2025, 11, 30)
    with translation.override("en"):
        assert format_fuzzy_date(november, DatePrecision.MONTH) == "November 2025"
        assert format_fuzzy_date(november, DatePrecision.YEAR) == "2025"
        assert format_fuzzy_date(november, DatePrecision.DAY) == "30 November 2025"
    with translation.override("fr"):
        assert format_fuzzy_date(november, DatePrecision.MONTH) == "novembre 2025"
        assert format_fuzzy_date(november, DatePrecision.DAY) == "30 novembre 2025"


@pytest.mark.parametrize(
    ("language", "day", "moment", "span"),
    [
        ("en", "20 November 2026", "20 November 2026, 16:55", "30 November – 2 December 2026"),
        ("fr", "20 novembre 2026", "20 novembre 2026 à 16:55", "30 novembre – 2 décembre 2026"),
    ],
)
def test_each_language_writes_dates_one_way_whatever_format_a_template_names(language, day, moment, span):
    # summit/formats/: no "Nov. 20, 2026" beside "11/20/2026 4:55 p.m.", the short formats included.
    when = datetime.datetime(2026, 11, 20, 15, 55, tzinfo=datetime.UTC)  # 16:55 in Paris
    template = Template(
        "{{ day }}|{{ day|date:'DATE_FORMAT' }}|{{ day|date:'SHORT_DATE_FORMAT' }}|"
        "{{ when }}|{{ when|date:'DATETIME_FORMAT' }}|{{ when|date:'SHORT_DATETIME_FORMAT' }}"
    )
    with translation.override(language):
        shown = template.render(Context({"day": when.date(), "when": when})).split("|")
        assert shown == [day] * 3 + [moment] * 3
        assert format_span(datetime.date(2026, 11, 30), datetime.date(2026, 12, 2)) == span


def test_today_is_the_date_in_paris_not_in_utc():
    # 23:30 UTC on 30 November is already 1 December in Paris (UTC+1 in winter).
    with time_machine.travel(datetime.datetime(2025, 11, 30, 23, 30, tzinfo=datetime.UTC), tick=False):
        assert today() == datetime.date(2025, 12, 1)
    with time_machine.travel(datetime.datetime(2025, 11, 30, 22, 59, tzinfo=datetime.UTC), tick=False):
        assert today() == datetime.date(2025, 11, 30)
