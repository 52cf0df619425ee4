"""Tell the editors when an update waits for review: a notice of its own in the reminder log."""


import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0023_signatory_assessments"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="update",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="tracker.progressupdate",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("due_soon", "deadline coming up"),
                    ("overdue", "deadline passed"),
                    ("stale", "no news for a long time"),
                    ("escalation", "unanswered reminders (to editors)"),
                    ("digest", "editors’ weekly digest"),
                    ("manual", "reminder sent by an editor"),
                    ("submitted", "update waiting for review (to editors)"),
                    ("follow_confirm", "confirmation of a follow"),
                    ("follow_news", "news to a follower"),
                    ("follow_digest", "weekly news to a follower"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="reminderoptout",
            name="kind",
            field=models.CharField(
                choices=[
                    ("due_soon", "deadline coming up"),
                    ("overdue", "deadline passed"),
                    ("stale", "no news for a long time"),
                    ("escalation", "unanswered reminders (to editors)"),
                    ("digest", "editors’ weekly digest"),
                    ("manual", "reminder sent by an editor"),
                    ("submitted", "update waiting for review (to editors)"),
                    ("follow_confirm", "confirmation of a follow"),
                    ("follow_news", "news to a follower"),
                    ("follow_digest", "weekly news to a follower"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
    ]
