"""
Loads the summit's data (fixtures/summit/*.toml, format in fixtures/README.md) into the database.

The load is one transaction: the first bad row raises `FixtureError` naming its file, table, position
and slug, and nothing is written. Every row is validated, including rows already in the database.
Rows are matched on natural keys (slugs, and a commitment's owner and role), so loading twice creates
nothing the second time. By default rows already in the database are left as editors keep them
("kept" when they differ from the files); `update=True` rewrites the fields the files give, except
what the tracker's own work changes after the first load: whether a deliverable is done. Every fact
cites the passages it comes from (`cite`), checked word for word against the documents before anything
is written; a commitment's verdict from the documents (`assessment`) becomes its first assessment.
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

from .choices import Basis, Nature, Status
from .dates import DatePrecision, parse_fuzzy_date
from .models import (
    Amount,
    Commitment,
    Deadline,
    Involvement,
    Milestone,
    Owner,
    Passage,
    Reading,
    SourceDocument,
    StatedCount,
    Target,
)
from .passages import position_in, tidied
from .workflow import assess

DEFAULT_DIRECTORY = settings.BASE_DIR / "fixtures" / "summit"
CHANGE_REASON = "Loaded from the summit's data files"

# The keys each table may hold; anything else is a typo worth stopping for.
SOURCED = {"cite", "basis", "reasoning_fr", "reasoning_en"}
KEYS = {
    "source": {"slug", "title", "publisher", "published", "file", "is_reference", "url"},
    "milestone": {
        "slug", "name_fr", "name_en", "date", "starts", "place", "description_fr", "description_en",
        *SOURCED,
    },
    "owner": {"slug", "name", "name_en", "short_name", "short_name_en", "kind", "country", "website", "note"},
    "commitment": {
        "slug", "axis", "kind", "nature", "success_fr", "success_en", "announced", "parent", "sources",
        "title_fr", "title_en", "summary_fr", "summary_en", "description_fr", "description_en", "notes",
        "owners", "counts", "amounts", "deadlines", "targets", "assessment", *SOURCED,
    },
    "owners": {"owner", "role", "since", "note", *SOURCED},
    "counts": {"role", "count", "qualifier", "noun_fr", "noun_en", *SOURCED},
    "amounts": {
        "slug", "amount", "currency", "qualifier", "period", "owner", "label_fr", "label_en", *SOURCED,
    },
    "deadlines": {"slug", "title_fr", "title_en", "milestone", "due", "done", "note", *SOURCED},
    "targets": {
        "slug", "name_fr", "name_en", "unit_fr", "unit_en", "currency", "baseline", "baseline_date",
        "target", "qualifier", "milestone", "due", "readings", *SOURCED,
    },
    "readings": {"date", "value", "note"},
    "assessment": {"status", "assessed", "rationale_fr", "rationale_en", "evidence"},
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
        self.check_sources(rows)
        return rows

    def check_sources(self, rows: dict[str, list[Row]]):
        """Check that every fact and every verdict cites passages found word for word in their documents."""
        self.files = {row.data["slug"]: row.data.get("file", "") for row in rows["source"]}
        reference = [row.data["slug"] for row in rows["source"] if row.data.get("is_reference")]
        self.reference = reference[0] if len(reference) == 1 else None
        for row in rows["milestone"]:
            self.citations(row, row.data)
        for row in rows["commitment"]:
            d = row.data
            self.citations(row, d)
            for part in ("owners", "counts", "amounts", "deadlines", "targets"):
                for i, item in enumerate(d.get(part, []), start=1):
                    if not isinstance(item, dict):
                        raise row.error("each item is a table", f"{part} #{i}")
                    self.citations(row, item, f"{part} #{i}")
            if d.get("nature") not in Nature.values:
                raise row.error(f"nature is one of {', '.join(Nature.values)}")
            if d["nature"] in Nature.judged() and not (d.get("success_fr") and d.get("success_en")):
                raise row.error(
                    "a promise or an ongoing programme says what kept means (success_fr, success_en)"
                )
            if "assessment" in d:
                self.assessment(row, d["assessment"])

    def citations(self, row: Row, item: dict, part: str = "") -> list[tuple[str, str]]:
        """Return the (source slug, quote) pairs `item` cites, once each is found in its document."""
        basis = item.get("basis", Basis.STATED)
        if basis not in Basis.values:
            raise row.error(f"basis is one of {', '.join(Basis.values)}", part)
        passages = [self.passage(row, entry, part) for entry in item.get("cite", [])]
        if basis != Basis.INFERRED and not passages:
            raise row.error('cite the passage(s) this comes from (cite), or mark it basis = "inferred"', part)
        if basis != Basis.STATED and not (item.get("reasoning_fr") and item.get("reasoning_en")):
            raise row.error(f"a {basis} fact says how (reasoning_fr, reasoning_en)", part)
        return passages

    def passage(self, row: Row, entry, part: str) -> tuple[str, str]:
        if isinstance(entry, str):
            slug, quote = self.reference, entry
        elif isinstance(entry, dict) and set(entry) == {"source", "quote"}:
            slug, quote = entry["source"], entry["quote"]
        else:
            raise row.error('a quote is a string, or { source = "slug", quote = "…" }', part)
        if not self.files.get(slug):
            raise row.error(f"no source document with slug {slug!r} and a file", part)
        if position_in(quote, self.files[slug]) is None:
            raise row.error(f"not found word for word in {slug}: {quote!r}", part)
        return slug, quote

    def assessment(self, row: Row, d) -> None:
        part = "assessment"
        if not isinstance(d, dict):
            raise row.error("a table", part)
        self.check_keys(row, d, "assessment", part)
        if d.get("status") in ("", None, Status.NOT_ASSESSED) or d["status"] not in Status.values:
            raise row.error("status is an assessed status (leave the assessment out when not assessed)", part)
        self.date(row, d.get("assessed"), part=part, required=True)
        if not (d.get("rationale_fr") and d.get("rationale_en")):
            raise row.error("say why, in both languages (rationale_fr, rationale_en)", part)
        if not d.get("evidence"):
            raise row.error("at least one piece of evidence", part)
        for entry in d["evidence"]:
            if isinstance(entry, dict) and "url" in entry:
                if set(entry) != {"url", "consulted"}:
                    raise row.error(
                        "a web address comes with the date it was consulted (url, consulted)", part
                    )
                self.date(row, entry["consulted"], part=part, required=True)
            else:
                self.passage(row, entry, part)

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
        starts_on, _precision = self.date(row, d.get("starts"))
        values.update(date=date, date_precision=precision, starts_on=starts_on, **self.basis(d))
        milestone = self.save(row, Milestone, {"slug": d["slug"]}, values)
        self.cite(row, milestone, d)

    def load_owner(self, row: Row):
        d = row.data
        fields = ("name", "name_en", "short_name", "short_name_en", "kind", "country", "website", "note")
        self.save(row, Owner, {"slug": d["slug"]}, {name: d.get(name, "") for name in fields})

    def load_commitment(self, row: Row) -> Commitment:
        d = row.data
        announced, precision = self.date(row, d.get("announced"), required=True)
        fields = (
            "title_fr", "title_en", "summary_fr", "summary_en", "description_fr", "description_en",
            "success_fr", "success_en", "axis", "kind", "nature", "notes",
        )  # fmt: skip
        values = {name: d.get(name, "") for name in fields}
        values.update(announced_on=announced, announced_precision=precision, **self.basis(d))
        if not d.get("sources"):
            raise row.error("a commitment needs at least one source")
        commitment = self.save(row, Commitment, {"slug": d["slug"]}, values)
        self.cite(row, commitment, d)
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
            self.cite(
                row, self.save(row, Involvement, lookup, {**values, **self.basis(item)}, part), item, part
            )
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
            self.cite(
                row, self.save(row, StatedCount, lookup, {**values, **self.basis(item)}, part), item, part
            )
        for i, item in enumerate(d.get("amounts", []), start=1):
            part = f"amounts #{i}"
            self.check_keys(row, item, "amounts", part)
            values = {
                name: item.get(name, "")
                for name in ("currency", "qualifier", "period", "label_fr", "label_en")
            }
            values["amount"] = self.number(row, item.get("amount"), part)
            values["owner"] = self.lookup(row, Owner, item["owner"], part) if item.get("owner") else None
            values.update(self.basis(item))
            amount = self.save(
                row, Amount, {"commitment": commitment, "slug": item.get("slug", "")}, values, part
            )
            self.cite(row, amount, item, part)
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
            values.update(
                is_done=bool(done), done_on=done_on, done_precision=done_precision, **self.basis(item)
            )
            lookup = {"commitment": commitment, "slug": item.get("slug", "")}
            # Whether it is done is the tracker's to say once loaded (progress updates, editors).
            keep = ("is_done", "done_on", "done_precision")
            self.cite(row, self.save(row, Deadline, lookup, values, part, keep=keep), item, part)
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
                **self.basis(item),
            )
            target = self.save(
                row, Target, {"commitment": commitment, "slug": item.get("slug", "")}, values, part
            )
            self.cite(row, target, item, part)
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
        if "assessment" in d:
            self.load_assessment(row, commitment, d["assessment"])

    def load_assessment(self, row: Row, commitment: Commitment, d: dict):
        """Make the documents' verdict the commitment's first assessment (rewritten by --update)."""
        assessed_on, precision = self.date(row, d["assessed"], required=True)
        evidence = []
        for entry in d["evidence"]:
            if isinstance(entry, dict) and "url" in entry:
                consulted_on, _precision = self.date(row, entry["consulted"], required=True)
                evidence.append({"url": entry["url"], "consulted_on": consulted_on})
            else:
                evidence.append({"passage": self.passage_row(*self.passage(row, entry, "assessment"))})
        rationale = {"fr": d["rationale_fr"], "en": d["rationale_en"]}
        existing = commitment.assessments.filter(from_sources=True).first()
        if existing is not None:
            same = (existing.status, existing.assessed_on, existing.rationale_fr, existing.rationale_en) == (
                d["status"],
                assessed_on,
                rationale["fr"],
                rationale["en"],
            )
            if same or not self.update:
                self.counts["Assessment"]["unchanged" if same else "kept"] += 1
                return
            existing.delete()
        try:
            assess(
                commitment, status=d["status"], by=None, on=assessed_on, precision=precision,
                rationale=rationale, evidence=evidence, cause=CHANGE_REASON,
            )  # fmt: skip
        except ValidationError as error:
            raise row.error(self.describe(error), "assessment") from error
        self.counts["Assessment"]["updated" if existing else "created"] += 1

    # Citations

    @staticmethod
    def basis(item: dict) -> dict:
        return {name: item.get(name, "") for name in ("reasoning_fr", "reasoning_en")} | {
            "basis": item.get("basis", Basis.STATED)
        }

    def cite(self, row: Row, instance, item: dict, part: str = ""):
        """Link `instance` to the passages `item` cites (on creation, when it has none, or when updating)."""
        passages = [self.passage_row(*self.passage(row, entry, part)) for entry in item.get("cite", [])]
        current = {p.pk for p in instance.citations.all()}
        if {p.pk for p in passages} != current and (self.update or not current):
            instance.citations.set(passages)
            self.counts["Citation"]["set"] += 1

    def passage_row(self, source_slug: str, quote: str) -> Passage:
        source = SourceDocument.objects.get(slug=source_slug)
        quote = tidied(quote)
        passage, created = Passage.objects.get_or_create(
            source=source, quote=quote, defaults={"position": position_in(quote, source.file) or 0}
        )
        self.counts["Passage"]["created" if created else "unchanged"] += 1
        return passage

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
