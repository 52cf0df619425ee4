"""
The workspaces: representatives log progress, editors review, decide and read the history.

Every refusal is proven here: anonymous visitors are sent to sign in, representatives get 403 on the
editors' pages and for owners they do not represent, and CSRF is enforced.
"""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner, make_update
from tracker import reminders
from tracker.choices import DecisionKind, PublicationState, Role, Status
from tracker.models import Decision, Involvement, Milestone, OwnerContact, ProgressUpdate, Reading, Target
from tracker.workflow import reject_update
from tracker.workspace.accounts import set_language

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def gpai():
    owner = make_owner(slug="gpai", name="Partenariat mondial sur l'IA", name_en="Global Partnership on AI")
    commitment = make_commitment(
        slug="gpai-growth", title_en="Grow GPAI", owner=owner, status=Status.IN_PROGRESS
    )
    make_deadline(
        commitment,
        slug="bratislava",
        title_en="Welcome new members",
        milestone=make_milestone(slug="bratislava", date=datetime.date(2025, 11, 30), date_precision="month"),
    )
    Target.objects.create(
        commitment=commitment,
        slug="members",
        name_fr="Membres",
        name_en="Members",
        target_value=60,
        baseline=44,
    )
    return commitment


@pytest.fixture
def representative(gpai):
    user = User.objects.create_user("rep", "rep@example.org", "pw")
    OwnerContact.objects.create(owner=gpai.owners.get(), user=user)
    return user


@pytest.fixture
def rep_client(representative):
    client = Client()
    client.force_login(representative)
    return client


def url(name, *args):
    return reverse(f"tracker:{name}", args=args)


def log_data(gpai, **fields):
    """A valid progress report on `gpai`, as the form posts it."""
    target = gpai.targets.get()
    data = {
        "on_behalf_of": gpai.owners.get().pk,
        "reported_on": "2026-01-10",
        "status": Status.ACHIEVED,
        "reason": "",
        "text": "Six countries **joined** in Bratislava.",
        f"reading_{target.pk}": "50",
        "marks_done": [gpai.deadlines.get().pk],
        "evidence-TOTAL_FORMS": "3",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "10",
        "evidence-0-url": "https://gpai.example/bratislava",
        "evidence-0-title": "Ministerial declaration",
    }
    return {**data, **fields}


EDITORS_PAGES = [
    ("review_queue", ()),
    ("review_overdue", ()),
    ("review_commitment", ("gpai-growth",)),
    ("commitment_history", ("gpai-growth",)),
]


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("my_commitments", (), "get"),
        ("log_progress", ("gpai-growth",), "get"),
        ("log_progress", ("gpai-growth",), "post"),
        *[(name, args, "get") for name, args in EDITORS_PAGES],
        ("decide", ("gpai-growth",), "post"),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, gpai, name, args, method):
    response = getattr(client, method)(url(name, *args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_anonymous_visitors_cannot_publish_or_reject(client, gpai):
    update = make_update(gpai, state=PublicationState.SUBMITTED)
    for name in ("publish_update", "reject_update"):
        assert client.post(url(name, update.pk), {"reason": "x"}).status_code == 302
    update.refresh_from_db()
    assert update.state == PublicationState.SUBMITTED


@pytest.mark.parametrize(("name", "args"), EDITORS_PAGES)
def test_representatives_cannot_open_the_editors_pages(rep_client, name, args):
    assert rep_client.get(url(name, *args)).status_code == 403


def test_representatives_cannot_publish_reject_or_decide_even_by_crafting_a_post(rep_client, gpai):
    update = make_update(gpai, state=PublicationState.SUBMITTED, status=Status.ACHIEVED)
    assert rep_client.get(url("review_update", update.pk)).status_code == 403
    assert rep_client.post(url("publish_update", update.pk)).status_code == 403
    assert rep_client.post(url("reject_update", update.pk), {"reason": "no"}).status_code == 403
    decision = {"kind": DecisionKind.ACHIEVED, "reason": "Done", "evidence_url": "https://e.org"}
    assert rep_client.post(url("decide", "gpai-growth"), decision).status_code == 403
    update.refresh_from_db()
    gpai.refresh_from_db()
    assert (update.state, gpai.status, Decision.objects.count()) == (
        PublicationState.SUBMITTED,
        "in_progress",
        0,
    )


def test_a_representative_cannot_log_for_another_owners_commitment(rep_client, gpai):
    make_commitment(slug="other")
    assert rep_client.get(url("log_progress", "other")).status_code == 403
    assert rep_client.post(url("log_progress", "other"), log_data(gpai)).status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_a_crafted_post_for_an_owner_not_represented_is_refused(rep_client, gpai):
    # The other owner even takes part in the commitment: representing it is what counts.
    data = log_data(gpai)
    stranger = make_owner(slug="stranger")
    Involvement.objects.create(commitment=gpai, owner=stranger, role=Role.PARTNER)
    response = rep_client.post(url("log_progress", "gpai-growth"), {**data, "on_behalf_of": stranger.pk})
    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_csrf_is_enforced_on_every_form(representative, editor, gpai):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(representative)
    assert strict.post(url("log_progress", "gpai-growth"), log_data(gpai)).status_code == 403
    strict.force_login(editor)
    update = make_update(gpai, state=PublicationState.SUBMITTED)
    assert strict.post(url("publish_update", update.pk)).status_code == 403
    assert (
        strict.post(url("decide", "gpai-growth"), {"kind": "followed_up", "reason": "x"}).status_code == 403
    )
    update.refresh_from_db()
    assert update.state == PublicationState.SUBMITTED and not Decision.objects.exists()


def test_a_representative_logs_progress_and_sees_it_submitted(rep_client, gpai, representative):
    form = rep_client.get(url("log_progress", "gpai-growth"))
    assert form.status_code == 200
    assert b"Members" in form.content or b"Membres" in form.content

    response = rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))

    assert response.status_code == 302 and response["Location"] == url("my_commitments")
    update = ProgressUpdate.objects.get()
    assert (update.state, update.status, update.author) == ("submitted", "achieved", representative)
    assert [(r.target.slug, r.value) for r in update.reported_readings.all()] == [("members", Decimal(50))]
    assert [d.slug for d in update.marks_done.all()] == ["bratislava"]
    assert update.evidence.get().url == "https://gpai.example/bratislava"
    gpai.refresh_from_db()
    assert gpai.status == Status.IN_PROGRESS  # nothing public changes before an editor publishes
    mine = rep_client.get(url("my_commitments")).content.decode()
    assert "Grow GPAI" in mine or "Engagement" in mine
    assert 'class="state-submitted"' in mine


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"evidence-0-url": "", "evidence-0-title": ""}, None, "evidence link"),
        ({"status": Status.STALLED, "reason": ""}, "reason", "stalled or not achieved"),
        ({"reported_on": "2026-02-01"}, "reported_on", "future"),
        ({"evidence-0-url": "javascript:alert(1)"}, None, None),
        ({"text": ""}, "text", None),
    ],
)
def test_an_invalid_report_comes_back_with_messages_and_what_was_typed(
    rep_client, gpai, fields, field, message
):
    with translation.override("en"):
        response = rep_client.post(
            url("log_progress", "gpai-growth"), {**log_data(gpai, text="My careful words"), **fields}
        )
    assert response.status_code == 400
    assert not ProgressUpdate.objects.exists()
    form, evidence = response.context["form"], response.context["evidence"]
    errors = form.errors.get(field or "__all__", []) if field or message else [*form.errors, *evidence.errors]
    assert errors or evidence.total_error_count()
    if message:
        assert message in response.content.decode()  # rendered in the language of the address
    if "text" not in fields:
        assert "My careful words" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_an_editor_publishes_from_the_queue_and_the_public_page_shows_it(rep_client, editor_client, gpai):
    rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))
    update = ProgressUpdate.objects.get()

    queue = editor_client.get(url("review_queue")).content.decode()
    assert f'id="update-{update.pk}"' in queue and "<strong>joined</strong>" in queue  # the public rendering
    assert editor_client.get(url("review_update", update.pk)).status_code == 200
    response = editor_client.post(url("publish_update", update.pk))

    assert response.status_code == 302
    gpai.refresh_from_db()
    assert gpai.status == Status.ACHIEVED
    assert Reading.objects.get().value == 50
    assert gpai.deadlines.get().is_done
    with translation.override("en"):
        page = editor_client.get(gpai.get_absolute_url()).content.decode()
    assert "Six countries <strong>joined</strong>" in page
    assert "Achieved" in page or "achieved" in page
    assert "50 " in page or "50<" in page
    # A second publish is refused with a message, not a crash.
    again = editor_client.post(url("publish_update", update.pk), follow=True)
    assert "already published" in again.content.decode() or "déjà publié" in again.content.decode()


def test_a_rejection_needs_a_reason_and_the_representative_reads_it(rep_client, editor_client, gpai):
    rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))
    update = ProgressUpdate.objects.get()

    refused = editor_client.post(url("reject_update", update.pk), {"reason": ""})
    assert refused.status_code == 400 and refused.context["reject_form"].errors["reason"]
    editor_client.post(url("reject_update", update.pk), {"reason": "The link does not mention GPAI."})

    update.refresh_from_db()
    assert update.state == PublicationState.REJECTED
    mine = rep_client.get(url("my_commitments")).content.decode()
    assert "The link does not mention GPAI." in mine and 'class="state-rejected"' in mine


def test_the_overdue_review_counts_the_reminders_that_chased_owners_only(
    rep_client, editor_client, gpai, django_capture_on_commit_callbacks
):
    # The editors hear of the representative's update: mail about the commitment, but not to its owners.
    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))
    assert len(mail.outbox) == 1
    (row,) = editor_client.get(url("review_overdue")).context["page"]
    assert (row.slug, row.reminders_sent, row.reminders_failed) == ("gpai-growth", 0, 0)
    reminders.plan()  # its deadline has passed: its lead's contact is chased
    reminders.deliver()
    (row,) = editor_client.get(url("review_overdue")).context["page"]
    assert row.reminders_sent == len(mail.outbox) - 1 > 0


def test_an_editor_extends_an_overdue_deadline_and_the_public_page_explains_it(editor_client, gpai):
    deadline = gpai.deadlines.get()
    overdue = editor_client.get(url("review_overdue")).content.decode()
    assert url("review_commitment", "gpai-growth") in overdue

    response = editor_client.post(
        url("decide", "gpai-growth"),
        {
            "kind": DecisionKind.EXTENDED,
            "deadline": deadline.pk,
            "new_due": "2026-06",
            "new_precision": "month",
            "reason": "The ministerial was postponed.",
        },
    )
    assert response.status_code == 400  # "2026-06" is not a date: the form says so
    assert "The ministerial was postponed." in response.content.decode()

    response = editor_client.post(
        url("decide", "gpai-growth"),
        {
            "kind": DecisionKind.EXTENDED,
            "deadline": deadline.pk,
            "new_due": "2026-06-10",
            "new_precision": "month",
            "reason": "The ministerial was postponed.",
        },
    )
    assert response.status_code == 302
    deadline.refresh_from_db()
    assert deadline.due_date() == datetime.date(2026, 6, 30)  # a month is stored as its last day
    with translation.override("en"):
        page = editor_client.get(gpai.get_absolute_url()).content.decode()
    assert "Moved from November 2025 to June 2026, because:" in page
    assert "The ministerial was postponed." in page
    assert gpai.__class__.objects.overdue().count() == 0
    with translation.override("en"):
        milestone = editor_client.get(
            reverse("tracker:milestone_detail", args=["bratislava"])
        ).content.decode()
    assert "Moved from November 2025 to June 2026, because:" in milestone


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": DecisionKind.EXTENDED}, "deadline"),
        ({"kind": DecisionKind.ACHIEVED}, "evidence_url"),
        ({"kind": DecisionKind.MISSED}, "evidence_url"),  # every verdict rests on evidence
        ({"kind": DecisionKind.FOLLOWED_UP, "reason": ""}, "reason"),
        ({"kind": "nonsense"}, "kind"),
    ],
)
def test_an_invalid_decision_comes_back_with_messages(editor_client, gpai, fields, field):
    response = editor_client.post(url("decide", "gpai-growth"), {"reason": "Typed reason", **fields})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Decision.objects.exists()
    if fields.get("reason", "x"):
        assert "Typed reason" in response.content.decode()


def test_both_voices_show_when_the_editors_disagree_with_the_owner(rep_client, editor_client, gpai):
    rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))
    editor_client.post(url("publish_update", ProgressUpdate.objects.get().pk))
    editor_client.post(
        url("decide", "gpai-growth"),
        {
            "kind": DecisionKind.MISSED,
            "reason": "Only two countries joined, not six.",
            "evidence_url": "https://example.org/members",
        },
    )
    gpai.refresh_from_db()
    assert gpai.status == Status.NOT_ACHIEVED
    with translation.override("en"):
        page = editor_client.get(gpai.get_absolute_url()).content.decode()
    assert "What the owner reports:" in page and "The editors’ assessment:" in page
    assert "Only two countries joined, not six." in page


def test_a_correction_is_dated_on_the_page_and_listed_with_its_feed(editor_client, client, gpai):
    editor_client.post(
        url("decide", "gpai-growth"),
        {
            "kind": DecisionKind.CORRECTION,
            "new_status": Status.STALLED,
            "reason": "We misread the report.",
            "evidence_url": "https://example.org/report",
        },
    )
    editor_client.post(
        url("decide", "gpai-growth"), {"kind": DecisionKind.FOLLOWED_UP, "reason": "Called them."}
    )
    with translation.override("en"):
        page = client.get(gpai.get_absolute_url()).content.decode()
        corrections = client.get(url("corrections")).content.decode()
        feed = client.get(url("feed_corrections")).content.decode()
    assert "We misread the report." in page and "The status was corrected from" in page
    assert "Called them." not in page  # follow-ups are the editors' own notes
    assert "We misread the report." in corrections and "Grow GPAI" in corrections
    assert "We misread the report." in feed and "Called them." not in feed


def test_the_history_shows_who_changed_what_and_when(rep_client, editor_client, editor, gpai):
    rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))
    editor_client.post(url("publish_update", ProgressUpdate.objects.get().pk))
    with translation.override("en"):
        page = editor_client.get(url("commitment_history", "gpai-growth")).content.decode()
    assert "in progress → achieved" in page
    assert "Published progress update" in page
    assert "editor" in page and "rep" in page


def test_my_commitments_lists_each_once_the_most_overdue_first_then_by_next_deadline(
    rep_client, gpai, representative
):
    gpai_owner = gpai.owners.get()
    soon = make_commitment(slug="soon", owner=gpai_owner, announced_on=datetime.date(2026, 1, 1))
    make_deadline(soon, due_on=datetime.date(2026, 1, 20))
    later = make_commitment(slug="later", owner=gpai_owner, announced_on=datetime.date(2026, 1, 1))
    make_deadline(later, due_on=datetime.date(2026, 6, 30))
    older = make_commitment(slug="older", owner=gpai_owner)
    make_deadline(older, due_on=datetime.date(2025, 6, 30))
    # The representative's second owner takes part in GPAI's commitment too, in two roles.
    other = make_owner(slug="other")
    OwnerContact.objects.create(owner=other, user=representative)
    Involvement.objects.create(commitment=gpai, owner=other, role=Role.PARTNER)
    Involvement.objects.create(commitment=gpai, owner=other, role=Role.FUNDER)
    page = rep_client.get(url("my_commitments"))
    assert [c.slug for c in page.context["commitments"]] == ["older", "gpai-growth", "soon", "later"]
    # gpai-growth is overdue and stale (announced in February 2025, no news) yet shown once.
    assert page.content.decode().count('href="/fr/commitments/gpai-growth/log/"') == 1
    counts = [page.context[f"{kind}_count"] for kind in ("overdue", "due_soon", "stale")]
    assert counts == [2, 1, 2]


def test_an_overdue_commitment_shows_the_deadline_it_missed_and_the_days_never_a_dash(rep_client, gpai):
    Milestone.objects.filter(slug="bratislava").update(date_precision="month")
    soon = make_commitment(slug="soon", owner=gpai.owners.get(), title_en="Soon due")
    make_deadline(soon, due_on=datetime.date(2026, 1, 20))
    with translation.override("en"):
        html = rep_client.get(url("my_commitments")).content.decode()
    row = html[html.index("Grow GPAI") : html.index("</li>", html.index("Grow GPAI"))]
    assert "46 days overdue" in row
    assert 'Missed deadline: <time datetime="2025-11">November 2025</time>' in row
    assert "—" not in row.replace(" — Grow GPAI", "")
    soon_row = html[html.index("Soon due") : html.index("</li>", html.index("Soon due"))]
    assert 'Next deadline: <time datetime="2026-01-20">' in soon_row and "(due soon)" in soon_row
    assert "overdue" not in soon_row


def test_the_sign_in_page_speaks_both_languages_and_lands_on_my_commitments(client, representative):
    for language, words in (("fr", "Se connecter"), ("en", "Sign in")):
        with translation.override(language):
            page = client.get(reverse("login"))
        assert page.status_code == 200 and words in page.content.decode()
    with translation.override("en"):
        response = client.post(reverse("login"), {"username": "rep", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == "/en/me/"
    wrong = client.post(reverse("login"), {"username": "rep", "password": "nope"})
    assert wrong.status_code == 200 and wrong.context["form"].errors


def test_a_password_reset_mails_a_link_in_the_visitors_language(client, representative):
    with translation.override("en"):
        response = client.post(reverse("password_reset"), {"email": "rep@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "/en/accounts/reset/" in message.body and "choose a new password" in message.subject


def test_a_password_reset_links_to_the_site_as_served_in_the_accounts_language(
    client, representative, settings
):
    settings.SITE_URL = "https://tracker.example.org"
    set_language(representative, "fr")  # the account's choice wins over the page it asked on
    with translation.override("en"):
        client.post(reverse("password_reset"), {"email": "rep@example.org"})
    (message,) = mail.outbox
    (link,) = re.findall(r"\w+://\S+", message.body)
    assert link.startswith("https://tracker.example.org/fr/accounts/reset/")
    assert "mot de passe" in message.subject


def test_workspace_pages_cost_the_same_queries_at_two_sizes(editor_client, rep_client, gpai):
    def counts():
        numbers = []
        pages = [(editor_client, name, args) for name, args in EDITORS_PAGES]
        pages += [(rep_client, "my_commitments", ()), (rep_client, "log_progress", ("gpai-growth",))]
        for client, name, args in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url(name, *args)).status_code == 200
            numbers.append(len(queries))
        return numbers

    owner = gpai.owners.get()
    make_update(gpai, state=PublicationState.SUBMITTED, on_behalf_of=owner)
    Decision.objects.create(commitment=gpai, kind=DecisionKind.FOLLOWED_UP, reason="First call")
    before = counts()
    for n in range(8):
        other = make_commitment(owner=owner)
        make_deadline(other)
        make_update(other, state=PublicationState.SUBMITTED, on_behalf_of=owner)
        make_update(gpai, state=PublicationState.SUBMITTED, text=f"Report {n}")
        Decision.objects.create(commitment=gpai, kind=DecisionKind.FOLLOWED_UP, reason=f"Call {n}")
    assert counts() == before


def test_a_crafted_post_without_an_owner_is_refused(rep_client, gpai):
    response = rep_client.post(url("log_progress", "gpai-growth"), {**log_data(gpai), "on_behalf_of": ""})
    assert response.status_code == 403 and not ProgressUpdate.objects.exists()


def test_drafts_do_not_exist_for_representatives(rep_client, gpai, editor_client):
    gpai.is_public = False
    gpai.save()
    assert rep_client.get(url("log_progress", "gpai-growth")).status_code == 404
    assert rep_client.get(url("my_commitments")).context["commitments"] == []
    assert editor_client.get(url("log_progress", "gpai-growth")).status_code == 200


def test_a_follow_up_cannot_change_the_status(editor_client, gpai):
    response = editor_client.post(
        url("decide", "gpai-growth"),
        {"kind": DecisionKind.FOLLOWED_UP, "new_status": Status.ACHIEVED, "reason": "Phoned them."},
    )
    assert response.status_code == 400 and "new_status" in response.context["form"].errors
    gpai.refresh_from_db()
    assert gpai.status == Status.IN_PROGRESS


def test_a_done_deliverable_cannot_be_extended(editor_client, gpai):
    deadline = gpai.deadlines.get()
    deadline.is_done = True
    deadline.save()
    response = editor_client.post(
        url("decide", "gpai-growth"),
        {
            "kind": DecisionKind.EXTENDED,
            "deadline": deadline.pk,
            "new_due": "2027-01-01",
            "reason": "Why not.",
        },
    )
    assert response.status_code == 400 and "deadline" in response.context["form"].errors


def test_an_account_without_a_password_can_ask_for_a_new_link(client, gpai):
    User.objects.create_user("invited", "invited@example.org", password=None)
    with translation.override("en"):
        client.post(reverse("password_reset"), {"email": "invited@example.org"})
    (message,) = mail.outbox
    assert "/en/accounts/reset/" in message.body


def test_a_target_unit_is_escaped_in_the_form(rep_client, gpai):
    target = gpai.targets.get()
    target.unit_en = target.unit_fr = "<b>members</b>"
    target.save()
    page = rep_client.get(url("log_progress", "gpai-growth")).content.decode()
    assert "<b>members</b>" not in page and "&lt;b&gt;members&lt;/b&gt;" in page


def test_the_history_names_accounts_not_ids(rep_client, editor_client, gpai):
    rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))
    editor_client.post(url("publish_update", ProgressUpdate.objects.get().pk))
    with translation.override("en"):
        entries = editor_client.get(url("commitment_history", "gpai-growth")).context["entries"]
    reviewed = [c for e in entries for c in e.changes if c.field == "reviewed by"]
    assert [(c.old, c.new) for c in reviewed] == [("—", "editor")]


def test_the_overdue_review_pages_keep_their_sort(editor_client, gpai):
    owner = gpai.owners.get()
    for _n in range(60):  # more than a page (50)
        make_deadline(make_commitment(owner=owner), due_on=datetime.date(2025, 12, 1))
    first = editor_client.get(url("review_overdue") + "?sort=owner").content.decode()
    assert 'href="?sort=owner&amp;page=2"' in first
    assert editor_client.get(url("review_overdue") + "?sort=owner&page=9").status_code == 404


@pytest.mark.parametrize("size", [1, 20])
def test_my_commitments_costs_the_same_queries_at_two_sizes(
    rep_client, gpai, representative, django_assert_num_queries, size
):
    other = make_owner()
    OwnerContact.objects.create(owner=other, user=representative)
    for _n in range(size):
        commitment = make_commitment(owner=gpai.owners.get())
        commitment.involvements.create(owner=other, role=Role.PARTNER)
        make_deadline(commitment, due_on=datetime.date(2025, 12, 1))
        make_update(commitment, on_behalf_of=other)
    # The session and its user, the user's owners, the commitments (each with its deadlines, last
    # update and flags in subqueries) and their owners' roles, the user's permissions (two: is it an
    # editor?), the updates sent.
    with django_assert_num_queries(8):
        page = rep_client.get(url("my_commitments"))
    assert len(page.context["commitments"]) == size + 1


@pytest.fixture
def second_editor(editor):
    user = User.objects.create_user("second", "second@example.org", "pw", is_staff=True)
    user.groups.set(editor.groups.all())
    return user


def test_a_submission_tells_each_editor_once_and_the_workspace_counts_it(
    rep_client, editor_client, second_editor, gpai, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))
    update = ProgressUpdate.objects.get()

    notices = sorted(mail.outbox, key=lambda message: message.to)
    assert [message.to for message in notices] == [["editor@example.org"], ["second@example.org"]]
    # In the editor's language (French, the site's), with the commitment's title in it.
    assert notices[0].subject == f"À relire\u00a0: {update.commitment.title_fr} · Summit Tracker"
    assert f"/review/updates/{update.pk}/" in notices[0].body
    assert "10 janvier 2026" in notices[0].body  # the date the report gives, at its precision
    assert reminders.plan_submission(update) == 0  # announced once, however often it is asked
    header = editor_client.get(url("my_commitments")).content.decode()
    assert re.search(r"Review queue|File de relecture", header)
    assert re.search(r'<span class="waiting">1<span class="visually-hidden">', header)
    # Nothing waits once it is published: no badge.
    second = Client()
    second.force_login(second_editor)
    second.post(url("publish_update", update.pk))
    assert 'class="waiting"' not in editor_client.get(url("my_commitments")).content.decode()


def test_an_editor_who_reports_is_not_told_of_their_own_update(
    editor_client, second_editor, gpai, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(url("log_progress", "gpai-growth"), log_data(gpai))
    assert [message.to for message in mail.outbox] == [["second@example.org"]]


def test_a_notice_not_yet_sent_lapses_once_the_update_is_reviewed(rep_client, editor_client, gpai):
    rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))  # no commit: nothing sent yet
    update = ProgressUpdate.objects.get()
    reject_update(update, by=User.objects.get(username="editor"), reason="No evidence of it.")
    assert dict(reminders.deliver()) == {"cancelled": 1}
    assert not mail.outbox


def test_published_links_to_the_public_page_from_the_editors_pages(rep_client, editor_client, gpai):
    rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))
    update = ProgressUpdate.objects.get()
    published = editor_client.post(url("publish_update", update.pk), follow=True).content.decode()
    public = update.get_absolute_url()
    assert f'<a href="{public}">' in published  # in the message that says it is published
    for page in (url("review_commitment", "gpai-growth"), url("review_update", update.pk)):
        assert f'<a href="{public}">' in editor_client.get(page).content.decode()


def test_a_draft_commitments_published_update_links_to_no_missing_page(rep_client, editor_client, gpai):
    rep_client.post(url("log_progress", "gpai-growth"), log_data(gpai))
    update = ProgressUpdate.objects.get()
    gpai.is_public = False
    gpai.save()
    published = editor_client.post(url("publish_update", update.pk), follow=True).content.decode()
    public = update.get_absolute_url()
    assert f'href="{public}"' not in published
    for page in (url("review_commitment", "gpai-growth"), url("review_update", update.pk)):
        assert f'href="{public}"' not in editor_client.get(page).content.decode()


def test_an_editors_landing_page_does_not_send_them_to_the_editors(editor_client, rep_client):
    with translation.override("en"):
        landing = editor_client.get(url("my_commitments")).content.decode()
        theirs = rep_client.get(url("my_commitments")).content.decode()
    assert "write to them" not in landing and "as an editor, you review" in landing
    assert 'href="/admin/"' in landing  # staff reach the admin from the header
    assert 'href="/admin/"' not in theirs and 'class="waiting"' not in theirs
