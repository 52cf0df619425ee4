"""The public pages: what they show, in which language, to whom, and at what cost in queries."""

import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner, make_update
from tracker.choices import Axis, OwnerKind, PublicationState, Qualifier, Role, Status
from tracker.models import (
    Amount,
    Commitment,
    Deadline,
    Evidence,
    Involvement,
    Owner,
    ProgressUpdate,
    Reading,
    StatedCount,
    Target,
)

pytestmark = pytest.mark.django_db

# A fixed day, so that "overdue" and "due soon" do not drift with the calendar.
TODAY = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def url(name, *args, language="en"):
    with translation.override(language):
        return reverse(f"tracker:{name}", args=args)


@pytest.fixture
def gpai():
    """A commitment with every part the commitment page shows."""
    gpai_owner = make_owner(
        slug="gpai", name="Partenariat mondial sur l'IA", name_en="Global Partnership on AI"
    )
    commitment = make_commitment(
        slug="gpai-growth", title_fr="Élargir le PMIA", title_en="Grow GPAI", summary_fr="Résumé FR",
        summary_en="English summary", owner=gpai_owner, status=Status.IN_PROGRESS,
    )  # fmt: skip
    Involvement.objects.create(
        commitment=commitment, owner=make_owner(slug="malta", name="Malte"), role=Role.SUPPORTER
    )
    StatedCount.objects.create(
        commitment=commitment, role=Role.PARTNER, count=44, noun_fr="pays", noun_en="countries"
    )
    Amount.objects.create(
        commitment=commitment,
        slug="fund",
        amount=400_000_000,
        currency="EUR",
        label_fr="Dotation",
        label_en="Fund",
    )
    bratislava = make_milestone(
        slug="bratislava", name_en="Bratislava summit", date=datetime.date(2025, 11, 30)
    )
    make_deadline(commitment, slug="sixty", title_en="About sixty members", milestone=bratislava)
    make_deadline(commitment, slug="meeting", title_en="Meeting held", due_on=datetime.date(2025, 2, 11),
                  is_done=True, done_on=datetime.date(2025, 2, 11))  # fmt: skip
    target = Target.objects.create(
        commitment=commitment, slug="members", name_fr="Membres", name_en="Members", unit_en="members",
        baseline=44, target_value=60, qualifier=Qualifier.ABOUT, milestone=bratislava,
    )  # fmt: skip
    Reading.objects.create(target=target, measured_on=datetime.date(2025, 2, 11), value=44)
    Reading.objects.create(target=target, measured_on=datetime.date(2025, 9, 1), value=51)
    published = make_update(
        commitment, text="Seven states asked to join.", reported_on=datetime.date(2025, 9, 1)
    )
    Evidence.objects.create(update=published, url="https://example.org/gpai", title="Communiqué")
    make_update(commitment, text="Secret draft", state=PublicationState.SUBMITTED)
    return commitment


def test_the_root_sends_visitors_to_their_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/en/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="fr")["Location"] == "/fr/"


def test_the_commitment_page_in_english(client, gpai):
    response = client.get(url("commitment_detail", "gpai-growth"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Grow GPAI</h1>" in html and "English summary" in html
    assert "Global Partnership on AI" in html and "Malte" in html  # owners by role
    assert "44 countries" in html and "€400 million" in html
    assert "Overdue by 46 days" in html  # Bratislava, November 2025, seen on 15 January 2026
    assert "Done (Feb. 11, 2025)" in html
    assert "Seven states asked to join." in html and "https://example.org/gpai" in html
    assert "Secret draft" not in html  # submitted updates stay private
    assert "51 members" in html and "From 44 members towards <strong>60 members</strong> (about)" in html
    assert 'hreflang="fr"' in html and "/fr/commitments/gpai-growth/" in html


def test_the_commitment_page_in_french(client, gpai):
    html = client.get(url("commitment_detail", "gpai-growth", language="fr")).content.decode()
    assert "<h1>Élargir le PMIA</h1>" in html and "Résumé FR" in html
    assert "400 millions d’euros" in html
    assert '<html lang="fr">' in html


def test_drafts_and_unknown_slugs_are_not_found(client):
    make_commitment(slug="draft", is_public=False)
    assert client.get(url("commitment_detail", "draft")).status_code == 404
    assert client.get(url("commitment_detail", "nothing")).status_code == 404
    assert client.get(url("owner_detail", "nobody")).status_code == 404
    assert client.get(url("milestone_detail", "never")).status_code == 404


def test_the_home_page_counts_statuses_overdue_and_what_is_due_soon(client, gpai):
    soon = make_commitment(title_en="Due soon one", status=Status.NOT_ASSESSED)
    make_deadline(soon, due_on=datetime.date(2026, 3, 31), title_en="Publish the guide")
    html = client.get(url("home")).content.decode()
    assert "<strong>1</strong> commitment overdue" in html
    assert "Publish the guide" in html  # due within 90 days
    assert "Seven states asked to join." not in html and "Grow GPAI" in html  # latest updates list titles
    assert "Not yet assessed" in html and "In progress" in html


def test_the_owner_page_lists_commitments_by_role_with_a_breakdown(client, gpai):
    html = client.get(url("owner_detail", "malta")).content.decode()
    assert "<h1>Malte</h1>" in html
    assert "As supporter" in html and "Grow GPAI" in html


def test_the_milestone_page_shows_what_was_due_and_delivered(client, gpai):
    html = client.get(url("milestone_detail", "bratislava")).content.decode()
    assert "About sixty members" in html and "not delivered, overdue" in html
    assert "0 of 1 deliverable done." in html
    assert "Members" in html  # the target due there


def test_the_overdue_page_lists_most_overdue_first(client, gpai):
    older = make_commitment(title_en="Much older promise")
    make_deadline(older, due_on=datetime.date(2025, 3, 31))
    html = client.get(url("overdue")).content.decode()
    assert html.index("Much older promise") < html.index("Grow GPAI")
    assert ">290<" in html and ">46<" in html  # days overdue


def test_the_method_page_explains_every_status(client):
    html = client.get(url("about")).content.decode()
    for status in Status:
        assert str(status.meaning) in html


# The list, its filters and its CSV


def test_filters_live_in_the_url_so_a_view_can_be_shared(client, gpai):
    make_commitment(title_en="Another axis", axis=Axis.SCIENCE)
    response = client.get(url("commitment_list"), {"axis": "governance", "owner": "gpai"})
    assert [c.slug for c in response.context["page"]] == ["gpai-growth"]
    assert "?axis=governance&amp;owner=gpai" in response.content.decode()  # the CSV link keeps them


@pytest.mark.parametrize(
    "params",
    [{"status": "finished"}, {"due_before": "2025-02-30"}, {"milestone": "atlantis"}, {"overdue": "maybe"}],
)
def test_bad_filters_answer_400_with_a_message(client, params):
    response = client.get(url("commitment_list"), params)
    assert response.status_code == 400
    assert b"could not be understood" in response.content


def test_pages_beyond_the_last_are_not_found_and_page_size_is_capped(client, gpai):
    assert client.get(url("commitment_list"), {"page": "9999"}).status_code == 404
    assert client.get(url("commitment_list"), {"page": "x"}).status_code == 404
    response = client.get(url("commitment_list"), {"page_size": "1000000"})
    assert response.status_code == 200 and response.context["page"].paginator.per_page == 100
    assert client.get(url("commitment_list"), {"page_size": "many"}).status_code == 200


def test_the_csv_holds_the_filtered_list_in_the_page_language(client, gpai):
    make_commitment(slug="other", axis=Axis.SCIENCE)
    response = client.get(url("commitment_csv", language="fr"), {"axis": "governance"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["slug"] for row in rows] == ["gpai-growth"]
    assert rows[0]["title"] == "Élargir le PMIA"
    assert rows[0]["days_overdue"] == "46"
    assert rows[0]["url"].endswith("/fr/commitments/gpai-growth/")


def test_a_bad_filter_on_the_csv_answers_400(client):
    assert client.get(url("commitment_csv"), {"status": "nope"}).status_code == 400


# Constant queries whatever the data size


def populate(count: int) -> None:
    """Add `count` commitments with owners, deadlines, updates, targets and readings, in bulk."""
    start = Commitment.objects.count()
    owners = Owner.objects.bulk_create(
        Owner(slug=f"bulk-owner-{start + i}", name=f"Owner {i}", kind=OwnerKind.COMPANY) for i in range(count)
    )
    commitments = Commitment.objects.bulk_create(
        Commitment(slug=f"bulk-{start + i}", title_fr=f"Engagement {i}", title_en=f"Commitment {i}",
                   summary_fr="R", summary_en="S", axis=list(Axis)[i % 5], kind="initiative",
                   status=list(Status)[i % 8], announced_on=datetime.date(2025, 2, 10))
        for i in range(count)
    )  # fmt: skip
    Involvement.objects.bulk_create(
        Involvement(commitment=c, owner=o, role=Role.LEAD) for c, o in zip(commitments, owners, strict=True)
    )
    milestone = make_milestone()
    Deadline.objects.bulk_create(
        Deadline(commitment=c, slug="d", title_fr="L", title_en="D", milestone=milestone) for c in commitments
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            commitment=c, text="U", state=PublicationState.PUBLISHED, reported_on=datetime.date(2025, 5, 1)
        )
        for c in commitments
    )
    targets = Target.objects.bulk_create(
        Target(commitment=c, slug="t", name_fr="C", name_en="T", target_value=10, milestone=milestone)
        for c in commitments
    )
    Reading.objects.bulk_create(
        Reading(target=t, measured_on=datetime.date(2025, 3, 1), value=5) for t in targets
    )


def queries(client, address) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
        assert response.status_code == 200
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(captured)


PAGES = [
    ("home", ()),
    ("commitment_list", ()),
    ("commitment_csv", ()),
    ("overdue", ()),
    ("about", ()),
    ("commitment_detail", ("gpai-growth",)),
    ("owner_detail", ("gpai",)),
    ("milestone_detail", ("bratislava",)),
]


@pytest.mark.parametrize(("name", "args"), PAGES, ids=[name for name, _ in PAGES])
def test_every_page_costs_the_same_queries_with_10_or_300_commitments(client, gpai, name, args):
    address = url(name, *args)
    populate(10)
    # The owner and milestone pages grow with their own rows: give them more of them too.
    Involvement.objects.bulk_create(
        Involvement(commitment=c, owner_id=gpai.involvements.first().owner_id, role=Role.PARTNER)
        for c in Commitment.objects.filter(slug__startswith="bulk-")
    )
    small = queries(client, address)
    populate(290)
    Involvement.objects.bulk_create(
        Involvement(commitment=c, owner_id=gpai.involvements.first().owner_id, role=Role.PARTNER)
        for c in Commitment.objects.filter(slug__startswith="bulk-").exclude(involvements__role=Role.PARTNER)
    )
    assert queries(client, address) == small


def test_the_interface_speaks_the_language_of_the_address(client, gpai):
    french = client.get(url("commitment_detail", "gpai-growth", language="fr")).content.decode()
    english = client.get(url("commitment_detail", "gpai-growth")).content.decode()
    # Navigation, status labels and computed phrases come from locale/fr (compiled by `make messages`).
    assert ">Engagements</a>" in french and ">Commitments</a>" in english
    assert ">En cours</span>" in french and ">In progress</span>" in english
    assert "En retard de 46 jours" in french and "Overdue by 46 days" in english
