"""
The base of the tracker's model admins: change pages that refuse to save over a change made since
they were opened, and history pages that show old versions and restore none.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..versions import stored_version

VERSION_FIELD = "opened_version"


class RefusesStaleSaves(forms.ModelForm):
    """
    A change form that carries, hidden, the version of the row it was opened on, and refuses to save
    when the row has changed since: two editors on the same page no longer lose the first one's
    change. The row is locked while it is compared (the admin saves in a transaction), so two saves
    at once are compared one after the other.
    """

    opened_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD].initial = stored_version(self.instance)

    def clean(self):
        cleaned = super().clean()
        current = type(self.instance)._base_manager.select_for_update().filter(pk=self.instance.pk).first()
        if current is not None and cleaned.get(VERSION_FIELD) != stored_version(current):
            raise ValidationError(
                _(
                    "Someone else saved this since you opened it. Open it again to see their change, "
                    "then make yours."
                ),
                code="stale",
            )
        return cleaned


class HistoryAdmin(SimpleHistoryAdmin):
    """
    Change pages refuse stale saves (RefusesStaleSaves). History pages show old versions and never
    restore one: a revert would change statuses and published updates behind tracker/workflow.py's
    back (SIMPLE_HISTORY_REVERT_DISABLED hides the button; this refuses the POST too).
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            base = kwargs.get("form", self.form)
            kwargs["form"] = type(base.__name__, (RefusesStaleSaves, base), {})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (None, {"fields": [VERSION_FIELD], "classes": ["hidden"]})]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(_("The history is a record: correct the present instead."))
        return super().history_form_view(request, object_id, version_id, extra_context)
