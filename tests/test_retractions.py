"""
Published facts are retracted, never deleted (issue #24): a correction retracts a published update
with a public reason; editors delete only what was never public; superusers clean up anything. And
reviewing stays a two-person act: nobody publishes their own report, and a publication and a
rejection sent at the same moment cannot both succeed.
"""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tests.conftest import editors_group
from tests.factory import api_key, make_commitment, make_update
from tracker.choices import DecisionKind, PublicationState, Status
from tracker.models import Commitment, Decision, Evidence, ProgressUpdate, Reading, Reminder, Target
from tracker.workflow import publish_update, record_decision, reject_update, submit_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Read the pages' and the messages' English words: the admin and the API too, asked for them."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _api(user=None) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return api


PROOF = [{"url": "https://example.org/proof"}]


@pytest.fixture
def reporter(django_user_model):
    return django_user_model.objects.create_user("reporter")


@pytest.fixture
def second_editor(db):
    user = User.objects.create_user("second", "second@example.org", "pw", is_staff=True)
    user.groups.add(editors_group())
    return user


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "pw")


@pytest.fixture
def commitment():
    return make_commitment(status=Status.IN_PROGRESS)


@pytest.fixture
def target(commitment):
    return Target.objects.create(
        commitment=commitment, slug="members", name_fr="Membres", name_en="Members", target_value=60
    )


@pytest.fixture
def published(commitment, target, reporter, editor):
    """A published report that made the commitment "achieved" and drew a reading on its chart."""
    update = submit_update(
        commitment=commitment,
        author=reporter,
        text="All done.",
        reported_on=datetime.date(2025, 11, 20),
        status=Status.ACHIEVED,
        evidence=PROOF,
        readings=[(target, Decimal(52))],
    )
    return publish_update(update, by=editor)


def _retract(update, by, **fields):
    decision = Decision(
        commitment=update.commitment,
        kind=DecisionKind.CORRECTION,
        retracts=update,
        reason="The report cited a draft, not the adopted text.",
        language="en",
        **fields,
    )
    return record_decision(decision, by=by)


def test_retracting_withdraws_what_publishing_applied_and_keeps_the_record(published, commitment, editor):
    commitment.refresh_from_db()
    assert commitment.status == Status.ACHIEVED
    assert Reading.objects.filter(from_update=published).exists()

    decision = _retract(published, editor)

    published.refresh_from_db()
    commitment.refresh_from_db()
    assert published.state == PublicationState.RETRACTED
    assert commitment.status == Status.IN_PROGRESS  # the verdict before the report
    assessment = published.assessments.get()
    assert assessment.retracted_by == decision  # kept in the history, marked
    assert not Reading.objects.filter(from_update=published).exists()
    assert Reading.history.filter(history_type="-", history_change_reason__contains="correction").exists()
    assert list(Decision.objects.corrections()) == [decision]


def test_a_retraction_with_a_corrected_status_sets_it(published, commitment, editor):
    _retract(published, editor, new_status=Status.STALLED, evidence_url="https://example.org/minutes")
    commitment.refresh_from_db()
    assert commitment.status == Status.STALLED


def test_a_retraction_names_a_published_update_of_its_own_commitment(published, commitment, editor):
    draft = make_update(commitment, state=PublicationState.SUBMITTED)
    other = make_update(make_commitment())
    for update, commitment_of_decision in ((draft, commitment), (other, commitment)):
        decision = Decision(
            commitment=commitment_of_decision,
            kind=DecisionKind.CORRECTION,
            retracts=update,
            reason="Wrong.",
        )
        with pytest.raises(ValidationError) as error:
            record_decision(decision, by=editor)
        assert "retracts" in error.value.message_dict
    followed_up = Decision(
        commitment=commitment, kind=DecisionKind.FOLLOWED_UP, retracts=published, reason="x"
    )
    with pytest.raises(ValidationError) as error:
        record_decision(followed_up, by=editor)
    assert "retracts" in error.value.message_dict
    _retract(published, editor)
    with pytest.raises(ValidationError):  # once is enough
        _retract(ProgressUpdate.objects.get(pk=published.pk), editor)


def test_editors_retract_from_the_review_page_and_the_public_sees_why(published, commitment, editor, client):
    client.force_login(editor)
    page = client.get(reverse("tracker:review_commitment", args=[commitment.slug]))
    assert f'<option value="{published.pk}">' in page.content.decode()  # offered to retract
    form = {"kind": DecisionKind.CORRECTION, "retracts": published.pk, "new_precision": "day"}
    refused = client.post(reverse("tracker:decide", args=[commitment.slug]), {**form, "reason": ""})
    assert refused.status_code == 400  # a retraction says why, in public
    published.refresh_from_db()
    assert published.state == PublicationState.PUBLISHED

    reason = "The figures were those of another programme."
    done = client.post(reverse("tracker:decide", args=[commitment.slug]), {**form, "reason": reason})
    assert done.status_code == 302
    client.logout()

    update_page = client.get(published.get_absolute_url()).content.decode()
    assert "retracted this update" in update_page and reason in update_page
    corrections = client.get(reverse("tracker:corrections")).content.decode()
    assert reason in corrections and published.get_absolute_url() in corrections
    commitment_page = client.get(commitment.get_absolute_url()).content.decode()
    assert "Retracted:" in commitment_page  # the verdict it made, marked in the history
    updates_page = client.get(reverse("tracker:commitment_updates", args=[commitment.slug])).content.decode()
    assert "All done." not in updates_page  # no longer among the commitment's updates
    feed = client.get(reverse("tracker:feed_corrections")).content.decode()
    assert "Retracted the progress update of" in feed


def test_the_api_records_a_retraction(published, commitment, editor):
    api = _api(editor)
    payload = {
        "commitment": commitment.slug,
        "kind": "correction",
        "retracts": published.pk,
        "reason": "Wrong.",
    }
    assert api.post("/api/decisions/", {**payload, "kind": "followed_up"}, format="json").status_code == 400
    answer = api.post("/api/decisions/", payload, format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["retracts"] == published.pk
    published.refresh_from_db()
    assert published.state == PublicationState.RETRACTED
    detail = _api().get(f"/api/commitments/{commitment.slug}/").json()
    marked = {a["update"]: a["retracted_by"] for a in detail["assessments"]}
    assert marked[published.pk] == answer.json()["id"]
    assert detail["status"] == Status.IN_PROGRESS


# Deleting: drafts and superusers.


def _delete(client, obj):
    admin_name = f"admin:tracker_{obj._meta.model_name}_delete"
    return client.post(reverse(admin_name, args=[obj.pk]), {"post": "yes"})


def test_editors_delete_drafts_but_not_what_was_published(published, commitment, target, editor, client):
    client.force_login(editor)
    draft = make_update(commitment, state=PublicationState.SUBMITTED)
    assert _delete(client, draft).status_code == 302
    assert not ProgressUpdate.objects.filter(pk=draft.pk).exists()
    evidence = published.evidence.get()
    for obj in (published, evidence, Reading.objects.get(target=target), target, commitment):
        # Refused outright (403), or, for what would take published rows with it, the page that
        # lists what the editor may not delete (200) instead of deleting.
        answer = _delete(client, obj)
        assert answer.status_code == 403 or answer.context["perms_lacking"], obj
        assert type(obj).objects.filter(pk=obj.pk).exists()
    _retract(published, editor)
    published.refresh_from_db()
    assert _delete(client, published).status_code == 403  # retracted is still on record


def test_editors_delete_a_draft_commitment_but_not_a_public_one_nor_its_targets(editor, client):
    client.force_login(editor)
    public, draft = make_commitment(), make_commitment(is_public=False)
    Target.objects.create(commitment=public, slug="t", name_fr="T", name_en="T", target_value=1)
    answer = _delete(client, public)
    assert answer.status_code == 403 or answer.context["perms_lacking"]
    assert Commitment.objects.filter(pk=public.pk).exists()
    # Nor by ticking "Delete" on its page's targets: an inline asks no other admin.
    page = client.get(reverse("admin:tracker_commitment_change", args=[public.pk]))
    (targets,) = [i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is Target]
    assert not targets.can_delete
    assert _delete(client, draft).status_code == 302
    assert not Commitment.objects.filter(pk=draft.pk).exists()


def test_a_retracted_update_stays_as_it_was_in_the_admin(published, editor, client):
    _retract(published, editor)
    client.force_login(editor)
    page = client.get(reverse("admin:tracker_progressupdate_change", args=[published.pk]))
    assert "text" not in page.context["adminform"].form.fields  # shown, not editable
    (evidence,) = [i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is Evidence]
    assert not evidence.can_delete


def test_a_retracted_verdict_does_not_hide_that_an_older_report_now_sets_the_status(
    published, commitment, reporter, editor
):
    _retract(published, editor)
    older = submit_update(
        commitment=commitment,
        author=reporter,
        text="Stalled since the summer.",
        reported_on=datetime.date(2025, 10, 1),
        status=Status.STALLED,
        reason="no_funding",
        evidence=PROOF,
    )
    assert publish_update(older, by=editor).status_applied
    commitment.refresh_from_db()
    assert commitment.status == Status.STALLED


def test_a_superuser_cleans_up_a_commitment_with_its_whole_record(
    published, commitment, editor, client, superuser
):
    _retract(published, editor)
    Reminder.objects.create(
        kind="stale",
        subject=f"commitment:{commitment.pk}",
        commitment=commitment,
        occurrence="2025-12-01",
        email="rep@example.org",
    )
    client.force_login(superuser)
    confirm = client.get(reverse("admin:tracker_commitment_delete", args=[commitment.pk]))
    assert confirm.status_code == 200 and not confirm.context["perms_lacking"]
    assert not confirm.context["protected"]
    assert _delete(client, commitment).status_code == 302
    assert not Commitment.objects.filter(pk=commitment.pk).exists()
    assert not Reminder.objects.exists() and not Evidence.objects.exists()


# Reviewing takes two people, and one decision at a time.


def test_nobody_publishes_their_own_report(commitment, editor, client):
    own = submit_update(commitment=commitment, author=editor, text="We did it.")
    with pytest.raises(ValidationError, match="another editor"):
        publish_update(own, by=editor)
    client.force_login(editor)
    page = client.get(reverse("tracker:review_update", args=[own.pk])).content.decode()
    assert reverse("tracker:publish_update", args=[own.pk]) not in page
    client.post(reverse("tracker:publish_update", args=[own.pk]))
    own.refresh_from_db()
    assert own.state == PublicationState.SUBMITTED


def test_the_admin_refuses_publishing_ones_own_update(commitment, editor, client):
    client.force_login(editor)
    answer = client.post(
        reverse("admin:tracker_progressupdate_add"),
        {
            "commitment": commitment.pk,
            "reported_on": "2025-06-01",
            "text": "Self-published.",
            "state": PublicationState.PUBLISHED,
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
            "reported_readings-TOTAL_FORMS": "0",
            "reported_readings-INITIAL_FORMS": "0",
        },
    )
    assert answer.status_code == 200
    assert "another editor" in answer.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_the_api_refuses_publishing_ones_own_update(commitment, editor):
    own = submit_update(commitment=commitment, author=editor, text="We did it.")
    api = _api(editor)
    answer = api.post(f"/api/updates/{own.pk}/publish/")
    assert answer.status_code == 400 and "another editor" in str(answer.json())


def test_a_publication_after_an_unseen_rejection_is_refused(
    commitment, reporter, editor, second_editor, client
):
    update = submit_update(commitment=commitment, author=reporter, text="Done.")
    client.force_login(editor)
    page = client.get(reverse("tracker:review_update", args=[update.pk])).content.decode()
    assert 'name="reconsider"' not in page  # the editor sees a submitted update
    reject_update(update, by=second_editor, reason="No source.")  # meanwhile
    client.post(reverse("tracker:publish_update", args=[update.pk]))
    update.refresh_from_db()
    assert update.state == PublicationState.REJECTED  # the later click did not silently win

    page = client.get(reverse("tracker:review_update", args=[update.pk])).content.decode()
    assert 'name="reconsider"' in page  # now seen as rejected, it may be published after all
    client.post(reverse("tracker:publish_update", args=[update.pk]), {"reconsider": "rejected"})
    update.refresh_from_db()
    assert update.state == PublicationState.PUBLISHED


def test_the_api_publishes_a_rejected_update_only_when_told_so(commitment, reporter, editor, second_editor):
    update = submit_update(commitment=commitment, author=reporter, text="Done.")
    reject_update(update, by=second_editor, reason="No source.")
    api = _api(editor)
    assert api.post(f"/api/updates/{update.pk}/publish/").status_code == 400
    answer = api.post(f"/api/updates/{update.pk}/publish/", {"reconsider": True}, format="json")
    assert answer.status_code == 200 and answer.json()["state"] == "published"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_editors_retracting_one_update_at_once_get_a_message_not_an_error(
    published, commitment, editor, second_editor, client
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite runs one writer at a time)")
    holding = threading.Event()

    def first_editor():
        # Retracts, then holds its transaction open while the second editor's form is sent.
        try:
            with transaction.atomic():
                _retract(published, by=editor)
                holding.set()
                time.sleep(1)
        finally:
            connection.close()  # this thread's

    thread = threading.Thread(target=first_editor)
    thread.start()
    assert holding.wait(10)
    client.force_login(second_editor)
    response = client.post(
        reverse("admin:tracker_decision_add"),
        {"commitment": commitment.pk, "kind": DecisionKind.CORRECTION, "retracts": published.pk,
         "reason": "The same mistake, seen twice.", "language": "en", "new_precision": "day"},
    )  # fmt: skip
    thread.join()

    assert response.status_code == 200
    assert "retracts" in response.context["adminform"].form.errors
    assert Decision.objects.filter(retracts=published).count() == 1
