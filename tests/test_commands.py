import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factory import make_commitment, make_deadline
from tracker import cache as page_cache
from tracker.models import (
    Amount,
    Commitment,
    Deadline,
    Decision,
    Evidence,
    Owner,
    ProgressUpdate,
    Reading,
    ReportedReading,
    SourceDocument,
    StatedCount,
)
from tracker.workspace.accounts import language_of

pytestmark = pytest.mark.django_db


def create_editor(email: str, *options: str) -> str:
    """Run the command and return the path of the link it prints."""
    return urlsplit(printed_link(email, *options)).path


def printed_link(email: str, *options: str) -> str:
    out = io.StringIO()
    call_command("create_editor", email, *options, stdout=out)
    return re.search(r"^    (\S+)$", out.getvalue(), re.MULTILINE).group(1)


def test_create_editor_prints_a_link_that_sets_the_password_once(client):
    path = create_editor("editor@example.org")
    user = User.objects.get(username="editor@example.org")
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["Editors"]
    # The link leads to the form to choose a password (Django moves the token into the session).
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    new_password = "a-long-Passphrase-of-my-own-2026"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302
    # Signed in through the form, as a person would (Client.login() passes no request to django-axes).
    signed_in = client.post(reverse("login"), {"username": "editor@example.org", "password": new_password})
    assert signed_in.status_code == 302
    assert client.get(reverse("admin:tracker_commitment_changelist")).status_code == 200
    # Used once, the link is dead.
    client.logout()
    assert not client.get(path, follow=True).context["validlink"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_create_editor_links_to_the_site_as_served_in_the_editors_language(language, settings):
    settings.SITE_URL = "https://tracker.example.org:8443"
    link = printed_link("editor@example.org", "--language", language)
    assert link.startswith(f"https://tracker.example.org:8443/{language}/accounts/reset/")
    user = User.objects.get(username="editor@example.org")
    assert language_of(user) == language  # the mail the tracker sends them later is in it too


def test_create_editor_speaks_the_sites_language_unless_told_otherwise(settings):
    assert create_editor("editor@example.org").startswith("/fr/accounts/reset/")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("create_editor", "other@example.org", "--language", "de")


def test_each_editor_gets_a_different_link():
    assert create_editor("one@example.org") != create_editor("two@example.org")


def test_create_editor_refuses_a_bad_address_or_an_existing_account():
    with pytest.raises(CommandError, match="not an e-mail address"):
        call_command("create_editor", "not-an-address")
    call_command("create_editor", "editor@example.org", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_editor", "editor@example.org")


SMALL = [
    "--commitments",
    "40",
    "--owners",
    "12",
    "--deadlines",
    "100",
    "--updates",
    "300",
    "--readings",
    "50",
]


def synthetic_titles():
    return list(
        Commitment.objects.filter(slug__startswith="syn-").order_by("slug").values_list("title_en", flat=True)
    )


def test_seed_synthetic_writes_the_requested_rows_the_same_way_each_time():
    call_command("seed_synthetic", *SMALL, stdout=io.StringIO())
    assert Commitment.objects.filter(slug__startswith="syn-").count() == 40
    # Inserted in bulk, without signals: what they would have derived is written after.
    assert (
        Commitment.objects.filter(has_stated_counts=True).exists()
        and not Commitment.objects.derived_drifted()
    )
    assert Owner.objects.filter(slug__startswith="syn-").count() == 12
    assert Deadline.objects.filter(slug__startswith="syn-").count() == 100
    assert ProgressUpdate.objects.filter(commitment__slug__startswith="syn-").count() == 300
    assert Reading.objects.filter(target__slug__startswith="syn-").count() == 50
    # Every synthetic commitment has a lead owner, and the data obeys the models' rules.
    assert not Commitment.objects.filter(slug__startswith="syn-").exclude(involvements__role="lead").exists()
    for deadline in Deadline.objects.filter(slug__startswith="syn-")[:20]:
        deadline.full_clean()
    # The parts a real page shows, as the models allow them: each commitment has a source; some have
    # stated numbers, money and a correction; some published updates link evidence, report a reading of
    # their own commitment's target and mark one of its delivered deadlines done.
    synthetic = Commitment.objects.filter(slug__startswith="syn-")
    assert not synthetic.filter(sources=None).exists()
    assert StatedCount.objects.filter(commitment__in=synthetic).count() == 12  # 30 % of 40
    assert Amount.objects.filter(commitment__in=synthetic).count() == 12
    assert Decision.objects.public().filter(commitment__in=synthetic).count() == 4
    published = ProgressUpdate.objects.filter(commitment__in=synthetic, state="published")
    assert Evidence.objects.filter(update__in=published).count() == published.count() // 2
    assert Evidence.objects.filter(update__commitment__in=synthetic).count() == published.count() // 2
    reported = ReportedReading.objects.filter(update__commitment__in=synthetic).select_related(
        "update", "target"
    )
    assert reported and all(r.target.commitment_id == r.update.commitment_id for r in reported)
    marks = ProgressUpdate.marks_done.through.objects.filter(progressupdate__commitment__in=synthetic)
    assert marks and all(
        m.deadline.commitment_id == m.progressupdate.commitment_id
        and m.deadline.is_done
        and m.progressupdate.state == "published"
        for m in marks.select_related("deadline", "progressupdate")
    )
    parts = [
        StatedCount.objects.filter(commitment__in=synthetic),
        Amount.objects.filter(commitment__in=synthetic),
        Decision.objects.filter(commitment__in=synthetic),
        Evidence.objects.filter(update__commitment__in=synthetic),
    ]
    for rows in parts:
        for row in rows[:5]:
            row.full_clean()
    first = synthetic_titles()
    with pytest.raises(CommandError, match="already loaded"):
        call_command("seed_synthetic", *SMALL, stdout=io.StringIO())
    call_command("seed_synthetic", *SMALL, "--replace", stdout=io.StringIO())
    assert synthetic_titles() == first  # deterministic for a seed
    call_command("seed_synthetic", *SMALL, "--replace", "--seed", "7", stdout=io.StringIO())
    assert synthetic_titles() != first
    # Replacing leaves one set of the shared sources, not one a run.
    assert SourceDocument.objects.filter(slug__startswith="syn-").count() == 50


def test_refresh_derived_reports_then_mends_dates_written_without_signals():
    commitment, other = make_commitment(), make_commitment()
    make_deadline(commitment, due_on=datetime.date(2025, 11, 30))
    make_deadline(other, due_on=datetime.date(2025, 12, 31))
    out = io.StringIO()
    call_command("refresh_derived", "--check", stdout=out)
    assert "match its deadlines and parts" in out.getvalue()
    Commitment.objects.filter(pk=commitment.pk).update(first_open_due=None)  # as raw SQL would leave it
    version = page_cache.generation()
    with pytest.raises(
        CommandError, match=f"1 commitment\\(s\\) differ from their deadlines or parts: {commitment.slug}"
    ):
        call_command("refresh_derived", "--check", stdout=io.StringIO())
    assert Commitment.objects.get(pk=commitment.pk).first_open_due is None  # --check writes nothing
    assert Commitment.objects.overdue(datetime.date(2026, 1, 1)).get() == other  # what the public sees
    out = io.StringIO()
    call_command("refresh_derived", stdout=out)
    assert out.getvalue().startswith(f"Wrote the derived fields of 1 commitment(s) again: {commitment.slug}")
    assert Commitment.objects.get(pk=commitment.pk).first_open_due == datetime.date(2025, 11, 30)
    assert set(Commitment.objects.overdue(datetime.date(2026, 1, 1))) == {commitment, other}
    assert page_cache.generation() != version  # the pages that list what is overdue are computed again


def test_refresh_derived_names_a_few_and_counts_the_rest(monkeypatch):
    monkeypatch.setattr("tracker.management.commands.refresh_derived.SHOWN", 1)
    first, second = sorted((make_commitment() for _ in range(2)), key=lambda c: c.slug)
    Commitment.objects.update(first_open_due=datetime.date(2025, 1, 1))  # none has a deadline
    with pytest.raises(
        CommandError,
        match=f"2 commitment\\(s\\) differ from their deadlines or parts: {first.slug} and 1 more",
    ):
        call_command("refresh_derived", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("refresh_derived", stdout=out)
    assert f"of 2 commitment(s) again: {first.slug} and 1 more." in out.getvalue()
    assert not Commitment.objects.exclude(first_open_due=None).exists()
