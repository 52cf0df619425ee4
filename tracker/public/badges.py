"""
What other sites embed: status badges, "Summit Tracker | in progress", drawn like shields.io's flat
badges; an owner's scorecard; and a "promises kept" chart for a milestone or an axis (issue #26).

The SVGs are rendered by templates/tracker/badge.svg and embed_chart.svg with autoescaping on, so a
name cannot inject markup. The scorecard and the charts count as the pages do (`by_verdict()`,
`with_scorecard()`): what was delivered at the summit itself is counted apart, named in the figures
but drawn in no bar and never scored.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from ..addresses import on_site
from ..choices import Axis, Status
from ..headers import with_licence
from ..models import Commitment, Deadline, Milestone, Owner
from .charts import stacked_row

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


def badge_snippet(page_url: str, badge_url: str, alt: str, size: tuple[int, int] | None = None) -> str:
    """Return the HTML others paste to show a live badge, every attribute escaped."""
    if size is None:  # a badge's width follows its text
        return format_html(
            '<a href="{}"><img src="{}" alt="{}"></a>', on_site(page_url), on_site(badge_url), alt
        )
    return format_html(
        '<a href="{}"><img src="{}" alt="{}" width="{}" height="{}"></a>',
        on_site(page_url), on_site(badge_url), alt, *size,
    )  # fmt: skip


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


# The scorecard and the "promises kept" charts: one drawing, a card of this size.
CARD_WIDTH, CARD_HEIGHT = 320, 120
CARD_MARGIN = 12
BAR_WIDTH = CARD_WIDTH - 2 * CARD_MARGIN
# A heading in bold 14px fits about this many characters; a longer name is cut with "…" (the whole
# name is in the <title>).
HEADING_CHARS = 36
# The legend: two columns of four rows, room for every status.
LEGEND_COLUMNS, LEGEND_TOP, LEGEND_ROW = 2, 74, 11


@dataclass
class Embed:
    """An embeddable picture as a page offers it: the picture, its alt text and the HTML to copy."""

    image_url: str
    alt: str
    snippet: str
    width: int = CARD_WIDTH
    height: int = CARD_HEIGHT


def scorecard_embed(owner) -> Embed:
    """Return the embed of `owner`'s scorecard; `owner` is annotated by `with_scorecard()`."""
    image = reverse("tracker:embed_scorecard", args=[owner.slug])
    return _embed(owner.get_absolute_url(), image, _scorecard_words(owner))


def milestone_embed(milestone, counts: dict[str, int], delivered: int) -> Embed:
    """Return the embed of the promises kept among those due at `milestone` (`due_at_milestone()`)."""
    image = reverse("tracker:embed_milestone", args=[milestone.slug])
    return _embed(milestone.get_absolute_url(), image, _kept_words(milestone.name, counts, delivered))


def axis_embed(axis: Axis, counts: dict[str, int], delivered: int) -> Embed:
    """Return the embed of the promises kept in `axis`, counted as `by_verdict()` counts them."""
    image = reverse("tracker:embed_axis", args=[axis.value])
    page = f"{reverse('tracker:commitment_list')}?axis={axis.value}"
    return _embed(page, image, _kept_words(str(axis.label), counts, delivered))


def due_at_milestone(milestone):
    """
    Return the public commitments with a deliverable due at `milestone`, each once: as
    `with_due_counts()` counts its deliverables, not those moved to a date of their own.
    """
    due = Deadline.objects.filter(commitment=OuterRef("pk"), milestone=milestone, due_on__isnull=True)
    return Commitment.objects.public().filter(Exists(due))


@require_safe
@cache_control(max_age=300)
@with_licence
def owner_scorecard(request, slug):
    # Only an owner the public can reach: one in drafts alone has no scorecard to show.
    owner = get_object_or_404(Owner.objects.public().with_scorecard(), slug=slug)
    return _chart(
        owner.display_name,
        _score_line(owner),
        dict(owner.verdict_counts()),
        _scorecard_words(owner),
    )


@require_safe
@cache_control(max_age=300)
@with_licence
def milestone_kept(request, slug):
    milestone = get_object_or_404(Milestone, slug=slug)
    counts, delivered = due_at_milestone(milestone).by_verdict()
    return _kept_chart(milestone.name, counts, delivered)


@require_safe
@cache_control(max_age=300)
@with_licence
def axis_kept(request, axis):
    if axis not in Axis.values:
        raise Http404
    axis = Axis(axis)
    counts, delivered = Commitment.objects.public().filter(axis=axis).by_verdict()
    return _kept_chart(str(axis.label), counts, delivered)


def _embed(page_url: str, image_url: str, alt: str) -> Embed:
    size = (CARD_WIDTH, CARD_HEIGHT)
    return Embed(image_url=image_url, alt=alt, snippet=badge_snippet(page_url, image_url, alt, size))


def _kept_chart(subject: str, counts: dict[str, int], delivered: int) -> HttpResponse:
    heading = _("%(subject)s: promises kept") % {"subject": subject}
    return _chart(heading, _kept_line(counts, delivered), counts, _kept_words(subject, counts, delivered))


def _promises(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return ngettext("%(count)d promise", "%(count)d promises", total) % {"count": total}


def _verdicts(counts: dict[str, int]) -> str:
    """Every status counted, in the vocabulary's order: "achieved: 2, not achieved: 1"."""
    return ", ".join(
        _("%(status)s: %(count)d") % {"status": status.label, "count": counts[status]}
        for status in Status
        if counts.get(status)
    )


def _delivered(delivered: int) -> str:
    return ngettext(
        "%(counter)s delivered at the summit", "%(counter)s delivered at the summit", delivered
    ) % {"counter": delivered}


def _score_line(owner) -> str:
    """The score as the owners' list writes it: "+0.25 over 4 assessed", or "not scored"."""
    if owner.score is None:
        return _("not scored")
    return ngettext(
        "%(score)s over %(assessed)s assessed", "%(score)s over %(assessed)s assessed", owner.assessed
    ) % {"score": owner.signed_score(), "assessed": owner.assessed}


def _kept_line(counts: dict[str, int], delivered: int) -> str:
    total, kept = sum(counts.values()), counts.get(Status.ACHIEVED, 0)
    line = ngettext("%(kept)d of %(count)d promise kept", "%(kept)d of %(count)d promises kept", total) % {
        "kept": kept,
        "count": total,
    }
    return f"{line} · {_delivered(delivered)}" if delivered else line


def _in_words(subject: str, counts: dict[str, int], figures: list[str], delivered: int) -> str:
    """ "Summit Tracker — Alpha: 5 promises (in progress: 1, achieved: 2); …; 1 delivered at the summit"."""
    promises = _promises(counts)
    verdicts = _verdicts(counts)
    parts = [f"{promises} ({verdicts})" if verdicts else promises, *figures]
    if delivered:
        parts.append(_("%(delivered)s, counted apart") % {"delivered": _delivered(delivered)})
    return _("%(site)s — %(subject)s: %(value)s") % {
        "site": LABEL,
        "subject": subject,
        "value": "; ".join(parts),
    }


def _scorecard_words(owner) -> str:
    score = _("score: %(score)s") % {"score": _score_line(owner)}
    return _in_words(owner.display_name, dict(owner.verdict_counts()), [score], owner.delivered)


def _kept_words(subject: str, counts: dict[str, int], delivered: int) -> str:
    kept = counts.get(Status.ACHIEVED, 0)
    figure = ngettext("%(count)d kept", "%(count)d kept", kept) % {"count": kept}
    return _in_words(subject, counts, [figure], delivered)


def _chart(heading: str, line: str, counts: dict[str, int], words: str) -> HttpResponse:
    """Render a card: a heading, a line of figures, a stacked bar of `counts` and its legend."""
    scale = BAR_WIDTH / 100
    segments = [
        {"x": CARD_MARGIN + s.start * scale, "width": s.width * scale, "colour": s.status.colour}
        for s in stacked_row(counts)
    ]
    column = BAR_WIDTH / LEGEND_COLUMNS
    shown = [status for status in Status if counts.get(status)]
    legend = [
        {
            "x": CARD_MARGIN + (i % LEGEND_COLUMNS) * column,
            "y": LEGEND_TOP + (i // LEGEND_COLUMNS) * LEGEND_ROW,
            "text_x": CARD_MARGIN + (i % LEGEND_COLUMNS) * column + 12,
            "colour": status.colour,
            "text": _("%(status)s: %(count)d") % {"status": status.label, "count": counts[status]},
        }
        for i, status in enumerate(shown)
    ]
    context = {
        "width": CARD_WIDTH,
        "height": CARD_HEIGHT,
        "margin": CARD_MARGIN,
        "bar_width": BAR_WIDTH,
        "heading": Truncator(heading).chars(HEADING_CHARS),
        "line": line,
        "segments": segments,
        "legend": legend,
        "words": words,
        "site": LABEL,
    }
    response = HttpResponse(
        render_to_string("tracker/embed_chart.svg", context), content_type="image/svg+xml"
    )
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
