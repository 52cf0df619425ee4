"""Commitments and what the documents say of each: owners' roles, stated counts, amounts, milestones."""

import datetime
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import (
    AmountPeriod,
    Axis,
    CommitmentKind,
    Nature,
    Qualifier,
    Role,
    Status,
)
from ..dates import DatePrecision, format_fuzzy_date, format_span, today
from ..fields import (
    CleanCharField,
    CleanTextField,
    DatesWithPrecision,
    PrecisionField,
    Timestamped,
    Translated,
    currency_validator,
)
from .owners import Owner
from .querysets import CommitmentQuerySet, MilestoneQuerySet
from .sources import Sourced, SourceDocument


def days_late(due: datetime.date | None, on: datetime.date) -> int:
    """Return how many days late something due by `due` is on `on`: the one count of days overdue."""
    return (on - due).days if due is not None and due < on else 0


if TYPE_CHECKING:
    from .deliverables import Deadline
    from .reviews import Assessment


class Milestone(Sourced, DatesWithPrecision):
    """A named, dated event that commitments are due at (e.g. the GPAI summit in Bratislava)."""

    slug = models.SlugField(max_length=80, unique=True)
    name_fr = CleanCharField(_("name (French)"), max_length=200)
    name_en = CleanCharField(_("name (English)"), max_length=200)
    date = models.DateField(_("date"), help_text=_("For a month or a year, its last day."))
    date_precision = PrecisionField(_("precision"))
    starts_on = models.DateField(
        _("first day"),
        null=True,
        blank=True,
        help_text=_("For an event over several days; the date is its last."),
    )
    place = CleanCharField(_("place"), max_length=200, blank=True)
    description_fr = CleanTextField(_("description (French)"), blank=True)
    description_en = CleanTextField(_("description (English)"), blank=True)

    history = HistoricalRecords()
    objects = MilestoneQuerySet.as_manager()

    dates_with_precision = (("date", "date_precision"),)
    name = Translated()
    description = Translated()

    class Meta:
        ordering = ["date", "slug"]
        verbose_name = _("milestone")

    def __str__(self):
        return f"{self.name_en} ({self.date_label()})"

    def get_absolute_url(self):
        return reverse("tracker:milestone_detail", args=[self.slug])

    def clean(self):
        super().clean()
        if self.starts_on and (self.date_precision != DatePrecision.DAY or self.starts_on >= self.date):
            raise ValidationError({"starts_on": _("A first day comes before a last day known to the day.")})

    def date_label(self) -> str:
        """Return the date as precisely as it is known ("6–11 February 2025", "November 2025", "2026")."""
        if self.starts_on:
            return format_span(self.starts_on, self.date)
        return format_fuzzy_date(self.date, self.date_precision)


# What `Commitment.refresh_verdict()` writes and nothing else does: a full save leaves them alone.
VERDICT_FIELDS = ["status", "assessed_on", "assessed_precision"]

# What `CommitmentQuerySet.refresh_derived()` writes and nothing else does (see the fields).
DERIVED_FIELDS = [
    "first_open_due", "has_stated_counts", "has_amounts", "has_targets", "has_children", "has_decisions",
    "has_signatory_assessments",
]  # fmt: skip


class RemembersCommitment(models.Model):
    """
    A row of a commitment (the column `belongs_to` names) that remembers which one it was read with,
    as `_read_with`: saved under another, both are brought up to date (`_deadlines_changed`,
    `_parts_changed`, `_children_changed`).
    """

    belongs_to = "commitment_id"

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._read_with = instance.__dict__.get(cls.belongs_to)
        return instance

    def commitments_touched(self, always: bool) -> set[int]:
        """
        Return the commitments this row's save or delete changes: the one it belongs to and the one it
        was read with, when they differ or `always`; none otherwise. Then take the row's commitment as
        the one it was read with, for its next save.
        """
        belongs, read_with = getattr(self, self.belongs_to), getattr(self, "_read_with", None)
        self._read_with = belongs
        return {belongs, read_with} - {None} if always or belongs != read_with else set()


def parent_loop(start: Hashable, parent_of: Callable[[Hashable], Hashable | None]) -> list:
    """
    Return the commitments met walking up the parents from `start` if the walk comes back to it (it
    would be part of itself), else []. Commitments are whatever keys `parent_of` takes and returns:
    pks for a form (`Commitment.clean`), slugs for an import, whose file may change several parents
    at once (tracker/resources.py). A walk that reaches a loop `start` is not in stops there: the
    loop is refused on its own rows.
    """
    chain, parent = [start], parent_of(start)
    while parent is not None and parent not in chain:
        chain.append(parent)
        parent = parent_of(parent)
    return chain if parent is not None and parent == start else []


class Commitment(RemembersCommitment, Sourced, DatesWithPrecision, Timestamped):
    """An action or commitment announced at the summit, the unit the tracker follows."""

    slug = models.SlugField(max_length=100, unique=True)
    title_fr = CleanCharField(_("title (French)"), max_length=255)
    title_en = CleanCharField(_("title (English)"), max_length=255)
    summary_fr = CleanTextField(_("summary (French)"))
    summary_en = CleanTextField(_("summary (English)"))
    description_fr = CleanTextField(_("description (French)"), blank=True)
    description_en = CleanTextField(_("description (English)"), blank=True)
    axis = CleanCharField(_("axis"), max_length=20, choices=Axis)
    kind = CleanCharField(_("kind"), max_length=20, choices=CommitmentKind)
    nature = CleanCharField(_("nature"), max_length=20, choices=Nature, default=Nature.PROMISE)
    success_fr = CleanTextField(_("what kept means (French)"), blank=True)
    success_en = CleanTextField(_("what kept means (English)"), blank=True)
    # The latest public assessment's status and date, written only by `refresh_verdict()` (workflow.assess
    # and the loader call it): lists filter and count on the commitment's own row.
    # (Not `editable=False`: the history's comparisons read only editable fields. The admin and the API
    # show them read-only.)
    status = CleanCharField(_("status"), max_length=20, choices=Status, default=Status.NOT_ASSESSED)
    assessed_on = models.DateField(_("last assessed"), null=True, blank=True)
    assessed_precision = PrecisionField(_("last assessed precision"))
    announced_on = models.DateField(_("announced"))
    announced_precision = PrecisionField(_("announcement date precision"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
        help_text=_("The coalition, foundation or programme this belongs to."),
    )
    owners = models.ManyToManyField(Owner, through="Involvement", related_name="commitments")
    sources = models.ManyToManyField(SourceDocument, related_name="commitments", verbose_name=_("sources"))
    notes = CleanTextField(
        _("editors' notes"), blank=True, help_text=_("Corrections, and where the sources disagree.")
    )
    is_public = models.BooleanField(
        _("public"), default=True, help_text=_("Untick to keep a draft off the public site.")
    )
    reminders_paused_until = models.DateField(
        _("reminders on hold until"),
        null=True,
        blank=True,
        help_text=_("No reminder about this commitment is sent until this day; they resume by themselves."),
    )
    reminders_pause_reason = CleanCharField(_("why reminders are on hold"), max_length=300, blank=True)
    # The earliest date by which a deliverable not yet done is due (its own date, else its milestone's),
    # written only by `refresh_derived()`, which every save and delete of a deadline and every new
    # milestone date calls (`_deadlines_changed`, `_milestone_changed`); a full save of the commitment
    # leaves it alone (`save`). "Overdue" is then a comparison on the commitment's own row: counting,
    # sorting and listing overdue commitments had been an aggregate over every deadline on each
    # request (30 ms at 50,000). Writes that bypass signals (bulk_create, QuerySet.update, SQL) call
    # `refresh_derived()` themselves, as seed_synthetic does; `manage.py refresh_derived` finds and
    # mends rows written by code that did not.
    first_open_due = models.DateField(_("first open deliverable due"), null=True, editable=False)
    # Which parts the commitment has, so that its page and its API detail read only those: most summit
    # commitments state no number, no money and no target, have no parts and no editors' decision,
    # and each is a query (on the benchmark's commitment, 12 % of its page's instructions). Derived as
    # first_open_due is: adding, moving and deleting a part call `refresh_derived()` (`_parts_changed`,
    # `_children_changed`). A default in the database too: the release before this one inserts
    # commitments without these columns until it is restarted (docs/deployment.md: Releasing).
    has_stated_counts = models.BooleanField(default=False, db_default=False, editable=False)
    has_amounts = models.BooleanField(default=False, db_default=False, editable=False)
    has_targets = models.BooleanField(default=False, db_default=False, editable=False)
    has_children = models.BooleanField(default=False, db_default=False, editable=False)
    has_decisions = models.BooleanField(default=False, db_default=False, editable=False)
    # Whether editors assessed a participant apart (signatories.py): the owners' scorecards read their
    # own verdicts only on these commitments' rows, and the page reads them only then.
    has_signatory_assessments = models.BooleanField(default=False, db_default=False, editable=False)

    # The derived fields are not edits: history keeps what editors changed.
    history = HistoricalRecords(m2m_fields=[sources], excluded_fields=DERIVED_FIELDS)
    objects = CommitmentQuerySet.as_manager()

    belongs_to = "parent_id"  # a commitment is a part of its parent
    dates_with_precision = (("announced_on", "announced_precision"),)
    title = Translated()
    summary = Translated()
    description = Translated()

    class Meta:
        ordering = ["title_en"]
        verbose_name = _("commitment")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="commitment_not_own_parent",
                violation_error_message=_("A commitment cannot be part of itself."),
            ),
        ]
        indexes = [
            # The status and axis filters (admin, public list) and the counts by status.
            models.Index(fields=["status", "axis"], name="commitment_status_axis_idx"),
            # The public list's default order, by title in each language (filters.CommitmentFilter.order),
            # read a page at a time from the index instead of sorting every commitment.
            models.Index(fields=["title_en", "id"], name="commitment_title_en_idx"),
            models.Index(fields=["title_fr", "id"], name="commitment_title_fr_idx"),
            # The list's "first/most recently announced" orders, read forwards or backwards.
            models.Index(fields=["announced_on", "id"], name="commitment_announced_idx"),
            # Counting the public commitments (every list's paginator, the home page) from a small
            # index rather than the whole table.
            models.Index(fields=["id"], condition=Q(is_public=True), name="commitment_public_idx"),
            # The overdue page, oldest miss first, a page at a time.
            models.Index(fields=["first_open_due", "id"], name="commitment_first_open_due_idx"),
            # The home page's counts by axis, nature and status, overdue among them, from this index
            # alone and already in order: grouping the table's rows read all of it (94 ms at 100,000).
            models.Index(
                fields=["axis", "nature", "status"],
                include=["first_open_due", "id"],
                condition=Q(is_public=True),
                name="commitment_counts_idx",
            ),
        ]

    def __str__(self):
        return self.title_en

    def save(self, *args, **kwargs):
        # The derived fields belong to the deadlines and parts (`_deadlines_changed`, `_parts_changed`):
        # saving a row read before one of them changed (an editor's form, an import, the API) must not
        # write back what it was read with. New rows have no parts yet. (Fields not loaded are left out
        # too, as Django's own save() of a row read with only() does.)
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            skipped = self.get_deferred_fields() | set(DERIVED_FIELDS) | set(VERDICT_FIELDS)
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.attname not in skipped
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("tracker:commitment_detail", args=[self.slug])

    def clean(self):
        super().clean()
        if self.nature in Nature.judged():
            missing = [name for name in ("success_fr", "success_en") if not getattr(self, name)]
            if missing:
                message = _("Say what “kept” means for this promise, in French and in English.")
                raise ValidationError(dict.fromkeys(missing, message))
        # A cycle would make "part of" endless on every page.
        if parent_loop(self.pk, self.parent_id_of):
            raise ValidationError({"parent": _("This would make the commitment part of itself.")})

    def parent_id_of(self, pk: int | None) -> int | None:
        """Return the parent of commitment `pk`: this one's as it is now, the others' as stored."""
        if pk == self.pk:
            return self.parent_id
        return Commitment._base_manager.filter(pk=pk).values_list("parent_id", flat=True).first()

    def is_on_record(self) -> bool:
        """Return True once the public sees it: then only a superuser deletes it (HistoryAdmin)."""
        return self.is_public

    def announced_label(self) -> str:
        """Return the announcement date as precisely as it is known."""
        return format_fuzzy_date(self.announced_on, self.announced_precision)

    success = Translated()

    def assessed_label(self) -> str:
        """Return the date of the latest assessment as precisely as it is known ("" when never assessed)."""
        return format_fuzzy_date(self.assessed_on, self.assessed_precision)

    def assessment_history(self) -> list["Assessment"]:
        """
        Return the assessments, newest first, each with the one before it that still counts
        (`previous`; retracted ones stay in the history, marked): as `read_parts()` read them with
        their evidence, else read now.
        """
        read = getattr(self, "shown_assessments", None)
        history = list(self.assessments.all() if read is None else read)
        standing = [assessment for assessment in history if not assessment.retracted_by_id]
        for assessment in history:
            older = (a for a in standing if (a.assessed_on, a.pk) < (assessment.assessed_on, assessment.pk))
            assessment.previous = next(older, None)
        return history

    def verdict_since(self, history: list["Assessment"]):
        """
        Return the assessment from which its status has held: the oldest of the latest standing
        assessments giving that status (a later one may confirm a verdict without changing it), or
        None when none gives it. `history` is assessment_history()'s list.
        """
        standing = sorted(
            (a for a in history if not a.retracted_by_id), key=lambda a: (a.assessed_on, a.pk), reverse=True
        )
        since = None
        for assessment in standing:
            if assessment.status != self.status:
                break
            since = assessment
        return since

    def refresh_verdict(self, by=None, cause: str = "") -> None:
        """
        Take the status and date of the latest assessment ("not yet assessed" without one), saved with
        who and what caused it in the history when they change.
        """
        latest = self.assessments.filter(retracted_by=None).order_by("-assessed_on", "-pk").first()
        verdict = (
            (latest.status, latest.assessed_on, latest.assessed_precision)
            if latest
            else (Status.NOT_ASSESSED, None, DatePrecision.DAY)
        )
        if (self.status, self.assessed_on, self.assessed_precision) == verdict:
            return
        self.status, self.assessed_on, self.assessed_precision = verdict
        self._history_user, self._change_reason = by, cause
        self.save(update_fields=VERDICT_FIELDS)

    @property
    def axis_label(self) -> str:
        """
        Its axis in the visitor's language, as `get_axis_display()` gives it, through the enumeration:
        Django's rebuilds a dict of the choices on every call, a row of every list.
        """
        return Axis(self.axis).label

    def is_closed(self) -> bool:
        """Return True when the status means deadlines no longer count (achieved or withdrawn)."""
        return self.status in Status.closed()

    def days_overdue(self, on: datetime.date | None = None) -> int:
        """
        Return how many days the oldest overdue deadline is late, 0 when none is.

        Uses `overdue_since` when the queryset was annotated by `with_overdue()` (for the same day).
        """
        on = on or today()
        if hasattr(self, "overdue_since"):
            since = self.overdue_since
        else:
            # Read from the database: the deadlines may have changed since this row was.
            this = type(self).objects.filter(pk=self.pk).with_overdue(on)
            since = this.values_list("overdue_since", flat=True).first()
        return days_late(since, on)

    def read_parts(self) -> None:
        """
        Read the rest of what its page and the API's detail show, once found by `as_shown()`, as lists:
        `shown_counts`, `shown_amounts` (with their owners), `shown_assessments` (newest first, with
        their evidence), `shown_sources`, `shown_children` (public ones), `shown_decisions` (of a
        public kind) and `shown_signatories`, the participants assessed one by one, with their
        verdicts. A part is read only when the commitment has one (`has_*`, `assessed_on`): most
        have few, and a query each for nothing cost a third of
        the page (docs/performance.md). Then the passages every fact cites, in two queries for all
        (`citations.attach_citations`).
        """
        from ..citations import attach_citations
        from . import Amount, AssessmentEvidence, Deadline, Involvement, StatedCount, Target
        from .signatories import assessed_apart, attach_assessments

        evidence = models.Prefetch(
            "evidence", queryset=AssessmentEvidence.objects.select_related("passage__source").order_by("pk")
        )
        self.shown_counts = list(self.stated_counts.all()) if self.has_stated_counts else []
        self.shown_amounts = list(self.amounts.select_related("owner")) if self.has_amounts else []
        self.shown_assessments = list(self.assessments.prefetch_related(evidence)) if self.assessed_on else []
        self.shown_sources = list(self.sources.all())
        self.shown_children = list(self.children.public().order_by("slug")) if self.has_children else []
        self.shown_decisions = (
            list(self.decisions.of_public_kind().order_by("created_at", "pk")) if self.has_decisions else []
        )
        # Each named participant assessed apart (signatories.py), in the roles that name two or more.
        self.shown_signatories = assessed_apart(self.shown_roles)
        attach_assessments(self.shown_signatories, read=self.has_signatory_assessments)
        attach_citations(
            (type(self), [self]),
            (Involvement, self.shown_roles),
            (StatedCount, self.shown_counts),
            (Amount, self.shown_amounts),
            (Deadline, self.shown_deadlines),
            (Target, self.shown_targets),
        )

    def lead_owners(self) -> list[Owner]:
        """Return the lead owners, by name, from its roles (read with them by `with_roles()`)."""
        return [involvement.owner for involvement in self.shown_roles if involvement.role == Role.LEAD]

    def latest_published_update(self):
        """Return the latest published update (the API's detail shows it), or None."""
        return self.updates.published().select_related("on_behalf_of").latest_first().first()

    def next_deadline(self, on: datetime.date | None = None) -> "Deadline | None":
        """
        Return the earliest open deadline due on `on` or later (DeadlineQuerySet.upcoming).

        Read with its parts (`with_parts()`, for the same day), it is the first of them, by due date,
        neither done nor overdue, the commitment being open: their `is_overdue` flag already states the
        rest of the rule, and no query is made. Two correlated subqueries (`with_next_deadline()`) cost
        the API's list some 8.6 million instructions a page to build and compile (docs/performance.md).
        """
        if not hasattr(self, "shown_deadlines"):
            return self.deadlines.upcoming(on).select_related("milestone").first()
        if self.is_closed():
            return None
        return next(
            (d for d in self.shown_deadlines if not (d.is_done or d.is_overdue) and d.due is not None), None
        )

    def missed_deadline(self, on: datetime.date | None = None) -> "Deadline | None":
        """
        Return the oldest overdue deadline, the one `days_overdue()` counts from, or None: read with
        its parts (`with_parts()`, for the same day) it is the first of them flagged `is_overdue`,
        without a query.
        """
        # Of several due by the same date, the most precise, as the lists' `with_overdue_precision()`
        # chooses ("day" < "month" < "year"): the header and a list row name the same date.
        if not hasattr(self, "shown_deadlines"):
            overdue = self.deadlines.overdue(on).select_related("milestone")
            return overdue.order_by("due", "due_exactness", "pk").first()
        missed = [d for d in self.shown_deadlines if d.is_overdue]
        return min(missed, key=lambda d: (d.due, d.due_exactness, d.pk), default=None)


class Involvement(Sourced, DatesWithPrecision):
    """The part an owner plays in a commitment: lead, signatory, partner, funder or supporter."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="involvements")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="involvements")
    role = CleanCharField(_("role"), max_length=10, choices=Role)
    since = models.DateField(
        _("since"), null=True, blank=True, help_text=_("When the owner joined, if known.")
    )
    since_precision = PrecisionField(_("precision"))
    note = CleanCharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()
    dates_with_precision = (("since", "since_precision"),)

    class Meta:
        ordering = ["commitment_id", "role", "owner__name"]
        verbose_name = _("owner's role")
        verbose_name_plural = _("owners and roles")
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "owner", "role"],
                name="involvement_unique_role",
                violation_error_message=_("This owner already has this role in this commitment."),
            ),
        ]

    def __str__(self):
        return f"{self.owner} — {self.get_role_display()}"


class StatedCount(RemembersCommitment, Sourced):
    """A number of participants the sources state without naming them all ("26 countries")."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="stated_counts")
    role = CleanCharField(_("role"), max_length=10, choices=Role)
    count = models.PositiveIntegerField(_("count"))
    qualifier = CleanCharField(_("qualifier"), max_length=10, choices=Qualifier, default=Qualifier.EXACT)
    noun_fr = CleanCharField(_("what is counted (French)"), max_length=120)
    noun_en = CleanCharField(_("what is counted (English)"), max_length=120)

    history = HistoricalRecords()

    noun = Translated()

    class Meta:
        ordering = ["commitment_id", "role", "-count"]
        verbose_name = _("stated count")
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "role", "noun_en"],
                name="stated_count_unique",
                violation_error_message=_("This count is already stated for this commitment."),
            ),
        ]

    def __str__(self):
        return f"{self.get_qualifier_display()} {self.count} {self.noun_en} ({self.get_role_display()})"


class Amount(RemembersCommitment, Sourced):
    """A sum of money a commitment involves: pledged, invested or planned."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="amounts")
    slug = models.SlugField(max_length=80)
    owner = models.ForeignKey(
        Owner, on_delete=models.PROTECT, null=True, blank=True, related_name="amounts",
        help_text=_("Who puts the money in, when the sources say."),
    )  # fmt: skip
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = CleanCharField(_("currency"), max_length=3, validators=[currency_validator])
    qualifier = CleanCharField(_("qualifier"), max_length=10, choices=Qualifier, default=Qualifier.EXACT)
    period = CleanCharField(_("period"), max_length=20, choices=AmountPeriod, default=AmountPeriod.ONE_OFF)
    label_fr = CleanCharField(_("label (French)"), max_length=255)
    label_en = CleanCharField(_("label (English)"), max_length=255)

    history = HistoricalRecords()

    label = Translated()

    class Meta:
        ordering = ["commitment_id", "-amount"]
        verbose_name = _("amount")
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "slug"],
                name="amount_unique_slug",
                violation_error_message=_("Another amount of this commitment has this slug."),
            ),
        ]

    def __str__(self):
        return f"{self.label_en}: {self.amount:,.0f} {self.currency}"
