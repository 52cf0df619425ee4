"""
A newsroom's typed client: openapi-python-client generates a Python package from the API's schema,
and a script reads the live API through it anonymously. The schema is the client's only input, so a
name, a type or an access rule it states wrongly fails here: the generated models parse every answer.
"""

import datetime
import importlib
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.conftest import need_service
from tests.factory import make_update
from tracker.choices import Axis
from tracker.models import Commitment, Reading

# serialized_rollback: earlier transactional tests flush the database, the Editors group included.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.client]

GENERATOR = os.path.join(os.path.dirname(sys.executable), "openapi-python-client")
PACKAGE = "summit_tracker_client"
# The summit's data holds no progress update: the test publishes some on this commitment.
WITH_UPDATES = "gpai-membership-expansion"


@pytest.fixture
def summit(live_server):
    call_command("load_summit", verbosity=0)
    commitment = Commitment.objects.get(slug=WITH_UPDATES)
    for day in (1, 2, 3):
        make_update(
            commitment,
            text=f"Day {day}: **two** more members.",
            reported_on=datetime.date(2025, 10, day),
            language="en",
        )
    return live_server.url


@pytest.fixture
def client_package(tmp_path, monkeypatch):
    """Generate the client from the schema the API serves, offline, and import it."""
    need_service(os.path.exists(GENERATOR), "openapi-python-client (requirements-dev.txt)")
    schema = tmp_path / "schema.json"
    schema.write_bytes(
        APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content
    )
    config = tmp_path / "client.yml"
    # No post hooks: the generator would run ruff on the code it writes, a program of its choosing.
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    output = tmp_path / "client"
    generated = subprocess.run(
        [GENERATOR, "generate", "--path", str(schema), "--config", str(config), "--output-path", str(output),
         "--fail-on-warning"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    monkeypatch.syspath_prepend(str(output))
    yield lambda module="": importlib.import_module(f"{PACKAGE}.{module}".rstrip("."))
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


@pytest.fixture
def newsroom_client(summit, client_package):
    """The generated client, anonymous, on the live server."""
    with client_package().Client(base_url=summit, raise_on_unexpected_status=True) as client:
        yield client


def test_a_newsroom_reads_the_api_through_a_client_generated_from_its_schema(newsroom_client, client_package):
    client, models = newsroom_client, client_package("models")
    english = models.CommitmentsListLang.EN

    # A filtered list, in English: the science axis's public commitments, each with its English title.
    listed = client_package("api.commitments.commitments_list").sync_detailed(
        client=client, axis=models.CommitmentsListAxis.SCIENCE, lang=english, page_size=200
    )
    assert listed.status_code == 200 and listed.headers["Content-Language"] == "en"
    expected = Commitment.objects.public().filter(axis=Axis.SCIENCE)
    assert listed.parsed.count == expected.count() > 0
    assert {(c.slug, c.title) for c in listed.parsed.results} == set(expected.values_list("slug", "title_en"))
    assert {c.axis for c in listed.parsed.results} == {models.AxisEnum.SCIENCE}

    # One commitment, with its owners, its latest update as Markdown and as HTML.
    commitment = Commitment.objects.get(slug=WITH_UPDATES)
    one = client_package("api.commitments.commitments_retrieve").sync(
        client=client, slug=WITH_UPDATES, lang=models.CommitmentsRetrieveLang.EN
    )
    assert one.title == commitment.title_en and one.status.value == commitment.status
    assert {role.owner.slug for role in one.owners} == set(commitment.owners.values_list("slug", flat=True))
    assert one.latest_update.text == "Day 3: **two** more members."
    assert one.latest_update.text_html == "<p>Day 3: <strong>two</strong> more members.</p>"

    # Its updates, newest first, following the cursor from page to page.
    updates_list = client_package("api.updates.updates_list")
    texts, cursor = [], None
    while True:
        page = updates_list.sync(client=client, page_size=2, **({"cursor": cursor} if cursor else {}))
        texts += [update.text for update in page.results if update.commitment == WITH_UPDATES]
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    assert texts == [f"Day {day}: **two** more members." for day in (3, 2, 1)]

    # The readings the commitments' charts show, which a token was once needed for.
    readings = client_package("api.readings.readings_list").sync(client=client)
    assert [(r.target, r.value) for r in readings.results] == [
        (reading.target_id, f"{reading.value:.2f}") for reading in Reading.objects.public().order_by("pk")
    ]
