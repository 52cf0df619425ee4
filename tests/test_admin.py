"""The editors' admin: who gets in, what the changelists show, and what they cost in queries."""

import datetime

import pytest
import tablib
from django.contrib.auth.models import User
from django.urls import reverse
from import_export.formats.base_formats import CSV

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner, make_source, make_update
from tracker.choices import OwnerKind, Role, Status
from tracker.dates import today
from tracker.models import Commitment, Involvement
from tracker.resources import CommitmentResource

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


def test_editors_cannot_manage_accounts(editor_client):
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_the_changelist_explains_the_statuses_and_offers_import_and_export(editor_client):
    response = editor_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")
    assert b"What the statuses mean" in response.content
    assert b"Nobody has checked yet" in response.content
    assert reverse("admin:tracker_commitment_import").encode() in response.content
    assert reverse("admin:tracker_commitment_export").encode() in response.content


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
    assert b"June 30, 2099" in response.content
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
    milestone = make_milestone()
    for _ in range(count):
        commitment = make_commitment()
        Involvement.objects.create(commitment=commitment, owner=make_owner(), role=Role.SIGNATORY)
        make_deadline(commitment, milestone=milestone)
        make_update(commitment)


@pytest.mark.parametrize("size", [5, 40])
def test_the_commitment_changelist_costs_the_same_queries_at_any_size(
    editor_client, django_assert_num_queries, size
):
    make_commitments(size)
    # session, user, the editor's permissions (2: user and group), count, total count, the page of
    # commitments with next deadline and overdue flag annotated, their lead owners and their
    # deadlines with milestones (2 prefetches), and the owner and milestone filter choices (2).
    with django_assert_num_queries(11):
        assert editor_client.get(CHANGELIST).status_code == 200


@pytest.mark.parametrize("size", [5, 40])
@pytest.mark.parametrize(
    "name", ["owner", "deadline", "target", "progressupdate", "involvement", "ownercontact", "reading"]
)
def test_other_changelists_cost_the_same_queries_at_any_size(
    editor_client, django_assert_max_num_queries, size, name
):
    make_commitments(size)
    with django_assert_max_num_queries(9):
        assert editor_client.get(reverse(f"admin:tracker_{name}_changelist")).status_code == 200


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


# Spreadsheet import and export


def exported_dataset():
    return CommitmentResource().export()


def test_export_writes_owners_sources_and_parent_in_the_shared_format():
    parent = make_commitment(slug="parent")
    child = make_commitment(slug="child", parent=parent, owner=make_owner(slug="france"))
    Involvement.objects.create(commitment=child, owner=make_owner(slug="india"), role=Role.SIGNATORY)
    rows = {row["slug"]: row for row in exported_dataset().dict}
    assert rows["child"]["parent"] == "parent"
    assert set(rows["child"]["owners"].split("; ")) == {"lead:france", "signatory:india"}


def test_an_export_imports_back_unchanged():
    make_commitment(slug="one", owner=make_owner(slug="france"))
    dataset = exported_dataset()
    result = CommitmentResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert (result.totals["skip"], result.totals["update"], result.totals["new"]) == (1, 0, 0)


def test_an_import_that_changes_only_the_owners_cell_updates_the_owners():
    commitment = make_commitment(slug="one", owner=make_owner(slug="france"))
    make_owner(slug="india")
    dataset = exported_dataset()
    dataset.append_col(["lead:france; partner:india"], header="owners-new")
    rows = dataset.dict
    for row in rows:
        row["owners"] = row.pop("owners-new")
    result = CommitmentResource().import_data(
        tablib.Dataset(*[r.values() for r in rows], headers=list(rows[0]))
    )
    assert result.totals["update"] == 1
    assert set(commitment.involvements.values_list("role", "owner__slug")) == {
        ("lead", "france"),
        ("partner", "india"),
    }


def import_csv(text, dry_run=True):
    dataset = tablib.Dataset().load(text, format="csv")
    return CommitmentResource().import_data(dataset, dry_run=dry_run)


HEADER = (
    "slug,title_fr,title_en,summary_fr,summary_en,axis,kind,status,announced_on,announced_precision,owners\n"
)


def test_import_creates_commitments_with_their_owners():
    make_owner(slug="france")
    make_owner(slug="india")
    result = import_csv(
        HEADER + "new-one,Titre,Title,Résumé,Summary,governance,declaration,in_progress,2025-02-11,day,"
        '"lead:france; signatory:india"\n',
        dry_run=False,
    )
    assert not result.has_validation_errors() and not result.has_errors()
    commitment = Commitment.objects.get(slug="new-one")
    assert set(commitment.involvements.values_list("role", "owner__slug")) == {
        ("lead", "france"),
        ("signatory", "india"),
    }


def test_a_dry_run_reports_each_bad_row_and_writes_nothing():
    make_owner(slug="france")
    rest = "declaration,in_progress,2025-02-11,day"
    result = import_csv(
        HEADER
        + f"good,Titre,Title,Résumé,Summary,governance,{rest},lead:france\n"
        + f"bad-axis,Titre,Title,Résumé,Summary,everything,{rest},lead:france\n"
        + f"bad-owner,Titre,Title,Résumé,Summary,governance,{rest},lead:nobody\n"
        + f"bad-role,Titre,Title,Résumé,Summary,governance,{rest},boss:france\n"
    )
    invalid = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3, 4}
    assert "axis" in invalid[2]
    assert "nobody" in str(invalid[3]["owners"])
    assert "boss" in str(invalid[4]["owners"])
    assert Commitment.objects.count() == 0


def test_the_admin_import_shows_row_errors_before_anything_is_written(editor_client):
    upload = HEADER + "x,Titre,Title,R,S,nowhere,declaration,in_progress,2025-02-11,day,\n"
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


def _upload(name, text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


# Progress updates


def test_an_update_added_inline_records_its_author_and_stays_submitted(editor_client, editor):
    commitment = make_commitment()
    commitment.sources.add(make_source())
    url = reverse("admin:tracker_commitment_change", args=[commitment.pk])
    data = form_data(editor_client.get(url))
    data.update(
        {
            "updates-TOTAL_FORMS": "1",
            "updates-0-reported_on": "2025-06-01",
            "updates-0-text": "The first report.",
            "updates-0-state": "published",  # read-only inline: ignored
        }
    )
    assert editor_client.post(url, data).status_code == 302
    update = commitment.updates.get()
    assert (update.author, update.state) == (editor, "submitted")


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
