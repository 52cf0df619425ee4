"""
Verdicts on each named signatory (tracker/models/signatories.py): the model's rules, the editors'
admin, the commitment's "By signatory" matrix, the owner's page and scorecard, and the API.
"""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factory import make_assessment, make_commitment, make_owner, make_signatory_assessment, make_source
from tests.test_admin import form_data
from tracker.choices import Nature, Role, Status
from tracker.dates import DatePrecision
from tracker.models import Commitment, Involvement, Owner, Passage, SignatoryAssessment, StatedCount

pytestmark = pytest.mark.django_db


@pytest.fixture
def charter():
    """A charter 10 governments signed, 4 of them named (as the Current AI charter is), not assessed."""
    commitment = make_commitment(
        slug="charter", title_en="Charter", title_fr="Charte", owner=make_owner(slug="de", name="Allemagne",
        name_en="Germany"), role=Role.SIGNATORY, status=Status.NOT_ASSESSED,
    )  # fmt: skip
    for slug, name, name_en in (("cl", "Chili", "Chile"), ("in", "Inde", "India"), ("ng", "Nigeria", "")):
        owner = make_owner(slug=slug, name=name, name_en=name_en)
        commitment.involvements.create(owner=owner, role=Role.SIGNATORY)
    StatedCount.objects.create(
        commitment=commitment, role=Role.SIGNATORY, count=10, noun_fr="gouvernements", noun_en="governments"
    )
    return commitment


def signatory(commitment: Commitment, slug: str) -> Involvement:
    return commitment.involvements.get(owner__slug=slug)


def page(client, slug: str = "charter", language: str = "fr") -> str:
    response = client.get(f"/{language}/commitments/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def matrix(html: str) -> str:
    """The page's "By signatory" section ("" when it has none)."""
    start = html.find('<section aria-labelledby="by-signatory">')
    return html[start : html.index("</section>", start)] if start >= 0 else ""


# The model's rules.


def test_a_verdict_needs_a_reason_a_status_and_one_evidence(charter):
    germany = signatory(charter, "de")
    incomplete = SignatoryAssessment(
        involvement=germany, status=Status.NOT_ASSESSED, assessed_on=datetime.date(2025, 11, 1)
    )
    with pytest.raises(ValidationError) as raised:
        incomplete.full_clean()
    assert set(raised.value.message_dict) >= {"status", "rationale_fr", "passage"}
    # The database refuses each, named, whatever the form.
    good = {"involvement": germany, "status": Status.IN_PROGRESS, "rationale_en": "Checked."}
    page_read = {"url": "https://example.org/plan", "consulted_on": datetime.date(2025, 11, 2)}
    refused = {
        "signatory_assessment_has_rationale": {**good, "rationale_en": "", **page_read},
        "signatory_assessment_is_a_verdict": {**good, "status": Status.NOT_ASSESSED, **page_read},
        "signatory_assessment_evidence": {**good, "url": "https://example.org/plan"},
    }
    for name, fields in refused.items():
        with pytest.raises(IntegrityError, match=name), transaction.atomic():
            SignatoryAssessment.objects.create(**fields)
    SignatoryAssessment.objects.create(**good, **page_read)


def test_a_verdict_rests_on_a_passage_or_a_page_read_on_a_day_not_both(charter):
    passage = Passage.objects.create(source=make_source(), quote="L'Allemagne a signé.")
    germany = signatory(charter, "de")
    both = SignatoryAssessment(
        involvement=germany, status=Status.ACHIEVED, rationale_fr="Signé.", passage=passage,
        url="https://example.org/x", consulted_on=datetime.date(2025, 3, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        both.full_clean()
    assert "passage" in raised.value.message_dict
    undated = SignatoryAssessment(
        involvement=germany, status=Status.ACHIEVED, rationale_fr="Signé.", url="https://example.org/x"
    )
    with pytest.raises(ValidationError) as raised:
        undated.full_clean()
    assert "consulted_on" in raised.value.message_dict
    make_signatory_assessment(germany, Status.ACHIEVED, passage=passage)


def test_partners_are_not_assessed_apart(charter):
    partner = charter.involvements.create(owner=make_owner(), role=Role.PARTNER)
    with pytest.raises(ValidationError) as raised:
        make_signatory_assessment(partner, Status.ACHIEVED)
    assert "involvement" in raised.value.message_dict


def test_a_date_keeps_its_precision_and_the_newest_verdict_wins(charter):
    germany = signatory(charter, "de")
    make_signatory_assessment(germany, Status.IN_PROGRESS, assessed_on=datetime.date(2025, 6, 1))
    newest = make_signatory_assessment(
        germany,
        Status.ACHIEVED,
        assessed_on=datetime.date(2025, 11, 3),
        assessed_precision=DatePrecision.MONTH,
    )
    assert newest.assessed_on == datetime.date(2025, 11, 30)
    with translation.override("en"):
        assert newest.assessed_label() == "November 2025"
    assert list(SignatoryAssessment.objects.latest()) == [newest]
    assert germany.assessments.count() == 2  # the older one stays on record


# The editors' admin.


def test_editors_assess_a_signatory_from_its_page_and_cannot_rewrite_it(editor_client, editor, charter):
    germany = signatory(charter, "de")
    # The commitment's page links to the participant's, where the verdicts are.
    commitment_page = editor_client.get(reverse("admin:tracker_commitment_change", args=[charter.pk]))
    participant = reverse("admin:tracker_involvement_change", args=[germany.pk])
    assert participant in commitment_page.content.decode()
    response = editor_client.get(participant)
    assert response.status_code == 200
    data = {
        **form_data(response),
        "assessments-TOTAL_FORMS": "1",
        "assessments-0-status": Status.IN_PROGRESS,
        "assessments-0-assessed_on": "2025-11-01",
        "assessments-0-assessed_precision": DatePrecision.MONTH,
        "assessments-0-rationale_en": "Its ministry published a plan.",
        "assessments-0-url": "https://example.org/plan",
        "assessments-0-consulted_on": "2025-11-20",
    }
    response = editor_client.post(participant, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    verdict = germany.assessments.get()
    assert (verdict.status, verdict.assessed_by, verdict.assessed_label()) == (
        Status.IN_PROGRESS, editor, "novembre 2025"
    )  # fmt: skip
    change = reverse("admin:tracker_signatoryassessment_change", args=[verdict.pk])
    assert editor_client.post(change, {"status": Status.ACHIEVED}).status_code == 403
    assert (
        editor_client.post(reverse("admin:tracker_signatoryassessment_delete", args=[verdict.pk])).status_code
        == 403
    )
    verdict.refresh_from_db()
    assert verdict.status == Status.IN_PROGRESS


def test_a_bad_verdict_is_sent_back_with_a_message(editor_client, charter):
    response = editor_client.post(
        reverse("admin:tracker_signatoryassessment_add"),
        {"involvement": signatory(charter, "de").pk, "status": Status.ACHIEVED, "assessed_on": "2025-11-01",
         "assessed_precision": "day", "rationale_fr": "Fait."},
    )  # fmt: skip
    assert response.status_code == 200
    assert "passage" in response.context["adminform"].form.errors
    assert not SignatoryAssessment.objects.exists()


def test_staff_who_are_not_editors_cannot_assess(client, charter):
    client.force_login(User.objects.create_user("staff-only", is_staff=True))
    add = reverse("admin:tracker_signatoryassessment_add")
    assert client.get(add).status_code == 403
    response = client.post(
        add,
        {"involvement": signatory(charter, "de").pk, "status": Status.ACHIEVED, "assessed_on": "2025-11-01",
         "assessed_precision": "day", "rationale_fr": "Fait.", "url": "https://example.org/x",
         "consulted_on": "2025-11-02"},
    )  # fmt: skip
    assert response.status_code == 403
    assert not SignatoryAssessment.objects.exists()


def test_a_partners_page_offers_no_verdict(editor_client, charter):
    partner = charter.involvements.create(owner=make_owner(), role=Role.PARTNER)
    response = editor_client.get(reverse("admin:tracker_involvement_change", args=[partner.pk]))
    assert response.status_code == 200
    assert "assessments-TOTAL_FORMS" not in response.content.decode()


# The commitment's page.


def test_the_page_shows_each_named_signatory_and_the_stated_total_in_french(client, charter):
    make_signatory_assessment(
        signatory(charter, "de"), Status.IN_PROGRESS, assessed_precision=DatePrecision.MONTH,
        rationale_fr="Son ministère a publié un plan.", rationale_en="",
    )  # fmt: skip
    shown = matrix(page(client))
    # The new sentences are translated when the lead merges /tmp/h/fr-sig.json into locale/; the
    # facts are French already.
    assert "10 gouvernements" in shown and ">Allemagne</a>" in shown and ">Nigeria</a>" in shown
    assert shown.count('<tr id="signatory-') == 4  # the six unnamed are a number, never rows
    assert "Son ministère a publié un plan." in shown and "novembre 2025" in shown
    assert shown.count("Pas encore évalué") == 3
    assert 'href="https://example.org/signatory"' in shown


def test_the_page_shows_the_matrix_in_english_with_earlier_verdicts(client, charter):
    germany = signatory(charter, "de")
    make_signatory_assessment(
        germany, Status.STALLED, assessed_on=datetime.date(2025, 6, 1), rationale_en="Nothing yet."
    )
    make_signatory_assessment(
        germany, Status.ACHIEVED, assessed_on=datetime.date(2025, 12, 1), rationale_en="Done."
    )
    shown = matrix(page(client, language="en"))
    assert "By signatory" in shown and "4 named of 10 governments" in shown
    assert ">Germany</a>" in shown and ">Nigeria</a>" in shown
    assert shown.index("Done.") < shown.index("Earlier assessments") < shown.index("Nothing yet.")
    assert shown.count("Not yet assessed") == 3


def test_rationales_are_escaped(client, charter):
    make_signatory_assessment(
        signatory(charter, "de"), Status.ACHIEVED, rationale_en="<script>alert(1)</script>"
    )
    shown = matrix(page(client, language="en"))
    assert "<script>alert(1)</script>" not in shown and "&lt;script&gt;" in shown


def test_no_matrix_for_a_sole_participant_of_its_role_nor_for_partners(client):
    # A lead and a supporter: each the only one of its role, whose verdict is the commitment's.
    alone = make_commitment(slug="alone", role=Role.LEAD)
    supporter = alone.involvements.create(owner=make_owner(), role=Role.SUPPORTER)
    assert matrix(page(client, "alone")) == ""
    with pytest.raises(ValidationError) as raised:
        make_signatory_assessment(supporter, Status.ACHIEVED)
    assert "involvement" in raised.value.message_dict
    partners = make_commitment(slug="partners", role=Role.PARTNER)
    partners.involvements.create(owner=make_owner(), role=Role.PARTNER)
    assert matrix(page(client, "partners")) == ""


def test_only_the_roles_naming_several_are_in_the_matrix(client, charter):
    charter.involvements.create(owner=make_owner(name="Seule porteuse"), role=Role.LEAD)
    shown = matrix(page(client, language="en"))
    assert shown.count('<tr id="signatory-') == 4 and "Seule porteuse" not in shown


def test_the_page_with_a_matrix_costs_the_same_queries_at_two_sizes(
    client, charter, django_assert_num_queries
):
    # The plain page's seven queries (tests/test_views.py), its stated count, and one for the
    # participants' assessments with their passages; more signatories and verdicts read by the same.
    page(client)  # warm the caches of content types and the like
    for size in (1, 2):
        for involvement in charter.involvements.all():
            make_signatory_assessment(
                involvement, Status.IN_PROGRESS, assessed_on=datetime.date(2025, 5, size)
            )
        with django_assert_num_queries(9):
            page(client)
        for _n in range(3):
            charter.involvements.create(owner=make_owner(), role=Role.SIGNATORY)


def test_the_verdicts_are_read_only_once_a_participant_has_one(client, charter, django_assert_num_queries):
    # The plain page's seven queries and its stated count: no verdict to read, every row "not yet
    # assessed" (Commitment.has_signatory_assessments). The first verdict sets the flag, the last
    # one's deletion clears it.
    with django_assert_num_queries(8):
        assert matrix(page(client)).count("Pas encore évalué") == 4
    verdict = make_signatory_assessment(signatory(charter, "de"), Status.ACHIEVED)
    assert Commitment.objects.get(pk=charter.pk).has_signatory_assessments
    with django_assert_num_queries(9):
        assert matrix(page(client)).count("Pas encore évalué") == 3
    verdict.delete()
    assert not Commitment.objects.get(pk=charter.pk).has_signatory_assessments


def test_the_matrix_is_not_read_when_there_is_none(client, django_assert_num_queries):
    # As tests/test_views.py's plain commitment: a lead and a partner ask for no query more.
    commitment = make_commitment(slug="plain", status=Status.NOT_ASSESSED)
    commitment.involvements.create(owner=make_owner(), role=Role.PARTNER)
    with django_assert_num_queries(7):
        assert matrix(page(client, "plain")) == ""


# The owner's page and scorecard.


def test_the_owners_page_counts_its_own_verdicts_and_links_to_them(client, charter):
    germany = signatory(charter, "de")
    make_signatory_assessment(germany, Status.ACHIEVED)
    other = make_commitment(slug="other", title_en="Other", role=Role.SIGNATORY, owner=germany.owner)
    other.involvements.create(owner=make_owner(), role=Role.SIGNATORY)
    make_signatory_assessment(other.involvements.get(owner=germany.owner), Status.ACHIEVED)
    draft = make_commitment(
        slug="draft", title_en="Draft", is_public=False, owner=germany.owner, role=Role.LEAD
    )
    draft.involvements.create(owner=make_owner(), role=Role.LEAD)
    make_signatory_assessment(draft.involvements.get(owner=germany.owner), Status.NOT_ACHIEVED)
    with translation.override("en"):
        html = client.get(reverse("tracker:owner_detail", args=["de"])).content.decode()
    section = html[
        html.index('id="own-verdicts"') : html.index("</section>", html.index('id="own-verdicts"'))
    ]
    assert "2 commitments" in section
    assert f'href="/en/commitments/charter/#signatory-{germany.pk}"' in section
    assert "/en/commitments/other/" in section and "Draft" not in section and "Not achieved" not in section


def test_the_scorecard_takes_an_owners_own_verdict_in_place_of_the_commitments(charter):
    charter.nature = Nature.PROMISE
    charter.save()
    make_assessment(charter, Status.PARTIALLY_ACHIEVED)
    make_signatory_assessment(signatory(charter, "de"), Status.ACHIEVED)
    make_signatory_assessment(signatory(charter, "cl"), Status.NOT_ACHIEVED)
    scores = {owner.slug: owner for owner in Owner.objects.with_scorecard()}
    assert (scores["de"].score, scores["cl"].score, scores["in"].score) == (1.0, -1.0, 0.0)
    assert scores["de"].verdict_counts() == [(Status.ACHIEVED, 1)]
    # The owner's page and its badge count as the scorecard does.
    for owner in scores.values():
        counts, delivered = Commitment.objects.public().of_owner(owner).by_verdict()
        assert dict(owner.verdict_counts()) == counts
        assert owner.delivered == delivered


def test_a_verdict_counts_no_more_once_its_participant_is_no_longer_assessed_apart(client, charter):
    charter.nature = Nature.PROMISE
    charter.save()
    make_assessment(charter, Status.PARTIALLY_ACHIEVED)
    make_signatory_assessment(signatory(charter, "de"), Status.ACHIEVED)
    assert Owner.objects.with_scorecard().get(slug="de").score == 1.0
    # The other signatories leave the record: Germany alone signs, and the commitment's verdict is its.
    charter.involvements.exclude(owner__slug="de").delete()
    germany = Owner.objects.with_scorecard().get(slug="de")
    assert (germany.score, germany.verdict_counts()) == (0.0, [(Status.PARTIALLY_ACHIEVED, 1)])
    assert dict(germany.verdict_counts()) == Commitment.objects.public().of_owner(germany).by_verdict()[0]
    assert (
        'id="own-verdicts"' not in client.get(reverse("tracker:owner_detail", args=["de"])).content.decode()
    )
    assert matrix(page(client)) == ""  # nor does the commitment's page show it


def test_the_owners_page_costs_the_same_queries_at_two_sizes(client, charter, django_assert_num_queries):
    address = reverse("tracker:owner_detail", args=["de"])
    client.get(address)
    germany = signatory(charter, "de")
    counted = []
    for size in (1, 2):
        for _n in range(size * 2):
            commitment = make_commitment(owner=germany.owner, role=Role.SIGNATORY)
            commitment.involvements.create(owner=make_owner(), role=Role.SIGNATORY)
            make_signatory_assessment(commitment.involvements.get(owner=germany.owner), Status.ACHIEVED)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        counted.append(len(queries))
    assert counted[0] == counted[1]


# The API.


def test_the_api_gives_each_signatorys_verdict_and_never_an_unnamed_one(client, charter):
    passage = Passage.objects.create(source=make_source(slug="summary"), quote="L'Allemagne a signé.")
    make_signatory_assessment(
        signatory(charter, "de"), Status.ACHIEVED, passage=passage, rationale_fr="Signé."
    )
    body = client.get("/api/commitments/charter/", HTTP_ACCEPT_LANGUAGE="fr").json()
    by_owner = {row["owner"]["slug"]: row for row in body["signatories"]}
    assert set(by_owner) == {"de", "cl", "in", "ng"}
    germany = by_owner["de"]
    assert germany["status"] == "achieved" and germany["role"] == "signatory"
    assert germany["assessments"][0]["passage"] == {"source": "summary", "quote": "L'Allemagne a signé."}
    assert germany["assessments"][0]["url"] == "" and germany["assessments"][0]["consulted_on"] is None
    assert by_owner["cl"] == {**by_owner["cl"], "status": "not_assessed", "assessments": []}
    assert body["stated_counts"][0]["count"] == 10
