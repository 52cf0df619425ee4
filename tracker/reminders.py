"""
Reminders: who hears about what and when, each reminder exactly once.

A sweep has two steps, both in bounded batches:

1. **Plan** (`plan`, `plan_digest`, `plan_now`): find what is due a reminder on day `on` and insert
   one `Reminder` row per (kind, subject, occurrence, address). The unique constraint makes planning
   idempotent: a second sweep, a restarted worker or a second worker inserts nothing new.
2. **Deliver** (`deliver`): claim the rows that are due (locked, so two workers never take the same
   row), send each e-mail and record its outcome right after it: sent; or tried again later with a
   doubling delay; or failed after the last attempt, which editors see in their digest and pages.
   A row left "sending" by a worker that died is tried again once its lease is over.

The one window no database closes: a worker killed after the SMTP server accepted a mail but before
the "sent" row is written sends that mail again after the lease. Nothing is ever lost.

Who hears what:
- due soon: before an open deadline, at the smallest lead time (30, 7, 1 days) that has been reached,
  to the representatives of the commitment's lead owners;
- overdue: the day after a deadline passes unmet, then every TRACKER_OVERDUE_REPEAT_DAYS;
- escalation: to editors, once TRACKER_ESCALATE_AFTER overdue reminders went unanswered (no update
  submitted since they were sent), or at once when no lead owner has anyone to remind;
- stale: every TRACKER_STALE_AFTER_DAYS without a published update, on a commitment neither achieved
  nor withdrawn;
- digest: to editors, once a week;
- none about a commitment on hold (until its date), a draft, or one with a final verdict, and none of
  a kind to an address that opted out of it.
"""

import datetime
import logging
from collections import Counter
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, DateTimeField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import ReminderKind, ReminderState, Role, Status
from .dates import today
from .emails import reminder_message
from .models import (
    EDITORS_GROUP,
    Commitment,
    Deadline,
    Involvement,
    OwnerContact,
    ProgressUpdate,
    Reminder,
    ReminderOptOut,
)

logger = logging.getLogger(__name__)

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    contact: OwnerContact | None = None


def _lead_contacts():
    """Prefetch, on commitments, the lead owners' contacts who receive reminders."""
    contacts = OwnerContact.objects.filter(receives_reminders=True).select_related("user")
    leads = (
        Involvement.objects.filter(role=Role.LEAD)
        .select_related("owner")
        .prefetch_related(Prefetch("owner__contacts", queryset=contacts, to_attr="reminded"))
    )
    return Prefetch("involvements", queryset=leads, to_attr="leads")


def representatives(commitment: Commitment) -> list[Recipient]:
    """Return who hears about `commitment`: its lead owners' contacts (prefetched by `_lead_contacts`)."""
    found = {}
    for involvement in commitment.leads:
        for contact in involvement.owner.reminded:
            email = contact.recipient_email().lower()
            if email:
                found.setdefault(email, Recipient(email, contact.language, contact))
    return list(found.values())


def editors() -> list[Recipient]:
    """Return the editors who receive escalations and the digest, in the site's language."""
    users = (
        get_user_model()
        .objects.filter(Q(groups__name=EDITORS_GROUP) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
    )
    emails = sorted({user.email.lower() for user in users})
    return [Recipient(email, settings.LANGUAGE_CODE[:2]) for email in emails]


class Planner:
    """Collects the reminders of a batch and inserts them in one statement, leaving out opt-outs."""

    def __init__(self):
        self.rows: list[Reminder] = []

    def add(self, kind, subject, occurrence, recipients, commitment=None, deadline=None):
        for recipient in recipients:
            self.rows.append(
                Reminder(
                    kind=kind,
                    subject=subject,
                    occurrence=occurrence,
                    commitment=commitment,
                    deadline=deadline,
                    contact=recipient.contact,
                    email=recipient.email,
                    language=recipient.language,
                    next_attempt_at=timezone.now(),
                )
            )

    def save(self) -> int:
        """
        Insert the batch and return its size; rows planned before are skipped by the unique constraint
        (and still counted).
        """
        emails = {row.email for row in self.rows}
        opted_out = set(ReminderOptOut.objects.filter(email__in=emails).values_list("email", "kind"))
        rows = [row for row in self.rows if (row.email, row.kind) not in opted_out]
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        self.rows = []
        return len(rows)


def _batches(queryset, size: int):
    """Yield lists of at most `size` objects, by increasing primary key (one query a batch)."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def chased(on: datetime.date):
    """
    Return the commitments reminders may be about on `on`: public, not on hold, and still open to
    change. A final verdict (achieved, partly achieved, not achieved, withdrawn) ends the chase.
    """
    on_hold = Q(reminders_paused_until__gte=on)
    return Commitment.objects.public().filter(status__in=Status.interim()).exclude(on_hold)


def plan(on: datetime.date | None = None, batch_size: int | None = None) -> int:
    """Plan the due-soon, overdue, escalation and stale reminders of day `on`; return how many were new."""
    on = on or today()
    size = batch_size or settings.TRACKER_REMINDER_BATCH
    return _plan_deadlines(on, size) + _plan_stale(on, size)


def _plan_deadlines(on: datetime.date, size: int) -> int:
    leads = sorted(settings.TRACKER_REMINDER_LEAD_DAYS)
    repeat = settings.TRACKER_OVERDUE_REPEAT_DAYS
    tracked = chased(on)
    # When an overdue reminder counts as unanswered: sent after the commitment's latest update.
    last_answer = (
        ProgressUpdate.objects.filter(commitment=OuterRef(OuterRef("commitment")))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    unanswered = (
        Reminder.objects.filter(deadline=OuterRef("pk"), kind=ReminderKind.OVERDUE, state=ReminderState.SENT)
        .filter(sent_at__gt=Coalesce(Subquery(last_answer), Value(EPOCH, output_field=DateTimeField())))
        .values("deadline")
        .annotate(n=Count("occurrence", distinct=True))
        .values("n")
    )
    deadlines = (
        Deadline.objects.open()
        .with_due_date()
        .filter(commitment__in=tracked, due__lte=on + datetime.timedelta(days=max(leads, default=0)))
        .annotate(unanswered=Coalesce(Subquery(unanswered), 0))
        .select_related("commitment", "milestone")
        .prefetch_related(
            Prefetch("commitment__involvements", queryset=_lead_contacts().queryset, to_attr="leads")
        )
    )
    planned, team = 0, None
    for batch in _batches(deadlines, size):
        planner = Planner()
        for deadline in batch:
            commitment, due = deadline.commitment, deadline.due
            subject = f"deadline:{deadline.pk}"
            days_left = (due - on).days
            if days_left >= 0:
                lead = next((days for days in leads if days_left <= days), None)
                if lead is not None:
                    planner.add(
                        ReminderKind.DUE_SOON, subject, f"{due}-{lead}d", representatives(commitment),
                        commitment, deadline,
                    )  # fmt: skip
                continue
            round_ = (-days_left - 1) // repeat  # 0 on the day after, 1 a week later…
            owners = representatives(commitment)
            planner.add(ReminderKind.OVERDUE, subject, f"{due}-{round_}", owners, commitment, deadline)
            # Editors take over what nobody answers, or what nobody can be asked about.
            if not owners or deadline.unanswered >= settings.TRACKER_ESCALATE_AFTER:
                team = editors() if team is None else team
                planner.add(ReminderKind.ESCALATION, subject, f"{due}", team, commitment, deadline)
        planned += planner.save()
    return planned


def _plan_stale(on: datetime.date, size: int) -> int:
    period = settings.TRACKER_STALE_AFTER_DAYS
    commitments = chased(on).stale(on).with_latest_update().prefetch_related(_lead_contacts())
    planned = 0
    for batch in _batches(commitments, size):
        planner = Planner()
        for commitment in batch:
            last_news = commitment.latest_update_on or commitment.announced_on
            round_ = (on - last_news).days // period  # 1 after one period of silence, 2 after two…
            planner.add(
                ReminderKind.STALE, f"commitment:{commitment.pk}", f"{last_news}-{round_}",
                representatives(commitment), commitment,
            )  # fmt: skip
        planned += planner.save()
    return planned


def plan_digest(on: datetime.date | None = None) -> int:
    """Plan this week's digest for every editor (once a week, whatever the number of calls)."""
    on = on or today()
    year, week, _day = on.isocalendar()
    planner = Planner()
    planner.add(ReminderKind.DIGEST, "digest", f"{year}-W{week:02d}", editors())
    return planner.save()


def plan_now(commitment: Commitment, by) -> int:
    """Plan a reminder an editor asked for now, to the commitment's lead owners' representatives."""
    commitment = Commitment.objects.prefetch_related(_lead_contacts()).get(pk=commitment.pk)
    planner = Planner()
    stamp = timezone.now().isoformat(timespec="seconds")
    planner.add(
        ReminderKind.MANUAL,
        f"commitment:{commitment.pk}",
        f"{stamp}-{by.pk}",
        representatives(commitment),
        commitment,
    )
    return planner.save()


def deliver(batch_size: int | None = None, limit: int = 5000) -> Counter:
    """
    Send the reminders that are due, in batches, at most `limit` in one call (the next call goes on);
    return how many were sent, will be retried, and failed.
    """
    size = batch_size or settings.TRACKER_REMINDER_BATCH
    outcome = Counter()
    while sum(outcome.values()) < limit:
        now = timezone.now()
        lease = now - datetime.timedelta(seconds=settings.TRACKER_REMINDER_LEASE_SECONDS)
        due = Reminder.objects.filter(
            Q(state=ReminderState.PENDING, next_attempt_at__lte=now)
            | Q(state=ReminderState.SENDING, next_attempt_at__lte=lease)
        )
        with transaction.atomic():
            # Claimed under lock: a second worker skips these rows and takes the next ones.
            claimed = list(
                due.select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:size]
            )
            Reminder.objects.filter(pk__in=claimed).update(state=ReminderState.SENDING, next_attempt_at=now)
        if not claimed:
            break
        reminders = Reminder.objects.filter(pk__in=claimed).select_related(
            "commitment", "deadline__milestone", "contact__owner"
        )
        # One connection a batch, opened by the first send: a mail server that is down fails each
        # reminder on its own (recorded, retried), never the batch as a whole.
        connection = get_connection()
        try:
            for reminder in reminders:
                outcome[_send(reminder, connection)] += 1
        finally:
            connection.close()
    return outcome


def _send(reminder: Reminder, connection) -> str:
    """Send one reminder and record the outcome at once; return it ("sent", "retry" or "failed")."""
    attempts = reminder.attempts + 1
    try:
        reminder_message(reminder, connection).send()
    except SoftTimeLimitExceeded:
        raise  # the task ran out of time: this row is left "sending" and retried after its lease
    except Exception as error:  # any failure of the mail server: recorded, retried, never dropped
        logger.warning(
            "Reminder %s to %s failed (attempt %s): %s", reminder.pk, reminder.email, attempts, error
        )
        if attempts >= settings.TRACKER_REMINDER_MAX_ATTEMPTS:
            state, next_attempt = ReminderState.FAILED, None
        else:
            delay = settings.TRACKER_REMINDER_RETRY_SECONDS * 2 ** (attempts - 1)
            state, next_attempt = ReminderState.PENDING, timezone.now() + datetime.timedelta(seconds=delay)
        Reminder.objects.filter(pk=reminder.pk).update(
            state=state, attempts=attempts, next_attempt_at=next_attempt, last_error=str(error)[:2000]
        )
        return "failed" if state == ReminderState.FAILED else "retry"
    Reminder.objects.filter(pk=reminder.pk).update(
        state=ReminderState.SENT,
        attempts=attempts,
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
    )
    return "sent"


def sweep(on: datetime.date | None = None) -> Counter:
    """Plan the day's reminders and send what is due: what the periodic task and the command run."""
    planned = plan(on)
    outcome = deliver()
    logger.info("Reminders: %s planned, %s", planned, dict(outcome))
    return Counter(planned=planned, **outcome)
