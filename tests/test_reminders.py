"""
Reminders with a frozen clock: each kind, each edge, each exactly once (tracker/reminders.py).

Mail goes to Django's in-memory outbox; tests/test_reminders_e2e.py runs the same code through a real
Celery worker, Redis and an SMTP server.
"""

import datetime
import io
import re
import smtplib
import uuid

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import editors_group, opened_hold
from tests.factory import make_commitment, make_deadline, make_milestone, make_owner, make_update
from tracker import reminders
from tracker.choices import ReminderKind, ReminderState, Role, Status
from tracker.emails import opt_out_token
from tracker.models import Commitment, Deadline, Owner, OwnerContact, Reminder, ReminderOptOut
from tracker.workspace.accounts import set_language

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 2, 15)
RECENT = datetime.date(2026, 1, 1)  # an announcement too recent to be stale in these tests


def at(day: datetime.date, hour: int = 9):
    """Travel to `day` at `hour`, Paris time."""
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_default_timezone())
    return time_machine.travel(moment, tick=False)


def sweep(day: datetime.date):
    with at(day):
        return reminders.sweep()


def sent(kind=None) -> list[tuple[str, str]]:
    """Return (kind, address) of every reminder sent so far, oldest first."""
    rows = Reminder.objects.filter(state=ReminderState.SENT).order_by("sent_at", "pk")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("occurrence", "email"))


@pytest.fixture
def owner():
    owner = make_owner(slug="gpai", name="PMIA", name_en="GPAI")
    user = User.objects.create_user("rep", "rep@gpai.example")
    OwnerContact.objects.create(owner=owner, user=user, language="fr", name="Léa")
    OwnerContact.objects.create(owner=owner, email="desk@gpai.example", language="en")
    OwnerContact.objects.create(owner=owner, email="quiet@gpai.example", receives_reminders=False)
    return owner


@pytest.fixture
def commitment(owner):
    # Announced recently and updated: only the deadline speaks in most tests.
    commitment = make_commitment(owner=owner, status=Status.IN_PROGRESS, announced_on=RECENT)
    make_deadline(commitment, slug="members", title_en="Sixty members", due_on=DUE)
    return commitment


@pytest.fixture
def editors_team():
    editor = User.objects.create_user("ed", "ed@tracker.example", is_staff=True)
    editor.groups.add(editors_group())
    return editor


def test_due_soon_at_each_lead_time_to_the_lead_owners_representatives_once(commitment):
    assert sweep(DUE - datetime.timedelta(days=31))["planned"] == 0
    sweep(DUE - datetime.timedelta(days=30))
    sweep(DUE - datetime.timedelta(days=30))  # a second sweep the same day sends nothing more
    sweep(DUE - datetime.timedelta(days=20))
    sweep(DUE - datetime.timedelta(days=7))
    sweep(DUE - datetime.timedelta(days=1))
    sweep(DUE)  # due today: the one-day reminder went yesterday; it is not overdue yet
    occurrences = [occurrence for occurrence, _email in sent(ReminderKind.DUE_SOON)]
    assert occurrences == [f"{DUE}-{lead}d" for lead in (30, 30, 7, 7, 1, 1)]
    assert {email for _o, email in sent()} == {"rep@gpai.example", "desk@gpai.example"}
    assert len(mail.outbox) == 6


def test_each_recipient_reads_their_own_language(commitment, settings):
    settings.SITE_URL = "https://tracker.example.org"
    sweep(DUE - datetime.timedelta(days=7))
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address["rep@gpai.example"].subject.startswith("Échéance proche")
    assert by_address["desk@gpai.example"].subject.startswith("Coming up")
    for address, language in [("rep@gpai.example", "fr"), ("desk@gpai.example", "en")]:
        links = re.findall(r"\w+://[^\s>]+", by_address[address].body)
        assert f"https://tracker.example.org/{language}/commitments/{commitment.slug}/log/" in links
        assert all(link.startswith(f"https://tracker.example.org/{language}/") for link in links)
    english = by_address["desk@gpai.example"]
    assert "7 days left" in english.body
    html = english.alternatives[0][0]
    assert 'lang="en"' in html and f"/en/commitments/{commitment.slug}/" in html
    assert english.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_overdue_the_day_after_then_weekly_and_escalated_when_unanswered(commitment, editors_team):
    for offset in range(0, 30):
        sweep(DUE + datetime.timedelta(days=offset))
    rounds = sorted({occurrence for occurrence, _e in sent(ReminderKind.OVERDUE)})
    assert rounds == [f"{DUE}-0", f"{DUE}-1", f"{DUE}-2", f"{DUE}-3", f"{DUE}-4"]  # days 1, 8, 15, 22, 29
    first = Reminder.objects.filter(kind=ReminderKind.OVERDUE).order_by("sent_at").first()
    assert first.sent_at.date() == DUE + datetime.timedelta(days=1)
    # Three rounds unanswered: the editors hear of it, once.
    assert sent(ReminderKind.ESCALATION) == [(f"{DUE}", "ed@tracker.example")]
    escalation = Reminder.objects.get(kind=ReminderKind.ESCALATION)
    assert escalation.sent_at.date() == DUE + datetime.timedelta(days=16)  # the day after the third


def test_an_update_answers_the_reminders_and_delays_the_escalation(commitment, editors_team, owner):
    for offset in range(1, 16):
        sweep(DUE + datetime.timedelta(days=offset))
    with at(DUE + datetime.timedelta(days=16)):
        make_update(commitment, state="submitted", on_behalf_of=owner, reported_on=DUE)
    for offset in range(16, 30):
        sweep(DUE + datetime.timedelta(days=offset))
    assert sent(ReminderKind.ESCALATION) == []  # two rounds after the answer, not three


def test_a_month_precision_deadline_is_due_on_the_last_day_of_its_month(owner):
    bratislava = make_milestone(date=datetime.date(2025, 11, 30), date_precision="month")
    commitment = make_commitment(owner=owner, announced_on=datetime.date(2025, 10, 1))
    make_deadline(commitment, milestone=bratislava)
    sweep(datetime.date(2025, 10, 30))
    assert sent() == []
    sweep(datetime.date(2025, 10, 31))
    assert {occurrence for occurrence, _e in sent()} == {"2025-11-30-30d"}
    sweep(datetime.date(2025, 11, 30))
    sweep(datetime.date(2025, 12, 1))
    assert "2025-11-30-0" in {occurrence for occurrence, _e in sent(ReminderKind.OVERDUE)}


def test_an_extended_deadline_is_reminded_of_again_at_its_new_date(commitment):
    sweep(DUE - datetime.timedelta(days=7))
    deadline = Deadline.objects.get(slug="members")
    deadline.due_on = datetime.date(2026, 6, 30)
    deadline.save()
    for offset in range(-6, 10):
        sweep(DUE + datetime.timedelta(days=offset))
    assert sent(ReminderKind.OVERDUE) == []  # no longer late
    sweep(datetime.date(2026, 6, 23))
    assert {o for o, _e in sent(ReminderKind.DUE_SOON)} == {f"{DUE}-7d", "2026-06-30-7d"}


def test_a_commitment_achieved_between_reminders_is_no_longer_chased(commitment):
    sweep(DUE + datetime.timedelta(days=1))
    Commitment.objects.filter(pk=commitment.pk).update(status=Status.ACHIEVED)
    sweep(DUE + datetime.timedelta(days=8))
    assert {o for o, _e in sent()} == {f"{DUE}-0"}


def test_a_withdrawn_commitment_is_not_chased_but_a_missed_one_still_is(commitment):
    Commitment.objects.filter(pk=commitment.pk).update(status=Status.WITHDRAWN)
    sweep(DUE + datetime.timedelta(days=1))
    assert sent() == []
    Commitment.objects.filter(pk=commitment.pk).update(status=Status.NOT_ACHIEVED)
    sweep(DUE + datetime.timedelta(days=2))  # overdue as the site counts it: the owners are asked why
    assert {o for o, _e in sent()} == {f"{DUE}-0"}


def test_an_opted_out_address_receives_no_reminder_of_that_kind(commitment, client):
    token = opt_out_token("desk@gpai.example", ReminderKind.DUE_SOON)
    page = client.get(reverse("tracker:opt_out", args=[token]))
    assert page.status_code == 200 and not ReminderOptOut.objects.exists()  # a GET changes nothing
    assert client.post(reverse("tracker:opt_out", args=[token])).status_code == 200
    assert client.get(reverse("tracker:opt_out", args=[token + "x"])).status_code == 404
    sweep(DUE - datetime.timedelta(days=7))
    sweep(DUE + datetime.timedelta(days=1))
    assert sent(ReminderKind.DUE_SOON) == [(f"{DUE}-7d", "rep@gpai.example")]
    assert {e for _o, e in sent(ReminderKind.OVERDUE)} == {"rep@gpai.example", "desk@gpai.example"}


def test_a_commitment_on_hold_is_not_reminded_of_until_its_date(commitment):
    commitment.reminders_paused_until = DUE + datetime.timedelta(days=10)
    commitment.reminders_pause_reason = "Elections"
    commitment.save()
    for offset in range(-7, 11):
        sweep(DUE + datetime.timedelta(days=offset))
    assert sent() == []
    sweep(DUE + datetime.timedelta(days=11))  # resumes by itself
    assert {o for o, _e in sent()} == {f"{DUE}-1"}


def test_nobody_to_remind_goes_straight_to_the_editors(editors_team):
    commitment = make_commitment(owner=make_owner(), role=Role.SIGNATORY, announced_on=RECENT)
    make_deadline(commitment, due_on=DUE)
    sweep(DUE - datetime.timedelta(days=7))
    assert sent() == []
    sweep(DUE + datetime.timedelta(days=1))
    assert sent() == [(f"{DUE}", "ed@tracker.example")]


def test_silence_is_reminded_of_every_stale_period(owner):
    commitment = make_commitment(owner=owner, announced_on=datetime.date(2025, 2, 10))
    sweep(datetime.date(2025, 5, 10))
    assert sent() == []
    sweep(datetime.date(2025, 5, 11))  # 90 days after the announcement
    sweep(datetime.date(2025, 6, 1))
    sweep(datetime.date(2025, 8, 9))  # 180 days
    assert sorted({o for o, _e in sent(ReminderKind.STALE)}) == ["2025-02-10-1", "2025-02-10-2"]
    make_update(commitment, reported_on=datetime.date(2025, 8, 20))
    sweep(datetime.date(2025, 9, 1))
    assert len({o for o, _e in sent(ReminderKind.STALE)}) == 2  # news resets the clock


def test_the_editors_digest_goes_once_a_week_and_lists_what_it_should(commitment, editors_team, owner):
    make_update(commitment, state="submitted", on_behalf_of=owner, reported_on=DUE)
    Reminder.objects.create(
        kind=ReminderKind.STALE, subject="x", occurrence="y", email="gone@example.org",
        state=ReminderState.FAILED, last_error="550 mailbox unavailable", commitment=commitment,
    )  # fmt: skip
    with at(DUE + datetime.timedelta(days=3)):
        reminders.plan_digest()
        reminders.deliver()
        reminders.plan_digest()  # the same week: nothing more
        reminders.deliver()
    digests = [m for m in mail.outbox if m.to == ["ed@tracker.example"]]
    assert len(digests) == 1
    body = digests[0].body
    assert "1 overdue commitment" in body or "1 engagement en retard" in body
    assert "550 mailbox unavailable" in body and commitment.title in body
    assert "1 update waits for review" in body or "attend" in body


def test_each_editor_reads_the_digest_in_their_language_with_links_to_the_site(editors_team, settings):
    settings.SITE_URL = "https://tracker.example.org"
    english = User.objects.create_user("en-ed", "en-ed@tracker.example", is_staff=True)
    english.groups.add(editors_group())
    set_language(english, "en")
    with at(DUE + datetime.timedelta(days=3)):
        reminders.plan_digest()
        reminders.deliver()
    digests = {message.to[0]: message for message in mail.outbox}
    # "ed" chose no language: the site's (French).
    assert "attend une relecture" in digests["ed@tracker.example"].body
    assert "0 updates wait for review" in digests["en-ed@tracker.example"].body
    # The colons the template writes after a translated count follow each language's typography.
    assert "\N{NO-BREAK SPACE}: https://tracker.example.org/fr/review/" in digests["ed@tracker.example"].body
    assert "review: https://tracker.example.org/en/review/" in digests["en-ed@tracker.example"].body
    for address, language in [("ed@tracker.example", "fr"), ("en-ed@tracker.example", "en")]:
        links = re.findall(r"\w+://[^\s>]+", digests[address].body)
        assert links and all(link.startswith("https://tracker.example.org/") for link in links)
        assert any(link.startswith(f"https://tracker.example.org/{language}/review/") for link in links)


class FailingBackend:
    """An SMTP server that refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def close(self):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_refused_mail_is_retried_with_backoff_then_marked_failed(commitment, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    settings.TRACKER_REMINDER_RETRY_SECONDS = 60
    settings.TRACKER_REMINDER_MAX_ATTEMPTS = 3
    start = datetime.datetime.combine(DUE - datetime.timedelta(days=7), datetime.time(9), tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        reminders.sweep()
    reminder = Reminder.objects.filter(email="desk@gpai.example").get()
    assert (reminder.state, reminder.attempts) == (ReminderState.PENDING, 1)
    assert reminder.next_attempt_at == start + datetime.timedelta(seconds=60)
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        reminders.deliver()  # too early: untouched
    reminder.refresh_from_db()
    assert reminder.attempts == 1
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        reminders.deliver()
    reminder.refresh_from_db()
    assert reminder.attempts == 2 and reminder.next_attempt_at == start + datetime.timedelta(seconds=61 + 120)
    with time_machine.travel(start + datetime.timedelta(seconds=200), tick=False):
        reminders.deliver()
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (ReminderState.FAILED, 3)
    assert "Connection unexpectedly closed" in reminder.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        reminders.deliver()
    assert mail.outbox == []  # delivering sends what is due; a failed reminder waits for the sweep
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        reminders.sweep()  # the mail server is back: the next round sends it
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (ReminderState.SENT, 4)
    assert sorted(message.to[0] for message in mail.outbox) == ["desk@gpai.example", "rep@gpai.example"]


def test_a_reminder_that_failed_more_than_a_day_ago_is_not_tried_again_by_the_sweep(commitment, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    settings.TRACKER_REMINDER_MAX_ATTEMPTS = 1
    day = DUE - datetime.timedelta(days=7)
    sweep(day)
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.FAILED}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sweep(day + datetime.timedelta(days=2))  # "due in 7 days" two days late would mislead
    assert mail.outbox == []
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.FAILED}


def test_a_reminder_that_fails_every_round_stays_failed_until_an_editor_sends_it_again(
    commitment, settings, editors_team
):
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    settings.TRACKER_REMINDER_MAX_ATTEMPTS = 1  # a round is one try here
    day = DUE - datetime.timedelta(days=7)
    for hour in range(9, 9 + settings.TRACKER_REMINDER_FAILED_ROUNDS + 2):
        with at(day, hour):
            reminders.sweep()
    reminder = Reminder.objects.filter(email="desk@gpai.example").get()
    assert (reminder.state, reminder.attempts) == (
        ReminderState.FAILED,
        settings.TRACKER_REMINDER_FAILED_ROUNDS,
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with at(day, 18):
        reminders.sweep()
    assert mail.outbox == []  # the rounds are spent: an address that keeps bouncing is not hammered
    editors_team.set_password("pw")
    editors_team.save()
    client = Client()
    client.force_login(editors_team)
    with at(day, 19):
        answer = client.post(
            reverse("admin:tracker_reminder_changelist"),
            {"action": "send_again", "_selected_action": [reminder.pk]},
            follow=True,
        )
    assert answer.status_code == 200
    assert [message.level_tag for message in answer.context["messages"]] == ["success"]
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.SENT
    assert [message.to for message in mail.outbox] == [["desk@gpai.example"]]  # the one chosen


def test_a_reminder_left_sending_by_a_dead_worker_is_sent_after_its_lease(commitment, settings):
    settings.TRACKER_REMINDER_LEASE_SECONDS = 600
    with at(DUE - datetime.timedelta(days=7)):
        reminders.plan()
        Reminder.objects.update(
            state=ReminderState.SENDING, next_attempt_at=timezone.now()
        )  # claimed, then killed
        reminders.deliver()
        assert mail.outbox == []  # another worker may still be sending it
    with at(DUE - datetime.timedelta(days=7), hour=10):
        reminders.deliver()
    assert len(mail.outbox) == 2 and set(Reminder.objects.values_list("state", flat=True)) == {"sent"}


def test_planning_costs_the_same_queries_per_batch_at_any_size(owner):
    def plan_queries(day):
        with at(day), CaptureQueriesContext(connection) as queries:
            reminders.plan()
        return len(queries)

    for _n in range(3):
        make_deadline(make_commitment(owner=owner, announced_on=RECENT), due_on=DUE)
    few = plan_queries(DUE - datetime.timedelta(days=7))
    # Up to SQLite's cap on query parameters, which splits a bulk insert of more rows in two.
    for _n in range(20):
        make_deadline(make_commitment(owner=owner, announced_on=RECENT), due_on=DUE)
    assert plan_queries(DUE - datetime.timedelta(days=1)) == few


def test_a_second_plan_the_same_day_reads_the_log_and_inserts_nothing(owner):
    for _n in range(3):
        make_deadline(make_commitment(owner=owner, announced_on=RECENT), due_on=DUE)
    with at(DUE - datetime.timedelta(days=7)):
        assert reminders.plan() == 6  # three deadlines, two representatives
        with CaptureQueriesContext(connection) as queries:
            assert reminders.plan() == 0
    assert not [q for q in queries if q["sql"].startswith("INSERT")]
    assert Reminder.objects.count() == 6


def test_the_log_is_read_by_each_reminders_whole_key(commitment, owner):
    with at(DUE - datetime.timedelta(days=7)):
        assert reminders.plan() == 2
        # The same reminder to a new address, and another lead time to the same addresses, are new.
        OwnerContact.objects.create(owner=owner, email="new@gpai.example", language="en")
        assert reminders.plan() == 1
    with at(DUE - datetime.timedelta(days=1)):
        assert reminders.plan() == 3
        assert reminders.plan() == 0
    assert sorted(Reminder.objects.values_list("occurrence", "email")) == [
        (f"{DUE}-1d", "desk@gpai.example"),
        (f"{DUE}-1d", "new@gpai.example"),
        (f"{DUE}-1d", "rep@gpai.example"),
        (f"{DUE}-7d", "desk@gpai.example"),
        (f"{DUE}-7d", "new@gpai.example"),
        (f"{DUE}-7d", "rep@gpai.example"),
    ]


@pytest.mark.parametrize(
    "backend", ["django.core.mail.backends.locmem.EmailBackend", "tests.test_reminders.FailingBackend"]
)
def test_delivering_costs_the_same_queries_per_batch_at_any_size(owner, settings, backend):
    settings.EMAIL_BACKEND = backend

    def deliver_queries(day):
        with at(day):
            reminders.plan()
            with CaptureQueriesContext(connection) as queries:
                outcome = reminders.deliver()
        return len(queries), sum(outcome.values())

    for _n in range(2):
        make_deadline(make_commitment(owner=owner, announced_on=RECENT), due_on=DUE)
    few, delivered = deliver_queries(DUE - datetime.timedelta(days=7))
    assert delivered == 4
    Reminder.objects.all().delete()  # the same again, with sixteen times the reminders
    for _n in range(30):
        make_deadline(make_commitment(owner=owner, announced_on=RECENT), due_on=DUE)
    many, delivered = deliver_queries(DUE - datetime.timedelta(days=7))
    assert delivered == 64
    # A batch: the claim (savepoint, SELECT … FOR UPDATE SKIP LOCKED, UPDATE, release), the claimed
    # rows with what the e-mails show, the opt-outs, one UPDATE for all the outcomes (all sent, or all
    # retried after the same refusal); then a claim that finds nothing (savepoint, SELECT, release).
    assert many == few == 10


class OutOfTimeBackend(locmem.EmailBackend):
    """A mail server the task runs out of time on, at the second message."""

    def send_messages(self, messages):
        if len(mail.outbox) == 1:
            raise SoftTimeLimitExceeded()
        return super().send_messages(messages)


def test_a_task_out_of_time_mid_batch_records_what_it_sent_and_sends_the_rest_once(commitment, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders.OutOfTimeBackend"
    with at(DUE - datetime.timedelta(days=7)):
        reminders.plan()
        with pytest.raises(SoftTimeLimitExceeded):
            reminders.deliver()
    states = list(Reminder.objects.order_by("pk").values_list("state", flat=True))
    assert states == [ReminderState.SENT, ReminderState.SENDING] and len(mail.outbox) == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with at(DUE - datetime.timedelta(days=7), hour=10):  # after the lease
        reminders.deliver()
    assert sorted(m.to[0] for m in mail.outbox) == ["desk@gpai.example", "rep@gpai.example"]
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.SENT}


def test_a_first_sweep_over_an_old_backlog_sends_this_round_only(commitment, editors_team):
    # Ten weeks late and silent for four months, never reminded: what any sweep would send that day.
    outcome = sweep(DUE + datetime.timedelta(days=70))
    assert sorted(sent()) == [
        (f"{RECENT}-1", "desk@gpai.example"),  # stale
        (f"{RECENT}-1", "rep@gpai.example"),
        (f"{DUE}-9", "desk@gpai.example"),  # overdue
        (f"{DUE}-9", "rep@gpai.example"),
    ]  # no back rounds, and no escalation: nobody was asked before
    assert outcome["planned"] == outcome["sent"] == 4
    assert sweep(DUE + datetime.timedelta(days=70))["planned"] == 0


def test_the_command_runs_the_same_sweep(commitment):
    with at(DUE - datetime.timedelta(days=7)):
        call_command("send_reminders", "--digest", stdout=io.StringIO())
    assert len(mail.outbox) == 2


def test_remind_now_while_the_broker_is_down_leaves_the_reminders_to_the_next_sweep(
    editor_client, commitment, monkeypatch
):
    from kombu.exceptions import OperationalError

    from tracker.tasks import deliver_reminders

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver_reminders, "delay", unreachable)  # what Celery raises with Redis down
    response = editor_client.post(reverse("tracker:remind_now", args=[commitment.slug]), follow=True)
    assert response.status_code == 200
    assert [message.level_tag for message in response.context["messages"]] == ["warning"]
    assert mail.outbox == []
    reminders.sweep()
    assert Reminder.objects.filter(kind=ReminderKind.MANUAL, state=ReminderState.SENT).count() == 2


def test_editors_remind_now_and_put_a_commitment_on_hold(editor_client, commitment):
    review = reverse("tracker:review_commitment", args=[commitment.slug])
    response = editor_client.post(reverse("tracker:remind_now", args=[commitment.slug]))
    assert response.status_code == 302 and len(mail.outbox) == 2
    assert Reminder.objects.filter(kind=ReminderKind.MANUAL, state=ReminderState.SENT).count() == 2
    page = editor_client.get(review).content.decode()
    assert "desk@gpai.example" in page  # the reminder history
    refused = editor_client.post(
        reverse("tracker:hold_reminders", args=[commitment.slug]),
        {"reminders_paused_until": "2026-03-01", "opened_version": opened_hold(commitment)},
    )
    assert refused.status_code == 400 and "reminders_pause_reason" in refused.context["hold_form"].errors
    editor_client.post(
        reverse("tracker:hold_reminders", args=[commitment.slug]),
        {
            "reminders_paused_until": "2026-03-01",
            "reminders_pause_reason": "Ministerial postponed",
            "opened_version": opened_hold(commitment),
        },
    )
    commitment.refresh_from_db()
    assert commitment.reminders_paused_until == datetime.date(2026, 3, 1)


def test_representatives_cannot_remind_or_hold(client, commitment):
    rep = User.objects.get(username="rep")
    client.force_login(rep)
    assert client.post(reverse("tracker:remind_now", args=[commitment.slug])).status_code == 403
    assert client.post(reverse("tracker:hold_reminders", args=[commitment.slug]), {}).status_code == 403
    assert not Reminder.objects.exists()


def test_the_reminder_log_is_read_only_in_the_admin(editor_client, commitment):
    sweep(DUE - datetime.timedelta(days=7))
    reminder = Reminder.objects.first()
    assert editor_client.get(reverse("admin:tracker_reminder_changelist")).status_code == 200
    assert editor_client.get(reverse("admin:tracker_reminder_add")).status_code == 403
    change = reverse("admin:tracker_reminder_change", args=[reminder.pk])
    assert editor_client.post(change, {"state": "pending"}).status_code == 403


# The summit's own data, through its milestones


def test_through_bratislava_and_the_g7_the_right_people_hear_once(editors_team):
    call_command("load_summit", verbosity=0)
    gpai = Owner.objects.get(slug="gpai")
    OwnerContact.objects.create(owner=gpai, email="secretariat@gpai.example", language="en")
    first, last = datetime.date(2025, 10, 1), datetime.date(2027, 1, 15)
    day = first
    while day <= last:
        with at(day):
            reminders.sweep()
            if day.weekday() == 0:
                reminders.plan_digest()
                reminders.deliver()
        day += datetime.timedelta(days=1)

    gpai_deadline = Deadline.objects.get(slug="sixty-members-by-bratislava")
    to_gpai = Reminder.objects.filter(email="secretariat@gpai.example", deadline=gpai_deadline)
    assert sorted(to_gpai.filter(kind=ReminderKind.DUE_SOON).values_list("occurrence", flat=True)) == [
        "2025-11-30-1d", "2025-11-30-30d", "2025-11-30-7d",
    ]  # fmt: skip
    overdue = to_gpai.filter(kind=ReminderKind.OVERDUE).order_by("sent_at")
    assert overdue.first().sent_at.date() == datetime.date(2025, 12, 1)
    assert overdue.count() == (last - datetime.date(2025, 12, 1)).days // 7 + 1  # weekly, never twice
    escalation = Reminder.objects.get(kind=ReminderKind.ESCALATION, deadline=gpai_deadline)
    # Sent on 1, 8 and 15 December, unanswered: the editors hear the next day.
    assert (escalation.email, escalation.sent_at.date()) == (
        "ed@tracker.example",
        datetime.date(2025, 12, 16),
    )
    # The G7 2026 deliverable has signatories but no lead: nobody to chase, so the editors hear at once.
    g7 = Deadline.objects.get(slug="progress-measured-by-g7-2026")
    assert list(g7.reminders.values_list("kind", "email")) == [("escalation", "ed@tracker.example")]
    assert g7.reminders.get().sent_at.date() == datetime.date(2027, 1, 1)
    # Every planned reminder went out exactly once, and the mailbox holds exactly those.
    assert not Reminder.objects.exclude(state=ReminderState.SENT).exists()
    assert len(mail.outbox) == Reminder.objects.count()
    # The outbox is in sending order, as the log is: the last digest lists GPAI's missed deadline.
    log = list(Reminder.objects.order_by("sent_at", "pk").values_list("kind", flat=True))
    last_digest = mail.outbox[len(log) - 1 - log[::-1].index(ReminderKind.DIGEST)]
    assert last_digest.to == ["ed@tracker.example"]
    assert Commitment.objects.get(slug="gpai-membership-expansion").title_fr in last_digest.body
    mondays = sum((first + datetime.timedelta(days=n)).weekday() == 0 for n in range((last - first).days + 1))
    digests = Reminder.objects.filter(kind=ReminderKind.DIGEST)
    assert digests.count() == len(set(digests.values_list("occurrence", flat=True))) == mondays


def test_titles_are_plain_in_the_subject_and_escaped_in_the_html(owner):
    # A second English contact: the sentence about the commitment is written once for both (the
    # batch shares it), each greeting is their own.
    OwnerContact.objects.create(owner=owner, email="ops@gpai.example", language="en", name="Sam <i>Ops</i>")
    commitment = make_commitment(owner=owner, title_en="R&D <b>labs</b>", announced_on=RECENT)
    make_deadline(commitment, due_on=DUE)
    sweep(DUE - datetime.timedelta(days=7))
    english = next(m for m in mail.outbox if m.to == ["desk@gpai.example"])
    assert english.subject == "Coming up: R&D <b>labs</b> · Summit Tracker"
    assert "R&D <b>labs</b>" in english.body
    html = english.alternatives[0][0]
    assert "R&amp;D &lt;b&gt;labs&lt;/b&gt;" in html and "<b>labs</b>" not in html
    ops = next(m for m in mail.outbox if m.to == ["ops@gpai.example"])
    assert ops.body.startswith("Hello Sam <i>Ops</i>,\n") and english.body.startswith("Hello,\n")
    ops_html = ops.alternatives[0][0]
    assert "<p>Hello Sam &lt;i&gt;Ops&lt;/i&gt;,\n</p>" in ops_html and "<i>" not in ops_html
    intro = "“R&D <b>labs</b>” owes"
    assert intro in ops.body and intro in english.body
    french = next(m for m in mail.outbox if m.to == ["rep@gpai.example"])
    assert (
        french.body.startswith("Bonjour Léa,\n") and "doit livrer" in french.body and intro not in french.body
    )
    assert (
        ops_html.count("R&amp;D &lt;b&gt;labs&lt;/b&gt;")
        == html.count("R&amp;D &lt;b&gt;labs&lt;/b&gt;")
        == 2
    )


def test_a_planned_reminder_lapses_after_an_opt_out_or_a_hold(commitment, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    sweep(DUE - datetime.timedelta(days=7))  # planned, and waiting for a retry
    ReminderOptOut.objects.create(email="desk@gpai.example", kind=ReminderKind.DUE_SOON)
    Commitment.objects.filter(pk=commitment.pk).update(reminders_paused_until=DUE)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with at(DUE - datetime.timedelta(days=6)):
        reminders.deliver()
    assert mail.outbox == []
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.CANCELLED}


def test_a_run_that_lost_its_claim_records_nothing(commitment, settings):
    settings.TRACKER_REMINDER_LEASE_SECONDS = 600
    with at(DUE - datetime.timedelta(days=7)):
        reminders.plan()
        first = Reminder.objects.order_by("pk").first()
        mine = uuid.uuid4()
        Reminder.objects.filter(pk=first.pk).update(state=ReminderState.SENDING, claimed_by=mine)
    with at(DUE - datetime.timedelta(days=7), hour=10):
        reminders.deliver()  # the lease is over: another run reclaims the row and sends it
    first.refresh_from_db()
    assert first.state == ReminderState.SENT and first.claimed_by is None
    # The slow first run now finishes: its outcome is not written over the other's.
    reminders._record([reminders.Outcome(first.pk, ReminderState.FAILED)], mine)
    first.refresh_from_db()
    assert first.state == ReminderState.SENT


def test_owners_who_opted_out_of_overdue_leave_it_to_the_editors(commitment, editors_team):
    for email in ("rep@gpai.example", "desk@gpai.example"):
        ReminderOptOut.objects.create(email=email, kind=ReminderKind.OVERDUE)
    sweep(DUE + datetime.timedelta(days=1))
    assert sent() == [(f"{DUE}", "ed@tracker.example")]


def test_unanswered_reminders_count_per_due_date(commitment, editors_team):
    for offset in range(1, 16):  # three rounds about the first date
        sweep(DUE + datetime.timedelta(days=offset))
    deadline = Deadline.objects.get(slug="members")
    deadline.due_on = DUE + datetime.timedelta(days=15)
    deadline.save()
    sweep(DUE + datetime.timedelta(days=16))  # the new date's first round: not yet an escalation
    assert sent(ReminderKind.ESCALATION) == []


def test_the_command_sends_the_digest_when_asked(commitment, editors_team):
    with at(DUE - datetime.timedelta(days=7)):
        out = io.StringIO()
        call_command("send_reminders", "--digest", stdout=out)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "desk@gpai.example",
        "ed@tracker.example",
        "rep@gpai.example",
    ]
    assert "sent: 3" in out.getvalue()


def test_the_digest_waits_for_monday_morning(editors_team):
    monday = datetime.date(2026, 2, 16)
    with at(monday, hour=7):
        assert reminders.plan_digest() == 0
    with at(monday, hour=8):
        assert reminders.plan_digest() == 1
    with at(monday + datetime.timedelta(days=2)):
        reminders.plan_digest()  # the same week: nothing new
    assert Reminder.objects.filter(kind=ReminderKind.DIGEST).count() == 1


class RecordWatchingBackend:
    """A mail server that notes, at each message, how many reminders the log already holds as sent."""

    seen: list[int] = []

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        pass

    def close(self):
        pass

    def send_messages(self, messages):
        RecordWatchingBackend.seen.append(Reminder.objects.filter(state=ReminderState.SENT).count())
        return len(messages)


def test_what_was_sent_is_recorded_every_few_messages_not_once_a_batch(owner, settings):
    # A worker killed outright can only re-send what it sent since its last record: a few, not a batch.
    settings.EMAIL_BACKEND = "tests.test_reminders.RecordWatchingBackend"
    settings.TRACKER_REMINDER_RECORD_EVERY = 2
    RecordWatchingBackend.seen = []
    for _n in range(3):
        make_deadline(make_commitment(owner=owner, announced_on=RECENT), due_on=DUE)
    with at(DUE - datetime.timedelta(days=7)):
        assert reminders.plan() == 6  # three deadlines, two representatives
        assert reminders.deliver()["sent"] == 6
    assert RecordWatchingBackend.seen == [0, 0, 2, 2, 4, 4]
    assert Reminder.objects.filter(state=ReminderState.SENT).count() == 6


def test_the_digests_counts_match_what_it_lists(editors_team, monkeypatch):
    # Three overdue commitments, stale too (announced long ago, never updated), and three failures;
    # the digest lists two of each and says how many more there are, and where.
    monkeypatch.setattr("tracker.emails.DIGEST_ITEMS", 2)
    set_language(editors_team, "en")
    for n in range(3):
        commitment = make_commitment(status=Status.IN_PROGRESS, announced_on=datetime.date(2025, 2, 11))
        make_deadline(commitment, due_on=DUE)
        Reminder.objects.create(
            kind=ReminderKind.STALE, subject=f"s{n}", occurrence="o", email=f"gone{n}@example.org",
            state=ReminderState.FAILED, last_error="550 mailbox unavailable", commitment=commitment,
        )  # fmt: skip
    with at(DUE + datetime.timedelta(days=3)):
        reminders.plan_digest()
        reminders.deliver()
    (digest,) = [m for m in mail.outbox if m.to == ["ed@tracker.example"]]
    body, html = digest.body, digest.alternatives[0].content
    for heading in ("3 overdue commitments", "3 stale commitments", "3 reminders failed"):
        assert heading in body
    lines = body.splitlines()
    # Each list: its heading, two items, then the rest counted and linked.
    for heading, link in (
        ("3 overdue commitments", "/review/overdue/"),
        ("3 stale commitments", "/review/overdue/"),
        ("3 reminders failed", "/admin/tracker/reminder/?state=failed"),
    ):
        at_heading = next(i for i, line in enumerate(lines) if line.startswith(heading))
        listed = lines[at_heading + 1 : at_heading + 3]
        assert all(line.startswith("- ") for line in listed), listed
        assert lines[at_heading + 3].startswith("… and 1 more: https://tracker.example.org/")
        assert lines[at_heading + 3].endswith(link)
    assert html.count("… and 1 more</a>") == 3
