import io
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

from tracker.models import Commitment, Deadline, Owner, ProgressUpdate, Reading

pytestmark = pytest.mark.django_db


def create_editor(email: str) -> str:
    """Run the command and return the path of the link it prints."""
    out = io.StringIO()
    call_command("create_editor", email, stdout=out)
    return urlsplit(re.search(r"^    (\S+)$", out.getvalue(), re.MULTILINE).group(1)).path


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
    assert client.login(username="editor@example.org", password=new_password)
    assert client.get(reverse("admin:tracker_commitment_changelist")).status_code == 200
    # Used once, the link is dead.
    client.logout()
    assert not client.get(path, follow=True).context["validlink"]


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
    assert Owner.objects.filter(slug__startswith="syn-").count() == 12
    assert Deadline.objects.filter(slug__startswith="syn-").count() == 100
    assert ProgressUpdate.objects.filter(commitment__slug__startswith="syn-").count() == 300
    assert Reading.objects.filter(target__slug__startswith="syn-").count() == 50
    # Every synthetic commitment has a lead owner, and the data obeys the models' rules.
    assert not Commitment.objects.filter(slug__startswith="syn-").exclude(involvements__role="lead").exists()
    for deadline in Deadline.objects.filter(slug__startswith="syn-")[:20]:
        deadline.full_clean()
    first = synthetic_titles()
    with pytest.raises(CommandError, match="already loaded"):
        call_command("seed_synthetic", *SMALL, stdout=io.StringIO())
    call_command("seed_synthetic", *SMALL, "--replace", stdout=io.StringIO())
    assert synthetic_titles() == first  # deterministic for a seed
    call_command("seed_synthetic", *SMALL, "--replace", "--seed", "7", stdout=io.StringIO())
    assert synthetic_titles() != first
