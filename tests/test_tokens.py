"""
API tokens (issue #24): stored as a digest only, expiring, scoped to reading or writing, revoked with
the password they were issued under or the account, made in the admin, and migrated from DRF's.
"""

import datetime
import hashlib
import importlib
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.test import APIClient

from tests.conftest import editors_group
from tests.factory import api_key, make_commitment, make_owner
from tracker.models import ApiToken, OwnerContact, TokenScope

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture
def editor():
    user = User.objects.create_user("ed", "ed@example.org", "old password", is_staff=True)
    user.groups.add(editors_group())
    return user


@pytest.fixture
def draft():
    # Only an editor reads a draft: a 200 for it says the token was taken as the editor's.
    return f"/api/commitments/{make_commitment(is_public=False).slug}/"


def answer(method: str, address: str, key: str, **data):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return getattr(api, method)(address, data, format="json")


def test_a_tokens_key_is_not_stored_in_clear(editor, draft):
    key = api_key(editor)
    row = ApiToken.objects.filter(user=editor).values().get()
    assert not any(key in str(value) for value in row.values())
    assert row["digest"] == hashlib.sha512(key.encode()).hexdigest()
    assert answer("get", draft, key).status_code == 200


def test_a_token_lasts_the_configured_days_then_answers_401(editor, draft):
    key = api_key(editor)
    token = ApiToken.objects.get(user=editor)
    assert abs(token.expiry - token.created - datetime.timedelta(days=90)) < datetime.timedelta(seconds=5)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=89)):
        assert answer("get", draft, key).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=91)):
        expired = answer("get", "/api/commitments/", key)
    assert expired.status_code == 401 and expired["WWW-Authenticate"] == "Token"
    assert not ApiToken.objects.filter(user=editor).exists()


def test_a_read_token_reads_but_any_write_answers_403(editor, draft):
    key = api_key(editor, scope=TokenScope.READ)
    assert answer("get", draft, key).status_code == 200
    for method, address in [("post", "/api/readings/"), ("patch", draft), ("delete", draft)]:
        refused = answer(method, address, key)
        assert refused.status_code == 403, (method, address)
        with translation.override(settings.LANGUAGE_CODE):  # what the API answers without Accept-Language
            expected = translation.gettext(
                "This token may only read. Writing needs a token with the write scope."
            )
        assert refused.json()["detail"] == expected
    # The same write with a write token reaches the view, which reads the (empty) body.
    assert answer("post", "/api/readings/", api_key(editor)).status_code == 400


@pytest.mark.parametrize(
    "key",
    ["", "not-a-key", "0" * 39, "0" * 65, "A" * 40, "\x00" * 40, "é" * 40, "0" * 40],
    ids=["none", "words", "short", "long", "uppercase", "nul", "latin-1", "unknown"],
)
def test_a_malformed_or_unknown_key_answers_401_not_500(key):
    assert answer("get", "/api/commitments/", key).status_code == 401


def test_setting_a_password_revokes_the_tokens(editor, draft):
    key = api_key(editor)
    editor.set_password("new password")
    editor.save()
    assert answer("get", draft, key).status_code == 401
    assert not ApiToken.objects.filter(user=editor).exists()


def test_changing_ones_own_password_on_the_site_revokes_ones_tokens(client, editor):
    key = api_key(editor)
    other = api_key(User.objects.create_user("other"))
    client.force_login(editor)
    new = "n3w-Pa55phrase!"
    changed = client.post(
        "/en/accounts/password_change/",
        {"old_password": "old password", "new_password1": new, "new_password2": new},
    )
    assert changed.status_code == 302
    assert answer("get", "/api/commitments/", key).status_code == 401
    assert answer("get", "/api/commitments/", other).status_code == 200


@pytest.mark.parametrize("usable", ["true", "false"], ids=["new-password", "password-disabled"])
def test_a_password_set_or_disabled_in_the_admin_revokes_the_tokens(admin_client, editor, usable):
    key = api_key(editor)
    form = {"usable_password": usable, "password1": "n3w-Pa55phrase!", "password2": "n3w-Pa55phrase!"}
    if usable == "false":
        form["unset-password"] = "Disable password-based authentication"  # the button the admin asks for
    changed = admin_client.post(f"/admin/auth/user/{editor.pk}/password/", form)
    assert changed["Location"] == f"/admin/auth/user/{editor.pk}/change/"
    assert answer("get", "/api/commitments/", key).status_code == 401


def test_deactivating_an_account_revokes_its_tokens_for_good(editor, draft):
    key = api_key(editor)
    editor.is_active = False
    editor.save()
    assert answer("get", draft, key).status_code == 401
    editor.is_active = True
    editor.save()
    assert answer("get", draft, key).status_code == 401


@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
)
def test_signing_in_keeps_the_tokens_even_when_it_upgrades_the_passwords_hash(client, editor, draft):
    # The tests' settings hash with MD5: with PBKDF2 preferred, signing in stores a new hash of the
    # same password (Django's upgrade), which is no password change.
    key = api_key(editor)
    signed_in = client.post("/en/accounts/login/", {"username": "ed", "password": "old password"})
    assert signed_in.status_code == 302
    editor.refresh_from_db()
    assert editor.password.startswith("pbkdf2_sha256$")
    assert answer("get", draft, key).status_code == 200


def test_a_superuser_makes_a_token_in_the_admin_and_reads_its_key_once(admin_client, editor, draft):
    made = admin_client.post(
        "/admin/tracker/apitoken/add/", {"user": editor.pk, "scope": TokenScope.READ, "label": "Scripts"}
    )
    assert made.status_code == 200
    token = ApiToken.objects.get(user=editor)
    key = made.context["token"].key
    assert key in made.content.decode() and key.startswith(token.token_key)
    assert answer("get", draft, key).status_code == 200
    assert answer("post", "/api/readings/", key).status_code == 403
    assert key not in admin_client.get("/admin/tracker/apitoken/").content.decode()
    assert key not in admin_client.get(f"/admin/tracker/apitoken/{token.pk}/change/").content.decode()
    assert not any(key in entry.object_repr for entry in LogEntry.objects.all())


def test_the_token_list_costs_the_same_queries_at_two_sizes(admin_client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as run:
            assert admin_client.get("/admin/tracker/apitoken/").status_code == 200
        return len(run)

    api_key(User.objects.create_user("first"))
    small = queries()
    for n in range(20):
        api_key(User.objects.create_user(f"user-{n}"), scope=TokenScope.READ)
    assert queries() == small


def make_contact(user) -> OwnerContact:
    return OwnerContact.objects.create(owner=make_owner(), user=user)


@pytest.fixture
def representative():
    user = User.objects.create_user("rep", "rep@example.org", "pw")
    make_contact(user=user)
    return user


def test_an_editor_makes_a_token_for_a_representative_and_reads_its_key_once(client, editor, representative):
    client.force_login(editor)
    form = client.get("/admin/tracker/apitoken/add/")
    # A list of the representatives, not the accounts' autocomplete, which editors may not read.
    assert list(form.context["adminform"].form.fields["user"].queryset) == [representative]
    made = client.post(
        "/admin/tracker/apitoken/add/", {"user": representative.pk, "scope": TokenScope.WRITE, "label": "CI"}
    )
    assert made.status_code == 200
    key = made.context["token"].key
    assert ApiToken.objects.get(user=representative).token_key == key[:15]
    assert answer("get", "/api/commitments/", key).status_code == 200


@pytest.mark.parametrize("kind", ["staff", "superuser", "no owner", "editor not staff", "permission"])
def test_an_editor_cannot_make_a_token_for_another_account(client, editor, kind):
    # A token acts as its user: one an editor could make for a staff account, a superuser, or any
    # account with an editor's permissions (the API asks for those, not the staff flag) would let
    # them act as it.
    other = User.objects.create_user("other", is_staff=kind == "staff", is_superuser=kind == "superuser")
    if kind == "editor not staff":
        other.groups.add(editors_group())
    if kind == "permission":
        other.user_permissions.add(Permission.objects.get(codename="change_commitment"))
    if kind != "no owner":
        make_contact(user=other)  # an account that also represents an owner keeps its powers
    client.force_login(editor)
    refused = client.post("/admin/tracker/apitoken/add/", {"user": other.pk, "scope": TokenScope.READ})
    assert refused.status_code == 200 and refused.context["adminform"].form.errors["user"]
    assert not ApiToken.objects.exists()


def test_an_editor_revokes_a_representatives_token_but_sees_no_other(client, editor, representative):
    mine, _key = ApiToken.objects.create(user=representative)
    theirs, _key = ApiToken.objects.create(
        user=User.objects.create_superuser("root", "root@example.org", "pw")
    )
    client.force_login(editor)
    listed = client.get("/admin/tracker/apitoken/")
    assert list(listed.context["cl"].queryset) == [mine]
    assert client.get(f"/admin/tracker/apitoken/{theirs.pk}/delete/").status_code == 302  # not found
    assert client.post(f"/admin/tracker/apitoken/{theirs.pk}/delete/", {"post": "yes"}).status_code == 302
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert client.post(f"/admin/tracker/apitoken/{mine.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not ApiToken.objects.filter(pk=mine.pk).exists()


def test_an_outsider_cannot_reach_the_tokens(client):
    client.force_login(User.objects.create_user("nobody", is_staff=True))
    assert client.get("/admin/tracker/apitoken/add/").status_code == 403


def test_a_drf_key_made_before_the_upgrade_still_works_and_is_no_longer_stored(editor, draft):
    legacy_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # DRF's: 40 hexadecimal characters
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz, user_id integer)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [legacy_key, editor.pk])
    kind = ContentType.objects.create(app_label="authtoken", model="token")
    LogEntry.objects.create(
        user=editor, content_type=kind, object_id=legacy_key, object_repr=legacy_key, action_flag=ADDITION
    )
    migration = importlib.import_module("tracker.migrations.0019_api_tokens")
    with connection.schema_editor() as schema_editor:
        migration.hash_legacy_tokens(apps, schema_editor)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    assert not LogEntry.objects.filter(object_repr=legacy_key).exists()
    token = ApiToken.objects.get(user=editor)
    assert token.scope == TokenScope.WRITE and token.expiry > timezone.now() + datetime.timedelta(days=89)
    assert answer("get", draft, legacy_key).status_code == 200


def test_clients_are_told_how_to_send_a_token(client):
    schemes = client.get("/api/schema/?format=json").json()["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["in"] == "header" and schemes["tokenAuth"]["name"] == "Authorization"
    assert '"Token"' in schemes["tokenAuth"]["description"]
    for guide in ("representatives.md", "public-data.md"):
        assert "Authorization: Token <key>" in (DOCS / guide).read_text(), guide
