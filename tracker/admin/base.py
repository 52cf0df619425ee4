"""
The base of the tracker's model admins: change pages, and the rows of their inlines, that refuse to
save over a change made since they were opened, and history pages that show old versions and restore
none.
"""

import functools

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..versions import VERSION_FIELD, RefusesStaleSaves


class RefusesStaleRows(RefusesStaleSaves):
    """A row of an inline: checked when it is changed or deleted, as only then is it written."""

    stale_message = _(
        "Someone else changed this row since you opened the page. Open the page again to see their "
        "change, then make yours."
    )
    gone_message = _("Someone else deleted this row since you opened the page. Open the page again.")

    def saves_row(self) -> bool:
        return self.has_changed()

    def opened_row_is_gone(self) -> bool:
        # The formset found no row for the key the page sent (BaseModelFormSet._existing_object), and
        # would otherwise answer with an error on a hidden field the page does not show.
        key = self._meta.model._meta.pk.name
        return self.instance.pk is None and key in self.fields and bool(self[key].data)


class RefusesStaleDeletions(forms.BaseInlineFormSet):
    """
    Refuses the deletion of a row changed since the page was opened, too: Django ignores the errors
    of a row marked for deletion, so its refusal is the formset's.
    """

    def clean(self):
        super().clean()
        for form in self.forms:
            if self._should_delete_form(form) and form.has_error(NON_FIELD_ERRORS, "stale"):
                raise ValidationError(
                    _(
                        "Someone else changed “%(row)s” since you opened the page. Open the page again "
                        "to see their change before you delete it."
                    ),
                    code="stale",
                    params={"row": form.instance},
                )


class AutocompleteFilter(admin.RelatedFieldListFilter):
    """
    A filter by a related object that searches for it (the admin's autocomplete, on the related
    model's `search_fields`) instead of listing every choice: 107 owners, listed, had squeezed the
    commitments list. The model admin adds `AutocompleteSelect`'s media. Without JavaScript it names
    the chosen object and offers to clear it.
    """

    template = "admin/tracker/autocomplete_filter.html"

    def field_choices(self, field, request, model_admin):
        return []  # searched as one types, never all read

    def has_output(self):
        return True

    def choices(self, changelist):
        field = forms.ModelChoiceField(
            queryset=self.field.remote_field.model._default_manager.all(),
            widget=AutocompleteSelect(self.field, self.model_admin.admin_site),
            required=False,
        )
        name = self.lookup_kwarg
        chosen = self.lookup_val[-1] if self.lookup_val else None
        # The other filters, the search and the sort travel with the form; the page number does not.
        left_out = {name, self.lookup_kwarg_isnull, PAGE_VAR}
        yield {
            "id": f"filter-{self.field_path}",
            "widget": field.widget.render(name, chosen, attrs={"id": f"filter-{self.field_path}"}),
            "kept": [
                (key, value)
                for key, values in changelist.params.items()
                if key not in left_out
                for value in (values if isinstance(values, list) else [values])
            ],
            "selected": chosen is not None,
            "clear": changelist.get_query_string(remove=[name, self.lookup_kwarg_isnull]),
        }

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.model_admin = model_admin
        super().__init__(field, request, params, model, model_admin, field_path)


@functools.cache
def _with(mixin: type, base: type) -> type:
    """Return `base` with `mixin` in front of it (one class a pair, made once)."""
    return type(base.__name__, (mixin, base), {"__module__": base.__module__})


class RefusesStaleInline:
    """Mixed by HistoryAdmin into each of its inlines: every row refuses a stale save (RefusesStaleRows)."""

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = _with(RefusesStaleRows, kwargs.get("form", self.form))
        kwargs["formset"] = _with(RefusesStaleDeletions, kwargs.get("formset", self.formset))
        return super().get_formset(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return _with_version_field(super().get_fieldsets(request, obj))


def _with_version_field(fieldsets):
    """Return `fieldsets` with the hidden version field, which a page sends back only if it shows it."""
    if VERSION_FIELD in flatten_fieldsets(fieldsets):  # a form's own fields (no `fields` declared)
        return fieldsets
    return [*fieldsets, (None, {"fields": [VERSION_FIELD], "classes": ["hidden"]})]


class RefusesStaleAdmin(admin.ModelAdmin):
    """Change pages, and the rows of their inlines, refuse stale saves (RefusesStaleSaves)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = _with(RefusesStaleSaves, kwargs.get("form", self.form))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is None else _with_version_field(fieldsets)

    def get_inlines(self, request, obj):
        # Each inline as declared in its module, with the check of its rows: declared once, here,
        # rather than by every inline of every module.
        return [_with(RefusesStaleInline, inline) for inline in super().get_inlines(request, obj)]


class HistoryAdmin(RefusesStaleAdmin, SimpleHistoryAdmin):
    """
    Refuses stale saves (RefusesStaleAdmin), and keeps a history of each row. History pages show old
    versions and never restore one: a revert would change statuses and published updates behind
    tracker/workflow.py's back (SIMPLE_HISTORY_REVERT_DISABLED hides the button; this refuses the
    POST too).
    """

    def has_delete_permission(self, request, obj=None):
        # Published facts are retracted with a public reason (a correction), never deleted; only a
        # superuser cleans up. Asked of every row a deletion would take with it, so a commitment or a
        # target is deletable by editors only while nothing of it is on record.
        on_record = obj is not None and getattr(obj, "is_on_record", lambda: False)()
        if on_record and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(_("The history is a record: correct the present instead."))
        return super().history_form_view(request, object_id, version_id, extra_context)
