"""
An iCalendar feed of what is due: one all-day event per deadline of a public commitment, one per milestone.

Calendar applications subscribe to it, so every event keeps the same UID from one download to the next.
A date the sources give only as a month or a year sits on the last day of that period (the day it is due
by), and the event says so rather than pretend to know the day.
"""

import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from .dates import DatePrecision, end_of_period, format_fuzzy_date
from .fields import current_language
from .models import Deadline, Milestone

# Calendar applications re-download a subscription at their own pace; this is the pace we suggest.
REFRESH_INTERVAL = datetime.timedelta(hours=12)


@require_safe
def deadline_calendar(request):
    deadlines = (
        Deadline.objects.public()
        .with_due_date()
        .select_related("commitment", "milestone")
        .order_by("due", "pk")
    )
    language = current_language()
    calendar = Calendar.new(
        prodid="-//Summit Tracker//Deadlines//" + language.upper(),
        uid=f"calendar-{language}@summit-tracker",
        name=_("Summit Tracker: deadlines and milestones"),
        description=_("What the commitments of the Paris AI Action Summit are due to deliver, and when."),
        refresh_interval=REFRESH_INTERVAL,
    )
    # One stamp for the whole download: the moment this copy of the calendar was made.
    stamp = timezone.now()
    for deadline in deadlines:
        calendar.add_component(_deadline_event(request, deadline, stamp))
    for milestone in Milestone.objects.order_by("date", "slug"):
        calendar.add_component(_milestone_event(request, milestone, stamp))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="summit-tracker.ics"'
    return response


def _deadline_event(request, deadline: Deadline, stamp: datetime.datetime) -> Event:
    commitment = deadline.commitment
    lines = [_precision_note(deadline.due, deadline.due_exactness)]
    if deadline.is_done:
        if deadline.done_on:
            done_on = format_fuzzy_date(deadline.done_on, deadline.done_precision)
            lines.append(_("Delivered (done on %(date)s).") % {"date": done_on})
        else:
            lines.append(_("Delivered."))
    lines.append(commitment.summary)
    return _all_day_event(
        uid=f"deadline-{deadline.pk}@summit-tracker",
        day=end_of_period(deadline.due, deadline.due_exactness),
        summary=(
            _("Done: %(deliverable)s — %(commitment)s")
            if deadline.is_done
            else _("Due: %(deliverable)s — %(commitment)s")
        )
        % {"deliverable": deadline.title, "commitment": commitment.title},
        description="\n\n".join(filter(None, lines)),
        url=request.build_absolute_uri(commitment.get_absolute_url()),
        stamp=stamp,
    )


def _milestone_event(request, milestone: Milestone, stamp: datetime.datetime) -> Event:
    lines = [_precision_note(milestone.date, milestone.date_precision)]
    # Read through `Translated` only when a description exists: with both languages empty the
    # descriptor falls back to an attribute of the same name (itself) and recurses forever.
    if milestone.description_fr or milestone.description_en:
        lines.append(milestone.description)
    event = _all_day_event(
        uid=f"milestone-{milestone.pk}@summit-tracker",
        day=end_of_period(milestone.date, milestone.date_precision),
        summary=milestone.name,
        description="\n\n".join(filter(None, lines)),
        url=request.build_absolute_uri(milestone.get_absolute_url()),
        stamp=stamp,
    )
    if milestone.place:
        event.location = milestone.place
    return event


def _all_day_event(*, day: datetime.date, **properties) -> Event:
    # An all-day event ends (exclusively) the next day: DTSTART;VALUE=DATE and DTEND;VALUE=DATE.
    return Event.new(start=day, end=day + datetime.timedelta(days=1), **properties)


def _precision_note(value: datetime.date, precision: str) -> str:
    """Return what to tell readers when the sources give only a month or a year ("" for a known day)."""
    label = format_fuzzy_date(value, precision)
    if precision == DatePrecision.MONTH:
        return _("The sources give only the month (%(date)s): shown on its last day.") % {"date": label}
    if precision == DatePrecision.YEAR:
        return _("The sources give only the year (%(date)s): shown on its last day.") % {"date": label}
    return ""
