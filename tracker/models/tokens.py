"""
The API's tokens: django-rest-knox's, stored as a digest (SHA-512 of the key) beside the key's first
15 characters to find it by, with an expiry and a scope. The key itself is shown once, when the token
is made (tracker/admin/tokens.py), and never stored. Authentication is tracker/api/tokens.py.
"""

from django.conf import settings
from django.contrib.auth.hashers import is_password_usable
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from rest_framework.permissions import SAFE_METHODS

from ..fields import CleanCharField


class TokenScope(models.TextChoices):
    """What a token may do: read only (GET, HEAD, OPTIONS), or also write what its user may write."""

    READ = "read", _("read")
    WRITE = "write", _("read and write")


class ApiToken(AbstractAuthToken):
    """A key to the API that acts as its user, within its scope, until it expires or is revoked."""

    # Required, unlike knox's: a token that never expires cannot be made (REST_KNOX's TOKEN_TTL).
    expiry = models.DateTimeField(_("expires"))
    scope = models.CharField(_("scope"), max_length=5, choices=TokenScope, default=TokenScope.READ)
    label = CleanCharField(_("what it is for"), max_length=100, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        # The key's first characters (stored to find it by), never the digest: what its holder can match.
        return f"{self.token_key}… ({self.user})"

    def allows(self, method: str) -> bool:
        """Return whether this token may make a request of `method`."""
        return self.scope == TokenScope.WRITE or method in SAFE_METHODS


# A token acts as its user's password would: it ends with that password, and with the account.
# A signal rather than a method of the user, so that every way of saving one counts: the admin's
# "Change password", the site's password change and reset, `changepassword`, `set_unusable_password()`
# (the admin's "disable password-based authentication") and a deactivation.
@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="api-tokens-end-with-the-password")
def _revoke_api_tokens(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # a sign-in recording last_login
    # set_password() leaves the new password in `_password` until the save. The hash Django upgrades
    # at a sign-in (a stronger hasher) clears it first: the password is the same, and so are the tokens.
    new_password = getattr(instance, "_password", None) is not None
    removed_password = not is_password_usable(instance.password) and is_password_usable(
        sender._base_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    )
    if new_password or removed_password or not instance.is_active:
        ApiToken.objects.filter(user=instance).delete()
