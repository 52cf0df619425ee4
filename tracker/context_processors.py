import functools

from django.conf import settings
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.encoding import iri_to_uri
from django.utils.translation import get_language_info, override

from .access import is_editor
from .models import ProgressUpdate


def site(request):
    """The same page in each language (for the switcher and hreflang links), and the site's origin."""
    languages = [
        {"code": code, "name": get_language_info(code)["name_local"], "url": _in_language(request, code)}
        for code, _ in settings.LANGUAGES
    ]
    editor = is_editor(request.user)
    # Absolute links (hreflang, Open Graph, canonical) on the site's address, whatever host the
    # request came through (tracker/addresses.py).
    return {
        "languages": languages,
        "origin": settings.SITE_URL,
        # For the workspace links in the header; anonymous visitors cost no query.
        "is_editor": editor,
        # The editors' "Review queue (3)": one COUNT on the queue's partial index, made only when a
        # page shows it (the template calls it; the admin's pages, which do not, cost nothing).
        "awaiting_review": functools.cache(lambda: ProgressUpdate.objects.awaiting_review().count())
        if editor
        else None,
    }


def _in_language(request, code: str) -> str:
    """Return the address of this page in language `code`, its query string kept."""
    match = request.resolver_match
    if match is None or match.url_name is None:  # e.g. a 404: translate_url does what it can
        return translate_url(request.get_full_path(), code)
    # The address was resolved already: translate_url would resolve it again (a third of its time).
    try:
        with override(code):
            path = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
    except NoReverseMatch:
        return translate_url(request.get_full_path(), code)
    # As request.get_full_path() writes it.
    query = iri_to_uri(request.META.get("QUERY_STRING", ""))
    return f"{path}?{query}" if query else path
