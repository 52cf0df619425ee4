"""The reminders sent to owners' contacts, and the addresses that asked for none."""

from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from ..choices import (
    Language,
    ReminderKind,
    ReminderState,
)
from .commitments import Commitment
from .deliverables import Deadline
from .owners import OwnerContact

# A reminder's unique key as one string ("overdue deadline:12 2025-11-30-2 rep@gpai.example"; no part
# holds a space): a sweep looks the reminders it plans up in the log by it (tracker/reminders.py:
# Planner.save). Plain `||` rather than Concat(), whose separators would be query parameters, which an
# index expression cannot match.
REMINDER_KEY = Func(
    F("kind"),
    F("subject"),
    F("occurrence"),
    F("email"),
    # In the order migrations write them: the migration state compares them in order.
    arg_joiner=" || ' ' || ",
    template="(%(expressions)s)",
    output_field=models.CharField(),
)


class Reminder(models.Model):
    """
    One reminder e-mail to one recipient: the log that makes each of them go out at most once.

    `subject` and `occurrence` name what the reminder is about ("deadline:12", "2025-11-30-7d"); the
    unique constraint on them with the kind and the address is what tracker/reminders.py claims before
    it sends, so that no sweep, retry or second worker sends the same reminder twice.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind)
    subject = models.CharField(_("about"), max_length=40)
    occurrence = models.CharField(_("occurrence"), max_length=40)
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    # The update a notice to the editors announces ("submitted"): gone with it.
    update = models.ForeignKey(
        "tracker.ProgressUpdate", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    deadline_due = models.DateField(_("deadline due"), null=True, blank=True, help_text=_("As it was then."))
    contact = models.ForeignKey(
        OwnerContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The follower a mail of theirs goes to: gone with them when they stop following (tracker/following.py).
    follower = models.ForeignKey(
        "tracker.Follower", on_delete=models.CASCADE, null=True, blank=True, related_name="mails"
    )
    email = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=2, choices=Language, default=Language.FRENCH)
    state = models.CharField(_("state"), max_length=10, choices=ReminderState, default=ReminderState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Which delivery run holds the row while it is "sending": only that run may record its outcome.
    claimed_by = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("planned"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reminder")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "occurrence", "email"],
                name="reminder_once",
                violation_error_message=_("This reminder was already planned."),
            ),
            # The same rule on REMINDER_KEY: the index a sweep's batch looks its reminders up in, one key
            # each, where IN lists on the columns above were read as every reminder of the batch's kinds
            # (the whole log, at each batch). Unique, so that PostgreSQL knows that N keys find at most N
            # rows and takes the index even before the table has statistics (a first sweep's).
            models.UniqueConstraint(
                REMINDER_KEY,
                name="reminder_key_once",
                violation_error_message=_("This reminder was already planned."),
            ),
        ]
        indexes = [
            # The delivery sweep: what is due to go out (tracker/reminders.py: deliver).
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="reminder_delivery_idx",
            ),
            # The overdue reminders about a due date since the commitment's latest update: the unanswered
            # ones that decide an escalation (tracker/reminders.py: _plan_deadlines). By kind and subject
            # alone, a deadline's lookup read every round it was ever reminded of.
            models.Index(
                fields=["kind", "subject", "deadline_due", "created_at"], name="reminder_unanswered_idx"
            ),
            # A commitment's reminder history (editors' pages).
            models.Index(fields=["commitment", "-created_at"], name="reminder_commitment_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.email} ({self.occurrence})"


class ReminderOptOut(models.Model):
    """An address that asked, through the signed link in a reminder, not to receive a kind of reminder."""

    email = models.EmailField(_("e-mail"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        ordering = ["email", "kind"]
        verbose_name = _("reminder opt-out")
        constraints = [
            models.UniqueConstraint(fields=["email", "kind"], name="opt_out_once"),
        ]

    def __str__(self):
        return f"{self.email}: {self.get_kind_display()}"
