"""
The version of a stored row: a digest of every column, both languages included. The API's ETags
(api/etags.py) and the forms that change a row (the admin's, admin/base.py, and the workspace's,
through RefusesStaleSaves) compare it to refuse a write made against an older version, instead of
silently overwriting someone else's change.
"""

import hashlib
import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

VERSION_FIELD = "opened_version"


def digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]


def stored_values(instance, fields: list[str] | None = None) -> dict[str, str]:
    """Return every column of `instance` as text (those named in `fields` only, if given)."""
    return {
        field.attname: field.value_to_string(instance)
        for field in instance._meta.concrete_fields
        if fields is None or field.name in fields
    }


def stored_version(instance, fields: list[str] | None = None) -> str:
    return digest(stored_values(instance, fields))


class VersionField(forms.CharField):
    """The version of the row a form was opened on, hidden. Never itself a change to save."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def has_changed(self, initial, data):
        return False


class RefusesStaleSaves(forms.ModelForm):
    """
    A change form that carries, hidden, the version of the row it was opened on, and refuses to save
    when the row has changed since: two editors on the same page no longer lose the first one's
    change. The row is locked while it is compared (the form is validated in a transaction: the
    admin's are), so two saves at once are compared one after the other.

    `versioned_fields` names the columns compared: all of them (None), as an admin change page writes
    the whole row; or only those a form writes, so that a change elsewhere in the row (a status set
    by a publication) does not make it stale.
    """

    opened_version = VersionField()
    versioned_fields: list[str] | None = None

    stale_message = _(
        "Someone else saved this since you opened it. Open it again to see their change, then make yours."
    )
    gone_message = _("Someone else deleted this since you opened it.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields[VERSION_FIELD].initial = self.version_of(self.instance)

    def version_of(self, instance) -> str:
        return stored_version(instance, self.versioned_fields)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and self.saves_row():
            model = type(self.instance)
            current = model._base_manager.select_for_update().filter(pk=self.instance.pk).first()
            if current is None:
                raise ValidationError(self.gone_message, code="gone")
            if cleaned.get(VERSION_FIELD) != self.version_of(current):
                raise ValidationError(self.stale_message, code="stale")
        elif self.opened_row_is_gone():
            raise ValidationError(self.gone_message, code="gone")
        return cleaned

    def saves_row(self) -> bool:
        """Return whether saving the form writes its row: a change page saves its object in any case."""
        return True

    def opened_row_is_gone(self) -> bool:
        """Return whether the form was opened on a row that is no longer there."""
        return False
