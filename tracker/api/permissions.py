"""Who may write through the API: editors curate; owners' representatives report for their owners."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from ..access import is_editor


class ReadOnly(BasePermission):
    def has_permission(self, request, view):
        return request.method in SAFE_METHODS


class IsEditor(BasePermission):
    def has_permission(self, request, view):
        return is_editor(request.user)


class IsRepresentative(BasePermission):
    """Users who represent at least one owner; which owner they may write for is checked per update."""

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.representations.exists()
