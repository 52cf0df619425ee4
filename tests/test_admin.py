"""The editors' admin: who gets in, what the changelists show, and what they cost in queries."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner, make_source, make_update
from tests.test_resources import HEADER as IMPORT_HEADER
from tracker.choices import OwnerKind, Role, Status
from tracker.dates import today
from tracker.models import (
    Amount,
    ApiToken,
    Commitment,
    Evidence,
    Follower,
    Involvement,
    OwnerContact,
    Reading,
    StatedCount,
    Target,
)
from tracker.workspace.accounts import language_of

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tracker_commitment_changelist")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    commitment = make_commitment()
    for url in (CHANGELIST, reverse("admin:tracker_commitment_change", args=[commitment.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_a_signed_in_user_who_is_not_an_editor_is_refused(client):
    client.force_login(User.objects.create_user("someone", is_staff=False))
    assert client.get(CHANGELIST).status_code == 302  # not staff: back to the login page
    client.force_login(User.objects.create_user("staff-only", is_staff=True))
    assert client.get(CHANGELIST).status_code == 403  # staff without the Editors' permissions


def test_editors_see_accounts_but_cannot_change_them(editor_client, editor):
    # Seeing accounts lets editors link an owner's contact to one; changing them is not theirs.
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert editor_client.get(reverse("admin:auth_user_add")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    url = reverse("admin:auth_user_change", args=[editor.pk])
    assert editor_client.post(url, {"username": "editor", "is_superuser": "on"}).status_code == 403
    editor.refresh_from_db()
    assert not editor.is_superuser


def test_editors_can_pick_an_account_for_an_owner_contact(editor_client, editor):
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tracker", "model_name": "ownercontact", "field_name": "user", "term": "edi"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["editor"]


def test_the_changelist_explains_the_statuses_and_offers_import_and_export(editor_client):
    response = editor_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")
    assert b"What the statuses mean" in response.content
    assert b"Nobody has checked yet" in response.content
    assert reverse("admin:tracker_commitment_import").encode() in response.content
    assert reverse("admin:tracker_commitment_export").encode() in response.content


# Fixed clock: these tests compare the admin's notion of today with their own.
@time_machine.travel(datetime.datetime(2026, 6, 15, 10, tzinfo=datetime.UTC), tick=False)
def test_the_changelist_shows_status_lead_owners_next_deadline_and_overdue(editor_client):
    late = make_commitment(title_en="Late one", owner=make_owner(name="Lead Org", short_name="LO"))
    make_deadline(late, due_on=datetime.date(2020, 1, 31))
    make_deadline(late, due_on=datetime.date(2099, 6, 30))
    on_time = make_commitment(title_en="On time one")
    make_deadline(on_time, due_on=datetime.date(2099, 1, 31))
    response = editor_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    rows = {c.title_en: c for c in response.context["cl"].result_list}
    assert rows["Late one"].is_overdue and not rows["On time one"].is_overdue
    assert rows["Late one"].next_due_on == datetime.date(2099, 6, 30)
    assert b"LO" in response.content  # the lead's short name
    assert b"30 June 2099" in response.content
    late_days = (today() - datetime.date(2020, 1, 31)).days
    assert f"{late_days} days".encode() in response.content


def test_the_changelist_shows_dates_at_their_precision(editor_client):
    commitment = make_commitment(title_en="Alice Recoque")
    make_deadline(commitment, due_on=datetime.date(2099, 1, 1), due_precision="year")
    response = editor_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")
    assert b">2099<" in response.content
    assert b"Dec. 31" not in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("overdue=yes", {"late"}),
        ("overdue=no", {"soon", "done"}),
        ("due_soon=yes", {"soon"}),
        ("status=achieved", {"done"}),
        ("owner_kind=company", {"soon"}),
        ("q=Bratislava", {"late"}),
    ],
)
@time_machine.travel(datetime.datetime(2026, 6, 15, 10, tzinfo=datetime.UTC), tick=False)
def test_the_changelist_filters(editor_client, query, expected):
    days = datetime.timedelta(days=3)
    late = make_commitment(slug="late", title_en="Towards Bratislava")
    make_deadline(late, milestone=make_milestone(date=today() - days))
    soon = make_commitment(slug="soon", owner=make_owner(kind=OwnerKind.COMPANY))
    make_deadline(soon, due_on=today() + days)
    done = make_commitment(slug="done", status=Status.ACHIEVED)
    make_deadline(done, due_on=today() - days)
    response = editor_client.get(f"{CHANGELIST}?{query}")
    assert {c.slug for c in response.context["cl"].result_list} == expected


def make_commitments(count):
    """Make `count` commitments with a row of every kind the changelists show."""
    milestone = make_milestone()
    for n in range(count):
        commitment = make_commitment()
        owner = make_owner()
        Involvement.objects.create(commitment=commitment, owner=owner, role=Role.SIGNATORY)
        OwnerContact.objects.create(owner=owner, email=f"contact{n}@example.org")
        make_deadline(commitment, milestone=milestone)
        Evidence.objects.create(update=make_update(commitment), url="https://example.org/")
        target = Target.objects.create(
            commitment=commitment, slug="t", name_fr="t", name_en="t", target_value=1
        )
        Reading.objects.create(target=target, measured_on=datetime.date(2025, 3, 1), value=1)
        StatedCount.objects.create(
            commitment=commitment, role=Role.SIGNATORY, count=3, noun_fr="p", noun_en="c"
        )
        Amount.objects.create(
            commitment=commitment, slug="a", amount=1, currency="EUR", label_fr="a", label_en="a"
        )


@pytest.mark.parametrize("size", [5, 40])
def test_the_commitment_changelist_costs_the_same_queries_at_any_size(
    editor_client, django_assert_num_queries, size
):
    make_commitments(size)
    # session, user, the editor's permissions (2: user and group), the count, the page of
    # commitments with next deadline and overdue since annotated, their lead owners (prefetch), and
    # the milestone filter's choices (the owner filter searches: it reads no owner until one is chosen).
    with django_assert_num_queries(8):
        assert editor_client.get(CHANGELIST).status_code == 200


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# Every model of the tracker that has an admin page, but commitments (pinned above), and API tokens and
# followers, which editors cannot see (tests/test_tokens.py, tests/test_following.py).
OTHER_MODELS = [
    model._meta.model_name
    for model in apps.get_app_config("tracker").get_models()
    if admin.site.is_registered(model) and model not in (Commitment, ApiToken, Follower)
]


@pytest.mark.parametrize("name", OTHER_MODELS)
def test_every_other_changelist_costs_the_same_queries_at_two_sizes(editor_client, name):
    url = reverse(f"admin:tracker_{name}_changelist")
    make_commitments(3)
    small = queries_for(editor_client, url)
    make_commitments(30)
    assert queries_for(editor_client, url) == small


def test_the_export_costs_the_same_queries_at_two_sizes(editor_client):
    url = reverse("admin:tracker_commitment_export")
    data = {"format": "0", "resource": "0", **{f"commitmentresource_{f}": "on" for f in ("slug", "owners")}}
    make_commitments(3)
    with CaptureQueriesContext(connection) as small:
        assert editor_client.post(url, data).status_code == 200
    make_commitments(30)
    with CaptureQueriesContext(connection) as large:
        response = editor_client.post(url, data)
    assert len(large) == len(small)
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.count(b"signatory:owner-") == 33


def form_data(response) -> dict:
    """Return the POST data of an admin change page as it was rendered (main form and inlines)."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.initial_forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None and value is not False:
                data[form.add_prefix(name)] = value
    return data


def test_editors_change_a_commitment_and_its_history_says_who(editor_client, editor):
    commitment = make_commitment(title_en="First title")
    commitment.sources.add(make_source())
    make_deadline(commitment)
    url = reverse("admin:tracker_commitment_change", args=[commitment.pk])
    response = editor_client.get(url)
    assert response.status_code == 200
    data = {**form_data(response), "title_en": "Second title"}
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    latest = commitment.history.first()
    assert (latest.title_en, latest.history_user) == ("Second title", editor)
    history = editor_client.get(reverse("admin:tracker_commitment_history", args=[commitment.pk]))
    assert history.status_code == 200
    assert b"First title" in history.content and b"Second title" in history.content


def test_two_editors_on_the_same_page_never_lose_the_first_ones_change(editor_client, editor):
    commitment = make_commitment(title_en="First title", title_fr="Premier titre")
    commitment.sources.add(make_source())
    url = reverse("admin:tracker_commitment_change", args=[commitment.pk])
    mine, theirs = form_data(editor_client.get(url)), form_data(editor_client.get(url))
    assert editor_client.post(url, {**theirs, "title_fr": "Leur titre"}).status_code == 302
    refused = editor_client.post(url, {**mine, "title_en": "My title"})
    assert refused.status_code == 200
    assert [error.code for error in refused.context["adminform"].form.errors.as_data()["__all__"]] == [
        "stale"
    ]
    commitment.refresh_from_db()
    assert (commitment.title_fr, commitment.title_en) == ("Leur titre", "First title")
    # Opened again, the page carries the new version, and the change goes through.
    again = form_data(editor_client.get(url))
    assert editor_client.post(url, {**again, "title_en": "My title"}).status_code == 302
    commitment.refresh_from_db()
    assert (commitment.title_fr, commitment.title_en) == ("Leur titre", "My title")


# Spreadsheet import in the admin


def test_the_admin_import_shows_row_errors_before_anything_is_written(editor_client):
    upload = IMPORT_HEADER + "x,Titre,Title,R,S,nowhere,declaration,in_progress,2025-02-11,day,,\n"
    assert CSV().get_title() == "csv"  # format "0" below
    response = editor_client.post(
        reverse("admin:tracker_commitment_import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": _upload("commitments.csv", upload),
        },
    )
    assert response.status_code == 200
    assert b"nowhere" in response.content  # the bad value is named in the report
    assert Commitment.objects.count() == 0


def test_the_admin_import_lists_each_refusal_by_row_and_column_in_the_page(editor_client):
    make_source(slug="paris")
    upload = (
        IMPORT_HEADER
        + "good,Titre,Title,R,S,governance,declaration,delivered_at_summit,2025-02-11,day,paris,\n"
        + "bad-owner,Titre,Title,R,S,governance,declaration,delivered_at_summit,2025-02-11,day,paris,"
        + "lead:nowhere\n"
        + "bad-date,Titre,Title,R,S,governance,declaration,delivered_at_summit,not-a-date,day,paris,\n"
    )
    response = editor_client.post(
        reverse("admin:tracker_commitment_import"),
        {"resource": "0", "format": "0", "import_file": _upload("commitments.csv", upload)},
    )
    html = response.content.decode()
    assert "validation-error-container" not in html  # nothing left to hover for
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", html)
    # Numbered as the file's lines (its header is line 1), where the editor will look for them.
    assert [(number, column) for number, column, _message in rows] == [("3", "owners"), ("4", "announced_on")]
    assert "nowhere" in rows[0][2]
    assert Commitment.objects.count() == 0


def _upload(name, text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


# Progress updates


def test_an_update_added_in_the_admin_records_its_author_and_stays_submitted(editor_client, editor):
    commitment = make_commitment()
    response = editor_client.post(
        reverse("admin:tracker_progressupdate_add"),
        {
            "commitment": commitment.pk,
            "reported_on": "2025-06-01",
            "text": "The first report.",
            "language": "en",
            "state": "submitted",
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
            "reported_readings-TOTAL_FORMS": "0",
            "reported_readings-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    update = commitment.updates.get()
    assert (update.author, update.state) == (editor, "submitted")
    # The commitment's page lists its updates but edits none of them.
    page = editor_client.get(reverse("admin:tracker_commitment_change", args=[commitment.pk]))
    assert "updates-0-text" not in page.content.decode()


def test_publishing_an_update_in_the_admin_records_the_reviewer(editor_client, editor):
    update = make_update(make_commitment(), state="submitted")
    url = reverse("admin:tracker_progressupdate_change", args=[update.pk])
    data = {**form_data(editor_client.get(url)), "state": "published"}
    assert editor_client.post(url, data).status_code == 302
    update.refresh_from_db()
    assert (update.state, update.reviewed_by) == ("published", editor)
    assert update.reviewed_at is not None


def test_rejecting_an_update_without_a_reason_is_refused_and_keeps_what_was_typed(editor_client):
    update = make_update(make_commitment(), state="submitted", text="Original")
    url = reverse("admin:tracker_progressupdate_change", args=[update.pk])
    data = {**form_data(editor_client.get(url)), "state": "rejected", "text": "Edited text"}
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "rejection_reason" in response.context["adminform"].form.errors
    assert b"Edited text" in response.content
    update.refresh_from_db()
    assert update.state == "submitted"


def test_publishing_in_the_admin_applies_the_reported_readings_and_status(editor_client, editor):
    commitment = make_commitment(status=Status.IN_PROGRESS)
    target = Target.objects.create(commitment=commitment, slug="t", name_fr="T", name_en="T", target_value=10)
    update = make_update(commitment, state="submitted", status=Status.ACHIEVED)
    update.reported_readings.create(target=target, value=7)
    url = reverse("admin:tracker_progressupdate_change", args=[update.pk])
    data = {**form_data(editor_client.get(url)), "state": "published"}
    # A status it reports becomes an assessment: not without evidence, said on the form.
    response = editor_client.post(url, data)
    assert response.status_code == 200
    errors = [
        str(e)
        for inline in response.context["inline_admin_formsets"]
        for e in inline.formset.non_form_errors()
    ]
    assert errors == [str(_("An update that reports a status needs at least one evidence link."))]
    update.refresh_from_db()
    assert update.state == "submitted"
    update.evidence.create(url="https://example.org/done")
    data = {**form_data(editor_client.get(url)), "state": "published"}
    assert editor_client.post(url, data).status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == Status.ACHIEVED
    assert Reading.objects.get().value == 7
    assert commitment.history.first().history_user == editor


def test_a_published_update_is_read_only_in_the_admin(editor_client):
    update = make_update(make_commitment(), state="published", text="Public words")
    url = reverse("admin:tracker_progressupdate_change", args=[update.pk])
    page = editor_client.get(url)
    assert "state" not in page.context["adminform"].form.fields
    editor_client.post(url, {**form_data(page), "state": "submitted", "text": "Rewritten"})
    update.refresh_from_db()
    assert (update.state, update.text) == ("published", "Public words")


def test_a_rejected_update_cannot_go_back_to_submitted(editor_client):
    update = make_update(make_commitment(), state="rejected", rejection_reason="No source")
    url = reverse("admin:tracker_progressupdate_change", args=[update.pk])
    response = editor_client.post(url, {**form_data(editor_client.get(url)), "state": "submitted"})
    assert response.status_code == 200 and "state" in response.context["adminform"].form.errors


def test_history_is_a_record_not_an_undo_button(editor_client):
    commitment = make_commitment(status=Status.IN_PROGRESS)
    commitment.sources.add(make_source())
    first = commitment.history.first()
    commitment.title_en = "Changed"
    commitment.save()
    url = reverse("admin:tracker_commitment_simple_history", args=[commitment.pk, first.history_id])
    page = editor_client.get(url)
    assert page.status_code == 200  # old versions can be read
    assert editor_client.post(url, {"title_en": "Reverted"}).status_code == 403
    commitment.refresh_from_db()
    assert commitment.title_en == "Changed"


def test_the_status_is_not_editable_on_the_commitment_form(editor_client):
    commitment = make_commitment(status=Status.IN_PROGRESS)
    commitment.sources.add(make_source())
    url = reverse("admin:tracker_commitment_change", args=[commitment.pk])
    response = editor_client.get(url)
    assert "status" not in response.context["adminform"].form.fields
    data = {**form_data(response), "status": Status.ACHIEVED}
    assert editor_client.post(url, data).status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS


def test_a_decision_added_in_the_admin_is_applied_and_cannot_be_edited(editor_client, editor):
    commitment = make_commitment(status=Status.IN_PROGRESS)
    response = editor_client.post(
        reverse("admin:tracker_decision_add"),
        {"commitment": commitment.pk, "kind": "missed", "reason": "Nothing came.", "language": "en",
         "new_precision": "day", "evidence_url": "https://example.org/silence"},
    )  # fmt: skip
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    commitment.refresh_from_db()
    assert commitment.status == Status.NOT_ACHIEVED
    decision = commitment.decisions.get()
    assert decision.decided_by == editor
    change = reverse("admin:tracker_decision_change", args=[decision.pk])
    assert editor_client.post(change, {"reason": "Rewritten"}).status_code == 403
    decision.refresh_from_db()
    assert decision.reason == "Nothing came."


def test_an_admin_extension_to_an_earlier_date_is_refused_with_a_message(editor_client):
    commitment = make_commitment()
    deadline = make_deadline(commitment, due_on=datetime.date(2025, 11, 30))
    response = editor_client.post(
        reverse("admin:tracker_decision_add"),
        {"commitment": commitment.pk, "kind": "extended", "deadline": deadline.pk, "new_due": "2025-01-01",
         "new_precision": "day", "reason": "Typo", "language": "en"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "new_due" in response.context["adminform"].form.errors


def test_editors_invite_a_contact_who_then_chooses_a_password(editor_client, client, mailoutbox):
    owner = make_owner(slug="unesco", name="UNESCO")
    contact = OwnerContact.objects.create(
        owner=owner, email="focal@unesco.example", language="en", name="Ana"
    )
    response = editor_client.post(
        reverse("admin:tracker_ownercontact_changelist"),
        {"action": "invite", "_selected_action": [contact.pk]},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.user.email == "focal@unesco.example" and not contact.user.has_usable_password()
    (message,) = mailoutbox
    assert message.to == ["focal@unesco.example"] and "UNESCO" in message.subject
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    assert "/en/accounts/reset/" in link
    form_page = client.get(urlsplit(link.strip()).path, follow=True)
    assert form_page.context["validlink"]  # the representative chooses a password there


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_invitation_links_to_the_site_as_served_in_the_contacts_language(
    language, editor_client, mailoutbox, settings
):
    settings.SITE_URL = "https://tracker.example.org"
    contact = OwnerContact.objects.create(owner=make_owner(), email="focal@example.org", language=language)
    editor_client.post(
        reverse("admin:tracker_ownercontact_changelist"),
        {"action": "invite", "_selected_action": [contact.pk]},
    )
    (message,) = mailoutbox
    reset, login = re.findall(r"\w+://\S+", message.body)
    assert reset.startswith(f"https://tracker.example.org/{language}/accounts/reset/")
    assert login == f"https://tracker.example.org/{language}/accounts/login/"
    contact.refresh_from_db()
    assert language_of(contact.user) == language  # and so is the mail the account gets later


def test_an_invitation_never_sends_a_password_link_to_another_address(editor_client, mailoutbox):
    # An editor points a contact at someone else's account and at their own address.
    boss = User.objects.create_superuser("boss", "boss@example.org", "pw")
    victim = User.objects.create_user("victim", "victim@example.org")
    owner = make_owner()
    for user in (boss, victim):
        contact = OwnerContact.objects.create(
            owner=owner, user=user, email=f"attacker-{user.pk}@evil.example"
        )
        editor_client.post(
            reverse("admin:tracker_ownercontact_changelist"),
            {"action": "invite", "_selected_action": [contact.pk]},
        )
    # No mail for the superuser; the ordinary account's link goes to its own address only.
    assert [m.to for m in mailoutbox] == [["victim@example.org"]]


def test_an_account_with_a_password_is_told_without_a_link(editor_client, mailoutbox):
    user = User.objects.create_user("known", "known@example.org", "a-password")
    contact = OwnerContact.objects.create(owner=make_owner(), user=user, language="en")
    editor_client.post(
        reverse("admin:tracker_ownercontact_changelist"),
        {"action": "invite", "_selected_action": [contact.pk]},
    )
    (message,) = mailoutbox
    assert "/accounts/reset/" not in message.body and "known" in message.body


def test_the_owner_filter_searches_owners_instead_of_listing_them(editor_client):
    chosen = make_owner(name="Kazakhstan")
    make_owner(name="Malte")
    mine = make_commitment(owner=chosen, role=Role.SIGNATORY)  # not in the list's "lead" column
    make_commitment(owner=make_owner())
    page = editor_client.get(CHANGELIST).content.decode()
    # A search box on the admin's autocomplete of owners, not a link an owner.
    assert 'data-model-name="involvement"' in page and 'data-field-name="owner"' in page
    assert "Malte" not in page and "Kazakhstan" not in page
    filtered = editor_client.get(CHANGELIST, {"involvements__owner__id__exact": chosen.pk, "q": ""})
    assert list(filtered.context["cl"].result_list) == [mine]
    html = filtered.content.decode()
    assert f'<option value="{chosen.pk}" selected>Kazakhstan</option>' in html
    assert '<input type="hidden" name="q" value="">' in html  # the search travels with the form
    found = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "tracker", "model_name": "involvement", "field_name": "owner", "term": "Kaz"},
    ).json()
    assert [item["text"] for item in found["results"]] == ["Kazakhstan"]


def test_a_contact_added_on_its_owners_page_is_invited_when_asked(editor_client, mailoutbox):
    owner = make_owner(slug="unesco", name="UNESCO")
    page = editor_client.get(reverse("admin:tracker_owner_change", args=[owner.pk]))
    data = {**form_data(page), "contacts-TOTAL_FORMS": "2"}
    for n, (email, invited) in enumerate([("focal@unesco.example", "on"), ("quiet@unesco.example", "")]):
        data.update(
            {f"contacts-{n}-email": email, f"contacts-{n}-language": "en", f"contacts-{n}-invite": invited}
        )
        data[f"contacts-{n}-receives_reminders"] = "on"
    response = editor_client.post(reverse("admin:tracker_owner_change", args=[owner.pk]), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert [message.to for message in mailoutbox] == [["focal@unesco.example"]]
    assert OwnerContact.objects.get(email="focal@unesco.example").user is not None
    assert OwnerContact.objects.get(email="quiet@unesco.example").user is None


def test_a_contact_added_on_its_own_page_is_invited_when_asked(editor_client, mailoutbox):
    owner = make_owner()
    response = editor_client.post(
        reverse("admin:tracker_ownercontact_add"),
        {
            "owner": owner.pk,
            "email": "focal@example.org",
            "language": "fr",
            "receives_reminders": "on",
            "invite": "on",
        },
    )
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [["focal@example.org"]]
