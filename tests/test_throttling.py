"""
Guessing and flooding (issue #24): sign-in is paused per account and per client address, password
reset mails an address a few times an hour, and the API's anonymous rate counts the address the
connection came from, refusing rather than letting through when its counters cannot be reached.
"""

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tracker.throttling import AnonymousRate, CountedRate

pytestmark = pytest.mark.django_db

LIMIT = 5  # AXES_FAILURE_LIMIT's default in summit/settings.py


@pytest.fixture
def account():
    return User.objects.create_user("rep", "rep@example.org", "right-password")


def sign_in(client, username, password, address="10.0.0.1", path=None, **headers):
    return client.post(
        path or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def test_an_account_is_paused_after_failures_from_any_address_then_even_the_right_password_waits(account):
    client = Client()
    answers = [sign_in(client, "rep", "wrong", address=f"10.0.0.{n}").status_code for n in range(LIMIT)]
    assert answers == [200] * (LIMIT - 1) + [429]  # the failure that reaches the limit is refused
    paused = sign_in(client, "rep", "right-password", address="10.9.9.9")
    assert paused.status_code == 429
    assert b"15" in paused.content  # minutes to wait, as AXES_COOLOFF_TIME says
    assert "_auth_user_id" not in client.session


def test_an_address_is_paused_after_failures_on_any_accounts(account):
    client = Client()
    for n in range(LIMIT):
        sign_in(client, f"guess{n}", "wrong")
    assert sign_in(client, "rep", "right-password").status_code == 429
    # From elsewhere, the account signs in.
    assert sign_in(Client(), "rep", "right-password", address="10.0.0.2").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(account):
    client = Client()
    for _ in range(LIMIT - 1):
        sign_in(client, "rep", "wrong")
    assert sign_in(client, "rep", "right-password").status_code == 302
    for _ in range(LIMIT - 1):
        assert sign_in(Client(), "rep", "wrong").status_code == 200


def test_the_admins_sign_in_is_paused_too(account):
    client = Client()
    admin_login = reverse("admin:login")
    for _ in range(LIMIT):
        sign_in(client, "rep", "wrong", path=admin_login)
    assert sign_in(client, "rep", "right-password", path=admin_login).status_code == 429


def test_a_forwarded_for_header_written_by_the_client_changes_nothing(account):
    # No proxy is configured (NUM_PROXIES=0): the header is the client's own words.
    client = Client()
    for n in range(LIMIT):
        sign_in(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(client, "rep", "right-password", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_behind_a_configured_proxy_the_address_it_saw_is_counted(settings, account):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = Client()
    # The proxy appends the address it saw; what the client wrote before it is ignored.
    for n in range(LIMIT):
        sign_in(
            client, f"guess{n}", "wrong", address="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 203.0.113.7"
        )
    paused = sign_in(client, "rep", "right-password", address="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert paused.status_code == 429
    other = sign_in(client, "rep", "right-password", address="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302


def ask_reset(client, email, address="10.0.0.1"):
    with translation.override("en"):
        path = reverse("password_reset")
    return client.post(path, {"email": email}, REMOTE_ADDR=address)


def test_one_address_is_mailed_a_few_reset_links_an_hour_whoever_asks(account):
    answers = [ask_reset(Client(), "REP@example.org", address=f"10.0.1.{n}").status_code for n in range(5)]
    assert answers == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3
    refused = ask_reset(Client(), "rep@example.org", address="10.0.1.9")
    assert "try again in an hour" in refused.content.decode()


def test_one_client_asks_a_few_more_links_for_any_addresses_and_nobody_learns_who_has_an_account():
    client = Client()
    answers = [ask_reset(client, f"someone{n}@example.org").status_code for n in range(11)]
    assert answers == [302] * 10 + [429]
    assert mail.outbox == []  # none of them has an account: the answers did not say so


def test_anonymous_api_clients_are_throttled_by_their_address(monkeypatch):
    monkeypatch.setattr(AnonymousRate, "THROTTLE_RATES", {"anon": "2/minute"})
    api = APIClient()
    assert [api.get("/api/milestones/", REMOTE_ADDR="10.0.2.1").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    # A header of the client's own does not make it someone else.
    assert (
        api.get("/api/milestones/", REMOTE_ADDR="10.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code
        == 429
    )
    assert api.get("/api/milestones/", REMOTE_ADDR="10.0.2.2").status_code == 200


def test_when_the_counters_cannot_be_reached_throttles_refuse(settings):
    # A Redis nobody listens on: the throttles' cache raises, as when the real one is down.
    settings.CACHES = {
        **settings.CACHES,
        "throttles": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    answer = APIClient().get("/api/milestones/")
    assert answer.status_code == 429 and int(answer["Retry-After"]) > 0
    assert ask_reset(Client(), "rep@example.org").status_code == 429
    assert not CountedRate("password_reset_client", "10.0.0.1").allow_request(None, None)
