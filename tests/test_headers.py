"""
Headers that hold on every answer (issue #24): a Content-Security-Policy and a Permissions-Policy,
also on the page cache's answers (tests/test_cache.py), and `Cache-Control: private` on whatever a
signed-in person is answered. The browser's side, no page breaking under the policy, is in
tests/test_browser.py.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factory import api_key, make_commitment

pytestmark = pytest.mark.django_db

PUBLIC = ["/en/", "/en/commitments/", "/fr/commitments/c/", "/en/feeds/updates.atom", "/api/commitments/"]


def directives(response) -> dict[str, list[str]]:
    """The Content-Security-Policy of `response`, directive by directive (their order varies)."""
    parts = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in parts}


@pytest.fixture(autouse=True)
def commitment():
    return make_commitment(slug="c")


def test_every_public_answer_has_both_policies_and_may_be_kept_by_shared_caches(client):
    for address in [*PUBLIC, "/en/no-such-page/", "/api/docs/"]:
        response = client.get(address)
        policy = directives(response)
        assert policy["default-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"], address
        assert policy["script-src"] == ["'self'"], address
        assert "camera=()" in response["Permissions-Policy"], address
        assert "private" not in response.get("Cache-Control", ""), address


def test_only_the_api_docs_allow_their_own_inline_styles(client):
    assert directives(client.get("/api/docs/"))["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives(client.get("/en/"))["style-src"] == ["'self'"]


def test_signed_in_pages_and_the_apis_answers_to_a_token_are_private(editor_client, editor):
    for address in [*PUBLIC, reverse("tracker:review_queue")]:
        assert "private" in editor_client.get(address)["Cache-Control"], address
    token = api_key(editor)
    answer = Client().get("/api/commitments/", HTTP_AUTHORIZATION=f"Token {token}")
    assert "private" in answer["Cache-Control"] and "public" not in answer["Cache-Control"]
