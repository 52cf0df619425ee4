from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.loader import DEFAULT_DIRECTORY, FixtureError, SummitLoader
from tracker.models import Commitment


class Command(BaseCommand):
    help = (
        "Load the summit's commitments from fixtures/summit/*.toml in one transaction. Creates what is "
        "missing and keeps what editors changed; --update rewrites from the files (statuses excepted)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory", type=Path, default=DEFAULT_DIRECTORY, help="Where the .toml files are."
        )
        parser.add_argument("--update", action="store_true", help="Rewrite existing rows from the files.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report, then roll back.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check the files (format, and every quote against its document); needs no database.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when commitments exist already (what `make run` uses, so that it never "
            "brings back rows editors deleted).",
        )

    def handle(self, *args, directory, update, dry_run, check, if_empty, **options):
        if check:
            try:
                rows = SummitLoader(directory).read()
            except FixtureError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(
                self.style.SUCCESS(f"The files are sound ({len(rows['commitment'])} commitments).")
            )
            return
        if if_empty and Commitment.objects.exists():
            self.stdout.write(
                "Commitments are loaded already; nothing to do (load_summit alone adds what is missing)."
            )
            return
        loader = SummitLoader(directory, update=update)
        try:
            counts = loader.load(dry_run=dry_run)
        except FixtureError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        for model, counter in sorted(counts.items()):
            figures = ", ".join(
                f"{counter[k]} {k}"
                for k in ("created", "updated", "set", "kept", "unchanged", "deleted")
                if counter[k]
            )
            self.stdout.write(f"{model}: {figures}")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        else:
            total = sum(
                counter["created"] + counter["updated"] + counter["deleted"] for counter in counts.values()
            )
            self.stdout.write(
                self.style.SUCCESS(f"Summit data loaded ({total} rows created, updated or deleted).")
            )
