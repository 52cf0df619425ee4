"""
An iCalendar feed of what is still due: one all-day event per open deadline of a public commitment
(not delivered, the commitment neither achieved nor withdrawn) due within a window around today, and
one per milestone.

The window runs from `PAST_DAYS` days ago to `AHEAD_DAYS` days ahead: the year a subscriber plans with,
and the month just gone, where a missed deadline stays in sight. It holds at most `MAX_DEADLINES`
deadlines: the coming ones first, soonest first, then the month gone's, latest first, in what room is
left. With many commitments the calendar then reaches less far ahead (and may show nothing missed),
rather than grow with the data. A deliverable leaves the calendar once delivered; older, later and
left-out deadlines, delivered ones included, stay on the commitments' pages, the overdue page, the
list's filters, the CSV and the API. Milestones are few: all of them are in it.

So the answer's size is bounded (deadline events of a few hundred bytes each, at most `MAX_DEADLINES`
of them) whatever the number of deadlines recorded, and it is written whole rather than streamed: the
anonymous page cache (AnonymousPageCacheMiddleware) stores only whole answers, and it is what serves
the calendar, which changes only with the data and the day, to all but the first download of a version.

Calendar applications subscribe to it, so every event keeps the same UID from one download to the next.
A date the sources give only as a month or a year spans that whole period, and the event's title says
so rather than pretend to know the day; an event over several days (the summit) spans them.

The data's licence is in the answer's Link header: RFC 5545 and RFC 7986 have no property for one, so
the calendar's DESCRIPTION says it in words too, for the people who read it in their application.

The text is written here rather than through the `icalendar` package, which spends about 250 µs on each
event: RFC 5545 needs only escaped text (`_text`) and lines folded at 75 octets (`_fold`).
"""

import datetime
import functools

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..addresses import absolute_by_slug, on_site
from ..dates import DatePrecision, end_of_period, format_fuzzy_date, start_of_period, today
from ..fields import current_language
from ..headers import DATA_LICENCE_URL, with_licence
from ..models import Deadline, Milestone

# Calendar applications re-download a subscription at their own pace; this is the pace we suggest.
REFRESH_INTERVAL = "PT12H"
# The window of deadlines the calendar holds, around today (see the module docstring).
PAST_DAYS = 30
AHEAD_DAYS = 365
# The most deadlines it holds: a size calendar applications take in easily, and the same work for each
# download at any amount of data (see the module docstring).
MAX_DEADLINES = 1000


@require_safe
@with_licence
def deadline_calendar(request):
    language = current_language()
    on = today()
    first, last = on - datetime.timedelta(days=PAST_DAYS), on + datetime.timedelta(days=AHEAD_DAYS)
    milestones = list(Milestone.objects.order_by("date", "slug"))
    open_deadlines = (
        Deadline.objects.public()
        .open()
        .with_due_date()
        # Plain values: building a model instance per event would cost more than writing the event.
        .values_list(
            "pk",
            "due",
            "due_exactness",
            f"title_{language}",
            "title_fr",
            "commitment__slug",
            f"commitment__title_{language}",
            "commitment__title_fr",
            f"commitment__summary_{language}",
            "commitment__summary_fr",
        )
    )
    coming = _first_due(open_deadlines, on, last, milestones, MAX_DEADLINES)
    yesterday, room = on - datetime.timedelta(days=1), MAX_DEADLINES - len(coming)
    missed = _first_due(open_deadlines, first, yesterday, milestones, room, latest=True)
    deadlines = [*reversed(missed), *coming]
    name = _("Summit Tracker: deadlines and milestones")
    description = " ".join(
        [
            _("What the commitments of the Paris AI Action Summit are due to deliver, and when."),
            _("Published by Summit Tracker under the CC BY 4.0 licence: %(url)s") % {"url": DATA_LICENCE_URL},
        ]
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//Summit Tracker//Deadlines//{language.upper()}",
        f"UID:calendar-{language}@summit-tracker",
        # NAME and DESCRIPTION (RFC 7986), and the X-WR- names that older applications read instead.
        _fold(f"NAME:{_text(name)}"),
        _fold(f"X-WR-CALNAME:{_text(name)}"),
        _fold(f"DESCRIPTION:{_text(description)}"),
        _fold(f"X-WR-CALDESC:{_text(description)}"),
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH_INTERVAL}",
        f"X-PUBLISHED-TTL:{REFRESH_INTERVAL}",
    ]
    # One stamp for the whole download: the moment this copy of the calendar was made.
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    commitment_url = absolute_by_slug("tracker:commitment_detail")
    # Translated once, not once an event.
    due = _("Due: %(deliverable)s — %(commitment)s")
    due_in = _("Due in %(period)s (no day given): %(deliverable)s — %(commitment)s")
    for pk, due_by, exactness, title, title_fr, slug, *commitment in deadlines:
        # Each text as `Translated` reads it: the active language, else French (the source language).
        commitment_title, summary = commitment[0] or commitment[1], commitment[2] or commitment[3]
        words = {"deliverable": title or title_fr, "commitment": commitment_title}
        if exactness in (DatePrecision.MONTH, DatePrecision.YEAR):
            words["period"] = format_fuzzy_date(due_by, exactness)
        lines += _event(
            uid=f"deadline-{pk}",
            first=start_of_period(due_by, exactness),
            last=end_of_period(due_by, exactness),
            summary=(due_in if "period" in words else due) % words,
            description="\n\n".join(filter(None, [_precision_note(due_by, exactness, language), summary])),
            url=commitment_url(slug),
            stamp=stamp,
        )
    for milestone in milestones:
        notes = [_precision_note(milestone.date, milestone.date_precision, language)]
        # Read through `Translated` only when a description exists: with both languages empty the
        # descriptor falls back to an attribute of the same name (itself) and recurses forever.
        if milestone.description_fr or milestone.description_en:
            notes.append(milestone.description)
        name = milestone.name
        if milestone.date_precision in (DatePrecision.MONTH, DatePrecision.YEAR):
            name = _("%(name)s (%(period)s, no day given)") % {"name": name, "period": milestone.date_label()}
        lines += _event(
            uid=f"milestone-{milestone.pk}",
            first=milestone.starts_on or start_of_period(milestone.date, milestone.date_precision),
            last=end_of_period(milestone.date, milestone.date_precision),
            summary=name,
            description="\n\n".join(filter(None, notes)),
            url=on_site(milestone.get_absolute_url()),
            stamp=stamp,
            location=milestone.place,
        )
    lines.append("END:VCALENDAR\r\n")
    response = HttpResponse("\r\n".join(lines), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="summit-tracker.ics"'
    return response


def _first_due(deadlines, first, last, milestones, count: int, *, latest=False) -> list[tuple]:
    """
    Return the first `count` rows of `deadlines` (values: the key, then the due date) due from `first`
    to `last`, soonest first, or latest first.

    Read in two parts, each stopped at `count`, as `DeadlineQuerySet.soonest_within()` does: those due
    by their own date in the order of the index on `due_on`, and those due by a milestone in the window
    (no query when none is). Ordered by the due date computed from both, PostgreSQL would join and sort
    every deadline of the window, which grows with the data, to keep `count` of them.
    """
    order = ("-due_on", "-pk") if latest else ("due_on", "pk")
    dated = deadlines.filter(due_on__range=(first, last)).order_by(*order)[:count]
    in_window = [milestone.pk for milestone in milestones if first <= milestone.date <= last]
    at_milestone = deadlines.filter(due_on__isnull=True, milestone__in=in_window)
    at_milestone = at_milestone.order_by(*(("-due", "-pk") if latest else ("due", "pk")))[:count]
    rows = sorted([*dated, *at_milestone], key=lambda row: (row[1], row[0]), reverse=latest)
    return rows[:count]


def _event(*, uid, first, last, summary, description, url, stamp, location="") -> list[str]:
    """Return the lines of an all-day event from `first` to `last`: it ends (exclusively) the day after."""
    lines = [
        "BEGIN:VEVENT",
        _fold(f"SUMMARY:{_text(summary)}"),
        *_days(first, last),
        f"DTSTAMP:{stamp}",
        f"UID:{uid}@summit-tracker",
    ]
    if description:
        lines.append(_fold(f"DESCRIPTION:{_text(description)}"))
    lines.append(_fold(f"URL:{url}"))
    if location:
        lines.append(_fold(f"LOCATION:{_text(location)}"))
    lines.append("END:VEVENT")
    return lines


# Events share a few hundred days, and strftime() was a tenth of an event's time.
@functools.lru_cache(maxsize=4096)
def _days(first: datetime.date, last: datetime.date) -> tuple[str, ...]:
    """
    Return the DTSTART and DTEND lines of an all-day event from `first` to `last`. DTEND is the day
    after; an event on the last day a date can hold (an editor's 9999-12-31) has none, which RFC 5545
    reads as one day, rather than a day nobody can write.
    """
    start = f"DTSTART;VALUE=DATE:{first:%Y%m%d}"
    if last == datetime.date.max:
        return (start,)
    return (start, f"DTEND;VALUE=DATE:{last + datetime.timedelta(days=1):%Y%m%d}")


def _text(value: str) -> str:
    """Return `value` escaped as an iCalendar TEXT value (RFC 5545, 3.3.11)."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Return `line` folded into lines of at most 75 octets, never inside a character (RFC 5545, 3.1)."""
    if len(line) <= 75 and line.isascii():  # most lines: as many octets as characters
        return line
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            end -= 1
        parts.append(data[start:end])
        # A continuation line starts with a space, which counts in its 75 octets.
        start, limit = end, 74
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode()


# Thousands of events share a few hundred dates, and writing a date in words is the slowest step of an
# event: each note is remembered, per language (the argument the active language is read from).
@functools.lru_cache(maxsize=4096)
def _precision_note(value: datetime.date, precision: str, language: str) -> str:
    """Return what to tell readers when the sources give only a month or a year ("" for a known day)."""
    if precision == DatePrecision.MONTH:
        label = format_fuzzy_date(value, precision)
        return _("The sources give only the month (%(date)s): the event spans it.") % {"date": label}
    if precision == DatePrecision.YEAR:
        label = format_fuzzy_date(value, precision)
        return _("The sources give only the year (%(date)s): the event spans it.") % {"date": label}
    return ""
