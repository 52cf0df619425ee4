"""
Every page type, public and workspace, in both languages at both widths (1280 and 375 px), in a real
browser on the summit's data: axe-core finds no violation, nothing sticks out sideways, French pages put
a no-break space before high punctuation, and each page leaves a screenshot in test-artifacts/ named
<page>-<language>-<width>.png, for people to look at what the tests passed.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import editors_group
from tests.factory import make_update
from tests.test_browser import ARTIFACTS, WITH_UPDATES, pages, site, violations  # noqa: F401 - `site` is a fixture
from tracker.choices import PublicationState
from tracker.models import Commitment, Owner, OwnerContact

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.browser]

WIDTHS = {1280: 800, 375: 740}

# Text the page's own French wrote, skipping what is quoted or in another language: a no-break space
# (or a narrow one) must stand before ":", ";", "?" and "!", and some space must.
FRENCH_TEXT = """() => {
  const skipped = 'script, style, code, pre, textarea, blockquote, q, [lang]:not([lang^="fr"])';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let text = "";
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest(skipped)) text += node.data;
  }
  return text;
}"""
PLAIN_OR_NO_SPACE = re.compile(r"\S{0,30}( [:;?!]|[^\s\u00a0\u202f][:;?!](?=\s|$))\S{0,30}")


@pytest.fixture
def people(site):  # noqa: F811 - the fixture imported above
    """A representative of GPAI with an update waiting for review, and an editor."""
    rep = User.objects.create_user("gpai-rep", "rep@gpai.example")
    OwnerContact.objects.create(owner=Owner.objects.get(slug="gpai"), user=rep, name="GPAI secretariat")
    waiting = make_update(
        Commitment.objects.get(slug=WITH_UPDATES),
        text="Two more states have joined.",
        state=PublicationState.SUBMITTED,
        author=rep,
        on_behalf_of=Owner.objects.get(slug="gpai"),
    )
    editor = User.objects.create_user("editor", "editor@example.org", is_staff=True)
    editor.groups.add(editors_group())
    return {
        None: {"sign-in": "accounts/login/", "password-reset": "accounts/password_reset/"},
        rep: {
            "my-commitments": "me/",
            "log-progress": f"commitments/{WITH_UPDATES}/log/",
            "password-change": "accounts/password_change/",
        },
        editor: {
            "review-queue": "review/",
            "review-update": f"review/updates/{waiting.pk}/",
            "review-overdue": "review/overdue/",
            "review-followers": "review/followers/",
            "review-commitment": f"review/commitments/{WITH_UPDATES}/",
            "history": f"review/commitments/{WITH_UPDATES}/history/",
        },
    }


def signed_in_as(context, site, user):  # noqa: F811
    """Give the browser `user`'s session, or none."""
    context.clear_cookies()
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site}])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_type_reads_well_in_each_language_at_each_width(site, people, browser, language, width):  # noqa: F811
    context = browser.new_context(
        viewport={"width": width, "height": WIDTHS[width]}, is_mobile=width < 600, bypass_csp=True
    )
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    visits = dict(people)
    visits[None] = {**pages(), **people[None]}  # the public pages too, signed out
    problems = []
    for user, paths in visits.items():
        signed_in_as(context, site, user)
        for name, path in paths.items():
            response = page.goto(f"{site}/{language}/{path}")
            assert response.status == 200, (name, response.url)
            assert page.locator("html").get_attribute("lang") == language, name
            assert page.locator("h1").count() == 1, name
            problems += [f"{name}: {found}" for found in violations(page)]
            if (wide := page.evaluate("document.documentElement.scrollWidth")) > width:
                problems.append(f"{name}: {wide} px wide")
            if language == "fr":
                text = page.evaluate(FRENCH_TEXT)
                problems += [f"{name}: « {m.group(0)} »" for m in PLAIN_OR_NO_SPACE.finditer(text)]
            page.screenshot(path=ARTIFACTS / f"{name}-{language}-{width}.png", full_page=True)
    context.close()

    assert problems == [], "\n".join(problems)
