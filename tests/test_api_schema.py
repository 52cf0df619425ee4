"""
The API's OpenAPI schema as a newsroom's tools read it: one English document whatever the reader's
language, reads open to everyone as the API answers them, every list's filters with their values,
and the data's licence.
"""

import datetime
import re

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner, make_source, make_update
from tracker.choices import Axis, CommitmentKind, DecisionKind, Nature, OwnerKind, Status
from tracker.filters import ORDERINGS
from tracker.models import Decision, Reading, Target
from tracker.workflow import record_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def schema(api, **headers) -> dict:
    return api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json", **headers).json()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_schema_is_one_english_document_in_every_language(api):
    answers = [
        api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json", **headers)
        for headers in ({"HTTP_ACCEPT_LANGUAGE": "fr"}, {"HTTP_ACCEPT_LANGUAGE": "en"}, {})
    ]
    answers.append(api.get("/api/schema/?lang=fr", HTTP_ACCEPT="application/vnd.oai.openapi+json"))
    assert len({answer.content for answer in answers}) == 1
    assert {answer["Content-Language"] for answer in answers} == {"en"}
    document = answers[0].json()
    # The descriptions of choices are the English labels, which French speakers see translated.
    with translation.override("en"):
        assert (
            f"`{Status.IN_PROGRESS}` - {Status.IN_PROGRESS.label}"
            in document["components"]["schemas"]["StatusEnum"]["description"]
        )


def test_no_identifier_a_client_is_generated_from_is_outside_ascii(api):
    document = schema(api, HTTP_ACCEPT_LANGUAGE="fr")
    names = list(document["components"]["schemas"])
    for _path, _method, operation in operations(document):
        names.append(operation["operationId"])
        names += [parameter["name"] for parameter in operation.get("parameters", [])]
        # A title names the enum a generator makes of a parameter: none is left to name it.
        assert not [p["name"] for p in operation.get("parameters", []) if "title" in p["schema"]]
    for component in document["components"]["schemas"].values():
        names += list(component.get("properties", {}))
        names += [str(value) for value in component.get("enum", [])]
    assert names and all(re.fullmatch(r"[A-Za-z0-9_-]*", name) for name in names), [
        name for name in names if not name.isascii()
    ]
    assert document["components"]["schemas"]["DecisionKindEnum"]["enum"] == list(DecisionKind.values)


def test_the_schema_states_the_datas_licence(api):
    info = schema(api)["info"]
    assert info["license"] == {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
    assert "Creative Commons Attribution 4.0" in info["description"] and "Apache" in info["description"]


def test_the_commitments_list_documents_its_filters_and_their_values(api):
    parameters = {p["name"]: p for p in schema(api)["paths"]["/api/commitments/"]["get"]["parameters"]}
    for name, choices in {
        "axis": Axis,
        "status": Status,
        "kind": CommitmentKind,
        "nature": Nature,
        "owner_kind": OwnerKind,
    }.items():
        assert parameters[name]["schema"]["enum"] == sorted(choices.values), name
    assert parameters["overdue"]["schema"]["enum"] == ["false", "true"]
    assert parameters["ordering"]["schema"]["enum"] == sorted(ORDERINGS)
    assert {"FR", "GB", "US"} <= set(parameters["country"]["schema"]["enum"])
    for name in ("owner", "milestone", "due_after", "due_before", "lang", "q", "search", "page", "page_size"):
        assert name in parameters
    undescribed = [name for name, p in parameters.items() if not p.get("description")]
    assert undescribed == []


def test_only_the_lists_that_search_offer_a_search(api):
    searching = {
        path
        for path, method, operation in operations(schema(api))
        if method == "get" and any(p["name"] == "search" for p in operation.get("parameters", []))
    }
    assert searching == {"/api/commitments/", "/api/owners/"}
    make_commitment(slug="weapons", title_en="Weapons under human control")
    make_commitment(slug="other", title_en="Something else")
    found = [c["slug"] for c in api.get("/api/commitments/?search=weapons").json()["results"]]
    assert found == ["weapons"]
    make_owner(slug="gpai", name="Partenariat mondial sur l'IA", short_name="PMIA", short_name_en="GPAI")
    found = [o["slug"] for o in api.get("/api/owners/?search=gpai").json()["results"]]
    assert found == ["gpai"]


def test_every_ordering_the_schema_offers_is_one_the_api_sorts_by(api):
    make_commitment(slug="b-second", title_fr="B", title_en="B", announced_on=datetime.date(2025, 2, 11))
    make_commitment(slug="a-first", title_fr="A", title_en="A", announced_on=datetime.date(2025, 2, 10))
    for path, method, operation in operations(schema(api)):
        ordering = [p for p in operation.get("parameters", []) if p["name"] == "ordering"]
        if method == "get" and ordering:
            for term in ordering[0]["schema"]["enum"]:
                answer = api.get(f"{path}?ordering={term}")
                assert answer.status_code == 200, (path, term)
    slugs = [c["slug"] for c in api.get("/api/commitments/?ordering=title").json()["results"]]
    assert slugs == ["a-first", "b-second"]  # by title: the list page's order, no longer a 500
    slugs = [c["slug"] for c in api.get("/api/commitments/?ordering=-announced").json()["results"]]
    assert slugs == ["b-second", "a-first"]


@pytest.fixture
def one_of_each(editor):
    """One public object at every address of the API, so that each can be read."""
    milestone = make_milestone(slug="bratislava", date=datetime.date(2025, 11, 30))
    commitment = make_commitment(slug="gpai-growth")
    deadline = make_deadline(commitment, milestone=milestone)
    target = Target.objects.create(
        commitment=commitment, slug="members", name_fr="Membres", name_en="Members", target_value=60
    )
    reading = Reading.objects.create(target=target, measured_on=datetime.date(2025, 6, 1), value=30)
    update = make_update(commitment)
    decision = record_decision(
        Decision(
            commitment=commitment,
            kind=DecisionKind.ACHIEVED,
            reason="Done.",
            language="en",
            evidence_url="https://example.org/done",
        ),
        by=editor,
    )
    source = make_source(slug="summary")
    return {
        "slug": {
            "commitments": commitment.slug,
            "owners": commitment.owners.get().slug,
            "milestones": milestone.slug,
            "sources": source.slug,
        },
        "id": {
            "deadlines": deadline.pk,
            "targets": target.pk,
            "readings": reading.pk,
            "updates": update.pk,
            "decisions": decision.pk,
        },
    }


def test_reads_are_declared_anonymous_and_answer_anonymously_writes_neither(api, one_of_each):
    document = schema(api)
    reads = 0
    for path, method, operation in operations(document):
        collection, address = path.split("/")[2], path
        for key in ("slug", "id"):
            address = address.replace(f"{{{key}}}", str(one_of_each[key].get(collection)))
        anonymous = {} in operation["security"]
        if method == "get":
            reads += 1
            assert anonymous, path
            assert api.get(address).status_code == 200, address
        else:
            assert not anonymous, (method, path)
            assert getattr(api, method)(address, {}, format="json").status_code in (401, 403), (method, path)
    assert reads == 18
