"""
The production smoke test: the processes of the Procfile, run as production runs them, on this machine.

    .venv/bin/python deploy/smoke.py        # or: make prod-smoke (needs PostgreSQL and Redis)

With production settings (DEBUG off, PostgreSQL, Redis, a file mail backend) it makes a `smoke`
database afresh and empties Redis database 12, then starts two web processes (the Procfile's gunicorn
on ports 8801 and 8802), one Celery worker and one beat, each in a process group of its own. Then,
over HTTP only:

1. an anonymous visitor reads a commitment on web B (page and API), so that any cache holds a copy;
2. a representative submits a progress update on web A with an API token, and an editor publishes it;
3. web B shows the published text within CACHE_LAG_SECONDS: caches are invalidated across processes;
4. the representative signs in on A (the form, with its CSRF token) and B knows the session;
5. beat schedules the reminder sweep, the worker sends the due-soon reminder through the broker:
   the e-mail is written and its Reminder row is "sent";
6. /health/ answers 200 on both web processes, with the database and the broker "ok".

It stops everything it started, also on failure, Ctrl-C or SIGTERM, prints each step with its time,
and on failure the log of the process concerned; it exits non-zero on any failure.
"""

import contextlib
import email
import email.header
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get("SMOKE_DATABASE_URL", "postgres://root@127.0.0.1:5432/smoke")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/12")
PORTS = {"web A": 8801, "web B": 8802}
START_SECONDS = 45
CACHE_LAG_SECONDS = 15  # the page cache is invalidated by a version bump that may lag a few seconds
REMINDER_SECONDS = 90
STOP_SECONDS = 35  # gunicorn's graceful_timeout (30 s) and a margin

SLUG, OWNER, CONTACT = "smoke-commitment", "smoke-owner", "desk@smoke-owner.example"
TITLE = "Smoke-test commitment"

# Run by `manage.py shell` against the fresh database: an editor, a representative of an owner with a
# contact address, and that owner's commitment with a deadline in five days (a "coming up" reminder).
SETUP = f"""
import datetime, json, os
from django.contrib.auth.models import Group, User
from tracker.choices import Axis, CommitmentKind, Language, OwnerKind, Role, Status
from tracker.dates import today
from tracker.models import ApiToken, Commitment, Deadline, Involvement, Owner, OwnerContact

editor = User.objects.create_user("smoke-editor", "editor@smoke.example", is_staff=True)
editor.groups.add(Group.objects.get(name="Editors"))
representative = User.objects.create_user("smoke-rep", "rep@smoke.example", os.environ["SMOKE_PASSWORD"])
owner = Owner.objects.create(slug="{OWNER}", name="Smoke Owner", kind=OwnerKind.COUNTRY)
OwnerContact.objects.create(owner=owner, user=representative, email="{CONTACT}", language=Language.ENGLISH)
commitment = Commitment.objects.create(
    slug="{SLUG}", title_fr="Engagement du test", title_en="{TITLE}", summary_fr="Résumé.",
    summary_en="Summary.", axis=Axis.GOVERNANCE, kind=CommitmentKind.INITIATIVE,
    status=Status.IN_PROGRESS, announced_on=today() - datetime.timedelta(days=10),
)
Involvement.objects.create(commitment=commitment, owner=owner, role=Role.LEAD)
Deadline.objects.create(
    commitment=commitment, slug="pilot", title_fr="Pilote", title_en="Pilot",
    due_on=today() + datetime.timedelta(days=5),
)
# create() returns the token and its key, of which only a digest is stored.
tokens = {{
    user.username: ApiToken.objects.create(user, scope="write")[1] for user in (editor, representative)
}}
print(json.dumps(tokens))
"""


class Failure(Exception):
    """A step found something wrong; `blame` names the processes whose logs explain it."""

    def __init__(self, message: str, blame: tuple[str, ...] = ()):
        super().__init__(message)
        self.blame = blame


class Process:
    """One line of the Procfile, started through the shell (as Procfile runners do) in its own session."""

    def __init__(self, name: str, command: str, env: dict, log: Path):
        self.name, self.command, self.log = name, command, log
        with open(log, "wb") as output:
            # exec: the command itself leads the process group, and gets the signals sent to it.
            self.popen = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def group_alive(self) -> bool:
        try:
            os.killpg(self.popen.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def terminate(self):
        """Ask for a graceful stop: SIGTERM to the leader, which stops its own children."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float) -> str:
        """Wait for the leader to exit; kill the whole group if it lingers or left children behind."""
        try:
            outcome = f"exited {self.popen.wait(timeout=timeout)}"
        except subprocess.TimeoutExpired:
            outcome = f"still running after {timeout:.0f} s: killed"
        if self.group_alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
            outcome += ", group killed"
        return outcome


@dataclass
class Answer:
    status: int
    headers: dict
    body: str
    cookies: dict

    def json(self):
        return json.loads(self.body)


# No proxy from the environment for loopback, and redirects are answers to check, not to follow.
class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _KeepRedirects)


def http(url: str, *, token="", data=None, form=None, cookies=None) -> Answer:
    """Send one request (a POST with `data` as JSON or `form`); return the answer, errors included."""
    headers = {"Accept-Language": "en"}
    body = None
    if token:
        headers["Authorization"] = f"Token {token}"
    if data is not None:
        body, headers["Content-Type"] = json.dumps(data).encode(), "application/json"
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookies:
        # Set by hand: production's cookies are Secure, which a cookie jar keeps off plain HTTP.
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        response = _opener.open(request, timeout=20)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return Answer(
            response.getcode(),
            dict(response.headers),
            response.read().decode(errors="replace"),
            {name: morsel.value for name, morsel in jar.items()},
        )


def wait_until(check, timeout: float, interval: float = 0.5):
    """Call `check` until it returns something true; return that, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except OSError:  # not listening yet
            result = None
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


class Smoke:
    """The run: its temporary folder, its processes, and the report of its steps."""

    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="summit-smoke-"))
        self.mail = self.tmp / "mail"
        self.mail.mkdir()
        self.processes: dict[str, Process] = {}
        self.steps: list[tuple[str, float, str]] = []
        self.started = time.monotonic()
        self.password = secrets.token_urlsafe(16)
        self.text = f"Smoke check {secrets.token_hex(4)}: the pilot runs in three regions."
        self.env = {
            # A clean environment, as a deployment's: nothing from the shell changes the settings.
            **{name: os.environ[name] for name in ("HOME", "LANG", "TMPDIR") if name in os.environ},
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            "PYTHONUNBUFFERED": "1",  # logs in the order things happened
            "DJANGO_SETTINGS_MODULE": "summit.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SITE_URL": f"http://127.0.0.1:{PORTS['web A']}",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "REMINDER_SWEEP_SECONDS": "5",
            "REMINDER_DELIVER_SECONDS": "2",
            "HOST": "127.0.0.1",
            # Two gunicorn workers each rather than 2 × CPUs + 1: still several, and light on a CI runner.
            "WEB_CONCURRENCY": "2",
            "BEAT_SCHEDULE": str(self.tmp / "celerybeat-schedule"),
        }

    # The report

    @contextlib.contextmanager
    def step(self, title: str, watch: bool = True):
        """Time a step and report it; after it, every process must still be running (when `watch`)."""
        started = time.monotonic()
        try:
            yield
            if watch:
                self.check_processes()
        except BaseException:
            self._record(title, time.monotonic() - started, "FAILED")
            raise
        self._record(title, time.monotonic() - started, "ok")

    def _record(self, title: str, seconds: float, outcome: str):
        self.steps.append((title, seconds, outcome))
        print(f"  {outcome:<6} {seconds:6.1f} s  {title}", flush=True)

    def check_processes(self):
        for name, process in self.processes.items():
            if not process.alive():
                raise Failure(f"{name} exited ({process.popen.returncode})", blame=(name,))

    # Helpers

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, "SMOKE_PASSWORD": self.password},
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode:
            raise Failure(f"manage.py {' '.join(args[:1])} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def url(self, web: str, path: str) -> str:
        return f"http://127.0.0.1:{PORTS[web]}{path}"

    # The steps

    def services(self):
        try:
            with psycopg.connect(self._server_url(), connect_timeout=3):
                pass
        except psycopg.Error as error:
            raise Failure(f"PostgreSQL does not answer at {self._server_url()}: {error}") from error
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as error:
            raise Failure(f"Redis does not answer at {REDIS_URL}: {error}") from error
        for name, port in PORTS.items():
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    raise Failure(
                        f"port {port} ({name}) is taken: a smoke run left behind? (ps aux | grep gunicorn)"
                    )

    def _server_url(self) -> str:
        return DATABASE_URL.rsplit("/", 1)[0] + "/postgres"

    def fresh_stores(self):
        name = DATABASE_URL.rsplit("/", 1)[1]
        # This drops a database: only one named for the purpose.
        if "smoke" not in name:
            raise Failure(f"refusing to drop database {name!r}: its name must contain 'smoke'")
        with psycopg.connect(self._server_url(), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{name}"')
        redis.Redis.from_url(REDIS_URL).flushdb()

    def release(self):
        """What a deploy runs once before starting a release's processes (docs/deployment.md)."""
        self.manage("migrate", "--no-input", "-v0")
        self.manage("collectstatic", "--no-input", "-v0")

    def data(self):
        self.tokens = json.loads(self.manage("shell", "-v0", "-c", SETUP).strip().splitlines()[-1])

    def start(self):
        procfile = {}
        for line in (ROOT / "Procfile").read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                kind, command = line.split(":", 1)
                procfile[kind.strip()] = command.strip()
        wanted = {"web A": "web", "web B": "web", "worker": "worker", "beat": "beat"}
        for name, kind in wanted.items():
            env = {**self.env, "PORT": str(PORTS.get(name, ""))}
            log = self.tmp / f"{name.replace(' ', '-')}.log"
            self.processes[name] = Process(name, procfile[kind], env, log)
            print(f"         started {name} (pid {self.processes[name].popen.pid}): {procfile[kind]}")
        self.beat_started = time.monotonic()
        for name in PORTS:
            if not wait_until(lambda name=name: self._healthy(name) or self._dead(name), START_SECONDS):
                raise Failure(f"{name} did not answer /health/ in {START_SECONDS} s", blame=(name,))
            self.check_processes()
        # Celery says when it is ready; beat, when it starts sending.
        for name, ready in (("worker", r"celery@\S+ ready\."), ("beat", r"beat: Starting")):
            found = wait_until(
                lambda name=name, ready=ready: (
                    re.search(ready, self.processes[name].output()) or self._dead(name)
                ),
                START_SECONDS,
            )
            if not found:
                raise Failure(f"{name} was not ready in {START_SECONDS} s", blame=(name,))
            self.check_processes()

    def _healthy(self, web: str) -> bool:
        return http(self.url(web, "/health/")).status == 200

    def _dead(self, name: str) -> bool:
        return not self.processes[name].alive()

    def read_before(self):
        page, api = self._read("web B")
        if page.status != 200 or TITLE not in page.body:
            raise Failure(f"web B: commitment page answered {page.status} without its title", ("web B",))
        if api.status != 200 or api.json()["latest_update"] is not None:
            raise Failure(f"web B: API detail answered {api.status}: {api.body[:300]}", ("web B",))
        if self.text in page.body:
            raise Failure("web B shows the update before it was published", ("web B",))

    def _read(self, web: str) -> tuple[Answer, Answer]:
        """Return the commitment's public page and its API answer, as an anonymous visitor gets them."""
        page = http(self.url(web, f"/en/commitments/{SLUG}/"))
        return page, http(self.url(web, f"/api/commitments/{SLUG}/"))

    def submit(self):
        update = {"commitment": SLUG, "on_behalf_of": OWNER, "text": self.text}
        answer = http(self.url("web A", "/api/updates/"), token=self.tokens["smoke-rep"], data=update)
        if answer.status != 201 or answer.json().get("state") != "submitted":
            raise Failure(
                f"web A: POST /api/updates/ answered {answer.status}: {answer.body[:500]}", ("web A",)
            )
        self.update_id = answer.json()["id"]

    def publish(self):
        path = f"/api/updates/{self.update_id}/publish/"
        answer = http(self.url("web A", path), token=self.tokens["smoke-editor"], data={})
        if answer.status != 200 or answer.json().get("state") != "published":
            raise Failure(f"web A: POST {path} answered {answer.status}: {answer.body[:500]}", ("web A",))

    def read_after(self) -> str:
        def published_on_b():
            page, api = self._read("web B")
            latest = api.json().get("latest_update") if api.status == 200 else None
            return self.text in page.body and latest is not None and latest["text"] == self.text

        started = time.monotonic()
        if not wait_until(published_on_b, CACHE_LAG_SECONDS):
            page, api = self._read("web B")
            latest = api.json().get("latest_update") if api.status == 200 else api.body[:300]
            raise Failure(
                f"web B still lacks the published update after {CACHE_LAG_SECONDS} s: the page ("
                f"{page.status}) has the text: {self.text in page.body}; the API ({api.status}) has "
                f"latest_update: {latest}",
                ("web B", "web A"),
            )
        return f"after {time.monotonic() - started:.1f} s"

    def session(self):
        login = self.url("web A", "/en/accounts/login/")
        form = http(login)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        if form.status != 200 or not match or "csrftoken" not in form.cookies:
            raise Failure(f"web A: sign-in page answered {form.status} without a CSRF token", ("web A",))
        fields = {"username": "smoke-rep", "password": self.password, "csrfmiddlewaretoken": match[1]}
        signed_in = http(login, form=fields, cookies={"csrftoken": form.cookies["csrftoken"]})
        if signed_in.status != 302 or "sessionid" not in signed_in.cookies:
            raise Failure(f"web A: signing in answered {signed_in.status}, not a redirect", ("web A",))
        mine = http(self.url("web B", "/en/me/"), cookies={"sessionid": signed_in.cookies["sessionid"]})
        if mine.status != 200 or TITLE not in mine.body:
            raise Failure(f"web B: /en/me/ with A's session answered {mine.status}", ("web B",))

    def reminder(self) -> str:
        def delivered():
            with psycopg.connect(DATABASE_URL) as db:
                states = db.execute(
                    "SELECT state FROM tracker_reminder WHERE email = %s AND kind = 'due_soon'", [CONTACT]
                ).fetchall()
            return [state for (state,) in states] == ["sent"] and self._mail_to(CONTACT)

        subjects = wait_until(delivered, REMINDER_SECONDS)
        if not subjects:
            raise Failure(
                f"no reminder to {CONTACT} after {REMINDER_SECONDS} s: beat sends "
                "tracker.tasks.send_reminders every 5 s to the broker, the worker runs it (see their logs)",
                ("beat", "worker"),
            )
        expected = f"Coming up: {TITLE} · Summit Tracker"
        if subjects != [expected]:
            raise Failure(f"reminders to {CONTACT}: {subjects}, expected [{expected!r}]", ("worker",))
        if "tracker.tasks.send_reminders" not in self.processes["worker"].output():
            raise Failure("the worker's log does not show the sweep task", ("worker",))
        return f"{time.monotonic() - self.beat_started:.1f} s after beat started"

    def _mail_to(self, address: str) -> list[str]:
        """Return the subjects of the e-mails to `address` the file backend wrote."""
        subjects = []
        for path in sorted(self.mail.glob("*.log")):
            for raw in path.read_text().split("\n" + "-" * 79 + "\n"):
                message = email.message_from_string(raw)
                if message["To"] == address:
                    subject = email.header.make_header(email.header.decode_header(message["Subject"]))
                    subjects.append(str(subject))
        return subjects

    def health(self):
        for web in PORTS:
            answer = http(self.url(web, "/health/"))
            if answer.status != 200 or answer.json() != {"database": "ok", "broker": "ok"}:
                raise Failure(f"{web}: /health/ answered {answer.status}: {answer.body}", (web,))

    def stop(self) -> str:
        for process in self.processes.values():
            process.terminate()
        outcomes = {name: process.wait_stopped(STOP_SECONDS) for name, process in self.processes.items()}
        left = [name for name, process in self.processes.items() if process.group_alive()]
        if left or any("killed" in outcome for outcome in outcomes.values()):
            raise Failure(f"not stopped cleanly: {outcomes}; still running: {left}", tuple(outcomes))
        return ", ".join(f"{name} {outcome}" for name, outcome in outcomes.items())


def main() -> int:
    def interrupted(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    smoke = Smoke()
    print(f"Production smoke test (database {DATABASE_URL}, Redis {REDIS_URL}, logs in {smoke.tmp})")
    failure: BaseException | None = None
    try:
        with smoke.step("PostgreSQL and Redis answer; ports 8801 and 8802 free"):
            smoke.services()
        with smoke.step("fresh database and Redis"):
            smoke.fresh_stores()
        with smoke.step("release: migrate, collectstatic"):
            smoke.release()
        with smoke.step("data: an editor, a representative, a commitment due in 5 days"):
            smoke.data()
        with smoke.step("start the Procfile: web A :8801, web B :8802, worker, beat"):
            smoke.start()
        with smoke.step("web B: anonymous read of the commitment (page and API) before publishing"):
            smoke.read_before()
        with smoke.step("web A: the representative submits an update (API, token)"):
            smoke.submit()
        with smoke.step("web A: the editor publishes it (API, token)"):
            smoke.publish()
        with smoke.step("web B: the published text is on the page and in the API"):
            lag = smoke.read_after()
        print(f"         (seen {lag})")
        with smoke.step("sessions: signed in on web A (form, CSRF), known on web B"):
            smoke.session()
        with smoke.step("reminder: beat -> broker -> worker -> e-mail, row sent"):
            took = smoke.reminder()
        print(f"         (sent {took})")
        with smoke.step("/health/ on web A and B: database ok, broker ok"):
            smoke.health()
    except (Exception, KeyboardInterrupt) as error:
        failure = error
    finally:
        # A second Ctrl-C or SIGTERM must not interrupt the stopping and leave processes behind.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        try:
            with smoke.step("stop every process group", watch=False):
                print(f"         ({smoke.stop()})")
        except Failure as error:
            failure = failure or error
    return report(smoke, failure)


def report(smoke: Smoke, failure: BaseException | None) -> int:
    total = time.monotonic() - smoke.started
    if failure is None:
        print(f"Production smoke test passed: {len(smoke.steps)} steps in {total:.1f} s.")
        shutil.rmtree(smoke.tmp, ignore_errors=True)
        return 0
    print(f"\nProduction smoke test FAILED after {total:.1f} s: {failure or type(failure).__name__}")
    if not isinstance(failure, Failure | KeyboardInterrupt):
        traceback.print_exception(failure)
    blame = getattr(failure, "blame", ())
    for name, process in smoke.processes.items():
        if name in blame or process.popen.returncode not in (0, -signal.SIGTERM, None):
            command = shlex.quote(process.command)
            print(f"\n--- log of {name} ({command}), last lines; whole log: {process.log} ---")
            print(process.tail())
    return 1


if __name__ == "__main__":
    sys.exit(main())
