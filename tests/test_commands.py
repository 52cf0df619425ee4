import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_create_editor_prints_a_one_time_password_that_signs_in(client):
    out = io.StringIO()
    call_command("create_editor", "editor@example.org", stdout=out)
    password = re.search(r"^    (\S+)$", out.getvalue(), re.MULTILINE).group(1)
    user = User.objects.get(username="editor@example.org")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Editors"]
    assert len(password) >= 20 and user.check_password(password)
    assert client.login(username="editor@example.org", password=password)
    assert client.get(reverse("admin:tracker_commitment_changelist")).status_code == 200


def test_create_editor_generates_a_different_password_each_time():
    passwords = set()
    for n in range(2):
        out = io.StringIO()
        call_command("create_editor", f"editor{n}@example.org", stdout=out)
        passwords.add(re.search(r"^    (\S+)$", out.getvalue(), re.MULTILINE).group(1))
    assert len(passwords) == 2


def test_create_editor_refuses_a_bad_address_or_an_existing_account():
    with pytest.raises(CommandError, match="not an e-mail address"):
        call_command("create_editor", "not-an-address")
    call_command("create_editor", "editor@example.org", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_editor", "editor@example.org")
