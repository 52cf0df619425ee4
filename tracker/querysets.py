"""
The tracker's domain words as queries: overdue, due soon, stale, latest update, next deadline.

Each is defined here once; the admin, the pages, the API, the reminders and the commands call these
methods rather than filtering on their own. Every method takes the day it judges against (`on`),
defaulting to today in the site's time zone, so tests and reminders can ask about any day.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce

from .choices import DecisionKind, PublicationState, Status
from .dates import today


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
        return self.filter(Exists(self._deadlines().overdue(on)))

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
        missed = self._deadlines().overdue(on).order_by("due")
        return self.annotate(is_overdue=Exists(missed), overdue_since=Subquery(missed.values("due")[:1]))

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
