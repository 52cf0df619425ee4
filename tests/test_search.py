"""
The search of commitments (tracker/search.py), as the list page, its CSV and the API use it (issue #25).

Tests that hold on both databases run on the one the suite runs on; where the two differ (PostgreSQL
ranks and stems, SQLite finds the word inside the texts in title order), the test says which it is for.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from tests.conftest import need_service
from tests.factory import make_commitment, make_owner, make_source, make_update
from tracker.choices import PublicationState, Role, Status
from tracker.filters import CommitmentFilter
from tracker.models import AssessmentEvidence, Commitment, Involvement, Passage, ProgressUpdate
from tracker.search import MOST_WORDS, fold, words

pytestmark = pytest.mark.django_db


def found(**params) -> list[str]:
    """The slugs of the public commitments the FilterSet lists for `params`, in its order."""
    filterset = CommitmentFilter(params, queryset=Commitment.objects.public())
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("slug", flat=True))


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def cite(fact, quote: str) -> Passage:
    """Make `fact` cite a new passage of `quote`."""
    passage = Passage.objects.create(source=make_source(), quote=quote)
    fact.citations.add(passage)
    return passage


# What was reported missing, on the summit's own data


@pytest.fixture
def summit(db):
    call_command("load_summit", verbosity=0)


def test_each_reported_miss_now_finds_its_commitment_in_the_summit_data(summit, client):
    expected = {
        "Bengio": "international-ai-safety-report",  # in its details (and its owner's name)
        "annex 6": "human-control-weapons-declaration",  # in its details alone
        "democratie": "global-alliance-ai-democracy",  # the texts write "démocratie"
        "Emirats": "france-uae-ai-campus-agreement",  # the texts write "Émirats"
        "Pleais": "refined-common-corpus",  # the summary's spelling, in the passage its lead's role cites
        "D3Ita": "d3lta-tool",  # the summary's spelling, in the passages the commitment cites
    }
    for text, slug in expected.items():
        assert slug in found(q=text), text
    # The API's documented `search` is the same search as `q`, and so is it on the pages.
    api = APIClient()
    for name in ("q", "search"):
        body = api.get(f"/api/commitments/?{name}=weapons").json()
        assert [row["slug"] for row in body["results"]] == ["human-control-weapons-declaration"], name
        page = client.get(f"/en/commitments/?{name}=weapons").content.decode()
        assert "/en/commitments/human-control-weapons-declaration/" in page, name
        assert "1 commitment" in page, name


# What a search reads


def test_the_details_are_searched_in_both_languages():
    make_commitment(
        slug="report", description_fr="Dirigé par Yoshua Bengio.", description_en="Led by a panel."
    )
    make_commitment(slug="other")
    assert found(q="Bengio") == ["report"]
    assert found(q="panel") == ["report"]


def test_case_and_accents_do_not_matter():
    make_commitment(slug="democracy", summary_fr="Une alliance pour la démocratie.")
    make_commitment(
        slug="campus", title_fr="Un campus aux Émirats arabes unis", title_en="A campus in the UAE"
    )
    make_commitment(slug="works", description_fr="Des œuvres du domaine public.")
    make_commitment(slug="other")
    assert found(q="democratie") == found(q="DÉMOCRATIE") == ["democracy"]
    assert found(q="emirats") == found(q="Émirats") == ["campus"]
    assert found(q="oeuvres") == ["works"]


def test_owners_names_and_short_names_in_both_languages_are_searched():
    unep = make_owner(
        name="Programme des Nations unies pour l'environnement",
        name_en="UN Environment Programme",
        short_name="PNUE",
        short_name_en="UNEP",
    )
    make_commitment(slug="coalition", owner=unep)
    make_commitment(slug="other")
    for text in ("PNUE", "unep", "environnement", "Environment"):
        assert found(q=text) == ["coalition"], text


def test_the_passages_a_commitment_or_its_facts_cite_are_searched():
    corpus = make_commitment(slug="corpus")
    cite(Involvement.objects.get(commitment=corpus), "Portée par Pleais, cette base de données")
    tool = make_commitment(slug="tool")
    cite(tool, "Un outil open source dénommé « D3Ita »")
    verdict = make_commitment(slug="verdict")
    passage = Passage.objects.create(source=make_source(), quote="a été publié par VIGINUM")
    AssessmentEvidence.objects.create(assessment=verdict.assessments.get(), passage=passage)
    # A passage no fact of a commitment cites finds nothing.
    Passage.objects.create(source=make_source(), quote="Un passage que personne ne cite")
    assert found(q="Pleais") == ["corpus"]
    assert found(q="d3ita") == ["tool"]
    assert found(q="viginum") == ["verdict"]
    assert found(q="personne") == []


def test_only_published_updates_are_searched():
    published = make_commitment(slug="published")
    make_update(published, text="The observatory opened in Nairobi.")
    for state in (PublicationState.SUBMITTED, PublicationState.REJECTED, PublicationState.RETRACTED):
        reason = {"rejection_reason": "No."} if state == PublicationState.REJECTED else {}
        make_update(make_commitment(slug=state), text="A secret in Lagos.", state=state, **reason)
    assert found(q="Nairobi") == ["published"]
    assert found(q="Lagos") == []


def test_every_word_must_be_found_but_each_may_be_in_another_text():
    corpus = make_commitment(slug="corpus", title_en="Refined CommonCorpus")
    cite(Involvement.objects.get(commitment=corpus), "Portée par Pleais")
    make_commitment(slug="other", title_en="Another corpus")
    assert found(q="Pleais commoncorpus") == ["corpus"]
    assert found(q="Pleais weapons") == []


@pytest.mark.parametrize("text", ["", "   ", "« — »", "\t"])
def test_a_search_with_no_word_lists_everything(text):
    make_commitment(slug="one")
    make_commitment(slug="two")
    assert sorted(found(q=text)) == ["one", "two"]


def test_words_are_letters_and_digits_each_once_and_bounded():
    assert words("D3Ita, l'IA — annex 6!") == ["D3Ita", "l", "IA", "annex", "6"]
    assert words("Démocratie democratie DEMOCRATIE") == ["Démocratie"]
    assert len(words(" ".join(f"w{n}" for n in range(100)))) == MOST_WORDS
    assert fold("Œuvres ÉMIRATS Straße") == "oeuvres emirats strasse"


def test_a_long_text_of_many_words_and_control_characters_is_one_query(django_assert_num_queries):
    make_commitment(slug="one")
    text = "".join(f"w{n}\x01\x0b " for n in range(60))[:200]
    with django_assert_num_queries(1):
        assert found(q=text) == []


# The names `q` and `search`, on the API and the pages


@pytest.fixture
def two():
    make_commitment(slug="weapons", title_en="Human control of weapons", summary_en="A declaration.")
    make_commitment(slug="charter", title_en="A charter on weapons", summary_en="Public interest AI.")
    make_commitment(slug="other")


def test_search_and_q_are_the_same_search_on_the_api(two):
    api = APIClient()

    def slugs(query):
        return sorted(row["slug"] for row in api.get(f"/api/commitments/?{query}").json()["results"])

    assert slugs("search=weapons") == slugs("q=weapons") == ["charter", "weapons"]
    # Both given: every word of both must be found.
    assert slugs("q=weapons&search=declaration") == ["weapons"]


def test_search_and_q_are_the_same_search_on_the_page_and_its_csv(client, two):
    page = client.get("/en/commitments/?search=declaration").content.decode()
    assert "/en/commitments/weapons/" in page and "/en/commitments/charter/" not in page
    # The page's search box shows what was searched for.
    assert 'name="q" value="declaration"' in page
    csv = b"".join(client.get("/en/commitments.csv?search=declaration").streaming_content).decode()
    assert "/en/commitments/weapons/" in csv and "/en/commitments/charter/" not in csv


def test_search_is_not_dropped_by_the_page_cache(client, two, settings):
    # The page cache keeps only the parameters a page reads, in its key and in the request.
    from django.core.cache import cache

    settings.TRACKER_PAGE_CACHE_SECONDS = 600
    cache.clear()
    try:
        for _ in range(2):  # computed, then served from the cache
            page = client.get("/en/commitments/?search=declaration").content.decode()
            assert "/en/commitments/weapons/" in page and "/en/commitments/charter/" not in page
        page = client.get("/en/commitments/?search=charter").content.decode()
        assert "/en/commitments/charter/" in page and "/en/commitments/weapons/" not in page
    finally:
        cache.clear()


def test_the_list_page_searches_in_one_query_whatever_it_finds(client, django_assert_num_queries):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/en/commitments/?q=lighthouse").status_code == 200
        return len(captured)

    def add(n):
        for _ in range(n):
            commitment = make_commitment(title_en="The lighthouse fund")
            make_update(commitment, text="The lighthouse shines.")
            cite(commitment, f"Le phare {commitment.pk}")

    add(2)
    with django_assert_num_queries(6):
        # The search's count, the page's keys, its rows, their owners' roles; the form's countries and
        # milestones.
        client.get("/en/commitments/?q=lighthouse")
    small = page_queries()
    add(10)
    assert page_queries() == small


# Ranking (PostgreSQL) and order


@pytest.fixture
def ranked():
    make_commitment(slug="in-title", title_en="Z: the lighthouse fund")
    make_commitment(slug="in-summary", title_en="Y: a fund", summary_en="It builds a lighthouse.")
    make_commitment(slug="in-details", title_en="X: a fund", description_en="Near a lighthouse.")
    make_update(make_commitment(slug="in-update", title_en="W: a fund"), text="The lighthouse is lit.")


def test_postgresql_ranks_title_then_summary_then_details_then_what_only_related_texts_hold(ranked):
    need_service(on_postgresql(), "PostgreSQL (DATABASE_URL)")
    with translation.override("en"):
        assert found(q="lighthouse") == ["in-title", "in-summary", "in-details", "in-update"]
        # An order chosen wins over relevance.
        by_title = ["in-update", "in-details", "in-summary", "in-title"]
        assert found(q="lighthouse", ordering="title") == by_title


def test_sqlite_lists_what_it_finds_by_title(ranked):
    if on_postgresql():
        pytest.skip("SQLite's order")
    with translation.override("en"):
        assert found(q="lighthouse") == ["in-update", "in-details", "in-summary", "in-title"]  # by title


def test_postgresql_finds_other_forms_of_a_word():
    need_service(on_postgresql(), "PostgreSQL (DATABASE_URL)")
    make_commitment(slug="weapons", title_en="Human control of weapons", title_fr="Contrôle humain des armes")
    make_commitment(slug="other")
    assert found(q="weapon") == found(q="arme") == ["weapons"]


def test_postgresql_answers_every_part_of_a_search_from_its_index():
    need_service(on_postgresql(), "PostgreSQL (DATABASE_URL)")
    commitment = make_commitment(slug="one")
    # Enough published updates that the index on their texts beats reading them all by the one on their
    # dates (their stored texts are cheap to compare: 300 were not enough).
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(commitment=commitment, text=f"Report {n}.", state=PublicationState.PUBLISHED)
        for n in range(3000)
    )
    queryset = Commitment.objects.public().search("lighthouse")
    with connection.cursor() as cursor:
        # Every table the search reads, as it now is: earlier tests that committed rows (the live
        # server's) can leave statistics behind that steer the planner elsewhere.
        cursor.execute("ANALYZE")
        # On a few rows a whole read, or a read by primary key testing each row, costs less than the
        # search's index: forbid both (PostgreSQL still chooses the order and joins), to see that each
        # part's condition is one its index answers.
        forbidden = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan", "enable_nestloop")
        for setting in forbidden:
            cursor.execute(f"SET {setting} = off")
        try:
            plan = queryset.explain()
        finally:
            for setting in forbidden:
                cursor.execute(f"RESET {setting}")
    for index in ("commitment_search_idx", "owner_search_idx", "passage_search_idx", "update_search_idx"):
        assert f"Bitmap Index Scan on {index}" in plan, index


def test_a_search_on_a_draft_finds_it_for_those_who_may_read_drafts():
    make_commitment(slug="draft", title_en="A lighthouse", is_public=False, status=Status.NOT_ASSESSED)
    assert found(q="lighthouse") == []
    assert list(Commitment.objects.search("lighthouse").values_list("slug", flat=True)) == ["draft"]


def test_a_word_in_an_owners_role_found_once_whatever_the_roles():
    owner = make_owner(name="Pleias")
    commitment = make_commitment(slug="corpus", owner=owner)
    Involvement.objects.create(commitment=commitment, owner=owner, role=Role.FUNDER)
    make_update(commitment, text="Pleias released it.", reported_on=datetime.date(2025, 3, 1))
    assert found(q="pleias") == ["corpus"]
