"""A small factory for tests: `make_*` functions with sensible defaults, overridable by keyword."""

import datetime
import itertools

from tracker.choices import Axis, CommitmentKind, OwnerKind, PublicationState, Role, Status
from tracker.models import (
    ApiToken,
    Assessment,
    AssessmentEvidence,
    Commitment,
    Deadline,
    Involvement,
    Milestone,
    Owner,
    ProgressUpdate,
    SignatoryAssessment,
    SourceDocument,
    TokenScope,
)

# Zero-padded so that names sort in the order they were made ("00010" after "00009"), whatever
# number a test process has reached.
_numbers = (f"{n:05}" for n in itertools.count(1))


def make_owner(**fields) -> Owner:
    n = next(_numbers)
    defaults = {"slug": f"owner-{n}", "name": f"Owner {n}", "kind": OwnerKind.COUNTRY}
    return Owner.objects.create(**{**defaults, **fields})


def make_source(**fields) -> SourceDocument:
    n = next(_numbers)
    return SourceDocument.objects.create(**{"slug": f"source-{n}", "title": f"Source {n}", **fields})


def make_commitment(*, owner: Owner | None = None, role: str = Role.LEAD, **fields) -> Commitment:
    n = next(_numbers)
    defaults = {
        "slug": f"commitment-{n}",
        "title_fr": f"Engagement {n}",
        "title_en": f"Commitment {n}",
        "summary_fr": "Résumé.",
        "summary_en": "Summary.",
        "axis": Axis.GOVERNANCE,
        "kind": CommitmentKind.INITIATIVE,
        "success_fr": "Il est tenu.",
        "success_en": "It is kept.",
        "announced_on": datetime.date(2025, 2, 10),
    }
    # A status is the latest assessment's: one is made, with its evidence, as the workflow would.
    status = fields.pop("status", Status.IN_PROGRESS)
    commitment = Commitment.objects.create(**{**defaults, **fields})
    Involvement.objects.create(commitment=commitment, owner=owner or make_owner(), role=role)
    if status != Status.NOT_ASSESSED:
        make_assessment(commitment, status)
    return commitment


def make_assessment(commitment: Commitment, status: str, on: datetime.date = datetime.date(2025, 3, 1)):
    assessment = Assessment.objects.create(
        commitment=commitment, status=status, assessed_on=on, rationale_en="Checked."
    )
    AssessmentEvidence.objects.create(
        assessment=assessment, url="https://example.org/evidence", consulted_on=on
    )
    commitment.refresh_verdict()
    return assessment


def make_signatory_assessment(involvement: Involvement, status: str, **fields) -> SignatoryAssessment:
    """An editor's verdict on one named participant, resting on a web page unless a passage is given."""
    defaults = {"assessed_on": datetime.date(2025, 11, 1), "rationale_en": "Checked on its own."}
    if "passage" not in fields:
        defaults |= {"url": "https://example.org/signatory", "consulted_on": datetime.date(2025, 11, 20)}
    assessment = SignatoryAssessment(involvement=involvement, status=status, **{**defaults, **fields})
    assessment.full_clean()
    assessment.save()
    return assessment


def make_milestone(**fields) -> Milestone:
    n = next(_numbers)
    defaults = {"slug": f"milestone-{n}", "name_fr": f"Jalon {n}", "name_en": f"Milestone {n}"}
    return Milestone.objects.create(**{**defaults, "date": datetime.date(2025, 11, 30), **fields})


def make_deadline(commitment: Commitment, **fields) -> Deadline:
    n = next(_numbers)
    defaults = {"slug": f"deadline-{n}", "title_fr": f"Livrable {n}", "title_en": f"Deliverable {n}"}
    if "milestone" not in fields and "due_on" not in fields:
        defaults["due_on"] = datetime.date(2025, 11, 30)
    return Deadline.objects.create(commitment=commitment, **{**defaults, **fields})


def make_update(commitment: Commitment, **fields) -> ProgressUpdate:
    defaults = {
        "text": "Progress.",
        "state": PublicationState.PUBLISHED,
        "reported_on": datetime.date(2025, 6, 1),
    }
    return ProgressUpdate.objects.create(commitment=commitment, **{**defaults, **fields})


def api_key(user, scope: str = TokenScope.WRITE, **fields) -> str:
    """Return the key of a new API token of `user`: what a client sends as `Authorization: Token <key>`."""
    _token, key = ApiToken.objects.create(user=user, scope=scope, **fields)
    return key
