"""What a commitment must deliver, by when: deadlines, targets and their readings."""

import datetime
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import (
    Qualifier,
)
from ..dates import format_fuzzy_date, today
from ..fields import (
    CleanCharField,
    CleanTextField,
    DatesWithPrecision,
    PrecisionField,
    Translated,
    WebAddressField,
    currency_validator,
)
from .commitments import Commitment, Milestone, RemembersCommitment, days_late
from .querysets import DeadlineQuerySet, ReadingQuerySet
from .sources import Sourced


class DueAtMilestoneOrDate(DatesWithPrecision):
    """Something due either at a milestone or at its own date; its own date wins (e.g. an extension)."""

    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="%(class)ss"
    )
    due_on = models.DateField(
        _("due"), null=True, blank=True, help_text=_("Leave empty to follow the milestone's date.")
    )
    due_precision = PrecisionField(_("due date precision"))

    class Meta:
        abstract = True

    def due_date(self) -> datetime.date | None:
        """Return the last day this is due by: its own date, else its milestone's."""
        if self.due_on:
            return self.due_on
        return self.milestone.date if self.milestone_id else None

    def due_date_precision(self) -> str:
        """Return how precisely `due_date()` is known (day, month or year)."""
        if self.due_on:
            return self.due_precision
        return self.milestone.date_precision if self.milestone_id else ""

    def due_label(self) -> str:
        """Return the due date as precisely as the sources give it."""
        if self.due_on:
            return format_fuzzy_date(self.due_on, self.due_precision)
        return self.milestone.date_label() if self.milestone_id else ""


class Deadline(RemembersCommitment, Sourced, DueAtMilestoneOrDate):
    """A deliverable a commitment owes at a milestone or a date, and whether it was delivered."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="deadlines")
    slug = models.SlugField(max_length=80)
    title_fr = CleanCharField(_("deliverable (French)"), max_length=255)
    title_en = CleanCharField(_("deliverable (English)"), max_length=255)
    is_done = models.BooleanField(_("done"), default=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_precision = PrecisionField(_("done date precision"))
    note = CleanTextField(_("note"), blank=True)

    history = HistoricalRecords()
    objects = DeadlineQuerySet.as_manager()
    dates_with_precision = (("due_on", "due_precision"), ("done_on", "done_precision"))

    title = Translated()

    class Meta:
        ordering = ["commitment_id", F("due_on").asc(nulls_last=True), "slug"]
        verbose_name = _("deadline")
        indexes = [
            # Overdue and next deadline (models/querysets.py): the open deadlines of each commitment with
            # what their due date is made of, so that counting or sorting every overdue commitment
            # (home page, overdue page) reads this index alone, not the deadlines table.
            models.Index(
                fields=["commitment", "due_on", "milestone"],
                condition=Q(is_done=False),
                name="deadline_open_idx",
            ),
            # Open deadlines by their own date: what falls due soon (home page, reminders).
            models.Index(fields=["due_on"], condition=Q(is_done=False), name="deadline_open_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "slug"],
                name="deadline_unique_slug",
                violation_error_message=_("Another deadline of this commitment has this slug."),
            ),
            models.CheckConstraint(
                condition=Q(milestone__isnull=False) | Q(due_on__isnull=False),
                name="deadline_has_due_date",
                violation_error_message=_("A deadline needs a milestone or a due date."),
            ),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | Q(is_done=True),
                name="deadline_done_date_needs_done",
                violation_error_message=_("A deadline with a done date must be marked done."),
            ),
        ]

    def __str__(self):
        return f"{self.title_en} ({self.due_label()})"

    def is_overdue_on(self, on: datetime.date) -> bool:
        """
        Return True when the deadline is overdue on `on`, as `DeadlineQuerySet.overdue_condition` says.
        Reads the commitment and the milestone: read deadlines through `commitment.deadlines` and with
        `select_related("milestone")`, or each costs queries.
        """
        due = self.due_date()
        return not self.is_done and due is not None and due < on and not self.commitment.is_closed()

    def days_overdue(self, on: datetime.date | None = None) -> int:
        """
        Return how many days the deliverable is overdue on `on` (today), 0 when it is not. Reads
        `is_overdue` and `due` when the queryset annotated them (`with_overdue_flag()`, for that day).
        """
        on = on or today()
        if hasattr(self, "is_overdue"):
            return days_late(self.due, on) if self.is_overdue else 0
        return days_late(self.due_date(), on) if self.is_overdue_on(on) else 0

    def choice_label(self) -> str:
        """Return the deliverable and its due date in the active language, as the forms' choices show it."""
        return f"{self.title} ({self.due_label()})"


class Target(RemembersCommitment, Sourced, DueAtMilestoneOrDate):
    """A number a commitment aims at (members, money, sites), with a baseline and dated readings."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="targets")
    slug = models.SlugField(max_length=80)
    name_fr = CleanCharField(_("name (French)"), max_length=255)
    name_en = CleanCharField(_("name (English)"), max_length=255)
    unit_fr = CleanCharField(_("unit (French)"), max_length=60, blank=True)
    unit_en = CleanCharField(_("unit (English)"), max_length=60, blank=True)
    currency = CleanCharField(
        _("currency"),
        max_length=3,
        blank=True,
        validators=[currency_validator],
        help_text=_("For money only."),
    )
    baseline = models.DecimalField(_("baseline"), max_digits=18, decimal_places=2, null=True, blank=True)
    baseline_on = models.DateField(_("baseline date"), null=True, blank=True)
    baseline_precision = PrecisionField(_("baseline date precision"))
    target_value = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    qualifier = CleanCharField(_("qualifier"), max_length=10, choices=Qualifier, default=Qualifier.EXACT)

    history = HistoricalRecords()
    dates_with_precision = (("due_on", "due_precision"), ("baseline_on", "baseline_precision"))

    name = Translated()
    unit = Translated()

    class Meta:
        ordering = ["commitment_id", "slug"]
        verbose_name = _("target")
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "slug"],
                name="target_unique_slug",
                violation_error_message=_("Another target of this commitment has this slug."),
            ),
        ]

    def __str__(self):
        return f"{self.name_en}: {self.target_value:,.0f} {self.currency or self.unit_en}"

    def progress_share(self, value: Decimal) -> int:
        """
        Return how far `value` has come from the baseline towards the target, as 0–100 percent.

        From a baseline of 44 members towards 60, a reading of 52 is half way (50), not 87 %.
        """
        start = self.baseline or Decimal(0)
        distance = self.target_value - start
        if not distance:
            return 100 if value == self.target_value else 0
        return max(0, min(100, round(100 * (value - start) / distance)))


class Reading(DatesWithPrecision):
    """A dated measurement of a target, so progress can be drawn over time."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="readings")
    measured_on = models.DateField(_("measured on"))
    measured_precision = PrecisionField(_("precision"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    note = CleanCharField(_("note"), max_length=300, blank=True)
    source_url = WebAddressField(_("source"), blank=True)
    from_update = models.ForeignKey(
        "ProgressUpdate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applied_readings",
        verbose_name=_("from update"),
        help_text=_("The published progress update that reported this reading, if any."),
    )

    objects = ReadingQuerySet.as_manager()
    history = HistoricalRecords()
    dates_with_precision = (("measured_on", "measured_precision"),)

    class Meta:
        ordering = ["target_id", "measured_on"]
        verbose_name = _("reading")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "measured_on"],
                name="reading_one_per_day",
                violation_error_message=_("This target already has a reading on this date."),
            ),
        ]

    def __str__(self):
        return f"{self.value:,.0f} on {self.measured_on:%Y-%m-%d}"

    def is_on_record(self) -> bool:
        """Return True when the public sees it (on a public commitment's chart): then it is not deleted."""
        return self.target.commitment.is_public
