"""Who may write through the API: editors curate; owners' representatives report for their owners."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadOnly(BasePermission):
    def has_permission(self, request, view):
        return request.method in SAFE_METHODS


def is_editor(user) -> bool:
    """Return True for members of the Editors group (or anyone with the right to change commitments)."""
    return user.is_authenticated and user.has_perm("tracker.change_commitment")


class IsEditor(BasePermission):
    def has_permission(self, request, view):
        return is_editor(request.user)


class IsRepresentative(BasePermission):
    """Users who represent at least one owner; which owner they may write for is checked per update."""

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.representations.exists()
