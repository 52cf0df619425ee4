"""
Verdicts on each named signatory (lead, supporter, funder) of a commitment, the derived flag of the
commitments that have some (no commitment has one yet), and the Editors group's permission to read
and add them: never to change or delete one, as a new verdict answers a mistake.
"""

import django.db.models.deletion
import tracker.dates
import tracker.fields
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

EDITORS = "Editors"
CODENAMES = ["view_signatoryassessment", "add_signatoryassessment"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("tracker")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="tracker", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITORS).first()
    if group:
        group.permissions.remove(*Permission.objects.filter(codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0022_reports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SignatoryAssessment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    tracker.fields.CleanCharField(
                        choices=[
                            ("not_assessed", "not yet assessed"),
                            ("in_progress", "in progress"),
                            ("stalled", "stalled"),
                            ("unverifiable", "unverifiable"),
                            ("partially_achieved", "partially achieved"),
                            ("achieved", "achieved"),
                            ("not_achieved", "not achieved"),
                            ("withdrawn", "withdrawn"),
                        ],
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                ("assessed_on", models.DateField(default=tracker.dates.today, verbose_name="assessed on")),
                (
                    "assessed_precision",
                    tracker.fields.PrecisionField(
                        choices=[("day", "day"), ("month", "month"), ("year", "year")],
                        default="day",
                        max_length=5,
                        verbose_name="precision",
                    ),
                ),
                (
                    "rationale_fr",
                    tracker.fields.CleanTextField(
                        blank=True, max_length=5000, verbose_name="rationale (French)"
                    ),
                ),
                (
                    "rationale_en",
                    tracker.fields.CleanTextField(
                        blank=True, max_length=5000, verbose_name="rationale (English)"
                    ),
                ),
                (
                    "url",
                    tracker.fields.WebAddressField(blank=True, max_length=500, verbose_name="web address"),
                ),
                ("consulted_on", models.DateField(blank=True, null=True, verbose_name="consulted on")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="recorded")),
                (
                    "assessed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assessed by",
                    ),
                ),
                (
                    "involvement",
                    models.ForeignKey(
                        help_text="The named owner and its role in the commitment.",
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assessments",
                        to="tracker.involvement",
                        verbose_name="participant",
                    ),
                ),
                (
                    "passage",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="signatory_assessments",
                        to="tracker.passage",
                        verbose_name="cited passage",
                    ),
                ),
            ],
            options={
                "verbose_name": "signatory's assessment",
                "verbose_name_plural": "signatories' assessments",
                "ordering": ["-assessed_on", "-pk"],
                "indexes": [
                    models.Index(
                        fields=["involvement", "-assessed_on", "-id"], name="signatory_assessment_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("rationale_en", ""), ("rationale_fr", ""), _negated=True),
                        name="signatory_assessment_has_rationale",
                        violation_error_message="Say why.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status", "not_assessed"), _negated=True),
                        name="signatory_assessment_is_a_verdict",
                        violation_error_message="A participant nobody has assessed shows “not yet assessed” by itself: choose a status.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("consulted_on__isnull", True), ("passage__isnull", False), ("url", "")),
                            models.Q(
                                ("consulted_on__isnull", False),
                                ("passage__isnull", True),
                                models.Q(("url", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="signatory_assessment_evidence",
                        violation_error_message="Either a passage, or a web address with the date it was consulted.",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="commitment",
            name="has_signatory_assessments",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.RunPython(grant, revoke),
    ]
