"""
Verdicts on one named participant of a commitment: where several signatories (or leads, supporters,
funders) each promised the same thing, editors assess each of them apart, as the G7 Research Group
scores each member on each commitment. Only named participants (an `Involvement`) are assessed: those
a source counts without naming (`StatedCount`) stay a number.
"""

from collections import Counter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ..choices import Role, Status
from ..dates import format_fuzzy_date, today
from ..fields import (
    CleanCharField,
    CleanTextField,
    DatesWithPrecision,
    PrecisionField,
    Translated,
    WebAddressField,
)
from .commitments import Involvement
from .sources import Passage


class SignatoryAssessmentQuerySet(models.QuerySet):
    def public(self):
        """Return the assessments the public reads: those of public commitments' participants."""
        return self.filter(involvement__commitment__is_public=True)

    def standing(self):
        """
        Return those of participants still assessed apart (`assessed_apart`, the same rule in SQL): in a
        role of `Role.assessed_each()` that names two or more in their commitment. A verdict left on a
        participant whose fellows were removed, or whose role changed, is kept on record but no longer
        counts: the commitment's page no longer shows it either.
        """
        fellows = (
            Involvement.objects.filter(
                commitment=OuterRef("involvement__commitment"), role=OuterRef("involvement__role")
            )
            .order_by()
            .values("commitment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            self.filter(involvement__role__in=Role.assessed_each())
            .alias(fellows=Subquery(fellows))
            .filter(fellows__gte=2)
        )

    def latest(self):
        """Return each participant's verdict: the newest of its assessments (older ones stay on record)."""
        return self.filter(pk=Subquery(self.newest_of(OuterRef("involvement")).values("pk")[:1]))

    def of_owner(self, owner):
        """
        Return `owner`'s own verdicts, one a commitment as `own_verdict()` reads them (the newest of its
        parts' latest), newest first, each with its commitment: its page counts them by status.
        """
        latest = self.standing().latest().filter(involvement__owner=owner)
        latest = latest.select_related("involvement__commitment")
        seen: set[int] = set()
        verdicts = []
        for assessment in latest.order_by("-assessed_on", "-pk"):
            if assessment.involvement.commitment_id not in seen:
                seen.add(assessment.involvement.commitment_id)
                verdicts.append(assessment)
        return verdicts

    def newest_of(self, involvement):
        """Return the assessments of `involvement` (a row or an OuterRef), newest first."""
        return SignatoryAssessment.objects.filter(involvement=involvement).order_by("-assessed_on", "-pk")


class SignatoryAssessment(DatesWithPrecision):
    """An editor's dated verdict on one named participant of a commitment, with why and on what evidence."""

    involvement = models.ForeignKey(
        Involvement,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("participant"),
        help_text=_("The named owner and its role in the commitment."),
    )
    status = CleanCharField(_("status"), max_length=20, choices=Status)
    assessed_on = models.DateField(_("assessed on"), default=today)
    assessed_precision = PrecisionField(_("precision"))
    rationale_fr = CleanTextField(_("rationale (French)"), blank=True)
    rationale_en = CleanTextField(_("rationale (English)"), blank=True)
    # The evidence, as an assessment of the whole commitment has it (AssessmentEvidence): a passage of
    # a source document, or a web page with the day it was read. One is required.
    passage = models.ForeignKey(
        Passage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatory_assessments",
        verbose_name=_("cited passage"),
    )
    url = WebAddressField(_("web address"), max_length=500, blank=True)
    consulted_on = models.DateField(_("consulted on"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = SignatoryAssessmentQuerySet.as_manager()

    dates_with_precision = (("assessed_on", "assessed_precision"),)
    rationale = Translated()

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("signatory's assessment")
        verbose_name_plural = _("signatories' assessments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(rationale_fr="", rationale_en=""),
                name="signatory_assessment_has_rationale",
                violation_error_message=_("Say why."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.NOT_ASSESSED),
                name="signatory_assessment_is_a_verdict",
                violation_error_message=_(
                    "A participant nobody has assessed shows “not yet assessed” by itself: choose a status."
                ),
            ),
            models.CheckConstraint(
                condition=Q(passage__isnull=False, url="", consulted_on__isnull=True)
                | Q(passage__isnull=True, consulted_on__isnull=False) & ~Q(url=""),
                name="signatory_assessment_evidence",
                violation_error_message=_(
                    "Either a passage, or a web address with the date it was consulted."
                ),
            ),
        ]
        indexes = [
            # A participant's history, newest first, and its latest verdict (`latest()`), read for a
            # commitment's page, an owner's page and its scorecard.
            models.Index(fields=["involvement", "-assessed_on", "-id"], name="signatory_assessment_idx"),
        ]

    def __str__(self):
        return f"{self.involvement} — {self.get_status_display()} ({self.assessed_label()})"

    def clean(self):
        # The constraints' rules on the fields the form shows them on, and the role's.
        super().clean()
        errors = {}
        if self.involvement_id and self.involvement.role not in Role.assessed_each():
            errors["involvement"] = _(
                "Partners take part in someone else's promise: assess the commitment as a whole."
            )
        elif self.involvement_id and len(assessed_apart(self._fellows())) < 2:
            errors["involvement"] = _(
                "It is the only named participant in its role: assess the commitment as a whole."
            )
        if self.status == Status.NOT_ASSESSED:
            errors["status"] = _("Choose the status the evidence shows.")
        if not (self.rationale_fr or self.rationale_en):
            errors["rationale_fr"] = _("Say why, in French or in English.")
        if self.passage_id and (self.url or self.consulted_on):
            errors["passage"] = _("Cite a passage or a web page, not both.")
        elif not self.passage_id and not self.url:
            errors["passage"] = _("Cite a passage, or give a web address with the date it was consulted.")
        elif self.url and not self.consulted_on:
            errors["consulted_on"] = _("Give the date the page was consulted.")
        elif self.consulted_on and not self.url:
            errors["url"] = _("Give the web address consulted on this date.")
        if errors:
            raise ValidationError(errors)

    def _fellows(self) -> list[Involvement]:
        """Return the participants in the same role of the same commitment, this one among them."""
        role = self.involvement.role
        return list(Involvement.objects.filter(commitment_id=self.involvement.commitment_id, role=role))

    def assessed_label(self) -> str:
        """Return the date of the verdict as precisely as it is known ("November 2025")."""
        return format_fuzzy_date(self.assessed_on, self.assessed_precision)

    def rationale_language(self) -> str:
        """Return the language `rationale` is shown in (the other one when the active one is empty)."""
        from ..fields import current_language

        language = current_language()
        return language if getattr(self, f"rationale_{language}") else ("fr" if self.rationale_fr else "en")


def assessed_apart(involvements: list[Involvement]) -> list[Involvement]:
    """
    Return those of a commitment's `involvements` editors assess one by one: in a role each participant
    takes on itself (`Role.assessed_each()`) that names two or more of them. A sole lead's verdict is
    the commitment's own.
    """
    per_role = Counter(involvement.role for involvement in involvements)
    return [i for i in involvements if i.role in Role.assessed_each() and per_role[i.role] >= 2]


def attach_assessments(involvements: list[Involvement], read: bool = True) -> None:
    """
    Give each of `involvements` (of one commitment, read with their owners) its assessments, newest
    first, with their passages, as `shown_assessments`, and its verdict, the newest, as `verdict`
    (None while nobody has assessed it): one query for all, none when there are none to read (or
    not `read`: the commitment has none, `Commitment.has_signatory_assessments`).
    """
    by_pk = {involvement.pk: involvement for involvement in involvements}
    for involvement in involvements:
        involvement.shown_assessments = []
    if by_pk and read:
        assessments = SignatoryAssessment.objects.filter(involvement__in=by_pk)
        assessments = assessments.select_related("passage__source")
        for assessment in assessments.order_by("-assessed_on", "-pk"):
            assessment.involvement = by_pk[assessment.involvement_id]
            assessment.involvement.shown_assessments.append(assessment)
    for involvement in involvements:
        involvement.verdict = next(iter(involvement.shown_assessments), None)


def own_status(owner, commitment: str = "") -> Case:
    """
    Return the status `owner`'s commitment has for it (`owner` a row or an OuterRef; `commitment` the
    path to the commitment from the query's rows, "" for commitments themselves): its own verdict
    where editors assessed it apart, else the commitment's status. The subquery runs only on the
    rows of commitments with such verdicts (`has_signatory_assessments`): a few, where on every row
    it made the owners' list many times slower (docs/signatories.md, "Cost").
    """
    path = f"{commitment}__" if commitment else ""
    status = F(f"{path}status")
    own = own_verdict(owner, OuterRef(commitment or "pk"))
    return Case(
        When(Q(**{f"{path}has_signatory_assessments": True}), then=Coalesce(own, status)), default=status
    )


def own_verdict(owner, commitment) -> Subquery:
    """
    Return the status of `owner`'s own verdict on `commitment` (rows, pks or OuterRefs), NULL while
    editors have not assessed it apart: the newest assessment of any of its parts in the commitment
    (an owner that both leads and signs has one verdict). Owners' scorecards and pages count by it.
    """
    own = SignatoryAssessment.objects.standing().filter(
        involvement__owner=owner, involvement__commitment=commitment
    )
    return Subquery(own.order_by("-assessed_on", "-pk").values("status")[:1])
