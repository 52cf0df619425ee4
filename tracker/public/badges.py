"""
Status badges other sites embed: "Summit Tracker | in progress", drawn like shields.io's flat badges.

The SVG is rendered by templates/tracker/badge.svg with autoescaping on, so a title cannot inject markup.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from ..addresses import on_site
from ..choices import Status
from ..headers import with_licence
from ..models import Commitment, Owner

LABEL = "Summit Tracker"  # the name of the site, the same in every language
LABEL_COLOUR = "#555555"
OWNER_COLOUR = "#34495e"  # an owner's badge counts commitments; it has no single status to colour it
# Verdana at 11px averages about 7px a character; `textLength` in the template squeezes or stretches
# the text to exactly the width computed here, so the estimate never makes it overflow.
CHAR_WIDTH = 7
PADDING = 6


@require_safe
@cache_control(max_age=300)
@with_licence
def commitment_badge(request, slug):
    commitment = get_object_or_404(Commitment.objects.public(), slug=slug)
    status = Status(commitment.status)
    return _badge(commitment.title, str(status.label), status.colour)


@require_safe
@cache_control(max_age=300)
@with_licence
def owner_badge(request, slug):
    owner = get_object_or_404(Owner, slug=slug)
    # Its promises and programmes, and how many are kept: what was delivered at the summit itself is
    # not a promise kept (the home and owner pages count the same way).
    counts, _delivered = Commitment.objects.public().of_owner(owner).by_verdict()
    total, achieved = sum(counts.values()), counts.get(Status.ACHIEVED, 0)
    promises = ngettext("%(count)d promise", "%(count)d promises", total) % {"count": total}
    kept = ngettext("%(count)d kept", "%(count)d kept", achieved) % {"count": achieved}
    value = _("%(commitments)s · %(achieved)s") % {"commitments": promises, "achieved": kept}
    return _badge(owner.display_name, value, OWNER_COLOUR)


def badge_snippet(page_url: str, badge_url: str, alt: str) -> str:
    """Return the HTML others paste to show a live badge, every attribute escaped."""
    return format_html('<a href="{}"><img src="{}" alt="{}"></a>', on_site(page_url), on_site(badge_url), alt)


def _badge(subject: str, value: str, colour: str) -> HttpResponse:
    """Render the badge: `value` on `colour` is what shows; screen readers also hear the `subject`."""
    label_width = _text_width(LABEL)
    value_width = _text_width(value)
    context = {
        "label": LABEL,
        "value": value,
        # Read out where the badge is embedded, away from the commitment's own page: say what it is about.
        "text": _("%(site)s — %(subject)s: %(value)s") % {"site": LABEL, "subject": subject, "value": value},
        "colour": colour,
        "label_colour": LABEL_COLOUR,
        "width": label_width + value_width,
        "label_width": label_width,
        "value_width": value_width,
        "label_text_width": label_width - 2 * PADDING,
        "value_text_width": value_width - 2 * PADDING,
        "label_x": label_width / 2,
        "value_x": label_width + value_width / 2,
    }
    response = HttpResponse(render_to_string("tracker/badge.svg", context), content_type="image/svg+xml")
    # Opened on its own, an SVG is a document: let it load nothing and run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _text_width(text: str) -> int:
    return len(text) * CHAR_WIDTH + 2 * PADDING
