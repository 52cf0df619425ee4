"""
The tracker's e-mails, each as plain text and HTML in the recipient's language, rendered by one helper
from templates/emails/<name>-subject.txt, -body.txt and -body.html.
"""

import datetime
import re

from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .addresses import on_site
from .choices import ReminderKind, ReminderState
from .dates import today
from .models import Commitment, ProgressUpdate, Reminder
from .models.commitments import days_late

OPT_OUT_SALT = "tracker.reminders.opt-out"
DIGEST_ITEMS = 25


def make_message(name: str, context: dict, to: str, language: str, connection=None, headers=None):
    """Return the e-mail `name` rendered in `language` for `to` (text, with an HTML alternative)."""
    with translation.override(language):
        # On one line, without the no-break spaces French puts before ":" (split() would take them).
        subject = " ".join(
            re.split(r"[ \t\r\n]+", render_to_string(f"emails/{name}-subject.txt", context).strip())
        )
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject, text, None, [to], connection=connection, headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def opt_out_token(email: str, kind: str) -> str:
    """Return the signed token of the one-click link that stops `kind` reminders to `email`."""
    return signing.dumps({"email": email, "kind": kind}, salt=OPT_OUT_SALT)


def read_opt_out_token(token: str) -> dict:
    """Return {"email", "kind"} from a token (signing.BadSignature when it was tampered with)."""
    return signing.loads(token, salt=OPT_OUT_SALT)


def reminder_message(reminder: Reminder, connection=None, shared: dict | None = None):
    """
    Return the e-mail of one reminder, with links to the commitment, the progress form and the opt-out.

    A batch of deliveries passes a dict it keeps, `shared`, for what its messages have in common, made
    once: the digest's lists, a commitment's links and the sentence about it (the same for each of its
    recipients), an address's opt-out link. (Rendering templates is most of a sweep's time.)
    """
    if reminder.follower_id:
        from .following import follow_message  # following.py imports reminders.py, which imports this

        return follow_message(reminder, connection, shared)
    shared = {} if shared is None else shared
    language = reminder.language
    with translation.override(language):
        opt_out = _shared(
            shared,
            ("opt-out", language, reminder.email, reminder.kind),
            lambda: on_site(reverse("tracker:opt_out", args=[opt_out_token(reminder.email, reminder.kind)])),
        )
        context = {"reminder": reminder, "opt_out": opt_out, "kind": ReminderKind(reminder.kind)}
        if reminder.kind == ReminderKind.DIGEST:
            context.update(_shared(shared, ("digest", language), digest_context))
        if reminder.kind == ReminderKind.SUBMITTED:
            context.update(_about_update(reminder))
        elif reminder.commitment is not None:
            key = ("commitment", language, reminder.kind, reminder.commitment_id, reminder.deadline_id)
            context.update(_shared(shared, key, lambda: _about_commitment(reminder)))
        if reminder.kind not in (ReminderKind.DIGEST, ReminderKind.SUBMITTED):
            # Written once, as text (the partials turn autoescaping off). Django takes what a template
            # renders for safe HTML: the HTML body must escape it with |force_escape, as it does.
            context["greeting"] = render_to_string("emails/_greeting.txt", context)
    name = {ReminderKind.DIGEST: "digest", ReminderKind.SUBMITTED: "submitted"}.get(reminder.kind, "reminder")
    # RFC 8058: mail programs offer a one-click "unsubscribe" that POSTs to the same signed link.
    headers = {"List-Unsubscribe": f"<{opt_out}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return make_message(name, context, reminder.email, language, connection, headers)


def _shared(shared: dict, key, make):
    if key not in shared:
        shared[key] = make()
    return shared[key]


def _about_commitment(reminder: Reminder) -> dict:
    """
    What a reminder says of its commitment and deadline, in the active language: the same for each of
    its recipients, so nothing of the recipient is given to the sentence.
    """
    commitment, deadline = reminder.commitment, reminder.deadline
    parts = {
        "commitment": commitment,
        "deadline": deadline,
        "commitment_url": on_site(commitment.get_absolute_url()),
        "log_url": on_site(reverse("tracker:log_progress", args=[commitment.slug])),
        "review_url": on_site(reverse("tracker:review_commitment", args=[commitment.slug])),
        "days_late": days_late(deadline.due_date(), today()) if deadline else 0,
        "days_left": (deadline.due_date() - today()).days if deadline else 0,
    }
    parts["intro"] = render_to_string(
        "emails/_reminder_intro.txt", {"kind": ReminderKind(reminder.kind), **parts}
    )
    return parts


def _about_update(reminder: Reminder) -> dict:
    """What the editors' notice of a submitted update says of it, and where they review it."""
    return {
        "update": reminder.update,
        "commitment": reminder.commitment,
        "review_url": on_site(reverse("tracker:review_update", args=[reminder.update_id])),
        "queue_url": on_site(reverse("tracker:review_queue")),
    }


def digest_context() -> dict:
    """What the editors' digest lists, as of now (read when it is sent, so it is never out of date)."""
    on = today()
    overdue = Commitment.objects.public().overdue(on).with_overdue().order_by("overdue_since", "pk")
    stale = Commitment.objects.public().stale(on).with_latest_update().order_by("latest_update_on", "pk")
    # The failures of the past two weeks: the digest is weekly, a retry may span a weekend.
    recent = timezone.now() - datetime.timedelta(days=14)
    # Not the followers' mails: editors see how many follow, never who (tracker/following.py).
    failed = Reminder.objects.filter(
        state=ReminderState.FAILED, created_at__gte=recent, follower__isnull=True
    ).select_related("commitment")
    context = {
        "overdue": list(overdue[:DIGEST_ITEMS]),
        "overdue_count": overdue.count(),
        "stale": list(stale[:DIGEST_ITEMS]),
        "stale_count": stale.count(),
        "waiting_count": ProgressUpdate.objects.awaiting_review().count(),
        "failed": list(failed.order_by("-created_at")[:DIGEST_ITEMS]),
        "failed_count": failed.count(),
        "queue_url": on_site(reverse("tracker:review_queue")),
        "overdue_url": on_site(reverse("tracker:review_overdue")),
        "failed_url": on_site(
            reverse("admin:tracker_reminder_changelist") + f"?state={ReminderState.FAILED}"
        ),
    }
    # Each list shows its first DIGEST_ITEMS and says how many more there are, and where: a count
    # above a shorter list had read as a miscount ("43 stale" over 25 names).
    for name in ("overdue", "stale", "failed"):
        context[f"{name}_more"] = context[f"{name}_count"] - len(context[name])
    return context
