"""Overdue, due soon and stale at their edges: the definitions everything else relies on."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factory import (
    make_assessment,
    make_commitment,
    make_deadline,
    make_milestone,
    make_owner,
    make_signatory_assessment,
    make_update,
)
from tracker.choices import DecisionKind, PublicationState, Role, Status
from tracker.dates import DatePrecision
from tracker.models import (
    DERIVED_FIELDS,
    Amount,
    Commitment,
    Deadline,
    Decision,
    SignatoryAssessment,
    StatedCount,
    Target,
    querysets,
)
from tracker.models.querysets import CommitmentQuerySet

pytestmark = pytest.mark.django_db

DUE = datetime.date(2025, 11, 30)
DAY = datetime.timedelta(days=1)


def overdue_slugs(on):
    return set(Commitment.objects.overdue(on).values_list("slug", flat=True))


def test_a_deadline_due_today_is_not_overdue_until_tomorrow():
    commitment = make_commitment()
    make_deadline(commitment, due_on=DUE)
    assert overdue_slugs(DUE) == set()
    assert overdue_slugs(DUE + DAY) == {commitment.slug}


def test_a_done_deliverable_is_never_overdue():
    commitment = make_commitment()
    make_deadline(commitment, due_on=DUE, is_done=True, done_on=DUE - DAY)
    assert overdue_slugs(DUE + 10 * DAY) == set()


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        (Status.ACHIEVED, False),
        (Status.WITHDRAWN, False),
        (Status.NOT_ACHIEVED, True),
        (Status.STALLED, True),
        (Status.NOT_ASSESSED, True),
        (Status.PARTIALLY_ACHIEVED, True),
    ],
)
def test_only_achieved_and_withdrawn_commitments_escape_overdue(status, counts):
    commitment = make_commitment(status=status)
    make_deadline(commitment, due_on=DUE)
    assert (commitment.slug in overdue_slugs(DUE + DAY)) is counts


def test_a_month_precision_deadline_is_due_by_the_end_of_the_month():
    bratislava = make_milestone(date=datetime.date(2025, 11, 1), date_precision=DatePrecision.MONTH)
    assert bratislava.date == DUE  # stored as the last day of November
    commitment = make_commitment()
    make_deadline(commitment, milestone=bratislava)
    assert overdue_slugs(datetime.date(2025, 11, 30)) == set()
    assert overdue_slugs(datetime.date(2025, 12, 1)) == {commitment.slug}


def test_overdue_starts_at_midnight_in_paris():
    commitment = make_commitment()
    make_deadline(commitment, due_on=DUE)
    # 23:30 UTC on the due date is already the next day in Paris: the deadline has passed there.
    with time_machine.travel(datetime.datetime(2025, 11, 30, 23, 30, tzinfo=datetime.UTC), tick=False):
        assert list(Commitment.objects.overdue()) == [commitment]
    with time_machine.travel(datetime.datetime(2025, 11, 30, 22, 30, tzinfo=datetime.UTC), tick=False):
        assert list(Commitment.objects.overdue()) == []


def test_a_deadline_own_date_overrides_its_milestone():
    commitment = make_commitment()
    deadline = make_deadline(commitment, milestone=make_milestone(date=DUE), due_on=DUE + 60 * DAY)
    assert deadline.due_date() == DUE + 60 * DAY
    assert overdue_slugs(DUE + DAY) == set()
    assert overdue_slugs(DUE + 61 * DAY) == {commitment.slug}


def test_a_commitment_with_several_overdue_deadlines_is_listed_once():
    commitment = make_commitment()
    make_deadline(commitment, due_on=DUE)
    make_deadline(commitment, due_on=DUE - 30 * DAY)
    assert list(Commitment.objects.overdue(DUE + DAY)) == [commitment]
    assert commitment.days_overdue(DUE + DAY) == 31


def test_the_flags_and_days_overdue_agree_with_overdue():
    late, on_time, closed = make_commitment(), make_commitment(), make_commitment(status=Status.ACHIEVED)
    make_deadline(late, due_on=DUE - 9 * DAY)
    make_deadline(late, due_on=DUE)
    make_deadline(on_time, due_on=DUE + DAY)
    make_deadline(closed, due_on=DUE - DAY)
    on = DUE + DAY
    annotated = {c.slug: c for c in Commitment.objects.with_overdue(on)}
    assert {slug for slug, c in annotated.items() if c.is_overdue} == overdue_slugs(on) == {late.slug}
    assert annotated[late.slug].overdue_since == DUE - 9 * DAY
    # The same number from the annotation and from a fresh query.
    assert annotated[late.slug].days_overdue(on) == late.days_overdue(on) == 10
    assert on_time.days_overdue(on) == closed.days_overdue(on) == 0
    flags = set(Deadline.objects.with_overdue_flag(on).values_list("commitment__slug", "is_overdue"))
    assert flags == {(late.slug, True), (on_time.slug, False), (closed.slug, False)}
    assert set(Deadline.objects.overdue(on).values_list("commitment__slug", flat=True)) == {late.slug}


def test_overdue_since_for_all_agrees_with_the_annotation_of_each():
    late, later, on_time = make_commitment(), make_commitment(), make_commitment()
    closed = make_commitment(status=Status.WITHDRAWN)
    make_deadline(late, due_on=DUE - 9 * DAY)
    make_deadline(late, due_on=DUE + DAY)
    make_deadline(later, milestone=make_milestone(date=DUE - DAY))
    make_deadline(later, due_on=DUE - 20 * DAY, is_done=True)
    make_deadline(on_time, due_on=DUE + DAY)
    make_deadline(closed, due_on=DUE - 30 * DAY)
    on = DUE + DAY
    ranked = list(Commitment.objects.by_overdue_since(on).order_by("overdue_since", "pk"))
    assert [(c.slug, c.overdue_since) for c in ranked] == [
        (late.slug, DUE - 9 * DAY),
        (later.slug, DUE - DAY),
    ]
    assert {c.slug for c in ranked} == overdue_slugs(on)
    annotated = {c.slug: c.overdue_since for c in Commitment.objects.with_overdue(on)}
    assert all(annotated[c.slug] == c.overdue_since for c in ranked)
    assert Commitment.objects.by_overdue_since(on).count() == 2


def test_next_deadline_skips_done_passed_and_closed():
    commitment = make_commitment()
    make_deadline(commitment, due_on=DUE - DAY)
    make_deadline(commitment, due_on=DUE + DAY, is_done=True)
    upcoming = make_deadline(commitment, due_on=DUE + 2 * DAY)
    assert commitment.next_deadline(DUE) == upcoming
    annotated = Commitment.objects.with_next_deadline(DUE).get()
    assert (annotated.next_due_on, annotated.next_due_exactness) == (DUE + 2 * DAY, "day")
    make_assessment(commitment, Status.WITHDRAWN)
    assert commitment.next_deadline(DUE) is None
    assert Commitment.objects.with_next_deadline(DUE).get().next_due_on is None


def test_the_next_deadline_is_the_first_open_one_due_on_or_after_the_day():
    mixed = make_commitment()
    make_deadline(mixed, due_on=DUE - DAY)  # passed
    make_deadline(mixed, due_on=DUE + DAY, is_done=True)  # done
    make_deadline(mixed, due_on=DUE + 9 * DAY)
    make_deadline(mixed, milestone=make_milestone(date=DUE + 7 * DAY))  # due by its milestone's date
    due_today = make_commitment()
    make_deadline(due_today, due_on=DUE)
    make_deadline(due_today, due_on=DUE + DAY)
    all_passed = make_commitment()
    make_deadline(all_passed, due_on=DUE - 3 * DAY)
    closed = make_commitment(status=Status.ACHIEVED)
    make_deadline(closed, due_on=DUE + DAY)
    make_commitment()  # no deadline at all
    annotated = {c.pk: c.next_due_on for c in Commitment.objects.with_next_deadline(DUE)}
    assert annotated[mixed.pk] == DUE + 7 * DAY and annotated[due_today.pk] == DUE
    assert sorted(annotated.values(), key=str) == [DUE, DUE + 7 * DAY, None, None, None]


def test_due_soon_covers_today_through_the_window_inclusive():
    commitment = make_commitment()
    make_deadline(commitment, due_on=DUE)
    due_soon = Commitment.objects.due_soon
    assert list(due_soon(DUE, days=30)) == [commitment]  # due today
    assert list(due_soon(DUE - 30 * DAY, days=30)) == [commitment]  # last day of the window
    assert list(due_soon(DUE - 31 * DAY, days=30)) == []
    assert list(due_soon(DUE + DAY, days=30)) == []  # passed: overdue, not due soon


def test_due_soon_ignores_done_deliverables_and_closed_commitments(settings):
    settings.TRACKER_DUE_SOON_DAYS = 10
    done = make_commitment()
    make_deadline(done, due_on=DUE, is_done=True)
    withdrawn = make_commitment(status=Status.WITHDRAWN)
    make_deadline(withdrawn, due_on=DUE)
    pending = make_commitment()
    make_deadline(pending, due_on=DUE)
    assert list(Commitment.objects.due_soon(DUE - 10 * DAY)) == [pending]
    assert list(Commitment.objects.due_soon(DUE - 11 * DAY)) == []


def test_stale_counts_from_the_latest_published_update():
    commitment = make_commitment()
    make_update(commitment, reported_on=datetime.date(2025, 6, 1))
    # A submitted or rejected update is not news the public has seen.
    make_update(commitment, reported_on=datetime.date(2025, 9, 1), state=PublicationState.SUBMITTED)
    make_update(
        commitment,
        reported_on=datetime.date(2025, 9, 2),
        state=PublicationState.REJECTED,
        rejection_reason="No",
    )
    stale = Commitment.objects.stale
    assert list(stale(datetime.date(2025, 8, 29), days=90)) == []
    assert list(stale(datetime.date(2025, 8, 30), days=90)) == [commitment]  # 90 days after 1 June


def test_a_commitment_never_updated_is_stale_from_its_announcement(settings):
    settings.TRACKER_STALE_AFTER_DAYS = 90
    commitment = make_commitment(announced_on=datetime.date(2025, 2, 10))
    assert list(Commitment.objects.stale(datetime.date(2025, 5, 10))) == []
    assert list(Commitment.objects.stale(datetime.date(2025, 5, 11))) == [commitment]  # 90 days on


def test_achieved_and_withdrawn_commitments_are_never_stale():
    make_commitment(status=Status.ACHIEVED)
    make_commitment(status=Status.WITHDRAWN)
    assert list(Commitment.objects.stale(datetime.date(2027, 1, 1))) == []


def test_latest_update_and_next_deadline_annotations():
    commitment = make_commitment()
    make_update(commitment, reported_on=datetime.date(2025, 3, 1))
    make_update(commitment, reported_on=datetime.date(2025, 4, 1))
    make_deadline(commitment, due_on=DUE - DAY)  # already passed
    make_deadline(commitment, due_on=DUE + 5 * DAY, is_done=True)  # done
    make_deadline(commitment, due_on=DUE + 9 * DAY)
    make_deadline(commitment, milestone=make_milestone(date=DUE + 7 * DAY))
    annotated = Commitment.objects.with_latest_update().with_next_deadline(DUE).get()
    assert annotated.latest_update_on == datetime.date(2025, 4, 1)
    assert annotated.next_due_on == DUE + 7 * DAY
    assert commitment.next_deadline(DUE).due_date() == DUE + 7 * DAY


def test_public_leaves_drafts_out():
    public, draft = make_commitment(), make_commitment(is_public=False)
    assert list(Commitment.objects.public()) == [public]
    assert draft not in Commitment.objects.public()


def test_soonest_within_reads_a_deadline_by_its_own_date_else_its_milestones():
    commitment = make_commitment()
    inside = make_milestone(date=datetime.date(2025, 11, 30))
    outside = make_milestone(date=datetime.date(2026, 6, 30))
    by_date = make_deadline(commitment, due_on=datetime.date(2025, 11, 1))
    by_milestone = make_deadline(commitment, milestone=inside)
    moved_out = make_deadline(commitment, milestone=inside, due_on=datetime.date(2026, 3, 1))
    moved_in = make_deadline(commitment, milestone=outside, due_on=datetime.date(2025, 12, 1))
    make_deadline(commitment, milestone=outside)
    window = Deadline.objects.soonest_within(
        datetime.date(2025, 11, 1), datetime.date(2025, 12, 31), [inside, outside], count=10
    )
    assert set(window) == {by_date, by_milestone, moved_in}
    assert moved_out not in window


def test_soonest_within_merges_own_dates_and_milestones_in_due_order_and_keeps_the_first():
    commitment = make_commitment()
    november = make_milestone(date=datetime.date(2025, 11, 15))
    later = make_milestone(date=datetime.date(2026, 6, 30))
    first = make_deadline(commitment, due_on=datetime.date(2025, 11, 1))
    at_milestone = make_deadline(commitment, milestone=november)
    same_day = make_deadline(commitment, due_on=datetime.date(2025, 11, 15))  # after, by pk
    third = make_deadline(commitment, due_on=datetime.date(2025, 12, 1), milestone=later)
    make_deadline(commitment, due_on=datetime.date(2025, 12, 31))  # fifth
    make_deadline(commitment, milestone=later)  # outside the window
    make_deadline(commitment, due_on=datetime.date(2025, 10, 31))  # before it
    soonest = Deadline.objects.soonest_within(
        datetime.date(2025, 11, 1), datetime.date(2025, 12, 31), [november, later], 4
    )
    assert soonest == [first, at_milestone, same_day, third]
    assert [d.due for d in soonest] == [datetime.date(2025, 11, 1), *[datetime.date(2025, 11, 15)] * 2,
                                        datetime.date(2025, 12, 1)]  # fmt: skip
    assert Deadline.objects.soonest_within(
        datetime.date(2025, 11, 2), datetime.date(2025, 11, 30), [november, later], 1
    ) == [at_milestone]


# Commitment.first_open_due, which overdue() reads, follows every way its deadlines change.


def first_open_due(commitment):
    return Commitment.objects.get(pk=commitment.pk).first_open_due


def test_first_open_due_is_the_earliest_open_deliverable_by_its_own_date_or_its_milestone():
    milestone = make_milestone(date=DUE - 10 * DAY)
    commitment = make_commitment()
    assert first_open_due(commitment) is None
    make_deadline(commitment, due_on=DUE)
    assert first_open_due(commitment) == DUE
    make_deadline(commitment, milestone=milestone)
    assert first_open_due(commitment) == DUE - 10 * DAY
    # An own date wins over the milestone's, later or not.
    make_deadline(commitment, milestone=milestone, due_on=DUE + 5 * DAY)
    assert first_open_due(commitment) == DUE - 10 * DAY


def test_first_open_due_moves_on_when_deliverables_are_done_and_clears_when_all_are():
    commitment = make_commitment()
    first = make_deadline(commitment, due_on=DUE)
    second = make_deadline(commitment, due_on=DUE + 30 * DAY)
    first.is_done, first.done_on = True, DUE
    first.save(update_fields=["is_done", "done_on"])
    assert first_open_due(commitment) == DUE + 30 * DAY
    assert overdue_slugs(DUE + DAY) == set()
    Deadline.objects.filter(pk=second.pk).get().delete()
    assert first_open_due(commitment) is None


def test_first_open_due_follows_a_milestone_that_moves():
    milestone = make_milestone(date=DUE)
    commitment, other = make_commitment(), make_commitment()
    make_deadline(commitment, milestone=milestone)
    make_deadline(other, due_on=DUE + 100 * DAY)
    milestone.date = DUE + 60 * DAY
    milestone.save()
    assert first_open_due(commitment) == DUE + 60 * DAY
    assert first_open_due(other) == DUE + 100 * DAY
    assert overdue_slugs(DUE + DAY) == set()


def test_first_open_due_after_a_bulk_delete_and_a_deadline_moved_to_another_commitment():
    commitment, other = make_commitment(), make_commitment()
    early = make_deadline(commitment, due_on=DUE)
    make_deadline(commitment, due_on=DUE + 10 * DAY)
    make_deadline(other, due_on=DUE + 50 * DAY)
    # Moved: the commitment it left and the one it joins both change.
    moved = Deadline.objects.get(pk=early.pk)
    moved.commitment = other
    moved.save()
    assert (first_open_due(commitment), first_open_due(other)) == (DUE + 10 * DAY, DUE)
    # The admin's "delete selected": a queryset delete, which calls no delete() method.
    Deadline.objects.filter(commitment=other).delete()
    assert first_open_due(other) is None
    assert first_open_due(commitment) == DUE + 10 * DAY


def test_refresh_derived_mends_rows_written_without_signals():
    commitment = make_commitment()
    Deadline.objects.bulk_create(
        [
            Deadline(commitment=commitment, slug=f"d{n}", title_fr="L", title_en="D", due_on=DUE + n * DAY)
            for n in (3, 1)
        ]
    )
    assert first_open_due(commitment) is None  # bulk_create sends no signal
    assert Commitment.objects.filter(pk=commitment.pk).refresh_derived() == 1
    assert first_open_due(commitment) == DUE + DAY
    assert overdue_slugs(DUE + 2 * DAY) == {commitment.slug}


def test_refresh_derived_rewrites_many_commitments_in_parts(monkeypatch):
    monkeypatch.setattr(querysets, "REFRESH_CHUNK", 2)
    commitments = [make_commitment() for _ in range(5)]
    Deadline.objects.bulk_create(
        [
            Deadline(commitment=c, slug="d", title_fr="L", title_en="D", due_on=DUE + n * DAY)
            for n, c in enumerate(commitments)
        ]
    )
    assert Commitment.objects.filter(pk__in=[c.pk for c in commitments]).refresh_derived() == 5
    assert [first_open_due(c) for c in commitments] == [DUE + n * DAY for n in range(5)]


def test_derived_drifted_finds_every_kind_of_difference_from_the_deadlines():
    right, wrong, unset, stray, none = (make_commitment() for _ in range(5))
    for commitment in (right, wrong, unset):
        make_deadline(commitment, due_on=DUE)
    make_deadline(none, due_on=DUE, is_done=True, done_on=DUE)
    assert not Commitment.objects.derived_drifted().exists()
    # Written as SQL by hand would: a wrong date, a missing one, one where nothing is open.
    Commitment.objects.filter(pk=wrong.pk).update(first_open_due=DUE + DAY)
    Commitment.objects.filter(pk=unset.pk).update(first_open_due=None)
    Commitment.objects.filter(pk=stray.pk).update(first_open_due=DUE)
    drifted = Commitment.objects.derived_drifted()
    assert set(drifted.values_list("slug", flat=True)) == {wrong.slug, unset.slug, stray.slug}
    assert drifted.refresh_derived() == 3
    assert not Commitment.objects.derived_drifted().exists()
    assert [first_open_due(c) for c in (right, wrong, unset, stray, none)] == [DUE, DUE, DUE, None, None]


PARTS = ["stated_counts", "amounts", "targets", "children", "decisions", "signatory_assessments"]


def parts_of(commitment) -> set[str]:
    """The parts the commitment's row says it has (Commitment.has_*)."""
    row = Commitment.objects.get(pk=commitment.pk)
    return {part for part in PARTS if getattr(row, f"has_{part}")}


def give_every_part(commitment):
    StatedCount.objects.create(commitment=commitment, role=Role.SIGNATORY, count=3, noun_en="states")
    Amount.objects.create(commitment=commitment, slug="f", amount=1, currency="EUR")
    Target.objects.create(commitment=commitment, slug="t", name_en="Members", target_value=60)
    make_commitment(parent=commitment)
    Decision.objects.create(commitment=commitment, kind=DecisionKind.CORRECTION, reason="Wrong figure.")
    signatories = [commitment.involvements.create(owner=make_owner(), role=Role.SIGNATORY) for _ in "ab"]
    make_signatory_assessment(signatories[0], Status.ACHIEVED)


def test_a_commitment_knows_which_parts_it_has_as_they_come_and_go():
    commitment, other = make_commitment(), make_commitment()
    assert parts_of(commitment) == set()
    give_every_part(commitment)
    assert parts_of(commitment) == set(PARTS) and parts_of(other) == set()
    # Edited, a part is still there; deleted one by one or as the admin's bulk delete does (a queryset
    # delete, which calls no delete() method), it is gone.
    count = commitment.stated_counts.get()
    count.count = 4
    count.save()
    assert "stated_counts" in parts_of(commitment)
    count.delete()
    Amount.objects.filter(commitment=commitment).delete()
    commitment.targets.get().delete()
    commitment.decisions.get().delete()
    SignatoryAssessment.objects.filter(involvement__commitment=commitment).delete()
    assert parts_of(commitment) == {"children"}
    # Moved elsewhere, a part marks its new commitment and no longer the one it left.
    child = commitment.children.get()
    child.parent = other
    child.save()
    assert (parts_of(commitment), parts_of(other)) == (set(), {"children"})
    target = Target.objects.create(commitment=commitment, slug="t", name_en="Members", target_value=6)
    target = Target.objects.get(pk=target.pk)  # read back, as a form would
    target.commitment = other
    target.save()
    assert (parts_of(commitment), parts_of(other)) == (set(), {"children", "targets"})
    child.delete()
    assert parts_of(other) == {"targets"} and not Commitment.objects.derived_drifted()


def test_the_derived_fields_are_those_the_refresh_writes():
    # Commitment.save() skips and history leaves out DERIVED_FIELDS: the same list as is written.
    assert list(CommitmentQuerySet._derived()) == DERIVED_FIELDS
    assert [f"has_{part}" for part in PARTS] == DERIVED_FIELDS[1:]


@pytest.mark.parametrize("part", PARTS)
def test_derived_drifted_finds_a_part_marked_wrongly_either_way(part):
    full, empty = make_commitment(), make_commitment()
    give_every_part(full)
    Commitment.objects.filter(pk=full.pk).update(**{f"has_{part}": False})  # its page would hide it
    Commitment.objects.filter(pk=empty.pk).update(**{f"has_{part}": True})
    drifted = Commitment.objects.derived_drifted()
    assert set(drifted) == {full, empty}
    assert drifted.refresh_derived() == 2
    assert (parts_of(full), parts_of(empty)) == (set(PARTS), set())


def test_saving_a_commitment_read_earlier_keeps_the_parts_it_has_since():
    commitment = make_commitment()
    stale = Commitment.objects.get(pk=commitment.pk)  # an editor's form opened before the parts came
    give_every_part(commitment)
    stale.title_en = "Edited"
    stale.save()
    assert parts_of(commitment) == set(PARTS)


def test_saving_a_commitment_read_earlier_keeps_the_date_its_deadlines_set():
    commitment = make_commitment()
    stale = Commitment.objects.get(pk=commitment.pk)  # an editor's form opened before the deadline came
    make_deadline(commitment, due_on=DUE)
    stale.title_en = "Renamed"
    stale.save()
    assert first_open_due(commitment) == DUE
    assert Commitment.objects.get(pk=commitment.pk).title_en == "Renamed"
    # Read in part, saved: only what was read is written (the history reads the rest for its record).
    partial = Commitment.objects.only("title_en").get(pk=commitment.pk)
    partial.title_en = "Renamed again"
    with CaptureQueriesContext(connection) as queries:
        partial.save()
    (update,) = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "tracker_commitment"')]
    assert '"title_en"' in update and '"summary_en"' not in update
    assert Commitment.objects.get(pk=commitment.pk).title_en == "Renamed again"
    assert first_open_due(commitment) == DUE


def test_deleting_a_commitment_deletes_its_deadlines_with_it():
    commitment = make_commitment()
    make_deadline(commitment, due_on=DUE)
    make_deadline(commitment, due_on=DUE + DAY)
    commitment.delete()
    assert not Deadline.objects.exists() and not Commitment.objects.exists()
