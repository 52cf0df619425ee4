"""
Loads the summit's data (fixtures/summit/*.toml, format in fixtures/README.md) into the database.

The load is one transaction: the first bad row raises `FixtureError` naming its file, table, position
and slug, and nothing is written. Every row is validated, including rows already in the database.
Rows are matched on natural keys (slugs, and a commitment's owner and role), so loading twice creates
nothing the second time. By default rows already in the database are left as editors keep them
("kept" when they differ from the files); `update=True` rewrites the fields the files give, except
what the tracker's own work changes after the first load: a commitment's status (set by published
updates) and whether a deliverable is done.
"""

import copy
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation

from .choices import Status
from .dates import DatePrecision, parse_fuzzy_date
from .models import (
    Amount,
    Commitment,
    Deadline,
    Involvement,
    Milestone,
    Owner,
    Reading,
    SourceDocument,
    StatedCount,
    Target,
)

DEFAULT_DIRECTORY = settings.BASE_DIR / "fixtures" / "summit"
CHANGE_REASON = "Loaded from the summit's data files"

# The keys each table may hold; anything else is a typo worth stopping for.
KEYS = {
    "source": {"slug", "title", "publisher", "published", "file", "is_reference", "url"},
    "milestone": {"slug", "name_fr", "name_en", "date", "place", "description_fr", "description_en"},
    "owner": {"slug", "name", "name_en", "short_name", "kind", "country", "website", "note"},
    "commitment": {
        "slug", "axis", "kind", "status", "announced", "parent", "sources", "title_fr", "title_en",
        "summary_fr", "summary_en", "description_fr", "description_en", "notes", "owners", "counts",
        "amounts", "deadlines", "targets",
    },
    "owners": {"owner", "role", "since", "note"},
    "counts": {"role", "count", "qualifier", "noun_fr", "noun_en"},
    "amounts": {"slug", "amount", "currency", "qualifier", "period", "owner", "label_fr", "label_en"},
    "deadlines": {"slug", "title_fr", "title_en", "milestone", "due", "done", "note"},
    "targets": {
        "slug", "name_fr", "name_en", "unit_fr", "unit_en", "currency", "baseline", "baseline_date",
        "target", "qualifier", "milestone", "due", "readings",
    },
    "readings": {"date", "value", "note"},
}  # fmt: skip


class FixtureError(Exception):
    """A row of the data files that cannot be loaded; the message says which and why."""


@dataclass
class Row:
    path: Path
    table: str
    position: int
    data: dict

    def __str__(self):
        slug = self.data.get("slug")
        return f"{self.path.name}: [[{self.table}]] #{self.position}" + (f" ({slug})" if slug else "")

    def error(self, message: str, part: str = "") -> FixtureError:
        return FixtureError(f"{self}{' ' + part if part else ''}: {message}")


class Rollback(Exception):
    """Raised inside the transaction to undo a dry run."""


class SummitLoader:
    def __init__(self, directory: Path = DEFAULT_DIRECTORY, *, update: bool = False):
        self.directory = Path(directory)
        self.update = update
        self.counts: dict[str, Counter] = defaultdict(Counter)

    @translation.override("en")  # messages for whoever maintains the files, in the files' language
    def load(self, *, dry_run: bool = False) -> dict[str, Counter]:
        """Load every file; return {model name: Counter(created=…, updated=…, unchanged=…)}."""
        rows = self.read()
        try:
            with transaction.atomic():
                for row in rows["source"]:
                    self.load_source(row)
                for row in rows["milestone"]:
                    self.load_milestone(row)
                for row in rows["owner"]:
                    self.load_owner(row)
                # Commitments first, then their parents (a child may come before its parent), then
                # what hangs off them.
                commitments = [(row, self.load_commitment(row)) for row in rows["commitment"]]
                for row, commitment in commitments:
                    self.link_parent(row, commitment)
                for row, commitment in commitments:
                    self.load_children(row, commitment)
                if dry_run:
                    raise Rollback
        except Rollback:
            pass
        return self.counts

    # Reading and checking the files

    def read(self) -> dict[str, list[Row]]:
        paths = sorted(self.directory.glob("*.toml"))
        if not paths:
            raise FixtureError(f"{self.directory}: no .toml data files")
        rows: dict[str, list[Row]] = defaultdict(list)
        defined: dict[tuple[str, str], Row] = {}
        for path in paths:
            try:
                document = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as error:
                raise FixtureError(f"{path.name}: not valid TOML: {error}") from error
            for table, items in document.items():
                if table not in ("source", "milestone", "owner", "commitment") or not isinstance(items, list):
                    raise FixtureError(f"{path.name}: unknown table [[{table}]]")
                for position, data in enumerate(items, start=1):
                    row = Row(path, table, position, data)
                    self.check_keys(row, data, table)
                    key = (table, data.get("slug", ""))
                    if not key[1]:
                        raise row.error("a slug is required")
                    if key in defined:
                        raise row.error(f"slug already defined at {defined[key]}")
                    defined[key] = row
                    rows[table].append(row)
        return rows

    @staticmethod
    def check_keys(row: Row, data: dict, table: str, part: str = ""):
        unknown = set(data) - KEYS[table]
        if unknown:
            raise row.error(f"unknown key(s) {', '.join(sorted(unknown))}", part)

    # Saving

    def save(self, row: Row, model, lookup: dict, values: dict, part: str = "", keep: tuple = ()):
        """
        Create the object matching `lookup` with `values`, or (when updating) bring it to `values`.

        Fields in `keep` are set on creation only. What the file says is validated like a form would,
        even when the stored row is kept as it is, and only saved when something differs, so a
        repeated load writes no history.
        """
        instance = model.objects.filter(**lookup).first()
        if instance is None:
            candidate, outcome = model(**lookup, **values), "created"
        else:
            changes = {name: value for name, value in values.items() if name not in keep}
            differs = any(self.differs(instance, name, value) for name, value in changes.items())
            candidate = copy.copy(instance)
            for name, value in changes.items():
                setattr(candidate, name, value)
            outcome = ("updated" if self.update else "kept") if differs else "unchanged"
        try:
            candidate.full_clean()
        except ValidationError as error:
            raise row.error(self.describe(error), part) from error
        self.counts[model.__name__][outcome] += 1
        if outcome not in ("created", "updated"):
            return instance
        candidate._change_reason = CHANGE_REASON
        candidate.save()
        return candidate

    @staticmethod
    def differs(instance, name: str, value) -> bool:
        current = instance._meta.get_field(name).value_from_object(instance)
        if isinstance(value, models.Model):
            value = value.pk
        return current != value and not (current in (None, "") and value in (None, ""))

    @staticmethod
    def describe(error: ValidationError) -> str:
        if hasattr(error, "error_dict"):
            return "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
        return " ".join(error.messages)

    # Tables

    def load_source(self, row: Row):
        d = row.data
        published, precision = self.date(row, d.get("published"))
        self.save(
            row,
            SourceDocument,
            {"slug": d["slug"]},
            {
                "title": d.get("title", ""),
                "publisher": d.get("publisher", ""),
                "published_on": published,
                "published_precision": precision,
                "file": d.get("file", ""),
                "url": d.get("url", ""),
                "is_reference": bool(d.get("is_reference", False)),
            },
        )

    def load_milestone(self, row: Row):
        d = row.data
        date, precision = self.date(row, d.get("date"), required=True)
        fields = ("name_fr", "name_en", "place", "description_fr", "description_en")
        values = {name: d.get(name, "") for name in fields}
        self.save(row, Milestone, {"slug": d["slug"]}, {**values, "date": date, "date_precision": precision})

    def load_owner(self, row: Row):
        d = row.data
        fields = ("name", "name_en", "short_name", "kind", "country", "website", "note")
        self.save(row, Owner, {"slug": d["slug"]}, {name: d.get(name, "") for name in fields})

    def load_commitment(self, row: Row) -> Commitment:
        d = row.data
        announced, precision = self.date(row, d.get("announced"), required=True)
        fields = ("title_fr", "title_en", "summary_fr", "summary_en", "description_fr", "description_en")
        values = {name: d.get(name, "") for name in fields}
        values.update(
            axis=d.get("axis", ""),
            kind=d.get("kind", ""),
            status=d.get("status", Status.NOT_ASSESSED),
            announced_on=announced,
            announced_precision=precision,
            notes=d.get("notes", ""),
        )
        if not d.get("owners"):
            raise row.error("a commitment needs at least one owner")
        if not d.get("sources"):
            raise row.error("a commitment needs at least one source")
        commitment = self.save(row, Commitment, {"slug": d["slug"]}, values, keep=("status",))
        sources = [self.lookup(row, SourceDocument, slug, "sources") for slug in d["sources"]]
        current = set(commitment.sources.values_list("pk", flat=True))
        if {s.pk for s in sources} != current and (self.update or not current):
            commitment._change_reason = CHANGE_REASON
            commitment.sources.set(sources)
        return commitment

    def link_parent(self, row: Row, commitment: Commitment):
        slug = row.data.get("parent")
        if not slug:
            return
        parent = self.lookup(row, Commitment, slug, "parent")
        if commitment.parent_id is None or (self.update and commitment.parent_id != parent.pk):
            commitment.parent = parent
            try:
                commitment.clean()
            except ValidationError as error:
                raise row.error(self.describe(error)) from error
            commitment._change_reason = CHANGE_REASON
            commitment.save(update_fields=["parent", "updated_at"])

    def load_children(self, row: Row, commitment: Commitment):
        d = row.data
        roles = defaultdict(set)
        for i, item in enumerate(d.get("owners", []), start=1):
            part = f"owners #{i}"
            self.check_keys(row, item, "owners", part)
            owner = self.lookup(row, Owner, item.get("owner", ""), part)
            since, precision = self.date(row, item.get("since"), part=part)
            lookup = {"commitment": commitment, "owner": owner, "role": item.get("role", "")}
            values = {"since": since, "since_precision": precision, "note": item.get("note", "")}
            self.save(row, Involvement, lookup, values, part)
            roles[owner].add(lookup["role"])
        if self.update:
            # A role changed in the file replaces the old one rather than standing beside it.
            for owner, kept_roles in roles.items():
                stale = commitment.involvements.filter(owner=owner).exclude(role__in=kept_roles)
                self.counts["Involvement"]["deleted"] += len(stale)
                for involvement in stale:
                    involvement._change_reason = CHANGE_REASON
                    involvement.delete()
        for i, item in enumerate(d.get("counts", []), start=1):
            part = f"counts #{i}"
            self.check_keys(row, item, "counts", part)
            lookup = {
                "commitment": commitment,
                "role": item.get("role", ""),
                "noun_en": item.get("noun_en", ""),
            }
            values = {name: item.get(name, "") for name in ("count", "qualifier", "noun_fr")}
            self.save(row, StatedCount, lookup, values, part)
        for i, item in enumerate(d.get("amounts", []), start=1):
            part = f"amounts #{i}"
            self.check_keys(row, item, "amounts", part)
            values = {
                name: item.get(name, "")
                for name in ("currency", "qualifier", "period", "label_fr", "label_en")
            }
            values["amount"] = self.number(row, item.get("amount"), part)
            values["owner"] = self.lookup(row, Owner, item["owner"], part) if item.get("owner") else None
            self.save(row, Amount, {"commitment": commitment, "slug": item.get("slug", "")}, values, part)
        for i, item in enumerate(d.get("deadlines", []), start=1):
            part = f"deadlines #{i}"
            self.check_keys(row, item, "deadlines", part)
            values = {name: item.get(name, "") for name in ("title_fr", "title_en", "note")}
            values.update(self.due(row, item, part))
            done = item.get("done", False)
            if isinstance(done, bool):
                done_on, done_precision = None, DatePrecision.DAY
            else:
                done_on, done_precision = self.date(row, done, part=part)
            values.update(is_done=bool(done), done_on=done_on, done_precision=done_precision)
            lookup = {"commitment": commitment, "slug": item.get("slug", "")}
            # Whether it is done is the tracker's to say once loaded (progress updates, editors).
            self.save(row, Deadline, lookup, values, part, keep=("is_done", "done_on", "done_precision"))
        for i, item in enumerate(d.get("targets", []), start=1):
            part = f"targets #{i}"
            self.check_keys(row, item, "targets", part)
            fields = ("name_fr", "name_en", "unit_fr", "unit_en", "currency", "qualifier")
            values = {name: item.get(name, "") for name in fields}
            baseline_on, baseline_precision = self.date(row, item.get("baseline_date"), part=part)
            values.update(
                self.due(row, item, part),
                baseline=self.number(row, item.get("baseline"), part, required=False),
                baseline_on=baseline_on,
                baseline_precision=baseline_precision,
                target_value=self.number(row, item.get("target"), part),
            )
            target = self.save(
                row, Target, {"commitment": commitment, "slug": item.get("slug", "")}, values, part
            )
            for j, reading in enumerate(item.get("readings", []), start=1):
                reading_part = f"{part} readings #{j}"
                self.check_keys(row, reading, "readings", reading_part)
                measured_on, precision = self.date(row, reading.get("date"), part=reading_part, required=True)
                values = {
                    "value": self.number(row, reading.get("value"), reading_part),
                    "note": reading.get("note", ""),
                    "measured_precision": precision,
                }
                self.save(row, Reading, {"target": target, "measured_on": measured_on}, values, reading_part)

    # Values

    def due(self, row: Row, item: dict, part: str) -> dict:
        milestone = self.lookup(row, Milestone, item["milestone"], part) if item.get("milestone") else None
        due_on, precision = self.date(row, item.get("due"), part=part)
        return {"milestone": milestone, "due_on": due_on, "due_precision": precision}

    @staticmethod
    def date(row: Row, text, *, part: str = "", required: bool = False):
        if text in (None, ""):
            if required:
                raise row.error("a date is required", part)
            return None, DatePrecision.DAY
        try:
            return parse_fuzzy_date(text)
        except ValueError as error:
            raise row.error(str(error), part) from error

    @staticmethod
    def number(row: Row, text, part: str, required: bool = True) -> Decimal | None:
        if text in (None, ""):
            if required:
                raise row.error("a number is required", part)
            return None
        try:
            return Decimal(str(text))
        except InvalidOperation as error:
            raise row.error(f"{text!r} is not a number", part) from error

    @staticmethod
    def lookup(row: Row, model, slug: str, part: str):
        instance = model.objects.filter(slug=slug).first()
        if instance is None:
            raise row.error(f"no {model._meta.verbose_name} with slug {slug!r}", part)
        return instance
