"""The spreadsheet format of commitments: export, import, and the dry run's row errors."""

import pytest
import tablib

from tests.factory import make_commitment, make_owner, make_source
from tracker.choices import Role
from tracker.models import Commitment, Involvement, Owner, SourceDocument
from tracker.resources import CommitmentResource
from tracker.spreadsheets import CSV, XLSX

pytestmark = pytest.mark.django_db


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
