"""
The public site in a real browser (Playwright + Debian's Chromium) on the summit's data: no page breaks
under the Content Security Policy; filters fold on phones and travel in the URL; the language switch,
the feed links and the embeds work. Every page type's accessibility, width and screenshots, in both
languages at both widths, are test_browser_tour.py's.
"""

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from tests.conftest import need_service
from tests.factory import make_assessment, make_signatory_assessment, make_update
from tracker.choices import Role, Status
from tracker.models import Commitment, Milestone, ProgressUpdate, Report

AXE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = settings.BASE_DIR / "test-artifacts"

# serialized_rollback: every live-server test empties the database after it; this brings back the
# migrated rows (the Editors group) before the next, which test_browser_workflow.py needs.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.browser]

REPORT = "bratislava-2025"

PAGES = {
    "home": "",
    "commitments": "commitments/",
    "commitment": "commitments/gpai-membership-expansion/",
    # Delivered at the summit: its assessment, with the quoted evidence, and footnoted facts.
    "assessed": "commitments/international-ai-safety-report/",
    # Worked-out dates and the second document's claim, with their reasoning.
    "worked-out": "commitments/european-ai-champions/",
    # Several named signatories, each assessed apart or not yet, beside the stated total.
    "signatories": "commitments/paris-charter-public-interest-ai/",
    "sources": "sources/",
    "source": "sources/paris-actions-summary/",
    "owners": "owners/",
    "owner": "owners/france/",
    "milestones": "milestones/",
    "milestone": "milestones/gpai-bratislava-2025/",
    "overdue": "overdue/",
    "about": "about/",
    "data": "data/",
    "follow": "follow/",
    # Published by `site`: the summit's data holds no report.
    "reports": "reports/",
    "report": f"reports/{REPORT}/",
}


# The summit's data holds no progress update: `site` publishes some on this commitment.
WITH_UPDATES = "gpai-membership-expansion"


@pytest.fixture
def site(live_server):
    call_command("load_summit", verbosity=0)
    commitment = Commitment.objects.get(slug=WITH_UPDATES)
    for day in range(1, 8):  # more than its page shows: it links to the updates page
        update = make_update(
            commitment,
            text=f"Day {day}: *two* more members, see [the communiqué](https://example.org/{day}).",
            reported_on=datetime.date(2025, 10, day),
            status=Status.IN_PROGRESS if day % 2 else "",
            language="en",
        )
        update.evidence.create(url=f"https://example.org/evidence/{day}", title=f"Evidence {day}")
    assess_signatories()
    Report.objects.create(
        slug=REPORT,
        title_fr="Bratislava, novembre 2025",
        title_en="Bratislava, November 2025",
        cut_off=datetime.date(2025, 11, 30),
        milestone=Milestone.objects.get(slug="gpai-bratislava-2025"),
    ).publish()
    return live_server.url


def assess_signatories():
    """Give the charter's first signatory two verdicts (one on a cited passage), its second one."""
    charter = Commitment.objects.get(slug="paris-charter-public-interest-ai")
    first, second = charter.involvements.filter(role=Role.SIGNATORY).order_by("owner__name")[:2]
    make_signatory_assessment(first, Status.IN_PROGRESS, assessed_on=datetime.date(2025, 6, 1))
    cited = charter.citations.first()
    make_signatory_assessment(first, Status.ACHIEVED, passage=cited, rationale_fr="Signé.")
    make_signatory_assessment(second, Status.STALLED, assessed_precision="month", rationale_en="No news.")


def pages() -> dict[str, str]:
    """PAGES, and the updates page and an update's page of the commitment `site` gave updates."""
    latest = ProgressUpdate.objects.filter(commitment__slug=WITH_UPDATES).latest("reported_on")
    return {
        **PAGES,
        "updates": f"commitments/{WITH_UPDATES}/updates/",
        "update": f"commitments/{WITH_UPDATES}/updates/{latest.pk}/",
    }


def violations(page) -> list[str]:
    """Run axe-core in the page; return one line per violation (empty when the page is clean)."""
    need_service(AXE.exists(), "axe-core (npm ci)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in result["violations"]]


def test_no_page_breaks_under_the_content_security_policy(site, browser):
    from django.contrib.auth.models import User

    from tests.conftest import editors_group

    editor = User.objects.create_user("csp-editor", "csp@example.org", "a-long-password", is_staff=True)
    editor.groups.add(editors_group())
    context = browser.new_context()  # the policy kept, unlike the `page` fixture's (tests/conftest.py)
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    for path in pages().values():
        page.goto(f"{site}/en/{path}")
    page.goto(f"{site}/en/accounts/login/")
    page.fill("#id_username", "csp-editor")
    page.fill("#id_password", "a-long-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/me/")
    commitment = Commitment.objects.get(slug=WITH_UPDATES)
    for path in (
        "/en/review/",
        "/admin/",
        "/admin/tracker/commitment/",
        f"/admin/tracker/commitment/{commitment.pk}/change/",
    ):
        assert page.goto(f"{site}{path}").status == 200, path
    page.goto(f"{site}/api/docs/")
    page.wait_for_selector(".swagger-ui .info")  # its script ran: the page drew the API
    assert refused == []
    context.close()


# What a commitment's header must answer before any scrolling (issue #27): what was promised, the
# verdict and its date, who leads, the missed deadline and how late it is.
KEY_FACTS = {
    "promise": "h1",
    "verdict": ".key-facts .status",
    "verdict's date": ".key-facts .since",
    "lead": ".key-facts a[href*='/owners/']",
    "missed deadline": ".key-facts .overdue time",
    "days overdue": ".key-facts .overdue strong",
}


def test_a_commitments_header_answers_within_the_first_screen(site, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    make_assessment(
        Commitment.objects.get(slug=WITH_UPDATES), Status.IN_PROGRESS, on=datetime.date(2025, 10, 8)
    )
    for width, height in [(375, 740), (1280, 800)]:
        context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 500)
        page = context.new_page()
        for language in ["fr", "en"]:
            # Its one deliverable left was due at Bratislava, in November 2025: it is overdue.
            page.goto(f"{site}/{language}/commitments/{WITH_UPDATES}/")
            for fact, selector in KEY_FACTS.items():
                box = page.locator(selector).first.bounding_box()
                assert box is not None, f"{fact} missing ({language}, {width} px)"
                assert box["y"] + box["height"] <= height, f"{fact} below the fold ({language}, {width} px)"
            assert page.locator(".key-facts .overdue time").inner_text() in {"novembre 2025", "November 2025"}
            page.screenshot(path=ARTIFACTS / f"commitment-header-{language}-{width}.png")
        context.close()


def test_a_filtered_list_can_be_shared_by_its_address(site, page):
    page.goto(f"{site}/en/commitments/")
    page.select_option("#id_axis", "governance")
    page.select_option("#id_overdue", "true")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**overdue=true**")  # the filtered list loaded, not only its address known
    shared = page.url
    assert "axis=governance" in shared and "overdue=true" in shared
    titles = page.locator(".commitment-row h3").all_inner_texts()
    assert titles == ["Growing GPAI to about sixty members by Bratislava"]
    # Someone opening the shared address sees the same list.
    other = page.context.new_page()
    other.goto(shared)
    assert other.locator(".commitment-row h3").all_inner_texts() == titles


def test_the_language_switch_keeps_the_page(site, page):
    page.goto(f"{site}/en/commitments/gpai-membership-expansion/")
    assert page.locator("h1").inner_text() == "Growing GPAI to about sixty members by Bratislava"
    page.get_by_role("link", name="Français").click()
    assert page.url.endswith("/fr/commitments/gpai-membership-expansion/")
    assert (
        page.locator("h1").inner_text()
        == "Élargissement du PMIA à une soixantaine de membres d'ici Bratislava"
    )
    assert page.get_by_role("link", name="English").count() == 1


def test_the_feed_and_calendar_links_answer(site, page):
    page.goto(f"{site}/fr/")
    for link in page.locator("footer a").all():
        href = link.get_attribute("href")
        response = page.request.get(f"{site}{href}")
        assert response.status == 200, href
    feed = page.locator("link[type='application/atom+xml']").first.get_attribute("href")
    atom = page.request.get(f"{site}{feed}")
    assert atom.headers["content-type"].startswith("application/atom+xml")


def test_the_pages_work_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/en/commitments/?status=achieved")
    assert page.locator(".commitment-row").count() > 0
    page.goto(f"{site}/en/commitments/gpai-membership-expansion/")
    assert page.locator(".target-chart svg circle.reading").count() >= 1  # drawn by the server
    context.close()


def test_the_embeds_draw_and_their_snippets_are_accessible_elsewhere(site, page, settings):
    """
    Each embed's picture is drawn on its page, and its snippet, pasted as is into another site's page,
    draws the same picture with its figures in the alt text and passes axe.
    """
    settings.SITE_URL = site  # the snippets' absolute addresses lead to this server
    for path in ("owners/france/", "milestones/gpai-bratislava-2025/", "commitments/?axis=governance"):
        page.goto(f"{site}/en/{path}")
        snippets = page.locator("textarea[id$='-snippet']")
        assert snippets.count() >= 1, path
        for index in range(snippets.count()):
            snippet = snippets.nth(index).input_value()
            host = page.context.new_page()
            host.set_content(
                '<!doctype html><html lang="en"><head><title>Elsewhere</title></head>'
                f"<body><main><h1>Elsewhere</h1>{snippet}</main></body></html>"
            )
            picture = host.locator("img")
            expect(picture).to_have_count(1)
            host.wait_for_load_state("load")
            assert host.evaluate("document.querySelector('img').naturalWidth") > 0, (path, snippet)
            assert picture.get_attribute("alt"), (path, snippet)
            assert violations(host) == [], (path, snippet)
            host.close()


# What sticks out of the screen: an element whose box passes its right edge, or one that scrolls or
# clips its own content sideways (a table in a scrolling box does not widen the page, yet is cut off).
# Text hidden for all but screen readers (.visually-hidden) is clipped on purpose.
CLIPPED = """(selector) => [...document.querySelectorAll(selector)].filter((e) => {
    if (e.closest(".visually-hidden")) return false;
    const style = getComputedStyle(e);
    const clips = style.overflowX !== "visible" && e.scrollWidth > e.clientWidth + 1;
    return clips || e.getBoundingClientRect().right > innerWidth + 0.5;
}).map((e) => e.outerHTML.slice(0, 120))"""


@pytest.mark.parametrize("language", ["fr", "en"])
def test_on_a_phone_the_results_come_before_the_folded_filters(site, browser, language):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{site}/{language}/commitments/?axis=governance&ordering=title")
    summary = page.locator(".filters summary")
    assert summary.inner_text().replace("\u00a0", " ") in ("Filters (1 active)", "Filtres (1 actif)")
    expect(page.locator("#id_axis")).to_be_hidden()
    # The first result starts on the first screen, not some 1,100 px down.
    assert page.locator(".commitment-row").first.bounding_box()["y"] < 740
    summary.click()  # a <details>: no script needed
    expect(page.locator("#id_axis")).to_be_visible()
    assert page.locator("#id_axis").input_value() == "governance"
    context.close()


def test_on_a_wide_screen_the_filters_are_always_unfolded(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/en/commitments/")
    expect(page.locator("#id_axis")).to_be_visible()
    expect(page.locator(".filters summary")).to_be_hidden()  # it would fold nothing
    page.select_option("#id_status", "in_progress")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**status=in_progress**")
    expect(page.locator("#id_status")).to_be_visible()
    context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_overdue_list_fits_a_phone(site, browser, language):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{site}/{language}/overdue/")
    rows = page.locator(".commitment-row")
    assert rows.count() > 0
    assert page.locator(".commitment-row .overdue").count() == rows.count()  # each says how late
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.evaluate(CLIPPED, "main, main *") == []
    context.close()
