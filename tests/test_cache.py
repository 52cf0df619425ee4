"""
The page cache (tracker/cache.py): what it serves, to whom, under which key, and which changes start a
new generation (a publish, a public decision, an edit of public data) and which do not (what the
public never sees).

A new generation starts when a transaction commits; tests run inside one, so each change here is made
under `django_capture_on_commit_callbacks(execute=True)`, which runs those hooks as a commit would (and
one test commits for real).
"""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.utils.http import http_date

from tests.conftest import editors_group, opened_hold
from tests.factory import (
    make_commitment,
    make_deadline,
    make_owner,
    make_signatory_assessment,
    make_source,
    make_update,
)
from tracker import cache as page_cache
from tracker.choices import DecisionKind, PublicationState, ReminderKind, Role, Status
from tracker.models import (
    AssessmentEvidence,
    Commitment,
    Decision,
    Involvement,
    OwnerContact,
    Reading,
    Reminder,
    Target,
)
from tracker.workflow import publish_update, record_decision, reject_update, submit_update

pytestmark = pytest.mark.django_db

ADDRESS = "/en/commitments/open-data/"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.TRACKER_PAGE_CACHE_SECONDS = 600
    cache.clear()
    caches["pages"].clear()
    yield
    cache.clear()
    caches["pages"].clear()


@pytest.fixture
def commitment(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_commitment(slug="open-data", title_en="Open data", title_fr="Données ouvertes")


@pytest.fixture
def staff(db) -> User:
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    user.groups.add(editors_group())
    return user


def stored_generation() -> int | None:
    return cache.get(page_cache.GENERATION_KEY)


def entries() -> int:
    """Return how many pages the cache holds (LocMemCache keeps its entries in `_cache`)."""
    return sum(":page:" in key for key in cache._cache)


def test_a_second_anonymous_read_is_served_from_the_cache_without_queries(
    client, commitment, django_assert_num_queries
):
    first = client.get(ADDRESS)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(ADDRESS)
    assert again.content == first.content
    assert again["ETag"] == first["ETag"] and again["Last-Modified"] == first["Last-Modified"]
    assert again["Cache-Control"] == "public, no-cache"  # browsers keep it but ask again each time
    # Given outside the cache, as on every answer (tracker/headers.py).
    assert (
        "default-src 'self'" in again["Content-Security-Policy"]
        and "camera=()" in again["Permissions-Policy"]
    )


def test_unknown_query_parameters_share_the_entry_and_the_page_does_not(
    client, commitment, django_assert_num_queries
):
    make_commitment(title_en="Compute for science")
    client.get("/en/commitments/?page_size=1")
    assert entries() == 1
    with django_assert_num_queries(0):
        for nonsense in ("?nonsense=8c1f2e", "&utm_source=newsletter", "&x=1&x=2"):
            address = "/en/commitments/?page_size=1" + nonsense.replace("?", "&")
            assert client.get(address).status_code == 200
    assert entries() == 1
    second = client.get("/en/commitments/?page_size=1&page=2&utm_source=newsletter")
    assert second.status_code == 200
    assert entries() == 2
    # The view saw only what the key holds: its links do not carry the visitor's other parameters.
    assert b"utm_source" not in second.content


def test_the_apis_updates_are_paged_by_position_under_their_own_entries(client, commitment):
    for day in (1, 2):
        make_update(commitment, text=f"News {day}.", reported_on=datetime.date(2025, 6, day))
    first = client.get("/api/updates/?page_size=1").json()
    following = client.get(first["next"].removeprefix("https://tracker.example.org")).json()
    assert first["results"][0]["id"] != following["results"][0]["id"]
    assert entries() == 2


def test_an_owners_pages_have_their_own_entries(client, monkeypatch):
    monkeypatch.setattr("tracker.public.views.OWNER_PAGE_SIZE", 1)
    owner = make_owner(slug="busy")
    for title in ("Alpha", "Beta"):
        make_commitment(title_en=title, owner=owner)
    first, second = client.get("/en/owners/busy/"), client.get("/en/owners/busy/?page=2")
    assert b"Alpha" in first.content and b"Beta" not in first.content
    assert b"Beta" in second.content and b"Alpha" not in second.content
    assert entries() == 2


def test_the_order_of_the_parameters_does_not_matter(client, commitment, django_assert_num_queries):
    client.get("/api/commitments/?page_size=5&axis=governance")
    with django_assert_num_queries(0):
        assert client.get("/api/commitments/?axis=governance&page_size=5").status_code == 200
    assert entries() == 1


def test_an_address_not_declared_is_not_cached(client, commitment):
    assert "tracker:opt_out" not in page_cache.reads() and "api:schema" not in page_cache.reads()
    for _ in range(2):
        assert client.get("/api/schema/").status_code == 200
    assert entries() == 0


def test_every_declared_address_is_one_the_site_has():
    def names(resolver, namespace=""):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                yield from names(pattern, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
            elif pattern.name:
                yield namespace + pattern.name

    assert set(page_cache.reads()) <= set(names(get_resolver()))


def test_a_publish_is_visible_at_the_next_request(
    client, commitment, staff, django_capture_on_commit_callbacks
):
    assert "The portal went live" not in client.get(ADDRESS).content.decode()
    update = make_update(commitment, text="The portal went live.", state=PublicationState.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        publish_update(update, by=staff)
    assert "The portal went live" in client.get(ADDRESS).content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_publish_committed_for_real_is_visible_at_the_next_request(client):
    commitment = make_commitment(slug="open-data", title_en="Open data")
    update = make_update(commitment, text="The portal went live.", state=PublicationState.SUBMITTED)
    assert "The portal went live" not in client.get(ADDRESS).content.decode()
    publish_update(update, by=User.objects.create_user("publisher"))
    assert "The portal went live" in client.get(ADDRESS).content.decode()


@pytest.fixture
def copies_kept(settings):
    """Each process keeps the generation and the entries it served, as in production."""
    settings.TRACKER_PAGE_GENERATION_SECONDS = 2
    settings.TRACKER_PAGE_LOCAL_SECONDS = 60


def test_a_warm_page_is_served_from_the_process_without_the_shared_cache(
    client, commitment, copies_kept, monkeypatch
):
    first = client.get(ADDRESS)
    shared = []
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: shared.append(args))
    again = client.get(ADDRESS)
    assert again.content == first.content and again["Last-Modified"] == first["Last-Modified"]
    assert shared == []


def test_a_stored_answer_is_served_before_the_session_and_language_middlewares(
    client, commitment, monkeypatch
):
    from django.middleware.locale import LocaleMiddleware

    computed = client.get(ADDRESS)
    ran = []
    original = LocaleMiddleware.process_request
    monkeypatch.setattr(LocaleMiddleware, "process_request", lambda self, request: ran.append(request.path))
    served = client.get(ADDRESS)
    assert served.content == computed.content and ran == []
    # Its headers are those the middlewares added when it was computed.
    assert served["Content-Language"] == computed["Content-Language"] == "en"
    monkeypatch.setattr(LocaleMiddleware, "process_request", original)
    assert client.get("/fr/commitments/open-data/")["Content-Language"] == "fr"


def test_another_process_change_shows_once_this_process_copy_is_old(
    client, commitment, staff, copies_kept, django_capture_on_commit_callbacks
):
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False) as clock:
        assert "The portal went live" not in client.get(ADDRESS).content.decode()
        read = caches["pages"].get(page_cache.GENERATION_KEY)
        update = make_update(commitment, text="The portal went live.", state=PublicationState.SUBMITTED)
        with django_capture_on_commit_callbacks(execute=True):
            publish_update(update, by=staff)
        # As if another process had published: this one still holds the generation it read.
        caches["pages"].set(page_cache.GENERATION_KEY, read, 2)
        assert "The portal went live" not in client.get(ADDRESS).content.decode()
        clock.shift(datetime.timedelta(seconds=3))
        assert "The portal went live" in client.get(ADDRESS).content.decode()


def test_this_process_change_shows_at_once_with_copies_kept(
    client, commitment, staff, copies_kept, django_capture_on_commit_callbacks
):
    assert "The portal went live" not in client.get(ADDRESS).content.decode()
    update = make_update(commitment, text="The portal went live.", state=PublicationState.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        publish_update(update, by=staff)
    assert "The portal went live" in client.get(ADDRESS).content.decode()


def test_each_language_and_each_api_language_has_its_own_entry(client, commitment):
    assert "Open data" in client.get(ADDRESS).content.decode()
    assert "Données ouvertes" in client.get("/fr/commitments/open-data/").content.decode()
    english = client.get("/api/commitments/open-data/", HTTP_ACCEPT_LANGUAGE="en")
    french = client.get("/api/commitments/open-data/", HTTP_ACCEPT_LANGUAGE="fr")
    assert english.json()["title"] == "Open data" and french.json()["title"] == "Données ouvertes"
    assert "Accept-Language" in english["Vary"]
    assert client.get("/api/commitments/open-data/?lang=fr").json()["title"] == "Données ouvertes"


def test_the_api_answers_html_and_json_under_their_own_entries(client, commitment):
    assert client.get("/api/commitments/open-data/")["Content-Type"] == "application/json"
    browsable = client.get("/api/commitments/open-data/", HTTP_ACCEPT="text/html")
    assert browsable["Content-Type"].startswith("text/html")
    assert client.get("/api/commitments/open-data/")["Content-Type"] == "application/json"


def test_signed_in_visitors_are_never_served_nor_stored(client, commitment, django_assert_num_queries):
    client.get(ADDRESS)  # an anonymous copy is now stored
    client.force_login(User.objects.create_user("reader", password="x"))
    signed_in = client.get(ADDRESS)
    assert b"Sign out" in signed_in.content
    client.logout()
    client.cookies.clear()
    with django_assert_num_queries(0):
        anonymous = client.get(ADDRESS)
    assert b"Sign out" not in anonymous.content
    assert entries() == 1


def test_answers_that_set_a_cookie_or_fail_are_not_stored(client):
    login = client.get("/en/accounts/login/")
    assert login.status_code == 200 and login.cookies  # the CSRF cookie
    client.cookies.clear()
    assert client.get("/en/accounts/login/").cookies  # made again, so not from the cache
    client.cookies.clear()
    assert client.get("/en/commitments/no-such-thing/").status_code == 404
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/en/commitments/no-such-thing/").status_code == 404
    assert len(queries) > 0  # looked up again, not served from the cache
    assert entries() == 0


def test_the_apis_own_etag_is_kept_for_if_match(client, commitment, staff):
    answer = client.get("/api/commitments/open-data/")
    assert client.get("/api/commitments/open-data/")["ETag"] == answer["ETag"]  # from the cache
    signed_in = Client()
    signed_in.force_login(staff)
    assert signed_in.get("/api/commitments/open-data/")["ETag"] == answer["ETag"]  # never cached


def test_a_new_day_is_a_new_generation(client, commitment):
    # Days overdue and what is due soon change at midnight, with no change to the data.
    # (Days after the data was made, which dates the generation now.)
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


def test_revalidation_answers_304_until_the_data_changes(
    client, commitment, django_capture_on_commit_callbacks
):
    first = client.get("/en/commitments/")
    since, etag = first["Last-Modified"], first["ETag"]
    assert client.get("/en/commitments/", HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    assert client.get("/en/commitments/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        make_commitment(title_en="Compute for science")
    # Last-Modified has a one-second resolution: the change is dated at least a second later.
    later = http_date(page_cache.generation() / 1e9 - 1)
    changed = client.get("/en/commitments/", HTTP_IF_MODIFIED_SINCE=later)
    assert changed.status_code == 200 and b"Compute for science" in changed.content
    assert client.get("/en/commitments/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_streamed_answers_are_not_stored(client, commitment):
    assert client.get("/en/commitments.csv").streaming
    assert client.get("/en/commitments.csv").streaming
    assert entries() == 0


def test_with_the_cache_switched_off_nothing_is_stored_and_revalidation_stays(client, commitment, settings):
    settings.TRACKER_PAGE_CACHE_SECONDS = 0
    first = client.get(ADDRESS)
    assert client.get(ADDRESS, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert entries() == 0


def test_without_redis_pages_are_computed_instead_of_failing(client, commitment, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1},
        },
    }
    response = client.get(ADDRESS)
    assert response.status_code == 200 and b"Open data" in response.content
    assert not response.has_header("Last-Modified")


# What starts a new generation, and what does not.


def assert_unchanged(change, django_capture_on_commit_callbacks):
    before = stored_generation()
    assert before is not None
    with django_capture_on_commit_callbacks(execute=True):
        change()
    assert stored_generation() == before


def assert_changed(change, django_capture_on_commit_callbacks):
    page_cache.generation()  # one to change
    before = stored_generation()
    with django_capture_on_commit_callbacks(execute=True):
        change()
    assert stored_generation() > before


@pytest.fixture
def settled(commitment):
    """The commitment, and a generation stored after it was made."""
    page_cache.generation()
    return commitment


def test_a_submitted_update_changes_nothing_public(settled, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deadline = make_deadline(settled)

    def submit():
        submit_update(
            commitment=settled,
            author=staff,
            text="Work has started.",
            evidence=[{"url": "https://example.org/report"}],
            done=[deadline],
        )

    assert_unchanged(submit, django_capture_on_commit_callbacks)


def test_a_rejected_update_changes_nothing_public(settled, staff, django_capture_on_commit_callbacks):
    update = make_update(settled, state=PublicationState.SUBMITTED)
    assert_unchanged(
        lambda: reject_update(update, by=staff, reason="No evidence."), django_capture_on_commit_callbacks
    )


def test_a_follow_up_note_changes_nothing_public(settled, staff, django_capture_on_commit_callbacks):
    def note():
        record_decision(
            Decision(commitment=settled, kind=DecisionKind.FOLLOWED_UP, reason="Called."), by=staff
        )

    assert_unchanged(note, django_capture_on_commit_callbacks)


def test_a_hold_on_reminders_changes_nothing_public(
    settled, staff, client, django_capture_on_commit_callbacks
):
    client.force_login(staff)

    def hold():
        answer = client.post(
            reverse("tracker:hold_reminders", args=[settled.slug]),
            {
                "reminders_paused_until": "2026-01-31",
                "reminders_pause_reason": "Elections.",
                "opened_version": opened_hold(settled),
            },
        )
        assert answer.status_code == 302

    assert_unchanged(hold, django_capture_on_commit_callbacks)
    assert Commitment.objects.get(pk=settled.pk).reminders_paused_until == datetime.date(2026, 1, 31)


def test_reminders_and_contacts_change_nothing_public(settled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deadline = make_deadline(settled)
    owner = settled.owners.get()

    def bookkeeping():
        contact = OwnerContact.objects.create(owner=owner, email="contact@example.org")
        reminder = Reminder.objects.create(
            kind=ReminderKind.DUE_SOON,
            subject=f"deadline:{deadline.pk}",
            occurrence="30",
            commitment=settled,
            deadline=deadline,
            email=contact.email,
        )
        reminder.delete()
        contact.delete()

    assert_unchanged(bookkeeping, django_capture_on_commit_callbacks)


def test_editing_a_draft_changes_nothing_public(settled, django_capture_on_commit_callbacks):
    def draft_work():
        draft = make_commitment(owner=settled.owners.get(), is_public=False, title_en="Draft")
        make_deadline(draft)
        draft.title_en = "Draft, renamed"
        draft.save()

    assert_unchanged(draft_work, django_capture_on_commit_callbacks)


def test_a_publish_starts_a_new_generation(settled, staff, django_capture_on_commit_callbacks):
    update = make_update(settled, state=PublicationState.SUBMITTED)
    assert_changed(lambda: publish_update(update, by=staff), django_capture_on_commit_callbacks)


def test_a_public_decision_starts_a_new_generation(settled, staff, django_capture_on_commit_callbacks):
    def correction():
        decision = Decision(
            commitment=settled, kind=DecisionKind.CORRECTION, reason="Misread.", evidence_url="https://e.org"
        )
        record_decision(decision, by=staff)

    assert_changed(correction, django_capture_on_commit_callbacks)


def test_an_edit_of_a_public_commitment_starts_a_new_generation(settled, django_capture_on_commit_callbacks):
    def rename():
        settled.title_en = "Open data, renamed"
        settled.save()

    assert_changed(rename, django_capture_on_commit_callbacks)


def test_a_commitment_made_public_or_a_draft_again_starts_a_new_generation(
    settled, django_capture_on_commit_callbacks
):
    def toggle(public):
        def change():
            commitment = Commitment.objects.get(pk=settled.pk)
            commitment.is_public = public
            commitment.save()

        return change

    assert_changed(toggle(False), django_capture_on_commit_callbacks)
    assert_changed(toggle(True), django_capture_on_commit_callbacks)


def test_a_new_owner_starts_a_new_generation(django_capture_on_commit_callbacks):
    assert_changed(make_owner, django_capture_on_commit_callbacks)


def test_a_new_source_of_a_public_commitment_starts_a_new_generation(
    settled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        source = make_source()
    assert_changed(lambda: settled.sources.add(source), django_capture_on_commit_callbacks)


def test_a_reading_and_an_assessments_evidence_count_as_their_commitments(
    settled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = make_commitment(owner=settled.owners.get(), is_public=False)
        public_target, draft_target = (
            Target.objects.create(commitment=c, slug="t", name_fr="T", name_en="T", target_value=10)
            for c in (settled, draft)
        )
    on = datetime.date(2025, 3, 1)
    assert_unchanged(
        lambda: Reading.objects.create(target=draft_target, measured_on=on, value=1),
        django_capture_on_commit_callbacks,
    )
    assert_changed(
        lambda: Reading.objects.create(target=public_target, measured_on=on, value=1),
        django_capture_on_commit_callbacks,
    )
    evidence = {"url": "https://example.org/more", "consulted_on": on}
    assert_unchanged(
        lambda: AssessmentEvidence.objects.create(assessment=draft.assessments.get(), **evidence),
        django_capture_on_commit_callbacks,
    )
    assert_changed(
        lambda: AssessmentEvidence.objects.create(assessment=settled.assessments.get(), **evidence),
        django_capture_on_commit_callbacks,
    )


def test_a_verdict_on_a_signatory_counts_as_its_commitment(settled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft = make_commitment(is_public=False)
        signatories = {
            commitment: [
                Involvement.objects.create(commitment=commitment, owner=make_owner(), role=Role.SIGNATORY)
                for _ in range(2)
            ]
            for commitment in (settled, draft)
        }
    assert_unchanged(
        lambda: make_signatory_assessment(signatories[draft][0], Status.ACHIEVED),
        django_capture_on_commit_callbacks,
    )
    assert_changed(
        lambda: make_signatory_assessment(signatories[settled][0], Status.ACHIEVED),
        django_capture_on_commit_callbacks,
    )
