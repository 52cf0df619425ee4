"""
Verdicts on each named signatory (tracker/models/signatories.py). Editors find them from the
commitment: its "owners and roles" rows link to each participant's page, where its verdicts are listed
and a new one is added. They are never changed: a new verdict answers a mistake, and the older ones
stay on the public record. Only a superuser deletes one.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import SignatoryAssessment

FIELDS = [
    "status",
    ("assessed_on", "assessed_precision"),
    "rationale_fr",
    "rationale_en",
    "passage",
    ("url", "consulted_on"),
]


class SignatoryAssessmentInline(admin.StackedInline):
    """A participant's verdicts, newest first: read-only once recorded, a new one added below them."""

    model = SignatoryAssessment
    fields = FIELDS
    autocomplete_fields = ["passage"]
    extra = 0
    can_delete = False
    verbose_name = _("verdict on this participant")
    verbose_name_plural = _("verdicts on this participant")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SignatoryAssessment)
class SignatoryAssessmentAdmin(admin.ModelAdmin):
    list_display = ["involvement", "status", "assessed_on", "assessed_by"]
    list_filter = ["status", "involvement__role"]
    list_select_related = ["involvement__commitment", "involvement__owner", "assessed_by"]
    search_fields = ["involvement__owner__name", "involvement__commitment__title_en"]
    autocomplete_fields = ["involvement", "passage"]
    fields = ["involvement", *FIELDS]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.assessed_by = request.user
        super().save_model(request, obj, form, change)


def record_assessors(request, formset) -> None:
    """Save the verdicts added on a participant's page as made by the editor who added them."""
    for assessment in formset.save(commit=False):
        assessment.assessed_by = request.user
        assessment.save()
