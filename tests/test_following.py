"""Following by e-mail (issue #26, point 4): sign-up, double opt-in, events, digests, stopping, privacy."""

import datetime
import re
import time
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tests.conftest import editors_group
from tests.factory import make_commitment, make_deadline, make_owner, make_update
from tracker import following, reminders, workflow
from tracker.choices import DecisionKind, Frequency, PublicationState, ReminderKind, Role, Status
from tracker.models import Commitment, Decision, Follower, Involvement, Reminder

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - datetime.timedelta(days=30)


@pytest.fixture(autouse=True)
def english(client):
    """Read the pages' English words (tests run in French); mails follow each follower's language."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def follower(email, followed=None, frequency=Frequency.IMMEDIATE, language="en", confirmed=LONG_AGO):
    about = {"commitment": followed} if hasattr(followed, "title_en") else {"owner": followed}
    return Follower.objects.create(
        email=email, language=language, frequency=frequency, confirmed_at=confirmed, **about
    )


def sign_up(client, **data):
    return client.post(reverse("tracker:follow"), {"frequency": "immediate", "language": "en", **data})


def links(message) -> list[str]:
    return re.findall(r"https://tracker\.example\.org\S+/", message.body)


def path_of(url: str) -> str:
    return url.removeprefix("https://tracker.example.org")


@pytest.fixture
def editor(db):
    user = User.objects.create_user("eda", "eda@tracker.example", is_staff=True)
    user.groups.add(editors_group())
    return user


@pytest.fixture
def scene(editor):
    """
    A public commitment led by Alpha with Beta as a partner, another commitment, and who follows what:
    the commitment, Beta (a partner: any role counts), everything, the other commitment, weekly and
    unconfirmed followers of the commitment.
    """
    alpha, beta = make_owner(slug="alpha"), make_owner(slug="beta")
    commitment = make_commitment(owner=alpha, slug="watched", status=Status.IN_PROGRESS)
    Involvement.objects.create(commitment=commitment, owner=beta, role=Role.PARTNER)
    other = make_commitment(slug="other")
    people = {
        "of_commitment": follower("c@example.org", commitment),
        "of_partner": follower("p@example.org", beta),
        "of_everything": follower("all@example.org"),
        "of_other": follower("o@example.org", other),
        "weekly": follower("w@example.org", commitment, frequency=Frequency.WEEKLY),
        "unconfirmed": follower("u@example.org", commitment, confirmed=None),
    }
    return commitment, other, people


def publish(commitment, editor, **fields):
    update = make_update(commitment, state=PublicationState.SUBMITTED, **fields)
    if update.status:
        update.evidence.create(url="https://example.org/evidence")
    return workflow.publish_update(update, editor)


def decide(commitment, editor, kind, **fields):
    reason = {"reason": "Checked by the editors.", "evidence_url": "https://example.org/proof"}
    return workflow.record_decision(Decision(commitment=commitment, kind=kind, **reason, **fields), editor)


def news_rows():
    return Reminder.objects.filter(kind=ReminderKind.FOLLOW_NEWS)


# Sign-up and double opt-in.


def test_a_sign_up_sends_a_confirmation_and_nothing_else_before_it_is_confirmed(client, scene, editor):
    commitment, _other, _people = scene
    response = sign_up(client, email="New@Example.org", commitment="watched")
    assert response.status_code == 302 and response.url == reverse("tracker:follow_sent")
    new = Follower.objects.get(email="new@example.org")
    assert new.commitment == commitment and new.confirmed_at is None

    reminders.deliver()
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert "Confirm: follow “Commitment" in mail.outbox[0].subject

    publish(commitment, editor)
    following.plan()
    assert not news_rows().filter(email="new@example.org").exists()
    # Even a row planned by mistake is not sent to an unconfirmed address.
    Reminder.objects.create(
        kind=ReminderKind.FOLLOW_NEWS, subject=f"follower:{new.pk}", occurrence="x", email=new.email,
        follower=new, next_attempt_at=timezone.now(),
    )  # fmt: skip
    mail.outbox.clear()
    assert reminders.deliver()["cancelled"] == 1
    assert not any(m.to == ["new@example.org"] for m in mail.outbox)


def test_confirming_through_the_mailed_link_is_idempotent(client, scene):
    sign_up(client, email="new@example.org", commitment="watched")
    reminders.deliver()
    confirm = path_of(next(link for link in links(mail.outbox[0]) if "/confirm/" in link))

    page = client.get(confirm)
    assert page.status_code == 200 and b'<button type="submit">' in page.content
    assert Follower.objects.get(email="new@example.org").confirmed_at is None  # a GET changes nothing

    assert client.post(confirm).status_code == 200
    confirmed_at = Follower.objects.get(email="new@example.org").confirmed_at
    assert confirmed_at is not None
    assert client.post(confirm).status_code == 200
    assert Follower.objects.get(email="new@example.org").confirmed_at == confirmed_at


def test_forged_and_expired_confirmation_links_are_refused(client, scene):
    sign_up(client, email="new@example.org", commitment="watched")
    new = Follower.objects.get(email="new@example.org")
    token = following.confirm_token(new)
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    assert client.post(reverse("tracker:follow_confirm", args=[forged])).status_code == 404
    # A stop link is no confirmation link (another salt).
    stop = following.stop_token(new)
    assert client.post(reverse("tracker:follow_confirm", args=[stop])).status_code == 404

    later = time.time() + 8 * 24 * 3600  # past TRACKER_FOLLOW_CONFIRM_DAYS
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.post(reverse("tracker:follow_confirm", args=[token]))
    assert response.status_code == 404 and b"not valid" in response.content
    assert Follower.objects.get(pk=new.pk).confirmed_at is None


def test_the_answer_does_not_tell_whether_an_address_already_follows(client, scene):
    _commitment, _other, people = scene
    known = sign_up(client, email=people["of_commitment"].email, commitment="watched")
    unknown = sign_up(client, email="stranger@example.org", commitment="watched")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    # And the confirmed follower is sent nothing, nor changed.
    assert not Reminder.objects.filter(email=people["of_commitment"].email).exists()
    assert Follower.objects.filter(email=people["of_commitment"].email).count() == 1
    page = client.get(known.url)
    assert b"If this address does not follow it yet" in page.content


def test_a_bad_sign_up_shows_the_form_again_with_its_message(client, scene):
    response = sign_up(client, email="not an address", commitment="watched")
    assert response.status_code == 400 and b'role="alert"' in response.content
    response = sign_up(client, email="a@example.org", commitment="no-such-commitment")
    assert response.status_code == 400 and b"There is no such page to follow." in response.content
    draft = make_commitment(slug="draft", is_public=False)
    assert sign_up(client, email="a@example.org", commitment=draft.slug).status_code == 400
    assert not Follower.objects.filter(email="a@example.org").exists()


def test_sign_ups_are_throttled_by_address_and_by_client(client, scene):
    for _n in range(3):
        assert sign_up(client, email="same@example.org").status_code == 302
    refused = sign_up(client, email="SAME@example.org")
    assert refused.status_code == 429 and b"Too many sign-ups" in refused.content
    for n in range(16):
        assert sign_up(client, email=f"other{n}@example.org").status_code == 302
    assert sign_up(client, email="one-more@example.org").status_code == 429
    # Another client address is counted apart.
    data = {"email": "fresh@example.org", "frequency": "weekly", "language": "fr"}
    assert client.post(reverse("tracker:follow"), data, REMOTE_ADDR="192.0.2.9").status_code == 302


def test_a_post_from_another_site_is_shown_the_form_instead(scene, caplog):
    checked = Client(enforce_csrf_checks=True)
    foreign = checked.post(
        reverse("tracker:follow"), {"email": "a@example.org", "frequency": "weekly", "language": "en"},
        HTTP_ORIGIN="https://evil.example",
    )  # fmt: skip
    assert foreign.status_code == 403 and b"csrfmiddlewaretoken" in foreign.content
    assert not Follower.objects.filter(email="a@example.org").exists()
    # The small forms of the (cached, token-less) pages: the browser's Origin names this site.
    ours = checked.post(
        reverse("tracker:follow"), {"email": "a@example.org", "frequency": "weekly", "language": "en"},
        HTTP_ORIGIN="http://testserver",
    )  # fmt: skip
    assert ours.status_code == 302 and Follower.objects.filter(email="a@example.org").exists()
    # Nor is it logged as a refused forgery, which would drown the real ones.
    assert [r for r in caplog.records if r.name == "django.security.csrf"][-1:] != []  # the foreign one
    caplog.clear()
    checked.post(
        reverse("tracker:follow"), {"email": "b@example.org", "frequency": "weekly", "language": "en"},
        HTTP_ORIGIN="http://testserver",
    )  # fmt: skip
    assert [r for r in caplog.records if r.name == "django.security.csrf"] == []


def test_sign_ups_nobody_confirmed_are_purged_after_the_link_expires(scene):
    _commitment, _other, people = scene
    stale = follower("old@example.org", confirmed=None)
    following.sign_up(stale.email, "en", Frequency.IMMEDIATE)  # its confirmation mail, in the log
    Follower.objects.filter(pk=stale.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    assert following.purge() == 1
    assert not Reminder.objects.filter(email=stale.email).exists()
    assert not Follower.objects.filter(pk=stale.pk).exists()
    assert Follower.objects.filter(pk=people["unconfirmed"].pk).exists()  # signed up just now
    assert Follower.objects.filter(pk=people["of_everything"].pk).exists()  # confirmed long ago


def test_asking_again_keeps_the_sign_up_as_long_as_the_new_link_lives(scene):
    stale = follower("again@example.org", confirmed=None)
    Follower.objects.filter(pk=stale.pk).update(created_at=timezone.now() - datetime.timedelta(days=6))
    following.sign_up(stale.email, "en", Frequency.IMMEDIATE)  # a new link, valid for seven days
    assert following.purge(timezone.now() + datetime.timedelta(days=2)) == 0
    assert Follower.objects.filter(pk=stale.pk).exists()


# Events.


def test_each_event_reaches_each_of_its_followers_exactly_once(scene, editor):
    commitment, other, people = scene
    deadline = make_deadline(commitment, due_on=datetime.date(2026, 11, 30))
    plain = publish(commitment, editor)
    verdict = publish(
        commitment, editor, status=Status.STALLED, reason="No funding.", reported_on=timezone.localdate()
    )
    extended = decide(
        commitment, editor, DecisionKind.EXTENDED, deadline=deadline, new_due=datetime.date(2027, 3, 31)
    )
    missed = decide(commitment, editor, DecisionKind.MISSED)
    correction = decide(commitment, editor, DecisionKind.CORRECTION, new_status=Status.IN_PROGRESS)
    decide(commitment, editor, DecisionKind.FOLLOWED_UP)  # the editors' own note: nobody hears of it

    keys = {
        f"update:{plain.pk}", f"update:{verdict.pk}", f"decision:{extended.pk}", f"decision:{missed.pk}",
        f"decision:{correction.pk}",
    }  # fmt: skip
    kinds = {event.key: event.kind for event in following.events(LONG_AGO, timezone.now())}
    assert kinds == {
        f"update:{plain.pk}": "update",
        f"update:{verdict.pk}": "verdict",
        f"decision:{extended.pk}": "extended",
        f"decision:{missed.pk}": "missed",
        f"decision:{correction.pk}": "correction",
    }
    assert following.plan() == 15  # five events, three immediate followers of this commitment
    assert following.plan() == 0  # a second sweep plans nothing new
    heard = {}
    for email, key in news_rows().values_list("email", "occurrence"):
        heard.setdefault(email, set()).add(key)
    assert heard == {"c@example.org": keys, "p@example.org": keys, "all@example.org": keys}

    outcome = reminders.deliver()
    assert outcome["sent"] == 15 and len(mail.outbox) == 15
    following.plan(), reminders.deliver()
    assert len(mail.outbox) == 15  # nothing twice
    assert not any(m.to == [people["of_other"].email] for m in mail.outbox)


def test_a_sweep_racing_another_one_plans_nothing_twice(scene, editor):
    commitment, _other, _people = scene
    publish(commitment, editor)
    assert following.plan() == 3
    # A second sweep whose look-up of the log ran before the first one's rows were committed: the
    # unique constraint alone keeps each mail once.
    look_up = Reminder.objects.alias
    with mock.patch.object(Reminder.objects, "alias", side_effect=lambda **kw: look_up(**kw).none()):
        following.plan()
    assert news_rows().count() == 3


def test_a_follower_hears_only_of_what_happened_after_they_confirmed(scene, editor):
    commitment, _other, _people = scene
    publish(commitment, editor)
    late = follower("late@example.org", commitment, confirmed=timezone.now() + datetime.timedelta(seconds=1))
    following.plan()
    assert not news_rows().filter(email=late.email).exists()


def test_news_mails_are_in_the_followers_language_with_a_one_click_stop_and_a_link_to_what_they_follow(
    scene, editor
):
    commitment, _other, people = scene
    Follower.objects.filter(pk=people["of_partner"].pk).update(language="fr")
    update = publish(commitment, editor)
    following.plan(), reminders.deliver()
    by_address = {m.to[0]: m for m in mail.outbox}
    english, french = by_address["c@example.org"], by_address["p@example.org"]
    assert english.subject == f"News: {commitment.title_en} · Summit Tracker"
    assert commitment.title_fr in french.subject and commitment.title_en not in french.subject
    assert 'lang="fr"' in french.alternatives[0].content
    assert f"https://tracker.example.org/en/commitments/watched/updates/{update.pk}/" in english.body
    assert "https://tracker.example.org/en/commitments/watched/" in english.body  # what is followed
    assert "https://tracker.example.org/fr/owners/beta/" in french.body
    assert english.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stop = english.extra_headers["List-Unsubscribe"].strip("<>")
    assert stop in english.body and "/en/follow/stop/" in stop


def test_the_mail_keeps_the_precision_of_the_dates_it_tells_of(scene, editor):
    commitment, _other, people = scene
    deadline = make_deadline(commitment, due_on=datetime.date(2026, 11, 30), due_precision="month")
    decide(
        commitment,
        editor,
        DecisionKind.EXTENDED,
        deadline=deadline,
        new_due=datetime.date(2027, 3, 1),
        new_precision="year",
    )
    following.plan(), reminders.deliver()
    body = next(m for m in mail.outbox if m.to == [people["of_commitment"].email]).body
    assert "moved from November 2026 to 2027" in body


# The weekly digest.


def next_monday(hour: int) -> datetime.datetime:
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time(hour)))


def test_weekly_followers_get_one_digest_of_last_week_only_when_something_happened(scene, editor):
    commitment, other, people = scene
    quiet = follower("quiet@example.org", other, frequency=Frequency.WEEKLY)
    publish(commitment, editor)
    decide(commitment, editor, DecisionKind.MISSED)

    assert following.plan_digest(next_monday(7)) == 0  # Monday, before 08:00
    assert following.plan_digest(next_monday(9)) == 1
    assert following.plan_digest(next_monday(15)) == 0  # once a week
    digest = Reminder.objects.get(kind=ReminderKind.FOLLOW_DIGEST)
    assert digest.email == people["weekly"].email and not Reminder.objects.filter(email=quiet.email).exists()
    assert not news_rows().filter(email=people["weekly"].email).exists()  # and no immediate mail

    reminders.deliver()
    [message] = [m for m in mail.outbox if m.to == [people["weekly"].email]]
    assert message.subject == f"Last week: {commitment.title_en} · Summit Tracker"
    assert "What happened last week (2 events):" in message.body
    assert "a progress update of 1 June 2025 was published" in message.body
    assert "marked missed by the editors" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Nothing new last week, the week after: no digest.
    assert following.plan_digest(next_monday(9) + datetime.timedelta(days=7)) == 0


# Stopping.


def test_the_signed_stop_link_stops_at_one_click_and_refuses_forgeries(scene):
    _commitment, _other, people = scene
    person = people["of_commitment"]
    token = following.stop_token(person)
    mail_program = Client(enforce_csrf_checks=True)  # RFC 8058: a POST without a CSRF token
    page = mail_program.get(reverse("tracker:follow_stop", args=[token]))
    assert page.status_code == 200 and Follower.objects.filter(pk=person.pk).exists()

    assert (
        mail_program.post(
            reverse("tracker:follow_stop", args=[token]), {"List-Unsubscribe": "One-Click"}
        ).status_code
        == 200
    )
    assert not Follower.objects.filter(pk=person.pk).exists()
    again = mail_program.post(reverse("tracker:follow_stop", args=[token]))
    assert again.status_code == 200 and b"no longer follows" in again.content

    other = people["of_partner"]
    forged = following.stop_token(other)[:-2] + "zz"
    assert mail_program.post(reverse("tracker:follow_stop", args=[forged])).status_code == 404
    confirm = following.confirm_token(other)
    assert mail_program.post(reverse("tracker:follow_stop", args=[confirm])).status_code == 404
    assert Follower.objects.filter(pk=other.pk).exists()


def test_stopping_takes_the_mails_not_yet_sent_with_it(scene, editor):
    commitment, _other, people = scene
    publish(commitment, editor)
    following.plan()
    person = people["of_commitment"]
    assert news_rows().filter(email=person.email).exists()
    following.stop(person)
    reminders.deliver()
    assert not any(m.to == [person.email] for m in mail.outbox)


# Who sees what.


def test_editors_see_how_many_follow_never_who(client, scene, editor):
    commitment, _other, _people = scene
    publish(commitment, editor)
    following.plan()
    client.force_login(editor)
    page = client.get(reverse("tracker:review_followers"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The whole tracker: 1 follower." in text
    assert re.search(rf"{commitment.title_en}</a></td><td class=\"number\">2<", text)  # immediate + weekly
    assert "@example.org" not in text
    assert client.get(reverse("admin:tracker_follower_changelist")).status_code == 403
    log = client.get(reverse("admin:tracker_reminder_changelist"))
    assert log.status_code == 200 and "@example.org" not in log.content.decode()


def test_superusers_read_the_followers_list(client, scene):
    boss = User.objects.create_superuser("boss", "boss@tracker.example", "pw")
    client.force_login(boss)
    page = client.get(reverse("admin:tracker_follower_changelist"))
    assert page.status_code == 200 and b"c@example.org" in page.content


def test_the_followers_list_costs_superusers_the_same_queries_at_two_sizes(client, scene):
    client.force_login(User.objects.create_superuser("boss", "boss@tracker.example", "pw"))
    url = reverse("admin:tracker_follower_changelist")
    small = queries(client, url)
    commitment, _other, _people = scene
    for n in range(30):
        follower(f"many{n}@example.org", commitment)
        follower(f"more{n}@example.org", make_owner())
    assert queries(client, url) == small


def test_the_public_and_representatives_cannot_read_the_counts(client, scene):
    page = client.get(reverse("tracker:review_followers"))
    assert page.status_code == 302  # to sign-in
    someone = User.objects.create_user("rep", "rep@example.org")
    client.force_login(someone)
    assert client.get(reverse("tracker:review_followers")).status_code == 403


# The pages that show the form.


def test_the_commitment_and_owner_pages_carry_the_form_in_both_languages(client, scene):
    for language in ("fr", "en"):
        with translation.override(language):
            commitment_page = client.get(reverse("tracker:commitment_detail", args=["watched"]))
            owner_page = client.get(reverse("tracker:owner_detail", args=["beta"]))
        assert b'name="commitment" value="watched"' in commitment_page.content
        assert b'name="owner" value="beta"' in owner_page.content
        checked = f'name="language" value="{language}" checked'.encode()
        assert checked in commitment_page.content and checked in owner_page.content
        # No token, no cookie: the page stays in the page cache (tracker/cache.py).
        assert b"csrfmiddlewaretoken" not in commitment_page.content and not commitment_page.cookies
    with translation.override("en"):
        assert b"Follow by e-mail" in client.get(reverse("tracker:follow")).content


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_with_the_form_cost_the_same_whatever_the_number_of_followers(client, scene):
    urls = [
        reverse("tracker:commitment_detail", args=["watched"]),
        reverse("tracker:owner_detail", args=["beta"]),
        reverse("tracker:follow"),
    ]
    small = [queries(client, url) for url in urls]
    commitment, _other, _people = scene
    beta = commitment.involvements.get(role=Role.PARTNER).owner
    for n in range(40):
        follower(f"c{n}@example.org", commitment)
        follower(f"p{n}@example.org", beta)
        follower(f"e{n}@example.org")
    assert [queries(client, url) for url in urls] == small
    # The sign-up page reads nothing: the form is static.
    assert small[2] == 0


def test_the_editors_counts_cost_the_same_whatever_the_number_of_followers(client, scene, editor):
    client.force_login(editor)
    url = reverse("tracker:review_followers")
    small = queries(client, url)
    for n in range(30):
        extra = make_commitment()
        follower(f"x{n}@example.org", extra)
        follower(f"y{n}@example.org", extra.involvements.get().owner)
    # session, user, the Editors group (is_editor), the whole tracker's count, the commitments, the
    # owners, the header's count of updates waiting for review, and the session's save
    assert queries(client, url) == small == 8


def test_crawlers_are_kept_from_the_followers_signed_links(client):
    disallowed = client.get("/robots.txt").content.decode().splitlines()
    assert "Disallow: /en/follow/confirm/" in disallowed and "Disallow: /fr/follow/stop/" in disallowed
    assert "Disallow: /en/follow/" not in disallowed  # the sign-up page is public


def test_every_follower_hears_once_of_a_new_checkpoint_report(
    scene, editor, django_capture_on_commit_callbacks
):
    from tracker.models import Report

    _commitment, _other, people = scene
    report = Report.objects.create(
        slug="one-year",
        title_fr="Un an après Paris",
        title_en="One year after Paris",
        cut_off=datetime.date(2026, 2, 11),
    )
    with (
        mock.patch("tracker.tasks.announce_soon") as announced,
        django_capture_on_commit_callbacks(execute=True),
    ):
        report.publish(by=editor)
    assert announced.call_count == 1  # the followers hear of it at once, not at the next sweep

    assert following.plan() == 4  # a report verdicts every commitment: every confirmed immediate follower
    assert following.plan() == 0
    reminders.deliver()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"c@example.org", "p@example.org", "all@example.org", "o@example.org"}
    message = by_address["o@example.org"]
    assert message.subject == "News: One year after Paris · Summit Tracker"
    assert "A checkpoint report was published, “One year after Paris”" in message.body
    assert "11 February 2026" in message.body  # its cut-off, a day
    assert "https://tracker.example.org/en/reports/one-year/" in message.body


def test_news_of_what_is_no_longer_public_is_cancelled_not_sent_empty(scene, editor):
    commitment, _other, _people = scene
    publish(commitment, editor)
    assert following.plan() == 3
    Commitment.objects.filter(pk=commitment.pk).update(is_public=False)  # made a draft meanwhile
    outcome = reminders.deliver()
    assert outcome["cancelled"] == 3 and outcome["sent"] == 0
    assert mail.outbox == []


def test_an_update_dated_before_the_latest_verdict_is_no_change_of_status(scene, editor):
    commitment, _other, _people = scene
    publish(commitment, editor, status=Status.ACHIEVED, reason="", reported_on=datetime.date(2025, 11, 20))
    older = publish(
        commitment, editor, status=Status.STALLED, reason="No funding.", reported_on=datetime.date(2025, 9, 1)
    )
    commitment.refresh_from_db()
    assert commitment.status == Status.ACHIEVED  # the September report did not change it
    kinds = {event.key: event.kind for event in following.events(LONG_AGO, timezone.now())}
    assert kinds[f"update:{older.pk}"] == "update"
