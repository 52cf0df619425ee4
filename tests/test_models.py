import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner, make_update
from tracker.choices import Role, Status
from tracker.dates import DatePrecision
from tracker.models import Assessment, Deadline, Involvement, OwnerContact, ProgressUpdate, Reading, Target

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Validation messages are checked in English (the site's default language is French)."""
    with translation.override("en"):
        yield


def test_texts_follow_the_active_language_and_fall_back_to_french():
    commitment = make_commitment(title_fr="Déclaration de Paris", title_en="Paris Declaration")
    with translation.override("en"):
        assert commitment.title == "Paris Declaration"
    with translation.override("fr"):
        assert commitment.title == "Déclaration de Paris"
    commitment.description_fr, commitment.description_en = "Texte source.", ""
    with translation.override("en"):
        assert commitment.description == "Texte source."
    # Written in English alone, a text is shown in English on French pages rather than not at all.
    commitment.description_fr, commitment.description_en = "", "Written in English."
    with translation.override("fr"):
        assert commitment.description == "Written in English."


def test_owner_display_name_uses_the_english_name_only_when_there_is_one():
    oecd = make_owner(name="Organisation de coopération et de développement économiques", name_en="OECD")
    google = make_owner(name="Google")
    with translation.override("en"):
        assert (oecd.display_name, google.display_name) == ("OECD", "Google")
    with translation.override("fr"):
        assert oecd.display_name.startswith("Organisation")


def test_dates_known_to_a_month_are_kept_as_that_month_whatever_day_is_typed():
    commitment = make_commitment(
        announced_on=datetime.date(2025, 2, 3), announced_precision=DatePrecision.MONTH
    )
    commitment.refresh_from_db()
    assert commitment.announced_on == datetime.date(2025, 2, 28)
    with translation.override("en"):
        assert commitment.announced_label() == "February 2025"


def test_a_deadline_needs_a_milestone_or_a_date():
    commitment = make_commitment()
    deadline = Deadline(commitment=commitment, slug="x", title_fr="x", title_en="x")
    with pytest.raises(ValidationError) as error:
        deadline.full_clean()
    assert error.value.messages == ["A deadline needs a milestone or a due date."]
    with pytest.raises(IntegrityError), transaction.atomic():
        deadline.save()


def test_a_deadline_with_a_done_date_must_be_done():
    deadline = make_deadline(make_commitment())
    deadline.done_on = datetime.date(2025, 3, 1)
    with pytest.raises(ValidationError):
        deadline.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        deadline.save()


def test_a_deadline_due_at_a_milestone_shows_the_milestone_precision():
    g7 = make_milestone(date=datetime.date(2026, 1, 1), date_precision=DatePrecision.YEAR)
    deadline = make_deadline(make_commitment(), milestone=g7)
    assert deadline.due_date() == datetime.date(2026, 12, 31)
    assert deadline.due_label() == "2026"


def test_days_overdue_and_next_deadline():
    commitment = make_commitment()
    make_deadline(commitment, due_on=datetime.date(2025, 3, 31))
    make_deadline(commitment, due_on=datetime.date(2026, 12, 31))
    on = datetime.date(2025, 4, 10)
    assert commitment.days_overdue(on) == 10
    assert commitment.next_deadline(on).due_date() == datetime.date(2026, 12, 31)


def test_the_next_and_missed_deadlines_read_with_the_parts_are_those_the_database_finds():
    from tracker.models import Commitment

    on = datetime.date(2025, 11, 30)
    november = make_milestone(date=datetime.date(2025, 11, 30), date_precision=DatePrecision.MONTH)
    cases = {
        "overdue, done, then by milestone": make_commitment(),
        "only done or overdue": make_commitment(),
        "closed": make_commitment(status=Status.ACHIEVED),
        "none": make_commitment(),
        "two missed by the same day": make_commitment(),
    }
    same_day = cases["two missed by the same day"]
    make_deadline(same_day, due_on=datetime.date(2024, 12, 31), due_precision=DatePrecision.YEAR)
    make_deadline(same_day, due_on=datetime.date(2024, 12, 31))  # known to the day: the one named
    first = cases["overdue, done, then by milestone"]
    make_deadline(first, due_on=datetime.date(2025, 11, 29))  # a day late
    make_deadline(first, due_on=datetime.date(2025, 11, 30), is_done=True, done_on=on)
    make_deadline(first, milestone=november)  # due on `on`: not late yet
    make_deadline(first, due_on=datetime.date(2025, 12, 1))
    make_deadline(cases["only done or overdue"], due_on=datetime.date(2025, 1, 1))
    make_deadline(cases["only done or overdue"], due_on=datetime.date(2026, 1, 1), is_done=True, done_on=on)
    make_deadline(cases["closed"], due_on=datetime.date(2026, 1, 1))
    make_deadline(cases["closed"], due_on=datetime.date(2025, 1, 1))  # late, but no longer owed
    for case, commitment in cases.items():
        queried = commitment.next_deadline(on)
        with_parts = Commitment.objects.as_shown(on).get(pk=commitment.pk)
        row = Commitment.objects.as_rows(on).get(pk=commitment.pk)
        assert with_parts.next_deadline(on) == queried, case
        # The missed one, the header's other answer, the same way; and the one days_overdue() counts.
        missed = commitment.missed_deadline(on)
        assert with_parts.missed_deadline(on) == missed, case
        assert with_parts.days_overdue(on) == (missed.days_overdue(on) if missed else 0), case
        assert row.next_due_on == (queried.due_date() if queried else None), case
        # A list's row names the missed date at the precision the header gives it.
        if missed:
            assert row.overdue_precision == missed.due_exactness, case
    assert first.next_deadline(on).milestone == november
    assert first.missed_deadline(on).due_on == datetime.date(2025, 11, 29)
    assert cases["closed"].missed_deadline(on) is None
    assert same_day.missed_deadline(on).due_exactness == DatePrecision.DAY
    assert Commitment.objects.as_shown(on).get(pk=first.pk).next_deadline(on).due_exactness == "month"


def test_a_month_precision_reading_is_checked_for_uniqueness_on_its_stored_date():
    target = Target.objects.create(
        commitment=make_commitment(), slug="t", name_fr="t", name_en="t", target_value=60
    )
    Reading.objects.create(
        target=target, measured_on=datetime.date(2025, 2, 3), measured_precision="month", value=44
    )
    again = Reading(
        target=target, measured_on=datetime.date(2025, 2, 10), measured_precision="month", value=45
    )
    # Both stand for February 2025: a form says so instead of failing on save.
    with pytest.raises(ValidationError, match="already has a reading"):
        again.full_clean()


def test_a_commitment_cannot_be_part_of_itself_even_through_a_chain():
    parent = make_commitment()
    child = make_commitment(parent=parent)
    parent.parent = child
    with pytest.raises(ValidationError, match="part of itself"):
        parent.full_clean()


def test_an_owner_role_is_recorded_once_per_commitment():
    owner = make_owner()
    commitment = make_commitment(owner=owner, role=Role.LEAD)
    Involvement.objects.create(commitment=commitment, owner=owner, role=Role.FUNDER)  # another role is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        Involvement.objects.create(commitment=commitment, owner=owner, role=Role.LEAD)


def test_a_contact_needs_an_account_or_an_email(django_user_model):
    owner = make_owner()
    with pytest.raises(ValidationError) as error:
        OwnerContact(owner=owner, name="Nobody").full_clean()
    assert error.value.messages == ["A contact needs an account or an e-mail address."]  # once
    user = django_user_model.objects.create_user("rep", "rep@example.org")
    contact = OwnerContact.objects.create(owner=owner, user=user)
    assert contact.recipient_email() == "rep@example.org"
    with pytest.raises(IntegrityError), transaction.atomic():
        OwnerContact.objects.create(owner=owner, user=user)


def test_a_rejected_update_says_why():
    update = ProgressUpdate(commitment=make_commitment(), text="x", state="rejected")
    with pytest.raises(ValidationError, match="why"):
        update.full_clean()


def test_an_owners_report_is_the_same_on_one_update_as_in_the_queryset():
    commitment, owner = make_commitment(), make_owner()
    updates = [
        make_update(commitment, on_behalf_of=on_behalf_of, status=status)
        for on_behalf_of in (None, owner)
        for status in ("", Status.IN_PROGRESS)
    ]
    reports = set(ProgressUpdate.objects.owners_reports())
    assert reports == {updates[3]}  # on an owner's behalf, with a status
    assert [update.is_owners_report for update in updates] == [update in reports for update in updates]


def test_a_deadline_is_overdue_on_one_row_as_in_the_queryset():
    on = datetime.date(2025, 12, 1)
    milestone = make_milestone(date=datetime.date(2025, 11, 30))
    deadlines = [
        make_deadline(make_commitment(status=status), is_done=done, **due)
        for status in (Status.IN_PROGRESS, Status.ACHIEVED, Status.WITHDRAWN)
        for done in (False, True)
        for due in (
            {"due_on": datetime.date(2025, 11, 30)},  # the day before
            {"due_on": on},  # due today: not late yet
            {"due_on": datetime.date(2026, 1, 1)},
            {"milestone": milestone},  # due at the milestone, the day before
            {"milestone": milestone, "due_on": datetime.date(2026, 1, 1)},  # its own date wins
        )
    ]
    overdue = set(Deadline.objects.overdue(on))
    assert len(overdue) == 2  # open, on an open commitment, due before `on`
    assert [d.is_overdue_on(on) for d in deadlines] == [d in overdue for d in deadlines]


def test_evidence_links_must_be_http_or_https():
    from tracker.models import Evidence

    update = ProgressUpdate.objects.create(commitment=make_commitment(), text="x")
    with pytest.raises(ValidationError):
        Evidence(update=update, url="javascript:alert(1)").full_clean()
    Evidence(update=update, url="https://example.org/report.pdf").full_clean()


def test_every_change_is_kept_in_the_history():
    commitment = make_commitment(title_en="Before", status=Status.NOT_ASSESSED)
    commitment.title_en = "After"
    commitment.save()
    titles = [record.title_en for record in commitment.history.all()]
    assert titles == ["After", "Before"]


@pytest.mark.parametrize(
    ("baseline", "target", "value", "share"),
    [
        (44, 60, 44, 0),
        (44, 60, 52, 50),
        (44, 60, 60, 100),
        (44, 60, 70, 100),
        (None, 1, "0.5", 50),
        (10, 2, 6, 50),
    ],
)
def test_a_target_share_counts_from_the_baseline(baseline, target, value, share):
    from decimal import Decimal

    goal = Target(target_value=Decimal(target), baseline=None if baseline is None else Decimal(baseline))
    assert goal.progress_share(Decimal(value)) == share


def test_an_assessment_says_what_it_was_made_from():
    # A published update, else an editors' decision, else the source documents (the summit's data).
    assert Assessment(update_id=1, decision_id=2).origin() == "progress_update"
    assert Assessment(decision_id=2).origin() == "editors_decision"
    assert Assessment().origin() == "source_documents"


def test_an_assessments_rationale_is_html_as_its_page_shows_it():
    # An update's text is Markdown, cleaned; the editors' and the sources' rationales are plain text.
    with translation.override("en"):
        made_from_update = Assessment(update_id=1, rationale_en="**Two** joined <script>x</script>")
        assert made_from_update.rationale_html() == "<p><strong>Two</strong> joined </p>"
        plain = Assessment(rationale_en="**Two** <b>joined</b>\nand more")
        assert plain.rationale_html() == "<p>**Two** &lt;b&gt;joined&lt;/b&gt;<br>and more</p>"
