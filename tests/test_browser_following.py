"""
Following by e-mail in a real browser (Playwright + Chromium), JavaScript off: the small form of a
commitment's page signs up (the browser's Origin vouches for it, as the cached page holds no CSRF token),
the mailed link confirms and the stop link stops; every page on the way passes axe-core and fits 375 px.
"""

import re

import pytest
from django.core import mail

from tests.factory import make_commitment, make_owner
from tests.test_browser import violations
from tracker import following, reminders
from tracker.models import Follower

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.browser]


@pytest.fixture
def no_script(browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    yield context.new_page()
    context.close()


def checked(page, what: str) -> None:
    """No axe-core violation, and nothing sticking out sideways at 375 px."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, what
    # axe runs as a script: in a page of its own, with scripts on, on the same HTML.
    html = page.content()
    with_script = page.context.browser.new_page()
    with_script.set_content(html)
    found = violations(with_script)
    with_script.close()
    assert found == [], f"{what}: {found}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_visitor_follows_a_commitment_without_javascript(live_server, no_script, language):
    owner = make_owner(slug="alpha")
    make_commitment(owner=owner, slug="watched")
    page = no_script
    page.goto(f"{live_server.url}/{language}/commitments/watched/")
    checked(page, "commitment page")
    page.fill("#follow-email", "Visitor@Example.org")
    page.check("input[name=frequency][value=weekly]")
    page.locator(".follow button[type=submit]").click()
    page.wait_for_url("**/follow/sent/")
    assert page.locator("[role=status]").count() == 1
    checked(page, "sent page")

    follower = Follower.objects.get(email="visitor@example.org")
    assert (follower.commitment.slug, follower.frequency, follower.language) == (
        "watched",
        "weekly",
        language,
    )
    reminders.deliver()
    link = re.search(r"https://tracker\.example\.org(/\S+/confirm/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(f"{live_server.url}{link}")
    checked(page, "confirmation page")
    page.locator("main button[type=submit], form button[type=submit]").last.click()
    page.wait_for_selector("[role=status]")
    follower.refresh_from_db()
    assert follower.confirmed_at is not None

    page.goto(f"{live_server.url}/{language}/follow/stop/{following.stop_token(follower)}/")
    checked(page, "stop page")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("[role=status]")
    assert not Follower.objects.filter(pk=follower.pk).exists()


def test_the_whole_tracker_form_shows_its_errors_accessibly(live_server, no_script):
    page = no_script
    page.goto(f"{live_server.url}/en/follow/")
    checked(page, "follow page")
    page.fill("#id_email", "someone@example")  # the browser takes it, Django does not
    page.locator("main form button[type=submit], form.form button[type=submit]").last.click()
    page.wait_for_selector("[role=alert]")
    checked(page, "follow page with errors")
