"""
The admin of progress: updates with their evidence and reported readings (published or rejected through
tracker/workflow.py), and editors' review decisions.
"""

from copy import copy

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..choices import PublicationState
from ..models import Decision, Evidence, ProgressUpdate, ReportedReading
from ..workflow import (
    TRANSITIONS,
    lock_decided,
    publish_update,
    publishing_problem,
    record_decision,
    reject_update,
)
from .base import HistoryAdmin


class FrozenOncePublished:
    """An inline of a progress update that cannot change once the update is public (correct it instead)."""

    def has_add_permission(self, request, obj=None):
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _published(obj) and super().has_delete_permission(request, obj)


def _published(update) -> bool:
    # Retracted ones too: their pages show them as they were published.
    return update is not None and update.is_on_record()


class EvidenceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        # Publishing an update that reports a status makes it an assessment, which rests on evidence
        # (workflow.assess): said here, beside the links, rather than failing on save.
        super().clean()
        update = self.instance
        kept = [f for f in self.forms if f.cleaned_data.get("url") and not f.cleaned_data.get("DELETE")]
        if update.state == PublicationState.PUBLISHED and update.status and not kept:
            raise forms.ValidationError(
                _("An update that reports a status needs at least one evidence link.")
            )


class EvidenceInline(FrozenOncePublished, admin.TabularInline):
    model = Evidence
    formset = EvidenceFormSet
    extra = 1


class ReportedReadingInline(FrozenOncePublished, admin.TabularInline):
    model = ReportedReading
    autocomplete_fields = ["target"]
    extra = 0


class ProgressUpdateAdminForm(forms.ModelForm):
    class Meta:
        model = ProgressUpdate
        fields = [
            "commitment",
            "on_behalf_of",
            "reported_on",
            "status",
            "reason",
            "text",
            "marks_done",
            "state",
            "rejection_reason",
        ]

    reviewer = None  # the editor at work (ProgressUpdateAdmin.get_form)

    def clean_state(self):
        # The workflow's transitions: a new update starts as submitted, and is written by the editor.
        state, before = self.cleaned_data["state"], self.instance.state or PublicationState.SUBMITTED
        if state != before and state not in TRANSITIONS[before]:
            raise forms.ValidationError(
                _("An update cannot go from “%(before)s” to “%(after)s”.")
                % {"before": PublicationState(before).label, "after": PublicationState(state).label}
            )
        if state != before and state == PublicationState.PUBLISHED:
            # Said here rather than when publishing, after the update is saved. A rejected update is
            # shown as such on this page, which refuses a stale save (RefusesStaleSaves).
            update = copy(self.instance)
            update.state = before
            if update.pk is None:  # written here, now, by the editor at work (save_model)
                update.author_id = getattr(self.reviewer, "pk", None)
            problem = publishing_problem(update, self.reviewer, reconsider=True)
            if problem:
                raise forms.ValidationError(problem)
        return state


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(HistoryAdmin):
    form = ProgressUpdateAdminForm
    list_display = ["commitment", "reported_on", "on_behalf_of", "status", "state", "author"]
    list_filter = ["state", "status"]
    list_select_related = ["commitment", "on_behalf_of", "author"]
    search_fields = ["text", "commitment__title_en", "commitment__title_fr"]
    autocomplete_fields = ["commitment", "on_behalf_of", "marks_done"]
    readonly_fields = ["author", "reviewed_by", "reviewed_at", "created_at", "updated_at"]
    inlines = [EvidenceInline, ReportedReadingInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.reviewer = request.user
        return form

    def view_on_site(self, obj):
        # Only a published update has a public page ("View on site" would answer 404 before).
        return obj.get_absolute_url() if _published(obj) and obj.commitment.is_public else None

    def get_readonly_fields(self, request, obj=None):
        # A published update is a public fact: editors correct it with a decision, not by editing it.
        if _published(obj):
            return [*ProgressUpdateAdminForm.Meta.fields, *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        # Publishing and rejecting go through the workflow, which records the reviewer and, on
        # publication, applies the status, readings and deliverables the update reports. The other
        # fields are saved first, in the state the update had.
        state = obj.state
        if "state" in form.changed_data:
            obj.state = form.initial.get("state", PublicationState.SUBMITTED)
        super().save_model(request, obj, form, change)
        obj._new_state = state if "state" in form.changed_data else None

    def save_related(self, request, form, formsets, change):
        # After the evidence and readings are saved, so that publishing applies them too.
        super().save_related(request, form, formsets, change)
        update = form.instance
        if getattr(update, "_new_state", None) == PublicationState.PUBLISHED:
            publish_update(update, by=request.user, reconsider=True)
        elif getattr(update, "_new_state", None) == PublicationState.REJECTED:
            reject_update(update, by=request.user, reason=update.rejection_reason)


class DecisionForm(forms.ModelForm):
    def clean(self):
        # The admin validates and saves in one transaction (ModelAdmin.changeform_view): locked now,
        # the update to retract and the deadline to move are validated as another editor may just
        # have left them, and `record_decision` cannot then find them changed (an error page).
        cleaned = super().clean()
        commitment, deadline, retracted = lock_decided(
            getattr(cleaned.get("commitment"), "pk", None),
            getattr(cleaned.get("deadline"), "pk", None),
            getattr(cleaned.get("retracts"), "pk", None),
        )
        for name, row in (("commitment", commitment), ("deadline", deadline), ("retracts", retracted)):
            if row is not None:
                cleaned[name] = row
        return cleaned


@admin.register(Decision)
class DecisionAdmin(HistoryAdmin):
    """
    Review decisions are applied as they are recorded and never edited: a new one answers a mistake.
    Those the public reads are deleted by superusers only (HistoryAdmin.has_delete_permission).
    """

    form = DecisionForm
    list_display = ["commitment", "kind", "decided_on", "decided_by"]
    list_filter = ["kind"]
    list_select_related = ["commitment", "decided_by"]
    search_fields = ["commitment__title_en", "commitment__title_fr", "reason"]
    autocomplete_fields = ["commitment", "deadline", "retracts"]
    fields = [
        "commitment",
        "kind",
        "retracts",
        "deadline",
        ("new_due", "new_precision"),
        "new_status",
        "reason",
        "language",
        "evidence_url",
    ]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        record_decision(obj, by=request.user)


# Edited inline on the update's page; an admin of its own too, for its change history pages.
@admin.register(Evidence)
class EvidenceAdmin(HistoryAdmin):
    list_display = ["__str__", "update"]
    list_select_related = ["update__commitment"]
    autocomplete_fields = ["update"]
