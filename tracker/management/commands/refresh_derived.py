from django.core.management.base import BaseCommand, CommandError

from tracker import cache as page_cache
from tracker.models import Commitment

SHOWN = 20  # slugs named in the report; the count covers the rest


class Command(BaseCommand):
    help = (
        "Find the commitments whose derived fields (the first open due date that the overdue lists and "
        "filters read, and which parts each has, which its page reads) differ from their deadlines and "
        "parts, and write them again. Model saves and deletes keep them right; run this after SQL that "
        "wrote deadlines, milestones or parts by hand, or a partial restore. --check only reports."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit with an error when a commitment's fields differ (for monitoring).",
        )

    def handle(self, *args, check=False, **options):
        drifted = Commitment.objects.derived_drifted()
        # A few slugs to look into; after a bad restore there may be thousands.
        names = list(drifted.order_by("slug").values_list("slug", flat=True)[:SHOWN])
        if not names:
            self.stdout.write("Every commitment's derived fields match its deadlines and parts.")
            return
        if check:
            count = drifted.count()
            raise CommandError(
                f"{count} commitment(s) differ from their deadlines or parts: {named(names, count)}."
            )
        written = drifted.refresh_derived()
        page_cache.bump()  # an UPDATE sends no signal: what is overdue, and what a page shows, change
        self.stdout.write(
            f"Wrote the derived fields of {written} commitment(s) again: {named(names, written)}."
        )


def named(names: list[str], count: int) -> str:
    """The slugs found, and how many more there are."""
    return ", ".join(names) + (f" and {count - len(names)} more" if count > len(names) else "")
