"""
Who may do what, asked the same way by the web workspaces and the API.

Editors curate everything (members of the Editors group, or anyone allowed to change commitments);
an owner's representative is an account linked to the owner by an OwnerContact, and reports only for
that owner, on the commitments it takes part in.
"""

from django.db.models import QuerySet

from .models import Commitment, Owner


def is_editor(user) -> bool:
    """Return True for members of the Editors group (or anyone with the right to change commitments)."""
    return user.is_authenticated and user.has_perm("tracker.change_commitment")


def represented_owners(user) -> QuerySet[Owner]:
    """Return the owners `user` represents (none for anonymous visitors)."""
    if not user.is_authenticated:
        return Owner.objects.none()
    return Owner.objects.filter(contacts__user=user).distinct()


def reporting_owners(user, commitment: Commitment) -> QuerySet[Owner]:
    """Return the owners `user` may report for on `commitment`: those it represents that take part in it."""
    return represented_owners(user).filter(involvements__commitment=commitment).distinct()


def may_report(user, commitment: Commitment, owner: Owner | None) -> bool:
    """
    Return True when `user` may submit a progress report on `commitment` for `owner`: editors always
    (in their own name when `owner` is None); a representative for an owner it represents that takes
    part in a public commitment.
    """
    if is_editor(user):
        return True
    if owner is None or not commitment.is_public:
        return False
    return reporting_owners(user, commitment).filter(pk=owner.pk).exists()
