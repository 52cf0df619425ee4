"""
The health check load balancers and process supervisors ask: does this process reach the database and,
when one is configured, the broker? No page, no session, never cached.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe


@require_safe
def health(request):
    """
    Answer 200 when this process reaches the database and, when one is configured, the broker; 503
    with what failed otherwise. For load balancers and process supervisors: no page, no session.
    """
    checks = {"database": _check(_database_answers)}
    checks["broker"] = _check(_broker_answers) if settings.REDIS_URL else "not configured"
    healthy = all(state in ("ok", "not configured") for state in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # any failure is the answer: reported, not raised
        return f"error: {type(error).__name__}"
    return "ok"


def _database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker_answers():
    from summit.celery import app

    with app.connection_for_write(settings.REDIS_URL) as broker:
        broker.ensure_connection(max_retries=1, timeout=2)
