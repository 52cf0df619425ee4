"""
What browsers and crawlers ask for at the site's root, in no language: /robots.txt and /favicon.ico.
"""

import functools

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from ..addresses import PLACEHOLDER, on_site

DAY = 24 * 60 * 60


@require_safe
@cache_control(public=True, max_age=DAY)
def robots_txt(request):
    return HttpResponse(robots_text(), content_type="text/plain; charset=utf-8")


# The same for every request, and until the next release (settings and addresses are read at start).
@functools.cache
def robots_text() -> str:
    """Return robots.txt: crawlers may read the public site and the API, not the accounts' pages."""
    context = {"private": private_paths(), "sitemap": on_site(reverse("sitemap"))}
    return render_to_string("robots.txt", context)


def private_paths() -> list[str]:
    """Return the paths crawlers are asked to leave alone, in each language (`*` for any slug)."""
    paths = [reverse("admin:index"), reverse("health")]
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            paths += [
                reverse("login").removesuffix("login/"),  # sign-in, sign-out, password links
                reverse("tracker:my_commitments"),
                reverse("tracker:review_queue"),
                reverse("tracker:log_progress", args=[PLACEHOLDER]).replace(PLACEHOLDER, "*"),
                # Each opt-out link holds a recipient's token.
                reverse("tracker:opt_out", args=[PLACEHOLDER]).removesuffix(f"{PLACEHOLDER}/"),
                # And each follower's confirmation and stop link.
                reverse("tracker:follow_confirm", args=[PLACEHOLDER]).removesuffix(f"{PLACEHOLDER}/"),
                reverse("tracker:follow_stop", args=[PLACEHOLDER]).removesuffix(f"{PLACEHOLDER}/"),
            ]
    return paths


@require_safe
@cache_control(public=True, max_age=DAY)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: send them to the site's icon."""
    # Not permanent: the icon's address changes with its content (the static files' manifest).
    return redirect(static("tracker/favicon.svg"))
