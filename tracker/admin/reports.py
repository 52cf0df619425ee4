"""
Checkpoint reports: editors write a draft, preview it on the site, and publish it from its page (a
confirmation first), which freezes it (Report.publish). A published report is read-only here; what
it got wrong is answered by a dated correction, appended below it and never edited.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ..choices import ReportState
from ..models import Report, ReportCorrection
from .base import RefusesStaleAdmin

EDITABLE = ["slug", "title_fr", "title_en", "cut_off", "milestone", "introduction_fr", "introduction_en"]


class CorrectionInline(admin.TabularInline):
    """Corrections to a published report: added, never changed nor deleted."""

    model = ReportCorrection
    fields = ["made_on", "text_fr", "text_en"]
    extra = 0

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(RefusesStaleAdmin):
    """
    A draft's page refuses to save over another editor's change, or over its publication meanwhile
    (RefusesStaleAdmin): once published, it would otherwise say "changed" and keep nothing.
    """

    list_display = ["__str__", "cut_off", "state", "published_on"]
    list_filter = ["state"]
    search_fields = ["title_fr", "title_en", "slug"]
    autocomplete_fields = ["milestone"]
    fields = [*EDITABLE, "publication"]
    inlines = [CorrectionInline]

    def get_readonly_fields(self, request, obj=None):
        return [*EDITABLE, "publication"] if obj is not None and obj.is_published() else ["publication"]

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None and obj.is_published() else {"slug": ["title_en"]}

    def get_inline_instances(self, request, obj=None):
        # A draft is edited, not corrected.
        return super().get_inline_instances(request, obj) if obj is not None and obj.is_published() else []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published():
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("publication"))
    def publication(self, obj):
        if obj is None or obj.pk is None:
            return gettext("Save the draft first; then preview it and publish it.")
        if obj.is_published():
            return format_html(
                '{} <a href="{}">{}</a>',
                gettext("Published on %(day)s by %(who)s.")
                % {"day": obj.published_on.isoformat(), "who": obj.published_by or "—"},
                obj.get_absolute_url(),
                gettext("Read it on the site"),
            )
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            obj.get_absolute_url(),
            gettext("Preview it on the site"),
            reverse("admin:tracker_report_publish", args=[obj.pk]),
            gettext("Publish it…"),
        )

    def get_urls(self):
        publish = self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.publish_view))
        return [path("<int:pk>/publish/", publish, name="tracker_report_publish"), *super().get_urls()]

    def delete_queryset(self, request, queryset):
        # The list's bulk deletion deletes by query, which Report.delete never sees: drafts only.
        super().delete_queryset(request, queryset.filter(state=ReportState.DRAFT))

    def publish_view(self, request, pk):
        """Ask for confirmation (GET), then freeze and publish the report (POST)."""
        if not request.user.has_perm("tracker.publish_report"):
            raise PermissionDenied
        report = get_object_or_404(Report, pk=pk)
        change_page = reverse("admin:tracker_report_change", args=[report.pk])
        if report.is_published():
            messages.info(request, gettext("This report is published already."))
            return redirect(change_page)
        if request.method == "POST":
            try:
                report.publish(by=request.user)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                return redirect(change_page)
            messages.success(request, gettext("The report is published and frozen."))
            return redirect(change_page)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "report": report,
            "title": gettext("Publish “%(title)s”?") % {"title": report},
        }
        return TemplateResponse(request, "admin/tracker/report/publish.html", context)
