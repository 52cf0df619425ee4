"""The REST API: open reads in both languages, authorised writes, lost-update protection, 400s."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tests.conftest import editors_group
from tests.factory import (
    api_key,
    make_commitment,
    make_deadline,
    make_milestone,
    make_owner,
    make_source,
    make_update,
)
from tracker.choices import DecisionKind, PublicationState, Role, Status
from tracker.models import (
    Amount,
    Commitment,
    Decision,
    Evidence,
    Involvement,
    OwnerContact,
    Passage,
    ProgressUpdate,
    Reading,
    ReportedReading,
    SourceDocument,
    StatedCount,
    Target,
)
from tracker.workflow import publish_update, record_decision, reject_update, submit_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def gpai():
    owner = make_owner(slug="gpai", name="Partenariat mondial sur l'IA", name_en="Global Partnership on AI")
    commitment = make_commitment(
        slug="gpai-growth", title_fr="Élargir le PMIA", title_en="Grow GPAI", owner=owner
    )
    make_deadline(commitment, milestone=make_milestone(slug="bratislava", date=datetime.date(2025, 11, 30)))
    make_update(commitment, text="Published news")
    make_update(commitment, text="Secret draft", state=PublicationState.SUBMITTED)
    OwnerContact.objects.create(owner=owner, email="contact@gpai.example", name="Hidden Person")
    return commitment


def token_for(user) -> str:
    return api_key(user)


@pytest.fixture
def representative(gpai):
    user = User.objects.create_user("rep", "rep@example.org")
    OwnerContact.objects.create(owner=gpai.involvements.get().owner, user=user)
    return user


@pytest.fixture
def editor_token():
    user = User.objects.create_user("ed", is_staff=True)
    user.groups.add(editors_group())
    return token_for(user)


def test_a_researcher_reads_a_commitment_in_either_language(api, gpai):
    english = api.get("/api/commitments/gpai-growth/", HTTP_ACCEPT_LANGUAGE="en")
    french = api.get("/api/commitments/gpai-growth/?lang=fr", HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en" and english.json()["title"] == "Grow GPAI"
    assert french["Content-Language"] == "fr" and french.json()["title"] == "Élargir le PMIA"
    data = english.json()
    assert data["owners"][0] == {
        "owner": {"slug": "gpai", "name": "Global Partnership on AI", "kind": "country"},
        "role": "lead",
        "since": None,
        "since_precision": "day",
        "citations": [],
        "basis": "stated",
        "reasoning": "",
    }
    assert data["is_overdue"] and data["days_overdue"] > 0
    assert data["deadlines"][0]["is_overdue"] and data["deadlines"][0]["due"] == "2025-11-30"
    assert data["latest_update"]["text"] == "Published news"


def test_private_things_never_appear(api, gpai):
    make_commitment(slug="draft", is_public=False)
    body = b"".join(
        api.get(address).content
        for address in ("/api/commitments/", "/api/commitments/gpai-growth/", "/api/updates/", "/api/owners/")
    )
    assert (
        b"Secret draft" not in body and b"contact@gpai.example" not in body and b"Hidden Person" not in body
    )
    assert b'"draft"' not in body
    assert api.get("/api/commitments/draft/").status_code == 404


def test_a_draft_parent_is_named_to_editors_only(api, editor_token):
    make_commitment(slug="child", parent=make_commitment(slug="draft-parent", is_public=False))
    for address in ("/api/commitments/", "/api/commitments/child/"):
        body = api.get(address).json()
        child = body if "slug" in body else body["results"][0]
        assert child["slug"] == "child" and child["parent"] is None
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    assert api.get("/api/commitments/child/").json()["parent"] == "draft-parent"


def test_the_overdue_at_a_milestone_filter_is_the_pages_filter(api, gpai):
    make_commitment(slug="other")
    data = api.get("/api/commitments/?overdue=true&milestone=bratislava").json()
    assert [c["slug"] for c in data["results"]] == ["gpai-growth"]
    # The list alone carries owners, deadlines and targets: one pull for a researcher.
    (row,) = data["results"]
    assert row["owners"][0]["owner"]["slug"] == "gpai"
    assert row["deadlines"][0]["is_overdue"] and row["targets"] == []
    assert api.get("/api/commitments/?status=finished").status_code == 400


def test_a_representative_posts_an_update_with_a_token(api, gpai, representative):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(representative)}")
    response = api.post(
        "/api/updates/",
        {
            "commitment": "gpai-growth",
            "on_behalf_of": "gpai",
            "status": "achieved",
            "text": "Sixty members.",
            "evidence": [{"url": "https://gpai.example/news", "title": "News"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    update = ProgressUpdate.objects.get(pk=response.json()["id"])
    assert (update.state, update.author, update.evidence.get().url) == (
        "submitted",
        representative,
        "https://gpai.example/news",
    )
    gpai.refresh_from_db()
    assert gpai.status == Status.IN_PROGRESS  # nothing public changes until an editor publishes


def test_a_representative_cannot_report_for_another_owner_or_publish(api, gpai, representative):
    other = make_commitment(slug="other", owner=make_owner(slug="oecd"))
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(representative)}")
    for payload in (
        {"commitment": "other", "on_behalf_of": "oecd", "text": "Not mine"},
        {"commitment": "other", "on_behalf_of": "gpai", "text": "Mine, but not its commitment"},
        {"commitment": "gpai-growth", "text": "For no owner"},
    ):
        assert api.post("/api/updates/", payload, format="json").status_code == 403
    draft = ProgressUpdate.objects.get(text="Secret draft")
    assert api.post(f"/api/updates/{draft.pk}/publish/").status_code == 403
    assert api.patch("/api/commitments/gpai-growth/", {"title_en": "Mine"}, format="json").status_code == 403
    assert other.updates.count() == 0


def test_anonymous_writes_are_refused_not_crashed(api, gpai):
    assert (
        api.post("/api/updates/", {"commitment": "gpai-growth", "text": "x"}, format="json").status_code
        == 401
    )
    assert api.patch("/api/commitments/gpai-growth/", {"title_en": "x"}, format="json").status_code == 401


def test_editors_publish_and_reject_updates(api, gpai, editor_token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    draft = ProgressUpdate.objects.get(text="Secret draft")
    draft.status = Status.ACHIEVED
    draft.save()
    draft.evidence.create(url="https://example.org/done")
    assert api.post(f"/api/updates/{draft.pk}/publish/").json()["state"] == "published"
    gpai.refresh_from_db()
    assert gpai.status == Status.ACHIEVED
    other = make_update(gpai, text="Dubious", state=PublicationState.SUBMITTED)
    assert api.post(f"/api/updates/{other.pk}/reject/", {}, format="json").status_code == 400
    assert (
        api.post(f"/api/updates/{other.pk}/reject/", {"reason": "No source"}, format="json").status_code
        == 200
    )


def test_two_editors_never_silently_overwrite_each_other(api, gpai, editor_token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    etag = api.get("/api/commitments/gpai-growth/")["ETag"]
    first = api.patch(
        "/api/commitments/gpai-growth/", {"title_en": "First"}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200 and first["ETag"] != etag
    second = api.patch(
        "/api/commitments/gpai-growth/", {"title_en": "Second"}, format="json", HTTP_IF_MATCH=etag
    )
    assert second.status_code == 412
    assert Commitment.objects.get(slug="gpai-growth").title_en == "First"
    assert api.get("/api/commitments/gpai-growth/")["ETag"] == first["ETag"]


def test_a_write_reads_the_commitment_once_to_check_and_once_to_answer(api, gpai, editor_token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    etag = api.get("/api/commitments/gpai-growth/")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        response = api.patch(
            "/api/commitments/gpai-growth/", {"title_en": "Grown"}, format="json", HTTP_IF_MATCH=etag
        )
    assert response.status_code == 200
    # Each read of the whole detail reads the sources once (views.CommitmentViewSet._with_parts).
    assert sum('FROM "tracker_sourcedocument"' in query["sql"] for query in queries) == 2
    assert Commitment.objects.get(slug="gpai-growth").title_en == "Grown"
    assert api.get("/api/commitments/gpai-growth/")["ETag"] == response["ETag"]


def test_a_change_without_if_match_is_refused_and_changes_nothing(api, gpai, editor_token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    deadline = gpai.deadlines.get()
    for method, address in (
        ("patch", "/api/commitments/gpai-growth/"),
        ("put", f"/api/deadlines/{deadline.pk}/"),
    ):
        refused = getattr(api, method)(address, {"title_en": "Blind"}, format="json")
        assert refused.status_code == 428, address
        assert "If-Match" in refused.json()["detail"]
    assert "Blind" not in {Commitment.objects.get(slug="gpai-growth").title_en, deadline.title_en}


def test_an_edit_of_the_other_languages_text_is_a_new_version(api, gpai, editor_token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    target = Target.objects.create(
        commitment=gpai, slug="members", name_fr="Membres", name_en="Members", target_value=60
    )
    address = f"/api/targets/{target.pk}/"
    read_in_english = api.get(address, HTTP_ACCEPT_LANGUAGE="en")["ETag"]
    Target.objects.filter(pk=target.pk).update(name_fr="Membres du PMIA")  # another editor, in French
    stale = api.patch(address, {"name_en": "Members"}, format="json", HTTP_IF_MATCH=read_in_english)
    assert stale.status_code == 412
    assert Target.objects.get().name_fr == "Membres du PMIA"


def test_editors_create_deadlines_and_readings(api, gpai, editor_token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    response = api.post(
        "/api/deadlines/",
        {
            "commitment": "gpai-growth",
            "slug": "report",
            "title_fr": "R",
            "title_en": "Report",
            "due_on": "2026-06-30",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert gpai.deadlines.filter(slug="report").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"commitment": "gpai-growth", "on_behalf_of": "gpai", "text": "x", "status": "done"}, "status"),
        (
            {"commitment": "gpai-growth", "on_behalf_of": "gpai", "text": "x", "reported_on": "2025-13-01"},
            "reported_on",
        ),
        ({"commitment": "gpai-growth", "on_behalf_of": "gpai", "text": "x" * 10_001}, "text"),
        (
            {
                "commitment": "gpai-growth",
                "on_behalf_of": "gpai",
                "text": "x",
                "evidence": [{"url": "javascript:alert(1)"}],
            },
            "evidence",
        ),
        ({"commitment": "nothing", "on_behalf_of": "gpai", "text": "x"}, "commitment"),
        ({"commitment": 12, "on_behalf_of": "gpai", "text": ["list"]}, "text"),
    ],
)
def test_bad_input_gets_400_with_field_errors(api, gpai, representative, body, field):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(representative)}")
    response = api.post("/api/updates/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_gets_400(api, representative):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(representative)}")
    response = api.generic("POST", "/api/updates/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_the_schema_documents_every_endpoint(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    paths = response.json()["paths"]
    for path in (
        "/api/commitments/",
        "/api/commitments/{slug}/",
        "/api/owners/",
        "/api/milestones/",
        "/api/updates/",
        "/api/updates/{id}/publish/",
        "/api/deadlines/",
        "/api/targets/",
    ):
        assert path in paths
    parameters = {p["name"] for p in paths["/api/commitments/"]["get"]["parameters"]}
    assert {"overdue", "milestone", "owner", "due_before", "lang", "page_size"} <= parameters
    assert api.get("/api/docs/").status_code == 200


@pytest.mark.parametrize(
    "address", ["/api/commitments/", "/api/updates/", "/api/deadlines/", "/api/targets/"]
)
def test_lists_cost_the_same_queries_at_two_sizes(api, address):
    def grow(n):
        milestone = make_milestone()
        for _ in range(n):
            commitment = make_commitment()
            Involvement.objects.create(commitment=commitment, owner=make_owner(), role=Role.PARTNER)
            make_deadline(commitment, milestone=milestone)
            make_update(commitment)

    grow(3)
    with CaptureQueriesContext(connection) as small:
        assert api.get(address).status_code == 200
    grow(20)
    with CaptureQueriesContext(connection) as large:
        assert api.get(address).status_code == 200
    assert len(large) == len(small)


def test_a_commitment_costs_the_same_queries_however_much_it_holds(api, gpai, django_assert_num_queries):
    # The commitment (CommitmentQuerySet.as_shown), its owners, deadlines, targets, readings, counts,
    # amounts (with their owners), assessments and their evidence, sources, children and decisions; the
    # links from every kind of fact to its passages, and those passages; its latest update with its
    # evidence, readings and deliverables.
    owner = gpai.involvements.get().owner
    fund = Amount.objects.create(commitment=gpai, slug="fund", amount=1, currency="EUR", owner=owner)
    cited = Passage.objects.create(source=make_source(), quote="Les mots du document.")
    gpai.involvements.get().citations.add(cited)
    fund.citations.add(cited)
    make_commitment(parent=gpai)
    Target.objects.create(commitment=gpai, slug="members", name_fr="Membres", name_en="Members",
                          unit_fr="pays", unit_en="countries", target_value=60)  # fmt: skip
    StatedCount.objects.create(commitment=gpai, role=Role.SIGNATORY, count=12, noun_en="states")
    Decision.objects.create(commitment=gpai, kind=DecisionKind.CORRECTION, reason="A figure was wrong.")
    for _ in range(2):
        with django_assert_num_queries(18):
            assert api.get("/api/commitments/gpai-growth/").status_code == 200
        # More of each part: the same queries read them.
        make_deadline(gpai, due_on=datetime.date(2026, 6, 30))
        make_update(gpai, text="More news.").evidence.create(url="https://example.org/more", title="More")
        gpai.involvements.create(owner=make_owner(), role=Role.PARTNER)
        make_commitment(parent=gpai)


def test_deadlines_come_by_position_in_the_order_recorded_or_by_due_date(api):
    commitment = make_commitment()
    later = make_deadline(commitment, due_on=datetime.date(2027, 1, 31))
    sooner = make_deadline(commitment, due_on=datetime.date(2026, 3, 31))
    first = api.get("/api/deadlines/?page_size=1").json()
    assert [d["id"] for d in first["results"]] == [later.pk] and "count" not in first
    following = api.get(first["next"].removeprefix("https://tracker.example.org")).json()
    assert [d["id"] for d in following["results"]] == [sooner.pk]
    by_due = api.get("/api/deadlines/?ordering=due").json()
    assert [d["id"] for d in by_due["results"]] == [sooner.pk, later.pk]


def test_a_commitment_without_parts_is_read_without_their_queries(api, django_assert_num_queries):
    # The commitment, its owners, deadlines, targets, sources and latest update (none), the passages
    # its announcement and owners cite: no query for the stated numbers, money, parts, decisions and
    # assessments it has none of (Commitment.read_parts: has_*, assessed_on).
    make_commitment(slug="plain", status=Status.NOT_ASSESSED)
    with django_assert_num_queries(7):
        body = api.get("/api/commitments/plain/").json()
    assert (body["stated_counts"], body["amounts"], body["children"], body["decisions"]) == ([], [], [], [])


def test_the_schema_generates_without_a_warning(tmp_path):
    from django.core.management import call_command

    # --fail-on-warn turns any drf-spectacular warning (an undescribed field or filter) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "Summit Tracker API" in (tmp_path / "schema.yml").read_text()


def test_an_editor_curates_a_draft_and_gets_it_back_as_read(api, editor_token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    draft = {"slug": "draft", "title_fr": "B", "title_en": "D", "summary_fr": "R", "summary_en": "S",
             "axis": "science", "kind": "tool", "announced_on": "2025-02-10", "is_public": False,
             "nature": "promise", "success_fr": "Livré.", "success_en": "Delivered."}  # fmt: skip
    assert api.post("/api/commitments/", draft, format="json").status_code == 201
    response = api.post(
        "/api/deadlines/",
        {
            "commitment": "draft",
            "slug": "d",
            "title_fr": "L",
            "title_en": "D",
            "due_on": "2000-13",
            "due_precision": "month",
        },
        format="json",
    )
    assert response.status_code == 400 and "due_on" in response.json()  # there is no 13th month
    response = api.post(
        "/api/deadlines/",
        {"commitment": "draft", "slug": "d", "title_fr": "L", "title_en": "D", "due_on": "2000-06-01",
         "due_precision": "year", "done_on": "2000-02-01"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400  # a done date without "done": the model's rule, not a 500
    response = api.post(
        "/api/deadlines/",
        {
            "commitment": "draft",
            "slug": "d",
            "title_fr": "L",
            "title_en": "D",
            "due_on": "2000",
            "due_precision": "year",
        },
        format="json",
    )
    assert response.status_code == 201
    # Dates come back as precisely as they are known: a year is a year.
    assert (response.json()["due_on"], response.json()["due"], response.json()["is_overdue"]) == (
        "2000",
        "2000",
        True,
    )
    assert APIClient().get("/api/deadlines/").json()["results"] == []  # the public sees no draft's deadline


# The review workflow through the API: the same rules and the same code path as the web forms.


def test_an_update_carries_readings_and_deliverables_that_publishing_applies(
    api, gpai, representative, editor_token
):
    target = Target.objects.create(commitment=gpai, slug="members", name_fr="M", name_en="M", target_value=60)
    deadline = gpai.deadlines.get()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(representative)}")
    payload = {
        "commitment": "gpai-growth",
        "on_behalf_of": "gpai",
        "reported_on": "2025-11-30",
        "text": "Sixteen joined.",
        "readings": [{"target": target.pk, "value": "60"}],
        "marks_done": [deadline.pk],
    }
    created = api.post("/api/updates/", payload, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    published = api.post(f"/api/updates/{pk}/publish/")
    assert published.status_code == 200
    assert published.json()["readings"] == [{"target": target.pk, "value": "60.00"}]
    assert Reading.objects.get(target=target).value == 60
    deadline.refresh_from_db()
    assert deadline.is_done
    again = api.post(f"/api/updates/{pk}/publish/?lang=en")
    assert again.status_code == 400 and "already published" in str(again.json())


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"status": "achieved"}, "evidence"),
        ({"status": "stalled", "evidence": [{"url": "https://e.org"}]}, "reason"),
        ({"readings": [{"target": "other", "value": "1"}]}, "readings"),
        ({"marks_done": ["other"]}, "marks_done"),
    ],
)
def test_an_update_that_breaks_a_reporting_rule_gets_400(api, gpai, representative, extra, field):
    other = make_commitment(slug="other")
    foreign_target = Target.objects.create(
        commitment=other, slug="t", name_fr="T", name_en="T", target_value=1
    )
    foreign_deadline = make_deadline(other)
    if "readings" in extra:
        extra = {"readings": [{"target": foreign_target.pk, "value": "1"}]}
    if "marks_done" in extra:
        extra = {"marks_done": [foreign_deadline.pk]}
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(representative)}")
    payload = {"commitment": "gpai-growth", "on_behalf_of": "gpai", "text": "News", **extra}
    response = api.post("/api/updates/", payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert ProgressUpdate.objects.filter(text="News").count() == 0


def test_editors_record_decisions_and_everyone_reads_the_public_ones(api, gpai, editor_token, representative):
    deadline = gpai.deadlines.get()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(representative)}")
    refused = api.post("/api/decisions/", {"commitment": "gpai-growth", "kind": "missed", "reason": "x"})
    assert refused.status_code == 403
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    extension = api.post(
        "/api/decisions/",
        {"commitment": "gpai-growth", "kind": "extended", "deadline": deadline.pk, "new_due": "2026-06-30",
         "reason": "Postponed ministerial."},
        format="json",
    )  # fmt: skip
    assert extension.status_code == 201, extension.json()
    assert extension.json()["previous_due"] == "2025-11-30"
    early = api.post(
        "/api/decisions/",
        {"commitment": "gpai-growth", "kind": "extended", "deadline": deadline.pk, "new_due": "2020-01-01",
         "reason": "Wrong way."},
        format="json",
    )  # fmt: skip
    assert early.status_code == 400 and "new_due" in early.json()
    note = api.post(
        "/api/decisions/", {"commitment": "gpai-growth", "kind": "followed_up", "reason": "Called."}
    )
    assert note.status_code == 201
    api.credentials()
    public = api.get("/api/decisions/").json()["results"]
    assert [d["kind"] for d in public] == ["extended"]  # follow-ups are the editors' own notes
    detail = api.get("/api/commitments/gpai-growth/").json()
    assert [d["kind"] for d in detail["decisions"]] == ["extended"]
    deadline.refresh_from_db()
    assert deadline.due_on == datetime.date(2026, 6, 30)


def _every_kind_of_value():
    """Commitments holding every kind of value the written-out serializers write; return (target, done)."""
    owner = make_owner(name="Partenariat", name_en="Partnership")
    parent = make_commitment(slug="parent")
    commitment = make_commitment(slug="full", title_en="", parent=parent, owner=owner)
    commitment.involvements.create(owner=make_owner(name="Zeta", short_name="Z"), role=Role.PARTNER)
    commitment.sources.add(SourceDocument.objects.create(slug="declaration", title="Declaration"))
    make_commitment(slug="public-child", parent=commitment)
    make_commitment(slug="draft-child", parent=commitment, is_public=False)
    milestone = make_milestone(date=datetime.date(2025, 1, 31), date_precision="month")
    make_deadline(commitment, milestone=milestone)
    done = make_deadline(commitment, due_on=datetime.date(2024, 12, 31), due_precision="year",
                         is_done=True, done_on=datetime.date(2025, 3, 1))  # fmt: skip
    target = Target.objects.create(commitment=commitment, slug="members", name_fr="Membres", name_en="",
                                   unit_fr="pays", unit_en="countries", baseline=Decimal("12.5"),
                                   baseline_on=datetime.date(2025, 2, 10), target_value=60,
                                   milestone=milestone)  # fmt: skip
    Reading.objects.create(target=target, measured_on=datetime.date(2025, 3, 1), value=Decimal("30.25"),
                           note="D'après le site", source_url="https://example.org/")  # fmt: skip
    Reading.objects.create(target=target, measured_on=datetime.date(2025, 6, 1), value=45)
    StatedCount.objects.create(
        commitment=commitment, role=Role.SIGNATORY, count=3, noun_fr="pays", noun_en=""
    )
    Amount.objects.create(commitment=commitment, slug="fund", amount=Decimal("2.5"), currency="EUR",
                          label_fr="fonds", label_en="fund", owner=owner)  # fmt: skip
    Amount.objects.create(commitment=commitment, slug="loan", amount=1000, currency="USD",
                          label_fr="prêt", label_en="")  # fmt: skip
    update = make_update(commitment, text="News", on_behalf_of=owner)
    Evidence.objects.create(update=update, url="https://example.org/", title="N")
    ReportedReading.objects.create(update=update, target=target, value=Decimal("33.5"))
    update.marks_done.add(done)
    Decision.objects.create(commitment=commitment, kind=DecisionKind.CORRECTION, reason="Wrong figure")
    Decision.objects.create(commitment=commitment, kind=DecisionKind.EXTENDED, reason="Later", deadline=done,
                            previous_due=datetime.date(2024, 12, 31), previous_precision="year",
                            new_due=datetime.date(2025, 6, 30), new_precision="day")  # fmt: skip
    return target, done


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_kind_of_value_reads_back_as_written(language):
    target, done = _every_kind_of_value()
    client = APIClient()
    listed = {c["slug"]: c for c in client.get(f"/api/commitments/?lang={language}").json()["results"]}
    detail = client.get(f"/api/commitments/full/?lang={language}").json()
    english = language == "en"
    row = listed["full"]
    assert row["url"] == "https://tracker.example.org/api/commitments/full/"
    assert row["parent"] == "parent" and "draft-child" not in listed
    assert [owner["owner"]["name"] for owner in detail["owners"]] == [
        "Partnership" if english else "Partenariat",
        "Zeta",
    ]
    assert [(d["due"], d["due_exactness"], d["is_done"], d["done_on"]) for d in row["deadlines"]] == [
        ("2024", "year", True, "2025-03-01"),
        ("2025-01", "month", False, None),
    ]
    assert row["is_overdue"] is True and row["days_overdue"] == detail["days_overdue"] > 0
    (members,) = detail["targets"]
    assert members["name"] == "Membres" and members["unit"] == ("countries" if english else "pays")
    assert (members["baseline"], members["baseline_on"], members["target_value"]) == (
        "12.50", "2025-02-10", "60.00",
    )  # fmt: skip
    assert [(r["measured_on"], r["value"], r["note"]) for r in members["readings"]] == [
        ("2025-03-01", "30.25", "D'après le site"),
        ("2025-06-01", "45.00", ""),
    ]
    assert members["readings"] == row["targets"][0]["readings"]
    assert sorted((a["slug"], a["amount"], a["owner"]) for a in detail["amounts"]) == [
        ("fund", "2.50", detail["owners"][0]["owner"]["slug"]),
        ("loan", "1000.00", None),
    ]
    assert [c["count"] for c in detail["stated_counts"]] == [3]
    assert detail["sources"] == ["declaration"] and detail["children"] == ["public-child"]
    latest = detail["latest_update"]
    assert latest["evidence"] == [{"url": "https://example.org/", "title": "N"}]
    assert latest["readings"] == [{"target": target.pk, "value": "33.50"}]
    assert latest["marks_done"] == [done.pk]
    extension = next(d for d in detail["decisions"] if d["kind"] == DecisionKind.EXTENDED)
    assert (extension["previous_due"], extension["new_due"]) == ("2024", "2025-06-30")


# Verdicts you can defend: what the API says of each fact's source and each verdict's evidence.


@pytest.fixture
def summit(db):
    from django.core.management import call_command

    call_command("load_summit", verbosity=0)


def test_a_commitment_carries_its_verdicts_nature_and_every_facts_citations(api, summit):
    body = api.get("/api/commitments/international-ai-safety-report/?lang=en").json()
    assert (body["nature"], body["status"], body["assessed_on"], body["assessed_precision"]) == (
        "delivered_at_summit",
        "achieved",
        "2025-02",  # as precisely as it is known: the month of the documents
        "month",
    )
    (verdict,) = body["assessments"]
    assert (verdict["status"], verdict["origin"], verdict["rationale_language"]) == (
        "achieved",
        "source_documents",
        "en",
    )
    assert verdict["evidence"] == [
        {
            "source": "paris-actions-summary",
            "quote": "a été publié dans sa première édition au sommet de Paris",
        }
    ]
    # Every fact names its passages, each a document's slug and its exact words.
    facts = [
        body,
        *body["owners"],
        *body["stated_counts"],
        *body["amounts"],
        *body["deadlines"],
        *body["targets"],
    ]
    for fact in facts:
        assert fact["citations"] and fact["basis"] in ("stated", "worked_out", "inferred")
        for citation in fact["citations"]:
            assert set(citation) == {"source", "quote"} and citation["source"] == "paris-actions-summary"
    yoshua = next(o for o in body["owners"] if o["owner"]["slug"] == "yoshua-bengio")
    assert any("piloté par Yoshua Bengio" in c["quote"] for c in yoshua["citations"])


def test_dates_keep_their_precision_and_worked_out_values_say_how(api, summit):
    body = api.get("/api/commitments/european-ai-champions/?lang=en").json()
    five_years = next(d for d in body["deadlines"] if d["slug"] == "investment-over-five-years")
    assert (five_years["due_on"], five_years["due_precision"], five_years["basis"]) == (
        "2030-02",
        "month",
        "worked_out",
    )
    assert "February 2025" in five_years["reasoning"]
    # The second document's differing claim is cited beside the official one.
    assert {c["source"] for c in five_years["citations"]} == {"paris-actions-summary", "yele-summit-recap"}
    g7 = api.get("/api/milestones/g7-summit-2026/").json()
    assert (g7["date"], g7["date_precision"]) == ("2026", "year")
    summit_days = api.get("/api/milestones/paris-summit-2025/").json()
    assert (summit_days["starts_on"], summit_days["date"]) == ("2025-02-06", "2025-02-11")
    assert summit_days["citations"] == [
        {"source": "paris-actions-summary", "quote": "se sont réunis du 6 au 11 février 2025 à Paris"}
    ]


def test_the_sources_list_their_cited_passages_and_who_cites_them(api, summit):
    sources = api.get("/api/sources/").json()
    assert [s["slug"] for s in sources] == [
        "paris-actions-summary",
        "yele-summit-recap",
    ]  # the reference first
    assert sources[0]["is_reference"] and sources[0]["published_on"] == "2025-02"
    detail = api.get("/api/sources/paris-actions-summary/").json()
    assert detail["passages"] == sources[0]["passages"]
    bengio = next(p for p in detail["passages"] if "piloté par Yoshua Bengio" in p["quote"])
    assert bengio["commitments"] == ["international-ai-safety-report"]
    # Every passage stored is cited by something public: a commitment, or a milestone's date.
    assert all(p["commitments"] or p["milestones"] for p in detail["passages"])
    assert any(p["milestones"] == ["paris-summit-2025"] for p in detail["passages"])
    assert api.get("/api/sources/nowhere/").status_code == 404


def test_a_reference_that_cannot_be_a_slug_is_not_found_not_a_server_error(api, gpai, editor_token):
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    response = api.post(
        "/api/decisions/",
        {"commitment": "gpai\x00growth", "kind": "followed_up", "reason": "Called."},
        format="json",
    )
    assert response.status_code == 400
    (message,) = response.json()["commitment"]
    assert "slug=gpaigrowth" in message  # named, the NUL left out


class _Thing:
    """An object a serializer reads: an attribute, a method to call, one that raises, none at all."""

    name = "Thing"

    def count(self):
        return 3

    def shout(self):
        return self.name.upper()

    @property
    def broken(self):
        raise AttributeError("not here")


def test_a_planned_serializer_answers_what_drf_answers():
    from rest_framework import serializers

    from tracker.api.fields import Planned

    class Plain(serializers.Serializer):
        name = serializers.CharField()
        count = serializers.IntegerField()
        upper = serializers.CharField(source="shout", required=False)  # a method, called
        broken = serializers.CharField(required=False)  # AttributeError on a non-required field: skipped
        missing = serializers.CharField(allow_null=True, default=None)  # absent: its default
        whole = serializers.SerializerMethodField()  # reads its own way (source "*")

        def get_whole(self, thing):
            return sorted(thing) if isinstance(thing, dict) else type(thing).__name__

    class Fast(Planned, Plain):
        pass

    thing = _Thing()
    mapping = {"name": "Mapping", "count": 4, "broken": "b"}  # a dict is read by key, as DRF does
    for instance in (thing, mapping):
        assert Fast(instance).data == Plain(instance).data
    assert Fast(thing).data == {
        "name": "Thing",
        "count": 3,
        "upper": "THING",
        "missing": None,
        "whole": "_Thing",
    }
    assert Fast([thing, thing], many=True).data == Plain([thing, thing], many=True).data


def test_a_planned_serializer_builds_its_fields_once_a_class_and_copies_them():
    from tracker.api.serializers import CommitmentSerializer

    first, second = CommitmentSerializer().fields, CommitmentSerializer().fields
    assert list(first) == list(second)
    assert first["owners"] is not second["owners"]  # each serializer binds its own copy
    assert first["owners"].parent is not second["owners"].parent
    # Copies share what DRF never changes; nested fields find their own answer's context.
    one, two = CommitmentSerializer(context={"answer": 1}), CommitmentSerializer(context={"answer": 2})
    assert one.fields["owners"].child.fields["owner"].context == {"answer": 1}
    assert two.fields["owners"].child.fields["owner"].context == {"answer": 2}
    assert one.fields["targets"].child.fields["readings"].child.root is one


def test_copied_relation_fields_are_bound_to_their_own_answer():
    from tracker.api.serializers import UpdateSerializer

    one, two = UpdateSerializer(context={"answer": 1}), UpdateSerializer(context={"answer": 2})
    assert one.fields["marks_done"].child_relation.context == {"answer": 1}
    assert two.fields["marks_done"].child_relation.context == {"answer": 2}
    assert one.fields["marks_done"].child_relation is not two.fields["marks_done"].child_relation


# Texts of unwanted characters alone (tracker/fields.py: clean_text), as schemathesis sent them: the
# model validated the text as written, then saved it cleaned, so empty. Each answered 500 (a constraint)
# or stored an empty title, text or reason.
@pytest.mark.parametrize("text", ["\x01", "\x93\x81", "\x0b\u202e", " \x07 "])
def test_a_text_of_unwanted_characters_alone_is_refused_as_empty(api, gpai, editor_token, text):
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    decision = api.post(
        "/api/decisions/",
        {"commitment": "gpai-growth", "kind": "followed_up", "reason": text},
        format="json",
    )
    assert decision.status_code == 400 and list(decision.json()) == ["reason"]
    update = api.post("/api/updates/", {"commitment": "gpai-growth", "text": text}, format="json")
    assert update.status_code == 400 and list(update.json()) == ["text"]
    deadline = gpai.deadlines.get()
    for address in ("/api/commitments/gpai-growth/", f"/api/deadlines/{deadline.pk}/"):
        etag = api.get(address)["ETag"]
        changed = api.patch(address, {"title_fr": text}, format="json", HTTP_IF_MATCH=etag)
        assert changed.status_code == 400 and list(changed.json()) == ["title_fr"], address
    draft = ProgressUpdate.objects.get(text="Secret draft")
    rejected = api.post(f"/api/updates/{draft.pk}/reject/", {"reason": text}, format="json")
    assert rejected.status_code == 400 and list(rejected.json()) == ["reason"]
    draft.refresh_from_db()
    gpai.refresh_from_db()
    deadline.refresh_from_db()
    assert draft.state == PublicationState.SUBMITTED
    assert gpai.title_fr == "Élargir le PMIA" and deadline.title_fr
    assert not Decision.objects.exists() and ProgressUpdate.objects.count() == 2


# Readings: the public reads those its charts show, as the commitments' pages do (ReadingQuerySet.public).


def test_the_public_reads_the_readings_the_charts_show_and_nothing_else(api, gpai, editor, editor_token):
    members = Target.objects.create(
        commitment=gpai, slug="members", name_fr="M", name_en="M", target_value=60
    )
    recorded = Reading.objects.create(target=members, measured_on=datetime.date(2025, 3, 1), value=20)
    draft = make_commitment(slug="draft", is_public=False)
    hidden = Target.objects.create(commitment=draft, slug="t", name_fr="T", name_en="T", target_value=5)
    drafts_reading = Reading.objects.create(target=hidden, measured_on=datetime.date(2025, 3, 1), value=1)
    reporter = User.objects.create_user("reporter")

    def report(value, day):
        return submit_update(
            commitment=gpai,
            author=reporter,
            text="Members joined.",
            reported_on=datetime.date(2025, 10, day),
            evidence=[{"url": "https://example.org/communique"}],
            readings=[(members, Decimal(value))],
        )

    report(40, 1)  # submitted, waiting for review
    rejected = reject_update(report(41, 2), by=editor, reason="No source.")
    published = publish_update(report(52, 3), by=editor)
    retracted = publish_update(report(55, 4), by=editor)
    record_decision(
        Decision(
            commitment=gpai, kind=DecisionKind.CORRECTION, retracts=retracted, reason="Wrong.", language="en"
        ),
        by=editor,
    )

    def values(client, address="/api/readings/"):
        answer = client.get(address)
        assert answer.status_code == 200, answer.content
        return [(r["target"], r["measured_on"], r["value"]) for r in answer.json()["results"]]

    on_chart = [(members.pk, "2025-03-01", "20.00"), (members.pk, "2025-10-03", "52.00")]
    assert values(api) == on_chart
    assert values(api, f"/api/readings/?target={members.pk}") == on_chart
    assert [
        (r["measured_on"], r["value"]) for r in api.get(f"/api/targets/{members.pk}/").json()["readings"]
    ] == [(day, value) for _target, day, value in on_chart]
    assert api.get(f"/api/readings/{recorded.pk}/").json()["note"] == ""
    assert api.get(f"/api/readings/{drafts_reading.pk}/").status_code == 404
    assert rejected.state == PublicationState.REJECTED and published.state == PublicationState.PUBLISHED

    # Editors read drafts' readings too, and record readings; nobody else does.
    body = {"target": members.pk, "measured_on": "2025-12", "measured_precision": "month", "value": "58"}
    assert api.post("/api/readings/", body, format="json").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    assert (hidden.pk, "2025-03-01", "1.00") in values(api)
    created = api.post("/api/readings/", body, format="json")
    assert created.status_code == 201 and created.json()["measured_on"] == "2025-12"


def test_readings_of_a_drafts_target_answer_as_those_of_no_target(api, editor_token):
    draft = make_commitment(slug="draft", is_public=False)
    hidden = Target.objects.create(commitment=draft, slug="t", name_fr="T", name_en="T", target_value=5)
    Reading.objects.create(target=hidden, measured_on=datetime.date(2025, 3, 1), value=1)
    unknown = hidden.pk + 1000
    # The public cannot tell a draft's target from no target at all: both have no readings.
    for target in (hidden.pk, unknown):
        answer = api.get(f"/api/readings/?target={target}")
        assert (answer.status_code, answer.json()["results"]) == (200, [])
    for not_an_id in ("members", f"{hidden.pk}.5"):
        assert api.get(f"/api/readings/?target={not_an_id}").status_code == 400
    # Editors read the draft's.
    api.credentials(HTTP_AUTHORIZATION=f"Token {editor_token}")
    assert [r["value"] for r in api.get(f"/api/readings/?target={hidden.pk}").json()["results"]] == ["1.00"]


# Markdown texts come as written and as the HTML the pages show (tracker/markup.py).


def test_update_texts_and_their_verdicts_come_as_the_pages_html_too(api, client, editor):
    commitment = make_commitment(slug="gpai-growth")
    text = "**Two** members joined: [the communiqué](https://example.org/c).\n\n<script>alert(1)</script>"
    reporter = User.objects.create_user("reporter")
    update = publish_update(
        submit_update(
            commitment=commitment,
            author=reporter,
            text=text,
            language="en",
            reported_on=datetime.date(2025, 10, 1),
            status=Status.ACHIEVED,
            evidence=[{"url": "https://example.org/c"}],
        ),
        by=editor,
    )
    listed = api.get("/api/updates/").json()["results"][0]
    assert listed["text"] == text
    html = listed["text_html"]
    assert html.startswith('<p><strong>Two</strong> members joined: <a href="https://example.org/c"')
    assert "script" not in html
    assert api.get(f"/api/updates/{update.pk}/").json()["text_html"] == html
    # Read in English, the language the update and the factory's verdict are written in.
    detail = api.get("/api/commitments/gpai-growth/?lang=en").json()
    assert detail["latest_update"]["text_html"] == html
    with translation.override("en"):
        update_page = reverse("tracker:update_detail", args=["gpai-growth", update.pk])
        commitment_page = reverse("tracker:commitment_detail", args=["gpai-growth"])
    assert html in client.get(update_page).content.decode()

    # The verdict the update made says the same; one made otherwise is plain text, as on the page.
    by_origin = {a["origin"]: a for a in detail["assessments"]}
    assert by_origin["progress_update"]["rationale_html"] == html
    assert by_origin["source_documents"]["rationale"] == "Checked."
    assert by_origin["source_documents"]["rationale_html"] == "<p>Checked.</p>"
    page = client.get(commitment_page).content.decode()
    assert html in page and "<p>Checked.</p>" in page


def test_the_updates_of_one_commitment_are_listed_by_its_slug(api):
    fund, other = make_commitment(slug="fund"), make_commitment(slug="other")
    kept = make_update(fund, text="Kept.")
    make_update(fund, text="Waiting.", state=PublicationState.SUBMITTED)
    make_update(other, text="Elsewhere.")
    listed = api.get("/api/updates/?commitment=fund").json()["results"]
    assert [update["id"] for update in listed] == [kept.pk]
    assert api.get("/api/updates/?commitment=no-such-commitment").json()["results"] == []
