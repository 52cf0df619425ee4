"""Let the Editors group record review decisions and see the readings updates report."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"

# Decisions are applied when recorded (tracker/workflow.py) and are never edited afterwards: a
# mistaken one is answered by another decision, so the record stays whole. Reported readings belong
# to their update and are only seen.
CODENAMES = ["view_decision", "add_decision", "view_reportedreading"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("tracker")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="tracker", codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITORS).first()
    if group:
        group.permissions.remove(*Permission.objects.filter(codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("tracker", "0003_review_workflow")]

    operations = [migrations.RunPython(grant, revoke)]
