from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info

from .access import is_editor


def site(request):
    """The same page in each language (for the switcher and hreflang links), and the site's origin."""
    path = request.get_full_path()
    languages = [
        {"code": code, "name": get_language_info(code)["name_local"], "url": translate_url(path, code)}
        for code, _ in settings.LANGUAGES
    ]
    # Absolute links (hreflang, Open Graph, canonical) from the address the request came to, so they
    # are right behind any host name without a setting to keep in step.
    return {
        "languages": languages,
        "origin": request.build_absolute_uri("/").rstrip("/"),
        # For the workspace links in the header; anonymous visitors cost no query.
        "is_editor": is_editor(request.user),
    }
