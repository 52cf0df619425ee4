"""
How a commitment's facts change once it is tracked: owners report, editors publish, reject and decide.

A commitment's public status changes here only — through a published progress update or an editor's
review decision — and the web forms, the admin and the API all call these functions. Each runs in one
transaction and names its author and cause in the history (django-simple-history).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import DecisionKind, PublicationState, Status
from .dates import DatePrecision, today
from .models import (
    Commitment,
    Deadline,
    Decision,
    Evidence,
    Owner,
    ProgressUpdate,
    Reading,
    ReportedReading,
    Target,
)


def report_problems(commitment: Commitment, status: str, reason: str, evidence_count: int) -> dict:
    """
    Return what a progress report lacks before it may be submitted, as {field: message}.

    An update that changes the status must link to evidence; one that reports a commitment stalled or
    not achieved must say why. The web form and the API both ask this.
    """
    problems = {}
    if status and status != commitment.status and not evidence_count:
        problems["evidence"] = _("An update that changes the status needs at least one evidence link.")
    if status in Status.needing_reason() and not reason:
        problems["reason"] = _("Say why the commitment is stalled or not achieved.")
    return problems


@transaction.atomic
def submit_update(
    *,
    commitment: Commitment,
    author,
    text: str,
    on_behalf_of: Owner | None = None,
    reported_on: datetime.date | None = None,
    status: str = "",
    reason: str = "",
    evidence: Iterable[dict] = (),
    readings: Iterable[tuple[Target, Decimal]] = (),
    done: Iterable[Deadline] = (),
) -> ProgressUpdate:
    """Record a progress report as submitted, with its evidence links, readings and done deliverables."""
    update = ProgressUpdate(
        commitment=commitment,
        author=author,
        on_behalf_of=on_behalf_of,
        reported_on=reported_on or today(),
        status=status,
        reason=reason,
        text=text,
        state=PublicationState.SUBMITTED,
    )
    update._history_user = author
    update.full_clean()
    update.save()
    Evidence.objects.bulk_create(
        Evidence(update=update, url=link["url"], title=link.get("title", "")) for link in evidence
    )
    ReportedReading.objects.bulk_create(
        ReportedReading(update=update, target=target, value=value) for target, value in readings
    )
    update.marks_done.set(done)
    return update


@transaction.atomic
def publish_update(update: ProgressUpdate, by) -> ProgressUpdate:
    """
    Make a submitted (or earlier rejected) update public and apply what it reports: the commitment's
    status, its readings (dated on the update's date) and the deliverables it reports done.
    """
    # Locked, so that two editors publishing at once apply it once.
    update = ProgressUpdate.objects.select_for_update().select_related("commitment").get(pk=update.pk)
    if update.state == PublicationState.PUBLISHED:
        raise ValidationError(_("This update is already published."))
    update.state, update.reviewed_by, update.reviewed_at = PublicationState.PUBLISHED, by, timezone.now()
    update.rejection_reason = ""
    _save(update, by, ["state", "reviewed_by", "reviewed_at", "rejection_reason", "updated_at"])
    cause = f"Published progress update {update.pk}"
    first_link = update.evidence.order_by("pk").first()
    for reported in update.reported_readings.select_related("target"):
        reading = Reading.objects.filter(target=reported.target, measured_on=update.reported_on).first()
        reading = reading or Reading(target=reported.target, measured_on=update.reported_on)
        reading.value, reading.measured_precision = reported.value, DatePrecision.DAY
        reading.from_update = update
        reading.source_url = reading.source_url or (first_link.url if first_link else "")
        reading._change_reason = cause
        _save(reading, by)
    for deadline in update.marks_done.filter(is_done=False):
        deadline.is_done, deadline.done_on = True, update.reported_on
        deadline.done_precision = DatePrecision.DAY
        deadline._change_reason = cause
        _save(deadline, by, ["is_done", "done_on", "done_precision"])
    if update.status:
        _set_status(update.commitment, update.status, by, cause)
    return update


@transaction.atomic
def reject_update(update: ProgressUpdate, by, reason: str) -> ProgressUpdate:
    """Keep a submitted update off the public site, with the editor's reason for its author to read."""
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if update.state != PublicationState.SUBMITTED:
        raise ValidationError(
            _("Only a submitted update can be rejected; correct a published one with a decision.")
        )
    if not reason.strip():
        raise ValidationError({"rejection_reason": _("Say why the update is rejected.")})
    update.state, update.reviewed_by, update.reviewed_at = PublicationState.REJECTED, by, timezone.now()
    update.rejection_reason = reason.strip()
    _save(update, by, ["state", "reviewed_by", "reviewed_at", "rejection_reason", "updated_at"])
    return update


@transaction.atomic
def record_decision(decision: Decision, by) -> Decision:
    """
    Record an editor's review decision and apply it: an extension moves its deadline (the decision
    keeps the original date), "missed" and "achieved" set the status, a correction may restore one.
    """
    commitment = Commitment.objects.select_for_update().get(pk=decision.commitment_id)
    decision.commitment, decision.decided_by = commitment, by
    decision.previous_status = commitment.status
    decision.new_status = DecisionKind(decision.kind).sets_status or decision.new_status
    deadline = decision.deadline
    if decision.kind == DecisionKind.EXTENDED and deadline is not None:
        decision.previous_due = deadline.due_date()
        decision.previous_precision = deadline.due_date_precision()
    decision.full_clean()
    _save(decision, by)
    cause = f"Review decision {decision.pk}: {decision.kind}"
    if decision.kind == DecisionKind.EXTENDED:
        deadline.due_on, deadline.due_precision = decision.new_due, decision.new_precision
        deadline._change_reason = cause
        _save(deadline, by, ["due_on", "due_precision"])
    if decision.new_status:
        _set_status(commitment, decision.new_status, by, cause)
    return decision


def _set_status(commitment: Commitment, status: str, by, cause: str) -> None:
    """The one place a commitment's status changes (see the module's docstring)."""
    if commitment.status == status:
        return
    commitment.status = status
    commitment._change_reason = cause
    _save(commitment, by, ["status", "updated_at"])


def _save(instance, by, fields: list[str] | None = None) -> None:
    # The history names the editor even outside a web request (the API's tokens, commands, tasks).
    instance._history_user = by
    instance.save(update_fields=fields)
