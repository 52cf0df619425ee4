"""
A delivery killed outright (SIGKILL: no `finally`, nothing recorded on the way out), on PostgreSQL and a
real SMTP server on loopback: what goes out twice after the lease is exactly what the server had
accepted since the last record, never more than TRACKER_REMINDER_RECORD_EVERY, and nothing is lost.
bench/crash.py measures the same with a Celery worker's processes killed at random.
"""

import collections
import datetime
import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F

from tests.conftest import need_service
from tests.factory import make_commitment, make_deadline, make_owner
from tests.test_reminders_e2e import Inbox, free_port
from tracker import reminders
from tracker.choices import ReminderState
from tracker.dates import today
from tracker.models import OwnerContact, Reminder

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RECORD_EVERY = 5
DELIVER = "import django; django.setup(); from tracker import reminders; reminders.deliver()"


class KillingInbox(Inbox):
    """An SMTP server that kills its client, `victim`, as the `kill_at`-th message arrives."""

    victim: subprocess.Popen | None = None
    kill_at = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        answer = await super().handle_DATA(server, session, envelope)
        if self.victim is not None and len(self.messages) == self.kill_at:
            # Received, and killed before it hears "250": this message counts among those sent.
            os.kill(self.victim.pid, signal.SIGKILL)
        return answer


@pytest.fixture
def inbox():
    inbox = KillingInbox(free_port())
    inbox.start()
    yield inbox
    inbox.stop()


def deliver_in_a_process_of_its_own(inbox: KillingInbox) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "summit.settings",
        "DEBUG": "0",
        "SECRET_KEY": "crash-test-only-" + "p0o9i8" * 10,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": "",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(inbox.port),
        "EMAIL_USE_TLS": "0",
        "SITE_URL": "https://tracker.example",
        "TRACKER_REMINDER_RECORD_EVERY": str(RECORD_EVERY),
    }
    return subprocess.Popen([sys.executable, "-c", DELIVER], cwd=settings.BASE_DIR, env=env)


def test_a_killed_delivery_sends_again_only_what_it_had_not_recorded(inbox, settings):
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    owner = make_owner(slug="crash")
    for n in range(15):
        OwnerContact.objects.create(owner=owner, email=f"rep-{n:02d}@crash.example", language="en")
    commitment = make_commitment(owner=owner, announced_on=today() - datetime.timedelta(days=10))
    make_deadline(commitment, due_on=today() - datetime.timedelta(days=1))
    assert reminders.plan() == 15

    # Killed as the 13th message arrives: 10 were recorded (two records of 5), 11 to 13 were not.
    inbox.kill_at = 13
    inbox.victim = deliver_in_a_process_of_its_own(inbox)
    assert inbox.victim.wait(timeout=60) == -signal.SIGKILL
    inbox.victim = None
    log = collections.Counter(Reminder.objects.values_list("state", flat=True))
    assert log == {ReminderState.SENT: 10, ReminderState.SENDING: 5}

    # Once the lease is over, the next delivery takes the rows left "sending" and sends them.
    lease = datetime.timedelta(seconds=settings.TRACKER_REMINDER_LEASE_SECONDS + 1)
    Reminder.objects.filter(state=ReminderState.SENDING).update(next_attempt_at=F("next_attempt_at") - lease)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", inbox.port, False
    assert reminders.deliver()["sent"] == 5

    received = collections.Counter(
        (to, subject) for to, subjects in inbox.subjects().items() for subject in subjects
    )
    assert len(received) == 15  # every reminder arrived
    twice = sorted(to for (to, _subject), copies in received.items() if copies > 1)
    assert twice == ["rep-10@crash.example", "rep-11@crash.example", "rep-12@crash.example"]
    assert max(received.values()) == 2 and len(twice) <= RECORD_EVERY
