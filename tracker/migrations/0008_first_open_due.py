from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill_first_open_due(apps, schema_editor):
    """The earliest date an open deliverable is due by, as CommitmentQuerySet.refresh_derived()
    computes it (written out here: a migration must not change when the code does)."""
    Commitment = apps.get_model("tracker", "Commitment")
    Deadline = apps.get_model("tracker", "Deadline")
    earliest = (
        Deadline.objects.filter(commitment=OuterRef("pk"), is_done=False)
        .values("commitment")
        .annotate(earliest=Min(Coalesce("due_on", "milestone__date")))
        .values("earliest")
    )
    Commitment.objects.update(first_open_due=Subquery(earliest))


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0007_public_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="first_open_due",
            field=models.DateField(editable=False, null=True, verbose_name="first open deliverable due"),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["first_open_due", "id"], name="commitment_first_open_due_idx"),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(
                condition=models.Q(("is_public", True)),
                fields=["axis", "status"],
                include=["first_open_due", "id"],
                name="commitment_counts_idx",
            ),
        ),
        migrations.RunPython(fill_first_open_due, migrations.RunPython.noop),
    ]
