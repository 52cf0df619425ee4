"""
The signed-in side of the site: owners' representatives log progress; editors review it, watch what
is overdue or stale, record decisions and read each commitment's history.

Every view checks who is asking on the server: anonymous visitors are sent to sign in, others get a
403 when the page is not theirs. Views collect input with tracker/workspace/forms.py and change facts only
through tracker/workflow.py.
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import reminders
from ..access import is_editor, may_report, reporting_owners, represented_owners
from ..choices import PublicationState, ReminderState, Role
from ..dates import today
from ..fields import current_language
from ..history import commitment_history
from ..models import Commitment, Deadline, Decision, Follower, Involvement, Owner, ProgressUpdate, Reminder
from ..public.views import page_of
from ..tasks import deliver_soon
from ..throttling import password_reset_allowed
from ..workflow import publish_update, record_decision, reject_update, submit_update
from .forms import DecisionForm, HoldForm, PasswordResetForm, RejectForm, UpdateForm, evidence_formset

QUEUE_SHOWN = 100
REMINDERS_SHOWN = 50
MY_UPDATES_SHOWN = 50


def editor_required(view):
    """Sign-in first, then editors only (403 for everyone else)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_editor(request.user):
            raise PermissionDenied(_("This page is for the tracker's editors."))
        return view(request, *args, **kwargs)

    return wrapper


def _updates():
    """Updates as the public page shows them, with their commitment and author for the editors."""
    return ProgressUpdate.objects.for_display().select_related("commitment", "author")


@login_required
def my_commitments(request):
    owners = list(represented_owners(request.user))
    # Each commitment once, however many of the owners take part and in however many roles; what needs
    # doing first comes first: the most overdue, then by the next deadline.
    rows = list(
        Commitment.objects.public()
        .of_owners(owners)
        .as_rows()
        .with_latest_update()
        .annotate(
            is_due_soon=Exists(Commitment.objects.due_soon().filter(pk=OuterRef("pk"))),
            is_stale=Exists(Commitment.objects.stale().filter(pk=OuterRef("pk"))),
        )
        .order_by(
            F("overdue_since").asc(nulls_last=True),
            F("next_due_on").asc(nulls_last=True),
            f"title_{current_language()}",
            "pk",
        )
    )
    updates = (
        ProgressUpdate.objects.filter(on_behalf_of__in=owners)
        .select_related("commitment")
        .order_by("-created_at")[:MY_UPDATES_SHOWN]
    )
    context = {
        "owners": owners,
        "commitments": rows,
        "overdue_count": sum(c.is_overdue for c in rows),
        "due_soon_count": sum(c.is_due_soon for c in rows),
        "stale_count": sum(c.is_stale for c in rows),
        "updates": updates,
    }
    return render(request, "tracker/workspace/my_commitments.html", context)


@login_required
def log_progress(request, slug):
    editor = is_editor(request.user)
    # Drafts are the editors' own: to anyone else they do not exist.
    visible = Commitment.objects.all() if editor else Commitment.objects.public()
    commitment = get_object_or_404(visible, slug=slug)
    # Editors may also report for any owner taking part, e.g. from an e-mail they received.
    owners = commitment.owners.distinct() if editor else reporting_owners(request.user, commitment)
    if not editor and not owners.exists():
        raise PermissionDenied(_("You represent no owner of this commitment."))
    if request.method == "POST" and not editor:
        # A crafted POST naming another owner (or none) is refused outright, not merely invalid.
        chosen = request.POST.get("on_behalf_of", "")
        owner = Owner.objects.filter(pk=chosen).first() if chosen.isdigit() else None
        if not may_report(request.user, commitment, owner):
            raise PermissionDenied(_("You may only report for an owner you represent."))
    form = UpdateForm(request.POST or None, commitment=commitment, owners=owners, owner_required=not editor)
    evidence = evidence_formset(request.POST or None)
    if request.method == "POST":
        valid = form.is_valid() & evidence.is_valid()  # both, so that every message shows at once
        if valid and form.check_report(evidence.links()):
            data = form.cleaned_data
            submit_update(
                commitment=commitment,
                author=request.user,
                on_behalf_of=data["on_behalf_of"],
                reported_on=data["reported_on"],
                status=data["status"],
                reason=data["reason"],
                text=data["text"],
                evidence=evidence.links(),
                readings=form.readings(),
                done=data["marks_done"],
            )
            messages.success(request, _("Thank you: your update is submitted. Editors will review it."))
            return redirect("tracker:my_commitments")
    context = {"commitment": commitment, "form": form, "evidence": evidence}
    # What was typed comes back with the messages; 400 says the submission was refused.
    status = 400 if request.method == "POST" else 200
    return render(request, "tracker/workspace/log_progress.html", context, status=status)


@editor_required
def review_queue(request):
    updates = _updates().awaiting_review().order_by("created_at", "pk")[:QUEUE_SHOWN]
    total = ProgressUpdate.objects.awaiting_review().count()
    return render(request, "tracker/workspace/review_queue.html", {"updates": updates, "total": total})


@editor_required
def review_update(request, pk, reject_form=None):
    update = get_object_or_404(_updates(), pk=pk)
    context = {"update": update, "reject_form": reject_form or RejectForm()}
    return render(
        request, "tracker/workspace/review_update.html", context, status=400 if reject_form else 200
    )


@require_POST
@editor_required
def publish(request, pk):
    update = get_object_or_404(ProgressUpdate, pk=pk)
    try:
        # A rejected update is published only from a page that said so (review_update.html).
        reconsider = request.POST.get("reconsider") == PublicationState.REJECTED
        update = publish_update(update, by=request.user, reconsider=reconsider)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("tracker:review_update", pk=pk)
    if update.status and not update.status_applied:
        messages.warning(
            request,
            _(
                "Published, but the status is left as it is: a newer report or a later decision "
                "already speaks to it. Record a decision if it should change."
            ),
        )
    elif update.commitment.is_public:
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Published."),
                update.get_absolute_url(),
                _("See it on its public page."),
            ),
        )
    else:  # a draft commitment's update: the public sees it once the commitment is public
        messages.success(
            request, _("Published. Its commitment is a draft: the public will see it once it is public.")
        )
    return redirect("tracker:review_queue")


@require_POST
@editor_required
def reject(request, pk):
    update = get_object_or_404(ProgressUpdate, pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return review_update(request, pk, reject_form=form)
    try:
        reject_update(update, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("tracker:review_update", pk=pk)
    messages.success(request, _("Rejected. The representative sees your reason."))
    return redirect("tracker:review_queue")


# Most overdue first, or by lead owner; commitments that are only stale come after the overdue ones.
SORTS = {
    "days": (F("overdue_since").asc(nulls_last=True), "pk"),
    "owner": (F("lead_name").asc(nulls_last=True), "pk"),
}
REVIEW_PAGE_SIZE = 50


@editor_required
def review_overdue(request):
    on = today()
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "days"
    # Drafts too: editors review everything they track.
    tracked = Commitment.objects.all()
    stale = tracked.stale(on).filter(pk=OuterRef("pk"))
    lead = Involvement.objects.filter(commitment=OuterRef("pk"), role=Role.LEAD).order_by("owner__name")
    last_update = ProgressUpdate.objects.filter(commitment=OuterRef("pk")).order_by(
        "-reported_on", "-created_at"
    )
    last_decision = Decision.objects.filter(commitment=OuterRef("pk")).order_by("-decided_on", "-created_at")
    # The reminders that chased its owners' contacts: not the editors' notices nor followers' news.
    chasing = Reminder.objects.filter(commitment=OuterRef("pk"), contact__isnull=False)
    sent = chasing.filter(state=ReminderState.SENT).order_by("-sent_at")
    failed = chasing.filter(state=ReminderState.FAILED)
    commitments = (
        tracked.filter(Q(pk__in=tracked.overdue(on).values("pk")) | Exists(stale))
        .as_rows(on)
        .annotate(
            is_stale=Exists(stale),
            lead_name=Subquery(lead.values("owner__name")[:1]),
            last_update_on=Subquery(last_update.values("reported_on")[:1]),
            last_update_state=Subquery(last_update.values("state")[:1]),
            last_decision_on=Subquery(last_decision.values("decided_on")[:1]),
            last_decision_kind=Subquery(last_decision.values("kind")[:1]),
            last_reminder_at=Subquery(sent.values("sent_at")[:1]),
            reminders_sent=Coalesce(Subquery(_count(sent)), 0),
            reminders_failed=Coalesce(Subquery(_count(failed)), 0),
        )
        .order_by(*SORTS[sort])
    )
    page = page_of(request, commitments, REVIEW_PAGE_SIZE)
    context = {"page": page, "sort": sort, "stale_days": settings.TRACKER_STALE_AFTER_DAYS}
    return render(request, "tracker/workspace/review_overdue.html", context)


def _count(queryset):
    """A correlated COUNT(*) subquery of `queryset` (filtered on OuterRef("pk"))."""
    return queryset.order_by().values("commitment").annotate(n=Count("pk")).values("n")


@editor_required
def review_commitment(request, slug, form=None, hold_form=None):
    commitment = get_object_or_404(
        Commitment.objects.with_overdue()
        .with_latest_update()
        .prefetch_related(
            Prefetch(
                "deadlines",
                queryset=Deadline.objects.with_overdue_flag()
                .select_related("milestone")
                .order_by("due", "pk"),
            ),
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("decided_by", "deadline").order_by(
                    "-decided_on", "-created_at"
                ),
            ),
        ),
        slug=slug,
    )
    updates = (
        ProgressUpdate.objects.filter(commitment=commitment)
        .select_related("commitment", "on_behalf_of", "author")
        .annotate(links=Count("evidence"))
        .order_by("-reported_on", "-created_at")
    )
    context = {
        "commitment": commitment,
        "form": form or DecisionForm(commitment=commitment),
        "hold_form": hold_form or HoldForm(instance=commitment),
        "updates": updates,
        "reminders": commitment.reminders.select_related("deadline").order_by("-created_at")[
            :REMINDERS_SHOWN
        ],
    }
    status = 400 if form or hold_form else 200
    return render(request, "tracker/workspace/review_commitment.html", context, status=status)


@require_POST
@editor_required
def decide(request, slug):
    commitment = get_object_or_404(Commitment, slug=slug)
    form = DecisionForm(request.POST, commitment=commitment)
    if form.is_valid():
        try:
            record_decision(form.decision(), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("tracker:review_commitment", slug=slug)
    return review_commitment(request, slug, form=form)


@require_POST
@editor_required
def hold(request, slug):
    commitment = get_object_or_404(Commitment, slug=slug)
    with transaction.atomic():  # the row stays locked from the check (HoldForm) to the write
        form = HoldForm(request.POST, instance=commitment)
        if form.is_valid():
            # Only these fields: a status set meanwhile (a publication) is not written back.
            form.save(commit=False).save(
                update_fields=["reminders_paused_until", "reminders_pause_reason", "updated_at"]
            )
    if form.errors:
        return review_commitment(request, slug, hold_form=form)
    messages.success(request, _("Reminders updated."))
    return redirect("tracker:review_commitment", slug=slug)


@require_POST
@editor_required
def remind(request, slug):
    commitment = get_object_or_404(Commitment, slug=slug)
    if not reminders.plan_now(commitment, by=request.user):
        messages.warning(request, _("Nobody to remind: no lead owner has a contact who receives reminders."))
    elif deliver_soon(commitment.pk):  # through the broker when there is one; at once without
        messages.success(request, _("Reminder sent to the lead owners’ representatives."))
    else:
        messages.warning(
            request, _("The reminder is planned and will go out with the next round of reminders.")
        )
    return redirect("tracker:review_commitment", slug=slug)


@editor_required
def commitment_audit(request, slug):
    commitment = get_object_or_404(Commitment, slug=slug)
    context = {"commitment": commitment, "entries": commitment_history(commitment)}
    return render(request, "tracker/workspace/history.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    """
    Django's password reset, with our form, mailing a given address a few times an hour at most
    (tracker/throttling.py): one address was sent 1,125 mails in 20 seconds.
    """

    form_class = PasswordResetForm

    def form_valid(self, form):
        if not password_reset_allowed(self.request, form.cleaned_data["email"]):
            form.add_error(None, _("Too many links were asked for; try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


FOLLOWED_SHOWN = 100


@editor_required
def review_followers(request):
    """How many confirmed followers the whole tracker, each commitment and each owner have: never who."""
    followed = Q(followers__confirmed_at__isnull=False)
    commitments = Commitment.objects.annotate(n=Count("followers", filter=followed)).filter(n__gt=0)
    owners = Owner.objects.annotate(n=Count("followers", filter=followed)).filter(n__gt=0)
    context = {
        "everything": Follower.objects.confirmed().of_everything().count(),
        "commitments": commitments.order_by("-n", "pk")[:FOLLOWED_SHOWN],
        "owners": owners.order_by("-n", "pk")[:FOLLOWED_SHOWN],
        "shown": FOLLOWED_SHOWN,
    }
    return render(request, "tracker/workspace/review_followers.html", context)
