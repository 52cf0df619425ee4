"""Progress updates that owners' representatives log, with their evidence and reported readings."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import (
    Language,
    PublicationState,
    Status,
    StatusReason,
)
from ..dates import today
from ..fields import (
    CleanCharField,
    CleanTextField,
    Timestamped,
    WebAddressField,
)
from ..markup import validate_markdown
from .commitments import Commitment
from .deliverables import Target
from .owners import Owner
from .querysets import ProgressUpdateQuerySet


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
    status = CleanCharField(
        _("reported status"), max_length=20, choices=Status, blank=True, help_text=_("Empty when unchanged.")
    )
    reason = CleanCharField(
        _("reason"),
        max_length=20,
        choices=StatusReason,
        blank=True,
        help_text=_("Why the commitment is stalled or not achieved."),
    )
    text = CleanTextField(
        _("text"),
        help_text=_("Markdown: paragraphs, lists, emphasis and links."),
        validators=[validate_markdown],
    )
    language = CleanCharField(
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
    state = CleanCharField(
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
    rejection_reason = CleanTextField(_("reason for rejection"), blank=True)

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

    def choice_label(self) -> str:
        """How a form's list of a commitment's updates names one: its date and who reported."""
        who = self.on_behalf_of.display_name if self.on_behalf_of_id else gettext("the editors")
        return f"{date_format(self.reported_on)} — {who}"

    def clean(self):
        # Attached to the fields, where the forms show them (the constraints' messages are form-wide).
        if self.state == PublicationState.REJECTED and not self.rejection_reason:
            raise ValidationError({"rejection_reason": _("Say why the update is rejected.")})
        if self.status in Status.needing_reason() and not self.reason:
            raise ValidationError({"reason": _("Say why the commitment is stalled or not achieved.")})

    def is_on_record(self) -> bool:
        """
        Return True once the update was made public: then it is retracted (Decision.retracts), never
        deleted, except by a superuser (the admins' has_delete_permission).
        """
        return self.state in (PublicationState.PUBLISHED, PublicationState.RETRACTED)

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
    title = CleanCharField(_("title"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["update_id", "pk"]
        verbose_name = _("evidence link")

    def __str__(self):
        return self.title or self.url

    def is_on_record(self) -> bool:
        return self.update.is_on_record()


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

    def is_on_record(self) -> bool:
        return self.update.is_on_record()
