"""
Accounts of the people who write: editors (the create_editor command) and owners' representatives
(invited from their owner's contact in the admin). Nobody is sent a password: each gets a single-use
link to choose one, which expires after PASSWORD_RESET_TIMEOUT.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import OwnerContact


def password_link(user) -> str:
    """Return the absolute, single-use address where `user` chooses a password."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


class CannotInvite(Exception):
    """The contact cannot be invited (no address, or its account is staff)."""


@transaction.atomic
def invite_representative(contact: OwnerContact):
    """
    Give `contact` an account if it has none (an account already using its address is reused), and
    e-mail it, in its language, how to sign in and report. Return the account.

    A password link only ever goes to the account's own address, and never for a staff account:
    whoever edits a contact cannot take over someone else's account by pointing it at their address.
    An account that has a password already is told about its new owner, without a link.
    """
    User = get_user_model()
    user = contact.user
    if user is None:
        if not contact.email:
            raise CannotInvite(_("%(contact)s has no e-mail address.") % {"contact": contact})
        user = User.objects.filter(email__iexact=contact.email).first()
        if user is None:
            user = User.objects.create_user(username=contact.email, email=contact.email, password=None)
    if user.is_staff or user.is_superuser:
        raise CannotInvite(_("%(user)s is a staff account: it signs in as it is.") % {"user": user})
    if not user.email:
        raise CannotInvite(_("The account %(user)s has no e-mail address.") % {"user": user})
    if contact.user_id != user.pk:
        contact.user = user
        contact.save(update_fields=["user", "updated_at"])
    with translation.override(contact.language):
        context = {
            "contact": contact,
            "owner": contact.owner,
            "username": user.get_username(),
            "link": "" if user.has_usable_password() else password_link(user),
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            "site": settings.SITE_URL.rstrip("/"),
        }
        subject = render_to_string("emails/invitation-subject.txt", context).strip()
        body = render_to_string("emails/invitation-body.txt", context)
    send_mail(subject, body, None, [user.email])
    return user
