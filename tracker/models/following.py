"""The public's followers: addresses that hear by e-mail of what happens to a commitment, an owner or all."""

import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..choices import Frequency, Language
from .commitments import Commitment
from .owners import Owner


class FollowerQuerySet(models.QuerySet):
    def confirmed(self):
        """Return the followers who confirmed their address (the only ones that hear of anything)."""
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed_since(self, moment: datetime.datetime):
        """Return the sign-ups nobody confirmed, made before `moment`: the purge's (following.purge)."""
        return self.filter(confirmed_at__isnull=True, created_at__lt=moment)

    def of_everything(self):
        return self.filter(commitment__isnull=True, owner__isnull=True)


class Follower(models.Model):
    """An e-mail address following a commitment, an owner (in any role) or the whole tracker."""

    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=2, choices=Language, default=Language.FRENCH)
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, null=True, blank=True, related_name="followers"
    )
    owner = models.ForeignKey(
        Owner, on_delete=models.CASCADE, null=True, blank=True, related_name="followers"
    )
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency, default=Frequency.IMMEDIATE
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("signed up"), default=timezone.now)

    objects = FollowerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("follower")
        constraints = [
            models.CheckConstraint(
                condition=Q(commitment__isnull=True) | Q(owner__isnull=True),
                name="follower_follows_one_thing",
                violation_error_message=_("Follow a commitment, an owner or everything, one at a time."),
            ),
            # One row per address and thing followed (three rules: NULLs are distinct in a plain one).
            models.UniqueConstraint(
                fields=["email", "commitment"],
                condition=Q(commitment__isnull=False),
                name="follower_once_a_commitment",
                violation_error_message=_("This address already follows this commitment."),
            ),
            models.UniqueConstraint(
                fields=["email", "owner"],
                condition=Q(owner__isnull=False),
                name="follower_once_an_owner",
                violation_error_message=_("This address already follows this owner."),
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(commitment__isnull=True, owner__isnull=True),
                name="follower_once_everything",
                violation_error_message=_("This address already follows the whole tracker."),
            ),
        ]
        indexes = [
            # The purge of sign-ups nobody confirmed (following.purge).
            models.Index(
                fields=["created_at"], condition=Q(confirmed_at__isnull=True), name="follower_unconfirmed_idx"
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.followed()}"

    def followed(self):
        """Return what is followed: the commitment, the owner, or None for the whole tracker."""
        return self.commitment or self.owner

    def followed_name(self) -> str:
        """Return the name of what is followed, in the active language."""
        if self.commitment_id:
            return self.commitment.title
        if self.owner_id:
            return self.owner.display_name
        return gettext("the whole Summit Tracker")

    def followed_url(self) -> str:
        """Return the page of what is followed (the home page for the whole tracker)."""
        followed = self.followed()
        return followed.get_absolute_url() if followed else reverse("tracker:home")
