"""The followers' list: who follows what is personal data, for superusers only (editors see counts)."""

from django.contrib import admin

from ..models import Follower


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    """Read-only: followers sign up, confirm and stop through the signed links (tracker/following.py)."""

    list_display = ["email", "commitment", "owner", "frequency", "language", "confirmed_at", "created_at"]
    list_filter = ["frequency", "language", ("confirmed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["commitment", "owner"]
    search_fields = ["email"]
    readonly_fields = list_display

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
