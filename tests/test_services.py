"""The real services this project runs on in production: PostgreSQL and Redis.

CI sets REQUIRE_SERVICES=1 and DATABASE_URL to the local PostgreSQL, so these fail there rather than skip.
"""

import socket
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache
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
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = 'deadline_open_due_idx'")
        ((name, definition),) = cursor.fetchall()
    assert "WHERE (NOT is_done)" in definition


def test_the_redis_cache_backend_works_against_the_local_redis():
    need_service(redis_is_up(), "Redis on 127.0.0.1:6379")
    cache = RedisCache(f"redis://{REDIS[0]}:{REDIS[1]}/0", {})
    key = f"summit-test-{uuid.uuid4()}"
    cache.set(key, {"status": "achieved"}, timeout=10)
    try:
        assert cache.get(key) == {"status": "achieved"}
    finally:
        cache.delete(key)
