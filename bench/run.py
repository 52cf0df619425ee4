"""
The benchmark harness: one command, a printed table, a results file to compare between runs.

    .venv/bin/python bench/run.py            # or: make bench

Against PostgreSQL (BENCH_DATABASE_URL, default the local `bench` database, created if missing) with
the summit's data and the synthetic data (manage.py seed_synthetic), it starts gunicorn with several
workers and Redis as cache, then loads each key address with wrk (Debian's `wrk`) — and, in the same
run, a view that does nothing (the framework's floor). Per address it prints requests per second,
p50/p95/p99 latency, SQL queries per request and the ratio to the floor; then the reminder sweep's
time, queries and peak memory over the same data. Results go to bench/results/<time>.json.

No timing is asserted anywhere: this measures, the test suite checks behaviour.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = pathlib.Path(PYTHON).parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://root@127.0.0.1:5432/bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

ADDRESSES = [
    ("floor (trivial view)", "/bench/floor/"),
    ("home", "/en/"),
    ("commitments", "/en/commitments/"),
    ("commitments, 2 filters + search", "/en/commitments/?axis=governance&status=in_progress&q=data"),
    ("commitment", "/en/commitments/syn-5000/"),
    ("owner", "/en/owners/syn-owner-7/"),
    ("overdue", "/en/overdue/"),
    ("API list", "/api/commitments/"),
    ("API detail", "/api/commitments/syn-5000/"),
    ("Atom feed", "/en/feeds/updates.atom"),
    ("iCalendar", "/en/calendar.ics"),
    ("CSV export", "/en/commitments.csv"),
]


def environment() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "summit.settings",
        "DEBUG": "0",
        "BENCH": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "k3j4h5" * 10),
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "API_ANON_RATE": "100000000/minute",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


def manage(*args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=environment(), check=True, text=True,
        capture_output=capture,
    )  # fmt: skip
    return result.stdout if capture else ""


def prepare(options) -> dict:
    """Create and fill the bench database when needed; return how long each step took."""
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    server = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')
    timings = {}
    manage("migrate", "--no-input", "-v0")
    manage("collectstatic", "--no-input", "-v0")
    manage("load_summit", "--if-empty", "-v0")
    count = (
        "from tracker.models import Commitment; "
        "print(Commitment.objects.filter(slug__startswith='syn-').count())"
    )
    if options.reseed or int(manage("shell", "-v", "0", "-c", count, capture=True).split()[-1]) == 0:
        started = time.monotonic()
        manage("seed_synthetic", "--replace")
        timings["seed_synthetic_seconds"] = round(time.monotonic() - started, 1)
    manage("shell", "-v", "0", "-c", "from django.core.cache import cache; cache.clear()")
    return timings


def serve(workers: int, port: int) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "summit.wsgi",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=environment(), start_new_session=True)
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not answer on /health/")


def queries(url: str) -> tuple[int, str]:
    """Return the SQL queries one request takes, and the answer's status (an error is a result too)."""
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            return int(response.headers.get("X-Queries", -1)), str(response.status)
    except urllib.error.HTTPError as error:
        return -1, str(error.code)
    except OSError as error:
        return -1, type(error).__name__


def load(url: str, seconds: int, connections: int) -> dict:
    script = pathlib.Path(__file__).with_name("percentiles.lua")
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script), url]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    values = dict(re.findall(r"(\w+)=([\d.]+)", line))
    return {
        "requests": int(values["requests"]),
        "errors": int(values["errors"]),
        "rps": float(values["rps"]),
        "p50_ms": int(values["p50"]) / 1000,
        "p95_ms": int(values["p95"]) / 1000,
        "p99_ms": int(values["p99"]) / 1000,
    }


SWEEP = """
import time, tracemalloc
import django
django.setup()
from django.db import connection
from tracker import reminders
count = 0
def counter(execute, sql, params, many, context):
    global count
    count += 1
    return execute(sql, params, many, context)
tracemalloc.start()
started = time.monotonic()
with connection.execute_wrapper(counter):
    planned = reminders.plan()
    outcome = reminders.deliver(limit=10**9, budget=10**9)
seconds = time.monotonic() - started
peak = tracemalloc.get_traced_memory()[1]
sent = outcome.get("sent", 0)
print(f"SWEEP seconds={seconds:.2f} queries={count} planned={planned} sent={sent} peak_mb={peak / 2**20:.1f}")
"""


def sweep() -> dict:
    output = subprocess.run(
        [PYTHON, "-c", SWEEP], cwd=ROOT, env=environment(), check=True, capture_output=True, text=True
    )
    line = next(line for line in output.stdout.splitlines() if line.startswith("SWEEP"))
    return {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", line)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=int, default=10, help="Load per address (after a 2-second warm-up)."
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reseed", action="store_true", help="Make the synthetic data again.")
    options = parser.parse_args()

    results = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "settings": {
            "seconds": options.seconds,
            "connections": options.connections,
            "workers": options.workers,
        },
        "setup": prepare(options),
        "addresses": {},
    }
    server = serve(options.workers, options.port)
    try:
        for label, path in ADDRESSES:
            url = f"http://127.0.0.1:{options.port}{path}"
            count, status = queries(url)
            load(url, 2, options.connections)  # warm-up
            results["addresses"][label] = {
                "path": path,
                "queries": count,
                "status": status,
                **load(url, options.seconds, options.connections),
            }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    floor = results["addresses"]["floor (trivial view)"]["rps"]
    print(f"\n{'address':<34}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'queries':>9}{'x floor':>9}")
    for label, row in results["addresses"].items():
        row["ratio_to_floor"] = round(row["rps"] / floor, 3) if floor else None
        print(
            f"{label:<34}{row['rps']:>9.1f}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}"
            f"{row['queries']:>9}{row['ratio_to_floor']:>9.2f}"
            + (f"  ({row['errors']} errors, first answer {row['status']})" if row["errors"] else "")
        )
    results["sweep"] = sweep()
    s = results["sweep"]
    print(
        f"\nreminder sweep: {s['seconds']:.1f} s, {int(s['queries'])} queries, {int(s['planned'])} planned, "
        f"{int(s['sent'])} sent, peak memory {s['peak_mb']:.1f} MB"
    )
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"{results['when'].replace(':', '')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nResults: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
