"""
Reminders: who hears about what and when, each reminder exactly once.

A sweep has two steps, both in bounded batches with a fixed number of queries each:

1. **Plan** (`plan`, `plan_digest`, `plan_now`): find what is due a reminder on day `on` and insert
   one `Reminder` row per (kind, subject, occurrence, address) that the log does not hold yet. The
   unique constraint makes planning idempotent: a second sweep, a restarted worker or a second worker
   inserts nothing new.
2. **Deliver** (`deliver`): claim a batch of the rows that are due (locked, so two workers never take
   the same row), send each e-mail over one mail connection, and record the outcomes every
   TRACKER_REMINDER_RECORD_EVERY messages, one UPDATE per outcome: sent; or tried again later with a
   doubling delay; or failed after the last attempt, which editors see in their digest and pages. A
   row left "sending" by a worker that died is tried again once its lease is over.

The one window no database closes: a worker process killed outright after the SMTP server accepted
mails but before their outcomes are written sends those mails again after the lease: at most
TRACKER_REMINDER_RECORD_EVERY of them for each process that was sending (bench/crash.py measures it).
A Celery soft time limit records the outcomes on its way out: it can repeat only the message it
interrupted. Nothing is ever lost.

Who hears what:
- due soon: before an open deadline, at the smallest lead time (30, 7, 1 days) that has been reached,
  to the representatives of the commitment's lead owners;
- overdue: the day after a deadline passes unmet, then every TRACKER_OVERDUE_REPEAT_DAYS;
- escalation: to editors, once TRACKER_ESCALATE_AFTER overdue reminders went unanswered (no update
  submitted since they were sent), or at once when no lead owner has anyone to remind;
- stale: every TRACKER_STALE_AFTER_DAYS without a published update, on a commitment neither achieved
  nor withdrawn;
- digest: to editors, once a week;
- submitted: to editors but its author, once, when an update is submitted for review (still
  waiting when it goes out);
- none about a commitment on hold (until its date), a draft, or one achieved or withdrawn, and none
  of a kind to an address that opted out of it.

A first sweep over a long history sends what a sweep would send that day, no more: the current round
of each overdue deadline and of each silence, never the rounds nobody was there to send.
"""

import datetime
import logging
import smtplib
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import CharField, Count, DateTimeField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from .choices import PublicationState, ReminderKind, ReminderState, Role
from .dates import today
from .emails import reminder_message
from .models import (
    EDITORS_GROUP,
    Commitment,
    Deadline,
    OwnerContact,
    ProgressUpdate,
    Reminder,
    ReminderOptOut,
)
from .models.querysets import in_batches
from .models.reminders import REMINDER_KEY
from .workspace.accounts import site_language

logger = logging.getLogger(__name__)

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
DIGEST_HOUR = 8  # the editors' digest goes out on Monday mornings, from this hour on
# The reminders the sweeps plan by themselves; they lapse when what they are about changes.
AUTOMATIC = (ReminderKind.DUE_SOON, ReminderKind.OVERDUE, ReminderKind.STALE, ReminderKind.ESCALATION)
# The news to the public's followers (tracker/following.py), sent only to confirmed addresses.
FOLLOWING = (ReminderKind.FOLLOW_NEWS, ReminderKind.FOLLOW_DIGEST)


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    contact_id: int | None = None
    follower_id: int | None = None  # a member of the public following something (tracker/following.py)


def representatives(commitment_ids: Iterable[int]) -> dict[int, list[Recipient]]:
    """
    Return who hears about each commitment, in one query for a whole batch: the contacts of its lead
    owners who receive reminders, once an address (lead owners by name, then each one's contacts).
    """
    contacts = (
        OwnerContact.objects.filter(
            receives_reminders=True,
            owner__involvements__role=Role.LEAD,
            owner__involvements__commitment__in=list(commitment_ids),
        )
        .order_by("owner__name", "owner_id", "name", "email", "pk")
        .values_list("owner__involvements__commitment", "pk", "email", "user__email", "language")
    )
    found: dict[int, dict[str, Recipient]] = defaultdict(dict)
    for commitment_id, contact_id, email, account_email, language in contacts:
        address = (email or account_email or "").lower()  # as OwnerContact.recipient_email() reads it
        if address:
            found[commitment_id].setdefault(address, Recipient(address, language, contact_id))
    return {commitment_id: list(by_address.values()) for commitment_id, by_address in found.items()}


def editors() -> list[Recipient]:
    """
    Return the editors who receive escalations and the digest, each in the language of their account
    (the site's when they chose none), once an address.
    """
    users = (
        get_user_model()
        .objects.filter(Q(groups__name=EDITORS_GROUP) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", "account__language")
    )
    languages: dict[str, str] = {}
    for email, language in users:
        languages.setdefault(email.lower(), language or site_language())
    return [Recipient(email, languages[email]) for email in sorted(languages)]


class Planner:
    """
    Collects the reminders of a batch and inserts those the log does not hold yet in one statement,
    leaving out what the addresses opted out of (read once a batch).
    """

    def __init__(self, recipients: Iterable[Recipient] = ()):
        emails = {recipient.email for recipient in recipients}
        self.opted_out = set(ReminderOptOut.objects.filter(email__in=emails).values_list("email", "kind"))
        self.rows: dict[tuple[str, str, str, str], dict] = {}  # the unique key → the other fields

    def reachable(self, kind: str, recipients: list[Recipient]) -> list[Recipient]:
        """Return the recipients who did not opt out of `kind`."""
        return [r for r in recipients if (r.email, kind) not in self.opted_out]

    def add(
        self,
        kind,
        subject,
        occurrence,
        recipients,
        commitment_id=None,
        deadline_id=None,
        due=None,
        update_id=None,
    ):
        for recipient in self.reachable(kind, recipients):
            self.rows[kind, subject, occurrence, recipient.email] = {
                "commitment_id": commitment_id,
                "deadline_id": deadline_id,
                "update_id": update_id,
                "deadline_due": due,
                "contact_id": recipient.contact_id,
                "follower_id": recipient.follower_id,
                "language": recipient.language,
            }

    def save(self) -> int:
        """
        Insert the reminders of the batch that the log does not hold yet; return how many.

        Reading the batch's keys first spares the insert (and the building of rows) on the sweeps that
        have nothing new, most of them; the unique constraint still settles a race with another worker.
        The keys are looked up one by one in the index on REMINDER_KEY: a batch costs what its own
        reminders do, however long the log has grown.
        """
        if not self.rows:
            return 0
        keys = [" ".join(key) for key in self.rows]
        planned = Reminder.objects.alias(key=REMINDER_KEY).filter(key__in=keys).order_by()
        for key in planned.values_list("kind", "subject", "occurrence", "email"):
            self.rows.pop(key, None)
        now = timezone.now()
        new = [
            Reminder(
                kind=kind, subject=subject, occurrence=occurrence, email=email, next_attempt_at=now, **fields
            )
            for (kind, subject, occurrence, email), fields in self.rows.items()
        ]
        Reminder.objects.bulk_create(new, ignore_conflicts=True)
        self.rows = {}
        return len(new)


def chased(on: datetime.date):
    """
    Return the commitments reminders may be about on `on`: public, neither achieved nor withdrawn (as
    `overdue` and `stale` define them), and not on hold.
    """
    return Commitment.objects.public().open().exclude(reminders_paused_until__gte=on)


def plan(on: datetime.date | None = None, batch_size: int | None = None) -> int:
    """Plan the due-soon, overdue, escalation and stale reminders of day `on`; return how many are new."""
    on = on or today()
    size = batch_size or settings.TRACKER_REMINDER_BATCH
    return _plan_deadlines(on, size) + _plan_stale(on, size)


def _plan_deadlines(on: datetime.date, size: int) -> int:
    leads = sorted(settings.TRACKER_REMINDER_LEAD_DAYS)
    repeat = settings.TRACKER_OVERDUE_REPEAT_DAYS
    # Overdue reminders about this due date that went out (or failed) after the commitment's latest
    # update: the unanswered ones. Found by the index on kind, subject, due date and creation time: it
    # reads only those since the update, not every round the deadline was ever reminded of, and its
    # equalities keep the plan cheap even when the table's statistics are out of date.
    last_answer = (
        ProgressUpdate.objects.filter(commitment=OuterRef(OuterRef("commitment")))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    unanswered = (
        Reminder.objects.filter(
            kind=ReminderKind.OVERDUE,
            subject=Concat(Value("deadline:"), Cast(OuterRef("pk"), CharField())),
            deadline_due=OuterRef("due"),
            state__in=[ReminderState.SENT, ReminderState.FAILED],
        )
        .filter(created_at__gt=Coalesce(Subquery(last_answer), Value(EPOCH, output_field=DateTimeField())))
        .values("subject")
        .annotate(n=Count("occurrence", distinct=True))
        .values("n")
    )
    deadlines = (
        Deadline.objects.open()
        .with_due_date()
        .filter(due__lte=on + datetime.timedelta(days=max(leads, default=0)))
        .annotate(unanswered=Coalesce(Subquery(unanswered), 0))
        .order_by("pk")
        .values_list("pk", "commitment_id", "due", "unanswered")
    )
    planned, team = 0, editors()
    # A batch of commitments at a time, and their deadlines: each query stays small and indexed.
    for commitment_ids in in_batches(chased(on).order_by("pk").values_list("pk", flat=True), size):
        if not (batch := list(deadlines.filter(commitment__in=commitment_ids))):
            continue
        owners_of = representatives({commitment_id for _pk, commitment_id, *_rest in batch})
        planner = Planner([*team, *(r for recipients in owners_of.values() for r in recipients)])
        for pk, commitment_id, due, unanswered in batch:
            owners = owners_of.get(commitment_id, [])
            about = {"commitment_id": commitment_id, "deadline_id": pk, "due": due}
            subject = f"deadline:{pk}"
            days_left = (due - on).days
            if days_left >= 0:
                lead = next((days for days in leads if days_left <= days), None)
                if lead is not None:
                    planner.add(ReminderKind.DUE_SOON, subject, f"{due}-{lead}d", owners, **about)
                continue
            # This round only, however long ago the date passed (a first sweep sends no back rounds).
            round_ = (-days_left - 1) // repeat  # 0 on the day after, 1 a week later…
            planner.add(ReminderKind.OVERDUE, subject, f"{due}-{round_}", owners, **about)
            # Editors take over what nobody answers, or what nobody can be asked about.
            nobody = not planner.reachable(ReminderKind.OVERDUE, owners)
            if nobody or unanswered >= settings.TRACKER_ESCALATE_AFTER:
                planner.add(ReminderKind.ESCALATION, subject, f"{due}", team, **about)
        planned += planner.save()
    return planned


def _plan_stale(on: datetime.date, size: int) -> int:
    period = settings.TRACKER_STALE_AFTER_DAYS
    commitments = (
        chased(on)
        .stale(on)
        .with_latest_update()
        .order_by("pk")
        .values_list("pk", "announced_on", "latest_update_on")
    )
    planned = 0
    for batch in in_batches(commitments, size):
        owners_of = representatives(pk for pk, _announced_on, _latest in batch)
        planner = Planner(r for recipients in owners_of.values() for r in recipients)
        for pk, announced_on, latest_update_on in batch:
            last_news = latest_update_on or announced_on
            round_ = (on - last_news).days // period  # 1 after one period of silence, 2 after two…
            planner.add(
                ReminderKind.STALE, f"commitment:{pk}", f"{last_news}-{round_}", owners_of.get(pk, []),
                commitment_id=pk,
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
    owners = representatives([commitment.pk]).get(commitment.pk, [])
    planner = Planner(owners)
    stamp = timezone.now().isoformat(timespec="microseconds")
    subject = f"commitment:{commitment.pk}"
    planner.add(ReminderKind.MANUAL, subject, f"{stamp}-{by.pk}", owners, commitment_id=commitment.pk)
    return planner.save()


def plan_submission(update: ProgressUpdate) -> int:
    """
    Plan the notice that `update` waits for review, to every editor but its author: once each, as
    the log's unique key allows one "submitted" notice an update and address.
    """
    author = update.author.email.lower() if update.author_id and update.author.email else ""
    team = [editor for editor in editors() if editor.email != author]
    planner = Planner(team)
    planner.add(
        ReminderKind.SUBMITTED, f"update:{update.pk}", "submitted", team,
        commitment_id=update.commitment_id, update_id=update.pk,
    )  # fmt: skip
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
            .select_related(
                "commitment",
                "deadline__milestone",
                "contact",
                "follower__commitment",
                "follower__owner",
                "update__on_behalf_of",
            )
            .order_by("next_attempt_at", "pk")
        )
        still_due = _still_due(reminders)
        shared: dict = {}  # what messages of this batch have in common (emails.reminder_message)
        connection = _open_connection()
        outcomes: list[Outcome] = []
        recorded = 0
        try:
            for position, reminder in enumerate(reminders):
                if time.monotonic() - started >= budget:
                    _release(reminders[position:], claim)
                    break
                if reminder.pk in still_due:
                    outcomes.append(_send(reminder, connection, shared))
                else:
                    outcomes.append(Outcome(reminder.pk, ReminderState.CANCELLED))
                # Recorded every few messages, not once a batch: a worker killed outright (no
                # `finally`) can re-send at most these few after the lease, never a whole batch.
                if len(outcomes) - recorded >= settings.TRACKER_REMINDER_RECORD_EVERY:
                    _record(outcomes[recorded:], claim)
                    recorded = len(outcomes)
        finally:
            try:
                # Also when the task runs out of time mid-batch: what went out is recorded as sent.
                _record(outcomes[recorded:], claim)
            finally:
                connection.close()
        outcome.update(o.counted_as() for o in outcomes)
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
    from .following import nothing_to_tell  # following.py imports this module

    standing, shared = set(), {}
    for reminder in reminders:
        if (reminder.email, reminder.kind) in opted_out:
            continue
        if reminder.kind in FOLLOWING and not reminder.follower.confirmed_at:
            continue  # double opt-in: nothing but the confirmation before the address is confirmed
        if reminder.kind in FOLLOWING and nothing_to_tell(reminder, shared):
            continue
        if reminder.kind == ReminderKind.SUBMITTED and reminder.update.state != PublicationState.SUBMITTED:
            continue  # another editor reviewed it meanwhile
        commitment, deadline = reminder.commitment, reminder.deadline
        if reminder.kind in AUTOMATIC and commitment is not None:
            on_hold = commitment.reminders_paused_until and commitment.reminders_paused_until >= on
            if on_hold or commitment.is_closed() or not commitment.is_public:
                continue
            if deadline is not None and (deadline.is_done or deadline.due_date() != reminder.deadline_due):
                continue
        standing.add(reminder.pk)
    return standing


class Outcome(NamedTuple):
    """What became of one claimed reminder, as `_record` writes it."""

    pk: int
    state: str
    retry_in: datetime.timedelta | None = None  # when pending again: tried anew this long after
    error: str = ""

    def counted_as(self) -> str:
        """Return what `deliver` counts it as: sent, retry, failed or cancelled."""
        return "retry" if self.state == ReminderState.PENDING else self.state


def _send(reminder: Reminder, connection, shared: dict) -> Outcome:
    """Send one reminder; return its outcome: sent, tried again later with a doubling delay, or failed."""
    try:
        reminder_message(reminder, connection, shared).send()
    except SoftTimeLimitExceeded:
        raise  # the task ran out of time: this row stays "sending" and is retried after its lease
    except Exception as error:  # any failure of the mail server: recorded, retried, never dropped
        logger.warning("Reminder %s failed (attempt %s): %s", reminder.pk, reminder.attempts, error)
        connection.close()  # the next message opens a fresh one
        # A round is MAX_ATTEMPTS tries; `attempts` counts them over every round (`retry_failed`).
        tried_this_round = (reminder.attempts - 1) % settings.TRACKER_REMINDER_MAX_ATTEMPTS + 1
        if tried_this_round >= settings.TRACKER_REMINDER_MAX_ATTEMPTS:
            return Outcome(reminder.pk, ReminderState.FAILED, error=str(error)[:2000])
        delay = settings.TRACKER_REMINDER_RETRY_SECONDS * 2 ** (tried_this_round - 1)
        return Outcome(
            reminder.pk, ReminderState.PENDING, datetime.timedelta(seconds=delay), str(error)[:2000]
        )
    return Outcome(reminder.pk, ReminderState.SENT)


def _record(outcomes: list[Outcome], claim) -> None:
    """
    Record outcomes, one UPDATE per distinct outcome (all those sent in one; `sent_at` is when they
    are recorded), only on the rows this run still holds: a run whose lease ran out, and
    whose rows another run took over, writes nothing over theirs.
    """
    now = timezone.now()
    pks_by_outcome = defaultdict(list)
    for outcome in outcomes:
        pks_by_outcome[outcome.state, outcome.retry_in, outcome.error].append(outcome.pk)
    for (state, retry_in, error), pks in pks_by_outcome.items():
        fields = {"state": state, "claimed_by": None, "next_attempt_at": now + retry_in if retry_in else None}
        if state == ReminderState.SENT:
            fields.update(sent_at=now, last_error="")
        elif state != ReminderState.CANCELLED:  # a cancelled row keeps the error it had, if any
            fields.update(last_error=error)
        Reminder.objects.filter(pk__in=pks, claimed_by=claim).update(**fields)


def _release(reminders: list[Reminder], claim) -> None:
    """Hand back claimed reminders this run has no time left to send (their attempt does not count)."""
    Reminder.objects.filter(pk__in=[r.pk for r in reminders], claimed_by=claim).update(
        state=ReminderState.PENDING, claimed_by=None, attempts=F("attempts") - 1
    )


def retry_failed() -> int:
    """
    Give the reminders that failed a round of tries less than TRACKER_REMINDER_FAILED_ROUNDS times
    another round, now; return how many. Each sweep does, so that mail which failed during an outage
    of the mail server goes out once it ends; one that keeps failing (an address that bounces) stays
    failed after those rounds, for an editor to send again (`send_again`).
    """
    most = settings.TRACKER_REMINDER_MAX_ATTEMPTS * settings.TRACKER_REMINDER_FAILED_ROUNDS
    # Only those planned in the last day: the rounds fit in it, and a reminder that failed longer ago
    # ("due in 7 days", days later) is news no longer; an editor may still send it again.
    recent = timezone.now() - datetime.timedelta(days=1)
    failed = Reminder.objects.filter(state=ReminderState.FAILED, attempts__lt=most, created_at__gte=recent)
    return failed.update(state=ReminderState.PENDING, next_attempt_at=timezone.now())


def send_again(reminders) -> int:
    """Give failed `reminders` (a queryset) one more round of tries, now (an editor's choice)."""
    failed = reminders.filter(state=ReminderState.FAILED)
    return failed.update(state=ReminderState.PENDING, next_attempt_at=timezone.now(), claimed_by=None)


def sweep(on: datetime.date | None = None) -> Counter:
    """
    Plan the day's reminders, give those that failed another round, and send what is due: what the
    periodic task and the command run.
    """
    planned = plan(on)
    retried = retry_failed()
    outcome = deliver()
    logger.info("Reminders: %s planned, %s failed tried again, %s", planned, retried, dict(outcome))
    return Counter(planned=planned, **outcome)
