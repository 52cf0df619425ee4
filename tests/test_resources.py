"""The spreadsheet format of commitments: export, import, and the dry run's row errors."""

import threading

import pytest
import tablib
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import translation

from tests.factory import make_commitment, make_owner, make_source
from tracker.choices import Role
from tracker.models import Commitment, Involvement, Owner, SourceDocument
from tracker.resources import CommitmentResource
from tracker.spreadsheets import CSV, XLSX

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The row errors below are compared in English, whatever the default language."""
    with translation.override("en"):
        yield


def exported_dataset():
    return CommitmentResource().export()


def test_export_writes_owners_sources_and_parent_in_the_shared_format():
    parent = make_commitment(slug="parent")
    child = make_commitment(slug="child", parent=parent, owner=make_owner(slug="france"))
    Involvement.objects.create(commitment=child, owner=make_owner(slug="india"), role=Role.SIGNATORY)
    rows = {row["slug"]: row for row in exported_dataset().dict}
    assert rows["child"]["parent"] == "parent"
    assert set(rows["child"]["owners"].split("; ")) == {"lead:france", "signatory:india"}


def test_an_export_imports_back_unchanged():
    make_commitment(slug="one", owner=make_owner(slug="france"))
    dataset = exported_dataset()
    result = CommitmentResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert (result.totals["skip"], result.totals["update"], result.totals["new"]) == (1, 0, 0)


def test_an_import_that_changes_only_the_owners_cell_updates_the_owners():
    commitment = make_commitment(slug="one", owner=make_owner(slug="france"))
    make_owner(slug="india")
    dataset = exported_dataset()
    dataset.append_col(["lead:france; partner:india"], header="owners-new")
    rows = dataset.dict
    for row in rows:
        row["owners"] = row.pop("owners-new")
    result = CommitmentResource().import_data(
        tablib.Dataset(*[r.values() for r in rows], headers=list(rows[0]))
    )
    assert result.totals["update"] == 1
    assert set(commitment.involvements.values_list("role", "owner__slug")) == {
        ("lead", "france"),
        ("partner", "india"),
    }


def import_csv(text, dry_run=True):
    dataset = tablib.Dataset().load(text, format="csv")
    return CommitmentResource().import_data(dataset, dry_run=dry_run)


HEADER = (
    "slug,title_fr,title_en,summary_fr,summary_en,axis,kind,nature,announced_on,announced_precision,"
    "sources,owners\n"
)


def test_import_creates_commitments_with_their_owners():
    make_owner(slug="france")
    make_owner(slug="india")
    make_source(slug="doc")
    result = import_csv(
        HEADER
        + "new-one,Titre,Title,Résumé,Summary,governance,declaration,delivered_at_summit,2025-02-11,day,doc,"
        '"lead:france; signatory:india"\n',
        dry_run=False,
    )
    assert not result.has_validation_errors() and not result.has_errors()
    commitment = Commitment.objects.get(slug="new-one")
    assert set(commitment.involvements.values_list("role", "owner__slug")) == {
        ("lead", "france"),
        ("signatory", "india"),
    }


def test_a_dry_run_reports_each_bad_row_and_writes_nothing():
    make_owner(slug="france")
    make_source(slug="doc")
    rest = "declaration,delivered_at_summit,2025-02-11,day"
    result = import_csv(
        HEADER
        + f"good,Titre,Title,Résumé,Summary,governance,{rest},doc,lead:france\n"
        + f"bad-axis,Titre,Title,Résumé,Summary,everything,{rest},doc,lead:france\n"
        + f"bad-owner,Titre,Title,Résumé,Summary,governance,{rest},doc,lead:nobody\n"
        + f"bad-role,Titre,Title,Résumé,Summary,governance,{rest},doc,boss:france\n"
        + f"no-owner,Titre,Title,Résumé,Summary,governance,{rest},,\n"
    )
    invalid = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3, 4, 5}
    assert set(invalid[5]) == {"sources"}  # owners only where the sources name some
    assert "axis" in invalid[2]
    assert "nobody" in str(invalid[3]["owners"])
    assert "boss" in str(invalid[4]["owners"])
    assert Commitment.objects.count() == 0


@pytest.mark.parametrize("file_format", [CSV(), XLSX()], ids=["csv", "xlsx"])
def test_an_exported_file_rebuilds_the_commitments_in_an_empty_database(file_format):
    france, india, doc = make_owner(slug="france"), make_owner(slug="india"), make_source(slug="doc")
    # The child's title sorts before its parent's, so the file lists it first.
    parent = make_commitment(slug="parent", title_en="Z parent", owner=france, description_fr="")
    child = make_commitment(slug="child", title_en="A child", owner=india, parent=parent, notes="")
    Involvement.objects.create(commitment=child, owner=france, role=Role.FUNDER)
    for commitment in (parent, child):
        commitment.sources.add(doc)
    before = exported_dataset().dict
    exported = file_format.export_data(exported_dataset())

    Commitment.objects.filter(parent__isnull=False).delete()
    Commitment.objects.all().delete()
    dataset = file_format.create_dataset(exported)
    result = CommitmentResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    assert result.totals["new"] == 2
    assert Commitment.objects.get(slug="child").parent.slug == "parent"
    # Everything but the verdicts: a status is the latest assessment's, never an import's.
    assert exported_dataset().dict == [{**row, "status": "not_assessed"} for row in before]
    assert Owner.objects.count() == 2 and SourceDocument.objects.count() == 1


def test_a_parent_found_nowhere_is_named_in_the_row_error():
    make_owner(slug="france")
    make_source(slug="doc")
    result = import_csv(
        HEADER.replace(",owners", ",owners,parent")
        + "x,T,T,R,S,governance,declaration,delivered_at_summit,2025-02-11,day,doc,lead:france,missing\n"
    )
    (row,) = result.invalid_rows
    assert "no commitment with slug 'missing'" in str(row.error_dict["parent"])


def test_an_exported_formula_is_written_as_text_and_imports_back_as_it_was():
    make_commitment(slug="formula", title_en='=HYPERLINK("http://evil.example")')
    exported = CSV().export_data(exported_dataset())
    assert """'=HYPERLINK(""http://evil.example"")""" in exported  # tests/test_spreadsheets.py has more
    result = CommitmentResource().import_data(CSV().create_dataset(exported))
    assert result.totals["skip"] == 1


def test_an_import_never_changes_the_status_of_a_tracked_commitment():
    make_commitment(slug="one", owner=make_owner(slug="france"), status="in_progress")
    dataset = exported_dataset()
    rows = dataset.dict
    rows[0]["status"] = "achieved"
    result = CommitmentResource().import_data(
        tablib.Dataset(*[r.values() for r in rows], headers=list(rows[0]))
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert Commitment.objects.get(slug="one").status == "in_progress"  # only updates and decisions set it


# Stale files (issue #24): a row changes a commitment only from the version it was exported in.


def edited(dataset: tablib.Dataset, slug: str, **cells) -> tablib.Dataset:
    """Return `dataset` with the cells of row `slug` changed, as an editor changes a file."""
    rows = [{**row, **cells} if row["slug"] == slug else row for row in dataset.dict]
    return tablib.Dataset(*[row.values() for row in rows], headers=list(rows[0]))


def row_errors(result) -> dict[int, dict]:
    return {
        row.number: {name: " ".join(errors) for name, errors in row.error_dict.items()}
        for row in result.invalid_rows
    }


def test_the_version_covers_what_a_row_says_and_not_the_status():
    commitment = make_commitment(slug="one", owner=make_owner(slug="france"))
    version = CommitmentResource().row_version
    (row,) = exported_dataset().dict
    assert row["version"] == version(commitment)
    commitment.refresh_verdict()  # no assessment: the status changes, not what a file says
    assert version(Commitment.objects.get(pk=commitment.pk)) == row["version"]
    changes = [
        lambda: Commitment.objects.filter(pk=commitment.pk).update(title_fr="Autre titre"),
        lambda: Involvement.objects.create(commitment=commitment, owner=make_owner(), role=Role.PARTNER),
        lambda: commitment.sources.add(make_source()),
        lambda: Commitment.objects.filter(pk=commitment.pk).update(parent=make_commitment()),
    ]
    seen = {row["version"]}
    for change in changes:
        change()
        seen.add(version(Commitment.objects.get(pk=commitment.pk)))
    assert len(seen) == len(changes) + 1


def test_a_row_changed_since_the_export_is_refused_and_nothing_is_imported():
    make_commitment(slug="mine", title_en="Mine")
    theirs = make_commitment(slug="theirs", title_en="Theirs")
    dataset = edited(exported_dataset(), "mine", title_en="My new title")
    theirs.title_en = "Their new title"  # saved by someone else after the export
    theirs.save()
    dataset = edited(dataset, "theirs")  # the row is in the file, unchanged by this editor
    result = CommitmentResource().import_data(dataset, dry_run=False)
    errors = row_errors(result)
    assert list(errors) == [2]  # "mine" sorts first; "theirs" is the second row
    assert "theirs has changed since this file was exported" in errors[2]["version"]
    assert "Export again" in errors[2]["version"]
    # All or nothing: the good row is not imported either.
    assert dict(Commitment.objects.values_list("slug", "title_en")) == {
        "mine": "Mine",
        "theirs": "Their new title",
    }


def test_a_stale_file_does_not_delete_the_roles_added_since():
    commitment = make_commitment(slug="one", owner=make_owner(slug="france"))
    dataset = exported_dataset()
    Involvement.objects.create(commitment=commitment, owner=make_owner(slug="india"), role=Role.FUNDER)
    result = CommitmentResource().import_data(dataset, dry_run=False)
    assert "has changed since" in row_errors(result)[1]["version"]
    assert set(commitment.involvements.values_list("role", "owner__slug")) == {
        ("lead", "france"),
        ("funder", "india"),
    }


def test_a_file_imported_once_is_stale_for_the_rows_it_changed():
    make_commitment(slug="one", title_en="Before")
    make_commitment(slug="two", title_en="Untouched")
    dataset = edited(exported_dataset(), "one", title_en="After")
    assert CommitmentResource().import_data(dataset, dry_run=False).totals["update"] == 1
    again = CommitmentResource().import_data(edited(dataset, "two", title_en="Changed too"), dry_run=False)
    assert set(row_errors(again)) == {1}
    assert Commitment.objects.get(slug="two").title_en == "Untouched"


@pytest.mark.parametrize("version", [None, "", "  "], ids=["no-column", "empty", "blank"])
def test_a_row_without_a_version_changes_no_existing_commitment(version):
    make_commitment(slug="one", title_en="Before")
    rows = exported_dataset().dict
    for row in rows:
        row["title_en"] = "After"
        if version is None:
            del row["version"]
        else:
            row["version"] = version
    result = CommitmentResource().import_data(
        tablib.Dataset(*[r.values() for r in rows], headers=list(rows[0])), dry_run=False
    )
    assert "one is already in the tracker, and this row has no version" in row_errors(result)[1]["version"]
    assert Commitment.objects.get(slug="one").title_en == "Before"


def test_a_row_with_a_version_creates_a_commitment_the_database_does_not_have():
    make_commitment(slug="one", owner=make_owner(slug="france")).sources.add(make_source(slug="doc"))
    dataset = exported_dataset()
    Commitment.objects.all().delete()
    result = CommitmentResource().import_data(dataset, dry_run=False)
    assert result.totals["new"] == 1 and not result.has_validation_errors()
    # The version names slugs, not ids: the new row's is the file's.
    assert exported_dataset().dict[0]["version"] == dataset.dict[0]["version"]


def lock_taken(model, **lookup) -> bool:
    """Return whether another connection finds the row locked (run in a thread of its own)."""
    outcome = []

    def try_to_lock():
        try:
            with transaction.atomic():
                model.objects.select_for_update(nowait=True).get(**lookup)
            outcome.append(False)
        except DatabaseError:
            outcome.append(True)
        finally:
            connection.close()  # this thread's

    thread = threading.Thread(target=try_to_lock)
    thread.start()
    thread.join()
    return outcome == [True]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_holds_the_rows_it_compared_locked_until_it_ends():
    make_commitment(slug="one", owner=make_owner(slug="france"))
    locked = []

    class Watched(CommitmentResource):
        def after_import(self, dataset, result, **kwargs):
            locked.extend([lock_taken(Commitment, slug="one"), lock_taken(Owner, slug="france")])
            super().after_import(dataset, result, **kwargs)

    result = Watched().import_data(edited(exported_dataset(), "one", title_en="New"), dry_run=False)
    assert result.totals["update"] == 1
    assert locked == [True, True]  # a save made meanwhile waits, then finds the row changed
    assert not lock_taken(Commitment, slug="one")


def test_a_source_found_nowhere_is_named_instead_of_dropped():
    make_commitment(slug="one").sources.add(make_source(slug="doc"))
    result = CommitmentResource().import_data(edited(exported_dataset(), "one", sources="doc;gone"))
    assert "unknown source(s): gone" in row_errors(result)[1]["sources"]


def test_a_row_whose_owner_is_gone_fails_the_whole_import():
    make_owner(slug="france")
    make_source(slug="doc")
    gone = make_owner(slug="gone")
    rest = "declaration,delivered_at_summit,2025-02-11,day,doc"
    text = (
        HEADER
        + f"first,T,T,R,S,governance,{rest},lead:france\n"
        + f"second,T,T,R,S,governance,{rest},lead:gone\n"
    )
    assert not import_csv(text, dry_run=True).has_validation_errors()
    gone.delete()  # between the dry run and the confirmation
    result = import_csv(text, dry_run=False)
    assert "unknown owner(s): gone" in row_errors(result)[2]["owners"]
    assert not Commitment.objects.exists()  # the first row is undone too


# Parent loops: the file's parents and the stored ones, walked together (parent_loop).

PARENT_HEADER = HEADER.replace(",owners", ",owners,parent")
PARENT_REST = "T,T,R,S,governance,declaration,delivered_at_summit,2025-02-11,day,doc,lead:france"


def import_parents(parents: dict[str, str], dry_run=True):
    lines = [f"{slug},{PARENT_REST},{parent}\n" for slug, parent in parents.items()]
    return import_csv(PARENT_HEADER + "".join(lines), dry_run=dry_run)


@pytest.fixture
def france_and_doc():
    make_owner(slug="france")
    make_source(slug="doc")


@pytest.mark.parametrize(
    "parents, loops",
    [
        ({"a": "a"}, {"a": "a → a"}),
        ({"a": "b", "b": "a"}, {"a": "a → b → a", "b": "b → a → b"}),
        # "d" is not in the loop, only under it: its row is not the one to mend.
        (
            {"a": "b", "b": "c", "c": "a", "d": "a"},
            {"a": "a → b → c → a", "b": "b → c → a → b", "c": "c → a → b → c"},
        ),
    ],
    ids=["own-parent", "two", "three"],
)
@pytest.mark.parametrize("stored", [False, True], ids=["new", "stored"])
def test_an_import_that_makes_a_commitment_part_of_itself_names_each_row_of_the_loop(
    france_and_doc, parents, loops, stored
):
    if stored:  # the same commitments already in the database, without parents, from an exported file
        import_parents(dict.fromkeys(parents, ""), dry_run=False)
        dataset = exported_dataset()
        for slug, parent in parents.items():
            dataset = edited(dataset, slug, parent=parent)
        result = CommitmentResource().import_data(dataset, dry_run=False)
    else:
        result = import_parents(parents, dry_run=False)
    # The slug is the first column, in the export and in PARENT_HEADER.
    refused = {row.values[0]: " ".join(row.error_dict["parent"]) for row in result.invalid_rows}
    assert refused == {
        slug: f"This would make a commitment part of itself: {chain}." for slug, chain in loops.items()
    }
    assert not Commitment.objects.filter(parent__isnull=False).exists()
    assert Commitment.objects.count() == (len(parents) if stored else 0)


def test_the_admin_change_form_refuses_a_loop_with_the_same_walk(editor_client):
    # Commitment.clean walks the parents with parent_loop, as the import does, for every form and the API.
    from tests.test_admin import form_data  # here: tests.test_admin imports this module

    parent = make_commitment(slug="parent")
    parent.sources.add(make_source())
    child = make_commitment(slug="child", parent=parent)
    url = reverse("admin:tracker_commitment_change", args=[parent.pk])
    response = editor_client.post(url, {**form_data(editor_client.get(url)), "parent": child.pk})
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["parent"]  # in the editor's language
    parent.refresh_from_db()
    assert parent.parent is None
