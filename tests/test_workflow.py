"""The one path by which a commitment's facts change: submit, publish, reject, decide (workflow.py)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.factory import make_commitment, make_deadline, make_milestone
from tracker.choices import DecisionKind, PublicationState, Status
from tracker.dates import today
from tracker.models import Decision, Reading, Target
from tracker.workflow import publish_update, record_decision, reject_update, report_problems, submit_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("ed")


@pytest.fixture
def commitment():
    return make_commitment(status=Status.IN_PROGRESS)


@pytest.fixture
def target(commitment):
    return Target.objects.create(
        commitment=commitment,
        slug="members",
        name_fr="Membres",
        name_en="Members",
        target_value=60,
        baseline=44,
    )


def _submit(commitment, editor, **fields):
    # Written by someone other than the editor who reviews it: nobody publishes their own report.
    reporter, _created = type(editor).objects.get_or_create(username="reporter")
    return submit_update(commitment=commitment, author=reporter, text="Progress.", **fields)


def test_a_submitted_update_changes_nothing_public(commitment, target, user):
    deadline = make_deadline(commitment)
    _submit(
        commitment,
        user,
        status=Status.ACHIEVED,
        evidence=[{"url": "https://example.org/a"}],
        readings=[(target, Decimal(52))],
        done=[deadline],
    )
    commitment.refresh_from_db()
    deadline.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS
    assert not deadline.is_done
    assert not Reading.objects.exists()


def test_publishing_applies_status_readings_and_deliverables_and_names_the_editor(commitment, target, user):
    deadline = make_deadline(commitment)
    update = _submit(
        commitment,
        user,
        reported_on=datetime.date(2025, 11, 20),
        status=Status.ACHIEVED,
        evidence=[{"url": "https://example.org/proof", "title": "Proof"}],
        readings=[(target, Decimal(52))],
        done=[deadline],
    )
    publish_update(update, by=user)
    commitment.refresh_from_db()
    deadline.refresh_from_db()
    update.refresh_from_db()
    assert (update.state, update.reviewed_by) == (PublicationState.PUBLISHED, user)
    assert commitment.status == Status.ACHIEVED
    assert (deadline.is_done, deadline.done_on) == (True, datetime.date(2025, 11, 20))
    assert commitment.first_open_due is None  # its one deliverable is done: nothing can be overdue
    reading = Reading.objects.get()
    assert (reading.target, reading.value, reading.measured_on) == (target, 52, datetime.date(2025, 11, 20))
    assert (reading.from_update, reading.source_url) == (update, "https://example.org/proof")
    last = commitment.history.first()
    assert (last.history_user, last.history_change_reason) == (user, f"Published progress update {update.pk}")
    assert deadline.history.first().history_user == user


def test_publishing_is_all_or_nothing(commitment, target, user, monkeypatch):
    update = _submit(
        commitment, user, status=Status.STALLED, reason="no_funding", evidence=[{"url": "https://e.org"}]
    )

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("tracker.workflow.assess", broken)
    with pytest.raises(RuntimeError):
        publish_update(update, by=user)
    update.refresh_from_db()
    assert update.state == PublicationState.SUBMITTED


def test_an_update_is_published_once_and_a_published_one_is_not_rejected(commitment, user):
    update = _submit(commitment, user)
    publish_update(update, by=user)
    with pytest.raises(ValidationError):
        publish_update(update, by=user)
    with pytest.raises(ValidationError):
        reject_update(update, by=user, reason="Too late.")


def test_rejecting_needs_a_reason_and_changes_no_status(commitment, user):
    update = _submit(commitment, user, status=Status.ACHIEVED, evidence=[{"url": "https://e.org"}])
    with pytest.raises(ValidationError):
        reject_update(update, by=user, reason="  ")
    reject_update(update, by=user, reason="No evidence of delivery.")
    update.refresh_from_db()
    commitment.refresh_from_db()
    assert (update.state, update.rejection_reason) == (PublicationState.REJECTED, "No evidence of delivery.")
    assert commitment.status == Status.IN_PROGRESS
    publish_update(update, by=user, reconsider=True)  # an editor may change their mind
    commitment.refresh_from_db()
    assert commitment.status == Status.ACHIEVED


@pytest.mark.parametrize(
    ("status", "reason", "links", "problems"),
    [
        ("", "", 0, set()),
        (Status.IN_PROGRESS, "", 0, {"evidence"}),  # the current status too: it becomes an assessment
        (Status.ACHIEVED, "", 0, {"evidence"}),
        (Status.ACHIEVED, "", 1, set()),
        (Status.ACHIEVED, "", 11, {"evidence"}),  # at most ten links
        (Status.STALLED, "", 1, {"reason"}),
        (Status.NOT_ACHIEVED, "", 0, {"reason", "evidence"}),
        (Status.NOT_ACHIEVED, "no_majority", 1, set()),
        (Status.NOT_ASSESSED, "", 1, {"status"}),  # "nobody has checked" is not a report
    ],
)
def test_what_a_report_must_carry(commitment, status, reason, links, problems):
    evidence = [{"url": f"https://e.org/{n}"} for n in range(links)]
    assert set(report_problems(commitment, status=status, reason=reason, evidence=evidence)) == problems


def test_readings_and_deliverables_must_be_the_commitments_own_open_ones(commitment, target):
    other = make_commitment()
    foreign = Target.objects.create(commitment=other, slug="t", name_fr="T", name_en="T", target_value=1)
    done = make_deadline(commitment, is_done=True)
    assert set(report_problems(commitment, readings=[(foreign, Decimal(1))])) == {"readings"}
    assert set(report_problems(commitment, readings=[(target, Decimal(1)), (target, Decimal(2))])) == {
        "readings"
    }
    assert set(report_problems(commitment, readings=[(target, Decimal(-1))])) == {"readings"}
    assert set(report_problems(commitment, done=[make_deadline(other)])) == {"marks_done"}
    assert set(report_problems(commitment, done=[done])) == {"marks_done"}
    assert set(report_problems(commitment, reported_on=datetime.date(2099, 1, 1))) == {"reported_on"}


def test_publishing_an_older_report_leaves_a_newer_status_alone(commitment, user):
    evidence = [{"url": "https://e.org"}]
    newer = _submit(
        commitment, user, reported_on=datetime.date(2025, 12, 1), status=Status.ACHIEVED, evidence=evidence
    )
    older = _submit(
        commitment,
        user,
        reported_on=datetime.date(2025, 6, 1),
        status=Status.STALLED,
        reason="no_funding",
        evidence=evidence,
    )
    publish_update(newer, by=user)
    published = publish_update(older, by=user)
    commitment.refresh_from_db()
    assert commitment.status == Status.ACHIEVED and not published.status_applied
    # The older report is in the history all the same, in its place by date.
    history = commitment.assessment_history()
    assert [(a.status, a.assessed_on) for a in history[:2]] == [
        (Status.ACHIEVED, datetime.date(2025, 12, 1)),
        (Status.STALLED, datetime.date(2025, 6, 1)),
    ]
    assert history[1].previous.status == Status.IN_PROGRESS  # the factory's, of 1 March 2025


def test_a_published_report_becomes_a_dated_assessment_with_its_evidence(commitment, user):
    update = _submit(
        commitment,
        user,
        reported_on=datetime.date(2025, 11, 20),
        status=Status.ACHIEVED,
        language="en",
        evidence=[{"url": "https://example.org/proof"}, {"url": "https://example.org/more"}],
    )
    publish_update(update, by=user)
    commitment.refresh_from_db()
    assessment = commitment.assessments.first()
    assert (assessment.status, assessment.assessed_on, assessment.update) == (
        Status.ACHIEVED,
        datetime.date(2025, 11, 20),
        update,
    )
    assert (assessment.rationale_en, assessment.rationale_fr, assessment.assessed_by) == (
        "Progress.",
        "",
        user,
    )
    assert [(e.url, e.consulted_on) for e in assessment.evidence.all()] == [
        ("https://example.org/proof", today()),  # the day the editor published it
        ("https://example.org/more", today()),
    ]
    assert (commitment.status, commitment.assessed_on) == (Status.ACHIEVED, datetime.date(2025, 11, 20))
    last = commitment.history.first()
    assert (last.history_user, last.history_change_reason) == (user, f"Published progress update {update.pk}")


def test_a_report_without_a_status_is_no_verdict(commitment, user):
    publish_update(_submit(commitment, user), by=user)
    assert commitment.assessments.count() == 1  # the factory's only


def test_a_decision_becomes_an_assessment_in_its_language(commitment, user):
    decision = _decide(
        commitment,
        user,
        kind=DecisionKind.MISSED,
        language="fr",
        evidence_url="https://example.org/rien",
        decided_on=datetime.date(2026, 1, 10),
    )
    assessment = commitment.assessments.first()
    assert (assessment.decision, assessment.status, assessment.rationale_fr) == (
        decision,
        Status.NOT_ACHIEVED,
        "Because.",
    )
    assert [(e.url, e.consulted_on) for e in assessment.evidence.all()] == [
        ("https://example.org/rien", datetime.date(2026, 1, 10))
    ]
    with translation.override("en"):  # shown in the language it was written in, and says so
        assert (assessment.rationale, assessment.rationale_language()) == ("Because.", "fr")


def test_a_verdict_without_evidence_is_refused(commitment, user):
    from tracker.workflow import assess

    with pytest.raises(ValidationError):
        assess(
            commitment,
            status=Status.ACHIEVED,
            by=user,
            on=datetime.date(2026, 1, 1),
            rationale={"en": "x"},
            evidence=[],
        )
    with pytest.raises(ValidationError):  # a web page comes with the day it was consulted
        assess(
            commitment, status=Status.ACHIEVED, by=user, on=datetime.date(2026, 1, 1), rationale={"en": "x"},
            evidence=[{"url": "https://example.org"}],
        )  # fmt: skip
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS


def test_publishing_applies_only_the_commitments_own_targets_and_deadlines(commitment, target, user):
    other = make_commitment()
    foreign_deadline = make_deadline(other)
    update = _submit(commitment, user)
    update.marks_done.add(foreign_deadline)  # as an admin inline could attach it
    publish_update(update, by=user)
    foreign_deadline.refresh_from_db()
    assert not foreign_deadline.is_done


def test_a_stalled_report_without_a_reason_is_refused_by_the_model_too(commitment, user):
    with pytest.raises(ValidationError) as error:
        _submit(commitment, user, status=Status.STALLED)
    assert "reason" in error.value.message_dict


def _decide(commitment, user, **fields):
    return record_decision(Decision(commitment=commitment, reason="Because.", **fields), by=user)


def test_an_extension_moves_the_deadline_and_keeps_the_original_date(commitment, user):
    bratislava = make_milestone(date=datetime.date(2025, 11, 30), date_precision="month")
    deadline = make_deadline(commitment, milestone=bratislava)
    decision = _decide(
        commitment, user, kind=DecisionKind.EXTENDED, deadline=deadline, new_due=datetime.date(2026, 6, 30)
    )
    deadline.refresh_from_db()
    assert deadline.due_date() == datetime.date(2026, 6, 30)
    assert (decision.previous_due, decision.previous_precision) == (datetime.date(2025, 11, 30), "month")
    with translation.override("en"):
        assert decision.previous_due_label() == "November 2025"
    assert deadline.history.first().history_change_reason == f"Review decision {decision.pk}: extended"
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS
    assert commitment.first_open_due == datetime.date(2026, 6, 30)  # no longer overdue in 2026's spring


def test_an_extension_must_move_the_deadline_later(commitment, user):
    deadline = make_deadline(commitment, due_on=datetime.date(2025, 11, 30))
    with pytest.raises(ValidationError) as error:
        _decide(
            commitment, user, kind=DecisionKind.EXTENDED, deadline=deadline, new_due=datetime.date(2025, 1, 1)
        )
    assert "new_due" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _decide(commitment, user, kind=DecisionKind.EXTENDED)
    assert {"deadline", "new_due"} <= set(error.value.message_dict)
    assert not Decision.objects.exists()


def test_a_deadline_of_another_commitment_cannot_be_extended_here(commitment, user):
    other = make_deadline(make_commitment())
    with pytest.raises(ValidationError) as error:
        _decide(
            commitment, user, kind=DecisionKind.EXTENDED, deadline=other, new_due=datetime.date(2027, 1, 1)
        )
    assert "deadline" in error.value.message_dict


@pytest.mark.parametrize(
    ("kind", "fields", "status"),
    [
        (DecisionKind.MISSED, {"evidence_url": "https://example.org/none"}, Status.NOT_ACHIEVED),
        (DecisionKind.ACHIEVED, {"evidence_url": "https://example.org/launch"}, Status.ACHIEVED),
        (DecisionKind.FOLLOWED_UP, {}, Status.IN_PROGRESS),
        (
            DecisionKind.CORRECTION,
            {"new_status": Status.STALLED, "evidence_url": "https://e.org"},
            Status.STALLED,
        ),
        (DecisionKind.CORRECTION, {}, Status.IN_PROGRESS),
    ],
)
def test_verdicts_and_corrections_set_the_status_through_the_workflow(commitment, user, kind, fields, status):
    decision = _decide(commitment, user, kind=kind, **fields)
    commitment.refresh_from_db()
    assert commitment.status == status
    assert decision.previous_status == Status.IN_PROGRESS
    assert decision.decided_by == user
    assert decision.is_public() == (kind != DecisionKind.FOLLOWED_UP)


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (DecisionKind.ACHIEVED, {}),
        (DecisionKind.MISSED, {}),
        (DecisionKind.CORRECTION, {"new_status": Status.STALLED}),
    ],
)
def test_every_verdict_needs_evidence(commitment, user, kind, fields):
    with pytest.raises(ValidationError) as error:
        _decide(commitment, user, kind=kind, **fields)
    assert "evidence_url" in error.value.message_dict
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS
    assert commitment.assessments.count() == 1  # the factory's, and no other
