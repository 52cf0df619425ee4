import os
import shutil
from importlib import import_module

import pytest
from django.contrib.auth.models import Group, User

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(available: bool, what: str):
    """Skip when a service is missing, unless REQUIRE_SERVICES=1 (CI), where a missing one fails."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} is not available")


def editors_group() -> Group:
    """
    Return the Editors group as the migrations set it up. A live-server test empties the database
    after it, the migrated rows included; the group and its permissions are then made again here.
    """
    group = Group.objects.filter(name="Editors").first()
    if group is not None:
        return group
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission

    migrations = [import_module(f"tracker.migrations.{name}") for name in EDITORS_MIGRATIONS]
    for label in ("auth", "tracker"):
        create_permissions(apps.get_app_config(label), verbosity=0)
    base, review, reminders = migrations
    codenames = [f"{action}_{model}" for model in base.EDITED_MODELS for action in base.ACTIONS]
    codenames += [*review.CODENAMES, *reminders.CODENAMES]
    group = Group.objects.create(name="Editors")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
    )
    group.permissions.add(*Permission.objects.filter(content_type__app_label="auth", codename="view_user"))
    return group


EDITORS_MIGRATIONS = [
    "0002_editors_group",
    "0004_editors_review_permissions",
    "0006_editors_reminder_permissions",
]


@pytest.fixture
def editor(db) -> User:
    """A staff member of the Editors group, as the migration sets it up."""
    user = User.objects.create_user("editor", "editor@example.org", "pw", is_staff=True)
    user.groups.add(editors_group())
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# Browser tests (tests/test_browser.py): Playwright drives Debian's Chromium, never a downloaded one.
# Its sync API runs an event loop in the test thread, which Django would otherwise refuse to query from.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    need_service(os.path.exists(CHROMIUM), "Chromium (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        # No network but loopback here: keep Chromium from calling home.
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def default_language():
    """
    Start every test in the site's default language: a request through LocaleMiddleware leaves its
    language active in the thread, and a test that reads translated text must not depend on which
    test ran before it.
    """
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
