"""
The site as a citizen of the open web (issue #25): the data's licence in every answer that carries
data, cross-origin reads of the open data and nothing else, valid Atom, robots.txt, the favicon, and
the social cards that show a commitment's status.
"""

import datetime
import html
import io
import re
import xml.etree.ElementTree as ET
from unittest import mock

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageDraw

from tests.factory import make_assessment, make_commitment, make_owner, make_update
from tracker.choices import DecisionKind, Status
from tracker.headers import DATA_LICENCE_URL
from tracker.public import cards

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
LICENCE_LINK = f'<{DATA_LICENCE_URL}>; rel="license"'
ORIGIN = "https://news.example"


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
        url("tracker:card_commitment", language, slug="fund"),
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


# Cross-origin reads


def test_the_open_data_may_be_read_from_any_origin_without_credentials(client, commitment):
    for address in data_addresses():
        response = client.get(address, headers={"Origin": ORIGIN})
        assert response["Access-Control-Allow-Origin"] == "*", address
        assert "Access-Control-Allow-Credentials" not in response, address
        exposed = {header.strip().lower() for header in response["Access-Control-Expose-Headers"].split(",")}
        assert {"etag", "link", "last-modified"} <= exposed, address
    # A preflight's header on a read (sent by no browser, but harmless) changes nothing.
    stray = client.get("/api/", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert stray["Access-Control-Allow-Origin"] == "*"


def test_the_downloads_may_be_read_from_any_origin_and_the_data_page_may_not(client, commitment):
    # Paths matched by pattern (CORS_URLS_REGEX): the list's CSV files, and every file under data/.
    for address in ["/fr/commitments.csv", "/en/commitments-excel.csv", "/en/data/summit-tracker.zip"]:
        response = client.get(address, headers={"Origin": ORIGIN})
        assert response["Access-Control-Allow-Origin"] == "*", address
    assert "Access-Control-Allow-Origin" not in client.get("/en/data/", headers={"Origin": ORIGIN})


def test_a_preflight_for_a_read_is_allowed_with_revalidation_headers(client, commitment):
    response = client.options(
        "/api/commitments/",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "if-none-match" in response["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_preflight_for_a_write_is_not_allowed(client, commitment, method):
    response = client.options(
        "/api/updates/",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    # A browser sends the write only when the preflight's answer allows the origin, its method and its
    # headers: it allows none of them.
    assert "Access-Control-Allow-Origin" not in response
    methods = {part.strip() for part in response.get("Access-Control-Allow-Methods", "").split(",")}
    headers = {part.strip() for part in response.get("Access-Control-Allow-Headers", "").split(",")}
    assert method not in methods
    assert "authorization" not in headers


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_from_another_origin_gets_no_cors_headers(client, commitment, method):
    # Sent without a preflight (as a form can be), it is refused, and the page cannot read why.
    response = getattr(client, method)("/api/commitments/fund/", headers={"Origin": ORIGIN})
    assert response.status_code in (401, 403, 405)
    assert "Access-Control-Allow-Origin" not in response


def test_pages_and_the_workspaces_send_no_cors_headers(client, commitment):
    for address in [
        "/en/",
        url("tracker:commitment_detail", slug="fund"),
        "/en/accounts/login/",
        "/admin/login/",
        "/api/docs/",
        "/health/",
    ]:
        response = client.get(address, headers={"Origin": ORIGIN})
        assert "Access-Control-Allow-Origin" not in response, address


def test_the_apis_errors_may_be_read_from_any_origin_too(client, commitment):
    not_found = client.get("/api/commitments/no-such-commitment/", headers={"Origin": ORIGIN})
    bad = client.get("/api/commitments/?status=nonsense", headers={"Origin": ORIGIN})
    assert not_found.status_code == 404 and bad.status_code == 400
    for response in (not_found, bad):
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Link"] == LICENCE_LINK


def test_answers_from_the_page_cache_carry_the_licence_and_cors_headers_too(
    client, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from django.core.cache import caches

    settings.TRACKER_PAGE_CACHE_SECONDS = 600
    cache.clear()
    caches["pages"].clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_commitment(slug="fund", owner=make_owner(slug="france"))
    try:
        for address in [
            "/api/commitments/",
            url("tracker:feed_updates"),
            url("tracker:badge_owner", slug="france"),
        ]:
            client.get(address, headers={"Origin": ORIGIN})
            # Stored although asked from another origin (CORS's `Vary: Origin` is added outside the
            # cache), and served from it with the same headers.
            with django_assert_num_queries(0):
                again = client.get(address, headers={"Origin": ORIGIN})
            assert again["Access-Control-Allow-Origin"] == "*", address
            assert again["Link"] == LICENCE_LINK, address
            assert "origin" in again["Vary"].lower(), address
    finally:
        cache.clear()
        caches["pages"].clear()


# robots.txt and the favicon


def test_robots_txt_lets_crawlers_read_the_public_site_not_the_accounts_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "max-age=86400" in response["Cache-Control"]
    lines = response.content.decode().splitlines()
    disallowed = {line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow:")}
    for language in ("fr", "en"):
        assert {
            f"/{language}/accounts/",
            f"/{language}/me/",
            f"/{language}/review/",
            f"/{language}/commitments/*/log/",
            f"/{language}/reminders/stop/",
        } <= disallowed
    assert {"/admin/", "/health/"} <= disallowed
    # Rules match the start of a path, `*` any characters (RFC 9309): nothing public is kept from crawlers.
    rules = [re.compile(re.escape(path).replace(r"\*", ".*")) for path in disallowed]
    for address in [
        "/fr/",
        "/en/commitments/fund/",
        "/fr/commitments/fund/updates/",
        "/en/feeds/updates.atom",
        "/api/",
    ]:
        assert not any(rule.match(address) for rule in rules), address
    assert any(rule.match("/en/commitments/fund/log/") for rule in rules)
    assert "Allow: /" in lines
    assert "Sitemap: https://tracker.example.org/sitemap.xml" in lines


def test_the_favicon_is_linked_from_every_page_and_answers_at_favicon_ico(client):
    page = client.get("/en/").content.decode()
    assert '<link rel="icon" href="/static/tracker/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/tracker/favicon.svg"
    icon = ET.parse(finders.find("tracker/favicon.svg")).getroot()
    assert icon.tag == "{http://www.w3.org/2000/svg}svg"


# The footer


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_pages_footer_links_to_the_api_documentation_and_the_open_data(client, commitment, language):
    for address in [
        f"/{language}/",
        url("tracker:commitment_detail", language, slug="fund"),
        "/en/no-such-page/",
    ]:
        footer = client.get(address).content.decode().partition('<footer class="site-footer">')[2]
        assert f'href="{reverse("api:docs")}"' in footer, address
        assert f'href="{url("tracker:data", address.split("/")[1])}"' in footer, address


# Social cards


def png_size(response) -> tuple[int, int]:
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(response.content)).size


def meta(page: str, name: str) -> str:
    """The content of the page's <meta property=name> (or name=name)."""
    match = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', page)
    assert match, name
    return html.unescape(match.group(1))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_commitments_page_shares_its_card_with_its_title_and_status(client, commitment, language):
    page = client.get(url("tracker:commitment_detail", language, slug="fund")).content.decode()

    image = meta(page, "og:image")
    assert image == f"https://tracker.example.org/{language}/cards/commitments/fund.png"
    with translation.override(language):
        title, status = commitment.title, str(Status(commitment.status).label)
    alt = meta(page, "og:image:alt")
    assert title in alt and status in alt
    assert (meta(page, "og:image:width"), meta(page, "og:image:height")) == ("1200", "630")
    assert meta(page, "twitter:card") == "summary_large_image"
    assert png_size(client.get(image.removeprefix("https://tracker.example.org"))) == (1200, 630)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_other_pages_share_the_sites_card(client, commitment, language):
    for address in [
        f"/{language}/",
        url("tracker:commitment_list", language),
        url("tracker:about", language),
    ]:
        page = client.get(address).content.decode()
        image = meta(page, "og:image")
        assert image == f"https://tracker.example.org/{language}/cards/site.png", address
        assert meta(page, "og:image:alt") and meta(page, "twitter:card") == "summary_large_image"
    assert png_size(client.get(url("tracker:card_site", language))) == (1200, 630)


def test_a_card_changes_when_the_status_does_and_is_drawn_once_for_what_it_shows(client, commitment):
    cache.clear()  # another test may have drawn the same card
    address = url("tracker:card_commitment", "fr", slug="fund")
    with mock.patch("tracker.public.cards.draw", wraps=cards.draw) as draw:
        first = client.get(address)
        again = client.get(address)
        revalidated = client.get(address, headers={"If-None-Match": first["ETag"]})
        assert draw.call_count == 1
        make_assessment(commitment, Status.STALLED, on=datetime.date(2025, 9, 1))
        changed = client.get(address)
        assert draw.call_count == 2
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert revalidated.status_code == 304
    assert changed.content != first.content and changed["ETag"] != first["ETag"]
    # In the page's language: the French card is not the English one.
    assert client.get(url("tracker:card_commitment", "en", slug="fund"))["ETag"] != changed["ETag"]


def test_a_card_for_an_unknown_or_draft_commitment_is_not_found(client):
    make_commitment(slug="draft", is_public=False)
    for slug in ("draft", "nothing"):
        assert client.get(url("tracker:card_commitment", slug=slug)).status_code == 404


def test_the_cards_font_draws_french_letters_and_punctuation():
    # A character the font lacks is drawn as the same box as any other it lacks (here, private use).
    font = cards._font(40, bold=True)

    def drawn(character: str) -> bytes:
        image = Image.new("L", (60, 60))
        ImageDraw.Draw(image).text((5, 5), character, font=font, fill=255)
        return image.tobytes()

    missing = drawn("\ue000")
    assert drawn("\ue001") == missing
    for character in "éèêëàâçîïôœùûÉÈÇÀ«»’“”…—€":
        assert drawn(character) != missing, character


def test_a_long_title_is_wrapped_and_cut_with_an_ellipsis():
    size, lines = cards._title_lines("Une très longue déclaration " * 20)
    assert len(lines) == 4 and lines[-1].endswith("…")
    assert all(cards._font(size, bold=True).getlength(line) <= cards.TEXT_WIDTH for line in lines)
    assert cards._title_lines("Current AI") == (64, ["Current AI"])
