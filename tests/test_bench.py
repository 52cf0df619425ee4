"""What the benchmark harness relies on (bench/run.py): the query-count header and the floor view."""

import pytest
from django.db import connection
from django.test import RequestFactory, modify_settings
from django.test.utils import CaptureQueriesContext

from bench.hooks import floor
from tests.factory import make_commitment

pytestmark = pytest.mark.django_db


@modify_settings(MIDDLEWARE={"prepend": "bench.hooks.QueryCountMiddleware"})
@pytest.mark.parametrize("address", ["/en/commitments/", "/en/commitments.csv", "/api/commitments/"])
def test_every_answer_says_how_many_queries_it_took(client, address):
    make_commitment()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
        b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    assert int(response["X-Queries"]) == len(queries) > 0


def test_the_floor_does_nothing_but_answer():
    with CaptureQueriesContext(connection) as queries:
        response = floor(RequestFactory().get("/bench/floor/"))
    assert (response.status_code, response.content, len(queries)) == (200, b"ok", 0)
