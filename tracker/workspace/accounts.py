"""
Accounts of the people who write: editors (the create_editor command) and owners' representatives
(invited from their owner's contact in the admin). Nobody is sent a password: each gets a single-use
link to choose one, which expires after PASSWORD_RESET_TIMEOUT. Each account reads the tracker's mail
in a language of its own (Account.language).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ..addresses import on_site_in
from ..models import Account, OwnerContact


def site_language() -> str:
    """Return the language of the mail to someone who chose none: the site's."""
    return settings.LANGUAGE_CODE[:2]


def language_of(user, default: str | None = None) -> str:
    """Return the language `user` reads the tracker's mail in: their own choice, else `default`."""
    chosen = Account.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen or default or site_language()


def set_language(user, language: str) -> None:
    Account.objects.update_or_create(user=user, defaults={"language": language})


def password_link(user, language: str) -> str:
    """Return the absolute, single-use address where `user` chooses a password, in `language`."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return on_site_in(language, "password_reset_confirm", uidb64=uidb64, token=token)


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
            set_language(user, contact.language)
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
            "link": "" if user.has_usable_password() else password_link(user, contact.language),
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            "login_url": on_site_in(contact.language, "login"),
        }
        subject = render_to_string("emails/invitation-subject.txt", context).strip()
        body = render_to_string("emails/invitation-body.txt", context)
    send_mail(subject, body, None, [user.email])
    return user
