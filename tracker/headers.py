"""
Headers every answer carries besides Django's own and the Content-Security-Policy (django-csp,
CONTENT_SECURITY_POLICY in summit/settings.py): a Permissions-Policy that turns off the browser
features no page of the tracker uses, and `Cache-Control: private` on what a signed-in person is
answered, which no shared cache may keep for another.

`@with_licence` names the data's licence on an answer that carries data (feeds, calendar, badges, CSV,
API) in a `Link: <…>; rel="license"` header (RFC 8288; "license" is the registered relation type), so
that a script which only downloads a file can still tell how it may reuse it. The API's answers get it
from `ApiLicenceMiddleware`: its views, its errors and its throttle's refusals have no one place to
decorate.

`ReadOnlyCorsMiddleware` lets any origin read the open data (CORS_* in summit/settings.py) and
gives a write, or a browser's preflight for one, none of the CORS headers: a page on another site can
neither send nor read a write, whatever its credentials.
"""

import functools

from corsheaders.middleware import CorsMiddleware
from django.utils.cache import patch_cache_control

# The licence of the data the site publishes (docs/licence.md).
DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
DATA_LICENCE_LINK = f'<{DATA_LICENCE_URL}>; rel="license"'

# The powerful features a page could ask a visitor for; the tracker asks for none.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("camera", "display-capture", "geolocation", "microphone", "payment", "usb")
)


def with_licence(view):
    """
    Decorate a view (a function, or a callable instance such as a Feed) so that its answers name the
    data's licence in a Link header, beside any Link the view set itself.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return add_licence_link(view(request, *args, **kwargs))

    return wrapper


def add_licence_link(response):
    """Return `response` with the data's licence added to its Link header (once)."""
    link = response.get("Link", "")
    if DATA_LICENCE_LINK not in link:
        response["Link"] = f"{link}, {DATA_LICENCE_LINK}" if link else DATA_LICENCE_LINK
    return response


class SecurityHeadersMiddleware:
    """
    Placed before the page cache's middleware, so that answers it gives early carry the header too.
    Those are anonymous by construction; any other answer has been through authentication, token
    authentication by the API included (DRF sets the user on Django's request).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True)
        return response


class ApiLicenceMiddleware:
    """Name the data's licence on every answer under /api/, as `with_licence` does for a view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            add_licence_link(response)
        return response


class ReadOnlyCorsMiddleware(CorsMiddleware):
    """django-cors-headers' middleware, on the data's addresses, for reads alone."""

    READS = frozenset({"GET", "HEAD", "OPTIONS"})

    def is_enabled(self, request) -> bool:
        method = request.method
        if method == "OPTIONS":
            # A preflight asks for the method the script means to send next.
            method = request.headers.get("Access-Control-Request-Method", method).upper()
        return method in self.READS and super().is_enabled(request)
