"""
Reminders on the real thing: a Celery worker with beat (a separate process, as in production) on the
local Redis, the test database on PostgreSQL, and a real SMTP server on loopback (aiosmtpd).

Beat runs the sweep every second. The test asserts who received what, that further sweeps send
nothing twice, that a stopped SMTP server means retries and then a failed record, and that mail flows
again once the server is back.
"""

import datetime
import email
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from tests.conftest import editors_group, need_service
from tests.factory import make_commitment, make_deadline, make_owner
from tracker import reminders
from tracker.choices import ReminderKind, ReminderState
from tracker.dates import today
from tracker.models import OwnerContact, Reminder

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# A Redis database of its own, emptied first: one for each test process (pytest-xdist's gw0, gw1…),
# since this test and tests/test_following_e2e.py may run at once, and a worker must never take the
# other test's tasks (to a database that is not its own). Not 12 nor 13: deploy/smoke.py's and the
# benchmark's.
_PROCESS = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_DB = f"redis://127.0.0.1:6379/{(14, 15, 11, 10, 9, 8, 7, 6)[_PROCESS % 8]}"


def redis_up() -> bool:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_DB, socket_connect_timeout=1)
        client.flushdb()
        return True
    except Exception:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An SMTP server on loopback that keeps what it receives; it can be stopped and started again."""

    def __init__(self, port: int):
        self.port, self.messages, self.controller = port, [], None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos[0], email.message_from_bytes(envelope.content)))
        return "250 OK"

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def subjects(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for to, message in self.messages:
            decoded = email.header.make_header(email.header.decode_header(message["Subject"]))
            found.setdefault(to, []).append(str(decoded))
        return found


def wait_for(condition, timeout=45, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def inbox():
    inbox = Inbox(free_port())
    inbox.start()
    yield inbox
    if inbox.controller._thread is not None:
        inbox.stop()


@pytest.fixture
def worker(inbox, tmp_path):
    """`celery -A summit worker -B` against Redis and the test database, sweeping every second."""
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    need_service(redis_up(), "Redis on 127.0.0.1:6379")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "summit.settings",
        "DEBUG": "0",
        "SECRET_KEY": "e2e-only-" + "q7w8e9" * 10,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": REDIS_DB,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(inbox.port),
        "EMAIL_USE_TLS": "0",
        "REMINDER_SWEEP_SECONDS": "1",
        "REMINDER_DELIVER_SECONDS": "1",
        "TRACKER_REMINDER_RETRY_SECONDS": "1",
        "TRACKER_REMINDER_MAX_ATTEMPTS": "4",
        # One round: with a sweep a second, further rounds would follow at once (they are tested in
        # tests/test_reminders.py, by the hour).
        "TRACKER_REMINDER_FAILED_ROUNDS": "1",
        "SITE_URL": "https://tracker.example",
    }
    command = [
        os.path.join(os.path.dirname(sys.executable), "celery"), "-A", "summit", "worker", "-B",
        "--pool=solo", "--without-mingle", "--without-gossip", "--loglevel=INFO",
        "-s", str(tmp_path / "beat-schedule"),
    ]  # fmt: skip
    with open(tmp_path / "worker.log", "w") as log:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        yield process
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    print((tmp_path / "worker.log").read_text()[-4000:])  # shown when the test fails


def test_reminders_go_out_once_through_the_broker_and_survive_a_mail_server_outage(inbox, worker):
    editor = User.objects.create_user("ed", "ed@tracker.example", is_staff=True)
    editor.groups.add(editors_group())
    owner = make_owner(slug="gpai")
    OwnerContact.objects.create(owner=owner, email="lea@gpai.example", language="fr", name="Léa")
    OwnerContact.objects.create(owner=owner, email="desk@gpai.example", language="en")
    commitment = make_commitment(owner=owner, announced_on=today() - datetime.timedelta(days=10))
    make_deadline(commitment, slug="soon", due_on=today() + datetime.timedelta(days=5))
    make_deadline(commitment, slug="late", due_on=today() - datetime.timedelta(days=1))

    # Beat's first sweeps: one due-soon and one overdue reminder to each representative.
    wait_for(lambda: len(inbox.messages) >= 4, what="the first reminders")
    time.sleep(4)  # several more sweeps: nothing more may arrive
    received = inbox.subjects()
    assert sorted(received) == ["desk@gpai.example", "lea@gpai.example"]
    assert sorted(received["desk@gpai.example"]) == [
        f"Coming up: {commitment.title_en} · Summit Tracker",
        f"Deadline passed: {commitment.title_en} · Summit Tracker",
    ]
    assert len(received["lea@gpai.example"]) == 2 and len(inbox.messages) == 4
    assert Reminder.objects.filter(state=ReminderState.SENT).count() == 4

    # The mail server goes down: a reminder is tried, retried with backoff, then marked failed.
    inbox.stop()
    reminders.plan_now(commitment, by=editor)
    failed = Reminder.objects.filter(kind=ReminderKind.MANUAL)
    wait_for(lambda: failed.filter(state=ReminderState.FAILED).count() == 2, what="the failed record")
    assert set(failed.values_list("attempts", flat=True)) == {4}
    assert all(
        "refused" in error.lower() or "connect" in error.lower()
        for error in failed.values_list("last_error", flat=True)
    )

    # Another one, still being retried when the server comes back, goes out then.
    time.sleep(1.1)  # a new occurrence (manual reminders are stamped to the second)
    reminders.plan_now(commitment, by=editor)
    retried = Reminder.objects.filter(kind=ReminderKind.MANUAL).exclude(state=ReminderState.FAILED)
    wait_for(lambda: all(a >= 2 for a in retried.values_list("attempts", flat=True)), what="a retry")
    inbox.start()
    wait_for(lambda: retried.filter(state=ReminderState.SENT).count() == 2, what="delivery after the outage")
    assert len(inbox.messages) == 6
