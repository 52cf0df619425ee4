"""
How a commitment's facts change once it is tracked: owners report, editors publish, reject and decide.

A commitment's public status is the latest of its assessments, and assessments are made here only
(`assess`): from a published progress update or an editor's review decision (and, for the loaded data,
by the loader, from the source documents). The web forms, the admin and the API all call these
functions. Each runs in one transaction and names its author and cause in the history
(django-simple-history).
"""

import datetime
import functools
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import DecisionKind, PublicationState, Status
from .dates import DatePrecision, today
from .fields import clean_text, current_language
from .models import (
    Assessment,
    AssessmentEvidence,
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
from .reminders import plan_submission

MAX_EVIDENCE_LINKS = 10

# Which publication states an update may move to, and from which (publish_update, reject_update).
TRANSITIONS = {
    PublicationState.SUBMITTED: {PublicationState.PUBLISHED, PublicationState.REJECTED},
    PublicationState.REJECTED: {PublicationState.PUBLISHED},  # an editor may change their mind
    # A published fact is never deleted: a correction retracts it, saying why (record_decision).
    PublicationState.PUBLISHED: {PublicationState.RETRACTED},
    PublicationState.RETRACTED: set(),
}


def report_problems(
    commitment: Commitment,
    *,
    status: str = "",
    reason: str = "",
    reported_on: datetime.date | None = None,
    evidence: Iterable[dict] = (),
    readings: Iterable[tuple[Target, Decimal]] = (),
    done: Iterable[Deadline] = (),
) -> dict:
    """
    Return what stops a progress report from being submitted, as {field: message}; empty when nothing.

    The rules of a report, for the web form, the API and `submit_update` alike: a reported status links
    to evidence (it becomes an assessment); "stalled" and "not achieved" say why; "not yet assessed" is
    not a report; the report is not dated in the future; readings are of this commitment's targets, one
    each, not negative; deliverables are this commitment's open ones.
    """
    problems = {}
    evidence, readings, done = list(evidence), list(readings), list(done)
    if status == Status.NOT_ASSESSED:
        problems["status"] = _("“Not yet assessed” means that nobody has checked; report another status.")
    if status and not evidence:
        problems["evidence"] = _("An update that reports a status needs at least one evidence link.")
    elif len(evidence) > MAX_EVIDENCE_LINKS:
        problems["evidence"] = _("At most %(n)d evidence links.") % {"n": MAX_EVIDENCE_LINKS}
    if status in Status.needing_reason() and not reason:
        problems["reason"] = _("Say why the commitment is stalled or not achieved.")
    if reported_on and reported_on > today():
        problems["reported_on"] = _("A report cannot be dated in the future.")
    targets = [target.pk for target, _value in readings]
    if any(target.commitment_id != commitment.pk for target, _value in readings):
        problems["readings"] = _("A reading must be for one of this commitment’s targets.")
    elif len(set(targets)) != len(targets):
        problems["readings"] = _("Give one reading per target.")
    elif any(value < 0 for _target, value in readings):
        problems["readings"] = _("A reading cannot be negative.")
    if any(d.commitment_id != commitment.pk or d.is_done for d in done):
        problems["marks_done"] = _("A deliverable must be one of this commitment’s open deadlines.")
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
    language: str = "",
    evidence: Iterable[dict] = (),
    readings: Iterable[tuple[Target, Decimal]] = (),
    done: Iterable[Deadline] = (),
) -> ProgressUpdate:
    """Record a progress report as submitted, with its evidence links, readings and done deliverables."""
    evidence, readings, done = list(evidence), list(readings), list(done)
    problems = report_problems(
        commitment,
        status=status,
        reason=reason,
        reported_on=reported_on,
        evidence=evidence,
        readings=readings,
        done=done,
    )
    if problems:
        raise ValidationError(problems)
    update = ProgressUpdate(
        commitment=commitment,
        author=author,
        on_behalf_of=on_behalf_of,
        reported_on=reported_on or today(),
        status=status,
        reason=reason,
        text=text,
        language=language or current_language(),
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
    # Planned in this transaction, so that the update and its notices to the editors exist together;
    # sent once it commits (or by the next delivery run when no worker can be asked now).
    plan_submission(update)
    transaction.on_commit(functools.partial(_deliver_soon, update.commitment_id))
    return update


def publishing_problem(update: ProgressUpdate, by, *, reconsider: bool = False) -> str:
    """
    Return why `by` may not publish `update` now, or "" (publish_update, and the admin's form before it
    saves anything). Nobody publishes their own report: another editor reviews it. A rejected update
    is published only by an editor who saw that it was rejected (`reconsider`), so that a publication
    and a rejection sent at the same moment cannot both succeed.
    """
    if PublicationState.PUBLISHED not in TRANSITIONS[update.state]:
        return (
            _("This update is already published.")
            if update.state == PublicationState.PUBLISHED
            else (_("This update was retracted: it cannot be published again."))
        )
    if update.state == PublicationState.REJECTED and not reconsider:
        return _(
            "Another editor rejected this update meanwhile. Read their reason; publish it after all "
            "from its page if you still think it right."
        )
    if by is not None and update.author_id is not None and update.author_id == by.pk:
        return _("You wrote this update: another editor reviews and publishes it.")
    return ""


@transaction.atomic
def publish_update(update: ProgressUpdate, by, *, reconsider: bool = False) -> ProgressUpdate:
    """
    Make a submitted (or, `reconsider`ed, earlier rejected) update public and apply what it reports: its
    readings (dated on the update's date), the deliverables it reports done, and its status, as an
    assessment dated on the update's date. That is the commitment's status unless a later assessment
    exists (`update.status_applied` says).
    """
    # Locked, so that two editors publishing at once apply it once.
    update = (
        ProgressUpdate.objects.select_for_update(of=("self",)).select_related("commitment").get(pk=update.pk)
    )
    problem = publishing_problem(update, by, reconsider=reconsider)
    if problem:
        raise ValidationError(problem)
    commitment = update.commitment
    update.state, update.reviewed_by, update.reviewed_at = PublicationState.PUBLISHED, by, timezone.now()
    update.rejection_reason = ""
    _save(update, by, ["state", "reviewed_by", "reviewed_at", "rejection_reason", "updated_at"])
    cause = f"Published progress update {update.pk}"
    first_link = update.evidence.order_by("pk").first()
    # Only this commitment's targets and deadlines, whatever was attached (the admin does not filter).
    for reported in update.reported_readings.filter(target__commitment=commitment).select_related("target"):
        reading = Reading.objects.filter(target=reported.target, measured_on=update.reported_on).first()
        reading = reading or Reading(target=reported.target, measured_on=update.reported_on)
        reading.value, reading.measured_precision = reported.value, DatePrecision.DAY
        reading.from_update, reading.source_url = update, first_link.url if first_link else ""
        reading._change_reason = cause
        _save(reading, by)
    for deadline in update.marks_done.filter(commitment=commitment, is_done=False):
        deadline.is_done, deadline.done_on = True, update.reported_on
        deadline.done_precision = DatePrecision.DAY
        deadline._change_reason = cause
        _save(deadline, by, ["is_done", "done_on", "done_precision"])
    update.status_applied = False
    if update.status:
        consulted = timezone.localdate()  # the reviewer opened the links before publishing
        assessment = assess(
            commitment,
            status=update.status,
            by=by,
            on=update.reported_on,
            rationale={update.language: update.text},
            evidence=[
                {"url": link.url, "consulted_on": consulted} for link in update.evidence.order_by("pk")
            ],
            update=update,
            cause=cause,
        )
        update.status_applied = commitment.assessments.filter(retracted_by=None).first() == assessment
    _announce_on_commit()
    return update


@transaction.atomic
def reject_update(update: ProgressUpdate, by, reason: str) -> ProgressUpdate:
    """Keep a submitted update off the public site, with the editor's reason for its author to read."""
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if PublicationState.REJECTED not in TRANSITIONS[update.state]:
        raise ValidationError(
            _(
                "Only a submitted update can be rejected (another editor may have reviewed it "
                "meanwhile); correct a published one with a decision."
            )
        )
    reason = clean_text(reason)  # as it will be stored: control characters alone are no reason
    if not reason.strip():
        raise ValidationError({"rejection_reason": _("Say why the update is rejected.")})
    update.state, update.reviewed_by, update.reviewed_at = PublicationState.REJECTED, by, timezone.now()
    update.rejection_reason = reason.strip()
    _save(update, by, ["state", "reviewed_by", "reviewed_at", "rejection_reason", "updated_at"])
    return update


@transaction.atomic
def lock_decided(commitment_id, deadline_id=None, update_id=None):
    """
    Lock and read afresh the rows a decision changes: its commitment, the deadline it extends or finds
    missed, the update it retracts (each None when not named). Two editors deciding at once then see
    each other's work: an update already retracted, a deadline already moved. A form that validates
    in the transaction that saves (the admin's) locks them before validating, so that what it
    validated still holds when `record_decision()` applies it.
    """
    commitment = Commitment.objects.select_for_update().get(pk=commitment_id) if commitment_id else None
    deadline = (
        Deadline.objects.select_for_update(of=("self",)).select_related("milestone").get(pk=deadline_id)
        if deadline_id
        else None
    )
    update = ProgressUpdate.objects.select_for_update().get(pk=update_id) if update_id else None
    return commitment, deadline, update


def record_decision(decision: Decision, by) -> Decision:
    """
    Record an editor's review decision and apply it: an extension moves its deadline (the decision
    keeps the original date), "missed" and "achieved" set the status, a correction may restore one,
    and may retract a published update (`_retract`).
    """
    commitment, deadline, retracted = lock_decided(
        decision.commitment_id, decision.deadline_id, decision.retracts_id
    )
    decision.commitment, decision.decided_by = commitment, by
    decision.deadline, decision.retracts = deadline, retracted
    decision.previous_status = commitment.status
    verdict = DecisionKind(decision.kind).sets_status if decision.kind in DecisionKind.values else ""
    decision.new_status = verdict or decision.new_status
    if decision.kind == DecisionKind.EXTENDED and deadline is not None:
        decision.previous_due = deadline.due_date()
        decision.previous_precision = deadline.due_date_precision()
    decision.full_clean()
    _save(decision, by)
    cause = f"Review decision {decision.pk}: {decision.kind}"
    if decision.retracts_id:
        _retract(decision, by, cause)
    if decision.kind == DecisionKind.EXTENDED:
        deadline.due_on, deadline.due_precision = decision.new_due, decision.new_precision
        deadline._change_reason = cause
        _save(deadline, by, ["due_on", "due_precision"])
    if decision.new_status:
        assess(
            commitment,
            status=decision.new_status,
            by=by,
            on=decision.decided_on,
            rationale={decision.language: decision.reason},
            evidence=[{"url": decision.evidence_url, "consulted_on": decision.decided_on}],
            decision=decision,
            cause=cause,
        )
    _announce_on_commit()
    return decision


def _retract(decision: Decision, by, cause: str) -> None:
    """
    Withdraw a published update from the public record and undo what publishing it applied: its
    assessment stays in the history, marked, but no longer gives the status, and the readings it
    reported leave the charts (the history keeps them). Deliverables it marked done stay done: whether
    they were is a fact of its own, which an editor corrects on the deadline.
    """
    update = decision.retracts
    update.state = PublicationState.RETRACTED
    _save(update, by, ["state", "updated_at"])
    update.assessments.update(retracted_by=decision)
    for reading in Reading.objects.filter(from_update=update):
        reading._history_user, reading._change_reason = by, cause
        reading.delete()
    if not decision.new_status:
        decision.commitment.refresh_verdict(by, cause)


def assess(
    commitment: Commitment,
    *,
    status: str,
    by,
    on: datetime.date,
    rationale: dict[str, str],
    evidence: Iterable[dict],
    precision: str = DatePrecision.DAY,
    update: ProgressUpdate | None = None,
    decision: Decision | None = None,
    cause: str = "",
) -> Assessment:
    """
    Record a dated verdict on `commitment` with its rationale ({language: text}) and evidence (each
    {"passage": Passage} or {"url": …, "consulted_on": date}); the commitment then takes the status of
    its latest assessment (`Commitment.refresh_verdict`). The one place a status changes.
    """
    evidence = [AssessmentEvidence(**item) for item in evidence]
    if not evidence:
        raise ValidationError(_("A verdict needs at least one piece of evidence."))
    assessment = Assessment(
        commitment=commitment,
        status=status,
        assessed_on=on,
        assessed_precision=precision,
        assessed_by=by,
        from_sources=by is None,
        update=update,
        decision=decision,
        **{f"rationale_{language}": text.strip() for language, text in rationale.items()},
    )
    assessment.full_clean()
    assessment.save()
    for item in evidence:
        item.assessment = assessment
        item.full_clean()
    AssessmentEvidence.objects.bulk_create(evidence)
    commitment.refresh_verdict(by, cause)
    return assessment


def _announce_on_commit() -> None:
    """Tell the commitment's followers once the change is public (tracker/following.py)."""
    from .tasks import announce_soon  # the tasks import the reminders, which import much of the app

    transaction.on_commit(announce_soon)


def _deliver_soon(commitment_id: int) -> None:
    from .tasks import deliver_soon

    deliver_soon(commitment_id)


def _save(instance, by, fields: list[str] | None = None) -> None:
    # The history names the editor even outside a web request (the API's tokens, commands, tasks).
    instance._history_user = by
    instance.save(update_fields=fields)
