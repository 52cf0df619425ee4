from django.core.management.base import BaseCommand, CommandError

from tracker import pagecache
from tracker.models import Commitment

SHOWN = 20  # slugs named in the report; the count covers the rest


class Command(BaseCommand):
    help = (
        "Find the commitments whose stored first open due date (what the overdue lists and filters read) "
        "differs from their deadlines, and write it again. Model saves and deletes keep it right; run this "
        "after SQL that wrote deadlines or milestones by hand, or a partial restore. --check only reports."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit with an error when a commitment's date differs (for monitoring).",
        )

    def handle(self, *args, check=False, **options):
        drifted = Commitment.objects.first_open_due_drifted()
        # A few slugs to look into; after a bad restore there may be thousands.
        names = list(drifted.order_by("slug").values_list("slug", flat=True)[:SHOWN])
        if not names:
            self.stdout.write("Every commitment's first open due date matches its deadlines.")
            return
        if check:
            count = drifted.count()
            raise CommandError(f"{count} commitment(s) differ from their deadlines: {named(names, count)}.")
        written = drifted.refresh_first_open_due()
        pagecache.bump()  # an UPDATE sends no signal: the pages that show what is overdue change
        self.stdout.write(
            f"Wrote the first open due date of {written} commitment(s) again: {named(names, written)}."
        )


def named(names: list[str], count: int) -> str:
    """The slugs found, and how many more there are."""
    return ", ".join(names) + (f" and {count - len(names)} more" if count > len(names) else "")
