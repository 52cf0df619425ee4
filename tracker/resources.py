"""
The spreadsheet format of commitments, shared by export and import (django-import-export).

One row a commitment, keyed by `slug`. Owners travel in one cell as "role:owner-slug" pairs separated
by ";" (e.g. "lead:france; signatory:india"); sources and the parent by slug. A file exported from the
admin imports back unchanged, into this database or an empty one (a parent may come after its
children in the file), formula-like text included: the admin's formats (tracker/spreadsheets.py)
write no cell a spreadsheet would run and read back what they wrote. The admin's import shows a dry
run first, with each bad row's errors.
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from .choices import Role
from .models import Commitment, Involvement, Owner, SourceDocument

SEPARATOR = ";"


def parse_owner_roles(cell: str) -> list[tuple[str, str]]:
    """Return the (role, owner slug) pairs of an owners cell; raise ValueError naming what is wrong."""
    pairs = []
    for item in filter(None, (part.strip() for part in (cell or "").split(SEPARATOR))):
        role, _, slug = (piece.strip() for piece in item.partition(":"))
        if not slug:
            raise ValueError(f"{item!r} is not of the form role:owner-slug")
        if role not in Role.values:
            raise ValueError(f"{role!r} is not a role ({', '.join(Role.values)})")
        pairs.append((role, slug))
    return pairs


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
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False

    def get_queryset(self):
        return Commitment.objects.select_related("parent").prefetch_related("sources", "involvements__owner")

    def dehydrate_parent(self, commitment):
        return commitment.parent.slug if commitment.parent else ""

    def dehydrate_owners(self, commitment):
        return f"{SEPARATOR} ".join(f"{i.role}:{i.owner.slug}" for i in commitment.involvements.all())

    def before_import(self, dataset, **kwargs):
        self.slugs_in_file = set(dataset["slug"]) if "slug" in (dataset.headers or ()) else set()
        self.pending_parents = []

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        instance._pending_parent = None
        if "parent" in row:
            slug = (row["parent"] or "").strip()
            parent = Commitment.objects.filter(slug=slug).first() if slug else None
            if parent or not slug:
                instance.parent = parent
            elif slug in self.slugs_in_file:
                instance._pending_parent = slug
            else:
                errors["parent"] = [f"no commitment with slug {slug!r}, in the database or in the file"]
        # The same rule as the summit's data: every commitment has a source. (Owners only where the
        # sources name some: an import, like the data files, never makes one up.)
        if instance.pk is None and not row.get("sources"):
            errors.setdefault("sources", []).append("a new commitment needs at least one of its sources")
        # An empty or missing owners cell leaves the owners as they are.
        instance._imported_roles = None
        if row.get("owners"):
            try:
                pairs = parse_owner_roles(row["owners"])
                owners = Owner.objects.in_bulk([slug for _, slug in pairs], field_name="slug")
                unknown = sorted({slug for _, slug in pairs} - owners.keys())
                if unknown:
                    raise ValueError(f"unknown owner(s): {', '.join(unknown)}")
                instance._imported_roles = {(role, owners[slug]) for role, slug in pairs}
            except ValueError as error:
                errors["owners"] = [str(error)]
        if errors:
            raise ValidationError(errors)

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
