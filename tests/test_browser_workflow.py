"""
The workspaces in a real browser (Playwright + Debian's Chromium) on the summit's data.

A representative of GPAI signs in and logs an update with a reading; an editor publishes it from the
queue; the public page and its chart show the new status and reading. An editor extends an overdue
deadline with a reason; the public page shows the move. Every new page passes axe-core.
"""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.conftest import editors_group
from tests.factory import make_update
from tests.test_browser import ARTIFACTS, CLIPPED, site, violations  # noqa: F401 - `site` is a fixture
from tracker.choices import PublicationState
from tracker.models import Commitment, Owner, OwnerContact

# serialized_rollback: the live server's tests empty the database after them, and with it the Editors
# group that a migration creates; this brings the migrated rows back first.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.browser]

COMMITMENT = "gpai-membership-expansion"
PASSWORD = "a-long-test-password-1"


@pytest.fixture
def people(site):  # noqa: F811 - the fixture imported above
    rep = User.objects.create_user("gpai-rep", "rep@gpai.example", PASSWORD)
    OwnerContact.objects.create(owner=Owner.objects.get(slug="gpai"), user=rep, name="GPAI secretariat")
    editor = User.objects.create_user("editor", "editor@example.org", PASSWORD, is_staff=True)
    editor.groups.add(editors_group())
    return rep, editor


def sign_in(browser, site, username):  # noqa: F811
    page = browser.new_context(bypass_csp=True).new_page()  # axe goes in inline (tests/conftest.py)
    page.goto(f"{site}/en/accounts/login/")
    check(page, "sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/en/me/")
    return page


def check(page, name: str):
    """The page is accessible (axe-core) and gets a screenshot."""
    # A click returns once the next page starts arriving, not once it has been read: wait for it.
    page.wait_for_load_state()
    assert page.locator("h1").count() == 1, name
    found = violations(page)
    assert found == [], f"{name}: {found}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"workspace-{name}.png", full_page=True)


def test_a_reported_reading_reaches_the_public_chart_once_an_editor_publishes_it(site, people, browser):  # noqa: F811
    public = browser.new_context(bypass_csp=True).new_page()
    public.goto(f"{site}/en/commitments/{COMMITMENT}/")
    assert public.locator(".target-chart circle.reading").count() == 1

    rep = sign_in(browser, site, "gpai-rep")
    check(rep, "my-commitments")
    rep.get_by_role(
        "link", name="Log progress — Growing GPAI to about sixty members by Bratislava"
    ).first.click()
    check(rep, "log-progress")
    # A status change without evidence is refused, and what was typed stays.
    rep.get_by_label("Status it reports").select_option("partially_achieved")
    rep.get_by_label("Text").fill("Four of the seven candidate states have **joined**.")
    rep.get_by_label("GPAI members").fill("48")
    rep.get_by_role("button", name="Submit for review").click()
    assert "at least one evidence link" in rep.locator("[role=alert]").inner_text()
    assert rep.get_by_label("Text").input_value() == "Four of the seven candidate states have **joined**."
    check(rep, "log-progress-errors")
    rep.locator("#id_evidence-0-url").fill("https://gpai.example/news/new-members")
    rep.get_by_role("button", name="Submit for review").click()
    assert rep.url.endswith("/en/me/")
    assert "submitted" in rep.locator(".messages").inner_text()
    expect(rep.locator(".state-submitted")).to_have_count(1)

    editor = sign_in(browser, site, "editor")
    # The header's link counts what waits: "Review queue 1 waiting for review".
    editor.get_by_role("link", name=re.compile(r"^Review queue")).click()
    check(editor, "review-queue")
    # The Markdown, rendered.
    expect(editor.locator(".preview strong", has_text="joined")).to_have_count(1)
    editor.get_by_role("link", name="Publish or reject — Growing GPAI").click()
    check(editor, "review-update")
    editor.get_by_role("button", name="Publish").click()
    assert "Published" in editor.locator(".messages").inner_text()

    public.reload()
    assert public.locator("header .status").first.inner_text().lower() == "partially achieved"
    assert public.locator(".target-chart circle.reading").count() == 2
    assert "48 members" in public.locator("table.figures").first.inner_text()
    assert public.locator(".update strong", has_text="joined").count() == 1
    check(public, "commitment-after-publication")

    rep.reload()
    expect(rep.locator(".state-published")).to_have_count(1)


def test_an_editor_extends_an_overdue_deadline_and_the_public_sees_why(site, people, browser):  # noqa: F811
    editor = sign_in(browser, site, "editor")
    editor.get_by_role("link", name="Overdue review", exact=True).click()
    check(editor, "overdue-review")
    editor.get_by_role("link", name="Growing GPAI to about sixty members by Bratislava").click()
    check(editor, "review-commitment")
    editor.locator("#id_kind").select_option("extended")
    editor.locator("#id_deadline").select_option(label="Reach about sixty members (November 2025)")
    editor.locator("#id_new_due").fill("2027-06-30")
    editor.locator("#id_reason").fill("GPAI moved the membership goal to its 2027 ministerial.")
    editor.get_by_role("button", name="Record the decision").click()
    assert "Decision recorded" in editor.locator(".messages").inner_text()

    public = browser.new_context(bypass_csp=True).new_page()
    public.goto(f"{site}/en/commitments/{COMMITMENT}/")
    moved = public.locator(".timeline .moved").inner_text()
    assert "Moved from November 2025 to 30 June 2027, because:" in moved
    assert "GPAI moved the membership goal to its 2027 ministerial." in moved
    expect(public.locator(".timeline li.late")).to_have_count(0)  # no longer overdue
    check(public, "commitment-after-extension")

    editor.get_by_role("link", name="History of changes").click()
    check(editor, "history")
    assert "editor" in editor.locator("table.list").inner_text()

    public.goto(f"{site}/fr/corrections/")
    check(public, "corrections")


def test_the_new_pages_work_on_a_phone_and_without_javascript(site, people, browser):  # noqa: F811
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{site}/fr/accounts/login/")
    page.locator("#id_username").fill("editor")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    for path in (
        "me/",
        f"commitments/{COMMITMENT}/log/",
        "review/",
        "review/overdue/",
        f"review/commitments/{COMMITMENT}/",
    ):
        response = page.goto(f"{site}/fr/{path}")
        assert response.status == 200, path
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    context.close()


def test_a_representative_sees_each_commitment_once_on_a_phone(site, people, browser):  # noqa: F811
    gpai = Owner.objects.get(slug="gpai")
    make_update(Commitment.objects.get(slug=COMMITMENT), on_behalf_of=gpai, state=PublicationState.SUBMITTED)
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{site}/en/accounts/login/")
    page.get_by_label("Username").fill("gpai-rep")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/en/me/")
    check(page, "my-commitments-phone")
    titles = page.locator(".my-commitments .commitment-row h3").all_inner_texts()
    assert len(titles) == len(set(titles)) == Commitment.objects.public().of_owners([gpai]).count()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.evaluate(CLIPPED, "main, main *") == []
    for row in page.locator(".my-commitments .commitment-row").all():
        # "Log progress" in full on the screen, no sideways scroll to reach it.
        box = row.get_by_role("link", name="Log progress").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
        facts = row.locator(".meta").inner_text()
        # Overdue, it names the deadline it missed; never a bare dash for a deadline.
        assert "Missed deadline:" in facts if "overdue" in facts else "—" not in facts
    context.close()
