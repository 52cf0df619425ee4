"""Spreadsheet cells that cannot run: the CSV and XLSX formats, on their own and through the admin."""

import csv
import datetime
import io

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factory import make_commitment, make_owner, make_source
from tracker.fields import clean_text
from tracker.models import Commitment
from tracker.resources import CommitmentResource
from tracker.spreadsheets import CSV, XLSX, read_cell, text_cell

# What a spreadsheet program would run (OWASP, "CSV Injection").
FORMULAS = ["=1+1", '==HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"]
# Text that only looks like it, or like the escaping: it must come back as it was.
LOOKALIKES = ["-5 years", "@home", "'=x", "''+x", "'", "it's =fine"]
HARMLESS = ["Plain title", "", "#N/A"]


@pytest.mark.parametrize("value", FORMULAS + ["-5 years", "@home"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(value):
    assert text_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["'=x", "''+x"])
def test_an_apostrophe_before_a_formula_gets_one_more_so_that_reading_can_undo_it(value):
    assert text_cell(value) == "'" + value


@pytest.mark.parametrize("value", [*HARMLESS, "'", "it's =fine", None, -1, 3.5, datetime.date(2025, 2, 11)])
def test_anything_else_is_left_as_it_is(value):
    assert text_cell(value) == value


@pytest.mark.parametrize("value", FORMULAS + LOOKALIKES + HARMLESS)
def test_reading_a_cell_undoes_exactly_what_writing_it_did(value):
    assert read_cell(text_cell(value)) == value


def test_the_csv_format_escapes_text_and_leaves_numbers_alone():
    dataset = tablib.Dataset(*[[value] for value in [*FORMULAS, "Plain", -1, 2.5]], headers=["cell"])
    cells = [row[0] for row in csv.reader(io.StringIO(CSV().export_data(dataset), newline=""))]
    assert cells == ["cell", *("'" + value for value in FORMULAS), "Plain", "-1", "2.5"]


def test_the_xlsx_format_writes_text_as_text_and_numbers_as_numbers():
    values = [*FORMULAS, "#N/A", "Plain", -1, 2.5]
    sheet = openpyxl.load_workbook(io.BytesIO(XLSX().export_data(tablib.Dataset(*[[v] for v in values]))))
    cells = [row[0] for row in sheet.active.iter_rows()]
    assert [cell.data_type for cell in cells] == ["s"] * 9 + ["n", "n"]
    # A lone carriage return is a newline once in XML (a text cell all the same).
    assert [cell.value for cell in cells] == [
        value.replace("\r", "\n") if isinstance(value, str) else value for value in values
    ]


def test_the_csv_format_reads_back_what_it_wrote():
    dataset = tablib.Dataset(*[[value] for value in FORMULAS + LOOKALIKES + HARMLESS], headers=["cell"])
    assert CSV().create_dataset(CSV().export_data(dataset)).dict == dataset.dict


def test_a_control_character_is_dropped_rather_than_failing_the_xlsx_export():
    exported = XLSX().export_data(tablib.Dataset(["bell\x07 and escape\x1b"], headers=["cell"]))
    assert openpyxl.load_workbook(io.BytesIO(exported)).active["A2"].value == "bell and escape"


# Through the admin: the real export and import, in the formats it offers.

CSV_FORMAT, XLSX_FORMAT = "0", "1"


def test_the_admin_offers_only_these_formats():
    model_admin = admin.site.get_model_admin(Commitment)
    assert model_admin.get_export_formats() == model_admin.get_import_formats() == [CSV, XLSX]


ALL_COLUMNS = {f"commitmentresource_{field}": "on" for field in CommitmentResource.Meta.fields}


def make_titled(titles):
    owner, source = make_owner(slug="france"), make_source(slug="doc")
    for n, title in enumerate(titles):
        commitment = make_commitment(slug=f"c{n}", owner=owner)
        commitment.sources.add(source)
        # Written past the fields' cleaning, which takes a leading tab or CR away: the export escapes
        # whatever is stored, however it came there.
        Commitment.objects.filter(pk=commitment.pk).update(title_en=title, title_fr=title)


def admin_export(client, file_format) -> bytes:
    response = client.post(
        reverse("admin:tracker_commitment_export"), {"format": file_format, "resource": "0", **ALL_COLUMNS}
    )
    assert response.status_code == 200, response.context and response.context["form"].errors
    return response.content


def test_the_admin_csv_export_escapes_every_formula_once(admin_client):
    make_titled(FORMULAS + HARMLESS)
    exported = admin_export(admin_client, CSV_FORMAT).decode("utf-8-sig")
    titles = {row["slug"]: row["title_en"] for row in csv.DictReader(io.StringIO(exported, newline=""))}
    assert [titles[f"c{n}"] for n in range(len(FORMULAS))] == ["'" + title for title in FORMULAS]
    assert [titles[f"c{n + len(FORMULAS)}"] for n in range(len(HARMLESS))] == HARMLESS


def test_the_admin_xlsx_export_has_no_formula_and_keeps_the_text_as_stored(admin_client):
    make_titled([title for title in FORMULAS if "\r" not in title] + HARMLESS)
    Commitment.objects.filter(slug="c0").update(notes="a bell\x07 pasted by mistake")
    sheet = openpyxl.load_workbook(io.BytesIO(admin_export(admin_client, XLSX_FORMAT))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    rows = list(sheet.iter_rows(values_only=True))
    column = {name: i for i, name in enumerate(rows[0])}
    titles = {row[column["slug"]]: row[column["title_en"]] or "" for row in rows[1:]}  # "" is an empty cell
    assert titles == dict(Commitment.objects.values_list("slug", "title_en"))
    assert "a bell pasted by mistake" in {row[column["notes"]] for row in rows[1:]}
    assert isinstance(rows[1][column["announced_on"]], datetime.datetime)  # a date, not text


def admin_import(client, file_format, content: bytes):
    name = "commitments.csv" if file_format == CSV_FORMAT else "commitments.xlsx"
    response = client.post(
        reverse("admin:tracker_commitment_import"),
        {"resource": "0", "format": file_format, "import_file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    confirm = response.context["confirm_form"]
    response = client.post(reverse("admin:tracker_commitment_process_import"), confirm.initial)
    assert response.status_code == 302


# Without "\rx": XML reads a lone carriage return as a newline, and so does import-export, which reads
# an uploaded CSV back from a temporary file in text mode (the CSV format alone keeps it, tested above).
@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_an_admin_export_imports_back_with_the_same_titles(admin_client, file_format):
    make_titled([title for title in FORMULAS if "\r" not in title] + LOOKALIKES + ["Plain title"])
    # What an import saves is cleaned like any text (a tab in a title becomes a space); the escaping
    # of formulas comes back undone exactly.
    before = {
        slug: clean_text(title, multiline=False)
        for slug, title in Commitment.objects.values_list("slug", "title_en")
    }
    assert " x" in before.values()  # "\tx", stored past the cleaning by make_titled()
    exported = admin_export(admin_client, file_format)
    Commitment.objects.all().delete()
    admin_import(admin_client, file_format, exported)
    assert dict(Commitment.objects.values_list("slug", "title_en")) == before
    assert dict(Commitment.objects.values_list("slug", "title_fr")) == before


# Imports refused whole (issue #24): the dry run and the confirmation name the rows, and write nothing.


def admin_dry_run(client, file_format, content: bytes):
    name = "commitments.csv" if file_format == CSV_FORMAT else "commitments.xlsx"
    return client.post(
        reverse("admin:tracker_commitment_import"),
        {"resource": "0", "format": file_format, "import_file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="en",  # the errors below are compared in English
    )


def refusals(response) -> dict[int, dict[str, str]]:
    """Return the refused rows a page lists, by number: each column's errors as one text."""
    return {
        row.number: {name: " ".join(errors) for name, errors in row.error_dict.items()}
        for row in response.context["result"].invalid_rows
    }


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT], ids=["csv", "xlsx"])
def test_an_admin_import_of_a_file_exported_before_a_change_is_refused(editor_client, file_format):
    make_titled(["Mine", "Theirs"])
    exported = admin_export(editor_client, file_format)
    theirs = Commitment.objects.get(slug="c1")
    theirs.title_en = "Their new title"
    theirs.save()
    response = admin_dry_run(editor_client, file_format, exported)
    assert response.status_code == 200 and "confirm_form" not in response.context
    (row,) = refusals(response).values()
    assert row["version"].startswith("c1 has changed since this file was exported")
    assert b"Export again and make your change in the new file." in response.content
    assert Commitment.objects.get(slug="c1").title_en == "Their new title"


def test_an_owner_deleted_before_the_confirmation_fails_the_whole_import_and_says_so(editor_client):
    make_owner(slug="france")
    make_source(slug="doc")
    gone = make_owner(slug="gone")
    rest = "T,T,R,S,governance,declaration,delivered_at_summit,2025-02-11,day,doc"
    upload = (
        "slug,title_fr,title_en,summary_fr,summary_en,axis,kind,nature,announced_on,announced_precision,"
        f"sources,owners\nfirst,{rest},lead:france\nsecond,{rest},lead:gone\n"
    ).encode()
    preview = admin_dry_run(editor_client, CSV_FORMAT, upload)
    confirm = preview.context["confirm_form"]
    gone.delete()
    response = editor_client.post(
        reverse("admin:tracker_commitment_process_import"), confirm.initial, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    assert refusals(response) == {2: {"owners": "unknown owner(s): gone"}}
    assert b"unknown owner(s): gone" in response.content
    messages = [str(message) for message in response.context["messages"]]
    assert len(messages) == 1 and messages[0].startswith("Nothing was imported")
    assert not Commitment.objects.exists()  # the first row is undone too


def test_an_admin_import_that_makes_a_loop_of_parents_names_its_rows(editor_client):
    make_owner(slug="france")
    make_source(slug="doc")
    rest = "T,T,R,S,governance,declaration,delivered_at_summit,2025-02-11,day,doc,lead:france"
    upload = (
        "slug,title_fr,title_en,summary_fr,summary_en,axis,kind,nature,announced_on,announced_precision,"
        f"sources,owners,parent\na,{rest},b\nb,{rest},a\n"
    ).encode()
    response = admin_dry_run(editor_client, CSV_FORMAT, upload)
    assert "confirm_form" not in response.context
    assert refusals(response) == {
        1: {"parent": "This would make a commitment part of itself: a → b → a."},
        2: {"parent": "This would make a commitment part of itself: b → a → b."},
    }
    assert not Commitment.objects.exists()
