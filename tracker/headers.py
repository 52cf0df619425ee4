"""
Headers every answer carries besides Django's own and the Content-Security-Policy (django-csp,
CONTENT_SECURITY_POLICY in summit/settings.py): a Permissions-Policy that turns off the browser
features no page of the tracker uses, and `Cache-Control: private` on what a signed-in person is
answered, which no shared cache may keep for another.
"""

from django.utils.cache import patch_cache_control

# The powerful features a page could ask a visitor for; the tracker asks for none.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("camera", "display-capture", "geolocation", "microphone", "payment", "usb")
)


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
