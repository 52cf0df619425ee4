"""
The public pages: read-only, in the language of the URL, each in a constant number of queries. The one
write a visitor makes here is stopping reminders to their address, authorised by the signed link.

Views load through the querysets of tracker/models/querysets.py (overdue, due soon, latest update are
defined there once) and leave layout to the templates.
"""

import csv
import datetime

from django.conf import settings
from django.core import signing
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django.views.defaults import page_not_found

from ..addresses import absolute_by_slug, by_slug, on_site
from ..choices import Axis, DecisionKind, Nature, ReminderKind, Role, Status
from ..citations import attach_citations, citing, numbered
from ..dates import format_fuzzy_date, iso_date, today
from ..emails import read_opt_out_token
from ..fields import current_language
from ..filters import CommitmentFilter, offered_countries
from ..models import (
    Amount,
    Commitment,
    Deadline,
    Decision,
    Evidence,
    Involvement,
    Milestone,
    Owner,
    ProgressUpdate,
    Reading,
    ReminderOptOut,
    ReportedReading,
    SourceDocument,
    StatedCount,
    Target,
)
from ..models.querysets import in_batches
from .charts import share, stacked_row, status_bars, target_chart
from .feeds import news, public_decisions

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
UPCOMING_DAYS = 90
UPCOMING_SHOWN = 10
# A commitment's page shows its latest updates; its updates page shows them all, a page at a time.
LATEST_UPDATES = 5
# The home page's latest news: updates and public decisions together.
LATEST_NEWS = 8
UPDATES_PAGE_SIZE = 20
# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _leads():
    """Prefetch of each commitment's lead owners, for lists."""
    leads = Involvement.objects.filter(role=Role.LEAD).select_related("owner")
    return Prefetch("involvements", queryset=leads, to_attr="lead_involvements")


def page_of(request, queryset, size: int):
    """Return the page of `queryset` that `?page=` asks for; 404 for a page that does not exist."""
    try:
        return Paginator(queryset, size).page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error


def _listed(queryset):
    """Add what every list of commitments shows: next deadline, days overdue, lead owners."""
    return queryset.with_next_deadline().with_overdue().prefetch_related(_leads())


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


def _filtered(request):
    """Return the bound FilterSet of the commitments list and its queryset (None when invalid)."""
    filterset = CommitmentFilter(request.GET, queryset=Commitment.objects.public())
    return filterset, (filterset.qs if filterset.is_valid() else None)


# What a row of the list reads from the commitment itself (not its description and notes).
ROW_FIELDS = ("slug", "title_fr", "title_en", "summary_fr", "summary_en", "axis", "status")


def _lead_owners(pks, language: str) -> dict[int, list[tuple[str, str, str]]]:
    """
    Return the lead owners of the commitments `pks`, by name, as {pk: [(slug, short name, name)]}:
    plain values (an Involvement and an Owner built for each lead cost more than a row of the list or
    the CSV), each named as Owner.display_name reads it: the English name in English, when there is one.
    """
    leads: dict[int, list[tuple[str, str, str]]] = {}
    rows = (
        Involvement.objects.filter(commitment__in=pks, role=Role.LEAD)
        .order_by("commitment_id", "owner__name")
        .values_list(
            "commitment_id",
            "owner__slug",
            "owner__short_name",
            "owner__short_name_en",
            "owner__name",
            "owner__name_en",
        )  # fmt: skip
    )
    for pk, slug, short_name, short_name_en, name, name_en in rows:
        english = language == "en"
        leads.setdefault(pk, []).append(
            (
                slug,
                short_name_en if english and short_name_en else short_name,
                name_en if english and name_en else name,
            )
        )
    return leads


def _rows(commitments) -> list[Commitment]:
    """
    Return the commitments of a page of the list (or of the overdue page) with what each row shows
    worked out once for the page: `address`, `axis_label`, `leads` (the links to the lead owners) and
    `overdue_label`. Made by the template row after row (a reverse() per address, a translation per
    label) these cost more than the page's queries.
    """
    commitments = list(commitments)
    on = today()
    address, owner_address = by_slug("tracker:commitment_detail"), by_slug("tracker:owner_detail")
    axes = {axis.value: str(axis.label) for axis in Axis}
    leads = _lead_owners([c.pk for c in commitments], current_language())
    for commitment in commitments:
        commitment.address = address(commitment.slug)
        commitment.axis_label = axes[commitment.axis]
        # Each lead as the owner's page names it: its short name, else its name. format_html_join
        # escapes each name and address, as the template would.
        commitment.leads = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (owner_address(slug), short_name or name)
                for slug, short_name, name in leads.get(commitment.pk, ())
            ),
        )
        # From `overdue_since`, which the list's with_overdue() and the overdue page's
        # by_overdue_since() both annotate.
        if days := commitment.days_overdue(on):
            label = ngettext("%(days)s day overdue", "%(days)s days overdue", days)
            commitment.overdue_label = label % {"days": days}
    return commitments


@require_safe
def commitment_list(request):
    filterset, commitments = _filtered(request)
    page = None
    if commitments is not None:
        try:
            size = min(max(int(request.GET.get("page_size", PAGE_SIZE)), 1), MAX_PAGE_SIZE)
        except ValueError:
            size = PAGE_SIZE
        # The columns the rows show, not the descriptions and notes (the detail page's); the lead
        # owners are read by _rows() for the page.
        listed = commitments.with_next_deadline().with_overdue().only(*ROW_FIELDS)
        page = page_of(request, listed, size)
        page.object_list = _rows(page.object_list)
    filterset.form.fields["country"].widget.choices = offered_countries()
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    # Invalid filters (an unknown status, a malformed date) are the visitor's to fix: say what is wrong.
    return render(request, "tracker/commitment_list.html", context, status=400 if page is None else 200)


class Echo:
    """A file-like object that hands back what it is given, for csv.writer into a streamed response."""

    def write(self, value):
        return value


# Dates are ISO 8601 at their precision ("2025-11", "2026"), the precision in the next column.
CSV_HEADER = [
    "slug", "title", "axis", "kind", "nature", "status", "assessed_on", "assessed_precision",
    "announced_on", "announced_precision", "lead", "next_deadline_on", "next_deadline_precision",
    "days_overdue", "url",
]  # fmt: skip
CSV_CHUNK = 500


@require_safe
def commitment_csv(request):
    filterset, commitments = _filtered(request)
    if commitments is None:
        return render(request, "tracker/commitment_list.html", {"filter": filterset}, status=400)
    language = current_language()
    writer = csv.writer(Echo())
    address = absolute_by_slug("tracker:commitment_detail")

    def lines():
        yield writer.writerow(CSV_HEADER)
        for rows in _csv_chunks(commitments, language, today()):
            yield "".join(writer.writerow((*row, address(row[0]))) for row in rows)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="summit-commitments-{language}.csv"'
    return response


def _csv_chunks(commitments, language: str, on: datetime.date):
    """
    Yield the CSV's rows (all columns but the address) a chunk at a time: memory stays flat however
    many commitments match.

    The filtered list's order is read as bare primary keys, a chunk at a time; then each chunk's
    commitments and lead owners in one query each, as plain values (a model instance per row cost
    more than the rest). One query over every row, with the per-row subqueries, cost more to plan
    and run than these chunks.
    """
    fields = (
        "pk", "slug", f"title_{language}", "title_fr", "axis", "kind", "nature", "status", "assessed_on",
        "assessed_precision", "announced_on", "announced_precision", "next_due_on", "next_due_exactness",
        "overdue_since",
    )  # fmt: skip
    # The keys themselves stream too, so no list grows with the rows.
    for chunk in in_batches(commitments.values_list("pk", flat=True), CSV_CHUNK):
        found = (
            Commitment.objects.filter(pk__in=chunk)
            .with_next_deadline(on)
            .with_overdue(on)
            .values_list(*fields)
        )
        commitments_by_pk = {row[0]: row[1:] for row in found}
        leads = _lead_owners(chunk, language)
        rows = []
        for pk in chunk:
            if pk not in commitments_by_pk:  # deleted since the order was read
                continue
            (slug, title, title_fr, axis, kind, nature, status, assessed, assessed_precision, announced,
             precision, due, exactness, since) = commitments_by_pk[pk]  # fmt: skip
            rows.append(
                (
                    _cell(slug),
                    _cell(title or title_fr),  # as `Translated` reads it: else the French
                    axis,
                    kind,
                    nature,
                    status,
                    iso_date(assessed, assessed_precision),
                    assessed_precision if assessed else "",
                    iso_date(announced, precision),
                    precision,
                    _cell("; ".join(name for _slug, _short_name, name in leads.get(pk, ()))),
                    iso_date(due, exactness),
                    exactness or "",
                    (on - since).days if since else 0,  # as Commitment.days_overdue() reads it
                )
            )
        yield rows


def _cell(value):
    """Return a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else value


def _badge_snippet(page_url: str, badge_url: str, alt: str) -> str:
    """Return the HTML others paste to show a live badge, every attribute escaped."""
    return format_html('<a href="{}"><img src="{}" alt="{}"></a>', on_site(page_url), on_site(badge_url), alt)


def _extensions():
    """Extensions, oldest first, shown on their deadline: "moved from … to …, because …"."""
    return Decision.objects.filter(kind=DecisionKind.EXTENDED).order_by("created_at")


@require_safe
def commitment_detail(request, slug):
    commitment = get_object_or_404(Commitment.objects.public().select_related("parent"), slug=slug)
    on = today()
    # One commitment: each part is read through its own related manager, a query each, rather than
    # prefetched (the prefetch machinery cost more than the queries for a single object).
    # The latest updates, newest first, and one more to know whether there are earlier ones: the page
    # costs the same whatever the length of a commitment's history (its updates page holds it all).
    updates = list(
        commitment.updates.published().select_related("on_behalf_of").latest_first()[: LATEST_UPDATES + 1]
    )
    earlier_updates = len(updates) > LATEST_UPDATES
    updates = updates[:LATEST_UPDATES]
    # Each part is read only when the commitment has one (`Commitment.has_*`): most have few.
    # The commitment is public: its decisions need only be of a public kind (`public()` would join it).
    decisions = list(commitment.decisions.of_public_kind()) if commitment.has_decisions else []
    deadlines = list(commitment.deadlines.with_due_date().select_related("milestone").order_by("due", "pk"))
    _attach_deadlines(decisions, deadlines)
    targets = []
    if commitment.has_targets:
        readings = Prefetch("readings", queryset=Reading.objects.order_by("measured_on"))
        targets = list(commitment.targets.select_related("milestone").prefetch_related(readings))
    _attach_update_parts(updates, deadlines, targets)
    roles = {}
    involvements = list(commitment.involvements.select_related("owner").order_by("owner__name"))
    for involvement in involvements:
        roles.setdefault(involvement.role, []).append(involvement)
    stated_counts = list(commitment.stated_counts.all()) if commitment.has_stated_counts else []
    amounts = list(commitment.amounts.select_related("owner")) if commitment.has_amounts else []
    # Every fact with the passages it cites, numbered in the order the page shows them.
    attach_citations(
        (Commitment, [commitment]), (Involvement, involvements), (StatedCount, stated_counts),
        (Amount, amounts), (Deadline, deadlines), (Target, targets),
    )  # fmt: skip
    in_page_order = [involvement for _role, group in _by_role(roles) for involvement in group]
    passages = numbered([commitment, *in_page_order, *stated_counts, *amounts, *deadlines, *targets])
    # A commitment never assessed has no history to read (its `assessed_on` is the latest one's date).
    assessments = commitment.assessment_history() if commitment.assessed_on else []
    done = sum(d.is_done for d in deadlines)
    context = {
        "commitment": commitment,
        "reported": _owners_voice(commitment, updates, complete=not earlier_updates),
        "assessment": assessments[0] if assessments else None,
        "assessments": assessments,
        "passages": passages,
        "corrections": [d for d in decisions if d.kind == DecisionKind.CORRECTION],
        "decisions": decisions,
        "roles": _by_role(roles),
        "stated_counts": stated_counts,
        "amounts": amounts,
        # Each deadline with the days it is overdue by, 0 when it is not.
        "deadlines": [(d, (on - d.due).days if d.is_overdue_on(on) else 0) for d in deadlines],
        "done": done,
        "progress": share(done, len(deadlines)),
        "targets": [(t, _target_picture(t)) for t in targets],
        "updates": updates,
        "earlier_updates": earlier_updates,
        "children": (
            list(commitment.children.public().order_by(f"title_{current_language()}"))
            if commitment.has_children
            else []
        ),
        "sources": list(commitment.sources.all()),
        "badge_snippet": _badge_snippet(
            commitment.get_absolute_url(),
            reverse("tracker:badge_commitment", args=[commitment.slug]),
            commitment.title,
        ),
    }
    return render(request, "tracker/commitment_detail.html", context)


def _by_role(roles: dict) -> list:
    """Return the involvements grouped by role, in the roles' order (lead first)."""
    return [(Role(role), roles[role]) for role in Role if role in roles]


def _attach_deadlines(decisions, deadlines):
    """
    Join the commitment's decisions and deadlines, both already read: each decision gets its deadline
    (an extension names it) and each deadline its `extensions`, oldest first, as `_extensions()`
    prefetches them for the milestone page. A decision is about a deadline of its own commitment
    (`Decision.clean`), so no query is needed for either.
    """
    by_pk = {deadline.pk: deadline for deadline in deadlines}
    for deadline in deadlines:
        deadline.extensions = []
    for decision in sorted(decisions, key=lambda d: d.created_at):
        deadline = by_pk.get(decision.deadline_id)
        if deadline is None:
            continue
        decision.deadline = deadline
        if decision.kind == DecisionKind.EXTENDED:
            deadline.extensions.append(decision)


def _attach_update_parts(updates, deadlines, targets):
    """
    Give each update what `ProgressUpdateQuerySet.for_display()` prefetches (`shown_evidence`,
    `shown_readings`, `shown_done`), from the rows alone: the deliverables an update reports done and
    the targets it reports readings of are its commitment's, which the page has read. Three plain
    queries instead of the prefetches' three joins (7 % of the page's instructions). One that names
    another commitment's deadline or target (no form allows it) is read apart.
    """
    by_pk = {update.pk: update for update in updates}
    for update in updates:
        update.shown_evidence, update.shown_readings, update.shown_done = [], [], []
    if not updates:
        return
    for link in Evidence.objects.filter(update__in=by_pk).order_by("pk"):
        by_pk[link.update_id].shown_evidence.append(link)
    # In for_display()'s orders, by the columns (the models' names would join them to sort).
    readings = list(ReportedReading.objects.filter(update__in=by_pk).order_by("update_id", "target_id"))
    marks = ProgressUpdate.marks_done.through.objects.filter(progressupdate__in=by_pk)
    marks = list(marks.order_by("deadline_id").values_list("progressupdate_id", "deadline_id"))
    targets = {target.pk: target for target in targets}
    deadlines = {deadline.pk: deadline for deadline in deadlines}
    targets |= Target.objects.in_bulk({r.target_id for r in readings} - targets.keys())
    deadlines |= Deadline.objects.in_bulk({pk for _, pk in marks} - deadlines.keys())
    # A row deleted since the links were read is left out, as a prefetch would.
    for reading in readings:
        if reading.target_id in targets:
            reading.target = targets[reading.target_id]
            by_pk[reading.update_id].shown_readings.append(reading)
    for update_pk, deadline_pk in marks:
        if deadline_pk in deadlines:
            by_pk[update_pk].shown_done.append(deadlines[deadline_pk])


def _owners_voice(commitment, updates, complete: bool):
    """
    Return the latest published owner's report if its status differs from the commitment's, else None.

    The status is the editors' assessment; when an owner reported something else, the page shows both.
    `updates` are the latest published ones, newest first, and all of them when `complete`; only when
    none of them is an owner's report and there are earlier ones does a query look further.
    """
    latest = next((u for u in updates if u.is_owners_report), None)
    if latest is None and not complete:
        reports = commitment.updates.published().owners_reports().select_related("on_behalf_of")
        latest = reports.latest_first().first()
    return latest if latest and latest.status != commitment.status else None


@require_safe
def commitment_updates(request, slug):
    """Every published update of a commitment, newest first, a page at a time."""
    commitment = get_object_or_404(Commitment.objects.public(), slug=slug)
    updates = commitment.updates.published().for_display().latest_first()
    context = {"commitment": commitment, "page": page_of(request, updates, UPDATES_PAGE_SIZE)}
    return render(request, "tracker/commitment_updates.html", context)


@require_safe
def update_detail(request, slug, pk):
    """One published update on a page of its own: the address that feeds and other pages link to."""
    commitment = get_object_or_404(Commitment.objects.public(), slug=slug)
    update = get_object_or_404(commitment.updates.published().for_display(), pk=pk)
    return render(request, "tracker/update_detail.html", {"commitment": commitment, "update": update})


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
    reached = target.progress_share(latest.value) if latest else 0
    return {"chart": chart, "latest": latest, "readings": readings, "reached": reached}


@require_safe
def owner_detail(request, slug):
    owner = get_object_or_404(Owner, slug=slug)
    involvements = list(
        owner.involvements.filter(commitment__is_public=True)
        .select_related("commitment")
        .order_by("role", f"commitment__title_{current_language()}")
    )
    # Its promises by status; what was delivered at the summit itself is counted apart.
    counts: dict[str, int] = {}
    seen, delivered = set(), set()
    for involvement in involvements:
        commitment = involvement.commitment
        if commitment.nature == Nature.DELIVERED_AT_SUMMIT:
            delivered.add(commitment.pk)
        elif commitment.pk not in seen:
            seen.add(commitment.pk)
            counts[commitment.status] = counts.get(commitment.status, 0) + 1
    roles: dict[str, list] = {}
    for involvement in involvements:
        roles.setdefault(involvement.role, []).append(involvement.commitment)
    context = {
        "owner": owner,
        "roles": [(Role(role), roles[role]) for role in Role if role in roles],
        "status_bars": status_bars(counts),
        "promises": len(seen),
        "delivered": len(delivered),
        "total": len(seen | delivered),
        "badge_snippet": _badge_snippet(
            owner.get_absolute_url(),
            reverse("tracker:badge_owner", args=[owner.slug]),
            owner.display_name,
        ),
    }
    return render(request, "tracker/owner_detail.html", context)


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
        "targets": [(t, _target_picture(t)) for t in targets],
        "done": sum(d.is_done for d in deadlines),
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
def overdue(request):
    # Ordered by the commitments' own column (`first_open_due`, indexed): a page costs its rows.
    commitments = (
        Commitment.objects.public()
        .by_overdue_since()
        .with_latest_update()
        .only(*ROW_FIELDS)
        .order_by("overdue_since", "pk")
    )
    page = page_of(request, commitments, PAGE_SIZE)
    page.object_list = _rows(page.object_list)  # as the list's rows: addresses, labels, lead owners
    return render(request, "tracker/overdue.html", {"page": page, "commitments": page.object_list})


@require_safe
def corrections(request):
    page = page_of(request, Decision.objects.corrections().select_related("commitment"), PAGE_SIZE)
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


@require_safe
def health(request):
    """
    Answer 200 when this process reaches the database and, when one is configured, the broker; 503
    with what failed otherwise. For load balancers and process supervisors: no page, no session.
    """
    checks = {"database": _check(_database_answers)}
    checks["broker"] = _check(_broker_answers) if settings.REDIS_URL else "not configured"
    healthy = all(state in ("ok", "not configured") for state in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # any failure is the answer: reported, not raised
        return f"error: {type(error).__name__}"
    return "ok"


def _database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker_answers():
    from summit.celery import app

    with app.connection_for_write(settings.REDIS_URL) as broker:
        broker.ensure_connection(max_retries=1, timeout=2)
