"""
The editors' admin in a real browser (Playwright + Debian's Chromium) on the summit's data: a
commitment's change page fits a 1280-px screen, its deadlines' "due" and "done" in view.
"""

import pytest

from tests.test_browser import ARTIFACTS, site  # noqa: F401 - `site` is a fixture
from tests.test_browser_workflow import people, sign_in  # noqa: F401 - `people` is a fixture
from tracker.models import Commitment

# serialized_rollback: see tests/test_browser_workflow.py.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.browser]

# Many deadlines and targets, each citing passages: the widest change page of the summit's data.
COMMITMENT = "gpai-membership-expansion"


def test_a_commitments_change_page_fits_1280_px_with_due_and_done_in_view(site, people, browser):  # noqa: F811
    page = sign_in(browser, site, "editor")
    page.set_viewport_size({"width": 1280, "height": 800})
    commitment = Commitment.objects.get(slug=COMMITMENT)
    page.goto(f"{site}/admin/tracker/commitment/{commitment.pk}/change/")
    width = page.evaluate("document.documentElement.scrollWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "admin-commitment-1280.png", full_page=True)
    assert width <= 1280
    for field in ("due_on", "is_done", "done_on"):
        box = page.locator(f"#id_deadlines-0-{field}").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280, field
