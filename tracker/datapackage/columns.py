"""
The columns and tables of the public data (tracker/datapackage/tables.py declares them): each column's
name, Table Schema type and meaning, and how a row of the table's query gives its value.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain

from django.db.models import QuerySet, TextChoices
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..addresses import on_site_in
from ..choices import Language
from ..dates import DatePrecision, iso_date

# A date at its precision: "2025-02-10", "2025-11" (ISO 8601 reduced precision) or "2026". Not a
# Table Schema `date`, which needs a day: a string with this pattern, its precision in the next column.
AT_PRECISION = r"^\d{4}(-\d{2}(-\d{2})?)?$"


@dataclass(frozen=True)
class Column:
    """
    A column: its name, Table Schema type and meaning, and how a row gives its value: `reads` are
    the keys it needs of the row (the lookups of the table's query; its own name by default), `get`
    makes the value of them (without it, the first is the value).
    """

    name: str
    type: str
    description: Promise | str
    reads: tuple[str, ...] = ()
    get: Callable | None = None
    choices: type[TextChoices] | None = None
    pattern: str = ""
    format: str = ""
    required: bool = False

    def lookups(self) -> tuple[str, ...]:
        return self.reads or (self.name,)

    def value(self, row: dict):
        read = [row[lookup] for lookup in self.lookups()]
        return self.get(*read) if self.get else read[0]

    def schema(self) -> dict:
        """Return the column as a Table Schema field."""
        described = {"name": self.name, "type": self.type, "description": str(self.description)}
        if self.format:
            described["format"] = self.format
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.choices:
            constraints["enum"] = list(self.choices.values)
        if self.pattern:
            constraints["pattern"] = self.pattern
        if constraints:
            described["constraints"] = constraints
        return described

    def codes(self) -> list[tuple[str, str]]:
        """Return each code the column may hold, with its label in the active language."""
        return [(choice.value, choice.label) for choice in self.choices] if self.choices else []

    def kind(self) -> str:
        """Return what the column holds, in words, for the data dictionary."""
        if self.pattern == AT_PRECISION:
            return _("date at its precision")
        if self.choices:
            return _("code")
        return _("web address") if self.format == "uri" else KINDS[self.type]


KINDS = {
    "string": _("text"),
    "integer": _("whole number"),
    "number": _("number"),
    "boolean": _("true or false"),
    "date": _("date (YYYY-MM-DD)"),
}


@dataclass(frozen=True)
class Table:
    """
    A table: its file is `<name>.csv` (unless `file` says otherwise); `rows(on)` is its query, or any
    iterable of dicts, for the day `on`.
    """

    name: str
    title: Promise | str
    description: Promise | str
    columns: tuple[Column, ...]
    rows: Callable[[datetime.date], QuerySet | Iterable[dict]] | None = None
    primary_key: tuple[str, ...] = ()
    # (column, table, its column): each value is found in that table, or empty.
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    file: str = ""

    @property
    def path(self) -> str:
        return self.file or f"{self.name}.csv"

    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def dictionary(self) -> list[tuple[Column, str]]:
        """Return each column with the file and column its values refer to ("owners.csv, slug"), if any."""
        refers = {column: f"{table}.csv, {their}" for column, table, their in self.foreign_keys}
        return [(column, refers.get(column.name, "")) for column in self.columns]

    def cells(self, row: dict) -> list:
        """Return the values of a row, column by column."""
        return [column.value(row) for column in self.columns]

    def read(self, on: datetime.date, chunk: int) -> Iterable[list]:
        """Yield the table's rows as lists of values, read `chunk` rows at a time from the database."""
        rows = self.rows(on)
        if isinstance(rows, QuerySet):
            lookups = dict.fromkeys(chain.from_iterable(column.lookups() for column in self.columns))
            rows = rows.values(*lookups).iterator(chunk_size=chunk)
        return map(self.cells, rows)

    def schema(self) -> dict:
        """Return the table's Table Schema."""
        schema = {"fields": [column.schema() for column in self.columns], "missingValues": [""]}
        if self.primary_key:
            schema["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": column, "reference": {"resource": table, "fields": their}}
                for column, table, their in self.foreign_keys
            ]
        return schema

    def resource(self) -> dict:
        """Return the table as a Tabular Data Resource of datapackage.json."""
        return {
            "name": self.name,
            "path": self.path,
            "profile": "tabular-data-resource",
            "title": str(self.title),
            "description": str(self.description),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": self.schema(),
        }


# Columns that many tables have.


def text(name: str, description, reads: str = "", required: bool = False) -> Column:
    return Column(name, "string", description, reads=(reads,) if reads else (), required=required)


def code(name: str, choices: type[TextChoices], description, reads: str = "") -> Column:
    return Column(name, "string", description, reads=(reads,) if reads else (), choices=choices)


def key(name: str, description, reads: str = "", required: bool = False) -> Column:
    return Column(name, "integer", description, reads=(reads,) if reads else (), required=required)


def slug_of(name: str, what, reads: str, required: bool = True) -> Column:
    """A reference to a row of another table by its slug."""
    return text(name, format_lazy(_("The {what} (its slug)."), what=what), reads, required)


def bilingual(name: str, description) -> tuple[Column, Column]:
    """A text written in French and in English: `<name>_fr` and `<name>_en`."""
    return (
        text(f"{name}_fr", format_lazy(_("{what}, in French."), what=description)),
        text(f"{name}_en", format_lazy(_("{what}, in English."), what=description)),
    )


def at_precision(
    name: str, precision: str, description, required: bool = False, reads: tuple = (), of=None
) -> tuple[Column, Column]:
    """
    A date known to the day, the month or the year: the date at its precision, then the precision. Read
    from the row's `name` and `precision`, or as the (date, precision) that `of` makes of its `reads`.
    """
    reads, pair = reads or (name, precision), of or (lambda *both: both)
    return (
        Column(
            name,
            "string",
            format_lazy(
                _("{what} (ISO 8601 at its precision: 2025-02-10, 2025-11 or 2026)."), what=description
            ),
            reads=reads,
            get=lambda *read: iso_date(*pair(*read)),
            pattern=AT_PRECISION,
            required=required,
        ),
        Column(
            precision,
            "string",
            format_lazy(_("How precisely “{name}” is known."), name=name),
            reads=reads,
            get=lambda *read: pair(*read)[1] if pair(*read)[0] else "",
            choices=DatePrecision,
        ),
    )


def day(name: str, description) -> Column:
    return Column(name, "date", description)


def address(name: str, description, reads: str = "") -> Column:
    return Column(name, "string", description, reads=(reads,) if reads else (), format="uri")


def _page(view_name: str, language: str):
    return lambda slug: on_site_in(language, view_name, slug)


def page(name: str, view_name: str, description) -> tuple[Column, Column]:
    """The row's page on the site, in French and in English (`url_fr`, `url_en`), from its slug."""
    return tuple(
        Column(
            f"{name}_{language}",
            "string",
            format_lazy(description, language=label),
            reads=("slug",),
            get=_page(view_name, language),
            format="uri",
        )
        for language, label in Language.choices
    )
