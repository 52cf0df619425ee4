"""The real services this project runs on in production: PostgreSQL and Redis.

CI sets REQUIRE_SERVICES=1 and DATABASE_URL to the local PostgreSQL, so these fail there rather than skip.
"""

import os
import socket
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import need_service

REDIS = ("127.0.0.1", 6379)


def redis_is_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql():
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW timezone")
        assert cursor.fetchone()[0] in ("UTC", "Etc/UTC")  # Django stores UTC, shows Europe/Paris


@pytest.mark.django_db
def test_partial_indexes_exist_on_postgresql():
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'update_published_latest_idx'")
        ((definition,),) = cursor.fetchall()
    assert "WHERE ((state)::text = 'published'::text)" in definition


def test_redis_url_gives_a_working_cache_and_celery_broker():
    need_service(redis_is_up(), "Redis on 127.0.0.1:6379")
    key = f"summit-test-{uuid.uuid4()}"
    code = (
        "from django.core.cache import cache; from summit.celery import app; "
        f"cache.set('{key}', 'achieved', 10); print(cache.get('{key}')); cache.delete('{key}'); "
        "conn = app.connection_for_write(); conn.ensure_connection(max_retries=1); "
        "print(conn.transport_cls, app.conf.task_always_eager); conn.release()"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, "DEBUG": "1", "REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/15"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["achieved", "redis", "False"]


def test_the_health_check_answers_for_the_database_and_the_broker(client, settings, db):
    settings.REDIS_URL = ""
    assert client.get("/health/").json() == {"database": "ok", "broker": "not configured"}
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["broker"].startswith("error")
    need_service(redis_is_up(), "Redis on 127.0.0.1:6379")
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert client.get("/health/").json() == {"database": "ok", "broker": "ok"}


def test_pages_feeds_and_api_lists_answer_304_when_unchanged(client, db):
    from tests.factory import make_commitment, make_update

    make_update(make_commitment())  # a feed without items is dated "now", so it changes every time
    for address in ("/en/commitments/", "/en/feeds/updates.atom", "/api/commitments/", "/en/about/"):
        first = client.get(address)
        assert first.status_code == 200 and first.has_header("ETag"), address
        again = client.get(address, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, address
