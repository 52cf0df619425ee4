from django.core.management.base import BaseCommand

from tracker import reminders


class Command(BaseCommand):
    help = (
        "Plan today's reminders and send what is due, as the Celery beat schedule does (for cron when "
        "there is no broker). Safe to run as often as you like: nothing is ever sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--digest", action="store_true", help="Also send this week's editors' digest.")

    def handle(self, *args, digest=False, **options):
        outcome = reminders.sweep()
        if digest:
            outcome["planned"] += reminders.plan_digest()
            outcome.update(reminders.deliver())
        self.stdout.write(
            ", ".join(f"{key}: {value}" for key, value in sorted(outcome.items())) or "nothing to do"
        )
