"""What editors decide, and the dated assessments every status rests on."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import (
    AssessmentOrigin,
    DecisionKind,
    Language,
    PublicationState,
    Status,
)
from ..dates import format_fuzzy_date, today
from ..fields import (
    CleanCharField,
    CleanTextField,
    DatesWithPrecision,
    PrecisionField,
    Timestamped,
    Translated,
    WebAddressField,
)
from ..markup import render_markdown
from .commitments import Commitment, RemembersCommitment
from .deliverables import Deadline
from .querysets import DecisionQuerySet
from .sources import Passage
from .updates import ProgressUpdate


class Decision(RemembersCommitment, DatesWithPrecision, Timestamped):
    """
    An editor's review decision on a commitment: a deadline extended, the commitment marked missed or
    achieved, a follow-up noted, or a published fact corrected. Applied by tracker/workflow.py.
    """

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="decisions")
    kind = CleanCharField(_("decision"), max_length=20, choices=DecisionKind)
    deadline = models.ForeignKey(
        Deadline,
        on_delete=models.RESTRICT,
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
    previous_status = CleanCharField(_("status before"), max_length=20, choices=Status, blank=True)
    new_status = CleanCharField(
        _("status after"),
        max_length=20,
        choices=Status,
        blank=True,
        help_text=_("For a correction: the status the commitment should have had; empty to keep it."),
    )
    reason = CleanTextField(_("reason"), help_text=_("Shown to the public, except for follow-ups."))
    language = CleanCharField(_("written in"), max_length=2, choices=Language, default=Language.FRENCH)
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
    retracts = models.OneToOneField(
        ProgressUpdate,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="retraction",
        verbose_name=_("retracts"),
        help_text=_(
            "For a correction: the published update it withdraws from the public record. Its status "
            "then no longer counts and the readings it reported leave the charts."
        ),
    )

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
        if self.retracts_id:
            errors.update(self._retraction_problems())
        if errors:
            raise ValidationError(errors)

    def _retraction_problems(self) -> dict:
        if self.kind != DecisionKind.CORRECTION:
            return {"retracts": _("Only a correction retracts an update.")}
        if self.commitment_id and self.retracts.commitment_id != self.commitment_id:
            return {"retracts": _("This update is about another commitment.")}
        if self._state.adding and self.retracts.state != PublicationState.PUBLISHED:
            return {"retracts": _("Only a published update can be retracted.")}
        return {}

    def is_public(self) -> bool:
        """Return True when the decision changes what the public sees (follow-ups are the editors' own)."""
        return self.kind in DecisionKind.public()

    def is_on_record(self) -> bool:
        """Return True for what the public reads: a decision answers a mistake, it is not deleted."""
        return self.is_public()

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
        if self.retracts_id:
            return gettext("a progress update retracted")
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
    status = CleanCharField(_("status"), max_length=20, choices=Status)
    assessed_on = models.DateField(_("assessed on"), default=today)
    assessed_precision = PrecisionField(_("precision"))
    rationale_fr = CleanTextField(_("rationale (French)"), blank=True)
    rationale_en = CleanTextField(_("rationale (English)"), blank=True)
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
    # RESTRICT rather than PROTECT, here and for a decision's deadline and retracted update: what an
    # assessment rests on is not deleted from under it, yet a superuser deleting the whole commitment
    # takes them all together.
    update = models.ForeignKey(
        ProgressUpdate, on_delete=models.RESTRICT, null=True, blank=True, related_name="assessments"
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.RESTRICT, null=True, blank=True, related_name="assessments"
    )
    # Set when the update it was made from is retracted: kept in the public history, marked, and no
    # longer the commitment's verdict (Commitment.refresh_verdict).
    retracted_by = models.ForeignKey(
        Decision,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="retracted_assessments",
        verbose_name=_("retracted by"),
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

    def origin(self) -> AssessmentOrigin:
        """Return what it was made from: a published update, an editors' decision, else the sources."""
        return AssessmentOrigin.of(self.update_id, self.decision_id)

    def rationale_html(self) -> str:
        """
        Return `rationale` as HTML, as the commitment's page and the API show it: an update's text is
        Markdown (cleaned, tracker/markup.py), another rationale plain text in a paragraph.
        """
        if self.update_id:
            return mark_safe(render_markdown(self.rationale))  # noqa: S308 - nh3 has cleaned it
        return format_html("<p>{}</p>", linebreaksbr(self.rationale, autoescape=True))

    def rationale_language(self) -> str:
        """Return the language `rationale` is shown in (the other one when the active one is empty)."""
        from ..fields import current_language

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
