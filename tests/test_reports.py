"""Checkpoint reports (issue #26, point 3): frozen as of a cut-off day, corrected by appending."""

import contextlib
import csv
import datetime
import io
import json
import re
import zlib

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.factory import make_assessment, make_commitment, make_milestone, make_owner
from tests.test_admin import form_data
from tracker.choices import DecisionKind, Nature, ReportState, Role, Status
from tracker.dates import DatePrecision, today
from tracker.models import (
    Assessment,
    AssessmentEvidence,
    Commitment,
    Decision,
    Involvement,
    Report,
    ReportCorrection,
    ReportFrozen,
    report_published,
)
from tracker.reports import Shown, freeze

pytestmark = pytest.mark.django_db

NOVEMBER_15 = datetime.date(2025, 11, 15)
NOVEMBER_30 = datetime.date(2025, 11, 30)


def make_report(cut_off=NOVEMBER_30, **fields) -> Report:
    slug = fields.pop("slug", f"as-of-{cut_off.isoformat()}")
    defaults = {"title_fr": f"Bilan au {cut_off}", "title_en": f"Checkpoint of {cut_off}"}
    return Report.objects.create(slug=slug, cut_off=cut_off, **{**defaults, **fields})


def published(cut_off=NOVEMBER_30, **fields) -> Report:
    report = make_report(cut_off, **fields)
    report.publish()
    return report


def row_of(report_or_content, slug: str) -> dict:
    content = report_or_content.content if isinstance(report_or_content, Report) else report_or_content
    return next(row for row in content["commitments"] if row["slug"] == slug)


@pytest.fixture
def assessed():
    """
    A promise in progress since March 2025, found achieved in "November 2025" (known to the month
    only), with a verdict of October retracted since.
    """
    owner = make_owner(slug="alpha", name="Alpha")
    commitment = make_commitment(slug="kept-late", owner=owner, status=Status.IN_PROGRESS)
    retracted = make_assessment(commitment, Status.NOT_ACHIEVED, on=datetime.date(2025, 10, 1))
    retracted.retracted_by = Decision.objects.create(
        commitment=commitment, kind=DecisionKind.CORRECTION, reason="The update was wrong."
    )
    retracted.save()
    november = Assessment.objects.create(
        commitment=commitment,
        status=Status.ACHIEVED,
        assessed_on=datetime.date(2025, 11, 1),
        assessed_precision=DatePrecision.MONTH,
        rationale_fr="Livré en novembre.",
        rationale_en="Delivered in November.",
    )
    AssessmentEvidence.objects.create(
        assessment=november, url="https://example.org/launch", consulted_on=datetime.date(2025, 12, 2)
    )
    commitment.refresh_verdict()
    return commitment


# The freezing rule.


def test_a_verdict_known_to_a_month_counts_once_the_month_is_over(assessed):
    mid_month = row_of(freeze(make_report(NOVEMBER_15)), "kept-late")
    end_of_month = row_of(freeze(make_report(NOVEMBER_30)), "kept-late")

    # On 15 November the month's verdict may not have been made yet: the March one stands.
    assert (mid_month["status"], mid_month["assessed_on"]) == (Status.IN_PROGRESS, "2025-03-01")
    assert end_of_month["status"] == Status.ACHIEVED
    assert (end_of_month["assessed_on"], end_of_month["assessed_precision"]) == ("2025-11-30", "month")
    assert end_of_month["evidence"] == [{"url": "https://example.org/launch", "consulted_on": "2025-12-02"}]
    assert end_of_month["score"] == 1


def test_a_month_stays_a_month_on_the_page(assessed, client):
    report = published(NOVEMBER_30)
    with translation.override("en"):
        page = client.get(report.get_absolute_url()).content.decode()
    assert '<time datetime="2025-11">November 2025</time>' in page
    assert "30 November 2025" not in page.split('id="verdicts"')[1].split('id="cite"')[0]


def test_a_retracted_verdict_never_counts(assessed):
    row = row_of(freeze(make_report(datetime.date(2025, 10, 31))), "kept-late")
    assert row["status"] == Status.IN_PROGRESS  # not the retracted "not achieved" of 1 October


def test_only_public_commitments_known_by_the_cut_off_are_in_it():
    make_commitment(slug="announced", announced_on=datetime.date(2025, 2, 10))
    make_commitment(slug="later", announced_on=datetime.date(2026, 1, 5))
    make_commitment(slug="draft", is_public=False)
    make_commitment(slug="never-checked", status=Status.NOT_ASSESSED)

    rows = freeze(make_report(NOVEMBER_30))["commitments"]

    assert [row["slug"] for row in rows] == ["announced", "never-checked"]
    assert rows[1]["status"] == Status.NOT_ASSESSED and rows[1]["assessed_on"] is None


def test_summaries_count_promises_by_axis_and_owner_as_scorecards_do():
    alpha, beta = make_owner(slug="alpha", name="Alpha"), make_owner(slug="beta", name="Beta")
    kept = make_commitment(owner=alpha, status=Status.ACHIEVED, axis="governance")
    Involvement.objects.create(commitment=kept, owner=beta, role=Role.PARTNER)
    Involvement.objects.create(commitment=kept, owner=alpha, role=Role.SIGNATORY)  # still one promise
    make_commitment(owner=alpha, status=Status.NOT_ACHIEVED, axis="governance")
    make_commitment(owner=alpha, status=Status.IN_PROGRESS, axis="science")
    make_commitment(owner=beta, status=Status.ACHIEVED, axis="science", nature=Nature.DELIVERED_AT_SUMMIT)

    content = freeze(make_report(NOVEMBER_30))

    axes = {axis["axis"]: axis for axis in content["axes"]}
    assert (axes["governance"]["promises"], axes["governance"]["assessed"], axes["governance"]["score"]) == (
        2,
        2,
        0.0,
    )
    assert (axes["science"]["promises"], axes["science"]["delivered"], axes["science"]["score"]) == (
        1,
        1,
        None,
    )
    owners = {owner["slug"]: owner for owner in content["owners"]}
    assert owners["alpha"]["counts"][Status.ACHIEVED] == 1
    assert (owners["alpha"]["promises"], owners["alpha"]["assessed"], owners["alpha"]["score"]) == (3, 2, 0.0)
    assert (owners["beta"]["promises"], owners["beta"]["delivered"], owners["beta"]["score"]) == (1, 1, 1.0)


# Publishing, and what a published report refuses.


def test_publishing_freezes_it_and_tells_whoever_listens_once_committed(
    assessed, editor, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, report, **kwargs):
        heard.append(report.slug)

    report_published.connect(listener)
    try:
        report = make_report(NOVEMBER_30)
        with django_capture_on_commit_callbacks(execute=True):
            report.publish(by=editor)
            assert heard == []  # not before the commit
    finally:
        report_published.disconnect(listener)

    report.refresh_from_db()
    assert heard == [report.slug]
    assert (report.state, report.published_by, report.content["cut_off"]) == (
        ReportState.PUBLISHED,
        editor,
        "2025-11-30",
    )
    with pytest.raises(ReportFrozen):
        report.publish()


def test_publishing_freezes_the_report_as_stored_not_as_last_read():
    report = make_report(NOVEMBER_30)
    Report.objects.filter(pk=report.pk).update(cut_off=NOVEMBER_15)  # another editor's change
    report.publish()
    assert (report.cut_off, report.content["cut_off"]) == (NOVEMBER_15, "2025-11-15")
    report.title_en = "Changed after publishing"
    with pytest.raises(ReportFrozen):
        report.save()


@pytest.mark.parametrize("days_ahead", [0, 1])
def test_a_report_is_not_published_before_its_cut_off_is_over(days_ahead):
    # Not on its cut-off day either: what is assessed later that day would be missing.
    report = make_report(today() + datetime.timedelta(days=days_ahead))
    with pytest.raises(ValidationError):
        report.publish()
    assert Report.objects.get(pk=report.pk).state == ReportState.DRAFT


def test_nothing_in_a_published_report_changes(assessed):
    report = published(NOVEMBER_30)
    for field, value in [("title_en", "Another title"), ("cut_off", NOVEMBER_15), ("content", {})]:
        stored = Report.objects.get(pk=report.pk)
        setattr(stored, field, value)
        with pytest.raises(ReportFrozen):
            stored.save()
    with pytest.raises(ReportFrozen):
        Report.objects.get(pk=report.pk).delete()
    assert Report.objects.get(pk=report.pk).title_en == report.title_en


def test_the_live_data_changing_leaves_the_page_and_downloads_as_they_were(assessed, client):
    report = published(NOVEMBER_30)
    addresses = [
        report.get_absolute_url(),
        reverse("tracker:report_csv", args=[report.slug]),
        reverse("tracker:report_json", args=[report.slug]),
    ]
    before = [client.get(address).content for address in addresses]

    Commitment.objects.filter(pk=assessed.pk).update(title_fr="Un autre titre")
    make_assessment(assessed, Status.WITHDRAWN, on=datetime.date(2025, 11, 20))
    assessed.involvements.all().delete()
    Involvement.objects.create(commitment=assessed, owner=make_owner(name="Newcomer"), role=Role.LEAD)

    assert [client.get(address).content for address in addresses] == before
    assert "Alpha" in before[0].decode() and "Newcomer" not in before[0].decode()


# Corrections.


def test_a_correction_is_appended_dated_and_never_edited(assessed, client):
    report = published(NOVEMBER_30)
    content = report.content
    correction = ReportCorrection.objects.create(
        report=report, text_fr="Le titre était erroné.", text_en="The title was wrong."
    )
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Le titre était erroné." in page
    assert Report.objects.get(pk=report.pk).content == content
    data = json.loads(client.get(reverse("tracker:report_json", args=[report.slug])).content)
    assert data["corrections"] == [
        {
            "made_on": correction.made_on.isoformat(),
            "text_fr": "Le titre était erroné.",
            "text_en": "The title was wrong.",
        }
    ]
    correction.text_en = "Something else."
    with pytest.raises(ReportFrozen):
        correction.save()
    with pytest.raises(ReportFrozen):
        correction.delete()


def test_a_published_report_saved_unchanged_keeps_its_publication_time(assessed):
    # The admin saves the report with each correction it appends: that is no new publication, which
    # its followers would hear of again (following.reports).
    report = published(NOVEMBER_30)
    stamp = Report.objects.get(pk=report.pk).updated_at
    Report.objects.get(pk=report.pk).save()
    assert Report.objects.get(pk=report.pk).updated_at == stamp


def test_a_draft_takes_no_correction():
    correction = ReportCorrection(report=make_report(), text_fr="Non.", text_en="No.")
    with pytest.raises(ValidationError):
        correction.full_clean()


# Changes since the previous report.


def test_a_report_lists_what_changed_since_the_previous_one(client):
    moving = make_commitment(slug="moving", status=Status.IN_PROGRESS)
    make_commitment(slug="steady", status=Status.IN_PROGRESS)
    first = published(datetime.date(2025, 6, 30), slug="june")
    make_assessment(moving, Status.ACHIEVED, on=datetime.date(2025, 9, 1))
    newcomer = make_commitment(
        slug="newcomer", announced_on=datetime.date(2025, 8, 1), status=Status.NOT_ASSESSED
    )

    second = published(NOVEMBER_30, slug="november")

    assert second.content["previous"]["slug"] == first.slug
    assert second.content["changes"] == [
        {"slug": "moving", "title_fr": moving.title_fr, "title_en": moving.title_en,
         "before": Status.IN_PROGRESS, "after": Status.ACHIEVED},
        {"slug": "newcomer", "title_fr": newcomer.title_fr, "title_en": newcomer.title_en,
         "before": None, "after": Status.NOT_ASSESSED},
    ]  # fmt: skip
    assert first.content["previous"] is None and first.content["changes"] == []
    with translation.override("en"):
        page = client.get(second.get_absolute_url()).content.decode()
    changes = page.split('id="changes"')[1].split('id="verdicts"')[0]
    assert "new in this report" in changes and moving.title_en in changes and "steady" not in changes


# Who sees what.


def test_a_draft_is_not_found_by_the_public_and_previewed_by_editors(assessed, client, editor):
    draft = make_report(NOVEMBER_30)
    addresses = [
        draft.get_absolute_url(),
        *(reverse(f"tracker:report_{kind}", args=[draft.slug]) for kind in ("csv", "json", "pdf")),
    ]
    assert [client.get(address).status_code for address in addresses] == [404] * 4
    assert draft.title_fr not in client.get(reverse("tracker:report_list")).content.decode()
    assert "/reports/" not in client.get("/sitemap-reports.xml").content.decode()

    client.force_login(editor)
    preview = client.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert 'class="notice"' in preview.content.decode()
    assert Report.objects.get(pk=draft.pk).content is None  # a preview stores nothing


def test_a_published_report_is_listed_and_in_the_sitemap_in_both_languages(client):
    report = published(NOVEMBER_30)
    assert report.title_fr in client.get(reverse("tracker:report_list")).content.decode()
    sitemap = client.get("/sitemap-reports.xml").content.decode()
    assert f"/fr/reports/{report.slug}/</loc>" in sitemap and f"/en/reports/{report.slug}/</loc>" in sitemap


def test_the_page_reads_in_french_and_in_english(assessed, client):
    report = published(NOVEMBER_30)
    french = client.get(f"/fr/reports/{report.slug}/").content.decode()
    english = client.get(f"/en/reports/{report.slug}/").content.decode()
    assert report.title_fr in french and "Livré en novembre." in french
    assert report.title_en in english and "Delivered in November." in english
    assert "Verdicts as of 30 November 2025" in english
    assert f"https://tracker.example.org/en/reports/{report.slug}/" in english.split('id="cite"')[1]
    assert "@misc{summit-tracker-" in english


def test_user_text_is_escaped(client):
    report = published(NOVEMBER_30, title_en="<script>alert(1)</script>")
    page = client.get(f"/en/reports/{report.slug}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_report_names_its_milestone_as_it_was(client):
    milestone = make_milestone(slug="bratislava", name_en="Bratislava", date=NOVEMBER_30)
    report = published(NOVEMBER_30, milestone=milestone)
    milestone.name_en = "Renamed"
    milestone.save()
    page = client.get(f"/en/reports/{report.slug}/").content.decode()
    assert '<a href="/en/milestones/bratislava/">Bratislava</a>' in page


# The admin.


@pytest.fixture
def staff_outsider(db) -> User:
    """Staff, allowed to read reports in the admin, but not an editor: may not publish."""
    from django.contrib.auth.models import Permission

    user = User.objects.create_user("outsider", "outsider@example.org", "pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_report", "change_report"]))
    return user


def test_an_editor_publishes_a_draft_after_confirming(assessed, client, editor):
    draft = make_report(NOVEMBER_30)
    publish = reverse("admin:tracker_report_publish", args=[draft.pk])
    client.force_login(editor)

    confirm = client.get(publish, HTTP_ACCEPT_LANGUAGE="en")
    assert confirm.status_code == 200 and b"Yes, publish it" in confirm.content
    assert Report.objects.get(pk=draft.pk).state == ReportState.DRAFT  # asking is not publishing
    assert client.post(publish).status_code == 302

    draft.refresh_from_db()
    assert (draft.state, draft.published_by) == (ReportState.PUBLISHED, editor)
    assert row_of(draft, "kept-late")["status"] == Status.ACHIEVED


def test_only_those_allowed_to_may_publish(client, staff_outsider):
    draft = make_report(NOVEMBER_30)
    client.force_login(staff_outsider)
    assert client.post(reverse("admin:tracker_report_publish", args=[draft.pk])).status_code == 403
    assert Report.objects.get(pk=draft.pk).state == ReportState.DRAFT


def test_the_admin_shows_a_published_report_read_only_and_takes_corrections(client, editor):
    report = published(NOVEMBER_30)
    client.force_login(editor)
    change = reverse("admin:tracker_report_change", args=[report.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="title_en"' not in page.content.decode()
    response = client.post(
        change,
        {
            **form_data(page),
            "title_en": "Changed",
            "corrections-TOTAL_FORMS": "1",
            "corrections-INITIAL_FORMS": "0",
            "corrections-0-made_on": report.published_on.isoformat(),
            "corrections-0-text_fr": "Une précision.",
            "corrections-0-text_en": "A clarification.",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.title_en != "Changed"
    assert [c.text_en for c in report.corrections.all()] == ["A clarification."]
    assert (
        client.post(reverse("admin:tracker_report_delete", args=[report.pk]), {"post": "yes"}).status_code
        == 403
    )


# Downloads.


def test_the_csv_has_a_row_a_commitment_with_dates_at_their_precision(assessed, client):
    report = published(NOVEMBER_30)
    response = client.get(f"/en/reports/{report.slug}.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert 'rel="license"' in response["Link"] and response["ETag"]
    assert len(rows) == Commitment.objects.public().count()
    row = next(row for row in rows if row["slug"] == "kept-late")
    assert (row["status"], row["score"], row["assessed_on"], row["assessed_precision"]) == (
        "achieved",
        "1",
        "2025-11",
        "month",
    )
    assert row["evidence"] == "https://example.org/launch" and row["lead_owners"] == "Alpha"


def test_the_json_holds_the_whole_frozen_report(assessed, client):
    report = published(NOVEMBER_30)
    response = client.get(f"/en/reports/{report.slug}.json", HTTP_ORIGIN="https://elsewhere.example")
    data = json.loads(response.content)
    assert data["content"] == Report.objects.get(pk=report.pk).content
    assert (data["cut_off"], data["publisher"], data["title_fr"]) == (
        "2025-11-30",
        "Summit Tracker",
        report.title_fr,
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    again = client.get(f"/en/reports/{report.slug}.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_pdf_is_the_printed_page_with_its_title(assessed, client):
    report = published(NOVEMBER_30, title_en="Bratislava checkpoint")
    response = client.get(f"/en/reports/{report.slug}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "Bratislava checkpoint · Summit Tracker" in pdf_titles(response.content)
    # Made once: the second answer is the kept one.
    assert client.get(f"/en/reports/{report.slug}.pdf").content == response.content


def test_printing_fetches_nothing_from_the_network():
    from tracker.public.printing import LocalOnly

    assert LocalOnly.local_path("https://tracker.example.org/static/tracker/site.css").name == "site.css"
    assert LocalOnly.local_path("https://tracker.example.org/static/../settings.py") is None
    assert LocalOnly.local_path("https://fonts.example.com/static/tracker/site.css") is None
    assert LocalOnly.local_path("file:///etc/passwd") is None
    with pytest.raises(ValueError):
        LocalOnly().fetch("https://example.org/image.png")


def pdf_titles(pdf: bytes) -> list[str]:
    """
    The titles a PDF holds (its document information's, from the page's <title>, and its bookmarks',
    from the headings), read from its streams, which WeasyPrint compresses.
    """
    parts = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(stream.group(1)))
    titles = []
    for found in re.findall(rb"/Title\s*(\([^)]*\)|<[0-9a-fA-F]*>)", b"\n".join(parts)):
        if found.startswith(b"<"):  # hexadecimal, UTF-16 with a byte order mark
            titles.append(bytes.fromhex(found[1:-1].decode()).decode("utf-16"))
        else:
            titles.append(found[1:-1].decode("latin-1"))
    return titles


# Queries.


def add_commitments(n: int):
    owner = make_owner()
    for _ in range(n):
        commitment = make_commitment(owner=owner, status=Status.IN_PROGRESS)
        Involvement.objects.create(commitment=commitment, owner=make_owner(), role=Role.PARTNER)


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        # The report; its corrections.
        ("tracker:report_detail", 2),
        # The published reports.
        ("tracker:report_list", 1),
        # The ETag (the report, its latest correction); the report; for JSON its corrections.
        ("tracker:report_csv", 3),
        ("tracker:report_json", 4),
    ],
)
def test_report_pages_cost_the_same_queries_at_two_sizes(client, django_assert_num_queries, name, queries):
    for size, cut_off in ((2, datetime.date(2025, 6, 30)), (20, NOVEMBER_30)):
        add_commitments(size)
        report = published(cut_off)
        args = [] if name == "tracker:report_list" else [report.slug]
        with django_assert_num_queries(queries):
            assert client.get(reverse(name, args=args)).status_code == 200
        assert len(Shown(report.content).rows()) >= size


def test_owners_are_listed_by_their_name_in_the_page_language():
    alpha = make_owner(slug="alpha", name="Agence française", name_en="French Agency")
    beta = make_owner(slug="beta", name="Bureau", name_en="Bureau")
    make_commitment(owner=alpha)
    make_commitment(owner=beta)
    shown = Shown(freeze(make_report(NOVEMBER_30)))
    assert [owner.name for owner in shown.owners()] == ["Agence française", "Bureau"]
    with translation.override("en"):
        assert [owner.name for owner in shown.owners()] == ["Bureau", "French Agency"]


def test_a_draft_saved_over_another_editors_change_or_its_publication_is_refused(client, editor):
    draft = make_report(NOVEMBER_30)
    change = reverse("admin:tracker_report_change", args=[draft.pk])
    client.force_login(editor)
    opened = form_data(client.get(change))
    Report.objects.filter(pk=draft.pk).update(title_en="Another editor's title")
    response = client.post(change, {**opened, "title_en": "Mine"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Someone else saved this" in response.content.decode()
    assert Report.objects.get(pk=draft.pk).title_en == "Another editor's title"

    opened = form_data(client.get(change))
    Report.objects.get(pk=draft.pk).publish()  # meanwhile
    response = client.post(change, {**opened, "title_en": "Mine"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Someone else saved this" in response.content.decode()
    assert Report.objects.get(pk=draft.pk).title_en == "Another editor's title"
