"""
The audit trail of one commitment: every recorded change to it and to what belongs to it (deadlines,
targets and their readings, roles, money, updates and their evidence, decisions), newest first.

django-simple-history keeps a historical row per save; here consecutive rows of each object are
compared in memory, so the page costs one query per kind of record, however long the history.
"""

import datetime
from dataclasses import dataclass, field
from itertools import groupby

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from .fields import current_language
from .models import (
    Amount,
    Commitment,
    Deadline,
    Decision,
    Evidence,
    Involvement,
    ProgressUpdate,
    Reading,
    ReportedReading,
    StatedCount,
    Target,
)

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
NOT_SHOWN = {"id", "created_at", "updated_at"}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    when: datetime.datetime
    who: object
    kind: str
    label: str
    action: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def commitment_history(commitment: Commitment) -> list[Entry]:
    """Return every change recorded for `commitment` and its parts, the newest first."""
    pk = commitment.pk
    target_ids = Target.history.filter(commitment_id=pk).values("id")
    update_ids = ProgressUpdate.history.filter(commitment_id=pk).values("id")
    histories = [
        Commitment.history.filter(id=pk),
        Involvement.history.filter(commitment_id=pk),
        StatedCount.history.filter(commitment_id=pk),
        Amount.history.filter(commitment_id=pk),
        Deadline.history.filter(commitment_id=pk),
        Target.history.filter(commitment_id=pk),
        Reading.history.filter(target_id__in=target_ids),
        ProgressUpdate.history.filter(commitment_id=pk),
        Evidence.history.filter(update_id__in=update_ids),
        ReportedReading.history.filter(update_id__in=update_ids),
        Decision.history.filter(commitment_id=pk),
    ]
    entries = []
    for records in histories:
        ordered = records.select_related("history_user").order_by("id", "history_date", "history_id")
        entries.extend(_entries(ordered))
    _name_accounts(entries)
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _entries(records) -> list[Entry]:
    model = records.model.instance_type
    # The fields history records (derived ones, such as a commitment's first_open_due, are left out).
    recorded = {f.name for f in records.model._meta.concrete_fields}
    names = [f.name for f in model._meta.concrete_fields if f.name in recorded - NOT_SHOWN]
    entries = []
    for _pk, versions in groupby(records, key=lambda record: record.id):
        previous = None
        for record in versions:
            entry = Entry(
                when=record.history_date,
                who=record.history_user,
                kind=model._meta.verbose_name,
                label=_label(record),
                action=ACTIONS.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
            )
            if previous is not None and record.history_type == "~":
                delta = record.diff_against(previous, included_fields=names)
                entry.changes = [_change(model, c.field, c.old, c.new) for c in delta.changes]
            entries.append(entry)
            previous = record
    return entries


def _label(record) -> str:
    # Each record's own fields (no query): its title or name in the page's language where it has one.
    language = current_language()
    for name in (f"title_{language}", "title_en", f"name_{language}", "name_en", "name", "slug"):
        if getattr(record, name, ""):
            return getattr(record, name)
    return f"#{record.id}"


def _change(model, name: str, old, new) -> Change:
    model_field = model._meta.get_field(name)
    choices = dict(model_field.flatchoices) if model_field.choices else {}
    account = model_field.is_relation and model_field.related_model is get_user_model()

    def shown(value):
        if value in (None, ""):
            return "—"
        if account:
            return value  # an account id, named in one query by _name_accounts
        if model_field.is_relation:
            return f"#{value}"
        if isinstance(value, datetime.datetime):
            return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
        if isinstance(value, datetime.date):
            return formats.date_format(value, "DATE_FORMAT")
        return str(choices.get(value, value))

    return Change(field=str(model_field.verbose_name), old=shown(old), new=shown(new))


def _name_accounts(entries: list[Entry]) -> None:
    """Replace account ids in the changes (author, reviewer…) with user names, in one query."""
    ids = {v for e in entries for c in e.changes for v in (c.old, c.new) if isinstance(v, int)}
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username")) if ids else {}
    for entry in entries:
        for change in entry.changes:
            change.old, change.new = (
                names.get(v, f"#{v}") if isinstance(v, int) else v for v in (change.old, change.new)
            )
