"""
Celery tasks: the periodic sweeps (scheduled in settings.CELERY_BEAT_SCHEDULE) and a delivery on demand.

Each task only calls tracker/reminders.py, which claims its work in the database; a task run twice,
or by two workers, sends nothing twice. Without a broker they run eagerly, and
`manage.py send_reminders` runs the same code from cron.
"""

from celery import shared_task

from . import reminders


@shared_task
def send_reminders() -> dict:
    """Plan today's reminders and send what is due (every few minutes; cheap when nothing is)."""
    return dict(reminders.sweep())


@shared_task
def send_digest() -> dict:
    """Send this week's editors' digest: from Monday 08:00 on, once a week (beat asks every hour)."""
    planned = reminders.plan_digest()
    return {"planned": planned, **reminders.deliver()}


@shared_task
def deliver_reminders(commitment_id: int | None = None) -> dict:
    """Send what is due now: retries (every minute), or one commitment's after an editor's "remind now"."""
    only = {"commitment_id": commitment_id} if commitment_id else {}
    return dict(reminders.deliver(**only))
