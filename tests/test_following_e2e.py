"""
Following on the real thing, as tests/test_reminders_e2e.py runs reminders: a Celery worker with beat on
the local Redis, the test database on PostgreSQL, and a real SMTP server on loopback (aiosmtpd).

Beat runs the followers' sweep every second. The test signs two addresses up, confirms one through the
link it received, publishes an update, and asserts that only the confirmed address hears of it, once,
and that the one-click stop in its headers stops the next one.
"""

import email.header
import re
import time

import pytest
from django.utils import timezone

from tests import test_reminders_e2e as e2e
from tests.factory import make_commitment, make_update
from tracker import following
from tracker.choices import Frequency, ReminderKind, ReminderState
from tracker.models import Follower, Reminder

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The worker, the SMTP server and the waiting of tests/test_reminders_e2e.py.
inbox, worker, wait_for = e2e.inbox, e2e.worker, e2e.wait_for
WORKER_SECRET_KEY = "e2e-only-" + "q7w8e9" * 10  # as tests/test_reminders_e2e.py gives the worker


@pytest.fixture
def fast_sweeps(monkeypatch):
    """The followers' sweep every second in the worker (its fixture copies this environment)."""
    monkeypatch.setenv("FOLLOW_SWEEP_SECONDS", "1")


def text_of(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def received(mailbox, address: str) -> list:
    return [message for to, message in mailbox.messages if to == address]


def test_followers_hear_of_a_publication_once_and_only_once_confirmed(
    fast_sweeps, inbox, worker, client, settings
):
    settings.SECRET_KEY = WORKER_SECRET_KEY  # the links the worker signs are opened here
    commitment = make_commitment(slug="watched")
    following.sign_up("ann@example.org", "en", Frequency.IMMEDIATE, commitment)
    following.sign_up("bob@example.org", "fr", Frequency.IMMEDIATE, commitment)

    # The worker sends the confirmations; Ann opens hers and confirms; Bob never does.
    wait_for(lambda: len(inbox.messages) >= 2, what="the confirmation mails")
    [confirmation] = received(inbox, "ann@example.org")
    link = re.search(r"https://tracker\.example(/en/follow/confirm/\S+/)", text_of(confirmation)).group(1)
    assert client.post(link).status_code == 200
    assert Follower.objects.get(email="ann@example.org").confirmed_at is not None

    make_update(commitment, reviewed_at=timezone.now())
    wait_for(lambda: len(received(inbox, "ann@example.org")) >= 2, what="the news")
    time.sleep(4)  # several more sweeps: nothing more may arrive
    news = received(inbox, "ann@example.org")[1]
    subject = str(email.header.make_header(email.header.decode_header(news["Subject"])))
    assert subject == f"News: {commitment.title_en} · Summit Tracker"
    assert len(received(inbox, "ann@example.org")) == 2
    assert len(received(inbox, "bob@example.org")) == 1  # the confirmation alone
    sent = Reminder.objects.filter(kind=ReminderKind.FOLLOW_NEWS, state=ReminderState.SENT)
    assert list(sent.values_list("email", flat=True)) == ["ann@example.org"]

    # Her mail program's one-click stop (RFC 8058): a POST to the header's link.
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = re.sub(r"\s+", "", str(news["List-Unsubscribe"]))
    stop = re.search(r"<https://tracker\.example(/[^>]+)>", header).group(1)
    assert client.post(stop, {"List-Unsubscribe": "One-Click"}).status_code == 200
    make_update(commitment, reviewed_at=timezone.now())
    time.sleep(4)
    assert len(received(inbox, "ann@example.org")) == 2
