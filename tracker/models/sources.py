"""Source documents and the passages each fact cites."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import (
    Basis,
)
from ..dates import format_fuzzy_date
from ..fields import (
    CleanCharField,
    CleanTextField,
    DatesWithPrecision,
    PrecisionField,
    Translated,
    WebAddressField,
)


class SourceDocument(DatesWithPrecision):
    """A document that commitments are taken from."""

    slug = models.SlugField(max_length=80, unique=True)
    title = CleanCharField(_("title"), max_length=300)
    publisher = CleanCharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("published"), null=True, blank=True)
    published_precision = PrecisionField(_("precision"))
    file = CleanCharField(_("file"), max_length=200, blank=True, help_text=_("Name in fixtures/sources/."))
    url = WebAddressField(_("address"), blank=True)
    is_reference = models.BooleanField(
        _("reference"), default=False, help_text=_("Wins where documents disagree.")
    )

    history = HistoricalRecords()
    dates_with_precision = (("published_on", "published_precision"),)

    class Meta:
        ordering = ["-is_reference", "title"]
        verbose_name = _("source document")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracker:source_detail", args=[self.slug])

    def published_label(self) -> str:
        return format_fuzzy_date(self.published_on, self.published_precision)


class Passage(models.Model):
    """
    Words of a source document that facts and verdicts cite, exactly as the document has them.

    The loader checks each against the document (tracker/passages.py), and `position` (where it starts
    in the document) lets a source's page list its passages in reading order.
    """

    source = models.ForeignKey(SourceDocument, on_delete=models.PROTECT, related_name="passages")
    quote = CleanTextField(_("quote"))
    position = models.PositiveIntegerField(_("position in the document"), default=0)

    class Meta:
        ordering = ["source_id", "position", "pk"]
        verbose_name = _("cited passage")
        constraints = [
            models.UniqueConstraint(fields=["source", "quote"], name="passage_unique_quote"),
        ]

    def __str__(self):
        return f"“{self.quote}” ({self.source})"

    def get_absolute_url(self):
        return f"{self.source.get_absolute_url()}#passage-{self.pk}"

    def order_key(self) -> tuple:
        """Sort passages as the documents read: by document, then where they start."""
        return (self.source_id, self.position, self.pk)

    def clean(self):
        from ..passages import position_in, tidied

        # Stored as the loader stores the files' quotes: the same words never make two passages.
        self.quote = tidied(self.quote)
        if self.source_id and self.source.file and self.quote:
            position = position_in(self.quote, self.source.file)
            if position is None:
                raise ValidationError({"quote": _("These words are not in the document, word for word.")})
            self.position = position


class Sourced(models.Model):
    """
    A fact that cites the passages it comes from, and says how it follows from them (`basis`): stated,
    worked out from their words, or the editors' inference, with the reasoning for the last two.
    """

    citations = models.ManyToManyField(
        Passage, blank=True, related_name="cited_by_%(class)s", verbose_name=_("cited passages")
    )
    basis = CleanCharField(_("basis"), max_length=12, choices=Basis, default=Basis.STATED)
    reasoning_fr = CleanTextField(_("how it follows (French)"), blank=True)
    reasoning_en = CleanTextField(_("how it follows (English)"), blank=True)

    reasoning = Translated()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.basis != Basis.STATED and not (self.reasoning_fr and self.reasoning_en):
            raise ValidationError(_("Say how this follows from the sources, in French and in English."))
