"""
SQLite, the embedded default (`make run` without DATABASE_URL): concurrent writes queue rather than
fail, and a write that cannot wait any longer answers 409, never 500 (summit/settings.py,
tracker/errors.py, tracker/api/errors.py).

The suite's database is PostgreSQL, so the scenarios run in a process of their own on a SQLite file
(`main`, below); the tests read what it saw. Another writer is a second thread, or a plain sqlite3
connection holding the write lock.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

# The busy timeout of the scenarios' process, in seconds: what a write waits for another's at most.
TIMEOUT = 5


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    database = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    unset = {"DATABASE_URL", "REDIS_URL", "CACHE_URL"}  # the embedded mode: SQLite, eager tasks
    result = subprocess.run(
        [sys.executable, "-c", "from tests.test_sqlite_locks import main; main()"],
        cwd=settings.BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k not in unset},
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": f"sqlite:///{database}?timeout={TIMEOUT}",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_the_embedded_database_begins_its_transactions_immediate(seen):
    assert seen["transaction_mode"] == "IMMEDIATE"


def test_two_api_writes_with_the_same_if_match_queue_and_the_second_is_told_412(seen):
    # Begun DEFERRED, both would read, then the second's write would fail at once: a server error.
    assert seen["api_same_if_match"] == [200, 412]
    assert seen["api_saved_the_winner"]


def test_two_admin_saves_of_the_same_page_queue_and_the_second_is_refused(seen):
    assert seen["admin_same_page"] == [200, 302]
    assert seen["admin_refused_as"] == ["stale"]
    assert seen["admin_saved_the_winner"]


def test_an_api_write_that_cannot_wait_any_longer_answers_409_in_json(seen):
    status, body, retry = seen["api_busy"]
    assert (status, body["detail"].startswith("Another change was being saved"), retry) == (409, True, "5")
    assert seen["api_after_busy"] == 200  # nothing was saved: the same If-Match goes through after


def test_a_page_that_cannot_wait_any_longer_answers_409_with_a_page_saying_so(seen):
    assert seen["page_busy"] == [409, True]
    assert seen["page_title_after_busy"] == "Grow"


def main():
    """Run the scenarios on the database DATABASE_URL names and print what each saw, as JSON."""
    import sqlite3
    import threading
    import time

    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, and the templates each answer used
    # The tables as the models make them: the migrations take minutes on SQLite, these seconds.
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)

    from django.contrib.admin import site
    from django.contrib.auth.models import User
    from django.test import Client
    from rest_framework.test import APIClient

    from tests.factory import make_commitment, make_source
    from tests.test_admin import form_data
    from tracker.api import etags
    from tracker.models import Commitment

    editor = User.objects.create_superuser("editor", "editor@example.org", "pw")
    commitment = make_commitment(slug="grow", title_en="Grow")
    commitment.sources.add(make_source())
    address = "/api/commitments/grow/"
    page = f"/admin/tracker/commitment/{commitment.pk}/change/"
    connection.ensure_connection()
    seen = {"transaction_mode": connection.transaction_mode}

    def api():
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(editor)
        return client

    def admin():
        client = Client()
        client.force_login(editor)
        return client

    def at_once(first, second):
        """Run `first`, then `second` while `first` is inside its transaction; return their answers."""
        answers = {}

        def run(name, call):
            answers[name] = call()
            connections.close_all()  # this thread's

        threads = [threading.Thread(target=run, args=item) for item in (("1", first), ("2", second))]
        threads[0].start()
        time.sleep(0.1)
        threads[1].start()
        for thread in threads:
            thread.join()
        return answers["1"], answers["2"]

    def winner(answers, status):
        return ("First", "Second")[[answer.status_code for answer in answers].index(status)]

    def slowly(module, name):
        """Make module.name hold its transaction open a while, as a slow request would."""
        original = getattr(module, name)

        def slow(*args, **kwargs):
            time.sleep(0.3)
            return original(*args, **kwargs)

        setattr(module, name, slow)
        return lambda: setattr(module, name, original)

    # Two API writes sent with the same If-Match.
    etag = api().get(address)["ETag"]
    restore = slowly(etags, "check_if_match")
    answers = at_once(
        lambda: api().patch(address, {"title_en": "First"}, format="json", HTTP_IF_MATCH=etag),
        lambda: api().patch(address, {"title_en": "Second"}, format="json", HTTP_IF_MATCH=etag),
    )
    restore()
    seen["api_same_if_match"] = sorted(answer.status_code for answer in answers)
    # Which one begins first is the threads' race: the one told 200 is the one saved.
    seen["api_saved_the_winner"] = Commitment.objects.get().title_en == winner(answers, 200)

    # Two saves of the admin page as it was opened.
    Commitment.objects.update(title_en="Grow")
    opened = form_data(admin().get(page))
    restore = slowly(site._registry[Commitment], "save_model")  # after the check, before the commit
    answers = at_once(
        lambda: admin().post(page, {**opened, "title_en": "First"}),
        lambda: admin().post(page, {**opened, "title_en": "Second"}),
    )
    restore()
    seen["admin_same_page"] = sorted(answer.status_code for answer in answers)
    refused = [answer for answer in answers if answer.status_code == 200]
    seen["admin_refused_as"] = [
        error.code
        for answer in refused
        for error in answer.context["adminform"].form.non_field_errors().as_data()
    ]
    seen["admin_saved_the_winner"] = Commitment.objects.get().title_en == winner(answers, 302)

    # Another connection holds the write lock past the busy timeout (made shorter, for a quick test).
    connection.settings_dict["OPTIONS"]["timeout"] = 1
    connections.close_all()
    Commitment.objects.update(title_en="Grow")
    etag = api().get(address)["ETag"]
    editing = admin()  # signed in before: signing in writes the session
    opened = form_data(editing.get(page))
    holder = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    busy = api().patch(address, {"title_en": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    seen["api_busy"] = [busy.status_code, busy.json(), busy.get("Retry-After")]
    busy = editing.post(page, {**opened, "title_en": "Mine"})
    seen["page_busy"] = [busy.status_code, "409.html" in [t.name for t in busy.templates]]
    holder.rollback()
    holder.close()
    seen["page_title_after_busy"] = Commitment.objects.get().title_en
    after = api().patch(address, {"title_en": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    seen["api_after_busy"] = after.status_code
    print(json.dumps(seen))
