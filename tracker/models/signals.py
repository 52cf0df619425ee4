"""Commitments' derived fields follow their deadlines and parts."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .commitments import Amount, Commitment, Involvement, Milestone, StatedCount
from .deliverables import Deadline, Target
from .reviews import Decision
from .signatories import SignatoryAssessment


# Commitment's derived fields (DERIVED_FIELDS) follow its deadlines and parts. Signals rather than save()
# and delete(), because deleting from a queryset (the admin's bulk delete, a cascade) calls neither.
@receiver([post_save, post_delete], sender=Deadline, dispatch_uid="deadline-derived")
def _deadlines_changed(sender, instance, **kwargs):
    # Also on fixture loads (raw saves): the commitment is then read as the fixture left it so far, and
    # each deadline loaded after it refreshes it again. Deleting a commitment runs this once per
    # deadline (a cascade can no longer be a fast delete): a statement each, for a rare act.
    # Any edit may move the first open due date; one moved to another commitment changes the one it
    # left too.
    Commitment.objects.filter(pk__in=instance.commitments_touched(always=True)).refresh_derived()


@receiver(post_save, sender=Milestone, dispatch_uid="milestone-first-open-due")
def _milestone_changed(sender, instance, created, **kwargs):
    # A milestone is deleted only when nothing is due at it (PROTECT): only a new date matters.
    if not created:
        Commitment.objects.filter(deadlines__milestone=instance).refresh_derived()


@receiver([post_save, post_delete], sender=StatedCount, dispatch_uid="stated-count-derived")
@receiver([post_save, post_delete], sender=Amount, dispatch_uid="amount-derived")
@receiver([post_save, post_delete], sender=Target, dispatch_uid="target-derived")
@receiver([post_save, post_delete], sender=Decision, dispatch_uid="decision-derived")
def _parts_changed(sender, instance, signal, created=False, **kwargs):
    # A part edited in place changes nothing; one added, deleted or moved changes its commitment, and
    # the one it left.
    if touched := instance.commitments_touched(always=created or signal is post_delete):
        Commitment.objects.filter(pk__in=touched).refresh_derived()


@receiver([post_save, post_delete], sender=Commitment, dispatch_uid="commitment-children")
def _children_changed(sender, instance, signal, created=False, raw=False, **kwargs):
    # Its parent gains or loses a part, and the one it left loses one: only then, not at every edit of
    # a part of a busy parent. Loading a fixture, the commitment itself may come after its parts and
    # children (raw saves): it is brought up to date too.
    touched = instance.commitments_touched(always=created or signal is post_delete)
    if touched := touched | ({instance.pk} if raw else set()):
        Commitment.objects.filter(pk__in=touched).refresh_derived()


@receiver([post_save, post_delete], sender=SignatoryAssessment, dispatch_uid="signatory-assessment-derived")
def _signatory_assessed(sender, instance, signal, created=False, **kwargs):
    # A commitment gains its first verdict on a participant, or loses its last (a superuser's delete,
    # or its participant's). Verdicts are never edited; a participant moved to another commitment
    # takes them along, and `manage.py refresh_derived` mends both.
    if created or signal is post_delete:
        commitment = Involvement.objects.filter(pk=instance.involvement_id).values("commitment")
        Commitment.objects.filter(pk__in=commitment).refresh_derived()
