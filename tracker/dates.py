"""
Dates as the tracker understands them: what "today" is, and dates known only to a month or a year.

The summit documents often say "November 2025" or "2026". We keep that precision: such a date is stored
as the last day of its period (the day by which it is due) together with its precision, and shown as the
month or the year, never as an invented day.
"""

import calendar
import datetime
import functools
import re

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def today() -> datetime.date:
    """Return today's date in the site's time zone (Europe/Paris): the one notion of "today" for deadlines."""
    return timezone.localdate()


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


_FUZZY_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_fuzzy_date(text: str) -> tuple[datetime.date, str]:
    """Return (last day of the period, precision) for "2025-02-10", "2025-11" or "2026"."""
    match = _FUZZY_DATE.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(part) if part else None for part in match.groups())
    if month is None:
        return datetime.date(year, 12, 31), DatePrecision.YEAR
    if day is None:
        return datetime.date(year, month, calendar.monthrange(year, month)[1]), DatePrecision.MONTH
    return datetime.date(year, month, day), DatePrecision.DAY


def end_of_period(value: datetime.date, precision: str) -> datetime.date:
    """Return the last day of the month or year that `value` stands for at `precision`."""
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value


def format_fuzzy_date(value: datetime.date | None, precision: str) -> str:
    """Return `value` written at its precision in the active language ("November 2025", "2026")."""
    if value is None:
        return ""
    return _written(value, precision, get_language())


# Pages write the same few hundred dates over and over, and each costs Django's date formatting
# (some 25 µs): each is remembered, per language (the argument the active language is read from).
@functools.lru_cache(maxsize=4096)
def _written(value: datetime.date, precision: str, language: str) -> str:
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def format_span(first: datetime.date, last: datetime.date) -> str:
    """Return a span of days in the active language: "6–11 February 2025", or both dates in full."""
    # The language's own formats (summit/formats/), so a span reads as every other date of the site.
    end = formats.date_format(last, "DATE_FORMAT")
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{end}"
    if first.year == last.year:
        return f"{formats.date_format(first, 'MONTH_DAY_FORMAT')} – {end}"
    return f"{formats.date_format(first, 'DATE_FORMAT')} – {end}"


def iso_date(value: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """Return `value` in ISO 8601 at its precision: "2025-02-11", "2025-11" (reduced) or "2026"."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def start_of_period(value: datetime.date, precision: str) -> datetime.date:
    """Return the first day of the month or year that `value` stands for at `precision`."""
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value
