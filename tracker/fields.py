"""
Building blocks the tracker's models share: texts cleaned of control characters, bilingual texts, web
addresses, dates with a precision.
"""

import re

from django.conf import settings
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .dates import DatePrecision, end_of_period


def current_language() -> str:
    """Return the two-letter code of the active language ("fr" or "en")."""
    return (get_language() or settings.LANGUAGE_CODE)[:2]


class Translated:
    """
    Read `<base>_<language>` for the active language.

    Falls back to `<base>_fr` (French is the source language), then to a plain `<base>` field, as an
    owner's `name` with its optional `name_en`, and last to `<base>_en`: a text written in English
    alone (an assessment made from an English update) is shown in French pages rather than nothing.
    """

    def __init__(self, base: str | None = None):
        self.base = base

    def __set_name__(self, owner, name):
        if hasattr(self, "plain"):
            return  # named by its model already, and now borrowed by another class (api/views.py: Row)
        # Without a base of its own, the descriptor reads `<name>_<language>` and has no plain field.
        self.plain = self.base
        self.base = self.base or name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        french = getattr(obj, f"{self.base}_fr", "") or (getattr(obj, self.plain, "") if self.plain else "")
        return in_language(french, getattr(obj, f"{self.base}_en", ""))


def in_language(french: str, english: str) -> str:
    """
    Return the text of the active language, or else the other one (Translated's rule), French with
    French spacing (french_spacing).
    """
    if current_language() == "en" and english:
        return english
    return french_spacing(french) if french else english


# A space before ":", ";", "?", "!" or inside guillemets, which French typography wants unbreakable
# (and which people type as an ordinary one), or none at all before ":" and ";" where a word ends.
_FRENCH_SPACE = re.compile(r"(?:[ \t]|(?<=\w))([:;?!»])|(«)(?![\u00a0\u202f])[ \t]*")


def french_spacing(text: str) -> str:
    """
    Return French `text` with a no-break space before its high punctuation and inside its guillemets:
    "Objectif : 2030" becomes "Objectif\N{NO-BREAK SPACE}: 2030", so that a line never starts with ":".
    Addresses and times keep their colons: only a mark followed by a space or the end is touched.
    """
    return _FRENCH_SPACE.sub(_spaced, text)


def _spaced(match: re.Match) -> str:
    mark, opening = match.groups()
    if opening:
        return f"{opening}\N{NO-BREAK SPACE}"
    following = match.string[match.end() : match.end() + 1]
    if mark in ":;?!" and following not in ("", " ", "\n", "\t", "\N{NO-BREAK SPACE}", ")", ",", "."):
        return match.group(0)  # "https://", "15:30", "a?b": not prose
    return f"\N{NO-BREAK SPACE}{mark}"


# What no text here needs and some outputs cannot carry: the C0 controls but tab and newline (XML 1.0
# refuses them: one vertical tab in an update made every feed showing it fail), DEL, the C1 controls,
# the bidirectional embeddings, overrides and isolates (they make a text read otherwise than it is
# stored), and the two noncharacters XML refuses too.
_UNWANTED = "\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff"
UNWANTED_CHARACTERS = re.compile(f"[\x00{_UNWANTED}]")
LINE_BREAK = re.compile("\r\n?")
# The longest text a person may write in one field: some 800 words. The longest the summit's
# documents give is under a thousand characters. A form accepted two million before, and Markdown's
# reading time grows with a text's length (docs/security.md: 5,000 characters read in under 100 ms).
LONG_TEXT = 5_000


def clean_text(value: str, multiline: bool = True) -> str:
    """
    Return `value` without UNWANTED_CHARACTERS, its line breaks as "\n"; on one line (`multiline`
    false), tabs and line breaks become spaces.
    """
    value = UNWANTED_CHARACTERS.sub("", LINE_BREAK.sub("\n", value))
    return value if multiline else value.replace("\n", " ").replace("\t", " ")


def needs_cleaning(multiline: bool = True) -> str:
    """
    Return a pattern that finds, in the database (`__regex`, on PostgreSQL as on SQLite), the stored
    texts `clean_text` would change. NUL is left out: PostgreSQL stores none.
    """
    return f"[{_UNWANTED}\r" + ("]" if multiline else "\t\n]")


def clean_stored_texts(models_with_texts) -> int:
    """
    Clean (`clean_text`) the texts already stored in the CleanedOnSave fields of `models_with_texts`,
    row by row where one needs it; return how many rows changed. For a migration, and for rows
    written by SQL or `QuerySet.update()`.
    """
    from django.db.models import Q

    changed = 0
    for model in models_with_texts:
        fields = [field for field in model._meta.concrete_fields if isinstance(field, CleanedOnSave)]
        if not fields:
            continue
        dirty = Q()
        for field in fields:
            dirty |= Q(**{f"{field.attname}__regex": needs_cleaning(field.multiline)})
        names = [field.attname for field in fields]
        for row in model._base_manager.filter(dirty).values("pk", *names).iterator():
            cleaned = {
                field.attname: clean_text(row[field.attname], field.multiline)
                for field in fields
                if isinstance(row[field.attname], str)
            }
            model._base_manager.filter(pk=row["pk"]).update(**cleaned)
            changed += 1
    return changed


class CleanedOnSave:
    """
    A text field whose value is cleaned (`clean_text`) as it is saved, whoever saves it: a form, the
    admin, the API, an import, `bulk_create()` (which calls `pre_save()` too) or the shell. The
    instance keeps the cleaned value. Only `QuerySet.update()` and SQL bypass it.
    """

    multiline = True

    def clean(self, value, model_instance):
        # Validation (full_clean, so forms, the admin and the API) sees the text as it will be stored:
        # one made of unwanted characters alone is empty, which a required field refuses with its
        # message, rather than being saved empty or failing a constraint in the database (a 500).
        # Here rather than in to_python, which also serves reading stored values back.
        if isinstance(value, str):
            value = clean_text(value, self.multiline)
        return super().clean(value, model_instance)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if isinstance(value, str):
            cleaned = clean_text(value, self.multiline)
            if cleaned != value:
                setattr(model_instance, self.attname, cleaned)
            return cleaned
        return value


class CleanCharField(CleanedOnSave, models.CharField):
    """One line of text: names, titles, short notes."""

    multiline = False


class CleanTextField(CleanedOnSave, models.TextField):
    """
    Text over several lines: summaries, reasons, reports. At most LONG_TEXT characters unless told
    otherwise: forms, the admin and the API refuse more (the database does not count).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", LONG_TEXT)
        super().__init__(*args, **kwargs)


class WebAddressField(models.URLField):
    """A web address: http or https only (no javascript: or file:); forms assume https when none is typed."""

    default_validators = [URLValidator(schemes=["http", "https"])]

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code such as EUR or USD."))


class PrecisionField(models.CharField):
    """How precisely the date beside it is known: a day, a month or a year."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 5)
        kwargs.setdefault("choices", DatePrecision)
        kwargs.setdefault("default", DatePrecision.DAY)
        super().__init__(*args, **kwargs)


class DatesWithPrecision(models.Model):
    """
    Keeps dates known to a month or a year at the last day of that period, whatever day was typed.

    `dates_with_precision` lists (date field, precision field) pairs. The date moves before
    validation, so uniqueness (one reading a day) is checked on the value that will be stored.
    """

    dates_with_precision: tuple[tuple[str, str], ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.normalise_dates()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude)
        self.normalise_dates()

    def normalise_dates(self):
        for date_field, precision_field in self.dates_with_precision:
            value = getattr(self, date_field)
            if value:
                setattr(self, date_field, end_of_period(value, getattr(self, precision_field)))


class Timestamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        abstract = True
