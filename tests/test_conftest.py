"""The suite's own rule (tests/conftest.py): a test that commits restores the migrated rows."""

import pytest

from tests.conftest import pytest_collection_modifyitems


class Item:
    def __init__(self, marker_kwargs=None, fixtures=()):
        self.nodeid, self.fixturenames = "tests/test_x.py::test_x", fixtures
        self.marker = None if marker_kwargs is None else pytest.mark.django_db(**marker_kwargs).mark

    def get_closest_marker(self, name):
        return self.marker if name == "django_db" else None


@pytest.mark.parametrize(
    "item",
    [
        Item({"transaction": True}),
        Item({"reset_sequences": True}),
        Item(fixtures=("transactional_db",)),
        Item({}, fixtures=("live_server",)),
    ],
    ids=["marker", "reset_sequences", "transactional_db", "live_server"],
)
def test_a_committing_test_that_does_not_restore_the_migrated_rows_is_refused(item):
    with pytest.raises(pytest.UsageError, match="serialized_rollback=True"):
        pytest_collection_modifyitems([item])


@pytest.mark.parametrize(
    "item",
    [
        Item({"transaction": True, "serialized_rollback": True}),
        Item(fixtures=("transactional_db", "django_db_serialized_rollback")),
        Item({}),  # rolled back, never committed
        Item(),  # no database
    ],
    ids=["marker", "fixture", "rolled-back", "no-database"],
)
def test_committing_tests_that_restore_them_and_other_tests_pass(item):
    pytest_collection_modifyitems([item])
