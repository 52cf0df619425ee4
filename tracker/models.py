"""
The tracker's data: who committed to what at the Paris AI Action Summit, by when, and what happened.

Texts the public reads come in French (the source language) and English, as `<field>_fr` and
`<field>_en`; `Translated` picks the one for the active language. "Overdue", "due soon" and "stale" are
never stored: they are computed in tracker/querysets.py, from deadlines and updates and from one value
the deadlines keep on their commitment, the earliest date an open deliverable is due by.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from .choices import (
    AmountPeriod,
    Axis,
    Basis,
    CommitmentKind,
    DecisionKind,
    Language,
    Nature,
    OwnerKind,
    PublicationState,
    Qualifier,
    ReminderKind,
    ReminderState,
    Role,
    Status,
    StatusReason,
)
from .dates import DatePrecision, format_fuzzy_date, format_span, today
from .fields import (
    DatesWithPrecision,
    PrecisionField,
    Timestamped,
    Translated,
    WebAddressField,
    currency_validator,
)
from .querysets import CommitmentQuerySet, DeadlineQuerySet, DecisionQuerySet, ProgressUpdateQuerySet

# The group of staff who curate the data; created by migration 0002, which keeps its own copy of the
# name (a migration must not change when the code does).
EDITORS_GROUP = "Editors"


class SourceDocument(DatesWithPrecision):
    """A document that commitments are taken from."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("published"), null=True, blank=True)
    published_precision = PrecisionField(_("precision"))
    file = models.CharField(_("file"), max_length=200, blank=True, help_text=_("Name in fixtures/sources/."))
    url = WebAddressField(_("address"), blank=True)
    is_reference = models.BooleanField(
        _("reference"), default=False, help_text=_("Wins where documents disagree.")
    )

    history = HistoricalRecords()
    dates_with_precision = (("published_on", "published_precision"),)

    class Meta:
        ordering = ["-is_reference", "title"]
        verbose_name = _("source document")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracker:source_detail", args=[self.slug])

    def published_label(self) -> str:
        return format_fuzzy_date(self.published_on, self.published_precision)


class Passage(models.Model):
    """
    Words of a source document that facts and verdicts cite, exactly as the document has them.

    The loader checks each against the document (tracker/passages.py), and `position` (where it starts
    in the document) lets a source's page list its passages in reading order.
    """

    source = models.ForeignKey(SourceDocument, on_delete=models.PROTECT, related_name="passages")
    quote = models.TextField(_("quote"))
    position = models.PositiveIntegerField(_("position in the document"), default=0)

    class Meta:
        ordering = ["source_id", "position", "pk"]
        verbose_name = _("cited passage")
        constraints = [
            models.UniqueConstraint(fields=["source", "quote"], name="passage_unique_quote"),
        ]

    def __str__(self):
        return f"“{self.quote}” ({self.source})"

    def get_absolute_url(self):
        return f"{self.source.get_absolute_url()}#passage-{self.pk}"

    def order_key(self) -> tuple:
        """Sort passages as the documents read: by document, then where they start."""
        return (self.source_id, self.position, self.pk)

    def clean(self):
        from .passages import position_in, tidied

        # Stored as the loader stores the files' quotes: the same words never make two passages.
        self.quote = tidied(self.quote)
        if self.source_id and self.source.file and self.quote:
            position = position_in(self.quote, self.source.file)
            if position is None:
                raise ValidationError({"quote": _("These words are not in the document, word for word.")})
            self.position = position


class Sourced(models.Model):
    """
    A fact that cites the passages it comes from, and says how it follows from them (`basis`): stated,
    worked out from their words, or the editors' inference, with the reasoning for the last two.
    """

    citations = models.ManyToManyField(
        Passage, blank=True, related_name="cited_by_%(class)s", verbose_name=_("cited passages")
    )
    basis = models.CharField(_("basis"), max_length=12, choices=Basis, default=Basis.STATED)
    reasoning_fr = models.TextField(_("how it follows (French)"), blank=True)
    reasoning_en = models.TextField(_("how it follows (English)"), blank=True)

    reasoning = Translated()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.basis != Basis.STATED and not (self.reasoning_fr and self.reasoning_en):
            raise ValidationError(_("Say how this follows from the sources, in French and in English."))


class Owner(Timestamped):
    """A country, body, organisation or company that leads, signs, funds or supports commitments."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200, help_text=_("As the sources write it."))
    name_en = models.CharField(
        _("English name"), max_length=200, blank=True, help_text=_("Only when it differs from the name.")
    )
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    short_name_en = models.CharField(
        _("English short name"),
        max_length=40,
        blank=True,
        help_text=_("Only when it differs: UNEP for PNUE."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OwnerKind)
    country = CountryField(_("country"), blank=True)
    website = WebAddressField(_("website"), blank=True)
    note = models.TextField(_("editors' note"), blank=True)

    history = HistoricalRecords()

    display_name = Translated("name")
    display_short_name = Translated("short_name")

    class Meta:
        ordering = ["name"]
        verbose_name = _("owner")
        indexes = [
            # The "owner kind" filter of the admin and of the public list.
            models.Index(fields=["kind"], name="owner_kind_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.short_name})" if self.short_name else self.name

    def get_absolute_url(self):
        return reverse("tracker:owner_detail", args=[self.slug])


class OwnerContact(Timestamped):
    """A person who represents an owner: receives its reminders and logs its progress."""

    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="representations",
        help_text=_("The account that logs progress for this owner, if the contact has one."),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(
        _("e-mail"), blank=True, help_text=_("Where reminders go when there is no account.")
    )
    language = models.CharField(_("language"), max_length=2, choices=Language, default=Language.FRENCH)
    receives_reminders = models.BooleanField(_("receives reminders"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["owner__name", "name", "email"]
        verbose_name = _("owner contact")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""),
                name="contact_has_user_or_email",
                violation_error_message=_("A contact needs an account or an e-mail address."),
            ),
            models.UniqueConstraint(
                fields=["owner", "user"],
                condition=Q(user__isnull=False),
                name="contact_unique_user_per_owner",
                violation_error_message=_("This account already represents this owner."),
            ),
            models.UniqueConstraint(
                fields=["owner", "email"],
                condition=~Q(email=""),
                name="contact_unique_email_per_owner",
                violation_error_message=_("This e-mail address is already a contact of this owner."),
            ),
        ]

    def __str__(self):
        return f"{self.name or self.email or self.user} — {self.owner}"

    def recipient_email(self) -> str:
        """Return the address reminders go to: the contact's own, else its account's."""
        return self.email or (self.user.email if self.user else "")


class Account(models.Model):
    """A person's own choices for their account: the language of the mail the tracker sends them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    language = models.CharField(
        _("language of e-mails"), max_length=2, choices=Language, default=Language.FRENCH
    )

    class Meta:
        ordering = ["user"]
        verbose_name = _("account settings")
        verbose_name_plural = _("account settings")

    def __str__(self):
        return str(self.user)


class Milestone(Sourced, DatesWithPrecision):
    """A named, dated event that commitments are due at (e.g. the GPAI summit in Bratislava)."""

    slug = models.SlugField(max_length=80, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    date = models.DateField(_("date"), help_text=_("For a month or a year, its last day."))
    date_precision = PrecisionField(_("precision"))
    starts_on = models.DateField(
        _("first day"),
        null=True,
        blank=True,
        help_text=_("For an event over several days; the date is its last."),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    history = HistoricalRecords()

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


class Commitment(RemembersCommitment, Sourced, DatesWithPrecision, Timestamped):
    """An action or commitment announced at the summit, the unit the tracker follows."""

    slug = models.SlugField(max_length=100, unique=True)
    title_fr = models.CharField(_("title (French)"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255)
    summary_fr = models.TextField(_("summary (French)"))
    summary_en = models.TextField(_("summary (English)"))
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    axis = models.CharField(_("axis"), max_length=20, choices=Axis)
    kind = models.CharField(_("kind"), max_length=20, choices=CommitmentKind)
    nature = models.CharField(_("nature"), max_length=20, choices=Nature, default=Nature.PROMISE)
    success_fr = models.TextField(_("what kept means (French)"), blank=True)
    success_en = models.TextField(_("what kept means (English)"), blank=True)
    # The latest public assessment's status and date, written only by `refresh_verdict()` (workflow.assess
    # and the loader call it): lists filter and count on the commitment's own row.
    # (Not `editable=False`: the history's comparisons read only editable fields. The admin and the API
    # show them read-only.)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NOT_ASSESSED)
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
    notes = models.TextField(
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
    reminders_pause_reason = models.CharField(_("why reminders are on hold"), max_length=300, blank=True)
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
            # The home page's counts by axis and status, overdue among them, from this index alone
            # and already in order (a third of the time of grouping the table's rows).
            models.Index(
                fields=["axis", "status"],
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
        # Walk up the parents: a cycle would make "part of" endless on every page.
        ancestor, seen = self.parent, {self.pk}
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"parent": _("This would make the commitment part of itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

    def announced_label(self) -> str:
        """Return the announcement date as precisely as it is known."""
        return format_fuzzy_date(self.announced_on, self.announced_precision)

    success = Translated()

    def assessed_label(self) -> str:
        """Return the date of the latest assessment as precisely as it is known ("" when never assessed)."""
        return format_fuzzy_date(self.assessed_on, self.assessed_precision)

    def assessment_history(self) -> list["Assessment"]:
        """Return the assessments, newest first, with their evidence and the one before each (`previous`)."""
        evidence = models.Prefetch(
            "evidence", queryset=AssessmentEvidence.objects.select_related("passage__source")
        )
        history = list(self.assessments.prefetch_related(evidence))
        for position, assessment in enumerate(history, start=1):
            assessment.previous = history[position] if position < len(history) else None
        return history

    def refresh_verdict(self, by=None, cause: str = "") -> None:
        """
        Take the status and date of the latest assessment ("not yet assessed" without one), saved with
        who and what caused it in the history when they change.
        """
        latest = self.assessments.order_by("-assessed_on", "-pk").first()
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
        return (on - since).days if since else 0

    def next_deadline(self, on: datetime.date | None = None) -> "Deadline | None":
        """Return the earliest open deadline due on `on` or later."""
        return self.deadlines.upcoming(on).select_related("milestone").first()


class Involvement(Sourced, DatesWithPrecision):
    """The part an owner plays in a commitment: lead, signatory, partner, funder or supporter."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="involvements")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="involvements")
    role = models.CharField(_("role"), max_length=10, choices=Role)
    since = models.DateField(
        _("since"), null=True, blank=True, help_text=_("When the owner joined, if known.")
    )
    since_precision = PrecisionField(_("precision"))
    note = models.CharField(_("note"), max_length=300, blank=True)

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
    role = models.CharField(_("role"), max_length=10, choices=Role)
    count = models.PositiveIntegerField(_("count"))
    qualifier = models.CharField(_("qualifier"), max_length=10, choices=Qualifier, default=Qualifier.EXACT)
    noun_fr = models.CharField(_("what is counted (French)"), max_length=120)
    noun_en = models.CharField(_("what is counted (English)"), max_length=120)

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
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    qualifier = models.CharField(_("qualifier"), max_length=10, choices=Qualifier, default=Qualifier.EXACT)
    period = models.CharField(_("period"), max_length=20, choices=AmountPeriod, default=AmountPeriod.ONE_OFF)
    label_fr = models.CharField(_("label (French)"), max_length=255)
    label_en = models.CharField(_("label (English)"), max_length=255)

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
    title_fr = models.CharField(_("deliverable (French)"), max_length=255)
    title_en = models.CharField(_("deliverable (English)"), max_length=255)
    is_done = models.BooleanField(_("done"), default=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_precision = PrecisionField(_("done date precision"))
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()
    objects = DeadlineQuerySet.as_manager()
    dates_with_precision = (("due_on", "due_precision"), ("done_on", "done_precision"))

    title = Translated()

    class Meta:
        ordering = ["commitment_id", F("due_on").asc(nulls_last=True), "slug"]
        verbose_name = _("deadline")
        indexes = [
            # Overdue and next deadline (tracker/querysets.py): the open deadlines of each commitment with
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

    def choice_label(self) -> str:
        """Return the deliverable and its due date in the active language, as the forms' choices show it."""
        return f"{self.title} ({self.due_label()})"


class Target(RemembersCommitment, Sourced, DueAtMilestoneOrDate):
    """A number a commitment aims at (members, money, sites), with a baseline and dated readings."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="targets")
    slug = models.SlugField(max_length=80)
    name_fr = models.CharField(_("name (French)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    unit_fr = models.CharField(_("unit (French)"), max_length=60, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=60, blank=True)
    currency = models.CharField(
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
    qualifier = models.CharField(_("qualifier"), max_length=10, choices=Qualifier, default=Qualifier.EXACT)

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
    note = models.CharField(_("note"), max_length=300, blank=True)
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


class ProgressUpdate(Timestamped):
    """A dated report on a commitment, public only once an editor has published it."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_updates",
        verbose_name=_("author"),
    )
    on_behalf_of = models.ForeignKey(
        Owner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="progress_updates",
        verbose_name=_("on behalf of"),
        help_text=_("The owner the author reports for; empty for editors' own entries."),
    )
    reported_on = models.DateField(_("date"), default=today)
    status = models.CharField(
        _("reported status"), max_length=20, choices=Status, blank=True, help_text=_("Empty when unchanged.")
    )
    reason = models.CharField(
        _("reason"),
        max_length=20,
        choices=StatusReason,
        blank=True,
        help_text=_("Why the commitment is stalled or not achieved."),
    )
    text = models.TextField(_("text"), help_text=_("Markdown: paragraphs, lists, emphasis and links."))
    language = models.CharField(
        _("written in"),
        max_length=2,
        choices=Language,
        default=Language.FRENCH,
        help_text=_("The text's language."),
    )
    marks_done = models.ManyToManyField(
        "Deadline",
        blank=True,
        related_name="reported_done_by",
        verbose_name=_("deliverables it reports done"),
        help_text=_("Marked done when the update is published."),
    )
    state = models.CharField(
        _("publication"), max_length=10, choices=PublicationState, default=PublicationState.SUBMITTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    history = HistoricalRecords(m2m_fields=[marks_done])
    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_on", "-created_at"]
        verbose_name = _("progress update")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=PublicationState.REJECTED) | ~Q(rejection_reason=""),
                name="update_rejection_has_reason",
                violation_error_message=_("Say why the update is rejected."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=Status.needing_reason()) | ~Q(reason=""),
                name="update_stalled_or_missed_has_reason",
                violation_error_message=_("Say why the commitment is stalled or not achieved."),
            ),
        ]
        indexes = [
            # The latest published update per commitment: "stale" and "last updated".
            models.Index(
                fields=["commitment", "-reported_on"],
                condition=Q(state=PublicationState.PUBLISHED),
                name="update_published_latest_idx",
            ),
            # The editors' review queue.
            models.Index(
                fields=["created_at"], condition=Q(state=PublicationState.SUBMITTED), name="update_queue_idx"
            ),
            # The latest published updates of all commitments: the home page and the updates feed.
            models.Index(
                fields=["-reported_on", "-created_at"],
                condition=Q(state=PublicationState.PUBLISHED),
                name="update_published_recent_idx",
            ),
        ]

    def __str__(self):
        return f"{self.commitment} — {self.reported_on:%Y-%m-%d} ({self.get_state_display()})"

    def get_absolute_url(self):
        """The update's own page, which feeds and other pages link to (published updates only)."""
        return reverse("tracker:update_detail", args=[self.commitment.slug, self.pk])

    def clean(self):
        # Attached to the fields, where the forms show them (the constraints' messages are form-wide).
        if self.state == PublicationState.REJECTED and not self.rejection_reason:
            raise ValidationError({"rejection_reason": _("Say why the update is rejected.")})
        if self.status in Status.needing_reason() and not self.reason:
            raise ValidationError({"reason": _("Say why the commitment is stalled or not achieved.")})

    @property
    def is_owners_report(self) -> bool:
        """Return True when an owner's representative reports a status (`owners_reports()`, on one row)."""
        return self.on_behalf_of_id is not None and bool(self.status)

    def reported_status_change(self) -> bool:
        """Return True when the update reports a status other than its commitment's current one."""
        return bool(self.status) and self.status != self.commitment.status


class Evidence(models.Model):
    """A public link that backs a progress update."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="evidence")
    url = WebAddressField(_("address"), max_length=500)
    title = models.CharField(_("title"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["update_id", "pk"]
        verbose_name = _("evidence link")

    def __str__(self):
        return self.title or self.url


class ReportedReading(models.Model):
    """A target's value as a progress update reports it; it becomes a Reading when the update is published."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="reported_readings")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        ordering = ["update_id", "target_id"]
        verbose_name = _("reported reading")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "target"],
                name="reported_reading_one_per_target",
                violation_error_message=_("This update already reports a value for this target."),
            ),
        ]

    def __str__(self):
        return f"{self.target.name_en}: {self.value:,.0f}"


class Decision(RemembersCommitment, DatesWithPrecision, Timestamped):
    """
    An editor's review decision on a commitment: a deadline extended, the commitment marked missed or
    achieved, a follow-up noted, or a published fact corrected. Applied by tracker/workflow.py.
    """

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(_("decision"), max_length=20, choices=DecisionKind)
    deadline = models.ForeignKey(
        Deadline,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("deadline"),
        help_text=_("The deadline it extends or finds missed."),
    )
    previous_due = models.DateField(_("previous due date"), null=True, blank=True)
    previous_precision = PrecisionField(_("previous due date precision"))
    new_due = models.DateField(_("new due date"), null=True, blank=True)
    new_precision = PrecisionField(_("new due date precision"))
    previous_status = models.CharField(_("status before"), max_length=20, choices=Status, blank=True)
    new_status = models.CharField(
        _("status after"),
        max_length=20,
        choices=Status,
        blank=True,
        help_text=_("For a correction: the status the commitment should have had; empty to keep it."),
    )
    reason = models.TextField(_("reason"), help_text=_("Shown to the public, except for follow-ups."))
    language = models.CharField(_("written in"), max_length=2, choices=Language, default=Language.FRENCH)
    evidence_url = WebAddressField(_("evidence"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_on = models.DateField(_("date"), default=today)

    history = HistoricalRecords()
    objects = DecisionQuerySet.as_manager()
    dates_with_precision = (("previous_due", "previous_precision"), ("new_due", "new_precision"))

    class Meta:
        ordering = ["-decided_on", "-created_at"]
        verbose_name = _("review decision")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="decision_has_reason", violation_error_message=_("Say why.")
            ),
            models.CheckConstraint(
                condition=~Q(kind=DecisionKind.EXTENDED) | Q(deadline__isnull=False, new_due__isnull=False),
                name="decision_extension_has_dates",
                violation_error_message=_("An extension needs the deadline and its new date."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=DecisionKind.ACHIEVED) | ~Q(evidence_url=""),
                name="decision_achieved_has_evidence",
                violation_error_message=_("Marking a commitment achieved needs a link to the evidence."),
            ),
        ]
        indexes = [
            # The public corrections page and its feed.
            models.Index(
                fields=["-decided_on"],
                condition=Q(kind=DecisionKind.CORRECTION),
                name="decision_corrections_idx",
            ),
            # The news (home page and feeds), newest first, a few at a time: read in this order from
            # the index rather than sorting every public decision (6 ms at 1,000).
            models.Index(
                fields=["-decided_on", "-created_at", "-id"],
                condition=Q(kind__in=DecisionKind.public()),
                name="decision_news_idx",
            ),
        ]

    def __str__(self):
        return f"{self.commitment} — {self.get_kind_display()} ({self.decided_on:%Y-%m-%d})"

    def clean(self):
        # The same rules as the constraints, attached to the fields the forms show them on.
        errors = {}
        if self.kind == DecisionKind.EXTENDED:
            if self.deadline_id is None:
                errors["deadline"] = _("Choose the deadline to extend.")
            if self.new_due is None:
                errors["new_due"] = _("Give the new date.")
        verdict = DecisionKind(self.kind).sets_status if self.kind in DecisionKind.values else ""
        if (verdict or self.new_status) and not self.evidence_url:
            # Every verdict rests on evidence (an assessment is made of it: workflow.assess).
            errors["evidence_url"] = _("Link to the evidence for this verdict.")
        if self.kind != DecisionKind.CORRECTION and self.new_status and self.new_status != verdict:
            errors["new_status"] = _("Only a correction sets a status of the editor’s choosing.")
        if self.deadline_id and self.commitment_id and self.deadline.commitment_id != self.commitment_id:
            errors["deadline"] = _("This deadline belongs to another commitment.")
        # Checked when the decision is made: once applied, the deadline is due on the new date.
        extension = self._state.adding and self.kind == DecisionKind.EXTENDED
        if extension and self.deadline_id and self.new_due and self.new_due <= self.deadline.due_date():
            errors["new_due"] = _("An extension moves the deadline later; correct an earlier date instead.")
        if extension and self.deadline_id and self.deadline.is_done:
            errors["deadline"] = _("This deliverable is done: there is nothing to extend.")
        if errors:
            raise ValidationError(errors)

    def is_public(self) -> bool:
        """Return True when the decision changes what the public sees (follow-ups are the editors' own)."""
        return self.kind in DecisionKind.public()

    def changed_status(self) -> bool:
        """Return True when the decision moved the commitment's status."""
        return bool(self.new_status) and self.new_status != self.previous_status

    def headline(self) -> str:
        """Say what a public decision did, in a few words: the news's line for it (home page, feeds)."""
        if self.kind == DecisionKind.EXTENDED and self.new_due:
            return gettext("“%(deadline)s” moved from %(old)s to %(new)s") % {
                "deadline": self.deadline.title if self.deadline_id else "",
                "old": self.previous_due_label(),
                "new": self.new_due_label(),
            }
        if self.changed_status():
            return gettext("status changed to “%(status)s”") % {"status": self.get_new_status_display()}
        return self.get_kind_display()

    def previous_due_label(self) -> str:
        return format_fuzzy_date(self.previous_due, self.previous_precision) if self.previous_due else ""

    def new_due_label(self) -> str:
        return format_fuzzy_date(self.new_due, self.new_precision) if self.new_due else ""


class Assessment(DatesWithPrecision):
    """
    A dated, public verdict on a commitment, with why and on what evidence; the latest is its status.

    Made from the source documents when the data is loaded (`assessed_by` empty), or by the workflow when
    an editor publishes an update that reports a status or records a decision that sets one.
    """

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="assessments")
    status = models.CharField(_("status"), max_length=20, choices=Status)
    assessed_on = models.DateField(_("assessed on"), default=today)
    assessed_precision = PrecisionField(_("precision"))
    rationale_fr = models.TextField(_("rationale (French)"), blank=True)
    rationale_en = models.TextField(_("rationale (English)"), blank=True)
    from_sources = models.BooleanField(
        _("from the source documents"), default=False, help_text=_("Made when the summit's data was loaded.")
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    update = models.ForeignKey(
        ProgressUpdate, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    dates_with_precision = (("assessed_on", "assessed_precision"),)
    rationale = Translated()

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("assessment")
        constraints = [
            models.CheckConstraint(
                condition=~Q(rationale_fr="", rationale_en=""),
                name="assessment_has_rationale",
                violation_error_message=_("Say why."),
            ),
        ]
        indexes = [
            # A commitment's history, newest first, and its latest verdict.
            models.Index(fields=["commitment", "-assessed_on", "-id"], name="assessment_latest_idx"),
        ]

    def __str__(self):
        return f"{self.commitment} — {self.get_status_display()} ({self.assessed_label()})"

    def assessed_label(self) -> str:
        return format_fuzzy_date(self.assessed_on, self.assessed_precision)

    def rationale_language(self) -> str:
        """Return the language `rationale` is shown in (the other one when the active one is empty)."""
        from .fields import current_language

        language = current_language()
        return language if getattr(self, f"rationale_{language}") else ("fr" if self.rationale_fr else "en")


class AssessmentEvidence(models.Model):
    """What an assessment rests on: a passage of a source document, or a web page consulted on a date."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    passage = models.ForeignKey(
        Passage, on_delete=models.PROTECT, null=True, blank=True, related_name="assessment_evidence"
    )
    url = WebAddressField(_("web address"), max_length=500, blank=True)
    consulted_on = models.DateField(_("consulted on"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("evidence of an assessment")
        verbose_name_plural = _("evidence of assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(passage__isnull=False, url="")
                | Q(passage__isnull=True, consulted_on__isnull=False) & ~Q(url=""),
                name="assessment_evidence_passage_or_page",
                violation_error_message=_(
                    "Either a passage, or a web address with the date it was consulted."
                ),
            ),
        ]

    def __str__(self):
        return str(self.passage) if self.passage_id else self.url


class Reminder(models.Model):
    """
    One reminder e-mail to one recipient: the log that makes each of them go out at most once.

    `subject` and `occurrence` name what the reminder is about ("deadline:12", "2025-11-30-7d"); the
    unique constraint on them with the kind and the address is what tracker/reminders.py claims before
    it sends, so that no sweep, retry or second worker sends the same reminder twice.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind)
    subject = models.CharField(_("about"), max_length=40)
    occurrence = models.CharField(_("occurrence"), max_length=40)
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    deadline_due = models.DateField(_("deadline due"), null=True, blank=True, help_text=_("As it was then."))
    contact = models.ForeignKey(
        OwnerContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=2, choices=Language, default=Language.FRENCH)
    state = models.CharField(_("state"), max_length=10, choices=ReminderState, default=ReminderState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Which delivery run holds the row while it is "sending": only that run may record its outcome.
    claimed_by = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("planned"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reminder")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "occurrence", "email"],
                name="reminder_once",
                violation_error_message=_("This reminder was already planned."),
            ),
        ]
        indexes = [
            # The delivery sweep: what is due to go out (tracker/reminders.py: deliver).
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="reminder_delivery_idx",
            ),
            # A commitment's reminder history (editors' pages).
            models.Index(fields=["commitment", "-created_at"], name="reminder_commitment_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.email} ({self.occurrence})"


class ReminderOptOut(models.Model):
    """An address that asked, through the signed link in a reminder, not to receive a kind of reminder."""

    email = models.EmailField(_("e-mail"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        ordering = ["email", "kind"]
        verbose_name = _("reminder opt-out")
        constraints = [
            models.UniqueConstraint(fields=["email", "kind"], name="opt_out_once"),
        ]

    def __str__(self):
        return f"{self.email}: {self.get_kind_display()}"


# Commitment's derived fields (DERIVED_FIELDS) follow its deadlines and parts. Signals rather than save()
# and delete(), because deleting from a queryset (the admin's bulk delete, a cascade) calls neither.
@receiver([post_save, post_delete], sender=Deadline, dispatch_uid="deadline-derived")
def _deadlines_changed(sender, instance, **kwargs):
    # Also on fixture loads (raw saves): the commitment is then read as the fixture left it so far, and
    # each deadline loaded after it refreshes it again. Deleting a commitment runs this once per
    # deadline (a cascade can no longer be a fast delete): a statement each, for a rare act.
    # Any edit may move the first open due date; one moved to another commitment changes the one it
    # left too.
    Commitment.objects.filter(pk__in=instance.commitments_touched(always=True)).refresh_derived()


@receiver(post_save, sender=Milestone, dispatch_uid="milestone-first-open-due")
def _milestone_changed(sender, instance, created, **kwargs):
    # A milestone is deleted only when nothing is due at it (PROTECT): only a new date matters.
    if not created:
        Commitment.objects.filter(deadlines__milestone=instance).refresh_derived()


@receiver([post_save, post_delete], sender=StatedCount, dispatch_uid="stated-count-derived")
@receiver([post_save, post_delete], sender=Amount, dispatch_uid="amount-derived")
@receiver([post_save, post_delete], sender=Target, dispatch_uid="target-derived")
@receiver([post_save, post_delete], sender=Decision, dispatch_uid="decision-derived")
def _parts_changed(sender, instance, signal, created=False, **kwargs):
    # A part edited in place changes nothing; one added, deleted or moved changes its commitment, and
    # the one it left.
    if touched := instance.commitments_touched(always=created or signal is post_delete):
        Commitment.objects.filter(pk__in=touched).refresh_derived()


@receiver([post_save, post_delete], sender=Commitment, dispatch_uid="commitment-children")
def _children_changed(sender, instance, signal, created=False, raw=False, **kwargs):
    # Its parent gains or loses a part, and the one it left loses one: only then, not at every edit of
    # a part of a busy parent. Loading a fixture, the commitment itself may come after its parts and
    # children (raw saves): it is brought up to date too.
    touched = instance.commitments_touched(always=created or signal is post_delete)
    if touched := touched | ({instance.pk} if raw else set()):
        Commitment.objects.filter(pk__in=touched).refresh_derived()
