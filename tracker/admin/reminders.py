"""The admin of reminders: the log of those sent (read-only) and who asked to receive none."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import reminders
from ..models import Reminder, ReminderOptOut
from ..tasks import deliver_soon


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The reminder log, read-only: tracker/reminders.py alone writes it (editors send one from a commitment's
    review page)."""

    list_display = ["created_at", "kind", "email", "commitment", "state", "attempts", "sent_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["commitment"]
    search_fields = ["email", "commitment__title_en", "commitment__title_fr"]
    date_hierarchy = "created_at"
    actions = ["send_again"]

    def get_queryset(self, request):
        # The followers' mails name who follows what: superusers only (docs/following.md).
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(follower__isnull=True)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # So that a superuser can delete a commitment, which takes its reminders with it. The log is
        # what stops a reminder going out twice: no action deletes rows of it on their own.
        return request.user.is_superuser

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Send the failed ones again"))
    def send_again(self, request, queryset):
        count = reminders.send_again(queryset)
        if count:
            deliver_soon()  # else the next sweep sends them
        self.message_user(
            request,
            ngettext("%(n)d failed reminder goes out again.", "%(n)d failed reminders go out again.", count)
            % {"n": count},
            messages.SUCCESS if count else messages.WARNING,
        )


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
