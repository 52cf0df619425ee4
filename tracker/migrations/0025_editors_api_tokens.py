"""
Let the Editors group issue and revoke the API tokens of owners' representatives (tracker/admin/tokens.py
keeps them to those accounts: a token acts as its user).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"
CODENAMES = ["view_apitoken", "add_apitoken", "delete_apitoken"]


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
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="tracker", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0024_submission_notices")]

    operations = [migrations.RunPython(grant, revoke)]
