"""The owners' list with its scorecards, and the milestones' list (issue #26, point 1)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner
from tracker.choices import Nature, OwnerKind, Role, Status
from tracker.models import Commitment, Involvement, Owner, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners():
    """
    Three owners the public sees, and one it does not:

    - Alpha (a country, FR): achieved (+1), partially achieved (0), not achieved (-1), an ongoing
      programme achieved (+1), a promise in progress (not assessed), something delivered at the summit
      (apart), and a draft not achieved (not counted). Promises 5, assessed 4, score (1+0-1+1)/4 = +0.25.
    - Beta (a company, US): partner in Alpha's achieved promise (+1), a withdrawn promise (-1) and one
      not achieved (-1). Promises 3, assessed 3, score (1-1-1)/3 = -0.33.
    - Gamma (a company, FR): one promise not yet assessed. Promises 1, not scored.
    - Hidden: only in a draft, so not listed.
    """
    alpha = make_owner(slug="alpha", name="Alpha", kind=OwnerKind.COUNTRY, country="FR")
    beta = make_owner(slug="beta", name="Beta", kind=OwnerKind.COMPANY, country="US")
    gamma = make_owner(slug="gamma", name="Gamma", kind=OwnerKind.COMPANY, country="FR")
    hidden = make_owner(slug="hidden", name="Hidden", kind=OwnerKind.COMPANY, country="FR")
    kept = make_commitment(owner=alpha, status=Status.ACHIEVED)
    # A second role in the same promise: still one promise.
    Involvement.objects.create(commitment=kept, owner=alpha, role=Role.SIGNATORY)
    Involvement.objects.create(commitment=kept, owner=beta, role=Role.PARTNER)
    make_commitment(owner=alpha, status=Status.PARTIALLY_ACHIEVED)
    make_commitment(owner=alpha, status=Status.NOT_ACHIEVED)
    make_commitment(owner=alpha, status=Status.ACHIEVED, nature=Nature.ONGOING)
    make_commitment(owner=alpha, status=Status.IN_PROGRESS)
    make_commitment(owner=alpha, status=Status.ACHIEVED, nature=Nature.DELIVERED_AT_SUMMIT)
    make_commitment(owner=alpha, status=Status.NOT_ACHIEVED, is_public=False)
    make_commitment(owner=beta, status=Status.WITHDRAWN)
    make_commitment(owner=beta, status=Status.NOT_ACHIEVED)
    make_commitment(owner=gamma, status=Status.NOT_ASSESSED)
    make_commitment(owner=hidden, status=Status.ACHIEVED, is_public=False)
    return alpha, beta, gamma


def listed(client, **query) -> list[str]:
    response = client.get(reverse("tracker:owner_list"), query)
    assert response.status_code == 200
    return [owner.slug for owner in response.context["page"]]


def test_each_owner_is_scored_over_its_assessed_public_promises(owners):
    alpha, beta, gamma = (Owner.objects.with_scorecard().get(pk=owner.pk) for owner in owners)

    assert (alpha.promises, alpha.assessed, alpha.delivered) == (5, 4, 1)
    assert alpha.score == pytest.approx(0.25)
    assert alpha.verdict_counts() == [
        (Status.IN_PROGRESS, 1),
        (Status.PARTIALLY_ACHIEVED, 1),
        (Status.ACHIEVED, 2),
        (Status.NOT_ACHIEVED, 1),
    ]
    assert (beta.promises, beta.assessed, beta.delivered) == (3, 3, 0)
    assert beta.score == pytest.approx(-1 / 3)
    assert (gamma.promises, gamma.assessed, gamma.score) == (1, 0, None)


def test_the_scorecard_counts_as_the_owners_page_does(owners):
    for owner in Owner.objects.with_scorecard():
        counts, delivered = Commitment.objects.public().of_owner(owner).by_verdict()
        assert dict(owner.verdict_counts()) == counts
        assert owner.delivered == delivered


def test_the_list_shows_each_scorecard_in_english(client, owners):
    with translation.override("en"):
        response = client.get(reverse("tracker:owner_list"))
    text = response.content.decode()

    assert response.status_code == 200
    assert [owner.slug for owner in response.context["page"]] == ["alpha", "beta", "gamma"]
    assert "+0.25 over 4 assessed" in text
    assert "−0.33 over 3 assessed" in text
    assert "not scored" in text
    assert 'href="/en/owners/alpha/"' in text
    assert "Hidden" not in text


def test_owners_are_filtered_by_kind_and_country(client, owners):
    assert listed(client, kind=OwnerKind.COMPANY) == ["beta", "gamma"]
    assert listed(client, country="FR") == ["alpha", "gamma"]
    assert listed(client, kind=OwnerKind.COMPANY, country="FR") == ["gamma"]


def test_an_unknown_kind_is_refused(client, owners):
    assert client.get(reverse("tracker:owner_list"), {"kind": "planet"}).status_code == 400


def test_owners_are_sorted_by_score_and_by_promises(client, owners):
    # Not scored last either way.
    assert listed(client, ordering="-score") == ["alpha", "beta", "gamma"]
    assert listed(client, ordering="score") == ["beta", "alpha", "gamma"]
    assert listed(client, ordering="-promises") == ["alpha", "beta", "gamma"]
    # Ties by name: two more with one promise each, like Gamma.
    make_commitment(owner=make_owner(slug="aardvark", name="Aardvark"), status=Status.NOT_ASSESSED)
    assert listed(client, ordering="-promises") == ["alpha", "beta", "aardvark", "gamma"]
    assert listed(client, ordering="name")[:2] == ["aardvark", "alpha"]


def test_the_milestones_list_counts_what_was_due_and_delivered(client):
    """
    Due at the milestone: two public deadlines (one done); one moved to a date of its own; a draft's
    deadline not counted; one public target. So 2 due, 1 delivered, 1 moved, 1 target.
    """
    milestone = make_milestone(slug="bratislava", name_en="Bratislava")
    public = make_commitment()
    make_deadline(public, milestone=milestone, is_done=True, done_on=datetime.date(2025, 11, 1))
    make_deadline(public, milestone=milestone)
    make_deadline(public, milestone=milestone, due_on=datetime.date(2026, 6, 30))
    make_deadline(make_commitment(is_public=False), milestone=milestone)
    Target.objects.create(
        commitment=public, slug="members", name_fr="Membres", name_en="Members",
        target_value=Decimal(40), milestone=milestone,
    )  # fmt: skip

    with translation.override("en"):
        response = client.get(reverse("tracker:milestone_list"))

    assert response.status_code == 200
    [shown] = response.context["milestones"]
    assert (shown.due_count, shown.done_count, shown.moved_count, shown.target_count) == (2, 1, 1, 1)
    assert "1 moved to another date" in response.content.decode()


@pytest.mark.parametrize("name", ["tracker:owner_list", "tracker:milestone_list"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_both_lists_answer_in_both_languages(client, owners, name, language):
    make_milestone()
    with translation.override(language):
        url = reverse(name)
    assert url.startswith(f"/{language}/")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language


def add_owners(n: int):
    for _ in range(n):
        owner = make_owner()
        make_commitment(owner=owner, status=Status.ACHIEVED)
        make_commitment(owner=owner, status=Status.NOT_ACHIEVED, nature=Nature.ONGOING)
        milestone = make_milestone()
        make_deadline(make_commitment(owner=owner), milestone=milestone)


@pytest.mark.parametrize("name", ["tracker:owner_list", "tracker:milestone_list"])
def test_both_lists_cost_the_same_queries_at_two_sizes(client, django_assert_num_queries, name):
    # Owners: the count, the page, the countries the form offers. Milestones: the list.
    queries = {"tracker:owner_list": 3, "tracker:milestone_list": 1}[name]
    url = reverse(name)
    add_owners(2)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    add_owners(20)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_the_sitemap_lists_both_lists_in_both_languages(client):
    section = client.get("/sitemap-pages.xml").content.decode()
    for language in ("fr", "en"):
        assert f"/{language}/owners/</loc>" in section
        assert f"/{language}/milestones/</loc>" in section


def test_the_lists_are_in_the_main_navigation_and_the_method_explains_the_score(client):
    with translation.override("en"):
        about = client.get(reverse("tracker:about")).content.decode()
    nav = about.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert 'href="/en/owners/"' in nav
    assert 'href="/en/milestones/"' in nav
    assert 'id="score"' in about


def test_the_owners_page_gives_its_score_in_words(client, owners):
    alpha, _, gamma = owners
    with translation.override("en"):
        scored = client.get(alpha.get_absolute_url()).content.decode()
        unscored = client.get(gamma.get_absolute_url()).content.decode()

    assert "Score: +0.25, over 4 promises with a final verdict." in scored
    assert "Not scored: none of its promises has a final verdict yet." in unscored
    assert 'href="/en/about/#score"' in scored


def test_the_api_gives_each_owner_the_scorecard_the_list_shows(client, owners):
    answer = client.get("/api/owners/", {"ordering": "slug"}, HTTP_ACCEPT_LANGUAGE="en").json()
    scorecards = {owner["slug"]: owner["scorecard"] for owner in answer["results"]}

    assert scorecards["alpha"] == {
        "promises": 5,
        "by_status": {"in_progress": 1, "partially_achieved": 1, "achieved": 2, "not_achieved": 1},
        "delivered": 1,
        "assessed": 4,
        "score": 0.25,
    }
    assert scorecards["beta"]["score"] == -0.33
    assert scorecards["gamma"] == {
        "promises": 1,
        "by_status": {"not_assessed": 1},
        "delivered": 0,
        "assessed": 0,
        "score": None,
    }
    # Only public commitments count: an owner of drafts alone has an empty scorecard.
    assert scorecards["hidden"] == {
        "promises": 0,
        "by_status": {},
        "delivered": 0,
        "assessed": 0,
        "score": None,
    }
    detail = client.get("/api/owners/alpha/").json()
    assert detail["scorecard"] == scorecards["alpha"]
