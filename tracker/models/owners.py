"""Who commits: owners, their contacts, and the accounts of the people who write."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from ..choices import (
    Language,
    OwnerKind,
    Status,
)
from ..fields import (
    CleanCharField,
    CleanTextField,
    Timestamped,
    Translated,
    WebAddressField,
)
from .querysets import OwnerQuerySet

# The group of staff who curate the data; created by migration 0002, which keeps its own copy of the
# name (a migration must not change when the code does).
EDITORS_GROUP = "Editors"


class Owner(Timestamped):
    """A country, body, organisation or company that leads, signs, funds or supports commitments."""

    slug = models.SlugField(max_length=80, unique=True)
    name = CleanCharField(_("name"), max_length=200, help_text=_("As the sources write it."))
    name_en = CleanCharField(
        _("English name"), max_length=200, blank=True, help_text=_("Only when it differs from the name.")
    )
    short_name = CleanCharField(_("short name"), max_length=40, blank=True)
    short_name_en = CleanCharField(
        _("English short name"),
        max_length=40,
        blank=True,
        help_text=_("Only when it differs: UNEP for PNUE."),
    )
    kind = CleanCharField(_("kind"), max_length=20, choices=OwnerKind)
    country = CountryField(_("country"), blank=True)
    website = WebAddressField(_("website"), blank=True)
    note = CleanTextField(_("editors' note"), blank=True)

    history = HistoricalRecords()
    objects = OwnerQuerySet.as_manager()

    display_name = Translated("name")
    display_short_name = Translated("short_name")

    class Meta:
        ordering = ["name"]
        verbose_name = _("owner")
        indexes = [
            # The "owner kind" filter of the admin and of the public list.
            models.Index(fields=["kind"], name="owner_kind_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.short_name})" if self.short_name else self.name

    def get_absolute_url(self):
        return reverse("tracker:owner_detail", args=[self.slug])

    def signed_score(self) -> str:
        """Return its score (`with_scorecard()`) as shown, signed, to two places: "+0.50", "−1.00", "0.00"."""
        shown = number_format(abs(self.score), 2)
        return f"+{shown}" if self.score > 0 else f"−{shown}" if self.score < 0 else shown

    def verdict_counts(self) -> list[tuple[Status, int]]:
        """Return its promises by status, those it has, in the vocabulary's order (`with_scorecard()`)."""
        counted = ((Status(status), getattr(self, f"n_{status}")) for status in Status)
        return [(status, n) for status, n in counted if n]


class OwnerContact(Timestamped):
    """A person who represents an owner: receives its reminders and logs its progress."""

    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="representations",
        help_text=_("The account that logs progress for this owner, if the contact has one."),
    )
    name = CleanCharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(
        _("e-mail"), blank=True, help_text=_("Where reminders go when there is no account.")
    )
    language = CleanCharField(_("language"), max_length=2, choices=Language, default=Language.FRENCH)
    receives_reminders = models.BooleanField(_("receives reminders"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["owner__name", "name", "email"]
        verbose_name = _("owner contact")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""),
                name="contact_has_user_or_email",
                violation_error_message=_("A contact needs an account or an e-mail address."),
            ),
            models.UniqueConstraint(
                fields=["owner", "user"],
                condition=Q(user__isnull=False),
                name="contact_unique_user_per_owner",
                violation_error_message=_("This account already represents this owner."),
            ),
            models.UniqueConstraint(
                fields=["owner", "email"],
                condition=~Q(email=""),
                name="contact_unique_email_per_owner",
                violation_error_message=_("This e-mail address is already a contact of this owner."),
            ),
        ]

    def __str__(self):
        return f"{self.name or self.email or self.user} — {self.owner}"

    def recipient_email(self) -> str:
        """Return the address reminders go to: the contact's own, else its account's."""
        return self.email or (self.user.email if self.user else "")


class Account(models.Model):
    """A person's own choices for their account: the language of the mail the tracker sends them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    language = CleanCharField(
        _("language of e-mails"), max_length=2, choices=Language, default=Language.FRENCH
    )

    class Meta:
        ordering = ["user"]
        verbose_name = _("account settings")
        verbose_name_plural = _("account settings")

    def __str__(self):
        return str(self.user)
