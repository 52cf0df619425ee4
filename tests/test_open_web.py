"""
The site as a citizen of the open web (issue #25): the data's licence in every answer that carries
data, cross-origin reads of the open data and nothing else, valid Atom, robots.txt, the favicon, and
the social cards that show a commitment's status.
"""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factory import make_commitment, make_owner, make_update
from tracker.choices import DecisionKind
from tracker.headers import DATA_LICENCE_URL

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
LICENCE_LINK = f'<{DATA_LICENCE_URL}>; rel="license"'


def url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


@pytest.fixture
def commitment():
    owner = make_owner(slug="france", name="France")
    commitment = make_commitment(slug="fund", title_fr="Le fonds", title_en="The fund", owner=owner)
    # An update no owner filed, and a correction: neither has an author of its own.
    make_update(commitment, text="Started.", language="en")
    commitment.decisions.create(
        kind=DecisionKind.CORRECTION,
        reason="A wrong date.",
        language="en",
        decided_on=datetime.date(2025, 7, 1),
    )
    return commitment


FEEDS = [
    ("tracker:feed_updates", {}),
    ("tracker:feed_commitment", {"slug": "fund"}),
    ("tracker:feed_owner", {"slug": "france"}),
    ("tracker:feed_corrections", {}),
]


def data_addresses(language: str = "en") -> list[str]:
    """Every kind of answer that carries data, the CSV aside (streamed, tested on its own)."""
    return [
        *(url(name, language, **kwargs) for name, kwargs in FEEDS),
        url("tracker:calendar", language),
        url("tracker:badge_commitment", language, slug="fund"),
        url("tracker:badge_owner", language, slug="france"),
        "/api/",
        "/api/commitments/",
        "/api/commitments/fund/",
    ]


# The licence


def test_every_page_names_the_datas_licence_in_its_head(client, commitment):
    for address in ["/fr/", "/en/commitments/", url("tracker:commitment_detail", "fr", slug="fund")]:
        assert f'<link rel="license" href="{DATA_LICENCE_URL}">' in client.get(address).content.decode()


def test_feeds_calendar_badges_and_the_api_name_the_licence_in_a_link_header(client, commitment):
    for address in [*data_addresses("fr"), *data_addresses("en"), "/api/no-such-thing/"]:
        response = client.get(address)
        assert response.status_code in (200, 404), address
        assert response["Link"] == LICENCE_LINK, address


def test_the_licence_is_added_to_a_link_a_view_sets_itself():
    from django.http import HttpResponse

    from tracker.headers import with_licence

    def view(request):
        response = HttpResponse()
        response["Link"] = '</en/>; rel="alternate"'
        return response

    assert with_licence(with_licence(view))(None)["Link"] == f'</en/>; rel="alternate", {LICENCE_LINK}'


def test_a_feed_states_the_licence_in_rights_and_in_a_license_link(client, commitment):
    for name, kwargs in FEEDS:
        feed = ET.fromstring(client.get(url(name, "fr", **kwargs)).content)
        assert DATA_LICENCE_URL in feed.findtext(f"{ATOM}rights")
        licence = [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "license"]
        assert licence == [DATA_LICENCE_URL]


def test_the_calendar_states_the_licence_in_its_description(client, commitment):
    from icalendar import Calendar

    calendar = Calendar.from_ical(client.get(url("tracker:calendar", "en")).content)
    assert DATA_LICENCE_URL in str(calendar["DESCRIPTION"])


# Valid Atom (RFC 4287, 4.1.1: a feed has an author, unless every entry has one)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_entry_of_every_feed_has_an_author(client, commitment, language):
    for name, kwargs in FEEDS:
        feed = ET.fromstring(client.get(url(name, language, **kwargs)).content)
        entries = feed.findall(f"{ATOM}entry")
        assert entries, name
        feed_authors = feed.findall(f"{ATOM}author")
        for entry in entries:
            authors = entry.findall(f"{ATOM}author") or feed_authors
            assert authors and all(author.findtext(f"{ATOM}name") for author in authors), name
        # The site's own: its name, and its address.
        assert [author.findtext(f"{ATOM}name") for author in feed_authors] == ["Summit Tracker"]
        assert feed_authors[0].findtext(f"{ATOM}uri") == f"https://tracker.example.org/{language}/"
