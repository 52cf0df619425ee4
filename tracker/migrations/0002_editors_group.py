"""Create the "Editors" group: staff who curate the tracker's data in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"

# Editors curate everything the tracker holds; they do not manage accounts or groups.
EDITED_MODELS = [
    "commitment",
    "owner",
    "ownercontact",
    "involvement",
    "statedcount",
    "amount",
    "milestone",
    "deadline",
    "target",
    "reading",
    "progressupdate",
    "evidence",
    "sourcedocument",
]
ACTIONS = ["view", "add", "change", "delete"]


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create the ones the group
    # needs now so that it can be given them in this same migration.
    for label in ("auth", "tracker"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    codenames = [f"{action}_{model}" for model in EDITED_MODELS for action in ACTIONS]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames))
    # Seeing accounts (not changing them) lets editors link an owner's contact to its account.
    group.permissions.add(*Permission.objects.filter(content_type__app_label="auth", codename="view_user"))


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
