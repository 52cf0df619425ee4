"""
The tracker's domain words as queries: overdue, due soon, stale, latest update, next deadline.

Each is defined here once; the admin, the pages, the API, the reminders and the commands call these
methods rather than filtering on their own. Every method takes the day it judges against (`on`),
defaulting to today in the site's time zone, so tests and reminders can ask about any day.
"""

import datetime
from itertools import islice

from django.conf import settings
from django.db import models, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.db.models.lookups import Exact

from ..choices import DecisionKind, Nature, PublicationState, Status
from ..dates import today

# Commitments whose derived fields one UPDATE rewrites: well under the 65,535 parameters PostgreSQL
# binds to a statement.
REFRESH_CHUNK = 10_000


def in_batches(queryset, size: int):
    """
    Yield lists of at most `size` rows of `queryset`, read in one pass: a server-side cursor on
    PostgreSQL, so that the client holds one batch at a time and the query runs once. (Outside a
    transaction the server keeps the rows for the cursor: memory moves there, it does not vanish.)
    """
    rows = queryset.iterator(chunk_size=size)
    while batch := list(islice(rows, size)):
        yield batch


# A deliverable's due date: its own date, else its milestone's (DueAtMilestoneOrDate.due_date() in Python).
DUE_DATE = Coalesce("due_on", "milestone__date")


def in_order(queryset, pks) -> list:
    """
    Return the rows of `queryset` whose keys are `pks`, in that order. Lists choose a page by key alone
    (an index can give it) and then read that page's rows with what they show: a row's subqueries are
    computed for the rows shown, not for every row an OFFSET skips before them.
    """
    found = queryset.in_bulk(pks)
    return [found[pk] for pk in pks if pk in found]


def _milestones_within(first: datetime.date, last: datetime.date, milestones) -> list[int]:
    """Return the keys of the milestones (of the caller's list) dated from `first` to `last`."""
    return [milestone.pk for milestone in milestones if first <= milestone.date <= last]


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
            due=DUE_DATE,
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

    def soonest_within(self, first: datetime.date, last: datetime.date, milestones, count: int) -> list:
        """
        Return the first `count` deadlines due from `first` to `last`, both included, by their own
        date or else their milestone's (of `milestones`, the caller's list of them all), by due date,
        then pk, annotated by `with_due_date()`.

        Read in two parts, each stopped at `count`: those due by their own date in the order of the
        index on `due_on`, and those due by a milestone in the window. Ordered by the due date that
        `with_due_date()` computes, PostgreSQL joined and sorted every deadline of the window to keep
        ten (3.7 ms against 0.5 for the home page's, on the synthetic data).
        """
        in_window = _milestones_within(first, last, milestones)
        dated = self.with_due_date().filter(due_on__range=(first, last)).order_by("due_on", "pk")
        by_milestone = self.with_due_date().filter(due_on__isnull=True, milestone__in=in_window)
        found = [*dated[:count], *by_milestone.order_by("due", "pk")[:count]]
        return sorted(found, key=lambda deadline: (deadline.due, deadline.pk))[:count]

    def upcoming(self, on: datetime.date | None = None):
        """Return open deadlines due on `on` or later, the earliest first."""
        return self.open().with_due_date().filter(due__gte=on or today()).order_by("due", "pk")


class ReadingQuerySet(models.QuerySet):
    def public(self):
        """
        Return the readings the public sees, those on the charts of public commitments' targets. A
        reading an update reports becomes one when the update is published, and goes when it is
        retracted (workflow.publish_update, workflow._retract): none waiting for review, rejected or
        retracted is among them.
        """
        return self.filter(target__commitment__is_public=True)


class OwnerQuerySet(models.QuerySet):
    def public(self):
        """Return the owners the public can reach: those with a part in at least one public commitment."""
        from . import Involvement

        involved = Involvement.objects.filter(owner=OuterRef("pk"), commitment__is_public=True)
        return self.filter(Exists(involved))

    def with_scorecard(self):
        """
        Annotate each owner's scorecard, counted over the public commitments it takes part in (each once
        whatever its roles), as `CommitmentQuerySet.by_verdict()` counts one owner's: `promises`, its
        promises and programmes; `n_<status>` of them for each status; `delivered`, what it delivered at
        the summit itself, apart and never scored; `assessed`, the promises with a verdict that scores
        (`Status.scores()`); and `score`, their mean score from -1 to +1, None when none is assessed.
        All in one query, however many owners.
        """
        from .signatories import own_status

        public = Q(involvements__commitment__is_public=True)
        judged = public & Q(involvements__commitment__nature__in=Nature.judged())

        def count(condition):
            return Count("involvements__commitment", filter=condition, distinct=True)

        # Each role's commitment counted by its status for the owner (signatories.own_status): its own
        # verdict where editors assessed it apart, as the G7 Research Group scores each member.
        status = own_status(OuterRef("pk"), "involvements__commitment")
        statuses = {f"n_{s}": count(judged & Q(Exact(status, Value(s)))) for s in Status}
        scores = Status.scores()
        points = sum((value * F(f"n_{status}") for status, value in scores.items() if value), Value(0))
        assessed = sum((F(f"n_{status}") for status in scores), Value(0))
        return self.annotate(
            promises=count(judged),
            delivered=count(public & Q(involvements__commitment__nature=Nature.DELIVERED_AT_SUMMIT)),
            **statuses,
        ).annotate(
            assessed=assessed,
            # NULL (not scored) rather than a division by zero when nothing is assessed.
            score=Cast(points, FloatField()) / NullIf(Cast(assessed, FloatField()), Value(0.0)),
        )


class MilestoneQuerySet(models.QuerySet):
    def with_due_counts(self):
        """
        Annotate, as each milestone's page counts them (views.milestone_detail), over public commitments:
        `due_count`, the deadlines due at it (not those moved to a date of their own); `done_count`, how
        many of them were delivered; `moved_count`, those moved to a date of their own; `target_count`,
        the targets set for it.
        """
        public = Q(deadlines__commitment__is_public=True)
        at_milestone = public & Q(deadlines__due_on__isnull=True)
        return self.annotate(
            due_count=Count("deadlines", filter=at_milestone, distinct=True),
            done_count=Count("deadlines", filter=at_milestone & Q(deadlines__is_done=True), distinct=True),
            moved_count=Count("deadlines", filter=public & Q(deadlines__due_on__isnull=False), distinct=True),
            target_count=Count("targets", filter=Q(targets__commitment__is_public=True), distinct=True),
        )


class CommitmentQuerySet(models.QuerySet):
    def public(self):
        """Return the commitments shown to the public (drafts are left out)."""
        return self.filter(is_public=True)

    def open(self):
        """Return commitments that are neither achieved nor withdrawn."""
        return self.exclude(status__in=Status.closed())

    @staticmethod
    def overdue_condition(on: datetime.date | None = None) -> Q:
        """
        The definition of `DeadlineQuerySet.overdue_condition` read on the commitment's own row (one
        of its open deliverables is due before `on` exactly when the earliest of them is), for filters
        and for counts beside others (the home page).
        """
        return ~Q(status__in=Status.closed()) & Q(first_open_due__lt=on or today())

    def overdue(self, on: datetime.date | None = None):
        """Return commitments with an overdue deadline (see `overdue_condition`)."""
        return self.filter(self.overdue_condition(on))

    def refresh_derived(self) -> int:
        """
        Recompute the fields derived from other tables (models.DERIVED_FIELDS: `first_open_due`, the
        earliest date an open deliverable is due by, and which parts each has) for these commitments,
        by UPDATEs of REFRESH_CHUNK rows once all are locked; return how many were written. The saves
        and deletes of deadlines, milestones and parts call this (tracker/models/); so must code that
        writes them without signals.
        """
        derived = self._derived()
        with transaction.atomic():
            # The rows are locked first, in one order: the UPDATE, a statement of its own, then reads the
            # deadlines and parts as another transaction writing to the same commitment committed them
            # (under READ COMMITTED a statement that waited for a lock still reads what was committed
            # when it began).
            rows = self.model.objects.filter(pk__in=self.values("pk")).order_by("pk")
            locked = list(rows.select_for_update().values_list("pk", flat=True))
            return sum(
                self.model.objects.filter(pk__in=locked[start : start + REFRESH_CHUNK]).update(**derived)
                for start in range(0, len(locked), REFRESH_CHUNK)
            )

    def derived_drifted(self):
        """
        Return the commitments whose derived fields are not what their deadlines and parts say, the rows
        `refresh_derived()` would change: written by SQL that bypassed the signals, or restored from a
        partial copy (`manage.py refresh_derived`).
        """
        derived = self._derived()
        # NULL-safe, and the subquery read once a row: a date no deadline has stands for "none".
        none = Value(datetime.date.min)
        computed = {f"_{name}": value for name, value in derived.items() if name != "first_open_due"}
        same = Q(_stored=F("_computed")) & Q(*(Q(**{name[1:]: F(name)}) for name in computed))
        return self.alias(
            _stored=Coalesce("first_open_due", none),
            _computed=Coalesce(derived["first_open_due"], none),
            **computed,
        ).exclude(same)

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
        """
        Annotate `next_due_on` and `next_due_exactness`: the date of the first open deadline due on `on`
        or later, and its precision (see also `next_due_from`).
        """
        upcoming = self._deadlines().upcoming(on)
        return self.annotate(
            next_due_on=Subquery(upcoming.values("due")[:1]),
            next_due_exactness=Subquery(upcoming.values("due_exactness")[:1]),
        )

    def with_overdue(self, on: datetime.date | None = None):
        """Annotate `is_overdue` (as `overdue()` defines it) and `overdue_since`, the oldest missed date."""
        # When the earliest open deliverable is late it is also the oldest missed one.
        since = Case(
            When(status__in=Status.closed(), then=None),
            When(first_open_due__lt=on or today(), then=F("first_open_due")),
            output_field=DateField(),
        )
        return self.annotate(overdue_since=since).annotate(
            is_overdue=ExpressionWrapper(Q(overdue_since__isnull=False), output_field=BooleanField())
        )

    def with_overdue_precision(self):
        """
        Annotate `overdue_precision`, the precision of `overdue_since` (the date the earliest open
        deliverable is due by, `first_open_due`): that deliverable's, so that a year stays a year, not
        its last day. Of several due by that same date, the most precise (day, month and year sort in
        that order).
        """
        earliest = self._deadlines().filter(is_done=False).with_due_date().order_by("due", "due_exactness")
        return self.annotate(overdue_precision=Subquery(earliest.values("due_exactness")[:1]))

    def by_overdue_since(self, on: datetime.date | None = None):
        """
        Return the overdue commitments annotated with `overdue_since`, as `overdue()` and
        `with_overdue()` define them (the overdue page sorts every overdue commitment by it).
        """
        return self.overdue(on).annotate(overdue_since=F("first_open_due"))

    def search(self, text: str):
        """
        Return the commitments that have every word of `text` among their own texts, their owners'
        names, the passages they cite or their published updates, with the alias `search_rank`, the
        most relevant highest (tracker/search.py).
        """
        from ..search import search

        return search(self, text)

    def of_owners(self, owners):
        """Return the commitments any of `owners` takes part in, each once whatever its roles and owners."""
        from . import Involvement

        return self.filter(Exists(Involvement.objects.filter(commitment=OuterRef("pk"), owner__in=owners)))

    def of_owner(self, owner):
        """
        Return the commitments `owner` takes part in, each once whatever its roles, with `owner_status`:
        the owner's own verdict where editors assessed it apart (signatories.own_status), else the
        commitment's status. `by_verdict()` counts by it.
        """
        from . import Involvement
        from .signatories import own_status

        involved = Exists(Involvement.objects.filter(commitment=OuterRef("pk"), owner=owner))
        return self.filter(involved).annotate(owner_status=own_status(owner))

    def by_verdict(self) -> tuple[dict[str, int], int]:
        """
        Return the promises and programmes counted by status, and how many commitments were delivered
        at the summit itself: those are counted apart, never as promises kept. One owner's commitments
        (`of_owner()`) are counted by the owner's own verdicts.
        """
        counts: dict[str, int] = {}
        delivered = 0
        column = "owner_status" if "owner_status" in self.query.annotations else "status"
        for nature, status, n in self.order_by().values_list("nature", column).annotate(n=Count("pk")):
            if nature == Nature.DELIVERED_AT_SUMMIT:
                delivered += n
            else:
                counts[status] = counts.get(status, 0) + n
        return counts, delivered

    def as_rows(self, on: datetime.date | None = None):
        """
        Commitments as every list shows them (the list and overdue pages, the workspaces, the CSV):
        a row (`with_roles`) with `next_due_on` and `next_due_exactness`, and the precision of the
        deadline it missed (`overdue_precision`). The annotations are subqueries a row: read a page's
        rows by key (`in_order`), not a whole list.
        """
        return self.with_roles(on).with_next_deadline(on).with_overdue_precision()

    def with_roles(self, on: datetime.date | None = None):
        """
        What every commitment shown in a list or on its own has: `is_overdue` and `overdue_since`, and
        each owner's role (the list `shown_roles`, with its owner, by name).

        Related rows come as lists (`to_attr`) rather than through the related managers: Django
        otherwise builds and filters a queryset for each row and relation to hold what it fetched:
        some eighty on a page of the API's list, a tenth of its time under cProfile.
        """
        from . import Involvement

        roles = Involvement.objects.select_related("owner").order_by("owner__name", "pk")
        return self.with_overdue(on).prefetch_related(
            models.Prefetch("involvements", queryset=roles, to_attr="shown_roles")
        )

    def with_parts(self, on: datetime.date | None = None):
        """
        Add what a commitment owes (the API's list shows it, and every commitment's page), as lists:
        `shown_deadlines` by due date, with `due`, `due_exactness`, `is_overdue` and their milestone,
        and `shown_targets` with their milestone and `readings`, oldest first.
        """
        from . import Deadline, Reading, Target

        deadlines = Deadline.objects.with_overdue_flag(on).select_related("milestone").order_by("due", "pk")
        readings = Reading.objects.order_by("measured_on", "pk")
        targets = Target.objects.select_related("milestone").order_by("pk")
        return self.prefetch_related(
            models.Prefetch("deadlines", queryset=deadlines, to_attr="shown_deadlines"),
            models.Prefetch("targets", queryset=targets, to_attr="shown_targets"),
            models.Prefetch("shown_targets__readings", queryset=readings),
        )

    def as_shown(self, on: datetime.date | None = None):
        """
        A commitment as its page and the API show it: its roles (`with_roles`), its parts (`with_parts`)
        and its parent. Its next deadline is the first of its parts still open and not overdue
        (`Commitment.next_deadline()`, without a query). `Commitment.read_parts()` reads the rest of
        the page once it is found.
        """
        # The parent by a query of its own, as little of it as is shown: joined, its forty columns read
        # with every row cost the API's list some 6 million instructions a page (docs/performance.md).
        parents = self.model.objects.only("slug", "is_public", "title_fr", "title_en")
        return (
            self.with_roles(on).with_parts(on).prefetch_related(models.Prefetch("parent", queryset=parents))
        )

    @staticmethod
    def _deadlines():
        from . import Deadline

        return Deadline.objects.filter(commitment=OuterRef("pk"))

    @staticmethod
    def _derived() -> dict:
        """Return each derived field (models.DERIVED_FIELDS) as an expression on the outer commitment."""
        from . import Amount, Commitment, Decision, SignatoryAssessment, StatedCount, Target

        def any_of(model, **link):
            return Exists(model.objects.filter(**link or {"commitment": OuterRef("pk")}))

        return {
            "first_open_due": CommitmentQuerySet._earliest_open_due(),
            "has_stated_counts": any_of(StatedCount),
            "has_amounts": any_of(Amount),
            "has_targets": any_of(Target),
            "has_children": any_of(Commitment, parent=OuterRef("pk")),
            "has_decisions": any_of(Decision),
            "has_signatory_assessments": any_of(SignatoryAssessment, involvement__commitment=OuterRef("pk")),
        }

    @staticmethod
    def _earliest_open_due() -> Subquery:
        """Return the earliest date an open deliverable of the outer commitment is due by, or NULL."""
        return Subquery(
            CommitmentQuerySet._deadlines()
            .filter(is_done=False)
            .values("commitment")
            .annotate(earliest=Min(DUE_DATE))
            .values("earliest")
        )

    @staticmethod
    def _latest_update_date():
        from . import ProgressUpdate

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

    def on_record(self):
        """Return the updates that were made public: published ones, and retracted ones (marked as such)."""
        return self.filter(state__in=[PublicationState.PUBLISHED, PublicationState.RETRACTED])

    def public(self):
        """Return what the public may read: published updates of public commitments."""
        return self.published().filter(commitment__is_public=True)

    def awaiting_review(self):
        return self.filter(state=PublicationState.SUBMITTED)

    def latest_first(self):
        """Newest first, as the public reads a history; the pk settles ties for stable pages."""
        return self.order_by("-reported_on", "-created_at", "-pk")

    def owners_reports(self):
        """
        Return the updates in which an owner's representative reports a status (one update's own
        answer is `ProgressUpdate.is_owners_report`).
        """
        return self.filter(on_behalf_of__isnull=False).exclude(status="")

    def for_display(self):
        """
        Fetch what an update shows (includes/_update.html), in a constant number of queries: its
        evidence, the readings it reports and the deliverables it marks done, as the lists
        `shown_evidence`, `shown_readings` and `shown_done`. Lists rather than related managers:
        a page of updates otherwise builds three querysets an update to read what was fetched.
        The commitment is not joined: read through `commitment.updates`, each update has it already,
        and readers of several commitments' updates add it (workspace._updates). A commitment's page,
        which has read the deadlines and targets, attaches the same without them (views._attach_update_parts).
        """
        from . import Deadline, Evidence, ReportedReading

        return self.select_related("on_behalf_of").prefetch_related(
            models.Prefetch("evidence", queryset=Evidence.objects.order_by("pk"), to_attr="shown_evidence"),
            models.Prefetch(
                "reported_readings",
                queryset=ReportedReading.objects.select_related("target"),
                to_attr="shown_readings",
            ),
            models.Prefetch("marks_done", queryset=Deadline.objects.order_by("pk"), to_attr="shown_done"),
        )


class DecisionQuerySet(models.QuerySet):
    def public(self):
        """Return the decisions the public sees: those that change a public commitment's facts."""
        return self.of_public_kind().filter(commitment__is_public=True)

    def of_public_kind(self):
        """Return the decisions of a kind the public sees (`public()` without the commitment's check)."""
        return self.filter(kind__in=DecisionKind.public())

    def corrections(self):
        """Return the public corrections, the newest first (the corrections page and its feed)."""
        corrections = self.public().filter(kind=DecisionKind.CORRECTION)
        return corrections.order_by("-decided_on", "-created_at", "-pk")
