"""
Following by e-mail: anyone may follow a commitment, an owner or the whole tracker, and hears of what
happens to it, at once or in a weekly digest, each event exactly once.

The mails go through the reminders' log and delivery (tracker/reminders.py): a follower's mail is a
`Reminder` row keyed by (kind, "follower:<pk>", occurrence, address), so the unique constraint that
keeps a reminder from going out twice keeps an event from reaching a follower twice, whatever the
number of sweeps, retries or workers; `deliver()` sends it, retries it and records the outcome.

- **Sign-up** (`sign_up`): a row, unconfirmed, and a confirmation mail with a signed link valid
  TRACKER_FOLLOW_CONFIRM_DAYS; nothing else goes to the address before it is confirmed (`confirm`),
  and sign-ups nobody confirmed are deleted after that time (`purge`).
- **Events** (`events`): what the public can see happened to a commitment, read from the stored facts
  by the functions in SOURCES. An event's key ("update:12", "decision:7") is the occurrence of its mails.
- **Plan** (`plan`, `plan_digest`): the events of the last TRACKER_FOLLOW_LOOKBACK_HOURS, to the
  immediate followers of their commitment, of one of its owners (any role) or of everything, who
  confirmed before the event; and, once a week, a digest of last week's events to each weekly follower
  who has any. Looking back over a window rather than from a cursor lets a sweep miss nothing that was
  committed late; the log's key makes seeing an event again harmless.
"""

import datetime
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .addresses import on_site
from .choices import DecisionKind, EventKind, Frequency, PublicationState, ReminderKind, Status
from .emails import make_message
from .models import (
    Assessment,
    Commitment,
    Decision,
    Follower,
    Involvement,
    Owner,
    ProgressUpdate,
    Reminder,
    Report,
    report_published,
)
from .reminders import DIGEST_HOUR, Planner, Recipient, deliver

logger = logging.getLogger(__name__)

CONFIRM_SALT = "tracker.following.confirm"
STOP_SALT = "tracker.following.stop"


@dataclass(frozen=True)
class Event:
    """Something the public can see happened to a commitment, as a follower hears of it."""

    key: str  # unique among all sources: the occurrence of the mails about it
    kind: EventKind
    commitment_id: int | None  # None: about every commitment (a checkpoint report)
    at: datetime.datetime  # when it became public
    item: object  # what the mail shows: the progress update, the decision…


def published_updates(since: datetime.datetime, until: datetime.datetime) -> Iterator[Event]:
    """
    Yield the progress updates published in [since, until): a verdict change when the status it
    reports became the commitment's new status (one mail for both), else a plain update.
    """
    updates = list(
        ProgressUpdate.objects.filter(
            state=PublicationState.PUBLISHED,
            commitment__is_public=True,
            reviewed_at__gte=since,
            reviewed_at__lt=until,
        )
        .select_related("commitment")
        .order_by("reviewed_at", "pk")
    )
    changed = _changed_status({u.commitment_id for u in updates if u.status})
    for update in updates:
        kind = EventKind.VERDICT if update.pk in changed else EventKind.UPDATE
        yield Event(f"update:{update.pk}", kind, update.commitment_id, update.reviewed_at, update)


def _changed_status(commitment_ids: set[int]) -> set[int]:
    """
    Return the updates whose assessment changed their commitment's status: when it was made, it became
    the latest of the standing assessments (in the order Commitment.refresh_verdict reads them) and its
    status differs from the one before it. An update dated before the latest verdict changes nothing.
    """
    if not commitment_ids:
        return set()
    rows = Assessment.objects.filter(commitment__in=commitment_ids, retracted_by=None).values_list(
        "commitment", "status", "update", "assessed_on", "pk", "created_at"
    )
    by_commitment = defaultdict(list)
    for row in rows:
        by_commitment[row[0]].append(row)
    changed = set()
    for history in by_commitment.values():
        for _commitment, status, update_id, _on, pk, made in history:
            if not update_id:
                continue
            # What stood when it was made, in the verdict's order: by date, then as recorded.
            then = sorted((r for r in history if r[5] <= made), key=lambda r: (r[3], r[4]))
            if then[-1][4] == pk:
                before = then[-2][1] if len(then) > 1 else Status.NOT_ASSESSED
                if status != before:
                    changed.add(update_id)
    return changed


# The decisions a follower hears of: the follow-ups are the editors' own notes.
ANNOUNCED_DECISIONS = {
    DecisionKind.EXTENDED: EventKind.EXTENDED,
    DecisionKind.MISSED: EventKind.MISSED,
    DecisionKind.ACHIEVED: EventKind.ACHIEVED,
    DecisionKind.CORRECTION: EventKind.CORRECTION,
}


def decisions(since: datetime.datetime, until: datetime.datetime) -> Iterator[Event]:
    """Yield the editors' public decisions made in [since, until): extended, missed, achieved, corrected."""
    found = (
        Decision.objects.filter(
            kind__in=list(ANNOUNCED_DECISIONS),
            commitment__is_public=True,
            created_at__gte=since,
            created_at__lt=until,
        )
        .select_related("commitment", "deadline")
        .order_by("created_at", "pk")
    )
    for decision in found:
        kind = ANNOUNCED_DECISIONS[decision.kind]
        yield Event(f"decision:{decision.pk}", kind, decision.commitment_id, decision.created_at, decision)


def reports(since: datetime.datetime, until: datetime.datetime) -> Iterator[Event]:
    """
    Yield the checkpoint reports published in [since, until): each verdicts every commitment, so every
    follower hears of it. A published report is never saved again (Report.save): its last change is
    its publication.
    """
    found = Report.objects.published().filter(updated_at__gte=since, updated_at__lt=until)
    for report in found.order_by("updated_at", "pk"):
        yield Event(f"report:{report.pk}", EventKind.REPORT, None, report.updated_at, report)


@receiver(report_published, dispatch_uid="report-followers")
def _report_published(sender, report, **kwargs):
    # Sent once the publication has committed (Report.publish): its followers hear of it at once.
    from .tasks import announce_soon  # the tasks import this module

    announce_soon()


# Where events come from. One more kind is one more function here that yields `Event`s with a key of
# its own prefix, a value of EventKind and a branch in templates/emails/_follow_event.txt.
SOURCES: list[Callable[[datetime.datetime, datetime.datetime], Iterable[Event]]] = [
    published_updates,
    decisions,
    reports,
]


def events(since: datetime.datetime, until: datetime.datetime) -> list[Event]:
    """Return every source's events in [since, until), oldest first."""
    found = [event for source in SOURCES for event in source(since, until)]
    return sorted(found, key=lambda event: (event.at, event.key))


def owners_of(commitment_ids: Iterable[int]) -> dict[int, set[int]]:
    """Return the owners of each commitment, in any role, in one query."""
    found: dict[int, set[int]] = defaultdict(set)
    involvements = Involvement.objects.filter(commitment__in=set(commitment_ids)).values_list(
        "commitment", "owner"
    )
    for commitment_id, owner_id in involvements:
        found[commitment_id].add(owner_id)
    return found


class Audience:
    """Who follows the commitments of a list of events, read in two queries, and who hears of which."""

    def __init__(self, followers, commitment_ids: Iterable[int]):
        commitment_ids = set(commitment_ids)
        self.owners_of = owners_of(commitment_ids - {None})
        owner_ids = set().union(*self.owners_of.values())
        followers = followers.confirmed()
        if None not in commitment_ids:  # an event about every commitment is everyone's
            followers = followers.filter(
                Q(commitment__in=commitment_ids) | Q(owner__in=owner_ids) | Q(commitment=None, owner=None)
            )
        self.followers = list(followers.order_by("pk"))

    def of(self, event: Event) -> list[Follower]:
        """Return the followers who hear of `event`: of it, confirmed before it happened."""
        return [f for f in self.followers if f.confirmed_at <= event.at and self.follows(f, event)]

    def follows(self, follower: Follower, event: Event) -> bool:
        return follows(follower, event, self.owners_of)


def follows(follower: Follower, event: Event, owners: dict[int, set[int]]) -> bool:
    """
    Return whether `follower` follows the commitment of `event`, itself, through an owner or all; an
    event about every commitment (a checkpoint report), every follower follows.
    """
    if event.commitment_id is None:
        return True
    if follower.commitment_id:
        return follower.commitment_id == event.commitment_id
    if follower.owner_id:
        return follower.owner_id in owners.get(event.commitment_id, ())
    return True


def _recipient(follower: Follower) -> list[Recipient]:
    return [Recipient(follower.email, follower.language, follower_id=follower.pk)]


def plan(now: datetime.datetime | None = None) -> int:
    """Plan a mail for each event of the lookback window to its immediate followers; return how many."""
    now = now or timezone.now()
    since = now - datetime.timedelta(hours=settings.TRACKER_FOLLOW_LOOKBACK_HOURS)
    found = events(since, now)
    planned = 0
    size = settings.TRACKER_REMINDER_BATCH
    for start in range(0, len(found), size):
        batch = found[start : start + size]
        audience = Audience(
            Follower.objects.filter(frequency=Frequency.IMMEDIATE), {e.commitment_id for e in batch}
        )
        planner = Planner()
        for event in batch:
            for follower in audience.of(event):
                subject = f"follower:{follower.pk}"
                # No commitment on the row: the editors' pages list a commitment's reminders, with
                # their addresses, and who follows what is not theirs to read.
                planner.add(ReminderKind.FOLLOW_NEWS, subject, event.key, _recipient(follower))
        planned += planner.save()
    return planned


def digest_week(on: datetime.date) -> tuple[str, datetime.datetime, datetime.datetime]:
    """Return the digest sent in the week of `on`: its occurrence ("2026-W50") and the week it tells of."""
    year, week, _day = on.isocalendar()
    monday = datetime.date.fromisocalendar(year, week, 1)
    until = timezone.make_aware(datetime.datetime.combine(monday, datetime.time()))
    return f"{year}-W{week:02d}", until - datetime.timedelta(days=7), until


def plan_digest(now: datetime.datetime | None = None) -> int:
    """
    Plan this week's digest of last week's events for each weekly follower who has any, from Monday
    08:00 on (as the editors' digest: once a week whatever the number of calls).
    """
    now = timezone.localtime(now)
    if now.weekday() == 0 and now.hour < DIGEST_HOUR:
        return 0
    occurrence, since, until = digest_week(now.date())
    found = events(since, until)
    if not found:
        return 0
    audience = Audience(Follower.objects.filter(frequency=Frequency.WEEKLY), {e.commitment_id for e in found})
    planner = Planner()
    for follower in audience.followers:
        if any(audience.follows(follower, event) and follower.confirmed_at <= event.at for event in found):
            planner.add(
                ReminderKind.FOLLOW_DIGEST, f"follower:{follower.pk}", occurrence, _recipient(follower)
            )
    return planner.save()


def purge(now: datetime.datetime | None = None) -> int:
    """Delete the sign-ups not confirmed within TRACKER_FOLLOW_CONFIRM_DAYS (a link's life); say how many."""
    now = now or timezone.now()
    expired = now - datetime.timedelta(days=settings.TRACKER_FOLLOW_CONFIRM_DAYS)
    _total, deleted = Follower.objects.unconfirmed_since(expired).delete()  # with their log rows
    return deleted.get(Follower._meta.label, 0)


def sweep(now: datetime.datetime | None = None) -> Counter:
    """Forget expired sign-ups, plan the followers' news and send what is due (the periodic task)."""
    purged, planned = purge(now), plan(now)
    outcome = deliver()
    logger.info("Following: %s expired sign-ups purged, %s planned, %s", purged, planned, dict(outcome))
    return Counter(purged=purged, planned=planned, **outcome)


# Sign-up, confirmation and stopping.


def sign_up(email: str, language: str, frequency: str, followed: Commitment | Owner | None = None) -> bool:
    """
    Record that `email` asks to follow `followed` (None: everything) and plan the confirmation mail;
    return whether one was planned. An address that already follows it hears nothing, and the caller
    answers the same either way: the form does not tell who follows what.
    """
    email = email.strip().lower()
    about = {
        "commitment": followed if isinstance(followed, Commitment) else None,
        "owner": followed if isinstance(followed, Owner) else None,
    }
    try:
        with transaction.atomic():
            follower, created = Follower.objects.get_or_create(
                email=email, **about, defaults={"language": language, "frequency": frequency}
            )
    except IntegrityError:  # the same sign-up, sent twice at once: the other one plans the mail
        return False
    if follower.confirmed_at:
        return False
    if not created:  # asked again before confirming: the latest choices count, and the new link's life
        follower.language, follower.frequency = language, frequency
        follower.created_at = timezone.now()  # `purge` keeps it as long as the new link is valid
        follower.save(update_fields=["language", "frequency", "created_at"])
    planner = Planner()
    stamp = timezone.now().isoformat(timespec="microseconds")
    planner.add(ReminderKind.FOLLOW_CONFIRM, f"follower:{follower.pk}", stamp, _recipient(follower))
    return planner.save() > 0


def confirm_token(follower: Follower) -> str:
    return signing.dumps({"follower": follower.pk, "email": follower.email}, salt=CONFIRM_SALT)


def stop_token(follower: Follower) -> str:
    return signing.dumps({"follower": follower.pk, "email": follower.email}, salt=STOP_SALT)


def read_token(token: str, salt: str, max_age: datetime.timedelta | None = None) -> Follower | None:
    """
    Return the follower a signed link names, or None when they are gone (stopped, or purged); raise
    signing.BadSignature when the link was forged or has expired.
    """
    data = signing.loads(token, salt=salt, max_age=max_age)
    if not isinstance(data, dict) or not isinstance(data.get("follower"), int):
        raise signing.BadSignature("Not a follower's link.")
    return Follower.objects.filter(pk=data["follower"], email=data.get("email")).first()


def follower_to_confirm(token: str) -> Follower | None:
    """Return the follower a confirmation link names (valid TRACKER_FOLLOW_CONFIRM_DAYS), as `read_token`."""
    return read_token(token, CONFIRM_SALT, datetime.timedelta(days=settings.TRACKER_FOLLOW_CONFIRM_DAYS))


def follower_to_stop(token: str) -> Follower | None:
    """Return the follower a stop link names (valid as long as they follow), as `read_token`."""
    return read_token(token, STOP_SALT)


def confirm(follower: Follower) -> None:
    """Confirm the address (again: nothing changes): from now on it hears of what happens."""
    Follower.objects.filter(pk=follower.pk, confirmed_at=None).update(confirmed_at=timezone.now())


def stop(follower: Follower) -> None:
    """Stop following: the row goes, and with it the mails not yet sent and the log of those sent."""
    follower.delete()


# The mails.


def follow_message(reminder: Reminder, connection=None, shared: dict | None = None):
    """Return a follower's mail (confirmation, news or digest), in their language, with the stop link."""
    shared = {} if shared is None else shared
    follower = reminder.follower
    with translation.override(follower.language):
        stop_url = on_site(reverse("tracker:follow_stop", args=[stop_token(follower)]))
        context = {
            "follower": follower,
            "followed": follower.followed(),
            "followed_url": on_site(follower.followed_url()),
            "stop_url": stop_url,
        }
        if reminder.kind == ReminderKind.FOLLOW_CONFIRM:
            name = "follow-confirm"
            context["confirm_url"] = on_site(
                reverse("tracker:follow_confirm", args=[confirm_token(follower)])
            )
            context["days"] = settings.TRACKER_FOLLOW_CONFIRM_DAYS
        elif reminder.kind == ReminderKind.FOLLOW_NEWS:
            name = "follow-news"
            context["event"] = _described(_event(reminder, shared))
        else:
            name = "follow-digest"
            context["events"] = [_described(event) for event in _digest_events(reminder, shared)]
    headers = {"List-Unsubscribe": f"<{stop_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return make_message(name, context, reminder.email, follower.language, connection, headers)


def nothing_to_tell(reminder: Reminder, shared: dict) -> bool:
    """
    Return True when what a follower's mail was planned to tell is gone since (the commitment made
    private, the decision deleted): `deliver` then cancels it rather than send an empty mail.
    """
    if reminder.kind == ReminderKind.FOLLOW_NEWS:
        return _event(reminder, shared) is None
    if reminder.kind == ReminderKind.FOLLOW_DIGEST:
        return not _digest_events(reminder, shared)
    return False


def _event(reminder: Reminder, shared: dict) -> Event | None:
    """The event a news mail is about, found again in the window it was planned from."""
    # It happened in the lookback window before the row was planned: read the window of the row's
    # hour, the same for the rows of a batch planned in that hour.
    hour = reminder.created_at.replace(minute=0, second=0, microsecond=0)
    key = ("follow-window", hour)
    if key not in shared:
        since = hour - datetime.timedelta(hours=settings.TRACKER_FOLLOW_LOOKBACK_HOURS)
        shared[key] = {event.key: event for event in events(since, hour + datetime.timedelta(hours=1))}
    return shared[key].get(reminder.occurrence)


def _digest_events(reminder: Reminder, shared: dict) -> list[Event]:
    year, week = (int(part) for part in reminder.occurrence.split("-W"))
    occurrence, since, until = digest_week(datetime.date.fromisocalendar(year, week, 1))
    key = ("follow-digest", occurrence)
    if key not in shared:
        found = events(since, until)
        shared[key] = (found, owners_of(e.commitment_id for e in found))
    found, owners = shared[key]
    follower = reminder.follower
    return [e for e in found if follower.confirmed_at <= e.at and follows(follower, e, owners)]


def _described(event: Event | None) -> dict | None:
    """What a mail says of an event, in the active language: its kind, its line and its link."""
    if event is None:
        return None
    item = event.item
    url = (
        item.get_absolute_url()
        if isinstance(item, ProgressUpdate | Report)
        else item.commitment.get_absolute_url()
    )
    title = item.title if isinstance(item, Report) else item.commitment.title  # what the subject names
    context = {"event": event, "kind": event.kind, "item": item, "url": on_site(url), "title": title}
    context["text"] = render_to_string("emails/_follow_event.txt", context).strip()
    return context
