"""
The commitments' admin: the change list with its filters and computed columns, the change page with
its inlines (owners' roles, counts, amounts, deadlines, targets, assessments, updates), and the
spreadsheet import and export (tracker/resources.py, in the formats of tracker/spreadsheets.py).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin

from .. import spreadsheets
from ..choices import OwnerKind, Role, Status
from ..dates import format_fuzzy_date
from ..models import (
    Amount,
    Assessment,
    Commitment,
    Deadline,
    Involvement,
    ProgressUpdate,
    SignatoryAssessment,
    StatedCount,
    Target,
)
from ..resources import CommitmentResource
from .base import AutocompleteFilter, HistoryAdmin
from .signatories import SignatoryAssessmentInline, record_assessors


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.exclude(Commitment.objects.overdue_condition())
        return queryset


class DueSoonFilter(admin.SimpleListFilter):
    title = _("due soon")
    parameter_name = "due_soon"

    def lookups(self, request, model_admin):
        return [("yes", _("Due in the coming days"))]

    def queryset(self, request, queryset):
        return queryset.due_soon() if self.value() == "yes" else queryset


class OwnerKindFilter(admin.SimpleListFilter):
    title = _("owner kind")
    parameter_name = "owner_kind"

    def lookups(self, request, model_admin):
        return OwnerKind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                pk__in=Involvement.objects.filter(owner__kind=self.value()).values("commitment")
            )
        return queryset


# Every fact cites the passages it comes from (fixtures/README.md, "Citations"): the inlines take the
# passages and the basis; the reasoning of a worked-out or inferred fact is written on its own page.
SOURCED_FIELDS = ["citations", "basis"]


class InvolvementInline(admin.TabularInline):
    model = Involvement
    fields = ["owner", "role", "since", "since_precision", "note", *SOURCED_FIELDS]
    autocomplete_fields = ["owner", "citations"]
    show_change_link = True
    extra = 0


class StatedCountInline(admin.TabularInline):
    model = StatedCount
    fields = ["role", "count", "qualifier", "noun_fr", "noun_en", *SOURCED_FIELDS]
    autocomplete_fields = ["citations"]
    show_change_link = True
    extra = 0


# Amounts, deadlines and targets have too many fields for a table row at 1280 px (they ran to 3,000 px,
# "due" and "done" off-screen): each is a block of a few short lines, the dates first, each date with
# its precision.
class AmountInline(admin.StackedInline):
    model = Amount
    fields = [
        ("amount", "currency", "qualifier"), ("period", "owner"), ("label_fr", "label_en"), "slug",
        *SOURCED_FIELDS,
    ]  # fmt: skip
    autocomplete_fields = ["owner", "citations"]
    show_change_link = True
    extra = 0


class DeadlineInline(admin.StackedInline):
    model = Deadline
    fields = [
        ("title_fr", "title_en"), ("due_on", "due_precision", "milestone"),
        ("is_done", "done_on", "done_precision"), "slug", *SOURCED_FIELDS,
    ]  # fmt: skip
    autocomplete_fields = ["citations"]
    show_change_link = True
    extra = 0


class TargetInline(admin.StackedInline):
    model = Target
    fields = [
        ("name_fr", "name_en"), ("target_value", "baseline"), ("unit_fr", "unit_en", "currency"),
        ("due_on", "due_precision", "milestone"), "slug", *SOURCED_FIELDS,
    ]  # fmt: skip
    autocomplete_fields = ["citations"]
    show_change_link = True  # the readings are edited on the target's own page
    extra = 0

    def has_delete_permission(self, request, obj=None):
        # A public commitment's targets, with their readings, are on its page: Django's inline deletes
        # ask no other admin, so the rule of HistoryAdmin.has_delete_permission is said here too.
        on_record = obj is not None and obj.is_on_record()
        return (request.user.is_superuser or not on_record) and super().has_delete_permission(request, obj)


class AssessmentInline(admin.TabularInline):
    """The public history of verdicts: made by publishing updates and recording decisions, never here."""

    model = Assessment
    fields = readonly_fields = ["assessed_on", "status", "rationale", "origin"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("from"))
    def origin(self, assessment):
        if assessment.update_id:
            return _("progress update %(pk)d") % {"pk": assessment.update_id}
        if assessment.decision_id:
            return _("review decision %(pk)d") % {"pk": assessment.decision_id}
        return _("the source documents")


class ProgressUpdateInline(admin.TabularInline):
    """The commitment's updates, listed; each is written, published or rejected on its own page."""

    model = ProgressUpdate
    fields = readonly_fields = ["reported_on", "on_behalf_of", "status", "state"]
    show_change_link = True
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CommitmentChangeList(ChangeList):
    """
    The commitment list, with what its columns show computed in the same query: next deadline,
    overdue since, and the lead owners (one prefetch).

    Django builds the list from `root_queryset` before it sorts it; annotating there, rather than in
    `CommitmentAdmin.get_queryset`, keeps the change page and the autocompletes free of this work.
    """

    @property
    def root_queryset(self):
        leads = Involvement.objects.filter(role=Role.LEAD).select_related("owner")
        return (
            self._root_queryset.with_next_deadline()
            .with_overdue()
            .prefetch_related(Prefetch("involvements", queryset=leads, to_attr="lead_involvements"))
        )

    @root_queryset.setter
    def root_queryset(self, queryset):
        self._root_queryset = queryset


@admin.register(Commitment)
class CommitmentAdmin(ImportExportMixin, HistoryAdmin):
    resource_classes = [CommitmentResource]
    # Only the formats whose cells cannot run as formulas (tracker/spreadsheets.py).
    formats = [spreadsheets.CSV, spreadsheets.XLSX]
    list_display = ["title_en", "axis", "kind", "status", "lead_owners", "next_deadline", "overdue"]
    list_filter = [
        "axis",
        "status",
        "kind",
        OverdueFilter,
        DueSoonFilter,
        ("involvements__owner", AutocompleteFilter),
        OwnerKindFilter,
        ("deadlines__milestone", admin.RelatedOnlyFieldListFilter),
        "is_public",
    ]
    search_fields = [
        "slug",
        "title_fr",
        "title_en",
        "summary_fr",
        "summary_en",
        "involvements__owner__name",
        "involvements__owner__name_en",
        "involvements__owner__short_name",
    ]
    prepopulated_fields = {"slug": ["title_en"]}
    autocomplete_fields = ["parent", "sources", "citations"]
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 90})}}
    # The status is the latest assessment's, made only through published updates and review
    # decisions (tracker/workflow.py).
    readonly_fields = ["status", "assessed_on", "created_at", "updated_at"]
    inlines = [
        AssessmentInline,
        InvolvementInline,
        StatedCountInline,
        AmountInline,
        DeadlineInline,
        TargetInline,
        ProgressUpdateInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "slug",
                    ("axis", "kind", "nature"),
                    ("status", "assessed_on"),
                    ("announced_on", "announced_precision"),
                    "parent",
                ]
            },
        ),
        (_("French"), {"fields": ["title_fr", "summary_fr", "description_fr", "success_fr"]}),
        (_("English"), {"fields": ["title_en", "summary_en", "description_en", "success_en"]}),
        (
            _("Sources and notes"),
            {
                "fields": [
                    "sources",
                    "citations",
                    "basis",
                    "reasoning_fr",
                    "reasoning_en",
                    "notes",
                    "is_public",
                    ("created_at", "updated_at"),
                ]
            },
        ),
        (_("Reminders"), {"fields": ["reminders_paused_until", "reminders_pause_reason"]}),
    ]
    list_per_page = 50
    show_full_result_count = False  # one COUNT less per page; the filtered count is shown
    # A legend of the status vocabulary above the list; import-export adds its buttons on top of it.
    change_list_template = "admin/tracker/commitment/change_list.html"
    # The rows an import refuses, listed one error a line (import-export hides them in a tooltip).
    import_template_name = "admin/tracker/commitment/import.html"

    @property
    def media(self):
        # The owner filter's autocomplete (AutocompleteFilter), on the list as on the change page, and
        # the stylesheet that fits the change page's inlines into 1280 px. (A `class Media` is ignored
        # once the class defines this property.)
        owner = Involvement._meta.get_field("owner")
        return (
            super().media
            + AutocompleteSelect(owner, self.admin_site).media
            + forms.Media(css={"all": ["tracker/admin.css"]})
        )

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"statuses": list(Status), **(extra_context or {})})

    def get_changelist(self, request, **kwargs):
        return CommitmentChangeList

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # import-export keeps dates and booleans native only for its own XLSX class, compared by exact
        # type: ours would get them as text. The rest of its method is only for text formats.
        if not file_format.is_binary():
            return super().get_export_data(file_format, request, queryset, **kwargs)
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(request, queryset, force_native_type=True, **kwargs)
        return file_format.export_data(data)

    def get_export_queryset(self, request):
        # The exported columns, fetched in bulk; the list's own annotations are not needed there.
        return (
            super()
            .get_export_queryset(request)
            .select_related("parent")
            .prefetch_related(None)
            .prefetch_related("sources", "involvements__owner")
        )

    def has_import_permission(self, request):
        # An import creates and changes commitments and replaces their owners' roles.
        return request.user.has_perms(
            [
                "tracker.add_commitment",
                "tracker.change_commitment",
                "tracker.add_involvement",
                "tracker.delete_involvement",
            ]
        )

    def process_result(self, result, request):
        # import-export reports success after the confirmation even when a row failed there (an owner
        # deleted since the dry run, a row changed since): the import rolled back (CommitmentResource
        # imports all or nothing), so say so and list the rows, as the dry run does.
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        messages.error(
            request,
            _(
                "Nothing was imported: the rows below were refused when you confirmed, as something "
                "changed since the preview. Export again, make your changes in the new file and import it."
            ),
        )
        form_class = self.get_import_form_class(request)
        context = {
            **self.admin_site.each_context(request),
            **self.get_import_context_data(),
            "title": _("Import"),
            "opts": self.model._meta,
            "form": form_class(self.get_import_formats(), self.get_import_resource_classes(request)),
            "result": result,
            "import_error_display": self.import_error_display,
        }
        return TemplateResponse(request, [self.import_template_name], context, status=409)

    @admin.display(description=_("lead"))
    def lead_owners(self, obj):
        return format_html_join(
            ", ", "{}", ((i.owner.short_name or i.owner.name,) for i in obj.lead_involvements)
        )

    @admin.display(description=_("next deadline"), ordering="next_due_on")
    def next_deadline(self, obj):
        return format_fuzzy_date(obj.next_due_on, obj.next_due_exactness)

    @admin.display(description=_("overdue"), ordering="overdue_since")
    def overdue(self, obj):
        days = obj.days_overdue()
        return ngettext("%(days)d day", "%(days)d days", days) % {"days": days} if days else ""


# Models edited inline above get an admin of their own too, for their change history pages.
@admin.register(Involvement)
class InvolvementAdmin(HistoryAdmin):
    list_display = ["commitment", "owner", "role", "since"]
    list_filter = ["role"]
    list_select_related = ["commitment", "owner"]
    search_fields = ["commitment__title_en", "owner__name"]
    autocomplete_fields = ["commitment", "owner", "citations"]

    def get_inlines(self, request, obj):
        # Each named signatory, lead, supporter or funder is assessed on its own page.
        if obj is not None and obj.role in Role.assessed_each():
            return [SignatoryAssessmentInline]
        return []

    def save_formset(self, request, form, formset, change):
        if formset.model is SignatoryAssessment:
            record_assessors(request, formset)
        else:
            super().save_formset(request, form, formset, change)


@admin.register(StatedCount, Amount)
class ChildAdmin(HistoryAdmin):
    list_display = ["__str__"]
    autocomplete_fields = ["citations"]
