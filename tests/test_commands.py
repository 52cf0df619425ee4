import io
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

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
