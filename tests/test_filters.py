"""The commitments FilterSet: each filter, shared by the list page, its CSV and (later) the API."""

import datetime

import pytest
from django.utils import translation

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner
from tracker.choices import Axis, OwnerKind, Role, Status
from tracker.filters import CommitmentFilter
from tracker.models import Commitment, Involvement

pytestmark = pytest.mark.django_db


def slugs(**params) -> set[str]:
    filterset = CommitmentFilter(params, queryset=Commitment.objects.public())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("slug", flat=True))


@pytest.fixture
def cast():
    france = make_owner(slug="france", name="France", country="FR", kind=OwnerKind.COUNTRY)
    oecd = make_owner(slug="oecd", name="Organisation de coopération", name_en="OECD", short_name="OCDE",
                      kind=OwnerKind.INTERNATIONAL_ORG)  # fmt: skip
    bratislava = make_milestone(slug="bratislava", date=datetime.date(2025, 11, 30))
    gpai = make_commitment(slug="gpai", title_en="Grow GPAI", axis=Axis.GOVERNANCE, owner=oecd)
    make_deadline(gpai, milestone=bratislava)
    charter = make_commitment(
        slug="charter", title_en="Paris charter", axis=Axis.EVERYONE, status=Status.ACHIEVED, owner=france
    )
    make_deadline(charter, due_on=datetime.date(2026, 6, 30))
    Involvement.objects.create(commitment=charter, owner=oecd, role=Role.SIGNATORY)
    make_commitment(slug="draft", is_public=False, owner=france)
    return {"france": france, "oecd": oecd}


def test_no_filter_lists_public_commitments_only(cast):
    assert slugs() == {"gpai", "charter"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"axis": "governance"}, {"gpai"}),
        ({"status": "achieved"}, {"charter"}),
        ({"kind": "initiative"}, {"gpai", "charter"}),
        ({"owner": "france"}, {"charter"}),
        ({"owner": "oecd"}, {"gpai", "charter"}),  # lead of one, signatory of the other: each once
        ({"owner_kind": "country"}, {"charter"}),
        ({"country": "FR"}, {"charter"}),
        ({"milestone": "bratislava"}, {"gpai"}),
        ({"due_after": "2026-01-01"}, {"charter"}),
        ({"due_before": "2025-12-31"}, {"gpai"}),
        ({"due_after": "2025-12-01", "due_before": "2026-01-31"}, set()),  # one deadline in the range
        ({"q": "charter"}, {"charter"}),
        ({"q": "OCDE"}, {"gpai", "charter"}),  # an owner's short name
        ({"q": "oecd grow"}, {"gpai"}),  # every word must match
    ],
)
def test_each_filter(cast, params, expected):
    assert slugs(**params) == expected


def test_overdue_uses_the_one_definition(cast):
    on_the_day = Commitment.objects.overdue().values_list("slug", flat=True)
    assert slugs(overdue="true") == set(on_the_day) == {"gpai"}
    assert slugs(overdue="false") == {"charter"}
    # Nothing left to deliver (no open deadline at all) is "not overdue" too.
    make_commitment(slug="nothing-due")
    assert slugs(overdue="false") == {"charter", "nothing-due"}


def test_ordering(cast):
    make_deadline(make_commitment(slug="future"), due_on=datetime.date(2099, 1, 31))
    filterset = CommitmentFilter({"ordering": "next_deadline"}, queryset=Commitment.objects.public())
    assert [c.slug for c in filterset.qs][0] == "future"  # those with no deadline ahead come last
    filterset = CommitmentFilter({"ordering": "most_overdue"}, queryset=Commitment.objects.public())
    assert [c.slug for c in filterset.qs][0] == "gpai"
    with translation.override("en"):  # titles sort in the reader's language
        filterset = CommitmentFilter({"ordering": "title"}, queryset=Commitment.objects.public())
        assert [c.slug for c in filterset.qs] == ["future", "gpai", "charter"]


@pytest.mark.parametrize(
    "params",
    [{"status": "finished"}, {"due_after": "31/02/2025"}, {"owner": "nobody"}, {"ordering": "price"}],
)
def test_bad_values_make_the_filterset_invalid_with_a_message(cast, params):
    filterset = CommitmentFilter(params, queryset=Commitment.objects.public())
    assert not filterset.is_valid()
    assert set(filterset.errors) == set(params)
