"""
Two-step sign-in (issue #24): an editor turns it on with a code from their app, then neither the
site's nor the admin's sign-in lets the password alone through; turning it off needs a code too.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import editors_group

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-of-mine"


@pytest.fixture
def editor_with_password():
    user = User.objects.create_user("ed", "ed@example.org", PASSWORD, is_staff=True)
    user.groups.add(editors_group())
    return user


def code_of(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the app shows (or will show `steps_ahead` periods on: a code is accepted once)."""
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"
    )


def english(name: str) -> str:
    with translation.override("en"):
        return reverse(name)


def sign_in(path, code="", client=None):
    client = client or Client()
    return client, client.post(path, {"username": "ed", "password": PASSWORD, "code": code})


def turn_on(editor) -> TOTPDevice:
    client = Client()
    client.force_login(editor)
    page = client.get(english("two_step"))
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert page.status_code == 200 and page.context["key"] in page.content.decode()
    assert page.context["setup_address"].startswith("otpauth://totp/Summit%20Tracker")
    assert client.post(english("two_step"), {"code": code_of(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_a_wrong_code_does_not_turn_it_on(editor_with_password):
    client = Client()
    client.force_login(editor_with_password)
    client.get(english("two_step"))
    device = TOTPDevice.objects.get(user=editor_with_password)
    wrong = "000000" if code_of(device) != "000000" else "111111"
    assert client.post(english("two_step"), {"code": wrong}).status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    _client, answer = sign_in(english("login"))  # an unconfirmed key asks for nothing yet
    assert answer.status_code == 302


def test_without_two_step_sign_in_the_password_alone_signs_in(editor_with_password):
    _client, answer = sign_in(english("login"))
    assert answer.status_code == 302


def test_once_on_the_sites_sign_in_asks_for_the_code(editor_with_password):
    device = turn_on(editor_with_password)
    client, refused = sign_in(english("login"))
    assert refused.status_code == 200
    assert [error.code for error in refused.context["form"].errors.as_data()["__all__"]] == ["code_needed"]
    assert "_auth_user_id" not in client.session
    client, answer = sign_in(english("login"), code=code_of(device, steps_ahead=1))
    assert answer.status_code == 302 and client.session["_auth_user_id"] == str(editor_with_password.pk)


def test_once_on_the_admins_sign_in_asks_for_the_code_too(editor_with_password):
    device = turn_on(editor_with_password)
    admin_login = reverse("admin:login")
    assert b'name="code"' in Client().get(admin_login).content
    client, refused = sign_in(admin_login)
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    client, answer = sign_in(admin_login, code=code_of(device, steps_ahead=1))
    assert answer.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_turning_it_off_needs_a_code(editor_with_password):
    device = turn_on(editor_with_password)
    client = Client()
    client.force_login(editor_with_password)
    assert client.post(english("two_step"), {"code": ""}).status_code == 400
    assert TOTPDevice.objects.filter(user=editor_with_password).exists()
    assert client.post(english("two_step"), {"code": code_of(device, steps_ahead=1)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=editor_with_password).exists()
    _client, answer = sign_in(english("login"))
    assert answer.status_code == 302
