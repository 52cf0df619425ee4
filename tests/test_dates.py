import datetime

import pytest
import time_machine
from django.utils import translation

from tracker.dates import DatePrecision, end_of_period, format_fuzzy_date, parse_fuzzy_date, today


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


def test_today_is_the_date_in_paris_not_in_utc():
    # 23:30 UTC on 30 November is already 1 December in Paris (UTC+1 in winter).
    with time_machine.travel(datetime.datetime(2025, 11, 30, 23, 30, tzinfo=datetime.UTC), tick=False):
        assert today() == datetime.date(2025, 12, 1)
    with time_machine.travel(datetime.datetime(2025, 11, 30, 22, 59, tzinfo=datetime.UTC), tick=False):
        assert today() == datetime.date(2025, 11, 30)
