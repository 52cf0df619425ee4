"""
Addresses. Every absolute link the site gives (pages, feeds, the calendar, the CSV, the API, e-mails,
what commands print) starts with SITE_URL, the address the site is served at, whatever host or
scheme a request came through (an internal name behind a proxy, plain HTTP to a health check).

The calendar names up to a thousand commitments: their address is reversed once, with a placeholder for
the slug, and each is that address with its own slug in place (`absolute_by_slug`). A reverse() each
(16 µs) cost as much as the rest of the calendar (docs/performance.md); pages and the API, which name a
few dozen, reverse each one.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.urls import reverse
from django.utils import translation

PLACEHOLDER = "slug-placeholder"


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


def absolute_by_slug(view_name: str):
    """Return a function of a slug giving the absolute address of `view_name` for that slug."""
    address = on_site(reverse(view_name, args=[PLACEHOLDER]))
    # rpartition: the slug is in the path, after a host that might contain the placeholder's text.
    before, _placeholder, after = address.rpartition(PLACEHOLDER)
    return lambda slug: f"{before}{slug}{after}"
