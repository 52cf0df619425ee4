"""
Fill the database with synthetic commitments at the scale the tracker must serve (benchmarks, load
tests): deterministic for a given --seed, written with bulk inserts, each kind with a progress bar.

Synthetic rows carry the slug prefix "syn-" and skip the history tables (bulk inserts send no
signals); `--replace` deletes the previous synthetic rows first. The summit's own data is untouched.

Besides the counts asked for, the rows have the parts a real commitment's page shows, in fixed shares
(PARTS), so that pages and API answers do the work they do on real data: sources, stated numbers,
sums of money and public corrections on commitments; evidence links, reported readings and
deliverables marked done on updates.
"""

import datetime
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker import cache as page_cache
from tracker.choices import (
    Axis,
    CommitmentKind,
    DecisionKind,
    OwnerKind,
    PublicationState,
    Qualifier,
    Role,
    Status,
)
from tracker.models import (
    Amount,
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
    SourceDocument,
    StatedCount,
    Target,
)

PREFIX = "syn-"
START = datetime.date(2024, 1, 1)
SPAN_DAYS = 3 * 365
BATCH = 5000
SOURCES = 50
# The share of commitments, or of updates, that have each part (a real commitment has one or two
# sources; about half the reports link to evidence).
PARTS = {
    "stated count": 0.3,
    "amount": 0.3,
    "correction": 0.1,
    "evidence": 0.5,
    "reported reading": 0.1,
    "done mark": 0.05,
}
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
    help = "Add synthetic commitments, owners, deadlines, updates, readings and their parts (deterministic)."

    # How many rows of each kind by default: the scale the tracker must serve. `--scale 10` asks for ten
    # times each (100,000 commitments, 2,000,000 updates), the size the benchmark's growth is checked at.
    COUNTS = {
        "commitments": 10_000,
        "owners": 2_000,
        "deadlines": 50_000,
        "updates": 200_000,
        "readings": 100_000,
    }

    def add_arguments(self, parser):
        for name, default in self.COUNTS.items():
            parser.add_argument(f"--{name}", type=int, help=f"How many (default {default:,} × --scale).")
        parser.add_argument(
            "--scale", type=int, default=1, help="Multiply every default count (a count given is kept as is)."
        )
        parser.add_argument("--seed", type=int, default=2025, help="The same seed gives the same data.")
        parser.add_argument("--replace", action="store_true", help="Delete earlier synthetic data first.")

    def handle(self, *args, **options):
        self.random = random.Random(options["seed"])
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more.")
        counts = {
            name: default * options["scale"] if options[name] is None else options[name]
            for name, default in self.COUNTS.items()
        }
        started = time.monotonic()
        with transaction.atomic():
            if options["replace"]:
                self.delete_synthetic()
            elif Commitment.objects.filter(slug__startswith=PREFIX).exists():
                raise CommandError("Synthetic data is already loaded: add --replace to make it again.")
            owners = self.owners(counts["owners"])
            milestones = self.milestones()
            commitments = self.commitments(counts["commitments"], owners)
            self.deadlines(counts["deadlines"], commitments, milestones)
            self.updates(counts["updates"], commitments)
            self.readings(counts["readings"], commitments)
            self.commitment_parts(commitments)
            self.update_parts()
            # What the signals of deadlines and parts keep up to date, for rows inserted without them.
            Commitment.objects.filter(slug__startswith=PREFIX).refresh_derived()
        page_cache.bump()  # bulk inserts send no signals: tell the page cache by hand
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
        leads = self.leads()
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

    def commitment_parts(self, commitments: list[Commitment]):
        """Sources for every commitment; stated numbers, sums of money and corrections for some."""
        rows = (
            SourceDocument(slug=f"{PREFIX}source-{n}", title=f"Synthetic source {n}", publisher="Synthetic")
            for n in range(SOURCES)
        )
        self.insert(SourceDocument, rows, SOURCES, "sources")
        sources = list(SourceDocument.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
        links = (
            Commitment.sources.through(commitment_id=commitment.pk, sourcedocument_id=source)
            for commitment in commitments
            for source in self.random.sample(sources, 1 + self.random.randrange(2))
        )
        self.insert(Commitment.sources.through, links, int(len(commitments) * 1.5), "commitment sources")
        leads = self.leads()
        some = {
            part: int(len(commitments) * PARTS[part]) for part in ("stated count", "amount", "correction")
        }
        counts = (
            StatedCount(
                commitment_id=commitment.pk,
                role=Role.SIGNATORY,
                count=5 + self.random.randrange(100),
                qualifier=self.pick(list(Qualifier.values)),
                noun_fr="pays",
                noun_en="countries",
            )
            for commitment in self.random.sample(commitments, some["stated count"])
        )
        self.insert(StatedCount, counts, some["stated count"], "stated counts")
        amounts = (
            Amount(
                commitment_id=commitment.pk,
                slug=f"{PREFIX}amount",
                owner_id=leads.get(commitment.pk),
                amount=Decimal(1_000_000 * (1 + self.random.randrange(500))),
                currency=self.pick(["EUR", "USD"]),
                label_fr="Financement annoncé",
                label_en="Announced funding",
            )
            for commitment in self.random.sample(commitments, some["amount"])
        )
        self.insert(Amount, amounts, some["amount"], "amounts")
        corrections = (
            Decision(
                commitment_id=commitment.pk,
                kind=DecisionKind.CORRECTION,
                reason=f"Synthetic correction {n}: " + " ".join(self.random.sample(WORDS, 6)) + ".",
                language=self.pick(LANGUAGES),
                decided_on=self.day(),
            )
            for n, commitment in enumerate(self.random.sample(commitments, some["correction"]))
        )
        self.insert(Decision, corrections, some["correction"], "corrections")

    def update_parts(self):
        """Evidence links, reported readings and deliverables marked done, on some published updates."""
        synthetic = {"commitment__slug__startswith": PREFIX}
        updates = list(
            ProgressUpdate.objects.filter(state=PublicationState.PUBLISHED, **synthetic)
            .order_by("pk")
            .values_list("pk", "commitment_id")
        )
        targets = dict(Target.objects.filter(**synthetic).values_list("commitment_id", "pk"))
        done = dict(Deadline.objects.filter(is_done=True, **synthetic).values_list("commitment_id", "pk"))

        def some(part: str) -> list[tuple[int, int]]:
            return self.random.sample(updates, int(len(updates) * PARTS[part]))

        chosen = some("evidence")
        links = (
            Evidence(
                update_id=update, url=f"https://synthetic.example/evidence/{update}", title=f"Evidence {n}"
            )
            for n, (update, _) in enumerate(chosen)
        )
        self.insert(Evidence, links, len(chosen), "evidence links")
        chosen = [
            (update, commitment) for update, commitment in some("reported reading") if commitment in targets
        ]
        readings = (
            ReportedReading(
                update_id=update, target_id=targets[commitment], value=Decimal(self.random.randrange(100))
            )
            for update, commitment in chosen
        )
        self.insert(ReportedReading, readings, len(chosen), "reported readings")
        chosen = [(update, commitment) for update, commitment in some("done mark") if commitment in done]
        marks = (
            ProgressUpdate.marks_done.through(progressupdate_id=update, deadline_id=done[commitment])
            for update, commitment in chosen
        )
        self.insert(ProgressUpdate.marks_done.through, marks, len(chosen), "done marks")

    # Helpers

    def leads(self) -> dict[int, int]:
        """Return each synthetic commitment's lead owner, by their primary keys."""
        leads = Involvement.objects.filter(role=Role.LEAD, commitment__slug__startswith=PREFIX)
        return dict(leads.values_list("commitment_id", "owner_id"))

    def delete_synthetic(self):
        """Delete earlier synthetic rows, children first, each kind in one statement (no signals)."""
        synthetic = Commitment.objects.filter(slug__startswith=PREFIX)
        updates = ProgressUpdate.objects.filter(commitment__in=synthetic)
        children = [
            (Reminder, {"commitment__in": synthetic}),
            (Decision, {"commitment__in": synthetic}),
            (StatedCount, {"commitment__in": synthetic}),
            (Amount, {"commitment__in": synthetic}),
            (Commitment.sources.through, {"commitment__in": synthetic}),
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
        SourceDocument.objects.filter(slug__startswith=PREFIX)._raw_delete(SourceDocument.objects.db)

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
