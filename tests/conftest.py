import os
import shutil

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
    """Return the Editors group as the migrations set it up."""
    return Group.objects.get(name="Editors")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """
    Keep the migrated rows, as serialized for serialized rollbacks, where every connection object
    finds them. Django keeps them on the connection that made the test database; but Playwright's
    sync API runs a test in a greenlet with a context of its own, where `connections` (asgiref's
    Local, a context variable) makes new connection objects: without this, a browser test's serialized
    rollback silently restores nothing.
    """
    from django.db import connections

    for connection in connections.all():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
    yield


def pytest_collection_modifyitems(items):
    """
    Refuse a test that empties the database without restoring the migrated rows (serialized rollback).

    pytest-django runs the tests that roll back their transaction first, then those that commit and
    empty the database after them (live servers, other processes). One of the latter that is not
    serialized empties it with Django's post_migrate signal, which makes content types and permissions
    again under new ids; the next serialized test then restores the migrated rows over them and fails
    on a unique constraint (which test comes next depends on the random order). Serialized, each test
    starts from the migrated rows (the Editors group included) and leaves the database empty.
    """
    from pytest_django.fixtures import validate_django_db

    for item in items:
        marker = item.get_closest_marker("django_db")
        transaction, reset_sequences, _databases, serialized, _apps = (
            validate_django_db(marker) if marker else (False, False, None, False, None)
        )
        fixtures = getattr(item, "fixturenames", ())
        # What pytest-django runs as a TransactionTestCase.
        transactional = transaction or reset_sequences or {"transactional_db", "live_server"} & set(fixtures)
        serialized = serialized or "django_db_serialized_rollback" in fixtures
        if transactional and not serialized:
            raise pytest.UsageError(
                f"{item.nodeid} commits to the database: mark it "
                "django_db(transaction=True, serialized_rollback=True) (tests/conftest.py says why)."
            )


def opened_hold(commitment) -> str:
    """Return the version a commitment's reminder-hold form carries, as its review page sends it back."""
    from tracker.versions import stored_version
    from tracker.workspace.forms import HoldForm

    return stored_version(commitment, HoldForm.versioned_fields)


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


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core goes into a page as an inline script, which the site's Content-Security-Policy refuses;
    # the test of that policy (tests/test_browser.py) opens a context of its own that keeps it.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture(autouse=True)
def fresh_caches():
    """
    Start every test with no request counted (tracker/throttling.py keeps counts in the `throttles`
    cache), and no page cache generation or stored download left by another test: a generation stored
    at today's date outlives a test that travels to another day.
    """
    from django.core.cache import caches

    caches["throttles"].clear()
    caches["default"].clear()


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
