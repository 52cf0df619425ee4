"""
The admin of what commitments are measured against and cite: milestones, deadlines, targets with their
readings, source documents and their quoted passages.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..dates import format_fuzzy_date
from ..models import Deadline, Milestone, Passage, Reading, SourceDocument, Target
from .base import HistoryAdmin


@admin.register(Milestone)
class MilestoneAdmin(HistoryAdmin):
    list_display = ["name_en", "date_shown", "place"]
    search_fields = ["name_fr", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["citations"]

    @admin.display(description=_("date"), ordering="date")
    def date_shown(self, obj):
        return obj.date_label()


class DueColumn:
    """The "due" column of deadlines and targets, at the precision the sources give."""

    @admin.display(description=_("due"))
    def due_shown(self, obj):
        return obj.due_label()


@admin.register(Deadline)
class DeadlineAdmin(DueColumn, HistoryAdmin):
    list_display = ["title_en", "commitment", "due_shown", "is_done", "done_on"]
    list_filter = ["is_done", "milestone"]
    list_select_related = ["commitment", "milestone"]
    search_fields = ["title_fr", "title_en", "commitment__title_en"]
    autocomplete_fields = ["commitment", "citations"]


class ReadingInline(admin.TabularInline):
    model = Reading
    extra = 1

    def has_delete_permission(self, request, obj=None):
        # A public commitment's readings are on its chart: corrected, not deleted (HistoryAdmin).
        on_record = obj is not None and obj.commitment.is_public
        return (request.user.is_superuser or not on_record) and super().has_delete_permission(request, obj)


@admin.register(Target)
class TargetAdmin(DueColumn, HistoryAdmin):
    list_display = ["name_en", "commitment", "baseline", "target_value", "unit_en", "currency", "due_shown"]
    list_select_related = ["commitment", "milestone"]
    search_fields = ["name_fr", "name_en", "commitment__title_en"]
    autocomplete_fields = ["commitment", "citations"]
    inlines = [ReadingInline]


# Edited inline on the target's page; an admin of its own too, for its change history pages.
@admin.register(Reading)
class ReadingAdmin(HistoryAdmin):
    list_display = ["target", "measured_on", "value"]
    list_select_related = ["target"]
    autocomplete_fields = ["target"]


@admin.register(Passage)
class PassageAdmin(admin.ModelAdmin):
    """
    The words facts cite. An editor pastes them from the document; saving checks they are in it word
    for word (Passage.clean). A passage something cites cannot be deleted.
    """

    list_display = ["quote", "source", "position"]
    list_filter = ["source"]
    list_select_related = ["source"]
    search_fields = ["quote"]
    fields = ["source", "quote"]

    def has_change_permission(self, request, obj=None):
        # Changing the words would change what every fact citing them says: add another passage instead.
        return False if obj is not None else super().has_change_permission(request, obj)


@admin.register(SourceDocument)
class SourceDocumentAdmin(HistoryAdmin):
    list_display = ["title", "publisher", "published_shown", "is_reference"]
    search_fields = ["title", "publisher"]

    @admin.display(description=_("published"), ordering="published_on")
    def published_shown(self, obj):
        return format_fuzzy_date(obj.published_on, obj.published_precision)
