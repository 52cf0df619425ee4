"""
On PostgreSQL, no public address reads the updates table whole (issue #7): the updates are the table
that grows fastest (200,000 in the benchmark's data, against 10,000 commitments), and every query a
public address makes on it must find its rows through an index.

The planner's choices depend on the size of the data and its statistics, so this test plans the
queries on synthetic data of some size, vacuumed and analysed as autovacuum keeps a production database,
with the deployment's `random_page_cost` (the README): on a table of test size PostgreSQL would rightly
scan the whole of it whatever the indexes.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import need_service
from tracker.models import ProgressUpdate

UPDATES = ProgressUpdate._meta.db_table
WHOLE_SCAN = re.compile(rf"Seq Scan on {UPDATES}\b")
SIZE = ["--commitments", "400", "--owners", "80", "--deadlines", "2000", "--updates", "20000",
        "--readings", "2000"]  # fmt: skip
# The benchmark's addresses (bench/run.py) and the other public ones that read updates, on the
# synthetic rows: the commitment syn-50 and the owner syn-owner-7 have updates of their own.
ADDRESSES = [
    "/en/",
    "/en/commitments/",
    "/en/commitments/?axis=governance&status=in_progress&q=data",
    "/en/commitments/?owner=syn-owner-7",
    "/en/commitments.csv",
    "/en/overdue/",
    "/en/corrections/",
    "/en/commitments/syn-50/",
    "/en/commitments/syn-50/updates/",
    "/en/owners/syn-owner-7/",
    "/en/feeds/updates.atom",
    "/en/feeds/commitments/syn-50.atom",
    "/en/feeds/owners/syn-owner-7.atom",
    "/en/feeds/corrections.atom",
    "/en/calendar.ics",
    "/en/badges/owners/syn-owner-7.svg",
    "/api/commitments/",
    "/api/commitments/syn-50/",
    "/api/updates/",
    "/api/owners/syn-owner-7/",
]


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def queries_on_updates(client, address) -> list[str]:
    """The SQL of the queries on the updates table that answering `address` makes."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, address
    return [q["sql"] for q in captured if UPDATES in q["sql"] and q["sql"].lstrip().startswith("SELECT")]


@pytest.fixture
def analysed_data():
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    call_command("seed_synthetic", *SIZE, stdout=io.StringIO())
    with connection.cursor() as cursor:
        # Statistics, and the visibility map that lets PostgreSQL answer from an index alone (VACUUM
        # runs outside a transaction: hence a transactional test).
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SET random_page_cost = 1.1")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET random_page_cost")


@pytest.mark.django_db(transaction=True)
def test_no_public_address_reads_the_updates_table_whole(client, analysed_data):
    planned, whole = set(), []
    for address in ADDRESSES:
        for sql in queries_on_updates(client, address):
            planned.add(address)
            if WHOLE_SCAN.search(text := plan(sql)):
                whole.append(f"{address}\n{sql}\n{text}")
    # The test looks at real queries: these addresses read updates (the others may come to).
    assert {"/en/", "/en/commitments/syn-50/", "/en/feeds/updates.atom", "/api/updates/"} <= planned
    assert not whole, "\n\n".join(whole)
