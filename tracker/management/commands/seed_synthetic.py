"""
Fill the database with synthetic commitments at the scale the tracker must serve (benchmarks, load
tests): deterministic for a given --seed, written with bulk inserts, each kind with a progress bar.

Synthetic rows carry the slug prefix "syn-" and skip the history tables (bulk inserts send no
signals); `--replace` deletes the previous synthetic rows first. The summit's own data is untouched.
"""

import datetime
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker import pagecache
from tracker.choices import (
    Axis,
    CommitmentKind,
    OwnerKind,
    PublicationState,
    Role,
    Status,
)
from tracker.models import (
    Commitment,
    Deadline,
    Decision,
    Evidence,
    Involvement,
    Milestone,
    Owner,
    OwnerContact,
    ProgressUpdate,
    Reading,
    Reminder,
    ReportedReading,
    Target,
)

PREFIX = "syn-"
START = datetime.date(2024, 1, 1)
SPAN_DAYS = 3 * 365
BATCH = 5000
LANGUAGES = ["fr", "en"]
WORDS = [
    "open",
    "data",
    "compute",
    "public",
    "interest",
    "safety",
    "talent",
    "language",
    "model",
    "health",
    "climate",
    "energy",
    "education",
    "research",
    "network",
    "observatory",
    "foundation",
    "charter",
    "coalition",
    "fund",
    "tool",
    "dataset",
    "label",
    "challenge",
]


class Command(BaseCommand):
    help = "Add synthetic commitments, owners, deadlines, updates and readings (deterministic, bulk)."

    def add_arguments(self, parser):
        parser.add_argument("--commitments", type=int, default=10_000)
        parser.add_argument("--owners", type=int, default=2_000)
        parser.add_argument("--deadlines", type=int, default=50_000)
        parser.add_argument("--updates", type=int, default=200_000)
        parser.add_argument("--readings", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2025, help="The same seed gives the same data.")
        parser.add_argument("--replace", action="store_true", help="Delete earlier synthetic data first.")

    def handle(self, *args, **options):
        self.random = random.Random(options["seed"])
        started = time.monotonic()
        with transaction.atomic():
            if options["replace"]:
                self.delete_synthetic()
            elif Commitment.objects.filter(slug__startswith=PREFIX).exists():
                raise CommandError("Synthetic data is already loaded: add --replace to make it again.")
            owners = self.owners(options["owners"])
            milestones = self.milestones()
            commitments = self.commitments(options["commitments"], owners)
            self.deadlines(options["deadlines"], commitments, milestones)
            # What the deadlines' signals keep up to date, for rows inserted without them.
            Commitment.objects.filter(slug__startswith=PREFIX).refresh_first_open_due()
            self.updates(options["updates"], commitments)
            self.readings(options["readings"], commitments)
        pagecache.bump()  # bulk inserts send no signals: tell the page cache by hand
        self.stdout.write(f"Synthetic data written in {time.monotonic() - started:.1f} s.")

    # Each kind of row

    def owners(self, count: int) -> list[Owner]:
        kinds = list(OwnerKind.values)
        rows = (
            Owner(slug=f"{PREFIX}owner-{n}", name=f"Porteur {n}", name_en=f"Owner {n}", kind=self.pick(kinds))
            for n in range(count)
        )
        self.insert(Owner, rows, count, "owners")
        owners = list(Owner.objects.filter(slug__startswith=PREFIX).only("pk").order_by("pk"))
        # One contact an owner, so that reminders have someone to go to.
        contacts = (
            OwnerContact(
                owner_id=owner.pk, email=f"owner-{n}@synthetic.example", language=self.pick(["fr", "en"])
            )
            for n, owner in enumerate(owners)
        )
        self.insert(OwnerContact, contacts, count, "owners' contacts")
        return owners

    def milestones(self) -> list[Milestone]:
        rows = (
            Milestone(
                slug=f"{PREFIX}milestone-{n}",
                name_fr=f"Jalon {n}",
                name_en=f"Milestone {n}",
                date=START + datetime.timedelta(days=90 * n),
            )
            for n in range(12)
        )
        self.insert(Milestone, rows, 12, "milestones")
        return list(Milestone.objects.filter(slug__startswith=PREFIX).order_by("pk"))

    def commitments(self, count: int, owners: list[Owner]) -> list[Commitment]:
        axes, kinds, statuses = list(Axis.values), list(CommitmentKind.values), list(Status.values)

        def rows():
            for n in range(count):
                words = " ".join(self.random.sample(WORDS, 4))
                yield Commitment(
                    slug=f"{PREFIX}{n}",
                    title_fr=f"Engagement {n} : {words}",
                    title_en=f"Commitment {n}: {words}",
                    summary_fr=f"Résumé synthétique {n} ({words}).",
                    summary_en=f"Synthetic summary {n} ({words}).",
                    axis=self.pick(axes),
                    kind=self.pick(kinds),
                    status=self.pick(statuses),
                    announced_on=self.day(),
                )

        self.insert(Commitment, rows(), count, "commitments")
        commitments = list(Commitment.objects.filter(slug__startswith=PREFIX).only("pk").order_by("pk"))
        roles = [Role.SIGNATORY, Role.PARTNER, Role.FUNDER, Role.SUPPORTER]

        def involvements():
            for commitment in commitments:
                chosen = self.random.sample(owners, 1 + self.random.randrange(4))
                yield Involvement(commitment_id=commitment.pk, owner_id=chosen[0].pk, role=Role.LEAD)
                for owner in chosen[1:]:
                    yield Involvement(commitment_id=commitment.pk, owner_id=owner.pk, role=self.pick(roles))

        self.insert(Involvement, involvements(), int(count * 2.5), "owners' roles")
        return commitments

    def deadlines(self, count: int, commitments: list[Commitment], milestones: list[Milestone]):
        def rows():
            for n in range(count):
                at_milestone = self.random.random() < 0.3
                done = self.random.random() < 0.4
                yield Deadline(
                    commitment_id=commitments[n % len(commitments)].pk,
                    slug=f"{PREFIX}deadline-{n}",
                    title_fr=f"Livrable {n}",
                    title_en=f"Deliverable {n}",
                    milestone_id=self.pick(milestones).pk if at_milestone else None,
                    due_on=None if at_milestone else self.day(),
                    is_done=done,
                    done_on=self.day() if done else None,
                )

        self.insert(Deadline, rows(), count, "deadlines")

    def updates(self, count: int, commitments: list[Commitment]):
        leads = dict(
            Involvement.objects.filter(role=Role.LEAD, commitment__slug__startswith=PREFIX).values_list(
                "commitment_id", "owner_id"
            )
        )
        states = [PublicationState.PUBLISHED] * 8 + [PublicationState.SUBMITTED, PublicationState.REJECTED]
        statuses = ["", "", "", Status.IN_PROGRESS, Status.PARTIALLY_ACHIEVED, Status.ACHIEVED]

        def rows():
            for n in range(count):
                commitment = commitments[n % len(commitments)]
                state = self.pick(states)
                yield ProgressUpdate(
                    commitment_id=commitment.pk,
                    on_behalf_of_id=leads.get(commitment.pk),
                    reported_on=self.day(),
                    status=self.pick(statuses),
                    text=f"Synthetic report {n}: " + " ".join(self.random.sample(WORDS, 8)) + ".",
                    state=state,
                    rejection_reason="Synthetic." if state == PublicationState.REJECTED else "",
                )

        self.insert(ProgressUpdate, rows(), count, "progress updates")

    def readings(self, count: int, commitments: list[Commitment]):
        per_target = 10
        targets = max(count // per_target, 1)
        rows = (
            Target(
                commitment_id=commitments[n % len(commitments)].pk,
                slug=f"{PREFIX}target-{n}",
                name_fr=f"Objectif {n}",
                name_en=f"Target {n}",
                baseline=Decimal(0),
                target_value=Decimal(100),
            )
            for n in range(targets)
        )
        self.insert(Target, rows, targets, "targets")
        target_ids = list(Target.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))

        def readings():
            for n in range(count):
                step = n % per_target
                yield Reading(
                    target_id=target_ids[(n // per_target) % len(target_ids)],
                    measured_on=START + datetime.timedelta(days=30 * step),
                    value=Decimal(10 * step + self.random.randrange(10)),
                )

        self.insert(Reading, readings(), count, "readings")

    # Helpers

    def delete_synthetic(self):
        """Delete earlier synthetic rows, children first, each kind in one statement (no signals)."""
        synthetic = Commitment.objects.filter(slug__startswith=PREFIX)
        updates = ProgressUpdate.objects.filter(commitment__in=synthetic)
        children = [
            (Reminder, {"commitment__in": synthetic}),
            (Decision, {"commitment__in": synthetic}),
            (Evidence, {"update__in": updates}),
            (ReportedReading, {"update__in": updates}),
            (ProgressUpdate.marks_done.through, {"progressupdate__in": updates}),
            (Reading, {"target__commitment__in": synthetic}),
            (Target, {"commitment__in": synthetic}),
            (ProgressUpdate, {"commitment__in": synthetic}),
            (Deadline, {"commitment__in": synthetic}),
            (Involvement, {"commitment__in": synthetic}),
        ]
        for model, lookup in children:
            model.objects.filter(**lookup)._raw_delete(model.objects.db)
        synthetic._raw_delete(Commitment.objects.db)
        OwnerContact.objects.filter(owner__slug__startswith=PREFIX)._raw_delete(OwnerContact.objects.db)
        Owner.objects.filter(slug__startswith=PREFIX)._raw_delete(Owner.objects.db)
        Milestone.objects.filter(slug__startswith=PREFIX)._raw_delete(Milestone.objects.db)

    def insert(self, model, rows, expected: int, label: str):
        """Bulk-insert `rows` in batches, drawing a progress bar."""
        batch, written = [], 0
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                written += self.flush(model, batch, expected, written, label)
        written += self.flush(model, batch, expected, written, label)
        self.stdout.write(f"\r{label:<18} {written:>8} rows" + " " * 30)

    def flush(self, model, batch: list, expected: int, written: int, label: str) -> int:
        if not batch:
            return 0
        model.objects.bulk_create(batch)
        done, size = written + len(batch), len(batch)
        share = min(done / max(expected, 1), 1)
        bar = "#" * int(30 * share)
        self.stdout.write(f"\r{label:<18} [{bar:<30}] {done:>8}", ending="")
        self.stdout.flush()
        batch.clear()
        return size

    def pick(self, choices):
        return choices[self.random.randrange(len(choices))]

    def day(self) -> datetime.date:
        return START + datetime.timedelta(days=self.random.randrange(SPAN_DAYS))
