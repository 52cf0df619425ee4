"""
The whole public data as a data package, and the data dictionary page (issue #25): the package is a
valid Frictionless Data Package holding every public row and nothing else; the page describes each
table from the same declarations and describes itself as a schema.org Dataset.
"""

import csv
import datetime
import io
import json
import re
import zipfile
from pathlib import Path

import frictionless
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from tests.factory import (
    make_assessment,
    make_commitment,
    make_deadline,
    make_milestone,
    make_owner,
    make_signatory_assessment,
    make_source,
    make_update,
)
from tracker.choices import DecisionKind, PublicationState, Role, Status
from tracker.datapackage.tables import TABLES
from tracker.dates import DatePrecision
from tracker.models import (
    Amount,
    Assessment,
    Commitment,
    Deadline,
    Decision,
    Involvement,
    Milestone,
    Passage,
    ProgressUpdate,
    Reading,
    SignatoryAssessment,
    SourceDocument,
    StatedCount,
    Target,
)
from tracker.public.downloads import LIST
from tracker.workflow import publish_update, record_decision, submit_update

pytestmark = pytest.mark.django_db

LICENCE = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'


def url(name, language="en"):
    with translation.override(language):
        return reverse(f"tracker:{name}")


def download(client, folder: Path, language: str = "en") -> Path:
    """Unzip the package of `language` into `folder`; return the folder its files are in."""
    response = client.get(url("data_package", language))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.getvalue())) as archive:
        archive.extractall(folder)
    return folder / "summit-tracker"


def read(folder: Path, table: str) -> list[dict]:
    with open(folder / f"{table}.csv", newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.fixture
def reporter(django_user_model):
    return django_user_model.objects.create_user("reporter")


@pytest.fixture
def scene(editor, reporter):
    """
    The summit's data, with what the public sees of the workflow (a published update, a retracted one)
    and what it does not (a draft commitment with its owner and deadline, updates never published, an
    editors' follow-up note).
    """
    call_command("load_summit", verbosity=0)
    gpai = Commitment.objects.get(slug="gpai-membership-expansion")
    published = publish_update(
        submit_update(
            commitment=gpai,
            author=reporter,
            text="Two more members joined.",
            reported_on=datetime.date(2025, 10, 1),
            evidence=[{"url": "https://example.org/communique", "title": "Communiqué"}],
        ),
        by=editor,
    )
    retracted = publish_update(
        submit_update(
            commitment=gpai,
            author=reporter,
            text="All sixty joined.",
            reported_on=datetime.date(2025, 11, 1),
            status=Status.ACHIEVED,
            evidence=[{"url": "https://example.org/draft"}],
        ),
        by=editor,
    )
    correction = record_decision(
        Decision(
            commitment=gpai,
            kind=DecisionKind.CORRECTION,
            retracts=retracted,
            reason="The report cited a draft.",
            language="en",
        ),
        by=editor,
    )
    make_update(gpai, state=PublicationState.SUBMITTED, text="UNPUBLISHED submitted text")
    make_update(
        gpai, state=PublicationState.REJECTED, text="UNPUBLISHED rejected text", rejection_reason="No."
    )
    record_decision(
        Decision(commitment=gpai, kind=DecisionKind.FOLLOWED_UP, reason="EDITORS ONLY follow-up"), by=editor
    )
    # A public verdict on a named signatory (the draft's, in draft_parts, stays out).
    charter = Commitment.objects.get(slug="paris-charter-public-interest-ai")
    make_signatory_assessment(charter.involvements.filter(role=Role.SIGNATORY).first(), Status.IN_PROGRESS)
    return {"published": published, "retracted": retracted, "correction": correction, "draft": draft_parts()}


def draft_parts() -> dict[str, set]:
    """
    A draft commitment with one of every part a public one has, each citing a passage; return the ids
    (slugs for commitments and owners) of its rows, by the package's table they would be in.
    """
    draft = make_commitment(
        slug="secret-draft",
        title_en="SECRET draft",
        is_public=False,
        owner=make_owner(slug="draft-only-owner"),
    )
    passage = Passage.objects.create(source=make_source(), quote="A passage only a draft cites.")
    deadline = make_deadline(draft, title_en="SECRET deliverable")
    target = Target.objects.create(
        commitment=draft, slug="secret-target", name_fr="SECRET", name_en="SECRET", target_value=10
    )
    reading = Reading.objects.create(target=target, measured_on=datetime.date(2025, 6, 1), value=5)
    amount = Amount.objects.create(
        commitment=draft,
        slug="secret-amount",
        amount=1000,
        currency="EUR",
        label_fr="SECRET",
        label_en="SECRET",
    )
    count = StatedCount.objects.create(
        commitment=draft, role=Role.SIGNATORY, count=7, noun_fr="SECRET", noun_en="SECRET"
    )
    involvement = draft.involvements.get()
    for fact in (draft, involvement, count, amount, deadline, target):
        fact.citations.add(passage)
    assessment = make_assessment(draft, Status.IN_PROGRESS)
    update = make_update(draft, text="SECRET update of a draft")
    signatory = draft.involvements.create(owner=make_owner(slug="draft-only-signatory"), role=Role.LEAD)
    verdict = make_signatory_assessment(signatory, Status.ACHIEVED, rationale_en="SECRET verdict")
    return {
        "commitments": {draft.slug},
        "owners": {"draft-only-owner", "draft-only-signatory"},
        "involvements": {involvement.pk, signatory.pk},
        "signatory_assessments": {verdict.pk},
        "stated_counts": {count.pk},
        "amounts": {amount.pk},
        "deadlines": {deadline.pk},
        "targets": {target.pk},
        "readings": {reading.pk},
        "assessments": {assessment.pk},
        "assessment_evidence": set(assessment.evidence.values_list("pk", flat=True)),
        "updates": {update.pk},
    }


def leaked(folder: Path, draft: dict[str, set]) -> list[tuple[str, dict]]:
    """Return the rows of the package that are the draft's, or refer to one of its rows."""
    refers = {table.name: table.foreign_keys for table in TABLES}
    found = []
    for table in TABLES:
        for row in read(folder, table.name):
            own = row.get("id") or row.get("slug")
            theirs = [(other, row[column]) for column, other, _their in refers[table.name] if row[column]]
            if table.name == "citations":  # the fact citing the passage
                theirs.append((row["fact_table"], row["fact_id"]))
            if any(str(key) in map(str, draft.get(name, ())) for name, key in [(table.name, own), *theirs]):
                found.append((table.name, row))
    return found


def test_the_package_is_valid_and_holds_every_public_row_and_nothing_else(client, scene, tmp_path):
    folder = download(client, tmp_path)
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])
    # Each table as many rows as the public has of it: the same queryset methods as the pages'.
    on_record = ProgressUpdate.objects.on_record().filter(commitment__in=Commitment.objects.public())
    expected = {
        "commitments": Commitment.objects.public().count(),
        "involvements": Involvement.objects.filter(commitment__is_public=True).count(),
        "stated_counts": StatedCount.objects.filter(commitment__is_public=True).count(),
        "amounts": Amount.objects.filter(commitment__is_public=True).count(),
        "targets": Target.objects.filter(commitment__is_public=True).count(),
        "readings": Reading.objects.public().count(),
        "assessments": Assessment.objects.filter(commitment__is_public=True).count(),
        "signatory_assessments": SignatoryAssessment.objects.filter(
            involvement__commitment__is_public=True
        ).count(),
        "deadlines": Deadline.objects.public().count(),
        "decisions": Decision.objects.public().count(),
        "updates": on_record.count(),
        "milestones": Milestone.objects.count(),
        "sources": SourceDocument.objects.count(),
        "passages": Passage.objects.count(),
    }
    assert {table: len(read(folder, table)) for table in expected} == expected
    assert expected["updates"] == 2 and expected["decisions"] == 1 and expected["signatory_assessments"] == 1
    # Nothing of the draft, of the updates never published or of the editors' own notes, anywhere.
    everything = "".join(path.read_text(encoding="utf-8") for path in folder.iterdir())
    for secret in ("secret-draft", "SECRET", "draft-only-owner", "UNPUBLISHED", "EDITORS ONLY"):
        assert secret not in everything
    # Nor any row of the draft's parts, or referring to one, in any table (by its id or slug).
    assert leaked(folder, scene["draft"]) == []


def test_a_retracted_update_is_kept_marked_with_the_correction_and_its_verdict_flagged(
    client, scene, tmp_path
):
    folder = download(client, tmp_path)
    updates = {int(row["id"]): row for row in read(folder, "updates")}
    retracted, correction = scene["retracted"], scene["correction"]
    assert updates[scene["published"].pk]["state"] == "published"
    assert updates[scene["published"].pk]["retracted_by"] == ""
    assert updates[retracted.pk]["state"] == "retracted"
    assert updates[retracted.pk]["retracted_by"] == str(correction.pk)
    assert updates[retracted.pk]["text"] == "All sixty joined."  # as it was published
    (assessment,) = [row for row in read(folder, "assessments") if row["update"] == str(retracted.pk)]
    assert (assessment["status"], assessment["origin"]) == ("achieved", "progress_update")
    assert assessment["retracted_by"] == str(correction.pk)
    evidence = [row for row in read(folder, "update_evidence") if row["update"] == str(scene["published"].pk)]
    assert [(row["url"], row["title"]) for row in evidence] == [
        ("https://example.org/communique", "Communiqué")
    ]


def test_dates_keep_their_precision_and_texts_come_in_both_languages(client, tmp_path):
    milestone = make_milestone(slug="g7", date=datetime.date(2026, 12, 31), date_precision=DatePrecision.YEAR)
    commitment = make_commitment(slug="open", title_fr="Ouvrir", title_en="Open")
    make_deadline(commitment, slug="by-month", due_on=datetime.date(2025, 11, 30), due_precision="month")
    make_deadline(commitment, slug="at-g7", milestone=milestone)
    Commitment.objects.filter(pk=commitment.pk).update(title_en="=1+1")  # stored past the fields' cleaning
    folder = download(client, tmp_path)
    deadlines = {row["slug"]: row for row in read(folder, "deadlines")}
    by_month, at_g7 = deadlines["by-month"], deadlines["at-g7"]
    assert (by_month["due_on"], by_month["due_precision"], by_month["due"], by_month["due_exactness"]) == (
        "2025-11", "month", "2025-11", "month",
    )  # fmt: skip
    assert (at_g7["due_on"], at_g7["due_precision"], at_g7["milestone"]) == ("", "", "g7")
    assert (at_g7["due"], at_g7["due_exactness"]) == ("2026", "year")
    (row,) = read(folder, "commitments")
    assert (row["title_fr"], row["announced_on"], row["announced_precision"]) == (
        "Ouvrir",
        "2025-02-10",
        "day",
    )
    assert row["title_en"] == "=1+1"  # exact, for programs: not a spreadsheet's escaping
    assert row["is_overdue"] in ("true", "false")


def test_a_commitment_is_overdue_since_its_earliest_open_deadline_at_that_deadlines_precision(
    client, tmp_path
):
    by_year = make_commitment(slug="by-year")
    make_deadline(by_year, due_on=datetime.date(2024, 12, 31), due_precision="year")
    make_deadline(by_year, due_on=datetime.date(2025, 1, 31), due_precision="month")
    by_day = make_commitment(slug="by-day")
    make_deadline(by_day, due_on=datetime.date(2024, 12, 31), due_precision="day")
    make_deadline(by_day, due_on=datetime.date(2024, 12, 31), due_precision="year")
    done = make_commitment(slug="done")
    make_deadline(done, due_on=datetime.date(2024, 12, 31), due_precision="year", is_done=True)
    make_deadline(done, due_on=datetime.date(2100, 1, 31), due_precision="month")
    folder = download(client, tmp_path)
    rows = {row["slug"]: row for row in read(folder, "commitments")}
    overdue = {slug: (row["overdue_since"], row["overdue_precision"]) for slug, row in rows.items()}
    # "2024", not the last day of that year: a day no source gives. Of two deliverables due the same
    # last day, the one due on that very day says it.
    assert overdue == {"by-year": ("2024", "year"), "by-day": ("2024-12-31", "day"), "done": ("", "")}
    assert [rows[slug]["is_overdue"] for slug in ("by-year", "by-day", "done")] == ["true", "true", "false"]


def test_only_the_descriptions_follow_the_language_and_the_licence_is_named(client, tmp_path):
    make_commitment(title_fr="Ouvrir", title_en="Open")
    make_source(slug="summary", title="Synthèse", url="https://example.org/summary")
    english, french = download(client, tmp_path / "en"), download(client, tmp_path / "fr", "fr")
    for table in TABLES:
        assert (english / table.path).read_bytes() == (french / table.path).read_bytes()
    described = {language: json.loads((folder / "datapackage.json").read_text()) for language, folder in
                 (("en", english), ("fr", french))}  # fmt: skip
    # Its texts are gettext's, in the language of the address, as is its page.
    assert described["fr"]["homepage"] == "https://tracker.example.org/fr/data/"
    package = described["en"]
    assert package["profile"] == "tabular-data-package" and package["name"] == "summit-tracker"
    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
            "title": "Creative Commons Attribution 4.0 International",
        }
    ]
    assert package["sources"] == [{"title": "Synthèse", "path": "https://example.org/summary"}]
    assert package["homepage"] == "https://tracker.example.org/en/data/"
    assert [resource["name"] for resource in package["resources"]] == [table.name for table in TABLES]


def test_the_package_names_its_licence_and_answers_304_until_the_data_changes(
    client, django_capture_on_commit_callbacks
):
    make_commitment()
    first = client.get(url("data_package"))
    assert first["Link"] == LICENCE
    assert first["Content-Disposition"] == 'attachment; filename="summit-tracker-en.zip"'
    assert client.get(url("data_package"), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        make_commitment()
    assert client.get(url("data_package"), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def dataset(html: str) -> dict:
    (found,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    return json.loads(found)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_data_page_describes_every_table_and_column_and_itself_as_a_dataset(client, language):
    commitment = make_commitment(announced_on=datetime.date(2025, 2, 10))
    make_deadline(commitment, due_on=datetime.date(2026, 12, 31), due_precision="year")
    make_source(title="Les actions de Paris", publisher="Sommet pour l'action sur l'IA")
    response = client.get(url("data", language))
    assert response.status_code == 200
    html = response.content.decode()
    for table in (LIST, *TABLES):
        assert f"<code>{table.path}</code>" in html
        for column in table.columns:
            assert f"<code>{column.name}</code>" in html
    described = dataset(html)
    assert described["@type"] == "Dataset" and described["@context"] == "https://schema.org"
    assert described["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert described["creator"]["name"] == described["publisher"]["name"] == "Summit Tracker"
    assert described["url"] == f"https://tracker.example.org/{language}/data/"
    assert described["temporalCoverage"] == "2025-02-10/2026"
    assert described["isBasedOn"][0]["name"] == "Les actions de Paris"
    addresses = {item["contentUrl"]: item["encodingFormat"] for item in described["distribution"]}
    assert addresses == {
        f"https://tracker.example.org/{language}/data/summit-tracker.zip": "application/zip",
        f"https://tracker.example.org/{language}/commitments.csv": "text/csv",
        f"https://tracker.example.org/{language}/commitments-excel.csv": "text/csv",
        "https://tracker.example.org/api/": "application/json",
    }


def test_the_data_page_escapes_what_could_end_its_json_ld(client):
    title = "</script><script>alert(1)</script> & <!--"
    make_source(title=title)
    html = client.get(url("data")).content.decode()
    assert "<script>alert(1)" not in html and "<!--" not in html.split('type="application/ld+json"')[1]
    assert dataset(html)["isBasedOn"][0]["name"] == title


def test_the_data_page_is_in_the_sitemap(client):
    section = client.get("/sitemap-pages.xml").content.decode()
    assert "https://tracker.example.org/fr/data/" in section
    assert "https://tracker.example.org/en/data/" in section
