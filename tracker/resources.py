"""
The spreadsheet format of commitments, shared by export and import (django-import-export).

One row a commitment, keyed by `slug`. Owners travel in one cell as "role:owner-slug" pairs separated
by ";" (e.g. "lead:france; signatory:india"); sources and the parent by slug. A file exported from the
admin imports back unchanged, into this database or an empty one (a parent may come after its
children in the file), formula-like text included: the admin's formats (tracker/spreadsheets.py)
write no cell a spreadsheet would run and read back what they wrote. The admin's import shows a dry
run first, with each bad row's errors, and imports all the rows or none.

Each exported row carries a `version` of what it says (`row_version`). An import changes an existing
commitment only from a row whose version is the commitment's current one, compared under a lock held
until the import ends: a file exported before someone else's change is refused rather than reverting
it (or deleting the roles added since). A row without a version only creates a commitment.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, instance_loaders, resources, widgets

from .choices import Role
from .models import Commitment, Involvement, Owner, SourceDocument
from .models.commitments import parent_loop
from .versions import digest

SEPARATOR = ";"


def parse_owner_roles(cell: str) -> list[tuple[str, str]]:
    """Return the (role, owner slug) pairs of an owners cell; raise ValueError naming what is wrong."""
    pairs = []
    for item in filter(None, (part.strip() for part in (cell or "").split(SEPARATOR))):
        role, _colon, slug = (piece.strip() for piece in item.partition(":"))
        if not slug:
            raise ValueError(f"{item!r} is not of the form role:owner-slug")
        if role not in Role.values:
            raise ValueError(f"{role!r} is not a role ({', '.join(Role.values)})")
        pairs.append((role, slug))
    return pairs


class LockingInstanceLoader(instance_loaders.ModelInstanceLoader):
    """
    Reads each row's commitment locked until the import's transaction ends, so that the version
    compared is the one the import overwrites: a save in between waits, then finds the row changed.
    """

    def get_queryset(self):
        return super().get_queryset().select_for_update(of=("self",))


def text(name: str) -> fields.Field:
    """A text column whose empty cells (None in XLSX) import as empty text, not as NULL."""
    return fields.Field(attribute=name, column_name=name, widget=widgets.CharWidget(allow_blank=True))


class CommitmentResource(resources.ModelResource):
    description_fr = text("description_fr")
    description_en = text("description_en")
    notes = text("notes")
    # Imported by hand (import_instance), so that a parent defined further down the file is found.
    parent = fields.Field(column_name="parent")
    sources = fields.Field(
        attribute="sources",
        column_name="sources",
        widget=widgets.ManyToManyWidget(SourceDocument, separator=SEPARATOR, field="slug"),
    )
    owners = fields.Field(column_name="owners", readonly=False)
    # Exported to read, never imported: a status is the latest assessment's, made through published
    # updates and editors' decisions (tracker/workflow.py) with their evidence.
    status = fields.Field(attribute="status", column_name="status", readonly=True)
    success_fr = text("success_fr")
    success_en = text("success_en")
    # Compared by hand (import_instance), never saved.
    version = fields.Field(column_name="version")

    class Meta:
        model = Commitment
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "title_fr",
            "title_en",
            "summary_fr",
            "summary_en",
            "description_fr",
            "description_en",
            "axis",
            "kind",
            "nature",
            "success_fr",
            "success_en",
            "status",
            "announced_on",
            "announced_precision",
            "parent",
            "sources",
            "owners",
            "notes",
            "is_public",
            "version",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False
        # All or nothing, and the rows' locks (LockingInstanceLoader) need a transaction.
        use_transactions = True
        instance_loader_class = LockingInstanceLoader

    def import_data(self, dataset, *args, rollback_on_validation_errors=True, **kwargs):
        # All or nothing: a row found bad only when the import is confirmed (changed since the dry run)
        # undoes the rows before it, instead of leaving a file half imported.
        return super().import_data(
            dataset, *args, rollback_on_validation_errors=rollback_on_validation_errors, **kwargs
        )

    def get_queryset(self):
        return Commitment.objects.select_related("parent").prefetch_related("sources", "involvements__owner")

    def dehydrate_parent(self, commitment):
        return commitment.parent.slug if commitment.parent else ""

    def dehydrate_owners(self, commitment):
        return f"{SEPARATOR} ".join(f"{i.role}:{i.owner.slug}" for i in commitment.involvements.all())

    def dehydrate_version(self, commitment):
        return self.row_version(commitment)

    def row_version(self, commitment) -> str:
        """
        Return the version of what a row says of `commitment`: every column an import writes, as
        stored, with the parent, roles and sources by slug (in any order), so that a file exported
        from one database imports into another. What no import writes (the status, reminders) is
        left out: changing it does not make a file stale.
        """
        by_hand = ("status", "version", "parent", "owners", "sources")
        written = [name for name in self._meta.fields if name not in by_hand]
        values = {name: Commitment._meta.get_field(name).value_to_string(commitment) for name in written}
        values["parent"] = commitment.parent.slug if commitment.parent_id else ""
        values["owners"] = sorted(f"{i.role}:{i.owner.slug}" for i in commitment.involvements.all())
        values["sources"] = sorted(source.slug for source in commitment.sources.all())
        return digest(values)

    def before_import(self, dataset, **kwargs):
        headers = dataset.headers or ()
        self.slugs_in_file = set(dataset["slug"]) if "slug" in headers else set()
        # The parents the file gives, to find a loop the file would make as a whole (parent_loop).
        self.parents_in_file = (
            {row["slug"]: (row["parent"] or "").strip() or None for row in dataset.dict}
            if {"slug", "parent"} <= set(headers)
            else {}
        )
        self.pending_parents = []

    def parent_slug_of(self, slug: str) -> str | None:
        """Return the parent of commitment `slug` once the file is imported: the file's, else the stored."""
        if slug in self.parents_in_file:
            return self.parents_in_file[slug]
        return Commitment.objects.filter(slug=slug).values_list("parent__slug", flat=True).first()

    def check_version(self, instance, row):
        """Refuse a row that would change a commitment from a state other than the current one."""
        if instance._state.adding:
            return  # a new commitment, whatever the file's version says: nothing to overwrite
        exported = str(row.get("version") or "").strip()
        if not exported:
            raise ValidationError(
                {
                    "version": _(
                        "%(slug)s is already in the tracker, and this row has no version: change it "
                        "from a file exported from the admin (its version column says which state the "
                        "row was exported in)."
                    )
                    % {"slug": instance.slug}
                }
            )
        if exported != self.row_version(instance):
            raise ValidationError(
                {
                    "version": _(
                        "%(slug)s has changed since this file was exported, by someone else or by an "
                        "earlier import: importing the row would undo that change. Export again and make "
                        "your change in the new file."
                    )
                    % {"slug": instance.slug}
                }
            )

    def import_instance(self, instance, row, **kwargs):
        instance._pending_parent = None
        instance._imported_roles = None
        # Before reading anything from the row: a stale row's other errors do not matter.
        self.check_version(instance, row)
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "parent" in row:
            slug = (row["parent"] or "").strip()
            # Locked like the rows, so that it is not deleted before the import ends.
            parent = Commitment.objects.select_for_update().filter(slug=slug).first() if slug else None
            loop = parent_loop(instance.slug, self.parent_slug_of) if slug else []
            if loop:
                errors["parent"] = [
                    _("This would make a commitment part of itself: %(chain)s.")
                    % {"chain": " → ".join([*loop, loop[0]])}
                ]
            elif parent or not slug:
                instance.parent = parent
            elif slug in self.slugs_in_file:
                instance._pending_parent = slug
            else:
                errors["parent"] = [f"no commitment with slug {slug!r}, in the database or in the file"]
        unknown_sources = self.unknown_sources(row)
        if unknown_sources:
            errors.setdefault("sources", []).append(
                _("unknown source(s): %(slugs)s") % {"slugs": ", ".join(unknown_sources)}
            )
        # The same rule as the summit's data: every commitment has a source. (Owners only where the
        # sources name some: an import, like the data files, never makes one up.)
        if instance.pk is None and not row.get("sources"):
            errors.setdefault("sources", []).append("a new commitment needs at least one of its sources")
        # An empty or missing owners cell leaves the owners as they are.
        if row.get("owners"):
            try:
                pairs = parse_owner_roles(row["owners"])
                # Locked until the import ends: an owner deleted meanwhile would fail it at the commit.
                owners = Owner.objects.select_for_update().in_bulk(
                    [slug for _role, slug in pairs], field_name="slug"
                )
                unknown = sorted({slug for _role, slug in pairs} - owners.keys())
                if unknown:
                    raise ValueError(f"unknown owner(s): {', '.join(unknown)}")
                instance._imported_roles = {(role, owners[slug]) for role, slug in pairs}
            except ValueError as error:
                errors["owners"] = [str(error)]
        if errors:
            raise ValidationError(errors)

    def unknown_sources(self, row) -> list[str]:
        """Return the slugs of the sources cell found in no source document (the widget would drop them)."""
        slugs = {slug.strip() for slug in (row.get("sources") or "").split(SEPARATOR)} - {""}
        found = SourceDocument.objects.filter(slug__in=slugs).values_list("slug", flat=True)
        return sorted(slugs - set(found))

    def save_m2m(self, instance, row, **kwargs):
        super().save_m2m(instance, row, **kwargs)
        if instance._pending_parent:
            self.pending_parents.append((instance.pk, instance._pending_parent))
        wanted = getattr(instance, "_imported_roles", None)
        if wanted is None:
            return
        current = {(i.role, i.owner): i for i in instance.involvements.select_related("owner")}
        for key, involvement in current.items():
            if key not in wanted:
                involvement.delete()
        for role, owner in wanted - current.keys():
            Involvement.objects.create(commitment=instance, owner=owner, role=role)

    def after_import(self, dataset, result, **kwargs):
        for pk, slug in self.pending_parents:
            parent = Commitment.objects.filter(slug=slug).first()
            if parent is None:
                raise ValueError(
                    f"The parent {slug!r} could not be imported, so its children cannot be linked."
                )
            commitment = Commitment.objects.get(pk=pk)
            commitment.parent = parent
            commitment.save(update_fields=["parent", "updated_at"])
        super().after_import(dataset, result, **kwargs)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # The parent and the owners cell are compared here: they are not plain fields of the row.
        if (
            original is not None
            and original.pk
            and (instance._pending_parent or instance.parent_id != original.parent_id)
        ):
            return False
        if getattr(instance, "_imported_roles", None) is not None and original is not None and original.pk:
            current = {(i.role, i.owner_id) for i in original.involvements.all()}
            if current != {(role, owner.pk) for role, owner in instance._imported_roles}:
                return False
        return super().skip_row(instance, original, row, import_validation_errors)
