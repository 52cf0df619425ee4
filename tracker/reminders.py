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
import smtplib
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, DateTimeField, F, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import ReminderKind, ReminderState, Role
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
DIGEST_HOUR = 8  # the editors' digest goes out on Monday mornings, from this hour on
# The reminders the sweeps plan by themselves; they lapse when what they are about changes.
AUTOMATIC = (ReminderKind.DUE_SOON, ReminderKind.OVERDUE, ReminderKind.STALE, ReminderKind.ESCALATION)


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
    """
    Collects the reminders of a batch and inserts them in one statement, leaving out what the
    addresses opted out of (read once a batch).
    """

    def __init__(self, recipients: Iterable[Recipient] = ()):
        emails = {recipient.email for recipient in recipients}
        self.opted_out = set(ReminderOptOut.objects.filter(email__in=emails).values_list("email", "kind"))
        self.rows: list[Reminder] = []

    def reachable(self, kind: str, recipients: list[Recipient]) -> list[Recipient]:
        """Return the recipients who did not opt out of `kind`."""
        return [r for r in recipients if (r.email, kind) not in self.opted_out]

    def add(self, kind, subject, occurrence, recipients, commitment=None, deadline=None, due=None):
        for recipient in self.reachable(kind, recipients):
            self.rows.append(
                Reminder(
                    kind=kind,
                    subject=subject,
                    occurrence=occurrence,
                    commitment=commitment,
                    deadline=deadline,
                    deadline_due=due,
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
        Reminder.objects.bulk_create(self.rows, ignore_conflicts=True)
        planned, self.rows = len(self.rows), []
        return planned


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
    Return the commitments reminders may be about on `on`: public, neither achieved nor withdrawn (as
    `overdue` and `stale` define them), and not on hold.
    """
    return Commitment.objects.public().open().exclude(reminders_paused_until__gte=on)


def plan(on: datetime.date | None = None, batch_size: int | None = None) -> int:
    """Plan the due-soon, overdue, escalation and stale reminders of day `on`; return how many."""
    on = on or today()
    size = batch_size or settings.TRACKER_REMINDER_BATCH
    return _plan_deadlines(on, size) + _plan_stale(on, size)


def _plan_deadlines(on: datetime.date, size: int) -> int:
    leads = sorted(settings.TRACKER_REMINDER_LEAD_DAYS)
    repeat = settings.TRACKER_OVERDUE_REPEAT_DAYS
    # Overdue reminders about this due date that went out (or failed) after the commitment's latest
    # update: the unanswered ones.
    last_answer = (
        ProgressUpdate.objects.filter(commitment=OuterRef(OuterRef("commitment")))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    unanswered = (
        Reminder.objects.filter(
            deadline=OuterRef("pk"),
            deadline_due=OuterRef("due"),
            kind=ReminderKind.OVERDUE,
            state__in=[ReminderState.SENT, ReminderState.FAILED],
        )
        .filter(created_at__gt=Coalesce(Subquery(last_answer), Value(EPOCH, output_field=DateTimeField())))
        .values("deadline")
        .annotate(n=Count("occurrence", distinct=True))
        .values("n")
    )
    deadlines = (
        Deadline.objects.open()
        .with_due_date()
        .filter(commitment__in=chased(on), due__lte=on + datetime.timedelta(days=max(leads, default=0)))
        .annotate(unanswered=Coalesce(Subquery(unanswered), 0))
        .select_related("commitment", "milestone")
        .prefetch_related(
            Prefetch("commitment__involvements", queryset=_lead_contacts().queryset, to_attr="leads")
        )
    )
    planned, team = 0, editors()
    for batch in _batches(deadlines, size):
        owners_of = {deadline.pk: representatives(deadline.commitment) for deadline in batch}
        planner = Planner([*team, *(r for recipients in owners_of.values() for r in recipients)])
        for deadline in batch:
            commitment, due, owners = deadline.commitment, deadline.due, owners_of[deadline.pk]
            about = {"commitment": commitment, "deadline": deadline, "due": due}
            subject = f"deadline:{deadline.pk}"
            days_left = (due - on).days
            if days_left >= 0:
                lead = next((days for days in leads if days_left <= days), None)
                if lead is not None:
                    planner.add(ReminderKind.DUE_SOON, subject, f"{due}-{lead}d", owners, **about)
                continue
            round_ = (-days_left - 1) // repeat  # 0 on the day after, 1 a week later…
            planner.add(ReminderKind.OVERDUE, subject, f"{due}-{round_}", owners, **about)
            # Editors take over what nobody answers, or what nobody can be asked about.
            nobody = not planner.reachable(ReminderKind.OVERDUE, owners)
            if nobody or deadline.unanswered >= settings.TRACKER_ESCALATE_AFTER:
                planner.add(ReminderKind.ESCALATION, subject, f"{due}", team, **about)
        planned += planner.save()
    return planned


def _plan_stale(on: datetime.date, size: int) -> int:
    period = settings.TRACKER_STALE_AFTER_DAYS
    commitments = chased(on).stale(on).with_latest_update().prefetch_related(_lead_contacts())
    planned = 0
    for batch in _batches(commitments, size):
        owners_of = {commitment.pk: representatives(commitment) for commitment in batch}
        planner = Planner(r for recipients in owners_of.values() for r in recipients)
        for commitment in batch:
            last_news = commitment.latest_update_on or commitment.announced_on
            round_ = (on - last_news).days // period  # 1 after one period of silence, 2 after two…
            planner.add(
                ReminderKind.STALE, f"commitment:{commitment.pk}", f"{last_news}-{round_}",
                owners_of[commitment.pk], commitment,
            )  # fmt: skip
        planned += planner.save()
    return planned


def plan_digest(on: datetime.date | None = None) -> int:
    """
    Plan this week's digest for every editor, from Monday 08:00 on: once a week whatever the number
    of calls, and still sent later in the week when beat missed Monday morning.
    """
    now = timezone.localtime()
    on = on or now.date()
    if on.weekday() == 0 and on == now.date() and now.hour < DIGEST_HOUR:
        return 0
    year, week, _day = on.isocalendar()
    team = editors()
    planner = Planner(team)
    planner.add(ReminderKind.DIGEST, "digest", f"{year}-W{week:02d}", team)
    return planner.save()


def plan_now(commitment: Commitment, by) -> int:
    """Plan a reminder an editor asked for now, to the commitment's lead owners' representatives."""
    commitment = Commitment.objects.prefetch_related(_lead_contacts()).get(pk=commitment.pk)
    owners = representatives(commitment)
    planner = Planner(owners)
    stamp = timezone.now().isoformat(timespec="microseconds")
    planner.add(ReminderKind.MANUAL, f"commitment:{commitment.pk}", f"{stamp}-{by.pk}", owners, commitment)
    return planner.save()


def deliver(batch_size: int | None = None, limit: int = 5000, budget: float | None = None, **only) -> Counter:
    """
    Send the reminders that are due, in batches; return how many were sent, retried, failed and
    cancelled. One call stops after `limit` reminders or `budget` seconds (a quarter of the lease, so
    that no other run reclaims rows this one still holds); the next call goes on. `only` narrows the
    rows (e.g. commitment=…, after an editor's "remind now").
    """
    size = batch_size or settings.TRACKER_REMINDER_BATCH
    budget = settings.TRACKER_REMINDER_LEASE_SECONDS / 4 if budget is None else budget
    started, outcome = time.monotonic(), Counter()
    digest: dict[str, dict] = {}  # what the digest lists, read once a call and language
    while sum(outcome.values()) < limit and time.monotonic() - started < budget:
        now, claim = timezone.now(), uuid.uuid4()
        lease = now - datetime.timedelta(seconds=settings.TRACKER_REMINDER_LEASE_SECONDS)
        due = Reminder.objects.filter(**only).filter(
            Q(state=ReminderState.PENDING, next_attempt_at__lte=now)
            | Q(state=ReminderState.SENDING, next_attempt_at__lte=lease)
        )
        with transaction.atomic():
            # Claimed under lock: another run skips these rows and takes the next ones. A claim
            # counts as an attempt, so that a row that keeps killing its worker ends up failed.
            claimed = list(
                due.select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:size]
            )
            Reminder.objects.filter(pk__in=claimed).update(
                state=ReminderState.SENDING, next_attempt_at=now, claimed_by=claim, attempts=F("attempts") + 1
            )
        if not claimed:
            break
        reminders = list(
            Reminder.objects.filter(pk__in=claimed, claimed_by=claim)
            .select_related("commitment", "deadline__milestone", "contact__owner")
            .order_by("next_attempt_at", "pk")
        )
        still_due = _still_due(reminders)
        connection = _open_connection()
        try:
            for position, reminder in enumerate(reminders):
                if time.monotonic() - started >= budget:
                    _release(reminders[position:], claim)
                    break
                if reminder.pk not in still_due:
                    outcome[_finish(reminder, claim, ReminderState.CANCELLED)] += 1
                    continue
                outcome[_send(reminder, claim, connection, digest)] += 1
        finally:
            connection.close()
    return outcome


def _open_connection():
    """
    Return a mail connection opened for the batch, so that its messages share it. When the server
    cannot be reached, each message tries again and records its own failure.
    """
    connection = get_connection()
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("Mail server unreachable: %s", error)
    return connection


def _still_due(reminders: list[Reminder]) -> set[int]:
    """
    Return which claimed reminders still stand: nobody opted out of them since, and what they are
    about (a commitment's hold, its status, a deliverable) has not answered them meanwhile.
    """
    on = today()
    opted_out = set(
        ReminderOptOut.objects.filter(email__in={r.email for r in reminders}).values_list("email", "kind")
    )
    standing = set()
    for reminder in reminders:
        if (reminder.email, reminder.kind) in opted_out:
            continue
        commitment, deadline = reminder.commitment, reminder.deadline
        if reminder.kind in AUTOMATIC and commitment is not None:
            on_hold = commitment.reminders_paused_until and commitment.reminders_paused_until >= on
            if on_hold or commitment.is_closed() or not commitment.is_public:
                continue
            if deadline is not None and (deadline.is_done or deadline.due_date() != reminder.deadline_due):
                continue
        standing.add(reminder.pk)
    return standing


def _send(reminder: Reminder, claim, connection, digest: dict) -> str:
    """Send one reminder and record the outcome at once; return it ("sent", "retry" or "failed")."""
    try:
        reminder_message(reminder, connection, digest).send()
    except SoftTimeLimitExceeded:
        raise  # the task ran out of time: this row stays "sending" and is retried after its lease
    except Exception as error:  # any failure of the mail server: recorded, retried, never dropped
        logger.warning("Reminder %s failed (attempt %s): %s", reminder.pk, reminder.attempts, error)
        connection.close()  # the next message opens a fresh one
        if reminder.attempts >= settings.TRACKER_REMINDER_MAX_ATTEMPTS:
            return _finish(reminder, claim, ReminderState.FAILED, last_error=str(error)[:2000])
        delay = settings.TRACKER_REMINDER_RETRY_SECONDS * 2 ** (reminder.attempts - 1)
        retry_at = timezone.now() + datetime.timedelta(seconds=delay)
        _finish(
            reminder, claim, ReminderState.PENDING, next_attempt_at=retry_at, last_error=str(error)[:2000]
        )
        return "retry"
    return _finish(reminder, claim, ReminderState.SENT, sent_at=timezone.now(), last_error="")


def _finish(reminder: Reminder, claim, state: str, **fields) -> str:
    """Record a claimed reminder's outcome, only while this run still holds it; return the state."""
    fields.setdefault("next_attempt_at", None)
    Reminder.objects.filter(pk=reminder.pk, claimed_by=claim).update(state=state, claimed_by=None, **fields)
    return state


def _release(reminders: list[Reminder], claim) -> None:
    """Hand back claimed reminders this run has no time left to send (their attempt does not count)."""
    Reminder.objects.filter(pk__in=[r.pk for r in reminders], claimed_by=claim).update(
        state=ReminderState.PENDING, claimed_by=None, attempts=F("attempts") - 1
    )


def sweep(on: datetime.date | None = None) -> Counter:
    """Plan the day's reminders and send what is due: what the periodic task and the command run."""
    planned = plan(on)
    outcome = deliver()
    logger.info("Reminders: %s planned, %s", planned, dict(outcome))
    return Counter(planned=planned, **outcome)
