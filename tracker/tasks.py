"""
Celery tasks: the periodic sweeps (scheduled in settings.CELERY_BEAT_SCHEDULE) and a delivery on demand.

Each task only calls tracker/reminders.py, which claims its work in the database; a task run twice,
or by two workers, sends nothing twice. Without a broker they run eagerly, and
`manage.py send_reminders` runs the same code from cron.
"""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from . import following, reminders

logger = logging.getLogger(__name__)


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


@shared_task
def announce() -> dict:
    """Tell the followers what happened: purge expired sign-ups, plan their news, send what is due."""
    return dict(following.sweep())


@shared_task
def send_follow_digest() -> dict:
    """Send this week's followers' digests: from Monday 08:00 on, once a week (beat asks every hour)."""
    planned = following.plan_digest()
    return {"planned": planned, **reminders.deliver()}


def announce_soon() -> bool:
    """
    Ask a worker to tell the followers at once, after a publication or a decision; return False when
    the broker cannot be reached (the periodic `announce` then does it).
    """
    try:
        announce.delay()
    except OperationalError as error:
        logger.warning("Followers' news left for the next sweep: the broker cannot be reached (%s).", error)
        return False
    return True


def deliver_soon(commitment_id: int | None = None) -> bool:
    """
    Ask a worker to send what is due now (`deliver_reminders`); return False when the broker cannot
    be reached. The rows wait in the database meanwhile, and the next sweep sends them: an editor's
    "remind now" is not lost, and does not fail, while Redis is down.
    """
    try:
        deliver_reminders.delay(commitment_id)
    except OperationalError as error:
        logger.warning("Reminders left for the next sweep: the broker cannot be reached (%s).", error)
        return False
    return True
