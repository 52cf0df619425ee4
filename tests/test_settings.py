"""Settings from the environment: production refuses unsafe configuration and passes the deploy check."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings

from summit.celery import app

BASE_DIR = settings.BASE_DIR
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "p" + "r0duct10n-k3y-" * 5,
    "ALLOWED_HOSTS": "tracker.example.org",
    "SITE_URL": "https://tracker.example.org",
    "DATABASE_URL": "postgres://tracker@db.example.org:5432/tracker",
    "REDIS_URL": "redis://cache.example.org:6379/0",
    "EMAIL_HOST": "smtp.example.org",
}


def manage(*args, **env):
    # The environment of a deployment: none of the test run's own variables.
    test_only = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in test_only}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "summit.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("key", ["", "short", "django-insecure-" + "x" * 60, "a" * 60])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    # The command the message gives makes a key that production takes.
    (command,) = re.findall(r"\((python3 -c .+)\)\.", result.stderr)
    made = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True).stdout.strip()
    assert manage("check", **{**PRODUCTION, "SECRET_KEY": made}).returncode == 0


def production_process(*command: str, **env) -> subprocess.CompletedProcess:
    """Run one of the Procfile's processes as production does: no DEBUG, nothing but `env` set."""
    clean = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), command[0]), *command[1:]],
        cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [
        (
            "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
            "summit.wsgi",
        ),
        ("celery", "-A", "summit", "worker", "--pool=solo", "--without-mingle", "--without-gossip"),
    ],
    ids=["gunicorn", "celery"],
)
def test_production_processes_refuse_to_start_without_a_secret_key(command):
    # Whatever development settings `make run` left in .env beside the code: only manage.py reads them.
    result = production_process(*command, ALLOWED_HOSTS="tracker.example.org", SITE_URL="https://t.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stdout + result.stderr


def test_production_refuses_to_start_without_the_sites_address():
    result = manage("check", **{**PRODUCTION, "SITE_URL": ""})
    assert result.returncode != 0 and "SITE_URL must be the address" in result.stderr
    result = manage("check", **{**PRODUCTION, "SITE_URL": "tracker.example.org/fr/"})
    assert result.returncode != 0 and "SITE_URL must be the address" in result.stderr


def test_the_deploy_check_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_settings_come_from_the_environment():
    code = (
        "from django.conf import settings as s; "
        "db = s.DATABASES['default']; "
        "print(db['ENGINE'], db['HOST'], s.CACHES['default']['BACKEND'], s.CELERY_BROKER_URL, "
        "s.CELERY_TASK_ALWAYS_EAGER, s.ALLOWED_HOSTS, s.EMAIL_BACKEND, s.DEBUG)"
    )
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-8:] == [
        "django.db.backends.postgresql",
        "db.example.org",
        "django_redis.cache.RedisCache",
        "redis://cache.example.org:6379/0",
        "False",
        "['tracker.example.org']",
        "django.core.mail.backends.smtp.EmailBackend",
        "False",
    ]


def test_postgresql_sessions_run_without_the_jit_compiler_and_prepare_their_statements():
    code = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS'])"
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "{'options': '-c jit=off', 'server_side_binding': True, 'prepare_threshold': 5}"
    )
    # Behind a pooler that cannot keep prepared statements, parameters are bound by psycopg again.
    result = manage("shell", "-c", code, **PRODUCTION, DB_PREPARE_THRESHOLD="0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "{'options': '-c jit=off'}"


def test_with_redis_sessions_are_shared_through_the_cache_and_kept_in_the_database():
    code = "from django.conf import settings as s; print(s.SESSION_ENGINE)"
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "django.contrib.sessions.backends.cached_db"


def test_a_fresh_checkout_runs_locally_on_sqlite_with_eager_tasks():
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.TIME_ZONE, s.USE_TZ)"
    )
    result = manage("shell", "-c", code, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["django.db.backends.sqlite3", "True", "Europe/Paris", "True"]


def test_celery_reads_its_settings_from_django():
    assert app.main == "summit"
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.timezone == "Europe/Paris"
