"""
A commitment's page and its updates: what was promised, the verdict and its evidence, who takes part,
what is due by when, and what the owners reported, each fact with the passages it cites.
"""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from ..choices import DecisionKind, Role
from ..citations import numbered
from ..dates import today
from ..fields import current_language
from ..models import Commitment, Deadline, Evidence, ProgressUpdate, ReportedReading, Target
from .badges import badge_snippet
from .charts import share, target_picture
from .views import page_of

# A commitment's page shows its latest updates; its updates page shows them all, a page at a time.
LATEST_UPDATES = 5
UPDATES_PAGE_SIZE = 20


@require_safe
def commitment_detail(request, slug):
    on = today()
    # As the API's detail reads it (CommitmentQuerySet.as_shown, Commitment.read_parts).
    commitment = get_object_or_404(Commitment.objects.public().as_shown(on), slug=slug)
    commitment.read_parts()
    # The latest updates, newest first, and one more to know whether there are earlier ones: the page
    # costs the same whatever the length of a commitment's history (its updates page holds it all).
    updates = list(
        commitment.updates.published().select_related("on_behalf_of").latest_first()[: LATEST_UPDATES + 1]
    )
    earlier_updates = len(updates) > LATEST_UPDATES
    updates = updates[:LATEST_UPDATES]
    decisions = commitment.shown_decisions
    deadlines, targets = commitment.shown_deadlines, commitment.shown_targets
    _attach_deadlines(decisions, deadlines)
    _attach_update_parts(updates, deadlines, targets)
    roles = {}
    for involvement in commitment.shown_roles:
        roles.setdefault(involvement.role, []).append(involvement)
    stated_counts, amounts = commitment.shown_counts, commitment.shown_amounts
    # Every fact's passages, numbered in the order the page shows them.
    in_page_order = [involvement for _role, group in _by_role(roles) for involvement in group]
    passages = numbered([commitment, *in_page_order, *stated_counts, *amounts, *deadlines, *targets])
    assessments = commitment.assessment_history()
    done = sum(d.is_done for d in deadlines)
    context = {
        "commitment": commitment,
        "reported": _owners_voice(commitment, updates, complete=not earlier_updates),
        "assessment": next((a for a in assessments if not a.retracted_by_id), None),
        "assessments": assessments,
        "verdict_since": commitment.verdict_since(assessments),
        "passages": passages,
        "corrections": [d for d in decisions if d.kind == DecisionKind.CORRECTION],
        "decisions": decisions,
        "roles": _by_role(roles),
        "by_signatory": _by_signatory(commitment),
        "stated_counts": stated_counts,
        "amounts": amounts,
        # Each deadline with the days it is overdue by, 0 when it is not.
        "deadlines": [(d, d.days_overdue(on)) for d in deadlines],
        # The header's answer to "by when?": the deadline missed first, else the next one due.
        "missed": commitment.missed_deadline(on),
        "days_overdue": commitment.days_overdue(on),
        "next_deadline": commitment.next_deadline(on),
        "done": done,
        "progress": share(done, len(deadlines)),
        "targets": [(t, target_picture(t)) for t in targets],
        "updates": updates,
        "earlier_updates": earlier_updates,
        "children": sorted(
            commitment.shown_children, key=lambda child: getattr(child, f"title_{current_language()}")
        ),
        "sources": commitment.shown_sources,
        "badge_snippet": badge_snippet(
            commitment.get_absolute_url(),
            reverse("tracker:badge_commitment", args=[commitment.slug]),
            commitment.title,
        ),
    }
    return render(request, "tracker/commitment_detail.html", context)


def _by_role(roles: dict) -> list:
    """Return the involvements grouped by role, in the roles' order (lead first)."""
    return [(Role(role), roles[role]) for role in Role if role in roles]


def _by_signatory(commitment) -> list:
    """
    Return the participants assessed one by one (`shown_signatories`), grouped by role in the roles'
    order, each group with the totals the sources state for its role: "4 named of 10 governments".
    The participants they do not name stay that number, never rows.
    """
    groups: dict[str, list] = {}
    for involvement in commitment.shown_signatories:
        groups.setdefault(involvement.role, []).append(involvement)
    counts = commitment.shown_counts
    return [
        (Role(role), groups[role], [count for count in counts if count.role == role])
        for role in Role
        if role in groups
    ]


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
    """
    One published update on a page of its own: the address that feeds and other pages link to. A
    retracted update keeps its page, which says when and why it was withdrawn.
    """
    commitment = get_object_or_404(Commitment.objects.public(), slug=slug)
    updates = commitment.updates.on_record().for_display().select_related("retraction")
    update = get_object_or_404(updates, pk=pk)
    return render(request, "tracker/update_detail.html", {"commitment": commitment, "update": update})
