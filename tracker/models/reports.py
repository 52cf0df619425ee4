"""
Checkpoint reports: every commitment's verdict as of a cut-off day, frozen when an editor publishes it
(tracker/reports.py makes the frozen content; docs/reports.md explains the rules).
"""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, models, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..choices import ReportState
from ..dates import format_fuzzy_date, today
from ..fields import CleanCharField, CleanTextField, Timestamped, Translated
from .commitments import Milestone

# Sent once a report's publication is committed, with `report`: the one hook for what follows it (an
# e-mail announcing the report, say). Never sent for a publication that rolled back.
report_published = Signal()


class ReportQuerySet(models.QuerySet):
    def published(self):
        """Return the reports the public reads: published ones (a draft is the editors' own)."""
        return self.filter(state=ReportState.PUBLISHED)

    def before(self, report: "Report"):
        """Return the published reports whose cut-off is earlier than `report`'s, the latest first."""
        return self.published().filter(cut_off__lt=report.cut_off).exclude(pk=report.pk).order_by("-cut_off")


class ReportFrozen(ValidationError):
    """Raised when something would change a published report."""


class Report(Timestamped):
    """A dated checkpoint report: the tracker's verdicts as of a cut-off day, frozen once published."""

    slug = models.SlugField(
        max_length=80, unique=True, help_text=_("Its stable address: /reports/<slug>/, never changed.")
    )
    title_fr = CleanCharField(_("title (French)"), max_length=200)
    title_en = CleanCharField(_("title (English)"), max_length=200)
    cut_off = models.DateField(
        _("cut-off day"),
        help_text=_(
            "The report shows each verdict as it stood at the end of this day. A day, even when the "
            "title names a month: an assessment known only to a month counts once that month is over."
        ),
    )
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("milestone"),
    )
    introduction_fr = CleanTextField(_("introduction (French)"), blank=True)
    introduction_en = CleanTextField(_("introduction (English)"), blank=True)
    state = CleanCharField(_("state"), max_length=10, choices=ReportState, default=ReportState.DRAFT)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    # Everything the report shows, frozen when it is published (tracker/reports.py: freeze): it never
    # reads the live tables again.
    content = models.JSONField(_("frozen content"), null=True, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    title = Translated()
    introduction = Translated()

    class Meta:
        ordering = ["-cut_off", "slug"]
        verbose_name = _("checkpoint report")
        permissions = [("publish_report", _("Can publish a checkpoint report"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=ReportState.DRAFT, content__isnull=True, published_on__isnull=True)
                | Q(state=ReportState.PUBLISHED, content__isnull=False, published_on__isnull=False),
                name="report_published_is_frozen",
                violation_error_message=_("A published report has its frozen content and its date."),
            ),
        ]

    def __str__(self):
        return self.title_en or self.title_fr

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # What it was when read: a published one may not be saved otherwise (`save`).
        instance._stored = instance._frozen_values()
        return instance

    def save(self, *args, **kwargs):
        stored = getattr(self, "_stored", None)
        now = self._frozen_values()
        if stored and stored.get("state") == ReportState.PUBLISHED:
            if any(now.get(name) != value for name, value in stored.items() if name != "updated_at"):
                raise ReportFrozen(_("A published report never changes: append a correction instead."))
            # Saved unchanged (the admin saves it with each correction): nothing is written, so that
            # `updated_at` stays the moment of its publication, which its followers hear of once
            # (following.reports).
            return
        super().save(*args, **kwargs)
        self._stored = self._frozen_values()

    def delete(self, *args, **kwargs):
        if self.is_published():
            raise ReportFrozen(_("A published report is never deleted: append a correction instead."))
        return super().delete(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("tracker:report_detail", args=[self.slug])

    def _frozen_values(self) -> dict:
        # The fields read (a deferred one is not read here: it could not have been changed unread).
        loaded = self.__dict__
        return {f.attname: loaded[f.attname] for f in self._meta.concrete_fields if f.attname in loaded}

    def is_published(self) -> bool:
        return self.state == ReportState.PUBLISHED

    def cut_off_label(self) -> str:
        return format_fuzzy_date(self.cut_off, "day")

    def publish(self, by=None) -> None:
        """
        Freeze the report as of its cut-off and publish it, in one snapshot of the database; then
        send `report_published`. Raise ReportFrozen when it is published already, ValidationError when
        its cut-off is still to come. What is frozen is the report as stored, read again under a lock
        (an editor may have changed the draft since this instance was read); this instance then
        becomes it.
        """
        try:
            self._publish(by)
        except OperationalError as error:
            # At REPEATABLE READ, a report another editor published or saved meanwhile cannot be
            # locked: say so rather than fail.
            raise ReportFrozen(_("This report changed meanwhile: open it again.")) from error

    def _publish(self, by) -> None:
        from ..reports import freeze

        with _snapshot():
            # Locked: a second editor publishing at the same moment waits, then finds it published (or,
            # at REPEATABLE READ, fails to serialise: nothing is written twice either way).
            report = Report.objects.select_for_update().filter(pk=self.pk).first()
            if report is None or report.is_published():
                raise ReportFrozen(_("This report is published already."))
            if report.cut_off >= today():
                raise ValidationError({"cut_off": _("A report is published once its cut-off day is over.")})
            report.content = freeze(report)
            report.state, report.published_on, report.published_by = ReportState.PUBLISHED, today(), by
            report.save(update_fields=["content", "state", "published_on", "published_by", "updated_at"])
            transaction.on_commit(lambda: report_published.send(sender=Report, report=report))
        self.__dict__.update({name: report.__dict__[name] for name in report._stored})
        self.published_by = by  # its cached account too
        self._stored = self._frozen_values()

    def version(self) -> str:
        """Return what its downloads' ETags and the PDF's cache key are made of: it and its corrections."""
        latest = self.corrections.order_by("-pk").values_list("pk", flat=True).first() or 0
        return f"{self.pk}-{self.published_on}-{latest}"


@contextlib.contextmanager
def _snapshot():
    """
    One transaction in which every table is read as of the same moment (REPEATABLE READ on PostgreSQL,
    as the data package is made: tracker/public/downloads.py). Within a transaction already (tests),
    that one; SQLite's transactions see one state of the database anyway.
    """
    if connection.in_atomic_block or connection.vendor != "postgresql":
        with transaction.atomic():
            yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


class ReportCorrection(models.Model):
    """A dated correction appended to a published report, shown on it; the report itself never changes."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="corrections")
    made_on = models.DateField(_("date"), default=today)
    text_fr = CleanTextField(_("correction (French)"))
    text_en = CleanTextField(_("correction (English)"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    text = Translated()

    class Meta:
        ordering = ["made_on", "pk"]
        verbose_name = _("correction to a report")
        verbose_name_plural = _("corrections to reports")
        constraints = [
            models.CheckConstraint(
                condition=~Q(text_fr="") & ~Q(text_en=""),
                name="report_correction_has_text",
                violation_error_message=_("Write the correction in French and in English."),
            ),
        ]

    def __str__(self):
        return f"{self.report} — {self.made_on:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ReportFrozen(_("A correction is appended once, and never changed: append another."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReportFrozen(_("A correction stays on the record: append another that says what changed."))

    def clean(self):
        if self.report_id and not self.report.is_published():
            raise ValidationError(_("Only a published report takes corrections; change the draft instead."))
        published_on = self.report.published_on if self.report_id else None
        if self.made_on and published_on and self.made_on < published_on:
            raise ValidationError({"made_on": _("A correction comes after the report’s publication.")})
