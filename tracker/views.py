"""
The public pages: read-only, in the language of the URL, each in a constant number of queries.

Views load through the querysets of tracker/querysets.py (overdue, due soon, latest update are
defined there once) and leave layout to the templates.
"""

import csv

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .charts import share, stacked_row, status_bars, target_chart
from .choices import Axis, Role, Status
from .dates import format_fuzzy_date, today
from .filters import CommitmentFilter
from .models import (
    Amount,
    Commitment,
    Deadline,
    Evidence,
    Involvement,
    Milestone,
    Owner,
    ProgressUpdate,
    Reading,
    SourceDocument,
    Target,
)

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
UPCOMING_DAYS = 90


def _leads():
    """Prefetch of each commitment's lead owners, for lists."""
    leads = Involvement.objects.filter(role=Role.LEAD).select_related("owner")
    return Prefetch("involvements", queryset=leads, to_attr="lead_involvements")


def _listed(queryset):
    """Add what every list of commitments shows: next deadline, days overdue, lead owners."""
    return queryset.with_next_deadline().with_overdue().prefetch_related(_leads())


def _status_counts(queryset) -> dict[str, int]:
    return dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))


@require_safe
def home(request):
    on = today()
    public = Commitment.objects.public()
    by_axis: dict[str, dict[str, int]] = {}
    for axis, status, n in public.order_by().values_list("axis", "status").annotate(n=Count("pk")):
        by_axis.setdefault(axis, {})[status] = n
    counts = {status: sum(row.get(status, 0) for row in by_axis.values()) for status in Status}
    upcoming = (
        Deadline.objects.due_soon(on, days=UPCOMING_DAYS)
        .filter(commitment__is_public=True)
        .select_related("commitment", "milestone")
        .order_by("due", "pk")[:10]
    )
    milestones = list(Milestone.objects.all())
    context = {
        "total": sum(counts.values()),
        "status_bars": status_bars(counts),
        "overdue_count": public.overdue(on).count(),
        "upcoming": upcoming,
        "upcoming_days": UPCOMING_DAYS,
        "axes": [
            (axis, stacked_row(by_axis[axis]), sum(by_axis[axis].values()))
            for axis in Axis
            if axis in by_axis
        ],
        "latest_updates": _published_updates().filter(commitment__is_public=True)[:5],
        "milestones": milestones,
        "next_milestone": next((m for m in milestones if m.date >= on), None),
    }
    return render(request, "tracker/home.html", context)


def _published_updates():
    return (
        ProgressUpdate.objects.published()
        .select_related("commitment", "on_behalf_of")
        .prefetch_related("evidence")
        .order_by("-reported_on", "-created_at")
    )


def _filtered(request):
    """Return the bound FilterSet of the commitments list and its queryset (None when invalid)."""
    filterset = CommitmentFilter(request.GET, queryset=Commitment.objects.public())
    return filterset, (filterset.qs if filterset.is_valid() else None)


@require_safe
def commitment_list(request):
    filterset, commitments = _filtered(request)
    page = None
    if commitments is not None:
        try:
            size = min(max(int(request.GET.get("page_size", PAGE_SIZE)), 1), MAX_PAGE_SIZE)
        except ValueError:
            size = PAGE_SIZE
        paginator = Paginator(_listed(commitments), size)
        try:
            page = paginator.page(request.GET.get("page") or 1)
        except InvalidPage as error:
            raise Http404(_("There is no such page.")) from error
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    # Invalid filters (an unknown status, a malformed date) are the visitor's to fix: say what is wrong.
    return render(request, "tracker/commitment_list.html", context, status=400 if page is None else 200)


class Echo:
    """A file-like object that hands back what it is given, for csv.writer into a streamed response."""

    def write(self, value):
        return value


@require_safe
def commitment_csv(request):
    filterset, commitments = _filtered(request)
    if commitments is None:
        return render(request, "tracker/commitment_list.html", {"filter": filterset}, status=400)
    language = (get_language() or "fr")[:2]
    rows = _listed(commitments).select_related("parent")
    writer = csv.writer(Echo())
    header = [
        "slug",
        "title",
        "axis",
        "kind",
        "status",
        "announced",
        "lead",
        "next_deadline",
        "days_overdue",
        "url",
    ]

    def lines():
        yield writer.writerow(header)
        # Streamed in chunks: memory stays flat however many rows match.
        for c in rows.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    c.slug,
                    getattr(c, f"title_{language}"),
                    c.axis,
                    c.kind,
                    c.status,
                    c.announced_label(),
                    "; ".join(i.owner.display_name for i in c.lead_involvements),
                    format_fuzzy_date(c.next_due_on, c.next_due_exactness),
                    c.days_overdue(),
                    request.build_absolute_uri(c.get_absolute_url()),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="summit-commitments-{language}.csv"'
    return response


@require_safe
def commitment_detail(request, slug):
    on = today()
    deadlines = Deadline.objects.with_overdue_flag(on).select_related("milestone").order_by("due", "pk")
    readings = Reading.objects.order_by("measured_on")
    updates = (
        ProgressUpdate.objects.published()
        .select_related("on_behalf_of")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
        .order_by("reported_on", "created_at")
    )
    commitment = get_object_or_404(
        Commitment.objects.public()
        .with_latest_update()
        .select_related("parent")
        .prefetch_related(
            Prefetch(
                "involvements", queryset=Involvement.objects.select_related("owner").order_by("owner__name")
            ),
            "stated_counts",
            Prefetch("amounts", queryset=Amount.objects.select_related("owner")),
            Prefetch("deadlines", queryset=deadlines),
            Prefetch("targets", queryset=Target.objects.select_related("milestone")),
            Prefetch("targets__readings", queryset=readings),
            Prefetch("updates", queryset=updates),
            Prefetch("children", queryset=Commitment.objects.public().order_by("title_en")),
            "sources",
        ),
        slug=slug,
    )
    deadline_list = list(commitment.deadlines.all())
    done = sum(d.is_done for d in deadline_list)
    roles = {}
    for involvement in commitment.involvements.all():
        roles.setdefault(involvement.role, []).append(involvement)
    context = {
        "commitment": commitment,
        "roles": [(Role(role), roles[role]) for role in Role if role in roles],
        "deadlines": [(d, (on - d.due).days if d.is_overdue else 0) for d in deadline_list],
        "done": done,
        "progress": share(done, len(deadline_list)),
        "targets": [(t, _target_picture(t)) for t in commitment.targets.all()],
        "last_updated": max(filter(None, [commitment.latest_update_on, commitment.updated_at.date()])),
    }
    return render(request, "tracker/commitment_detail.html", context)


def _target_picture(target):
    readings = list(target.readings.all())
    latest = readings[-1] if readings else None
    start = target.baseline_on or (readings[0].measured_on if readings else None)
    chart = target_chart(
        target,
        readings,
        start_label=format_fuzzy_date(start, target.baseline_precision) if start else "",
        end_label=target.due_label(),
    )
    reached = share(int(latest.value), int(target.target_value)) if latest and target.target_value else 0
    return {"chart": chart, "latest": latest, "readings": readings, "reached": min(reached, 100)}


@require_safe
def owner_detail(request, slug):
    owner = get_object_or_404(Owner, slug=slug)
    involvements = list(
        owner.involvements.filter(commitment__is_public=True)
        .select_related("commitment")
        .order_by("role", "commitment__title_en")
    )
    counts: dict[str, int] = {}
    seen = set()
    for involvement in involvements:
        if involvement.commitment_id not in seen:
            seen.add(involvement.commitment_id)
            counts[involvement.commitment.status] = counts.get(involvement.commitment.status, 0) + 1
    roles: dict[str, list] = {}
    for involvement in involvements:
        roles.setdefault(involvement.role, []).append(involvement.commitment)
    context = {
        "owner": owner,
        "roles": [(Role(role), roles[role]) for role in Role if role in roles],
        "status_bars": status_bars(counts),
        "total": len(seen),
    }
    return render(request, "tracker/owner_detail.html", context)


@require_safe
def milestone_detail(request, slug):
    milestone = get_object_or_404(Milestone, slug=slug)
    on = today()
    deadlines = (
        Deadline.objects.with_overdue_flag(on)
        .filter(commitment__is_public=True)
        .filter(milestone=milestone, due_on__isnull=True)
        .select_related("commitment")
        .order_by("commitment__title_en", "pk")
    )
    moved = (
        Deadline.objects.with_due_date()
        .filter(commitment__is_public=True, milestone=milestone, due_on__isnull=False)
        .select_related("commitment")
        .order_by("commitment__title_en", "pk")
    )
    targets = (
        Target.objects.filter(commitment__is_public=True, milestone=milestone)
        .select_related("commitment")
        .prefetch_related(Prefetch("readings", queryset=Reading.objects.order_by("measured_on")))
    )
    deadline_list = list(deadlines)
    context = {
        "milestone": milestone,
        "deadlines": deadline_list,
        "moved": moved,
        "targets": [(t, _target_picture(t)) for t in targets],
        "done": sum(d.is_done for d in deadline_list),
        "is_past": milestone.date < on,
    }
    return render(request, "tracker/milestone_detail.html", context)


@require_safe
def overdue(request):
    commitments = (
        _listed(Commitment.objects.public().overdue()).with_latest_update().order_by("overdue_since", "pk")
    )
    return render(request, "tracker/overdue.html", {"commitments": commitments})


@require_safe
def about(request):
    context = {
        "statuses": list(Status),
        "sources": SourceDocument.objects.all(),
        "total": Commitment.objects.public().count(),
        "milestones": Milestone.objects.all(),
        "due_soon_days": settings.TRACKER_DUE_SOON_DAYS,
        "stale_days": settings.TRACKER_STALE_AFTER_DAYS,
    }
    return render(request, "tracker/about.html", context)
