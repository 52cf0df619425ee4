from django.db import migrations, models
from django.db.models import Exists, OuterRef


def fill_parts(apps, schema_editor):
    """Which parts each commitment has, as CommitmentQuerySet.refresh_derived() computes it (written out
    here: a migration must not change when the code does)."""
    Commitment = apps.get_model("tracker", "Commitment")

    def any_of(model_name, link="commitment"):
        model = apps.get_model("tracker", model_name)
        return Exists(model.objects.filter(**{link: OuterRef("pk")}))

    Commitment.objects.update(
        has_stated_counts=any_of("StatedCount"),
        has_amounts=any_of("Amount"),
        has_targets=any_of("Target"),
        has_children=any_of("Commitment", link="parent"),
        has_decisions=any_of("Decision"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0008_first_open_due"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="has_stated_counts",
            field=models.BooleanField(default=False, db_default=False, editable=False),
        ),
        migrations.AddField(
            model_name="commitment",
            name="has_amounts",
            field=models.BooleanField(default=False, db_default=False, editable=False),
        ),
        migrations.AddField(
            model_name="commitment",
            name="has_targets",
            field=models.BooleanField(default=False, db_default=False, editable=False),
        ),
        migrations.AddField(
            model_name="commitment",
            name="has_children",
            field=models.BooleanField(default=False, db_default=False, editable=False),
        ),
        migrations.AddField(
            model_name="commitment",
            name="has_decisions",
            field=models.BooleanField(default=False, db_default=False, editable=False),
        ),
        migrations.RunPython(fill_parts, migrations.RunPython.noop),
    ]
