"""
On PostgreSQL, no public address reads the updates table whole (issue #7): the updates are the table
that grows fastest (200,000 in the benchmark's data, against 10,000 commitments), and every query a
public address makes on it must find its rows through an index.

The planner's choices depend on the size of the data and its statistics, so this test plans the
queries on synthetic data of some size, vacuumed and analysed as autovacuum keeps a production database,
with the deployment's `random_page_cost` (docs/deployment.md): on a table of test size PostgreSQL would
rightly scan the whole of it whatever the indexes. It plans each statement with its values written in, as
PostgreSQL does for the first runs of a prepared statement (`DB_PREPARE_THRESHOLD`) and for as long as
a plan made for the values costs less than a generic one, which cannot use the partial indexes on
published updates.
"""

import datetime
import io
import re

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import need_service
from tracker.models import ProgressUpdate

UPDATES = ProgressUpdate._meta.db_table
SIZE = ["--commitments", "400", "--owners", "80", "--deadlines", "2000", "--updates", "20000",
        "--readings", "2000"]  # fmt: skip
# Within the synthetic data's three years (from 2024): what is overdue or due soon is planned against
# the same rows whatever the day the test runs.
TODAY = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)
# The benchmark's addresses (bench/run.py) and the other public ones, on the synthetic rows: the
# commitment syn-50 and the owner syn-owner-7 have updates of their own. Some read no update today;
# they are here so that one that comes to is checked too.
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
    "/api/updates/?ordering=reported_on",
    "/api/owners/syn-owner-7/",
]
STATEMENT = re.compile(r"\s*\(*\s*(SELECT|WITH)\b")


def whole_reads(node: dict) -> list[str]:
    """
    The scans of the updates table in a plan (EXPLAIN's JSON) that read the whole of it: a sequential
    scan, or an index read in order and tested row by row (a Filter with no Index Cond), which reads
    as much as the sequential scan when the rows it wants are rare. An ordered index read with no
    Filter stops at its LIMIT.
    """
    found = []
    if node.get("Relation Name") == UPDATES:
        indexed = "Index Cond" in node or "Recheck Cond" in node
        if node["Node Type"] == "Seq Scan" or ("Filter" in node and not indexed):
            found.append(f"{node['Node Type']} {node.get('Index Name', '')}: {node.get('Filter', '')}")
    for child in node.get("Plans", []):
        found += whole_reads(child)
    return found


def plan(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()  # psycopg reads the json into Python objects
    return document[0]["Plan"]


def queries_on_updates(client, address) -> list[str]:
    """The SQL of the queries on the updates table that answering `address` makes."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, address
    statements = [q["sql"] for q in captured]
    assert all(statements), f"{address}: a query's SQL could not be read back"
    return [sql for sql in statements if UPDATES in sql and STATEMENT.match(sql)]


@pytest.fixture
def analysed_data(transactional_db, django_db_serialized_rollback):
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    call_command("seed_synthetic", *SIZE, stdout=io.StringIO())
    with connection.cursor() as cursor:
        # Statistics, and the visibility map that lets PostgreSQL answer from an index alone. VACUUM
        # runs outside a transaction: hence the transactional database.
        cursor.execute("VACUUM ANALYZE")
        # SET, not SET LOCAL (there is no transaction to end it): RESET below.
        cursor.execute("SET random_page_cost = 1.1")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET random_page_cost")


@time_machine.travel(TODAY, tick=False)
def test_no_public_address_reads_the_updates_table_whole(client, analysed_data):
    update = ProgressUpdate.objects.filter(commitment__slug="syn-50").published().first()
    addresses = [*ADDRESSES, f"/en/commitments/syn-50/updates/{update.pk}/", f"/api/updates/{update.pk}/"]
    reading, whole = set(), []
    for address in addresses:
        for sql in queries_on_updates(client, address):
            reading.add(address)
            if scans := whole_reads(plan(sql)):
                whole.append(f"{address}: {'; '.join(scans)}\n{sql}")
    # A guard against a test that checks nothing: these addresses must be seen reading updates.
    assert {
        "/en/",
        "/en/commitments/syn-50/",
        "/en/feeds/owners/syn-owner-7.atom",
        "/api/updates/",
    } <= reading
    assert not whole, "\n\n".join(whole)
