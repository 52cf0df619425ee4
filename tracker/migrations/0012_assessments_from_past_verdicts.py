"""
Give every status already set an assessment: from the published update or the decision that set it,
with its evidence. A status no evidence backs goes back to "not yet assessed" (loading the summit's
data with `load_summit --update` then adds the verdicts the source documents support).
"""

from django.db import migrations


def assess_past_verdicts(apps, schema_editor):
    Commitment = apps.get_model("tracker", "Commitment")
    Assessment = apps.get_model("tracker", "Assessment")
    AssessmentEvidence = apps.get_model("tracker", "AssessmentEvidence")
    ProgressUpdate = apps.get_model("tracker", "ProgressUpdate")
    Decision = apps.get_model("tracker", "Decision")
    for commitment in Commitment.objects.exclude(status="not_assessed").filter(assessments__isnull=True):
        update = (
            ProgressUpdate.objects.filter(commitment=commitment, state="published", status=commitment.status)
            .filter(evidence__isnull=False)
            .order_by("-reported_on", "-pk")
            .first()
        )
        decision = (
            Decision.objects.filter(commitment=commitment, new_status=commitment.status)
            .exclude(evidence_url="")
            .order_by("-decided_on", "-pk")
            .first()
        )
        if decision and (update is None or decision.decided_on >= update.reported_on):
            assessment = Assessment.objects.create(
                commitment=commitment,
                status=decision.new_status,
                assessed_on=decision.decided_on,
                **{f"rationale_{decision.language}": decision.reason},
                assessed_by_id=decision.decided_by_id,
                decision=decision,
            )
            AssessmentEvidence.objects.create(
                assessment=assessment, url=decision.evidence_url, consulted_on=decision.decided_on
            )
        elif update:
            consulted = update.reviewed_at.date() if update.reviewed_at else update.reported_on
            assessment = Assessment.objects.create(
                commitment=commitment,
                status=update.status,
                assessed_on=update.reported_on,
                **{f"rationale_{update.language}": update.text},
                assessed_by_id=update.reviewed_by_id,
                update=update,
            )
            for link in update.evidence.all():
                AssessmentEvidence.objects.create(assessment=assessment, url=link.url, consulted_on=consulted)
        else:
            commitment.status = "not_assessed"
            commitment.save(update_fields=["status"])
            continue
        commitment.assessed_on = assessment.assessed_on
        commitment.save(update_fields=["assessed_on"])


class Migration(migrations.Migration):
    dependencies = [("tracker", "0011_assessments_and_citations")]

    operations = [migrations.RunPython(assess_past_verdicts, migrations.RunPython.noop)]
