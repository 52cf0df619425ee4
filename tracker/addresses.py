"""
Addresses. Every absolute link the site gives (pages, feeds, the calendar, the CSV, the API, e-mails,
what commands print) starts with SITE_URL, the address the site is served at, whatever host or
scheme a request came through (an internal name behind a proxy, plain HTTP to a health check).

Addresses of many objects of one kind are reversed once: a list, a feed or a download names thousands
of them, and reverse() for each cost more than the rest of a row. The first address is reversed with a
placeholder for the slug (and number); every other one is that address with its own in place.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.urls import reverse
from django.utils import translation

PLACEHOLDER = "slug-placeholder"
NUMBER = 987654321


def on_site(path: str) -> str:
    """Return the absolute address of `path` on the site as it is served (SITE_URL)."""
    return settings.SITE_URL + path


def moved_on_site(address: str) -> str:
    """Return `address`, made absolute from a request by a library (DRF, Django's feeds), on SITE_URL."""
    parts = urlsplit(address)
    return on_site(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))


def on_site_in(language: str, view_name: str, *args, **kwargs) -> str:
    """Return the absolute address of `view_name` in `language`, for someone who reads it."""
    with translation.override(language):
        return on_site(reverse(view_name, args=args or None, kwargs=kwargs or None))


def with_slug(address: str):
    """Return a function of a slug giving `address` (made with PLACEHOLDER as slug) for that slug."""
    # rpartition: the slug is in the path, after a host that might contain the placeholder's text.
    before, _placeholder, after = address.rpartition(PLACEHOLDER)
    return lambda slug: f"{before}{slug}{after}"


def absolute_by_slug(view_name: str):
    """Return a function of a slug giving the absolute address of `view_name` for that slug."""
    return with_slug(on_site(reverse(view_name, args=[PLACEHOLDER])))


def by_slug(view_name: str):
    """Return a function of a slug giving the address (a path) of `view_name` for that slug."""
    return with_slug(reverse(view_name, args=[PLACEHOLDER]))


def by_slug_and_pk(view_name: str):
    """Return a function of a slug and a pk giving the path of `view_name` (an update's: commitment, pk)."""
    up_to_number, _number, end = reverse(view_name, args=[PLACEHOLDER, NUMBER]).rpartition(str(NUMBER))
    of_slug = with_slug(up_to_number)
    return lambda slug, pk: f"{of_slug(slug)}{pk}{end}"
