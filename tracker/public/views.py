"""
The public pages: read-only, in the language of the URL, each in a constant number of queries. The one
write a visitor makes here is stopping reminders to their address, authorised by the signed link.

Views read through the querysets' own methods (models/querysets.py: `as_rows` for every list of
commitments, `as_shown` for one) and leave layout to the templates. A commitment's page is in
commitment.py, the CSV in downloads.py.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django.views.defaults import page_not_found

from ..choices import Axis, DecisionKind, Nature, ReminderKind, Role, Status
from ..citations import citing
from ..dates import today
from ..emails import read_opt_out_token
from ..fields import current_language
from ..filters import CommitmentFilter, OwnerFilter, active_filters, offered_countries
from ..models import (
    Commitment,
    Deadline,
    Decision,
    Milestone,
    Owner,
    ProgressUpdate,
    Reading,
    ReminderOptOut,
    SignatoryAssessment,
    SourceDocument,
    Target,
)
from ..models.querysets import in_order
from .badges import axis_embed, badge_snippet, due_at_milestone, milestone_embed, scorecard_embed
from .charts import stacked_row, status_bars, target_picture
from .feeds import news, public_decisions

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# An owner's commitments, a page at a time: a few owners take part in thousands.
OWNER_PAGE_SIZE = 50
# The overdue page lists the most overdue this many, 40 pages: a page further on cost as much as
# reading every row before it. The list's "overdue" filter (and its CSV) gives them all.
OVERDUE_LISTED = 1000
UPCOMING_DAYS = 90
UPCOMING_SHOWN = 10
# The home page's latest news: updates and public decisions together.
LATEST_NEWS = 8


def page_of(request, queryset, size: int, rows=None, most: int | None = None):
    """
    Return the page of `queryset` that `?page=` asks for; 404 for a page that does not exist.

    With `rows` (a queryset of the same model), the page is chosen by key alone and its rows then read
    from `rows` (models/querysets.py: `in_order`): what a row shows is read for the rows shown, not for
    every row before them. With `most`, only the first `most` rows are paged through.
    """
    chosen = queryset if rows is None else queryset.values_list("pk", flat=True)
    try:
        page = Paginator(chosen if most is None else chosen[:most], size).page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error
    if rows is not None:
        page.object_list = in_order(rows, list(page.object_list))
    return page


@require_safe
def home(request):
    on = today()
    public = Commitment.objects.public()
    # Verdicts count promises and programmes only: what was delivered at the summit itself is counted
    # apart, never as a promise kept.
    by_axis: dict[str, dict[str, int]] = {}
    delivered_by_axis: dict[str, int] = {}
    overdue_count = 0
    # Counted in the same pass over the commitments as the statuses.
    counts_by = public.order_by().values_list("axis", "nature", "status")
    overdue = Count("pk", filter=Commitment.objects.overdue_condition(on))
    for axis, nature, status, n, late in counts_by.annotate(n=Count("pk"), late=overdue):
        overdue_count += late  # as the overdue page lists them, whatever their nature
        if nature == Nature.DELIVERED_AT_SUMMIT:
            delivered_by_axis[axis] = delivered_by_axis.get(axis, 0) + n
            continue
        row = by_axis.setdefault(axis, {})
        row[status] = row.get(status, 0) + n
    counts = {status: sum(row.get(status, 0) for row in by_axis.values()) for status in Status}
    decisions = public_decisions().only(
        "kind", "decided_on", "created_at", "previous_due", "previous_precision", "new_due", "new_precision",
        "previous_status", "new_status", "commitment__slug", "commitment__title_fr", "commitment__title_en",
        "deadline__title_fr", "deadline__title_en",
    )  # fmt: skip
    milestones = list(Milestone.objects.all())
    upcoming = (
        Deadline.objects.public()
        .open()
        # What an item shows (its due date is annotated): not the commitment's texts.
        .select_related("commitment")
        .only("title_fr", "title_en", "commitment__slug", "commitment__title_fr", "commitment__title_en")
        .soonest_within(on, on + datetime.timedelta(days=UPCOMING_DAYS), milestones, UPCOMING_SHOWN)
    )
    context = {
        "total": sum(counts.values()) + sum(delivered_by_axis.values()),
        "promises": sum(counts.values()),
        "kept": counts[Status.ACHIEVED],
        "delivered": sum(delivered_by_axis.values()),
        "status_bars": status_bars(counts),
        "overdue_count": overdue_count,
        "upcoming": upcoming,
        "upcoming_days": UPCOMING_DAYS,
        "upcoming_query": urlencode(
            {"due_after": on, "due_before": on + datetime.timedelta(days=UPCOMING_DAYS)}
        ),
        "axes": [
            (
                axis,
                stacked_row(by_axis.get(axis, {})),
                sum(by_axis.get(axis, {}).values()),
                delivered_by_axis.get(axis, 0),
            )
            for axis in Axis
            if axis in by_axis or axis in delivered_by_axis
        ],
        "news": news(
            ProgressUpdate.objects.public()
            .select_related("commitment")
            .only(
                "reported_on",
                "created_at",
                "status",
                "commitment__slug",
                "commitment__title_fr",
                "commitment__title_en",
            )  # fmt: skip
            .order_by("-reported_on", "-created_at"),
            decisions,
            LATEST_NEWS,
        ),
        "milestones": milestones,
        "next_milestone": next((m for m in milestones if m.date >= on), None),
    }
    return render(request, "tracker/home.html", context)


def filtered(request):
    """Return the bound FilterSet of the commitments list and its queryset (None when invalid)."""
    filterset = CommitmentFilter(request.GET, queryset=Commitment.objects.public())
    return filterset, (filterset.qs if filterset.is_valid() else None)


@require_safe
def commitment_list(request):
    filterset, commitments = filtered(request)
    page = None
    if commitments is not None:
        try:
            size = min(max(int(request.GET.get("page_size", PAGE_SIZE)), 1), MAX_PAGE_SIZE)
        except ValueError:
            size = PAGE_SIZE
        page = page_of(request, commitments, size, rows=Commitment.objects.as_rows())
    # The form offers the countries owners are from (a few dozen), not every valid one (some 250).
    filterset.form.fields["country"].widget.choices = offered_countries()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "active": active_filters(filterset),
        "page": page,
        "query": query.urlencode(),
    }
    if page is not None and (axis := filterset.form.cleaned_data.get("axis")):
        # The axis's chart to embed: the whole axis, whatever the other filters.
        counted = Commitment.objects.public().filter(axis=axis).by_verdict()
        context["axis_embed"] = axis_embed(Axis(axis), *counted)
    # Invalid filters (an unknown status, a malformed date) are the visitor's to fix: say what is wrong.
    return render(request, "tracker/commitment_list.html", context, status=400 if page is None else 200)


@require_safe
def overdue(request):
    # Chosen by the commitments' own column (`first_open_due`, indexed); each row read as every list's.
    commitments = Commitment.objects.public().by_overdue_since().order_by("overdue_since", "pk")
    rows = Commitment.objects.as_rows().with_latest_update()
    page = page_of(request, commitments, PAGE_SIZE, rows=rows, most=OVERDUE_LISTED)
    context = {
        "page": page,
        "commitments": page.object_list,
        "capped": page.paginator.count == OVERDUE_LISTED,
        "all_overdue": urlencode({"overdue": "true", "ordering": "most_overdue"}),
    }
    return render(request, "tracker/overdue.html", context)


@require_safe
def owner_list(request):
    filterset = OwnerFilter(request.GET, queryset=Owner.objects.public().with_scorecard())
    page = page_of(request, filterset.qs, PAGE_SIZE) if filterset.is_valid() else None
    filterset.form.fields["country"].widget.choices = offered_countries()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "active": active_filters(filterset),
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "tracker/owner_list.html", context, status=400 if page is None else 200)


@require_safe
def owner_detail(request, slug):
    owner = get_object_or_404(Owner.objects.with_scorecard(), slug=slug)
    # Its promises by status; what was delivered at the summit itself is counted apart.
    counts, delivered = Commitment.objects.public().of_owner(owner).by_verdict()
    promises = sum(counts.values())
    # Its roles, a page at a time, grouped by role on each page.
    involvements = owner.involvements.filter(commitment__is_public=True).order_by(
        "role", f"commitment__title_{current_language()}", "pk"
    )
    page = page_of(request, involvements, OWNER_PAGE_SIZE)
    # Each commitment as every list shows it: status, leads, next or missed deadline.
    rows = Commitment.objects.as_rows().in_bulk([involvement.commitment_id for involvement in page])
    roles: dict[str, list] = {}
    for involvement in page:
        roles.setdefault(involvement.role, []).append(rows[involvement.commitment_id])
    context = {
        "owner": owner,
        "page": page,
        "roles": [(Role(role), roles[role]) for role in Role if role in roles],
        "status_bars": status_bars(counts),
        "own_verdicts": _by_status(SignatoryAssessment.objects.public().of_owner(owner)),
        "promises": promises,
        "delivered": delivered,
        "total": promises + delivered,
        "badge_snippet": badge_snippet(
            owner.get_absolute_url(),
            reverse("tracker:badge_owner", args=[owner.slug]),
            owner.display_name,
        ),
        # Its scorecard, once it has a public commitment (before, the picture is not found).
        "scorecard": scorecard_embed(owner) if promises + delivered else None,
    }
    return render(request, "tracker/owner_detail.html", context)


def _by_status(verdicts) -> list:
    """Return `verdicts` grouped by status, in the vocabulary's order, as (Status, [verdicts]) pairs."""
    groups: dict[str, list] = {}
    for verdict in verdicts:
        groups.setdefault(verdict.status, []).append(verdict)
    return [(status, groups[status]) for status in Status if status in groups]


def _extensions():
    """Extensions, oldest first, shown on their deadline: "moved from … to …, because …"."""
    return Decision.objects.filter(kind=DecisionKind.EXTENDED).order_by("created_at")


@require_safe
def milestone_list(request):
    milestones = Milestone.objects.with_due_counts()
    return render(request, "tracker/milestone_list.html", {"milestones": milestones})


@require_safe
def milestone_detail(request, slug):
    milestone = get_object_or_404(Milestone, slug=slug)
    on = today()
    at_milestone = (
        Deadline.objects.public()
        .with_overdue_flag(on)
        .filter(milestone=milestone)
        .select_related("commitment")
        .prefetch_related(Prefetch("decisions", queryset=_extensions(), to_attr="extensions"))
        .order_by(f"commitment__title_{current_language()}", "pk")
    )
    targets = (
        Target.objects.filter(commitment__is_public=True, milestone=milestone)
        .select_related("commitment", "milestone")
        .prefetch_related(Prefetch("readings", queryset=Reading.objects.order_by("measured_on")))
    )
    # A deadline given its own date (an extension) is still listed here, as moved.
    deadlines = [d for d in at_milestone if d.due_on is None]
    context = {
        "milestone": milestone,
        "deadlines": deadlines,
        "moved": [d for d in at_milestone if d.due_on is not None],
        "targets": [(t, target_picture(t)) for t in targets],
        "done": sum(d.is_done for d in deadlines),
        "embed": milestone_embed(milestone, *due_at_milestone(milestone).by_verdict()),
    }
    return render(request, "tracker/milestone_detail.html", context)


@require_safe
def source_list(request):
    sources = SourceDocument.objects.annotate(
        passage_count=Count("passages", distinct=True),
        commitment_count=Count("commitments", filter=Q(commitments__is_public=True), distinct=True),
    ).order_by("-is_reference", "title")
    return render(request, "tracker/source_list.html", {"sources": sources})


@require_safe
def source_detail(request, slug):
    source = get_object_or_404(SourceDocument, slug=slug)
    passages = list(source.passages.all())
    citing(passages)
    return render(request, "tracker/source_detail.html", {"source": source, "passages": passages})


@require_safe
def corrections(request):
    corrections = Decision.objects.corrections().select_related("commitment", "retracts")
    page = page_of(request, corrections, PAGE_SIZE)
    return render(request, "tracker/corrections.html", {"page": page})


@require_safe
def about(request):
    context = {
        "statuses": list(Status),
        "natures": list(Nature),
        "sources": SourceDocument.objects.all(),
        "total": Commitment.objects.public().count(),
        "milestones": Milestone.objects.all(),
        "stale_days": settings.TRACKER_STALE_AFTER_DAYS,
    }
    return render(request, "tracker/about.html", context)


def not_found(request, exception):
    """Answer 404 in the API's language (JSON) under /api/, and with the site's own page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


@csrf_exempt  # authorised by the signed link itself; mail programs POST to it (RFC 8058 one-click)
@require_http_methods(["GET", "POST"])
def opt_out(request, token):
    """Stop one kind of reminder to one address: a page with a button, or a mail program's one-click POST."""
    try:
        choice = read_opt_out_token(token)
        kind = ReminderKind(choice["kind"])
    except (signing.BadSignature, KeyError, ValueError) as error:
        raise Http404(_("This link is not valid.")) from error
    done = request.method == "POST"
    if done:
        ReminderOptOut.objects.get_or_create(email=choice["email"], kind=kind)
    context = {"email": choice["email"], "kind": kind, "done": done}
    return render(request, "tracker/opt_out.html", context)
