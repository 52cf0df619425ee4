"""
No silent overwrite. The admin's inlines refuse a save made on a page older than a row's last change,
as its change pages do (tracker/admin/base.py): each test opens a page, changes or deletes a row
behind it, as another editor would, then sends the page as it was opened. And the API's ETags change
with every stored field of what it writes.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner, make_source, make_update
from tests.test_admin import form_data
from tracker.models import (
    Commitment,
    Deadline,
    Evidence,
    Involvement,
    Owner,
    ProgressUpdate,
    Reading,
    Target,
)

pytestmark = pytest.mark.django_db


def as_opened(client, url) -> dict:
    """Return what the page at `url` sends back as it was opened: its rows, without their blank new ones."""
    data = form_data(client.get(url))
    for name in [name for name in data if name.endswith("-INITIAL_FORMS")]:
        data[name.replace("-INITIAL_FORMS", "-TOTAL_FORMS")] = data[name]
    return data


def page_of(obj) -> str:
    return reverse(f"admin:tracker_{obj._meta.model_name}_change", args=[obj.pk])


def row_errors(response, model) -> list[list[str]]:
    """Return the codes of the errors on each row of the inline of `model`, in the page's order."""
    (formset,) = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    ]
    return [[error.code for error in form.errors.as_data().get(NON_FIELD_ERRORS, [])] for form in formset]


def inline_errors(response, model) -> list[str]:
    (formset,) = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    ]
    return [error.code for error in formset.non_form_errors().as_data()]


@pytest.fixture
def commitment():
    # A draft: editors may delete its rows (published facts are retracted instead).
    commitment = make_commitment(title_en="Grow the network", is_public=False)
    commitment.sources.add(make_source())  # the page requires one
    make_deadline(commitment, slug="report", title_en="Report", due_on=datetime.date(2026, 6, 30))
    make_deadline(commitment, slug="summit", title_en="Summit", due_on=datetime.date(2026, 9, 30))
    return commitment


def test_a_deadline_changed_since_the_page_opened_is_not_overwritten(editor_client, commitment):
    url = page_of(commitment)
    page = as_opened(editor_client, url)
    Deadline.objects.filter(slug="report").update(title_en="Their report")  # another editor
    refused = editor_client.post(url, {**page, "title_en": "My title"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert row_errors(refused, Deadline) == [["stale"], []]
    assert "Someone else changed this row since you opened the page." in refused.content.decode()
    assert Deadline.objects.get(slug="report").title_en == "Their report"
    assert Commitment.objects.get().title_en == "Grow the network"  # nothing of the page is saved
    # Opened again, the page shows their change and saves mine.
    again = as_opened(editor_client, url)
    assert editor_client.post(url, {**again, "title_en": "My title"}).status_code == 302
    assert Deadline.objects.get(slug="report").title_en == "Their report"
    assert Commitment.objects.get().title_en == "My title"


def test_my_edit_of_a_row_someone_changed_since_is_refused(editor_client, commitment):
    url = page_of(commitment)
    page = as_opened(editor_client, url)
    Deadline.objects.filter(slug="summit").update(title_fr="Leur sommet")
    refused = editor_client.post(url, {**page, "deadlines-1-title_en": "My summit"})
    assert row_errors(refused, Deadline) == [[], ["stale"]]
    assert Deadline.objects.filter(slug="summit").values_list("title_fr", "title_en").get() == (
        "Leur sommet",
        "Summit",
    )


def test_a_row_changed_since_only_where_the_page_does_not_show_it_does_not_block(editor_client, commitment):
    # The inline writes what it shows, and its rows are written only when they differ from the rows
    # as they are now: a change to a field it does not show is neither overwritten nor in the way.
    make_update(commitment, text="Published")
    url = page_of(commitment)
    page = as_opened(editor_client, url)
    Deadline.objects.filter(slug="report").update(note="Theirs")
    ProgressUpdate.objects.update(text="Corrected")  # listed read-only on the page
    assert editor_client.post(url, {**page, "title_en": "My title"}).status_code == 302
    assert Deadline.objects.get(slug="report").note == "Theirs"
    assert ProgressUpdate.objects.get().text == "Corrected"
    assert Commitment.objects.get().title_en == "My title"


def test_a_row_deleted_since_the_page_opened_is_named_not_a_server_error(editor_client, commitment):
    url = page_of(commitment)
    page = as_opened(editor_client, url)
    Deadline.objects.filter(slug="report").delete()
    refused = editor_client.post(url, {**page, "title_en": "My title"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert row_errors(refused, Deadline)[0] == ["gone"]
    assert "Someone else deleted this row since you opened the page." in refused.content.decode()
    assert Commitment.objects.get().title_en == "Grow the network"
    assert list(Deadline.objects.values_list("slug", flat=True)) == ["summit"]


def test_deleting_a_row_that_is_gone_already_saves_the_rest(editor_client, commitment):
    target = Target.objects.create(
        commitment=commitment, slug="members", name_fr="Membres", name_en="Members", target_value=60
    )
    for month, value in ((6, 44), (9, 50)):
        Reading.objects.create(target=target, measured_on=datetime.date(2025, month, 1), value=value)
    url = page_of(target)
    page = as_opened(editor_client, url)
    gone = Reading.objects.get(value=44)
    (prefix,) = [
        name.removesuffix("-id") for name, value in page.items() if name.endswith("-id") and value == gone.pk
    ]
    gone.delete()
    response = editor_client.post(url, {**page, f"{prefix}-DELETE": "on", "name_en": "Members of GPAI"})
    assert response.status_code == 302, response.context["errors"]
    assert Target.objects.get().name_en == "Members of GPAI"
    assert Reading.objects.get().value == 50


def test_deleting_a_row_changed_since_the_page_opened_is_refused(editor_client, commitment):
    url = page_of(commitment)
    page = as_opened(editor_client, url)
    Deadline.objects.filter(slug="report").update(title_en="Their report")
    refused = editor_client.post(url, {**page, "deadlines-0-DELETE": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert inline_errors(refused, Deadline) == ["stale"]
    assert "to see their change before you delete it" in refused.content.decode()
    assert Deadline.objects.get(slug="report").title_en == "Their report"


def test_an_owners_role_changed_since_is_not_overwritten(editor_client):
    owner = make_owner()
    commitment = make_commitment(owner=owner, role="lead")
    commitment.sources.add(make_source())
    url = page_of(commitment)
    page = as_opened(editor_client, url)
    Involvement.objects.update(role="partner")
    refused = editor_client.post(url, {**page, "title_en": "Mine"})
    assert row_errors(refused, Involvement) == [["stale"]]
    assert Involvement.objects.get().role == "partner"


def test_a_targets_reading_changed_since_is_not_overwritten(editor_client, commitment):
    target = Target.objects.create(
        commitment=commitment, slug="members", name_fr="Membres", name_en="Members", target_value=60
    )
    reading = Reading.objects.create(target=target, measured_on=datetime.date(2025, 6, 1), value=44)
    url = page_of(target)
    # An inline that declares no `fields` carries the version as one of its form's fields.
    assert 'name="readings-0-opened_version"' in editor_client.get(url).content.decode()
    page = as_opened(editor_client, url)
    Reading.objects.filter(pk=reading.pk).update(value=45)
    refused = editor_client.post(url, {**page, "readings-0-value": "46"})
    assert refused.status_code == 200
    assert row_errors(refused, Reading)[0] == ["stale"]
    assert Reading.objects.get().value == Decimal(45)


def test_an_updates_evidence_changed_since_is_not_overwritten(editor_client, commitment):
    update = make_update(commitment, state="submitted")
    evidence = Evidence.objects.create(update=update, url="https://example.org/a", title="A")
    url = page_of(update)
    page = as_opened(editor_client, url)
    Evidence.objects.filter(pk=evidence.pk).update(url="https://example.org/b")
    refused = editor_client.post(url, {**page, "evidence-0-title": "Mine"})
    assert refused.status_code == 200
    assert row_errors(refused, Evidence)[0] == ["stale"]
    assert Evidence.objects.values_list("url", "title").get() == ("https://example.org/b", "A")


def test_rows_saved_on_a_fresh_page_go_through(editor_client, commitment):
    url = page_of(commitment)
    page = as_opened(editor_client, url)
    response = editor_client.post(
        url, {**page, "deadlines-1-title_en": "The summit", "deadlines-0-DELETE": "on"}
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(Deadline.objects.values_list("title_en", flat=True)) == ["The summit"]


# The API's ETags (tracker/api/etags.py): every stored field of every object the API changes is part
# of its version, whatever the answer's language shows, so that If-Match refuses a write over it.


def another_value(field, value):
    """Return a value of `field` other than `value`, as another editor could store it."""
    if field.is_relation:
        return field.related_model._base_manager.exclude(pk=value).values_list("pk", flat=True).first()
    if field.choices:
        return next(choice for choice, _label in field.flatchoices if choice not in (value, ""))
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateTimeField):
        return (value or timezone.now()) + datetime.timedelta(days=1)
    if isinstance(field, models.DateField):
        return (value or datetime.date(2025, 1, 1)) + datetime.timedelta(days=1)
    if isinstance(field, models.IntegerField | models.DecimalField):
        return (value or 0) + 1
    return (value or "")[: (field.max_length or 1000) - 1] + "x"


@pytest.mark.parametrize(
    ("model", "address"),
    [
        (Commitment, lambda obj: f"/api/commitments/{obj.slug}/"),
        (Deadline, lambda obj: f"/api/deadlines/{obj.pk}/"),
        (Target, lambda obj: f"/api/targets/{obj.pk}/"),
    ],
)
def test_every_stored_field_of_what_the_api_changes_is_in_its_etag(editor, commitment, model, address):
    api = APIClient()
    api.force_authenticate(editor)
    make_commitment(is_public=False)  # another row for each relation to point to
    make_milestone()
    target = Target.objects.create(commitment=commitment, slug="members", name_en="Members", target_value=60)
    obj = {Commitment: commitment, Deadline: commitment.deadlines.first(), Target: target}[model]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    assert len(fields) > 8
    for field in fields:
        before = api.get(address(obj), HTTP_ACCEPT_LANGUAGE="en")
        assert before.status_code == 200
        value = another_value(field, getattr(obj, field.attname))
        model.objects.filter(pk=obj.pk).update(**{field.attname: value})
        obj.refresh_from_db()
        after = api.get(address(obj), HTTP_ACCEPT_LANGUAGE="en")
        assert after["ETag"] != before["ETag"], field.name


@pytest.mark.parametrize(
    ("model", "names"),
    [
        (Deadline, {("title_fr", "fr"), ("title_en", "en")}),
        (Target, {("name_fr", "fr"), ("name_en", "en")}),
        (Owner, {("name", "fr"), ("name_en", "en")}),
    ],
)
def test_a_commitments_etag_changes_with_what_it_shows_of_its_parts_in_either_language(
    editor, commitment, model, names
):
    # The rows a commitment's answer nests are in its ETag as the answer shows them, in its language:
    # what the answer in that language shows changes, its ETag changes. (What no answer shows, and the
    # commitment's own writes never touch, is no part of its version.)
    api = APIClient()
    api.force_authenticate(editor)
    make_commitment(is_public=False)  # another row for each relation to point to
    make_milestone()
    make_owner()
    Target.objects.create(
        commitment=commitment, slug="members", name_fr="Membres", name_en="Members", target_value=60
    )
    part = {
        Deadline: commitment.deadlines.first(),
        Target: commitment.targets.first(),
        Owner: commitment.involvements.first().owner,
    }[model]
    address = f"/api/commitments/{commitment.slug}/"
    shown = set()
    for field in model._meta.concrete_fields:
        if field.primary_key or field.related_model is Commitment:  # moved away, it would show no more
            continue
        before = {language: api.get(address, HTTP_ACCEPT_LANGUAGE=language) for language in ("fr", "en")}
        value = another_value(field, getattr(part, field.attname))
        model.objects.filter(pk=part.pk).update(**{field.attname: value})
        part.refresh_from_db()
        for language, read in before.items():
            after = api.get(address, HTTP_ACCEPT_LANGUAGE=language)
            if after.json() != read.json():
                shown.add((field.name, language))
                assert after["ETag"] != read["ETag"], (field.name, language)
    assert names <= shown and len(shown) >= 6


# The workspace's form that changes a row: a commitment's reminder hold.


def test_a_stale_hold_is_refused_and_a_publication_meanwhile_is_not_a_change(editor_client):
    commitment = make_commitment()
    url = reverse("tracker:review_commitment", args=[commitment.slug])
    hold = reverse("tracker:hold_reminders", args=[commitment.slug])
    opened = editor_client.get(url).context["hold_form"]["opened_version"].value()
    mine = {
        "opened_version": opened,
        "reminders_paused_until": "2026-03-01",
        "reminders_pause_reason": "Mine.",
    }

    # Something else of the row changes meanwhile (its verdict): the hold is not stale.
    Commitment.objects.filter(pk=commitment.pk).update(notes="Edited elsewhere.")
    assert editor_client.post(hold, mine).status_code == 302
    commitment.refresh_from_db()
    assert commitment.reminders_pause_reason == "Mine."

    # Another editor changes the hold after this page was opened: refused, theirs kept.
    opened = editor_client.get(url).context["hold_form"]["opened_version"].value()
    Commitment.objects.filter(pk=commitment.pk).update(reminders_pause_reason="Theirs.")
    refused = editor_client.post(hold, {**mine, "opened_version": opened, "reminders_pause_reason": "Again."})
    assert refused.status_code == 400
    (error,) = refused.context["hold_form"].non_field_errors().as_data()
    assert error.code == "stale" and str(error.message) in refused.content.decode()
    commitment.refresh_from_db()
    assert commitment.reminders_pause_reason == "Theirs."
