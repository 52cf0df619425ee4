"""
How many reminders a crash sends twice: a real Celery worker (prefork, `--concurrency 2`, beat inside)
on PostgreSQL and Redis sends a few hundred due reminders to an SMTP server on loopback (aiosmtpd) that
counts what it receives per recipient and subject; in mid-sweep the worker and its children get
SIGKILL, and once the lease is over a new worker sends the rest. Then the server's counts say how many
went out twice, and the log whether any is missing.

    .venv/bin/python bench/crash.py                     # 5 kills, worst case printed
    .venv/bin/python bench/crash.py --runs 10 --record-every 5
    .venv/bin/python bench/crash.py --cost              # what recording more often costs a sweep

The kill comes when the server has received a number of messages drawn at random (seeded: `--seed`)
between a tenth and nine tenths of them. The bound to compare with is TRACKER_REMINDER_RECORD_EVERY
per worker process (docs/reminders.md, "Exactly once"). `--cost` sends the same reminders in this
process, without Celery, at each value of `--record-every` in turn, and times the delivery.

Uses its own database (CRASH_DATABASE_URL, default the local `bench_crash`, created if missing) and
Redis database 12 (CRASH_REDIS_URL), emptied first. Results go to bench/results/crash-<time>.json.
Like run.py, this measures and asserts nothing.
"""

import argparse
import collections
import datetime
import email.header
import json
import os
import pathlib
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE_URL = os.environ.get("CRASH_DATABASE_URL", "postgres://root@127.0.0.1:5432/bench_crash")
REDIS_URL = os.environ.get("CRASH_REDIS_URL", "redis://127.0.0.1:6379/12")
CONTACTS = 3  # representatives of each commitment's lead owner: one reminder each
PREFIX = "crash-"


def environment(**overrides: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "summit.settings",
        "DEBUG": "0",
        "SECRET_KEY": "crash-only-" + "z8x7c6" * 10,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SITE_URL": "https://tracker.example",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_USE_TLS": "0",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


class Sink:
    """An SMTP server on loopback counting the messages it accepts, per recipient and subject."""

    def __init__(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.lock = threading.Lock()
        self.received: collections.Counter = collections.Counter()
        self.total = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content)
        subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
        with self.lock:
            for to in envelope.rcpt_tos:
                self.received[to, subject] += 1
                self.total += 1
        return "250 OK"

    def reset(self):
        with self.lock:
            self.received.clear()
            self.total = 0

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


def setup_django(sink: Sink) -> None:
    """Create the database if needed, migrate it, and configure Django in this process on it."""
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')
    env = environment(EMAIL_PORT=str(sink.port))
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(reminders: int) -> None:
    """Keep `reminders` // CONTACTS commitments, each a day past an unmet deadline, with their contacts."""
    from tests.factory import make_commitment, make_deadline, make_owner
    from tracker.dates import today
    from tracker.models import Commitment, Owner, OwnerContact

    wanted = reminders // CONTACTS
    if Commitment.objects.filter(slug__startswith=PREFIX).count() == wanted:
        return
    Commitment.objects.filter(slug__startswith=PREFIX).delete()
    Owner.objects.filter(slug__startswith=PREFIX).delete()
    recent = today() - datetime.timedelta(days=10)  # not yet stale: only "deadline passed" is due
    for n in range(wanted):
        owner = make_owner(slug=f"{PREFIX}owner-{n}", name=f"Crash owner {n}")
        OwnerContact.objects.bulk_create(
            OwnerContact(owner=owner, email=f"rep-{n}-{k}@crash.example", language="en", name=f"Rep {k}")
            for k in range(CONTACTS)
        )
        commitment = make_commitment(owner=owner, slug=f"{PREFIX}{n}", announced_on=recent)
        make_deadline(commitment, slug=f"{PREFIX}{n}", due_on=today() - datetime.timedelta(days=1))


def replan() -> int:
    """Empty the reminder log and plan today's reminders again: all of them due now."""
    from tracker import reminders
    from tracker.models import Reminder

    Reminder.objects.all()._raw_delete(Reminder.objects.db)
    return reminders.plan()


def start_worker(sink: Sink, options, folder: pathlib.Path, name: str) -> subprocess.Popen:
    """`celery -A summit worker -B --concurrency N`, sweeping every second, in a session of its own."""
    env = environment(
        EMAIL_PORT=str(sink.port),
        REMINDER_SWEEP_SECONDS="1",
        REMINDER_DELIVER_SECONDS="1",
        TRACKER_REMINDER_LEASE_SECONDS=str(options.lease),
        TRACKER_REMINDER_RECORD_EVERY=str(options.record_every[0]),
        LOG_LEVEL="INFO",
    )
    command = [
        str(pathlib.Path(PYTHON).parent / "celery"), "-A", "summit", "worker", "-B",
        "--pool=prefork", f"--concurrency={options.concurrency}", "--without-mingle", "--without-gossip",
        "--loglevel=INFO", "-s", str(folder / f"beat-{name}"),
    ]  # fmt: skip
    log = open(folder / f"worker-{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def states() -> dict:
    from tracker.models import Reminder

    return dict(collections.Counter(Reminder.objects.values_list("state", flat=True)))


def one_kill(sink: Sink, options, kill_at: int, folder: pathlib.Path, run: int) -> dict:
    """One sweep killed after `kill_at` messages, finished by a new worker after the lease."""
    import redis

    from tracker.choices import ReminderState
    from tracker.models import Reminder

    redis.Redis.from_url(REDIS_URL).flushdb()
    planned = replan()
    sink.reset()
    worker = start_worker(sink, options, folder, f"{run}-first")
    deadline = time.monotonic() + 120
    while sink.total < kill_at and time.monotonic() < deadline:
        time.sleep(0.0005)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker, its pool's processes and beat, at once
    worker.wait()
    killed = time.monotonic()
    time.sleep(0.5)  # messages in flight reach the server, or not
    at_kill = {"received": sink.total, "log": states()}
    time.sleep(max(0.0, options.lease + 1 - (time.monotonic() - killed)))
    worker = start_worker(sink, options, folder, f"{run}-after")
    try:
        deadline = time.monotonic() + 120
        while Reminder.objects.exclude(state=ReminderState.SENT).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # a few more sweeps: nothing more may arrive
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
    with sink.lock:
        received = dict(sink.received)
    twice = sum(count - 1 for count in received.values())
    return {
        "planned": planned,
        "kill_at": kill_at,
        "received_at_kill": at_kill["received"],
        "log_at_kill": at_kill["log"],
        "received": sum(received.values()),
        "distinct": len(received),
        "duplicates": twice,
        "most_copies": max(received.values(), default=0),
        "log_after": states(),
    }


def kills(sink: Sink, options) -> dict:
    chance = random.Random(options.seed)
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(options.runs):
            kill_at = chance.randint(options.reminders // 10, options.reminders * 9 // 10)
            result = one_kill(sink, options, kill_at, pathlib.Path(folder), run)
            runs.append(result)
            print(
                f"run {run + 1}: killed after {result['received_at_kill']} of {result['planned']} messages "
                f"(log then: {result['log_at_kill']}); {result['duplicates']} sent twice, "
                f"{result['planned'] - result['distinct']} missing, log after: {result['log_after']}",
                flush=True,
            )
    bound = options.record_every[0] * options.concurrency
    worst = max(run["duplicates"] for run in runs)
    print(
        f"worst case: {worst} sent twice (bound: TRACKER_REMINDER_RECORD_EVERY {options.record_every[0]} "
        f"× {options.concurrency} processes = {bound}); "
        f"{max(run['planned'] - run['distinct'] for run in runs)} missing at most"
    )
    return {"runs": runs, "worst": worst, "bound": bound}


DELIVER = """
import time
import django
django.setup()
from django.db import connection
from tracker import reminders
count = 0
def counter(execute, sql, params, many, context):
    global count
    count += 1
    return execute(sql, params, many, context)
with connection.execute_wrapper(counter):
    started = time.perf_counter()
    outcome = reminders.deliver(limit=10**9, budget=10**9)
    seconds = time.perf_counter() - started
print(f"DELIVER seconds={seconds:.3f} queries={count} sent={outcome['sent']}")
"""


def cost(sink: Sink, options) -> dict:
    """
    Time `deliver` over the same reminders at each RECORD_EVERY, alternately, each in a process of its
    own (the server's thread would compete with it for this one's interpreter lock); medians.
    """
    seconds, queries = collections.defaultdict(list), {}
    for _round in range(options.rounds):
        for every in options.record_every:
            planned = replan()
            sink.reset()
            env = environment(EMAIL_PORT=str(sink.port), TRACKER_REMINDER_RECORD_EVERY=str(every))
            output = subprocess.run(
                [PYTHON, "-c", DELIVER], cwd=ROOT, env=env, check=True, capture_output=True, text=True
            ).stdout
            line = next(line for line in output.splitlines() if line.startswith("DELIVER"))
            values = dict(part.split("=") for part in line.split()[1:])
            assert int(values["sent"]) == planned == sink.total, (line, planned, sink.total)
            seconds[every].append(float(values["seconds"]))
            queries[every] = int(values["queries"])
    rows = {}
    for every in options.record_every:
        median = statistics.median(seconds[every])
        rows[every] = {
            "seconds": seconds[every],
            "median_seconds": round(median, 3),
            "ms_per_message": round(median * 1000 / planned, 2),
            "queries": queries[every],
        }
        print(
            f"record every {every}: {median:.2f} s for {planned} messages "
            f"({median * 1000 / planned:.2f} ms each; rounds {rows[every]['seconds']}), "
            f"{queries[every]} queries"
        )
    return {"planned": planned, "rows": rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=300, help="How many are due (rounded to 3s).")
    parser.add_argument("--runs", type=int, default=5, help="Kills, one a run.")
    parser.add_argument("--concurrency", type=int, default=2, help="The worker's processes.")
    parser.add_argument("--lease", type=int, default=10, help="TRACKER_REMINDER_LEASE_SECONDS.")
    parser.add_argument(
        "--record-every", default="20", help="TRACKER_REMINDER_RECORD_EVERY (--cost: comma-separated values)."
    )
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--cost", action="store_true", help="Time a sweep at each --record-every instead.")
    parser.add_argument("--rounds", type=int, default=3, help="--cost: alternating rounds.")
    options = parser.parse_args()
    options.record_every = [int(value) for value in options.record_every.split(",")]
    sink = Sink()
    sink.start()
    try:
        setup_django(sink)
        seed(options.reminders)
        results = {
            "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "commit": subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip(),
            "options": vars(options),
            **(cost(sink, options) if options.cost else kills(sink, options)),
        }
    finally:
        sink.stop()
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    name = "crash-cost" if options.cost else "crash"
    path = folder / f"{name}-{datetime.datetime.now(datetime.UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
