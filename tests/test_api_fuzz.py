"""
The API fuzzed against its own OpenAPI schema (schemathesis) on a live server loaded with the summit's
data: every GET endpoint anonymously, and every endpoint (writes included) with an editor's token, in
each of schemathesis's phases (coverage, fuzzing, stateful). Zero server errors, every answer conforming
to the schema. The run writes to the test database only.
"""

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from tests.conftest import editors_group, need_service
from tests.factory import api_key
from tracker.models import Commitment, Deadline, Milestone, Owner, Target

# serialized_rollback: earlier transactional tests flush the database, the Editors group included.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.fuzz]

SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
# No server error, and every answer as the schema says: status, content type, headers and body.
# Refusing anonymous writes is asserted in test_api.py: reads are public, so a bogus cookie on a GET
# is rightly ignored, which schemathesis's ignored_auth check counts as a failure. Not checked:
# whether a request the schema calls invalid is rejected (DRF falls back to defaults for a malformed
# ?page_size=, by design), nor whether one it calls valid is accepted (an unknown owner slug is
# well-formed yet rightly answers 400 with a field error).
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def fuzz(schema_url: str, *extra: str, config: str | None = None, examples: int = 10):
    need_service(os.path.exists(SCHEMATHESIS), "schemathesis (requirements-dev.txt)")
    return subprocess.run(
        [
            SCHEMATHESIS, *(["--config-file", config] if config else []), "run", schema_url,
            "--checks", CHECKS, "--max-examples", str(examples), "--seed", "2025",
            "--request-timeout", "20", "--generation-database", "none", "--no-color",
            # A new connection a request: on a kept-alive one, Django's test server and the client's
            # delayed ACKs wait 40 ms a request (Nagle's algorithm), most of the run's time.
            "--header", "Connection: close", *extra,
        ],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip


@pytest.fixture
def summit_server(live_server, settings):
    call_command("load_summit", verbosity=0)
    return live_server.url


def known_objects(directory) -> str:
    """
    Write a schemathesis configuration that, in half the requests, names objects that exist, in the
    address and in the body, and any version of them (`If-Match: *`); return its path. Drawn at random,
    an address is no object, an If-Match no version and a reference no row: a change stopped at 404,
    412 or 400 before the model's rules and the workflow, where a reason of one control character
    answered 500 (tests/test_api.py).
    """

    def some(model, field="slug"):
        return list(model.objects.order_by("pk").values_list(field, flat=True)[:10])

    commitments, owners, milestones = some(Commitment), some(Owner), some(Milestone)
    rows = sorted({*some(Deadline, "pk"), *some(Target, "pk")})
    dictionaries = {
        "any-version": ["*"],
        "addresses": [*commitments, *owners, *milestones],
        "numbers": [str(pk) for pk in rows],  # a path's {id} is a string of digits
        "rows": rows,
        "commitments": commitments,
        "owners": owners,
        "milestones": milestones,
    }
    parameters = {
        "header.If-Match": "any-version",
        "path.slug": "addresses",
        "path.id": "numbers",
        "body.commitment": "commitments",
        "body.parent": "commitments",
        "body.on_behalf_of": "owners",
        "body.milestone": "milestones",
        "body.deadline": "rows",
        "body.target": "rows",
        "body.readings[*].target": "rows",
        "body.marks_done[*]": "rows",
    }
    # JSON's arrays and strings are TOML's too.
    lines = [f"[dictionaries.{name}]\nvalues = {json.dumps(values)}" for name, values in dictionaries.items()]
    lines.append("[parameters]")
    lines += [f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}' for key, name in parameters.items()]
    path = directory / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_every_read_endpoint_survives_fuzzing(summit_server):
    result = fuzz(f"{summit_server}/api/schema/", "--include-method", "GET")
    assert result.returncode == 0, result.stdout[-6000:]


# The endpoints in three groups of about the same run time, so that parallel test processes share them.
WRITE_GROUPS = {
    "commitments": r"^/api/commitments/",
    "updates-and-decisions": r"^/api/(updates|decisions)/",
    "the-rest": r"^/api/(?!commitments/|updates/|decisions/)",
}


@pytest.mark.parametrize("paths", WRITE_GROUPS.values(), ids=WRITE_GROUPS.keys())
def test_every_write_endpoint_survives_fuzzing_with_an_editors_token(summit_server, paths, tmp_path):
    editor = User.objects.create_user("fuzz-editor", is_staff=True)
    editor.groups.add(editors_group())
    token = api_key(editor)
    result = fuzz(
        f"{summit_server}/api/schema/",
        "--header",
        f"Authorization: Token {token}",
        "--include-path-regex",
        paths,
        config=known_objects(tmp_path),
        examples=15,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    assert "No operations" not in result.stdout  # the group names endpoints that exist
