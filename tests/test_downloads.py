"""
The list of commitments as CSV (issue #25): its columns on the summit's data, its version for
spreadsheet programs, revalidation by ETag, its licence link and what a bad filter answers.
"""

import csv
import datetime
import io
import zipfile

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factory import make_commitment, make_owner, make_source
from tracker.choices import AmountPeriod, Qualifier, Role
from tracker.models import Amount, Involvement

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)
LICENCE = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def url(name, language="en"):
    with translation.override(language):
        return reverse(f"tracker:{name}")


def rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def by_slug(response) -> dict[str, dict]:
    return {row["slug"]: row for row in rows(response)}


@pytest.fixture
def summit():
    call_command("load_summit", verbosity=0)


def test_each_row_has_owners_by_role_the_next_deadline_amounts_sources_and_the_status_date(client, summit):
    english = by_slug(client.get(url("commitment_csv")))
    champions = english["european-ai-champions"]
    # Its owners by role, by name, as the summary lists them; none leads it.
    assert champions["lead"] == "" and champions["signatory"] == "" and champions["supporter"] == ""
    assert "Mistral AI" in champions["partner"].split("; ")
    assert champions["funder"] == "Blackstone; CVC; DST Global; EQT; KKR"
    assert (champions["next_deadline_on"], champions["next_deadline_precision"]) == ("2030-02", "month")
    assert champions["amounts"] == "150000000000 EUR in total over a period"
    assert champions["sources"] == "paris-actions-summary; yele-summit-recap"
    current_ai = english["current-ai"]
    assert current_ai["lead"] == "Current AI" and current_ai["supporter"] == "European Commission"
    assert current_ai["amounts"] == "400000000 EUR"
    # The status date: when the current status was assessed, at its precision.
    afd = english["afd-digital-infrastructure"]
    assert (afd["status"], afd["assessed_on"], afd["assessed_precision"]) == (
        "in_progress",
        "2025-02",
        "month",
    )
    assert afd["sources"] == "paris-actions-summary; yele-summit-recap"
    # Names and words in the language of the address.
    french = by_slug(client.get(url("commitment_csv", "fr")))
    assert french["current-ai"]["supporter"] == "Commission européenne"
    assert french["european-ai-champions"]["amounts"] == "150000000000 EUR au total sur une période"


def test_the_columns_added_come_after_the_first_versions(client):
    make_commitment()
    header = next(
        csv.reader(io.StringIO(b"".join(client.get(url("commitment_csv")).streaming_content).decode()))
    )
    first_version = [
        "slug", "title", "axis", "kind", "nature", "status", "assessed_on", "assessed_precision",
        "announced_on", "announced_precision", "lead", "next_deadline_on", "next_deadline_precision",
        "days_overdue", "url",
    ]  # fmt: skip
    assert header[: len(first_version)] == first_version
    assert header[len(first_version) :] == [
        "signatory",
        "partner",
        "funder",
        "supporter",
        "amounts",
        "sources",
    ]


def test_amounts_say_their_qualifier_and_period_and_keep_cents(client):
    commitment = make_commitment(slug="fund")
    for slug, amount, qualifier, period in [
        ("a", "1000000", Qualifier.UP_TO, AmountPeriod.PER_YEAR),
        ("b", "2.50", Qualifier.EXACT, AmountPeriod.ONE_OFF),
    ]:
        Amount.objects.create(
            commitment=commitment, slug=slug, amount=amount, currency="USD", qualifier=qualifier,
            period=period, label_fr=slug, label_en=slug,
        )  # fmt: skip
    (row,) = rows(client.get(url("commitment_csv")))
    assert row["amounts"] == "up to 1000000 USD per year; 2.50 USD"


def test_the_spreadsheet_version_starts_with_a_byte_order_mark_and_holds_the_same_rows(client):
    make_commitment(slug="second", title_en="Équité")
    make_commitment(slug="first", owner=make_owner(name="=cmd"))
    plain = client.get(url("commitment_csv"), {"ordering": "title"})
    excel = client.get(url("commitment_csv_excel"), {"ordering": "title"})
    assert excel["Content-Type"] == "text/csv; charset=utf-8"
    assert excel["Content-Disposition"] == 'attachment; filename="summit-commitments-en-excel.csv"'
    body = b"".join(excel.streaming_content)
    assert body.startswith(b"\xef\xbb\xbfslug,title,")
    assert body[3:] == b"".join(plain.streaming_content)
    assert "'=cmd" in body.decode()  # neutralised for spreadsheets, as the plain CSV


def test_a_filtered_spreadsheet_version_is_the_filtered_list(client):
    make_commitment(slug="open-data", title_en="Open data")
    make_commitment(slug="compute", title_en="Compute")
    response = client.get(url("commitment_csv_excel"), {"q": "compute"})
    assert [row["slug"] for row in rows(response)] == ["compute"]


@pytest.mark.parametrize("name", ["commitment_csv", "commitment_csv_excel"])
def test_a_csv_names_its_licence_and_answers_304_until_the_data_changes(
    client, name, django_capture_on_commit_callbacks
):
    make_commitment(slug="first")
    first = client.get(url(name), {"axis": "governance"})
    assert first["Link"] == LICENCE
    etag = first["ETag"]
    assert etag.startswith('W/"')
    again = client.get(url(name), {"axis": "governance"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    # Another filter, the other language or the other file is another download.
    assert client.get(url(name), {"axis": "science"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    searched = client.get(url(name), {"search": "first"})["ETag"]
    assert client.get(url(name), {"search": "other"}, HTTP_IF_NONE_MATCH=searched).status_code == 200
    assert client.get(url(name, "fr"), {"axis": "governance"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert client.get(url("commitment_csv_excel" if name == "commitment_csv" else "commitment_csv"),
                      {"axis": "governance"}, HTTP_IF_NONE_MATCH=etag).status_code == 200  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        make_commitment(slug="second")
    changed = client.get(url(name), {"axis": "governance"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert [row["slug"] for row in rows(changed)] == ["first", "second"]


def test_a_new_day_is_a_new_etag(client):
    make_commitment()
    etag = client.get(url("commitment_csv"))["ETag"]
    with time_machine.travel(TODAY + datetime.timedelta(days=1), tick=False):
        assert client.get(url("commitment_csv"), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_bad_filter_answers_400_with_the_errors_as_csv(client):
    make_commitment()
    response = client.get(url("commitment_csv"), {"status": "nope", "owner": "=Nobody", "axis": "science"})
    assert response.status_code == 400
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    errors = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    assert [row["field"] for row in errors] == ["status", "owner"]
    assert "nope" in errors[0]["message"]
    assert errors[1]["message"] == "No owner is called “=Nobody”."
    french = client.get(url("commitment_csv_excel", "fr"), {"status": "nope"})
    assert french.status_code == 400 and french["Content-Type"] == "text/csv; charset=utf-8"
    assert "Sélectionnez un choix valide" in french.content.decode()


def test_a_message_that_starts_as_a_formula_is_neutralised(client, monkeypatch):
    from tracker.filters import OwnerField

    monkeypatch.setitem(OwnerField.default_error_messages, "unknown", "=%(value)s")
    response = client.get(url("commitment_csv"), {"owner": "x"})
    (error,) = csv.DictReader(io.StringIO(response.content.decode(), newline=""))
    assert error == {"field": "owner", "message": "'=x"}


def test_the_csv_costs_four_queries_a_chunk_whatever_its_amounts_and_sources(client, monkeypatch):
    monkeypatch.setattr("tracker.public.downloads.CHUNK", 2)
    source = make_source()
    for n in range(5):
        commitment = make_commitment(slug=f"c{n}")
        commitment.sources.add(source)
        Involvement.objects.create(commitment=commitment, owner=make_owner(), role=Role.FUNDER)
        Amount.objects.create(
            commitment=commitment, slug="a", amount=n + 1, currency="EUR", label_fr="a", label_en="a"
        )
    with CaptureQueriesContext(connection) as queries:
        found = rows(client.get(url("commitment_csv_excel")))
    assert len(found) == 5 and {row["amounts"] for row in found} == {f"{n + 1} EUR" for n in range(5)}
    # The order; then, for each of three chunks, its amounts and sources, its commitments and their roles.
    assert len(queries) == 1 + 3 * 4, [q["sql"] for q in queries.captured_queries]


@pytest.fixture
def page_cache_on(settings):
    """The page cache as production runs it, empty before and after (tests/settings.py turns it off)."""
    from django.core.cache import cache

    settings.TRACKER_PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def package_slugs(response) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        text = archive.read("summit-tracker/commitments.csv").decode()
    return [row["slug"] for row in csv.DictReader(io.StringIO(text, newline=""))]


def test_the_data_package_is_made_once_for_each_state_of_the_data(
    client, page_cache_on, django_assert_num_queries, django_capture_on_commit_callbacks
):
    make_commitment(slug="first")
    first = client.get(url("data_package"))
    assert package_slugs(first) == ["first"]
    # Asked again, by anyone: read from the cache, not from the database.
    with django_assert_num_queries(0):
        again = client.get(url("data_package"))
    assert again.content == first.content
    # Each language has its own (the descriptions of datapackage.json are translated).
    assert client.get(url("data_package", "fr")).content != first.content
    with django_capture_on_commit_callbacks(execute=True):
        make_commitment(slug="second")
    assert package_slugs(client.get(url("data_package"))) == ["first", "second"]
