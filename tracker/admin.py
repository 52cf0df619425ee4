"""
The editors' admin: commitments with their owners, deadlines, targets and updates, and the change
history of every model (django-simple-history). Changelists annotate what they show (next deadline,
overdue since) and prefetch lead owners, so they cost the same number of queries at any size.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from .choices import OwnerKind, PublicationState, Role, Status
from .dates import format_fuzzy_date
from .models import (
    Account,
    Amount,
    Assessment,
    Commitment,
    Deadline,
    Decision,
    Evidence,
    Involvement,
    Milestone,
    Owner,
    OwnerContact,
    Passage,
    ProgressUpdate,
    Reading,
    Reminder,
    ReminderOptOut,
    ReportedReading,
    SourceDocument,
    StatedCount,
    Target,
)
from .resources import CommitmentResource
from .workflow import TRANSITIONS, publish_update, record_decision, reject_update
from .workspace.accounts import CannotInvite, invite_representative


class HistoryAdmin(SimpleHistoryAdmin):
    """
    History pages show old versions and never restore one: a revert would change statuses and
    published updates behind tracker/workflow.py's back (SIMPLE_HISTORY_REVERT_DISABLED hides the
    button; this refuses the POST too).
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(_("The history is a record: correct the present instead."))
        return super().history_form_view(request, object_id, version_id, extra_context)


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.exclude(Commitment.objects.overdue_condition())
        return queryset


class DueSoonFilter(admin.SimpleListFilter):
    title = _("due soon")
    parameter_name = "due_soon"

    def lookups(self, request, model_admin):
        return [("yes", _("Due in the coming days"))]

    def queryset(self, request, queryset):
        return queryset.due_soon() if self.value() == "yes" else queryset


class OwnerKindFilter(admin.SimpleListFilter):
    title = _("owner kind")
    parameter_name = "owner_kind"

    def lookups(self, request, model_admin):
        return OwnerKind.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                pk__in=Involvement.objects.filter(owner__kind=self.value()).values("commitment")
            )
        return queryset


# Every fact cites the passages it comes from (fixtures/README.md, "Citations"): the inlines take the
# passages and the basis; the reasoning of a worked-out or inferred fact is written on its own page.
SOURCED_FIELDS = ["citations", "basis"]


class InvolvementInline(admin.TabularInline):
    model = Involvement
    fields = ["owner", "role", "since", "since_precision", "note", *SOURCED_FIELDS]
    autocomplete_fields = ["owner", "citations"]
    show_change_link = True
    extra = 0


class StatedCountInline(admin.TabularInline):
    model = StatedCount
    fields = ["role", "count", "qualifier", "noun_fr", "noun_en", *SOURCED_FIELDS]
    autocomplete_fields = ["citations"]
    show_change_link = True
    extra = 0


class AmountInline(admin.TabularInline):
    model = Amount
    fields = [
        "slug",
        "amount",
        "currency",
        "qualifier",
        "period",
        "owner",
        "label_fr",
        "label_en",
        *SOURCED_FIELDS,
    ]
    autocomplete_fields = ["owner", "citations"]
    show_change_link = True
    extra = 0


class DeadlineInline(admin.TabularInline):
    model = Deadline
    fields = [
        "slug", "title_fr", "title_en", "milestone", "due_on", "due_precision", "is_done", "done_on",
        *SOURCED_FIELDS,
    ]  # fmt: skip
    autocomplete_fields = ["citations"]
    show_change_link = True
    extra = 0


class TargetInline(admin.TabularInline):
    model = Target
    fields = [
        "slug", "name_en", "baseline", "target_value", "unit_en", "currency", "milestone", "due_on",
        *SOURCED_FIELDS,
    ]  # fmt: skip
    autocomplete_fields = ["citations"]
    show_change_link = True  # the readings are edited on the target's own page
    extra = 0


class AssessmentInline(admin.TabularInline):
    """The public history of verdicts: made by publishing updates and recording decisions, never here."""

    model = Assessment
    fields = readonly_fields = ["assessed_on", "status", "rationale", "origin"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("from"))
    def origin(self, assessment):
        if assessment.update_id:
            return _("progress update %(pk)d") % {"pk": assessment.update_id}
        if assessment.decision_id:
            return _("review decision %(pk)d") % {"pk": assessment.decision_id}
        return _("the source documents")


class ProgressUpdateInline(admin.TabularInline):
    """The commitment's updates, listed; each is written, published or rejected on its own page."""

    model = ProgressUpdate
    fields = readonly_fields = ["reported_on", "on_behalf_of", "status", "state"]
    show_change_link = True
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CommitmentChangeList(ChangeList):
    """
    The commitment list, with what its columns show computed in the same query: next deadline,
    overdue since, and the lead owners (one prefetch).

    Django builds the list from `root_queryset` before it sorts it; annotating there, rather than in
    `CommitmentAdmin.get_queryset`, keeps the change page and the autocompletes free of this work.
    """

    @property
    def root_queryset(self):
        leads = Involvement.objects.filter(role=Role.LEAD).select_related("owner")
        return (
            self._root_queryset.with_next_deadline()
            .with_overdue()
            .prefetch_related(Prefetch("involvements", queryset=leads, to_attr="lead_involvements"))
        )

    @root_queryset.setter
    def root_queryset(self, queryset):
        self._root_queryset = queryset


@admin.register(Commitment)
class CommitmentAdmin(ImportExportMixin, HistoryAdmin):
    resource_classes = [CommitmentResource]
    list_display = ["title_en", "axis", "kind", "status", "lead_owners", "next_deadline", "overdue"]
    list_filter = [
        "axis",
        "status",
        "kind",
        OverdueFilter,
        DueSoonFilter,
        ("involvements__owner", admin.RelatedOnlyFieldListFilter),
        OwnerKindFilter,
        ("deadlines__milestone", admin.RelatedOnlyFieldListFilter),
        "is_public",
    ]
    search_fields = [
        "slug",
        "title_fr",
        "title_en",
        "summary_fr",
        "summary_en",
        "involvements__owner__name",
        "involvements__owner__name_en",
        "involvements__owner__short_name",
    ]
    prepopulated_fields = {"slug": ["title_en"]}
    autocomplete_fields = ["parent", "sources", "citations"]
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 90})}}
    # The status is the latest assessment's, made only through published updates and review
    # decisions (tracker/workflow.py).
    readonly_fields = ["status", "assessed_on", "created_at", "updated_at"]
    inlines = [
        AssessmentInline,
        InvolvementInline,
        StatedCountInline,
        AmountInline,
        DeadlineInline,
        TargetInline,
        ProgressUpdateInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "slug",
                    ("axis", "kind", "nature"),
                    ("status", "assessed_on"),
                    ("announced_on", "announced_precision"),
                    "parent",
                ]
            },
        ),
        (_("French"), {"fields": ["title_fr", "summary_fr", "description_fr", "success_fr"]}),
        (_("English"), {"fields": ["title_en", "summary_en", "description_en", "success_en"]}),
        (
            _("Sources and notes"),
            {
                "fields": [
                    "sources",
                    "citations",
                    "basis",
                    "reasoning_fr",
                    "reasoning_en",
                    "notes",
                    "is_public",
                    ("created_at", "updated_at"),
                ]
            },
        ),
        (_("Reminders"), {"fields": ["reminders_paused_until", "reminders_pause_reason"]}),
    ]
    list_per_page = 50
    show_full_result_count = False  # one COUNT less per page; the filtered count is shown
    # A legend of the status vocabulary above the list; import-export adds its buttons on top of it.
    change_list_template = "admin/tracker/commitment/change_list.html"

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"statuses": list(Status), **(extra_context or {})})

    def get_changelist(self, request, **kwargs):
        return CommitmentChangeList

    def get_export_queryset(self, request):
        # The exported columns, fetched in bulk; the list's own annotations are not needed there.
        return (
            super()
            .get_export_queryset(request)
            .select_related("parent")
            .prefetch_related(None)
            .prefetch_related("sources", "involvements__owner")
        )

    def has_import_permission(self, request):
        # An import creates and changes commitments and replaces their owners' roles.
        return request.user.has_perms(
            [
                "tracker.add_commitment",
                "tracker.change_commitment",
                "tracker.add_involvement",
                "tracker.delete_involvement",
            ]
        )

    @admin.display(description=_("lead"))
    def lead_owners(self, obj):
        return format_html_join(
            ", ", "{}", ((i.owner.short_name or i.owner.name,) for i in obj.lead_involvements)
        )

    @admin.display(description=_("next deadline"), ordering="next_due_on")
    def next_deadline(self, obj):
        return format_fuzzy_date(obj.next_due_on, obj.next_due_exactness)

    @admin.display(description=_("overdue"), ordering="overdue_since")
    def overdue(self, obj):
        days = obj.days_overdue()
        return ngettext("%(days)d day", "%(days)d days", days) % {"days": days} if days else ""


@admin.register(Owner)
class OwnerAdmin(HistoryAdmin):
    list_display = ["name", "short_name", "kind", "country", "commitment_count"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "name_en", "short_name", "short_name_en", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    class ContactInline(admin.TabularInline):
        model = OwnerContact
        autocomplete_fields = ["user"]
        extra = 0

    inlines = [ContactInline]

    def get_queryset(self, request):
        # A subquery rather than a GROUP BY, which would drop the ordering the autocomplete relies on.
        count = (
            Involvement.objects.filter(owner=OuterRef("pk"))
            .values("owner")
            .annotate(n=Count("commitment", distinct=True))
            .values("n")
        )
        return super().get_queryset(request).annotate(commitment_count=Coalesce(Subquery(count), 0))

    @admin.display(description=_("commitments"), ordering="commitment_count")
    def commitment_count(self, obj):
        return obj.commitment_count


class AccountInline(admin.StackedInline):
    model = Account
    can_delete = False


# The user's page also shows the language the tracker writes to them in.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class AccountUserAdmin(UserAdmin):
    inlines = [AccountInline]


@admin.register(OwnerContact)
class OwnerContactAdmin(HistoryAdmin):
    list_display = ["__str__", "owner", "user", "email", "language", "receives_reminders"]
    list_filter = ["language", "receives_reminders"]
    list_select_related = ["owner", "user"]
    search_fields = ["name", "email", "owner__name", "user__username", "user__email"]
    autocomplete_fields = ["owner", "user"]
    actions = ["invite"]

    @admin.action(description=_("Invite to sign in and report progress"), permissions=["change"])
    def invite(self, request, queryset):
        sent = 0
        for contact in queryset.select_related("owner", "user"):
            try:
                invite_representative(contact)
            except CannotInvite as refusal:
                self.message_user(request, str(refusal), messages.WARNING)
            else:
                sent += 1
        self.message_user(request, _("Invitations sent: %(n)d.") % {"n": sent}, messages.SUCCESS)


@admin.register(Milestone)
class MilestoneAdmin(HistoryAdmin):
    list_display = ["name_en", "date_shown", "place"]
    search_fields = ["name_fr", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["citations"]

    @admin.display(description=_("date"), ordering="date")
    def date_shown(self, obj):
        return obj.date_label()


class DueColumn:
    """The "due" column of deadlines and targets, at the precision the sources give."""

    @admin.display(description=_("due"))
    def due_shown(self, obj):
        return obj.due_label()


@admin.register(Deadline)
class DeadlineAdmin(DueColumn, HistoryAdmin):
    list_display = ["title_en", "commitment", "due_shown", "is_done", "done_on"]
    list_filter = ["is_done", "milestone"]
    list_select_related = ["commitment", "milestone"]
    search_fields = ["title_fr", "title_en", "commitment__title_en"]
    autocomplete_fields = ["commitment", "citations"]


class ReadingInline(admin.TabularInline):
    model = Reading
    extra = 1


@admin.register(Target)
class TargetAdmin(DueColumn, HistoryAdmin):
    list_display = ["name_en", "commitment", "baseline", "target_value", "unit_en", "currency", "due_shown"]
    list_select_related = ["commitment", "milestone"]
    search_fields = ["name_fr", "name_en", "commitment__title_en"]
    autocomplete_fields = ["commitment", "citations"]
    inlines = [ReadingInline]


class FrozenOncePublished:
    """An inline of a progress update that cannot change once the update is public (correct it instead)."""

    def has_add_permission(self, request, obj=None):
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _published(obj) and super().has_delete_permission(request, obj)


def _published(update) -> bool:
    return update is not None and update.state == PublicationState.PUBLISHED


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

    def clean_state(self):
        # The workflow's transitions: a new update starts as submitted.
        state, before = self.cleaned_data["state"], self.instance.state or PublicationState.SUBMITTED
        if state != before and state not in TRANSITIONS[before]:
            raise forms.ValidationError(
                _("An update cannot go from “%(before)s” to “%(after)s”.")
                % {"before": PublicationState(before).label, "after": PublicationState(state).label}
            )
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
            publish_update(update, by=request.user)
        elif getattr(update, "_new_state", None) == PublicationState.REJECTED:
            reject_update(update, by=request.user, reason=update.rejection_reason)


@admin.register(Decision)
class DecisionAdmin(HistoryAdmin):
    """Review decisions are applied as they are recorded and never edited: a new one answers a mistake."""

    list_display = ["commitment", "kind", "decided_on", "decided_by"]
    list_filter = ["kind"]
    list_select_related = ["commitment", "decided_by"]
    search_fields = ["commitment__title_en", "commitment__title_fr", "reason"]
    autocomplete_fields = ["commitment", "deadline"]
    fields = [
        "commitment",
        "kind",
        "deadline",
        ("new_due", "new_precision"),
        "new_status",
        "reason",
        "language",
        "evidence_url",
    ]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        record_decision(obj, by=request.user)


@admin.register(Passage)
class PassageAdmin(admin.ModelAdmin):
    """
    The words facts cite. An editor pastes them from the document; saving checks they are in it word
    for word (Passage.clean). A passage something cites cannot be deleted.
    """

    list_display = ["quote", "source", "position"]
    list_filter = ["source"]
    list_select_related = ["source"]
    search_fields = ["quote"]
    fields = ["source", "quote"]

    def has_change_permission(self, request, obj=None):
        # Changing the words would change what every fact citing them says: add another passage instead.
        return False if obj is not None else super().has_change_permission(request, obj)


@admin.register(SourceDocument)
class SourceDocumentAdmin(HistoryAdmin):
    list_display = ["title", "publisher", "published_shown", "is_reference"]
    search_fields = ["title", "publisher"]

    @admin.display(description=_("published"), ordering="published_on")
    def published_shown(self, obj):
        return format_fuzzy_date(obj.published_on, obj.published_precision)


# Models edited inline above get an admin of their own too, for their change history pages.
@admin.register(Involvement)
class InvolvementAdmin(HistoryAdmin):
    list_display = ["commitment", "owner", "role", "since"]
    list_filter = ["role"]
    list_select_related = ["commitment", "owner"]
    search_fields = ["commitment__title_en", "owner__name"]
    autocomplete_fields = ["commitment", "owner", "citations"]


@admin.register(StatedCount, Amount)
class ChildAdmin(HistoryAdmin):
    list_display = ["__str__"]
    autocomplete_fields = ["citations"]


@admin.register(Evidence)
class EvidenceAdmin(HistoryAdmin):
    list_display = ["__str__", "update"]
    list_select_related = ["update__commitment"]
    autocomplete_fields = ["update"]


@admin.register(Reading)
class ReadingAdmin(HistoryAdmin):
    list_display = ["target", "measured_on", "value"]
    list_select_related = ["target"]
    autocomplete_fields = ["target"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The reminder log, read-only: tracker/reminders.py alone writes it (editors send one from a commitment's
    review page)."""

    list_display = ["created_at", "kind", "email", "commitment", "state", "attempts", "sent_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["commitment"]
    search_fields = ["email", "commitment__title_en", "commitment__title_fr"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderOptOut)
class ReminderOptOutAdmin(admin.ModelAdmin):
    """Who asked not to receive a kind of reminder; deleting a row sends them again."""

    list_display = ["email", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["email"]

    def has_add_permission(self, request):
        return False  # only the person, through the signed link

    def has_change_permission(self, request, obj=None):
        return False
