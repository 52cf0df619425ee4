"""
The tracker's domain words as queries: overdue, due soon, stale, latest update, next deadline.

Each is defined here once; the admin, the pages, the API, the reminders and the commands call these
methods rather than filtering on their own. Every method takes the day it judges against (`on`),
defaulting to today in the site's time zone, so tests and reminders can ask about any day.
"""

import datetime
from itertools import islice

from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce

from .choices import DecisionKind, PublicationState, Status
from .dates import today


def in_batches(queryset, size: int):
    """
    Yield lists of at most `size` rows of `queryset`, read in one pass: a server-side cursor on
    PostgreSQL, so that the client holds one batch at a time and the query runs once. (Outside a
    transaction the server keeps the rows for the cursor: memory moves there, it does not vanish.)
    """
    rows = queryset.iterator(chunk_size=size)
    while batch := list(islice(rows, size)):
        yield batch


class DeadlineQuerySet(models.QuerySet):
    def public(self):
        """Return the deadlines of public commitments."""
        return self.filter(commitment__is_public=True)

    def with_due_date(self):
        """
        Annotate `due`, the date each deadline is due by (its own date, else its milestone's), and
        `due_exactness`, the precision that date is known to.
        """
        return self.annotate(
            due=Coalesce("due_on", "milestone__date"),
            due_exactness=Case(
                When(due_on__isnull=False, then=F("due_precision")), default=F("milestone__date_precision")
            ),
        )

    @staticmethod
    def overdue_condition(on: datetime.date) -> Q:
        """
        The definition of overdue, for a queryset annotated by `with_due_date()`: the due date is before
        `on` (a deadline due today is not late yet), the deliverable is not done, and the commitment is
        neither achieved nor withdrawn.
        """
        return Q(is_done=False, due__lt=on) & ~Q(commitment__status__in=Status.closed())

    def open(self):
        """Return deadlines not yet done whose commitment is neither achieved nor withdrawn."""
        return self.filter(is_done=False).exclude(commitment__status__in=Status.closed())

    def past_due(self, on: datetime.date | None = None):
        """
        Return deadlines not yet done whose due date is before `on`: overdue unless the commitment is
        closed, which `CommitmentQuerySet` checks on the commitment itself (no join back to it).
        """
        return self.filter(is_done=False).with_due_date().filter(due__lt=on or today())

    def overdue(self, on: datetime.date | None = None):
        """Return the overdue deadlines (see `overdue_condition`)."""
        return self.with_due_date().filter(self.overdue_condition(on or today()))

    def with_overdue_flag(self, on: datetime.date | None = None):
        """Annotate `is_overdue` on each deadline, as `overdue()` defines it."""
        condition = self.overdue_condition(on or today())
        return self.with_due_date().annotate(
            is_overdue=ExpressionWrapper(condition, output_field=BooleanField())
        )

    def due_soon(self, on: datetime.date | None = None, days: int | None = None):
        """Return open deadlines due from `on` to `days` days after it, both included."""
        on = on or today()
        days = settings.TRACKER_DUE_SOON_DAYS if days is None else days
        return self.open().with_due_date().filter(due__gte=on, due__lte=on + datetime.timedelta(days=days))

    def due_within(self, first: datetime.date, last: datetime.date, milestones):
        """
        Return deadlines due from `first` to `last`, both included, by their own date or else their
        milestone's (of `milestones`, the caller's list of them all).

        Written the way indexes find them, by their own date or by the milestones in the window,
        rather than by computing every deadline's due date to compare it.
        """
        in_window = [m.pk for m in milestones if first <= m.date <= last]
        return self.filter(Q(due_on__range=(first, last)) | Q(due_on__isnull=True, milestone__in=in_window))

    def upcoming(self, on: datetime.date | None = None):
        """Return open deadlines due on `on` or later, the earliest first."""
        return self.open().with_due_date().filter(due__gte=on or today()).order_by("due", "pk")


class CommitmentQuerySet(models.QuerySet):
    def public(self):
        """Return the commitments shown to the public (drafts are left out)."""
        return self.filter(is_public=True)

    def open(self):
        """Return commitments that are neither achieved nor withdrawn."""
        return self.exclude(status__in=Status.closed())

    def overdue(self, on: datetime.date | None = None):
        """Return commitments with an overdue deadline (see `DeadlineQuerySet.overdue_condition`)."""
        # The same definition, with the commitment's status read on its own row: counting overdue
        # commitments then hashes the open deadlines once instead of joining each back to its commitment.
        return self.open().filter(Exists(self._deadlines().past_due(on)))

    def due_soon(self, on: datetime.date | None = None, days: int | None = None):
        """Return commitments with an open deadline due within `days` days of `on`."""
        return self.filter(Exists(self._deadlines().due_soon(on, days)))

    def stale(self, on: datetime.date | None = None, days: int | None = None):
        """
        Return open commitments whose latest published update is `days` days old or older on `on`.

        A commitment never updated counts from its announcement: silence since then is what we flag.
        """
        on = on or today()
        days = settings.TRACKER_STALE_AFTER_DAYS if days is None else days
        return (
            self.open()
            .alias(_last_news=Coalesce(self._latest_update_date(), "announced_on"))
            .filter(_last_news__lte=on - datetime.timedelta(days=days))
        )

    def with_latest_update(self):
        """Annotate `latest_update_on`: the date of the latest published update, or None."""
        return self.annotate(latest_update_on=self._latest_update_date())

    def with_next_deadline(self, on: datetime.date | None = None):
        """Annotate `next_due_on` and `next_due_exactness`: the first open deadline due on `on` or later."""
        upcoming = self._deadlines().upcoming(on)
        return self.annotate(
            next_due_on=Subquery(upcoming.values("due")[:1]),
            next_due_exactness=Subquery(upcoming.values("due_exactness")[:1]),
        )

    def with_overdue(self, on: datetime.date | None = None):
        """Annotate `is_overdue` (as `overdue()` defines it) and `overdue_since`, the oldest missed date."""
        missed = self._deadlines().past_due(on).order_by("due").values("due")[:1]
        # Scalar subqueries run for the rows shown only (Django writes the same one again inside
        # `is_overdue`): an EXISTS in the select list made PostgreSQL run a hashed subplan over every
        # deadline, even when only a page is shown.
        since = Case(
            When(status__in=Status.closed(), then=None), default=Subquery(missed), output_field=DateField()
        )
        return self.annotate(overdue_since=since).annotate(
            is_overdue=ExpressionWrapper(Q(overdue_since__isnull=False), output_field=BooleanField())
        )

    def by_overdue_since(self, on: datetime.date | None = None):
        """
        Return the overdue commitments annotated with `overdue_since`, as `overdue()` and
        `with_overdue()` define them, computed for all of them in one pass over the open deadlines
        (the overdue page sorts every overdue commitment by it; a subquery a row would run thousands
        of times).
        """
        on = on or today()
        # The earliest open deadline is overdue exactly when it is due before `on`: then it is also
        # the oldest missed one.
        earliest = Min(Coalesce("deadlines__due_on", "deadlines__milestone__date"))
        return (
            self.open()
            .filter(deadlines__is_done=False)
            .annotate(overdue_since=earliest)
            .filter(overdue_since__lt=on)
        )

    @staticmethod
    def _deadlines():
        from .models import Deadline

        return Deadline.objects.filter(commitment=OuterRef("pk"))

    @staticmethod
    def _latest_update_date():
        from .models import ProgressUpdate

        latest = (
            ProgressUpdate.objects.published()
            .filter(commitment=OuterRef("pk"))
            .values("commitment")
            .annotate(latest=Max("reported_on"))
            .values("latest")
        )
        return Subquery(latest)


class ProgressUpdateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=PublicationState.PUBLISHED)

    def public(self):
        """Return what the public may read: published updates of public commitments."""
        return self.published().filter(commitment__is_public=True)

    def awaiting_review(self):
        return self.filter(state=PublicationState.SUBMITTED)

    def for_display(self):
        """Fetch what an update shows (includes/_update.html), in a constant number of queries."""
        from .models import Deadline, Evidence

        deadlines = Deadline.objects.select_related("milestone").order_by("pk")
        return self.select_related("commitment", "on_behalf_of").prefetch_related(
            models.Prefetch("evidence", queryset=Evidence.objects.order_by("pk")),
            "reported_readings__target",
            models.Prefetch("marks_done", queryset=deadlines),
        )


class DecisionQuerySet(models.QuerySet):
    def public(self):
        """Return the decisions the public sees: those that change a public commitment's facts."""
        return self.filter(kind__in=DecisionKind.public(), commitment__is_public=True)

    def corrections(self):
        """Return the public corrections, the newest first (the corrections page and its feed)."""
        corrections = self.public().filter(kind=DecisionKind.CORRECTION)
        return corrections.order_by("-decided_on", "-created_at", "-pk")
