"""Migration 0012: every status set before assessments existed gets the assessment that backs it."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("tracker", "0011_assessments_and_citations")]
AFTER = [("tracker", "0012_assessments_from_past_verdicts")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_past_statuses_get_the_assessment_of_what_set_them_or_none():
    apps = migrate(BEFORE)
    try:
        Commitment = apps.get_model("tracker", "Commitment")
        ProgressUpdate = apps.get_model("tracker", "ProgressUpdate")
        Decision = apps.get_model("tracker", "Decision")

        def commitment(slug, status):
            return Commitment.objects.create(
                slug=slug, title_fr="T", title_en="T", summary_fr="R", summary_en="S", axis="governance",
                kind="initiative", status=status, announced_on=datetime.date(2025, 2, 28),
                success_fr="Tenu.", success_en="Kept.",
            )  # fmt: skip

        reported = commitment("reported", "in_progress")
        update = ProgressUpdate.objects.create(
            commitment=reported, text="Work began.", language="en", status="in_progress", state="published",
            reported_on=datetime.date(2025, 6, 1),
        )  # fmt: skip
        update.evidence.create(url="https://example.org/began")
        decided = commitment("decided", "not_achieved")
        Decision.objects.create(
            commitment=decided, kind="missed", new_status="not_achieved", reason="Rien.", language="fr",
            evidence_url="https://example.org/rien", decided_on=datetime.date(2025, 12, 1),
        )  # fmt: skip
        commitment("unbacked", "achieved")  # set in the data files, with nothing behind it
        commitment("untouched", "not_assessed")

        apps = migrate(AFTER)
        Commitment = apps.get_model("tracker", "Commitment")
        statuses = dict(Commitment.objects.values_list("slug", "status"))
        assert statuses == {
            "reported": "in_progress",
            "decided": "not_achieved",
            "unbacked": "not_assessed",
            "untouched": "not_assessed",
        }
        reported = Commitment.objects.get(slug="reported")
        (assessment,) = reported.assessments.all()
        assert (assessment.assessed_on, assessment.rationale_en, assessment.update_id) == (
            datetime.date(2025, 6, 1),
            "Work began.",
            update.pk,
        )
        assert [e.url for e in assessment.evidence.all()] == ["https://example.org/began"]
        assert reported.assessed_on == datetime.date(2025, 6, 1)
        decided = Commitment.objects.get(slug="decided").assessments.get()
        consulted = decided.evidence.get().consulted_on
        assert (decided.rationale_fr, consulted) == ("Rien.", datetime.date(2025, 12, 1))
        assert not Commitment.objects.get(slug="unbacked").assessments.exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
