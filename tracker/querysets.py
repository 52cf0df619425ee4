"""
The tracker's domain words as queries: overdue, due soon, stale, latest update, next deadline.

Each is defined here once; the admin, the pages, the API, the reminders and the commands call these
methods rather than filtering on their own. Every method takes the day it judges against (`on`),
defaulting to today in the site's time zone, so tests and reminders can ask about any day.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .choices import PublicationState, Status
from .dates import today


class DeadlineQuerySet(models.QuerySet):
    def with_due_date(self):
        """Annotate `due` with the date each deadline is due: its own date, else its milestone's."""
        return self.annotate(due=Coalesce("due_on", "milestone__date"))

    def open(self):
        """Return deadlines not yet done whose commitment is neither achieved nor withdrawn."""
        return self.filter(is_done=False).exclude(commitment__status__in=Status.closed())

    def overdue(self, on: datetime.date | None = None):
        """Return open deadlines whose due date is before `on`: a deadline due today is not late yet."""
        return self.open().with_due_date().filter(due__lt=on or today())

    def due_soon(self, on: datetime.date | None = None, days: int | None = None):
        """Return open deadlines due from `on` to `days` days after it, both included."""
        on = on or today()
        days = settings.TRACKER_DUE_SOON_DAYS if days is None else days
        return self.open().with_due_date().filter(due__gte=on, due__lte=on + datetime.timedelta(days=days))


class CommitmentQuerySet(models.QuerySet):
    def public(self):
        """Return the commitments shown to the public (drafts are left out)."""
        return self.filter(is_public=True)

    def open(self):
        """Return commitments that are neither achieved nor withdrawn."""
        return self.exclude(status__in=Status.closed())

    def overdue(self, on: datetime.date | None = None):
        """Return commitments with a deadline that has passed undone, unless achieved or withdrawn."""
        return self.filter(self._has_overdue_deadline(on))

    def due_soon(self, on: datetime.date | None = None, days: int | None = None):
        """Return commitments with an open deadline due within `days` days of `on`."""
        from .models import Deadline

        return self.filter(Exists(Deadline.objects.due_soon(on, days).filter(commitment=OuterRef("pk"))))

    def stale(self, on: datetime.date | None = None, days: int | None = None):
        """
        Return open commitments with no published update for `days` days before `on`.

        A commitment never updated counts from its announcement: silence since then is what we flag.
        """
        on = on or today()
        days = settings.TRACKER_STALE_AFTER_DAYS if days is None else days
        return (
            self.open()
            .alias(_last_news=Coalesce(self._latest_update_date(), "announced_on"))
            .filter(_last_news__lt=on - datetime.timedelta(days=days))
        )

    def with_latest_update(self):
        """Annotate `latest_update_on`: the date of the latest published update, or None."""
        return self.annotate(latest_update_on=self._latest_update_date())

    def with_next_deadline(self, on: datetime.date | None = None):
        """Annotate `next_due_on`: the earliest open deadline due on `on` or later, or None."""
        from .models import Deadline

        upcoming = (
            Deadline.objects.open()
            .with_due_date()
            .filter(commitment=OuterRef("pk"), due__gte=on or today())
            .values("commitment")
            .annotate(first=Min("due"))
            .values("first")
        )
        return self.annotate(next_due_on=Subquery(upcoming))

    def with_overdue_flag(self, on: datetime.date | None = None):
        """Annotate `is_overdue` (bool) as `overdue()` defines it."""
        return self.annotate(is_overdue=self._has_overdue_deadline(on))

    @staticmethod
    def _has_overdue_deadline(on):
        from .models import Deadline

        return Exists(Deadline.objects.overdue(on).filter(commitment=OuterRef("pk")))

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

    def awaiting_review(self):
        return self.filter(state=PublicationState.SUBMITTED)
