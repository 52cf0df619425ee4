"""Which language a visitor lands in, and French typography (issue #27, point 8)."""

import gettext
import re

import pytest
from django.conf import settings
from django.utils import translation

from tracker.fields import french_spacing

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept", "landing"),
    [
        ("de-DE,de;q=0.9", "/en/"),  # neither language: English
        ("es", "/en/"),
        ("de-DE,de;q=0.9,fr;q=0.5", "/fr/"),  # French, if less preferred, is still ours
        ("fr-CA", "/fr/"),
        ("en-GB,en;q=0.9", "/en/"),
        (None, "/fr/"),  # no header (a script, a crawler): the site's default
        ("*", "/fr/"),
    ],
)
def test_a_visitor_lands_in_the_language_their_browser_reads(client, accept, landing):
    headers = {} if accept is None else {"HTTP_ACCEPT_LANGUAGE": accept}
    response = client.get("/", **headers)
    assert response.status_code == 302 and response.url == landing


def test_a_chosen_language_or_the_address_wins_over_a_foreign_browser(client, settings):
    german = {"HTTP_ACCEPT_LANGUAGE": "de"}
    assert client.get("/fr/", **german).headers["Content-Language"] == "fr"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert client.get("/", **german).url == "/fr/"


def test_the_api_answers_a_foreign_client_in_english(client):
    response = client.get("/api/commitments/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.headers["Content-Language"] == "en"


def test_the_page_cache_keeps_a_foreign_clients_english_apart_from_french(client, settings):
    from django.core.cache import caches

    settings.TRACKER_PAGE_CACHE_SECONDS = 600
    caches["pages"].clear()
    german = client.get("/api/commitments/", HTTP_ACCEPT_LANGUAGE="de")
    french = client.get("/api/commitments/", HTTP_ACCEPT_LANGUAGE="fr")
    assert german.headers["Content-Language"] == "en"
    assert french.headers["Content-Language"] == "fr"
    # And served again from the cache, each still in its own.
    assert client.get("/api/commitments/", HTTP_ACCEPT_LANGUAGE="es").headers["Content-Language"] == "en"
    assert client.get("/api/commitments/", HTTP_ACCEPT_LANGUAGE="fr").headers["Content-Language"] == "fr"


def french_messages() -> list[str]:
    """Every French translation of the site's own (not Django's), as compiled (make messages)."""
    compiled = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
    with compiled.open("rb") as file:
        catalog = gettext.GNUTranslations(file)._catalog
    return [text for key, text in catalog.items() if key]  # the key "" is the catalogue's header


def test_french_messages_follow_french_typography():
    # A no-break space before the high marks and inside guillemets, as French typography asks: an
    # ordinary one lets a line break leave "?" or "»" alone at the start of the next line.
    # Code quoted in a message ("Authorization: Token") is not French.
    code = re.compile(r"<code>.*?</code>")
    plain_or_none = re.compile(r" [:;?!]| »|« |[^\s\N{NO-BREAK SPACE}][:;?!](\s|$)")
    wrong = [text for text in french_messages() if plain_or_none.search(code.sub("", text))]
    assert wrong == []


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Objectif : 2030", "Objectif\u00a0: 2030"),
        ("Objectif: 2030; ensuite ?", "Objectif\u00a0: 2030\u00a0; ensuite\u00a0?"),
        ("« Bonjour » dit-il", "«\u00a0Bonjour\u00a0» dit-il"),
        ("Quoi?) Rien!", "Quoi\u00a0?) Rien\u00a0!"),
        # Already right, with a no-break or a narrow no-break space: left as typed.
        ("«\u00a0Déjà\u00a0» : ok", "«\u00a0Déjà\u00a0»\u00a0: ok"),
        ("«\u202fDéjà\u202f»\u202f!", "«\u202fDéjà\u202f»\u202f!"),
        # Not prose: addresses, times, ratios and Markdown's images keep their marks.
        ("Voir https://x.org/a?b=1 à 15:30, 3:1", "Voir https://x.org/a?b=1 à 15:30, 3:1"),
        ("Un ![schéma](https://x.org/s.png)", "Un ![schéma](https://x.org/s.png)"),
    ],
)
def test_french_text_gets_french_spacing_once(typed, shown):
    assert french_spacing(typed) == shown
    assert french_spacing(shown) == shown  # twice is once


def test_a_french_field_reads_with_french_spacing_and_an_english_one_as_typed():
    from tests.factory import make_commitment

    commitment = make_commitment(title_fr="Objectif : 2030", title_en="Goal: 2030")
    with translation.override("fr"):
        assert commitment.title == "Objectif\u00a0: 2030"
    with translation.override("en"):
        assert commitment.title == "Goal: 2030"
