"""
Hostile text (issue #24): whatever a person types, through a form, the admin, the API or an import,
is stored bounded and without control characters, and every output that shows it still answers.

The corpus: every C0 control character, DEL, a C1 control, the bidirectional overrides and isolates,
Markdown nested far too deep, a flood of brackets (which Python-Markdown took seconds to read), and
a string of a million characters.
"""

import datetime

import pytest
import tablib
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import editors_group
from tests.factory import api_key, make_commitment, make_deadline, make_owner, make_source
from tracker import reminders
from tracker.choices import Status
from tracker.fields import LONG_TEXT, UNWANTED_CHARACTERS, clean_stored_texts, clean_text
from tracker.markup import MAX_NESTING, nesting, render_markdown
from tracker.models import Commitment, Evidence, OwnerContact, ProgressUpdate
from tracker.resources import CommitmentResource

pytestmark = pytest.mark.django_db

CONTROLS = "".join(map(chr, range(1, 32))) + "\x7f\x85"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
HOSTILE = f"Before{CONTROLS}{BIDI}after"
DEEP_LIST = "- " * 500 + "x"  # 1,001 characters, a list 500 deep
# As many "[" as a text may hold beside the rest (Python-Markdown took 11 s on 10,000).
BRACKETS = "[" * (LONG_TEXT - 100)
HUGE = "x" * 1_000_000
# The corpus's tab, newline and carriage return (a line break of its own) stay in a long text.
HOSTILE_CLEANED = "Before\t\n\nafter"
HOSTILE_ON_ONE_LINE = "Before   after"


def test_cleaning_drops_controls_and_overrides_and_keeps_tabs_and_lines_in_long_text():
    assert clean_text("a\tb\r\nc\rd\x0b\u202ee") == "a\tb\nc\nde"
    assert clean_text("a\tb\r\nc\x00d", multiline=False) == "a b cd"
    assert clean_text(HOSTILE) == HOSTILE_CLEANED
    assert clean_text(HOSTILE, multiline=False) == HOSTILE_ON_ONE_LINE
    assert clean_text("Émirats arabes unis — مرحبا") == "Émirats arabes unis — مرحبا"


def test_markdown_nested_too_deep_is_measured_and_a_bracket_flood_renders():
    assert nesting("- a\n  - b") < MAX_NESTING // 2 < nesting(DEEP_LIST)
    assert "[[[" in render_markdown(BRACKETS)
    assert "<script" not in render_markdown("<script>alert(1)</script> *x*")


def outputs(commitment: Commitment, owner_slug: str) -> list[str]:
    """The public addresses that show a commitment's texts, its updates' and its owner's."""
    addresses = []
    for language in ("fr", "en"):
        addresses += [
            f"/{language}/commitments/{commitment.slug}/",
            f"/{language}/commitments/{commitment.slug}/updates/",
            f"/{language}/commitments/",
            f"/{language}/owners/{owner_slug}/",
            f"/{language}/feeds/updates.atom",
            f"/{language}/feeds/commitments/{commitment.slug}.atom",
            f"/{language}/feeds/owners/{owner_slug}.atom",
            f"/{language}/badges/commitments/{commitment.slug}.svg",
            f"/{language}/badges/owners/{owner_slug}.svg",
            f"/{language}/commitments.csv",
            f"/{language}/",
        ]
    return [*addresses, f"/api/commitments/{commitment.slug}/", "/api/updates/"]


def assert_every_output_answers_cleanly(client, addresses):
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not UNWANTED_CHARACTERS.search(body.decode()), address


@pytest.fixture
def scene():
    owner = make_owner(slug="gpai", name="PMIA", name_en="GPAI")
    commitment = make_commitment(slug="gpai-growth", owner=owner, status=Status.IN_PROGRESS)
    make_deadline(commitment, slug="members", title_en="Members", due_on=datetime.date(2026, 2, 15))
    representative = User.objects.create_user("rep", "rep@gpai.example", "pw")
    OwnerContact.objects.create(owner=owner, user=representative, language="en")
    editor = User.objects.create_user("ed", "ed@tracker.example", "pw", is_staff=True)
    editor.groups.add(editors_group())
    return commitment, representative, editor


def api_as(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return api


def test_an_update_posted_through_the_api_is_stored_clean_and_every_output_answers(scene, client):
    commitment, representative, editor = scene
    posted = api_as(representative).post(
        "/api/updates/",
        {
            "commitment": commitment.slug,
            "on_behalf_of": "gpai",
            "reported_on": "2026-01-10",
            "text": f"{HOSTILE}\n\n{BRACKETS}",
            "evidence": [{"url": "https://gpai.example/report", "title": HOSTILE}],
        },
        format="json",
    )
    assert posted.status_code == 201, posted.data
    update = ProgressUpdate.objects.get()
    assert update.text.startswith(f"{HOSTILE_CLEANED}\n\n[[[")
    assert Evidence.objects.get().title == HOSTILE_ON_ONE_LINE  # written by bulk_create
    reviewer = Client()
    reviewer.force_login(editor)
    assert reviewer.get(reverse("tracker:review_queue")).status_code == 200
    assert reviewer.get(reverse("tracker:review_update", args=[update.pk])).status_code == 200
    assert api_as(editor).post(f"/api/updates/{update.pk}/publish/").status_code == 200
    assert_every_output_answers_cleanly(client, outputs(commitment, "gpai"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [(DEEP_LIST, "too_deep"), (HUGE, "max_length"), ("Nul\x00", "null_characters_not_allowed")],
    ids=["deep", "huge", "nul"],
)
def test_the_api_refuses_what_cannot_be_stored_whole_with_the_fields_error(scene, text, problem):
    commitment, representative, _editor = scene
    payload = {
        "commitment": commitment.slug,
        "on_behalf_of": "gpai",
        "reported_on": "2026-01-10",
        "text": text,
    }
    answer = api_as(representative).post("/api/updates/", payload, format="json")
    assert answer.status_code == 400
    assert [error.code for error in answer.data["text"]] == [problem]
    assert not ProgressUpdate.objects.exists()


def log_progress(scene, text):
    """Post the progress form as the representative, with `text` and a hostile evidence title."""
    commitment, representative, _editor = scene
    client = Client()
    client.force_login(representative)
    data = {
        "on_behalf_of": commitment.owners.get().pk,
        "reported_on": "2026-01-10",
        "status": "",
        "reason": "",
        "text": text,
        "evidence-TOTAL_FORMS": "1",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "10",
        "evidence-0-url": "https://gpai.example/report",
        "evidence-0-title": HOSTILE,
    }
    return client.post(reverse("tracker:log_progress", args=[commitment.slug]), data)


@pytest.mark.parametrize(
    ("text", "problem"), [(DEEP_LIST, "too_deep"), (HUGE, "max_length")], ids=["deep", "huge"]
)
def test_the_progress_form_refuses_too_deep_or_too_long_a_text_and_keeps_the_rest(scene, text, problem):
    response = log_progress(scene, text)
    assert response.status_code == 400
    assert [error.code for error in response.context["form"].errors.as_data()["text"]] == [problem]
    assert "https://gpai.example/report" in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_the_progress_form_stores_a_hostile_text_clean(scene):
    assert log_progress(scene, HOSTILE).status_code == 302
    update = ProgressUpdate.objects.get()
    assert (update.text, update.evidence.get().title) == (HOSTILE_CLEANED, HOSTILE_ON_ONE_LINE)


def test_an_editors_title_from_the_admin_is_stored_on_one_line_and_every_output_answers(scene, client):
    commitment, _representative, editor = scene
    commitment.sources.add(make_source())
    admin = Client()
    admin.force_login(editor)
    url = reverse("admin:tracker_commitment_change", args=[commitment.pk])
    from tests.test_admin import form_data

    data = {**form_data(admin.get(url)), "title_en": f"Grow{CONTROLS}{BIDI} GPAI", "summary_en": HOSTILE}
    response = admin.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    commitment.refresh_from_db()
    assert (commitment.title_en, commitment.summary_en) == ("Grow    GPAI", HOSTILE_CLEANED)
    assert_every_output_answers_cleanly(client, outputs(commitment, "gpai"))
    export = admin.post(
        reverse("admin:tracker_commitment_export"),
        {"format": "1", "resource": "0", **{f"commitmentresource_{f}": "on" for f in ("slug", "title_en")}},
    )
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    # The reminder that names it goes out.
    due_soon = datetime.datetime(2026, 2, 8, 9, tzinfo=datetime.UTC)
    with time_machine.travel(due_soon, tick=False):
        reminders.sweep()
    assert mail.outbox and "Grow    GPAI" in mail.outbox[0].body


def test_an_imported_row_is_stored_clean():
    make_owner(slug="france")
    make_source(slug="doc")
    dataset = tablib.Dataset(
        headers=["slug", "title_fr", "title_en", "summary_fr", "summary_en", "axis", "kind", "nature",
                 "announced_on", "announced_precision", "sources", "owners"],
    )  # fmt: skip
    dataset.append(
        ["imported", f"Titre{CONTROLS}", f"Title{BIDI}", HOSTILE, "Summary", "governance", "declaration",
         "delivered_at_summit", "2025-02-11", "day", "doc", "lead:france"]
    )  # fmt: skip
    result = CommitmentResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    commitment = Commitment.objects.get(slug="imported")
    assert (commitment.title_fr, commitment.title_en, commitment.summary_fr) == (
        "Titre   ",
        "Title",
        HOSTILE_CLEANED,
    )


def test_texts_stored_before_the_fields_cleaned_them_are_cleaned_in_place():
    commitment = make_commitment(slug="old")
    # QuerySet.update() bypasses the fields' cleaning, as the rows saved before it did.
    Commitment.objects.filter(pk=commitment.pk).update(
        title_en="Old\x0btitle\nhere", summary_en="One\x0b\r\ntwo"
    )
    make_commitment(slug="clean")
    assert clean_stored_texts([Commitment]) == 1
    commitment.refresh_from_db()
    assert (commitment.title_en, commitment.summary_en) == ("Oldtitle here", "One\ntwo")


NUL_ADDRESSES = [
    "/api/commitments/%00/",
    "/api/owners/%00/",
    "/api/milestones/%00/",
    "/api/sources/%00/",
    "/api/commitments/?owner=%00",
    "/api/commitments/?q=%00",
    "/api/commitments/?milestone=%00",
    "/en/commitments/?owner=%00",
    "/en/commitments/?q=a%00",
    "/en/commitments.csv?owner=%00",
]


@pytest.mark.parametrize("address", NUL_ADDRESSES)
def test_a_nul_in_an_address_or_a_filter_is_refused_not_a_server_error(client, address):
    make_commitment(slug="gpai-growth")
    # PostgreSQL refuses a NUL in a query: the answer must be the visitor's error, not ours.
    assert client.get(address).status_code in {400, 404}


@pytest.mark.parametrize(
    ("body", "status"),
    [("[" * 100_000 + "]" * 100_000, 400), ('{"text": "' + "x" * 10_000_000 + '"}', 413)],
    ids=["nested-100000-deep", "ten-megabytes"],
)
def test_a_body_too_deep_or_too_large_for_the_api_answers_in_json(scene, body, status):
    _commitment, representative, _editor = scene
    answer = api_as(representative).generic("POST", "/api/updates/", body, content_type="application/json")
    assert answer.status_code == status
    assert answer["Content-Type"] == "application/json" and answer.json()["detail"]


def test_a_rejection_reason_of_control_characters_alone_is_refused_not_a_server_error(scene, client):
    commitment, representative, editor = scene
    update = ProgressUpdate.objects.create(commitment=commitment, author=representative, text="Done.")
    client.force_login(editor)
    answer = client.post(reverse("tracker:reject_update", args=[update.pk]), {"reason": "\x01\x0b"})
    assert answer.status_code in (302, 400)  # the form's refusal or the workflow's message, never a 500
    update.refresh_from_db()
    assert (update.state, update.rejection_reason) == ("submitted", "")


def test_a_line_break_in_an_owners_name_does_not_break_the_invitation(client, mailoutbox):
    owner = make_owner(slug="broken", name="UNESCO\r\nBcc: someone@example.org")
    contact = OwnerContact.objects.create(owner=owner, email="focal@unesco.example", language="en")
    editor = User.objects.create_user("ed", "ed@tracker.example", "pw", is_staff=True)
    editor.groups.add(editors_group())
    client.force_login(editor)
    answer = client.post(
        reverse("admin:tracker_ownercontact_changelist"),
        {"action": "invite", "_selected_action": [contact.pk]},
    )
    assert answer.status_code == 302  # it was a 500: a line break in a mail's subject
    (message,) = mailoutbox
    assert "\n" not in message.subject and "UNESCO Bcc" in message.subject
    assert message.bcc == []
