"""
The anonymous page cache (tracker/pagecache.py): what it serves, to whom, and that a change of the
public data is visible at the very next request.

The invalidation runs when a transaction commits; tests run inside one, so each change here is made
under `django_capture_on_commit_callbacks(execute=True)`, which runs those hooks as a commit would.
"""

import datetime
import time

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from tests.factory import make_commitment, make_deadline, make_owner, make_update
from tracker import pagecache
from tracker.api.etags import etag_of
from tracker.choices import PublicationState, ReminderKind
from tracker.models import OwnerContact, Reminder
from tracker.workflow import publish_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.TRACKER_PAGE_CACHE_SECONDS = 600
    cache.clear()
    pagecache.forget_local()
    yield
    cache.clear()
    pagecache.forget_local()


@pytest.fixture
def commitment(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_commitment(slug="open-data", title_en="Open data", title_fr="Données ouvertes")


def test_a_second_anonymous_read_is_served_from_the_cache_without_queries(
    client, commitment, django_assert_num_queries
):
    first = client.get("/en/commitments/open-data/")
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get("/en/commitments/open-data/")
    assert again.content == first.content
    assert again["ETag"] == first["ETag"] and again["Last-Modified"] == first["Last-Modified"]
    assert again["Cache-Control"] == "public, no-cache"  # browsers keep it but ask again each time


def test_each_process_keeps_its_latest_answers_and_retires_them_with_the_version(
    client, commitment, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    address = "/en/commitments/open-data/"
    first = client.get(address)
    current = cache.get(pagecache.VERSION_KEY)
    cache.clear()  # the shared copy is gone (the version stays): the process's own copy stands in
    cache.set(pagecache.VERSION_KEY, current)
    with django_assert_num_queries(0):
        assert client.get(address).content == first.content
    # A change of data is a new version: the copy is not served under it.
    with django_capture_on_commit_callbacks(execute=True):
        commitment.title_en = "Open data, renamed"
        commitment.save()
    assert b"Open data, renamed" in client.get(address).content


def test_a_process_keeps_its_copy_no_longer_than_the_shared_entry_lives(client, commitment, monkeypatch):
    address = "/en/commitments/open-data/"
    client.get(address)  # computed and stored for PAGE_CACHE_SECONDS (600)
    pagecache.forget_local()
    wall, tick = time.time(), time.monotonic()
    monkeypatch.setattr(time, "time", lambda: wall + 590)
    with CaptureQueriesContext(connection) as queries:
        client.get(address)  # from the shared entry, 10 s before it expires: copied here for 10 s
    assert not queries
    monkeypatch.setattr(time, "time", lambda: wall + 610)
    monkeypatch.setattr(time, "monotonic", lambda: tick + 20)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    assert queries  # both gone: computed again


def test_the_process_keeps_a_bounded_number_of_answers(client, commitment, settings):
    settings.TRACKER_PAGE_CACHE_LOCAL_ENTRIES = 2
    for address in ("/en/commitments/open-data/", "/en/", "/en/overdue/"):
        client.get(address)
    assert len(pagecache._local) == 2
    settings.TRACKER_PAGE_CACHE_LOCAL_ENTRIES = 0
    pagecache.forget_local()
    client.get("/en/about/")
    assert not pagecache._local


def test_a_publish_is_visible_at_the_next_request(client, commitment, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User

    address = "/en/commitments/open-data/"
    assert "The portal went live" not in client.get(address).content.decode()
    update = make_update(commitment, text="The portal went live.", state=PublicationState.SUBMITTED)
    # A submitted update is not public: the cached page stands, and would be right to.
    editor = User.objects.create_user("editor")
    with django_capture_on_commit_callbacks(execute=True):
        publish_update(update, by=editor)
    assert "The portal went live" in client.get(address).content.decode()


def test_each_language_and_each_api_language_has_its_own_entry(client, commitment):
    assert "Open data" in client.get("/en/commitments/open-data/").content.decode()
    assert "Données ouvertes" in client.get("/fr/commitments/open-data/").content.decode()
    english = client.get("/api/commitments/open-data/", HTTP_ACCEPT_LANGUAGE="en")
    french = client.get("/api/commitments/open-data/", HTTP_ACCEPT_LANGUAGE="fr")
    assert english.json()["title"] == "Open data" and french.json()["title"] == "Données ouvertes"
    assert client.get("/api/commitments/open-data/?lang=fr").json()["title"] == "Données ouvertes"


def test_signed_in_visitors_are_never_served_nor_stored(client, commitment, django_assert_num_queries):
    from django.contrib.auth.models import User

    client.get("/en/commitments/open-data/")  # an anonymous copy is now stored
    client.force_login(User.objects.create_user("reader", password="x"))
    signed_in = client.get("/en/commitments/open-data/")
    assert b"reader" in signed_in.content or b"Sign out" in signed_in.content
    client.logout()
    client.cookies.clear()
    with django_assert_num_queries(0):
        anonymous = client.get("/en/commitments/open-data/")
    assert b"Sign out" not in anonymous.content


def test_answers_that_set_a_cookie_or_fail_are_not_stored(client, django_assert_max_num_queries):
    login = client.get("/en/accounts/login/")
    assert login.status_code == 200 and login.cookies  # the CSRF cookie
    client.cookies.clear()
    assert client.get("/en/accounts/login/").cookies  # made again, so not from the cache
    client.cookies.clear()
    assert client.get("/en/commitments/no-such-thing/").status_code == 404
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/en/commitments/no-such-thing/").status_code == 404
    assert len(queries) > 0  # looked up again, not served from the cache


def test_the_apis_own_etag_is_kept_for_if_match(client, commitment):
    answer = client.get("/api/commitments/open-data/")
    assert answer["ETag"] == etag_of(answer.json())
    assert client.get("/api/commitments/open-data/")["ETag"] == answer["ETag"]  # from the cache


def test_a_new_day_is_a_new_version(client, commitment):
    # Days overdue and what is due soon change at midnight, with no change to the data.
    # (Days after the data was made, which dates the version now.)
    with time_machine.travel(datetime.datetime(2027, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        first = client.get("/en/commitments/")
        assert (
            client.get("/en/commitments/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
        )
    with time_machine.travel(datetime.datetime(2027, 3, 2, 12, tzinfo=datetime.UTC), tick=False):
        again = client.get("/en/commitments/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert again["Last-Modified"] == "Mon, 01 Mar 2027 23:00:00 GMT"  # midnight in Paris


def test_the_health_check_is_never_cached(client, settings):
    settings.REDIS_URL = ""
    assert client.get("/health/").json()["broker"] == "not configured"
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    assert client.get("/health/").status_code == 503


def test_last_modified_answers_304_until_the_data_changes(
    client, commitment, django_capture_on_commit_callbacks
):
    first = client.get("/en/commitments/")
    since = first["Last-Modified"]
    assert client.get("/en/commitments/", HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        make_commitment(title_en="Compute for science")
    # Last-Modified has a one-second resolution: the change is dated at least a second later.
    later = http_date(pagecache.version() / 1e9 - 1)
    changed = client.get("/en/commitments/", HTTP_IF_MODIFIED_SINCE=later)
    assert changed.status_code == 200 and b"Compute for science" in changed.content


def test_bookkeeping_does_not_empty_the_cache(commitment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deadline = make_deadline(commitment)
        owner = make_owner()
    settled = pagecache.version()
    with django_capture_on_commit_callbacks(execute=True) as hooks:
        contact = OwnerContact.objects.create(owner=owner, email="contact@example.org")
        reminder = Reminder.objects.create(
            kind=ReminderKind.DUE_SOON,
            subject=f"deadline:{deadline.pk}",
            occurrence="30",
            commitment=commitment,
            deadline=deadline,
            email=contact.email,
        )
        reminder.delete()
        contact.delete()
    assert not hooks and pagecache.version() == settled
    with django_capture_on_commit_callbacks(execute=True):
        deadline.save()  # public data
    assert pagecache.version() > settled


def test_streamed_answers_are_not_stored(client, commitment):
    first = client.get("/en/commitments.csv")
    assert first.streaming
    assert client.get("/en/commitments.csv").streaming


def test_without_redis_pages_are_computed_instead_of_failing(client, commitment, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1},
        }
    }
    response = client.get("/en/commitments/open-data/")
    assert response.status_code == 200 and b"Open data" in response.content
    assert not response.has_header("Last-Modified")


def test_each_process_reuses_the_version_it_read_for_a_moment(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TRACKER_PAGE_VERSION_SECONDS = 60
    first = pagecache.version()
    cache.set(pagecache.VERSION_KEY, first + 1)  # another machine's change
    assert pagecache.version() == first  # not read again yet
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert pagecache.version() == first + 1
    with django_capture_on_commit_callbacks(execute=True):
        make_owner()  # a change made here is seen here at once
    assert pagecache.version() > first + 1
