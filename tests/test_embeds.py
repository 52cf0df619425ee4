"""What other sites embed besides the status badge: owners' scorecards, "promises kept" charts (#26, 5)."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner
from tracker.choices import Axis, Nature, Role, Status
from tracker.headers import DATA_LICENCE_LINK
from tracker.models import Commitment, Involvement, Milestone, Owner
from tracker.public.badges import due_at_milestone

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = 'Evil <script>alert("x")</script> & Co'


def url(name, *args, language="en"):
    with translation.override(language):
        return reverse(name, args=args)


def svg(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    return ET.fromstring(response.content)


def words(picture) -> str:
    """What a screen reader hears: the aria-label, which the <title> repeats."""
    assert picture.get("role") == "img"
    assert picture.findtext(f"{SVG}title") == picture.get("aria-label")
    return picture.get("aria-label")


def drawn(picture) -> list[str]:
    return [text.text for text in picture.iter(f"{SVG}text")]


@pytest.fixture
def alpha():
    """
    Alpha: achieved, partially achieved, not achieved (scored +1, 0, -1), in progress (not assessed),
    a commitment delivered at the summit (apart), and a draft (not counted). Score 0.00 over 3 assessed.
    """
    alpha = make_owner(slug="alpha", name="Alpha")
    kept = make_commitment(owner=alpha, status=Status.ACHIEVED)
    Involvement.objects.create(commitment=kept, owner=alpha, role=Role.SIGNATORY)  # still one promise
    make_commitment(owner=alpha, status=Status.PARTIALLY_ACHIEVED)
    make_commitment(owner=alpha, status=Status.NOT_ACHIEVED)
    make_commitment(owner=alpha, status=Status.IN_PROGRESS)
    make_commitment(owner=alpha, status=Status.ACHIEVED, nature=Nature.DELIVERED_AT_SUMMIT)
    make_commitment(owner=alpha, status=Status.NOT_ACHIEVED, is_public=False)
    return alpha


@pytest.fixture
def milestone():
    """
    Due at the milestone: an achieved promise (two deliverables, counted once) and one not achieved;
    something delivered at the summit (apart). Not counted: a deliverable moved to a date of its own,
    and a draft's.
    """
    milestone = make_milestone(slug="review", name_en="Review", name_fr="Revue")
    kept = make_commitment(status=Status.ACHIEVED)
    make_deadline(kept, milestone=milestone)
    make_deadline(kept, milestone=milestone)
    make_deadline(make_commitment(status=Status.NOT_ACHIEVED), milestone=milestone)
    make_deadline(
        make_commitment(status=Status.ACHIEVED, nature=Nature.DELIVERED_AT_SUMMIT), milestone=milestone
    )
    moved = make_commitment(status=Status.STALLED)
    make_deadline(moved, milestone=milestone, due_on=datetime.date(2026, 6, 1))
    make_deadline(make_commitment(status=Status.WITHDRAWN, is_public=False), milestone=milestone)
    return milestone


def test_the_scorecard_draws_the_owners_figures_as_the_queryset_counts_them(client, alpha):
    scored = Owner.objects.with_scorecard().get(pk=alpha.pk)
    assert (scored.promises, scored.assessed, scored.delivered) == (4, 3, 1)

    response = client.get(url("tracker:embed_scorecard", "alpha"))

    picture = svg(response)
    assert (picture.get("width"), picture.get("height")) == ("320", "120")
    assert words(picture) == (
        "Summit Tracker — Alpha: 4 promises (in progress: 1, partially achieved: 1, achieved: 1, "
        "not achieved: 1); score: 0.00 over 3 assessed; 1 delivered at the summit, counted apart"
    )
    texts = drawn(picture)
    assert texts[:2] == ["Alpha", "0.00 over 3 assessed"]
    assert texts[2:-1] == [f"{status.label}: {n}" for status, n in scored.verdict_counts()]
    # One segment per status it has, in its colour, over the grey track.
    fills = [rect.get("fill") for rect in picture.iter(f"{SVG}rect")]
    for status, _n in scored.verdict_counts():
        assert fills.count(status.colour) == 2  # its segment and its legend's swatch


def test_an_owner_with_nothing_assessed_is_not_scored(client):
    make_commitment(owner=make_owner(slug="new"), status=Status.NOT_ASSESSED)

    picture = svg(client.get(url("tracker:embed_scorecard", "new")))

    assert drawn(picture)[1] == "not scored"
    assert words(picture).endswith("1 promise (not yet assessed: 1); score: not scored")


def test_the_scorecard_speaks_the_language_of_the_url(client, alpha):
    picture = svg(client.get(url("tracker:embed_scorecard", "alpha", language="fr")))

    assert "0,00" in words(picture)
    assert "0.00" not in words(picture)


def test_a_milestone_chart_counts_the_promises_due_at_it(client, milestone):
    counts, delivered = due_at_milestone(milestone).by_verdict()
    assert (counts, delivered) == ({Status.ACHIEVED: 1, Status.NOT_ACHIEVED: 1}, 1)

    picture = svg(client.get(url("tracker:embed_milestone", "review")))

    assert words(picture) == (
        "Summit Tracker — Review: 2 promises (achieved: 1, not achieved: 1); 1 kept; "
        "1 delivered at the summit, counted apart"
    )
    assert drawn(picture)[:2] == ["Review: promises kept", "1 of 2 promises kept · 1 delivered at the summit"]


def test_an_axis_chart_counts_as_the_home_page(client, alpha):
    make_commitment(axis=Axis.SCIENCE, status=Status.ACHIEVED)
    counts, delivered = Commitment.objects.public().filter(axis=Axis.GOVERNANCE).by_verdict()

    picture = svg(client.get(url("tracker:embed_axis", "governance")))

    home = client.get(url("tracker:home"))
    row = next(row for row in home.context["axes"] if row[0] == Axis.GOVERNANCE)
    assert (row[2], row[3]) == (sum(counts.values()), delivered) == (4, 1)
    with translation.override("en"):
        label = str(Axis.GOVERNANCE.label)
    assert words(picture).startswith(f"Summit Tracker — {label}: 4 promises (in progress: 1,")
    assert "; 1 kept; 1 delivered at the summit, counted apart" in words(picture)


def test_an_empty_axis_draws_an_empty_bar(client):
    picture = svg(client.get(url("tracker:embed_axis", "science")))

    assert "0 promises" in words(picture)
    assert len(list(picture.iter(f"{SVG}rect"))) == 2  # the card and the grey track


def test_names_are_escaped_and_long_ones_cut(client):
    make_commitment(owner=make_owner(slug="evil", name=HOSTILE), status=Status.ACHIEVED)
    make_commitment(owner=make_owner(slug="long", name="A" * 150))
    make_deadline(make_commitment(), milestone=make_milestone(slug="evil-milestone", name_en=HOSTILE))

    scorecard = client.get(url("tracker:embed_scorecard", "evil"))
    kept = client.get(url("tracker:embed_milestone", "evil-milestone"))
    long = svg(client.get(url("tracker:embed_scorecard", "long")))

    for response in (scorecard, kept):
        assert b"<script>" not in response.content
        assert HOSTILE in words(svg(response))  # well-formed, and reads back as written
    assert drawn(svg(scorecard))[0] == HOSTILE[:35] + "…"  # cut to fit, never mid-entity
    assert drawn(long)[0] == "A" * 35 + "…"
    assert "A" * 150 in words(long)


@pytest.mark.parametrize(
    "name, arg",
    [
        ("tracker:embed_scorecard", "nobody"),
        ("tracker:embed_scorecard", "hidden"),
        ("tracker:embed_milestone", "nowhen"),
        ("tracker:embed_axis", "nowhere"),
    ],
)
def test_unknown_or_draft_only_subjects_are_not_found(client, name, arg):
    make_commitment(owner=make_owner(slug="hidden"), is_public=False)

    assert client.get(url(name, arg)).status_code == 404


@pytest.mark.parametrize(
    "name, arg",
    [
        ("tracker:embed_scorecard", "alpha"),
        ("tracker:embed_milestone", "review"),
        ("tracker:embed_axis", "governance"),
    ],
)
def test_embeds_are_served_like_badges(client, alpha, milestone, name, arg):
    address = url(name, arg)

    response = client.get(address, HTTP_ORIGIN="https://example.org")

    assert address.startswith("/en/badges/")
    assert "max-age=300" in response["Cache-Control"]
    assert DATA_LICENCE_LINK in response["Link"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    again = client.get(address, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_owner_page_offers_its_scorecard(client, alpha):
    response = client.get(url("tracker:owner_detail", "alpha"))

    embed = response.context["scorecard"]
    assert embed.alt.startswith("Summit Tracker — Alpha: 4 promises (")
    assert "score: 0.00 over 3 assessed" in embed.alt
    assert embed.snippet.startswith('<a href="http')
    assert '/en/owners/alpha/"><img src="http' in embed.snippet
    assert '/en/badges/owners/alpha/scorecard.svg" alt="Summit Tracker — Alpha: 4 promises' in embed.snippet
    assert 'width="320" height="120"></a>' in embed.snippet
    page = response.content.decode()
    assert 'id="scorecard-snippet"' in page and 'id="badge-snippet"' in page  # beside its badge
    assert "score: 0.00 over 3 assessed" in page


def test_an_owner_with_drafts_only_offers_no_scorecard(client):
    make_commitment(owner=make_owner(slug="hidden"), is_public=False)

    response = client.get(url("tracker:owner_detail", "hidden"))

    assert response.context["scorecard"] is None
    assert b"scorecard-snippet" not in response.content


def test_the_milestone_page_offers_its_chart(client, milestone):
    response = client.get(url("tracker:milestone_detail", "review"))

    embed = response.context["embed"]
    assert embed.alt == (
        "Summit Tracker — Review: 2 promises (achieved: 1, not achieved: 1); 1 kept; "
        "1 delivered at the summit, counted apart"
    )
    assert (
        "/en/milestones/review/" in embed.snippet and "/en/badges/milestones/review/kept.svg" in embed.snippet
    )
    assert 'id="kept-snippet"' in response.content.decode()


def test_the_list_of_an_axis_offers_its_chart(client, alpha):
    address = url("tracker:commitment_list")

    response = client.get(address, {"axis": "governance", "status": "achieved"})
    unfiltered = client.get(address)

    embed = response.context["axis_embed"]
    assert "4 promises (" in embed.alt  # the whole axis, whatever the other filters
    assert "/en/commitments/?axis=governance" in embed.snippet
    assert "/en/badges/axes/governance/kept.svg" in embed.snippet
    assert 'id="kept-snippet"' in response.content.decode()
    assert "axis_embed" not in unfiltered.context


def more_data(n: int):
    """`n` more of Alpha's commitments on the same axis, each with partners and due at the milestone."""
    owner = Owner.objects.get(slug="alpha")
    milestone = Milestone.objects.get(slug="review")
    for status in list(Status)[:n]:
        commitment = make_commitment(owner=owner, status=status)
        Involvement.objects.create(commitment=commitment, owner=make_owner(), role=Role.PARTNER)
        make_deadline(commitment, milestone=milestone)
        make_deadline(commitment, milestone=milestone)


@pytest.mark.parametrize(
    "name, arg",
    [
        ("tracker:embed_scorecard", "alpha"),
        ("tracker:embed_milestone", "review"),
        ("tracker:embed_axis", "governance"),
    ],
)
def test_each_picture_takes_as_many_queries_whatever_the_data(client, alpha, milestone, name, arg):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(name, arg))
        return len(captured), words(svg(response))

    few, before = queries()
    more_data(8)
    many, after = queries()
    assert after != before  # drawn afresh from the larger data
    assert many == few
