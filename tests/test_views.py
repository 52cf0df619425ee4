"""The public pages: what they show, in which language, to whom, and at what cost in queries."""

import csv
import datetime
import gc
import io
import re
import weakref

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.factory import (
    make_assessment,
    make_commitment,
    make_deadline,
    make_milestone,
    make_owner,
    make_source,
    make_update,
)
from tracker.choices import Axis, DecisionKind, OwnerKind, PublicationState, Qualifier, Role, Status
from tracker.models import (
    Amount,
    Assessment,
    Commitment,
    Deadline,
    Decision,
    Evidence,
    Involvement,
    Milestone,
    Owner,
    Passage,
    ProgressUpdate,
    Reading,
    StatedCount,
    Target,
)
from tracker.public.views import OWNER_PAGE_SIZE

pytestmark = pytest.mark.django_db

# A fixed day, so that "overdue" and "due soon" do not drift with the calendar.
TODAY = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def url(name, *args, language="en"):
    with translation.override(language):
        return reverse(f"tracker:{name}", args=args)


@pytest.fixture
def gpai():
    """A commitment with every part the commitment page shows."""
    gpai_owner = make_owner(
        slug="gpai", name="Partenariat mondial sur l'IA", name_en="Global Partnership on AI"
    )
    commitment = make_commitment(
        slug="gpai-growth", title_fr="Élargir le PMIA", title_en="Grow GPAI", summary_fr="Résumé FR",
        summary_en="English summary", owner=gpai_owner, status=Status.IN_PROGRESS,
    )  # fmt: skip
    Involvement.objects.create(
        commitment=commitment, owner=make_owner(slug="malta", name="Malte"), role=Role.SUPPORTER
    )
    StatedCount.objects.create(
        commitment=commitment, role=Role.PARTNER, count=44, noun_fr="pays", noun_en="countries"
    )
    Amount.objects.create(
        commitment=commitment,
        slug="fund",
        amount=400_000_000,
        currency="EUR",
        label_fr="Dotation",
        label_en="Fund",
    )
    bratislava = make_milestone(
        slug="bratislava", name_en="Bratislava summit", date=datetime.date(2025, 11, 30)
    )
    make_deadline(commitment, slug="sixty", title_en="About sixty members", milestone=bratislava)
    make_deadline(commitment, slug="meeting", title_en="Meeting held", due_on=datetime.date(2025, 2, 11),
                  is_done=True, done_on=datetime.date(2025, 2, 11))  # fmt: skip
    target = Target.objects.create(
        commitment=commitment, slug="members", name_fr="Membres", name_en="Members", unit_en="members",
        baseline=44, target_value=60, qualifier=Qualifier.ABOUT, milestone=bratislava,
    )  # fmt: skip
    Reading.objects.create(target=target, measured_on=datetime.date(2025, 2, 11), value=44)
    Reading.objects.create(target=target, measured_on=datetime.date(2025, 9, 1), value=51)
    published = make_update(
        commitment, text="Seven states asked to join.", reported_on=datetime.date(2025, 9, 1)
    )
    Evidence.objects.create(update=published, url="https://example.org/gpai", title="Communiqué")
    make_update(commitment, text="Secret draft", state=PublicationState.SUBMITTED)
    return commitment


def test_the_root_sends_visitors_to_their_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/en/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="fr")["Location"] == "/fr/"


def test_the_commitment_page_in_english(client, gpai):
    response = client.get(url("commitment_detail", "gpai-growth"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Grow GPAI</h1>" in html and "English summary" in html
    assert "Global Partnership on AI" in html and "Malte" in html  # owners by role
    assert "44 countries" in html and "€400 million" in html
    assert "Overdue by 46 days" in html  # due by the end of November 2025, seen on 15 January 2026
    assert "Done (11 February 2025)" in html
    assert "Seven states asked to join." in html and "https://example.org/gpai" in html
    assert "Secret draft" not in html  # submitted updates stay private
    assert "51 members" in html and "From 44 members towards <strong>60 members</strong> (about)" in html
    assert 'hreflang="fr"' in html and "/fr/commitments/gpai-growth/" in html


def test_the_language_links_keep_the_page_and_its_query(client, gpai):
    html = client.get("/en/commitments/?axis=governance&q=caf%C3%A9").content.decode()
    assert 'href="/fr/commitments/?axis=governance&amp;q=caf%C3%A9" hreflang="fr"' in html
    assert (
        'hreflang="en" href="https://tracker.example.org/en/commitments/?axis=governance&amp;q=caf%C3%A9"'
        in html
    )
    # A page that does not exist has no route to reverse: its address is translated as it is.
    missing = client.get("/en/commitments/no-such-thing/").content.decode()
    assert 'href="/fr/commitments/no-such-thing/" hreflang="fr"' in missing


def test_the_commitment_page_in_french(client, gpai):
    html = client.get(url("commitment_detail", "gpai-growth", language="fr")).content.decode()
    assert "<h1>Élargir le PMIA</h1>" in html and "Résumé FR" in html
    assert "400 millions d’euros" in html
    assert '<html lang="fr">' in html


def test_drafts_and_unknown_slugs_are_not_found(client):
    draft = make_commitment(slug="draft", is_public=False, title_en="Unannounced plan")
    assert client.get(url("commitment_detail", "draft")).status_code == 404
    # Nor does a public commitment name a draft as its parent.
    make_commitment(slug="child", parent=draft)
    assert "Unannounced plan" not in client.get(url("commitment_detail", "child")).content.decode()
    assert client.get(url("commitment_detail", "nothing")).status_code == 404
    assert client.get(url("owner_detail", "nobody")).status_code == 404
    assert client.get(url("milestone_detail", "never")).status_code == 404


def _header(html: str) -> str:
    """The header of a commitment's page, from its title to its summary: what the first screen shows."""
    return html.split("<h1>")[1].split('<p class="summary">')[0]


def test_the_commitment_header_says_the_verdict_the_lead_and_how_late_in_both_languages(client):
    lead = make_owner(slug="oecd", name="OCDE", name_en="OECD")
    commitment = make_commitment(
        slug="late", title_en="Publish the index", owner=lead, status=Status.NOT_ASSESSED
    )
    verdict = make_assessment(commitment, Status.STALLED, on=datetime.date(2025, 9, 30))
    Assessment.objects.filter(pk=verdict.pk).update(assessed_precision="month")
    commitment.refresh_verdict()
    # Missed at month precision: due by the end of December 2024, 380 days before 15 January 2026.
    make_deadline(
        commitment, title_en="First edition", due_on=datetime.date(2024, 12, 31), due_precision="month"
    )
    make_deadline(commitment, title_en="Second edition", due_on=datetime.date(2026, 6, 30))

    english = _header(client.get(url("commitment_detail", "late")).content.decode())
    assert "Publish the index</h1>" in english and ">Stalled</span>" in english
    assert "Last assessed: September 2025" in english  # the verdict's date at its precision
    assert '<dt>Led by</dt><dd><a href="/en/owners/oecd/">OECD</a></dd>' in english
    assert "<strong>Overdue by 380 days</strong>" in english
    assert '<time datetime="2024-12">December 2024</time> · First edition' in english
    assert "31 December 2024" not in english and "Second edition" not in english  # the missed one only

    french = _header(client.get(url("commitment_detail", "late", language="fr")).content.decode())
    assert "<strong>En retard de 380 jours</strong>" in french and ">décembre 2024</time>" in french
    assert "septembre 2025</span>" in french and "30 septembre" not in french


def test_the_commitment_header_gives_the_next_deadline_when_none_is_missed(client):
    commitment = make_commitment(slug="on-time", status=Status.NOT_ASSESSED, owner=make_owner(name_en="Mali"))
    Involvement.objects.filter(commitment=commitment).update(role=Role.PARTNER)
    make_deadline(commitment, title_en="Launch", due_on=datetime.date(2026, 6, 30), due_precision="year")

    header = _header(client.get(url("commitment_detail", "on-time")).content.decode())
    assert ">Not yet assessed</span>" in header and "Last assessed" not in header and "Overdue" not in header
    assert "<dt>Led by</dt><dd>no lead named in the sources</dd>" in header
    assert '<dt>Next deadline</dt><dd><time datetime="2026">2026</time> · Launch</dd>' in header


def test_a_targets_chart_labels_its_axes_and_says_what_it_draws(client, gpai):
    html = client.get(url("commitment_detail", "gpai-growth")).content.decode()
    chart = html.split('<figure class="chart target-chart">')[1].split("</figure>")[0]
    svg, caption = chart.split("</svg>")
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', svg)
    assert ticks == ["40", "45", "50", "55", "60", "11 February 2025", "30 November 2025"]
    assert '<text class="unit" x="0" y="10">members</text>' in svg and ">target</text>" in svg
    assert " ".join(caption.split()) == (
        "<figcaption> 2 readings drawn, from 44 members (11 February 2025) to 51 members (1 September 2025)."
        " Dashed line: the target, 60 members by 30 November 2025. Dotted line: the baseline, 44 members."
        " </figcaption>"
    )
    assert "Share of the target reached: 44%" in html  # 7 of the 16 members to go
    assert "<caption>Readings</caption>" in html  # the figures stay beside the chart
    Reading.objects.filter(value=51).delete()  # back to the baseline alone
    html = client.get(url("commitment_detail", "gpai-growth")).content.decode()
    assert "Share of the target reached: no change yet from the baseline" in html
    assert "One reading drawn: 44 members, 11 February 2025." in html
    french = client.get(url("commitment_detail", "gpai-growth", language="fr")).content.decode()
    assert "11 février 2025" in french.split("<figcaption>")[1].split("</figcaption>")[0]


def test_the_commitment_page_reads_each_part_once(client, gpai, django_assert_num_queries):
    # The commitment with its parent; owners, stated numbers, money, deadlines, targets and their
    # readings, decisions (which also give each deadline its extensions), parts, sources; the updates
    # with their evidence, reported readings and delivered deadlines; the links from every kind of fact
    # to the passages it cites, and those passages; the assessments with their evidence.
    cited = Passage.objects.create(source=make_source(), quote="Les mots du document.")
    gpai.citations.add(cited)
    gpai.involvements.first().citations.add(cited)
    make_commitment(parent=gpai)
    Decision.objects.create(commitment=gpai, kind=DecisionKind.CORRECTION, reason="A figure was wrong.")
    for _ in range(2):
        with django_assert_num_queries(18):
            assert client.get(url("commitment_detail", "gpai-growth")).status_code == 200
        # More of each part: the same queries read them.
        make_deadline(gpai, due_on=datetime.date(2026, 6, 30))
        make_update(gpai, text="More news.").evidence.create(url="https://example.org/more", title="More")
        gpai.involvements.create(owner=make_owner(), role=Role.PARTNER)
        make_commitment(parent=gpai)


def test_the_commitment_page_reads_only_the_parts_a_commitment_has(client, django_assert_num_queries):
    # Most commitments state no number, no money, have no parts and no decision, and are not yet
    # assessed: their page reads the commitment, its owners, deadlines, targets, sources and updates
    # (none published here), and the links to the passages its facts cite (none here).
    commitment = make_commitment(slug="plain", status=Status.NOT_ASSESSED)
    make_deadline(commitment, title_en="A report")
    page = url("commitment_detail", "plain")
    with django_assert_num_queries(7):
        assert "A report" in client.get(page).content.decode()
    # Each part the commitment gains is read again (Commitment.read_parts), and shown.
    StatedCount.objects.create(commitment=commitment, role=Role.SIGNATORY, count=12, noun_en="states")
    Amount.objects.create(commitment=commitment, slug="f", amount=5_000_000, currency="EUR", label_en="Fund")
    Target.objects.create(commitment=commitment, slug="t", name_en="Members", target_value=60)
    make_commitment(parent=commitment, title_en="A part of it")
    Decision.objects.create(commitment=commitment, kind=DecisionKind.CORRECTION, reason="A figure was wrong.")
    make_assessment(commitment, Status.IN_PROGRESS)
    # Four parts, the target's readings, the assessments and their evidence.
    with django_assert_num_queries(14):
        html = client.get(page).content.decode()
    assert "12 states" in html and "€5 million" in html and "Members" in html
    assert "A part of it" in html and "A figure was wrong." in html


def _shown_updates(html: str) -> list[str]:
    """The texts of the updates a page shows, in its order."""
    return [part.split("</p>")[0] for part in html.split('<div class="update-text" lang="fr"><p>')[1:]]


def test_the_commitment_page_shows_the_latest_updates_and_links_to_the_rest(client, gpai):
    page = url("commitment_detail", "gpai-growth")
    html = client.get(page).content.decode()
    assert '<h2 id="updates">Progress updates</h2>' in html  # one update: all of them, no link
    assert url("commitment_updates", "gpai-growth") not in html
    for day in range(1, 8):
        make_update(gpai, text=f"Day {day}.", reported_on=datetime.date(2025, 10, day))
    make_update(
        gpai, text="Not yet.", reported_on=datetime.date(2025, 10, 20), state=PublicationState.SUBMITTED
    )

    html = client.get(page).content.decode()
    assert _shown_updates(html) == ["Day 7.", "Day 6.", "Day 5.", "Day 4.", "Day 3."]  # newest first
    assert '<h2 id="updates">Latest progress updates</h2>' in html
    assert f'<a href="{url("commitment_updates", "gpai-growth")}">' in html
    assert "Last assessed: 1 March 2025" in html  # the verdict's date, not the latest update's
    french = client.get(url("commitment_detail", "gpai-growth", language="fr")).content.decode()
    assert "Derniers points d’étape" in french and "Tous les points d’étape, y compris" in french


def test_the_commitment_page_shows_each_update_as_its_own_page_does(client, gpai):
    # The commitment's page attaches the updates' parts from its own deadlines and targets; the
    # update's page prefetches them (for_display). Both show the same.
    target, deadline = gpai.targets.get(), gpai.deadlines.order_by("pk").first()
    # Made after the first, named to sort before it: shown after it, by the order they were made.
    later = Target.objects.create(commitment=gpai, slug="a-budget", name_en="Budget", target_value=9)
    update = make_update(gpai, text="Both parts.", reported_on=datetime.date(2025, 12, 1))
    update.evidence.create(url="https://example.org/second", title="Second link")
    update.evidence.create(url="https://example.org/first-added-last", title="")
    update.reported_readings.create(target=later, value=7)
    update.reported_readings.create(target=target, value=55)
    update.marks_done.add(deadline)
    # Another commitment's deliverable, which no form allows, is still shown, not an error.
    update.marks_done.add(make_deadline(make_commitment(), title_en="Elsewhere"))

    def shown(html):
        return html.split(f'<article class="update" id="update-{update.pk}">')[1].split("</article>")[0]

    on_commitment = shown(client.get(url("commitment_detail", "gpai-growth")).content.decode())
    on_its_own = shown(client.get(url("update_detail", "gpai-growth", update.pk)).content.decode())
    assert on_commitment == on_its_own
    assert "Second link" in on_commitment and "https://example.org/first-added-last" in on_commitment
    assert on_commitment.index("Second link") < on_commitment.index("first-added-last")
    assert on_commitment.index(f"{target.name_en}: 55 members") < on_commitment.index("Budget: 7")
    # Each kind under its label, not bare bullets under the text.
    assert "<dt>Readings</dt><dd>" in on_commitment and "<dt>Evidence given</dt><dd>" in on_commitment
    assert f"<dt>Deliverables done</dt><dd>{deadline.title_en}</dd><dd>Elsewhere</dd>" in on_commitment


def test_the_owners_report_is_found_beyond_the_latest_updates(client, gpai, django_assert_num_queries):
    report = make_update(
        gpai, text="We are done.", status=Status.ACHIEVED, reported_on=datetime.date(2025, 9, 2),
        on_behalf_of=Owner.objects.get(slug="gpai"),
    )  # fmt: skip
    page, its_page = url("commitment_detail", "gpai-growth"), url("update_detail", "gpai-growth", report.pk)
    # The report is among the latest updates read (no parts, decisions).
    with django_assert_num_queries(15):
        html = client.get(page).content.decode()
    assert "What the owner reports:" in html and f'href="{its_page}"' in html
    for day in range(1, 7):  # newer editors' updates push it out of the latest five
        make_update(gpai, text=f"Editors' note {day}.", reported_on=datetime.date(2025, 10, day))
    with django_assert_num_queries(16):  # one more query finds it
        html = client.get(page).content.decode()
    assert "We are done." not in html
    assert "What the owner reports:" in html and f'href="{its_page}"' in html
    # Once the editors agree with the owner, there is nothing to show, however far back the report.
    make_assessment(gpai, Status.ACHIEVED, on=datetime.date(2025, 10, 10))
    assert "What the owner reports:" not in client.get(page).content.decode()


def test_the_updates_page_lists_every_published_update_a_page_at_a_time(
    client, gpai, django_assert_num_queries
):
    make_commitment(slug="quiet")
    quiet = client.get(url("commitment_updates", "quiet")).content.decode()
    assert "No progress update has been published yet." in quiet and "published update" not in quiet
    page = url("commitment_updates", "gpai-growth")
    for day in range(1, 23):  # 22, and the fixture's: 23 published updates
        update = make_update(gpai, text=f"Update {day}.", reported_on=datetime.date(2025, 10, day))
        update.evidence.create(url=f"https://example.org/{day}", title=f"Link {day}")
    with django_assert_num_queries(6):  # commitment, count, updates and what each update shows (3)
        first = client.get(page).content.decode()
    assert "23 published updates, newest first." in first
    assert _shown_updates(first) == [f"Update {day}." for day in range(22, 2, -1)]  # 20, newest first
    assert "https://example.org/22" in first and "Secret draft" not in first
    with django_assert_num_queries(6):
        second = client.get(page, {"page": 2}).content.decode()
    assert _shown_updates(second) == ["Update 2.", "Update 1.", "Seven states asked to join."]
    assert 'rel="prev"' in second and "Page 2 of 2" in second
    assert client.get(page, {"page": 3}).status_code == 404
    french = client.get(url("commitment_updates", "gpai-growth", language="fr")).content.decode()
    assert "23 points d’étape publiés, les plus récents en premier." in french


def test_an_update_has_a_page_of_its_own(client, gpai, django_assert_num_queries):
    published = gpai.updates.get(state=PublicationState.PUBLISHED)
    with django_assert_num_queries(5):  # commitment, update (with its owner), its evidence, readings, marks
        html = client.get(url("update_detail", "gpai-growth", published.pk)).content.decode()
    assert "Seven states asked to join." in html and "https://example.org/gpai" in html
    assert f'<h1><a href="{url("commitment_detail", "gpai-growth")}">Grow GPAI</a></h1>' in html
    assert "<span>Last assessed: 1 March 2025</span>" in html  # the verdict, and when it was given
    assert "<title>Progress update of 1 September 2025 · Grow GPAI · Summit Tracker</title>" in html
    assert url("commitment_updates", "gpai-growth") in html
    french = client.get(url("update_detail", "gpai-growth", published.pk, language="fr")).content.decode()
    assert "Point d’étape du 1 septembre 2025" in french
    # Only published updates of public commitments, each at its own commitment's address.
    draft = gpai.updates.get(state=PublicationState.SUBMITTED)
    assert client.get(url("update_detail", "gpai-growth", draft.pk)).status_code == 404
    other = make_commitment(slug="other")
    assert client.get(url("update_detail", "other", published.pk)).status_code == 404
    Commitment.objects.filter(pk=gpai.pk).update(is_public=False)
    assert client.get(url("update_detail", "gpai-growth", published.pk)).status_code == 404
    assert client.get(url("commitment_updates", "gpai-growth")).status_code == 404
    assert other.updates.count() == 0


def test_an_extension_shows_on_its_deadline_and_among_the_decisions(client, gpai):
    deadline = Deadline.objects.get(slug="meeting")
    gpai.decisions.create(
        kind="extended", deadline=deadline, previous_due=datetime.date(2025, 1, 31),
        new_due=datetime.date(2025, 2, 11), reason="The venue moved.", decided_on=datetime.date(2025, 1, 20),
    )  # fmt: skip
    html = client.get(url("commitment_detail", "gpai-growth")).content.decode()
    timeline = html.split('aria-labelledby="timeline"')[1].split("</section>")[0]
    moved = "Moved from 31 January 2025 to 11 February 2025, because:"
    assert moved in timeline.split("Meeting held")[1].split("</li>")[0]  # on its own deadline only
    assert "“Meeting held” moved from 31 January 2025 to 11 February 2025." in html  # in the decisions
    assert "Last assessed: 1 March 2025" in html  # an extension is not a verdict


def test_the_home_page_counts_statuses_overdue_and_what_is_due_soon(client, gpai):
    soon = make_commitment(title_en="Due soon one", status=Status.NOT_ASSESSED)
    make_deadline(soon, due_on=datetime.date(2026, 3, 31), title_en="Publish the guide")
    html = client.get(url("home")).content.decode()
    assert "<strong>1</strong> commitment overdue" in html
    assert "Publish the guide" in html  # due within 90 days
    assert "Seven states asked to join." not in html and "Grow GPAI" in html  # latest updates list titles
    assert "Not yet assessed" in html and "In progress" in html


def test_the_owner_page_lists_commitments_by_role_with_a_breakdown(client, gpai):
    html = client.get(url("owner_detail", "malta")).content.decode()
    assert "<h1>Malte</h1>" in html
    assert "As supporter" in html and "Grow GPAI" in html


def test_an_owner_page_lists_its_commitments_a_page_at_a_time_and_counts_them_all(client):
    many = make_owner(slug="many", name="Many")
    for n in range(OWNER_PAGE_SIZE + 3):
        make_commitment(slug=f"c-{n:03}", title_en=f"Commitment {n:03}", owner=many)
    first = client.get(url("owner_detail", "many"))
    second = client.get(url("owner_detail", "many"), {"page": 2})
    shown = [c.slug for _role, commitments in first.context["roles"] for c in commitments]
    assert len(shown) == OWNER_PAGE_SIZE and shown[0] == "c-000"
    assert [c.slug for _role, commitments in second.context["roles"] for c in commitments] == [
        "c-050", "c-051", "c-052",
    ]  # fmt: skip
    # The breakdown counts every one of them, whatever page is shown.
    assert first.context["promises"] == second.context["promises"] == OWNER_PAGE_SIZE + 3
    assert client.get(url("owner_detail", "many"), {"page": 3}).status_code == 404


def test_the_overdue_page_lists_the_most_overdue_and_points_to_the_rest(client, monkeypatch):
    monkeypatch.setattr("tracker.public.views.OVERDUE_LISTED", 3)
    for day in range(5):
        make_deadline(
            make_commitment(slug=f"late-{day}"), due_on=TODAY.date() - datetime.timedelta(days=10 + day)
        )
    response = client.get(url("overdue"))
    assert [c.slug for c in response.context["commitments"]] == ["late-4", "late-3", "late-2"]
    html = response.content.decode()
    assert "Only the 3 most overdue commitments are listed here." in html
    assert "?overdue=true&amp;ordering=most_overdue" in html
    assert client.get(url("overdue"), {"page": 2}).status_code == 404


def test_the_milestone_page_shows_what_was_due_and_delivered(client, gpai):
    html = client.get(url("milestone_detail", "bratislava")).content.decode()
    assert "About sixty members" in html and "not delivered, overdue" in html
    assert "0 of 1 deliverable done." in html
    assert "Members" in html  # the target due there


def test_the_overdue_page_lists_most_overdue_first(client, gpai):
    older = make_commitment(title_en="Much older promise")
    make_deadline(older, due_on=datetime.date(2025, 3, 31))
    html = client.get(url("overdue")).content.decode()
    assert html.index("Much older promise") < html.index("Grow GPAI")
    assert ">290 days overdue<" in html and ">46 days overdue<" in html
    assert "2 commitments overdue" in html


def test_each_overdue_row_shows_its_lead_the_deadline_it_missed_at_its_precision_and_its_last_update(
    client, gpai
):
    Milestone.objects.filter(slug="bratislava").update(date_precision="month")
    silent = make_commitment(title_en="Silent promise", owner=make_owner(slug="quiet", name_en="Quiet Ltd"))
    make_deadline(silent, due_on=datetime.date(2025, 12, 31), due_precision="year")
    html = client.get(url("overdue")).content.decode()
    gpai_row = html[html.index("Grow GPAI") : html.index("</li>", html.index("Grow GPAI"))]
    assert 'Missed deadline: <time datetime="2025-11">November 2025</time>' in gpai_row
    assert 'Lead: <a href="/en/owners/gpai/">Global Partnership on AI</a>' in gpai_row
    assert 'Last update: <time datetime="2025-09-01">' in gpai_row
    silent_row = html[html.index("Silent promise") : html.index("</li>", html.index("Silent promise"))]
    # Known to the year only: written as the year, never as its last day.
    assert 'Missed deadline: <time datetime="2025">2025</time>' in silent_row
    assert "15 days overdue" in silent_row and "Last update: none yet" in silent_row


def test_an_owners_page_lists_its_commitments_as_the_lists_do(client, gpai):
    # As a supporter too: each role's list reads rows with their leads and deadlines.
    lead = make_owner(slug="lead-co", name_en="Lead Co")
    supported = make_commitment(title_en="Supported promise", owner=lead)
    supported.involvements.create(owner=Owner.objects.get(slug="gpai"), role=Role.SUPPORTER)
    make_deadline(supported, due_on=datetime.date(2025, 12, 31), due_precision="year")
    html = client.get("/en/owners/gpai/").content.decode()
    row = html[html.index("Supported promise") : html.index("</li>", html.index("Supported promise"))]
    assert 'Lead: <a href="/en/owners/lead-co/">Lead Co</a>' in row
    assert 'Missed deadline: <time datetime="2025">2025</time>' in row and "15 days overdue" in row


def test_the_header_says_since_when_a_confirmed_verdict_holds(client):
    commitment = make_commitment(slug="held", status=Status.NOT_ASSESSED)
    make_assessment(commitment, Status.STALLED, on=datetime.date(2025, 3, 1))
    make_assessment(commitment, Status.IN_PROGRESS, on=datetime.date(2025, 5, 1))
    make_assessment(commitment, Status.IN_PROGRESS, on=datetime.date(2025, 9, 1))  # confirmed, unchanged
    english = _header(client.get(url("commitment_detail", "held")).content.decode())
    assert "Last assessed: 1 September 2025" in english and "(first given: 1 May 2025)" in english
    make_assessment(commitment, Status.STALLED, on=datetime.date(2025, 10, 1))  # changed: no earlier start
    english = _header(client.get(url("commitment_detail", "held")).content.decode())
    assert "Last assessed: 1 October 2025" in english and "first given" not in english


def test_the_overdue_page_is_paginated_most_overdue_first(client):
    for n in range(26):
        make_deadline(
            make_commitment(title_en=f"Late {n}"),
            due_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=n),
        )
    first = client.get(url("overdue"))
    assert [c.title_en for c in first.context["commitments"]] == [f"Late {n}" for n in range(25)]
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(url("overdue"), {"page": "2"})
    assert [c.title_en for c in second.context["commitments"]] == ["Late 25"]
    assert client.get(url("overdue"), {"page": "3"}).status_code == 404


def test_the_method_page_explains_every_status(client):
    html = client.get(url("about")).content.decode()
    for status in Status:
        assert str(status.meaning) in html


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_method_page_states_the_datas_licence(client, language):
    html = client.get(url("about", language=language)).content.decode()
    assert f'rel="license" href="https://creativecommons.org/licenses/by/4.0/deed.{language}"' in html
    assert "CC BY 4.0" in html and "Apache" in html


# The list, its filters and its CSV


def test_filters_live_in_the_url_so_a_view_can_be_shared(client, gpai):
    make_commitment(title_en="Another axis", axis=Axis.SCIENCE)
    response = client.get(url("commitment_list"), {"axis": "governance", "owner": "gpai"})
    assert [c.slug for c in response.context["page"]] == ["gpai-growth"]
    assert "?axis=governance&amp;owner=gpai" in response.content.decode()  # the CSV link keeps them


@pytest.mark.parametrize(
    "params",
    [{"status": "finished"}, {"due_before": "2025-02-30"}, {"milestone": "atlantis"}, {"overdue": "maybe"}],
)
def test_bad_filters_answer_400_with_a_message(client, params):
    response = client.get(url("commitment_list"), params)
    assert response.status_code == 400
    assert b"could not be understood" in response.content


def test_pages_beyond_the_last_are_not_found_and_page_size_is_capped(client, gpai):
    assert client.get(url("commitment_list"), {"page": "9999"}).status_code == 404
    assert client.get(url("commitment_list"), {"page": "x"}).status_code == 404
    response = client.get(url("commitment_list"), {"page_size": "1000000"})
    assert response.status_code == 200 and response.context["page"].paginator.per_page == 100
    assert client.get(url("commitment_list"), {"page_size": "many"}).status_code == 200


def test_the_csv_holds_the_filtered_list_in_the_page_language(client, gpai):
    make_commitment(slug="other", axis=Axis.SCIENCE)
    response = client.get(url("commitment_csv", language="fr"), {"axis": "governance"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["slug"] for row in rows] == ["gpai-growth"]
    assert rows[0]["title"] == "Élargir le PMIA"
    assert rows[0]["days_overdue"] == "46"
    assert rows[0]["url"].endswith("/fr/commitments/gpai-growth/")


def test_the_csv_streams_in_chunks_in_the_lists_order_with_each_ones_leads(client, monkeypatch):
    monkeypatch.setattr("tracker.public.downloads.CHUNK", 2)
    first, second = make_owner(name="Alpha", name_en="Alpha EN"), make_owner(name="Bêta")
    for n in range(5):
        commitment = make_commitment(slug=f"c{n}", announced_on=datetime.date(2025, 2, 10 - n), owner=first)
        Involvement.objects.create(commitment=commitment, owner=second, role=Role.LEAD)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("commitment_csv"), {"ordering": "announced"})
        chunks = list(response.streaming_content)
    # The header, then three chunks of at most two rows.
    assert len(chunks) == 4
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert [row["slug"] for row in rows] == ["c4", "c3", "c2", "c1", "c0"]
    assert {row["lead"] for row in rows} == {"Alpha EN; Bêta"}
    # The order; then, for each chunk, its amounts and sources, its commitments and their owners' roles.
    assert len(queries) == 1 + 3 * 4, [q["sql"] for q in queries.captured_queries]


def test_the_csv_lets_each_chunk_go_once_written(client, monkeypatch):
    """Memory stays flat: a chunk's rows are freed by reference counting, not left to the cycle collector."""
    from tracker.public import downloads

    monkeypatch.setattr(downloads, "CHUNK", 2)
    for n in range(5):
        make_commitment(slug=f"c{n}", owner=make_owner(name=f"Owner {n}"))
    read = []

    def in_order(queryset, pks):
        rows = original(queryset, pks)
        read.extend(weakref.ref(row) for row in rows)
        return rows

    original = downloads.in_order
    monkeypatch.setattr(downloads, "in_order", in_order)
    gc.disable()
    try:
        response = client.get(url("commitment_csv"))
        lines = b"".join(response.streaming_content).count(b"\n")
        alive = [ref() for ref in read if ref() is not None]
    finally:
        gc.enable()
    assert lines == 6 and len(read) == 5
    assert alive == []


def test_each_row_shows_status_axis_leads_next_deadline_and_days_overdue_in_the_page_language(client, gpai):
    Involvement.objects.create(
        commitment=gpai, owner=make_owner(slug="tricky", name="<b>T</b>", short_name="T&Co"), role=Role.LEAD
    )
    ahead = make_commitment(slug="ahead", status=Status.STALLED, axis=Axis.SCIENCE)
    make_deadline(ahead, due_on=datetime.date(2026, 3, 1))
    english = client.get(url("commitment_list")).content.decode()
    assert '<a href="/en/commitments/gpai-growth/">Grow GPAI</a>' in english
    assert ">In progress</span>" in english and ">Effective and inclusive governance</span>" in english
    # Each lead linked, by its short name when it has one, escaped; in the order of their names.
    tricky = '<a href="/en/owners/tricky/">T&amp;Co</a>'
    assert f'Lead: {tricky}, <a href="/en/owners/gpai/">Global Partnership on AI</a>' in english
    assert '<span class="overdue">46 days overdue</span>' in english
    # The deadline it missed, as precisely as it is known (the milestone's day), beside the days late.
    assert 'Missed deadline: <time datetime="2025-11-30">30 November 2025</time>' in english
    assert 'Next deadline: <time datetime="2026-03-01">1 March 2026</time>' in english
    assert ">Stalled</span>" in english
    french = client.get(url("commitment_list", language="fr")).content.decode()
    assert '<a href="/fr/commitments/gpai-growth/">Élargir le PMIA</a>' in french
    assert ">En cours</span>" in french and ">Une gouvernance efficace et inclusive</span>" in french
    assert ', <a href="/fr/owners/gpai/">Partenariat mondial sur l&#x27;IA</a>' in french
    assert '<span class="overdue">46 jours de retard</span>' in french
    assert '<time datetime="2025-11-30">30 novembre 2025</time>' in french


def test_a_bad_filter_on_the_csv_answers_400(client):
    assert client.get(url("commitment_csv"), {"status": "nope"}).status_code == 400


# Constant queries whatever the data size


def populate(count: int, gpai: Commitment) -> None:
    """
    Add `count` commitments with owners, deadlines, updates, targets and readings, in bulk, each also
    tied to the pages measured: a role for the GPAI owner, a deadline and a target at Bratislava; and
    as many owners, deadlines, targets and updates on the GPAI commitment itself.
    """
    start = Commitment.objects.count()
    owners = Owner.objects.bulk_create(
        Owner(slug=f"bulk-owner-{start + i}", name=f"Owner {i}", kind=OwnerKind.COMPANY) for i in range(count)
    )
    commitments = Commitment.objects.bulk_create(
        Commitment(slug=f"bulk-{start + i}", title_fr=f"Engagement {i}", title_en=f"Commitment {i}",
                   summary_fr="R", summary_en="S", axis=list(Axis)[i % 5], kind="initiative",
                   status=list(Status)[i % 8], announced_on=datetime.date(2025, 2, 10))
        for i in range(count)
    )  # fmt: skip
    Involvement.objects.bulk_create(
        Involvement(commitment=c, owner=o, role=Role.LEAD) for c, o in zip(commitments, owners, strict=True)
    )
    milestone = Milestone.objects.get(slug="bratislava")
    gpai_owner = gpai.involvements.get(role=Role.LEAD).owner
    Involvement.objects.bulk_create(
        Involvement(commitment=c, owner=gpai_owner, role=Role.PARTNER) for c in commitments
    )
    Involvement.objects.bulk_create(Involvement(commitment=gpai, owner=o, role=Role.PARTNER) for o in owners)
    Deadline.objects.bulk_create(
        Deadline(commitment=c, slug="d", title_fr="L", title_en="D", milestone=milestone) for c in commitments
    )
    Deadline.objects.bulk_create(
        Deadline(
            commitment=gpai,
            slug=f"d-{start + i}",
            title_fr="L",
            title_en="D",
            due_on=datetime.date(2027, 1, i % 28 + 1),
        )
        for i in range(count)
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            commitment=gpai, text="U", state=PublicationState.PUBLISHED, reported_on=datetime.date(2025, 6, 1)
        )
        for _ in range(count)
    )
    gpai_targets = Target.objects.bulk_create(
        Target(
            commitment=gpai,
            slug=f"t-{start + i}",
            name_fr="C",
            name_en="T",
            target_value=10,
            milestone=milestone,
        )
        for i in range(count)
    )
    Reading.objects.bulk_create(
        Reading(target=t, measured_on=datetime.date(2025, 3, 1), value=5) for t in gpai_targets
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            commitment=c, text="U", state=PublicationState.PUBLISHED, reported_on=datetime.date(2025, 5, 1)
        )
        for c in commitments
    )
    targets = Target.objects.bulk_create(
        Target(commitment=c, slug="t", name_fr="C", name_en="T", target_value=10, milestone=milestone)
        for c in commitments
    )
    Reading.objects.bulk_create(
        Reading(target=t, measured_on=datetime.date(2025, 3, 1), value=5) for t in targets
    )


def queries(client, address) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
        assert response.status_code == 200
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(captured)


PAGES = [
    ("home", ()),
    ("commitment_list", ()),
    ("commitment_csv", ()),
    ("overdue", ()),
    ("about", ()),
    ("commitment_detail", ("gpai-growth",)),
    ("owner_detail", ("gpai",)),
    ("milestone_detail", ("bratislava",)),
]


@pytest.mark.parametrize(("name", "args"), PAGES, ids=[name for name, _ in PAGES])
def test_every_page_costs_the_same_queries_with_10_or_300_commitments(client, gpai, name, args):
    address = url(name, *args)
    populate(10, gpai)
    small = queries(client, address)
    populate(290, gpai)
    assert queries(client, address) == small


def test_the_list_costs_six_queries_with_10_or_300_commitments(client, gpai):
    # The count; the page's keys, then its rows (CommitmentQuerySet.as_rows) and their owners' roles;
    # the milestones and the owners' countries to filter by.
    populate(10, gpai)
    assert queries(client, url("commitment_list")) == 6
    populate(290, gpai)
    assert queries(client, url("commitment_list")) == 6


def test_the_list_page_does_not_grow_with_the_owners(client, gpai):
    # Owners are chosen by typing a name or a slug, not from a <select> listing every one of them
    # (their countries are listed, once each).
    make_owner(slug="first-french", country="FR")
    weight = len(client.get(url("commitment_list")).content)
    for n in range(200):
        make_owner(slug=f"owner-{n}", name=f"Owner number {n}", country="FR")
    assert len(client.get(url("commitment_list")).content) == weight


@pytest.mark.parametrize("typed", ["oecd", "OECD", "Organisation for Economic Co-operation and Development"])
def test_an_owner_is_found_by_its_slug_or_its_names(client, typed):
    oecd = make_owner(
        slug="oecd", name="Organisation de coopération et de développement économiques",
        name_en="Organisation for Economic Co-operation and Development", short_name="OCDE",
        short_name_en="OECD",
    )  # fmt: skip
    make_commitment(slug="led-by-oecd", owner=oecd)
    make_commitment(slug="someone-else")
    response = client.get(url("commitment_list"), {"owner": typed})
    assert response.status_code == 200
    assert [c.slug for c in response.context["page"]] == ["led-by-oecd"]


def test_an_unknown_owner_is_named_in_the_error(client):
    response = client.get(url("commitment_list"), {"owner": "Nobody & co"})
    assert response.status_code == 400
    assert "No owner is called “Nobody &amp; co”." in response.content.decode()


def test_the_interface_speaks_the_language_of_the_address(client, gpai):
    french = client.get(url("commitment_detail", "gpai-growth", language="fr")).content.decode()
    english = client.get(url("commitment_detail", "gpai-growth")).content.decode()
    # Navigation, status labels and computed phrases come from locale/fr (compiled by `make messages`).
    assert ">Engagements</a>" in french and ">Commitments</a>" in english
    assert ">En cours</span>" in french and ">In progress</span>" in english
    assert "En retard de 46 jours" in french and "Overdue by 46 days" in english


def test_the_badge_snippet_escapes_what_visitors_copy(client):
    owner = make_owner(slug="tricky", name='O" onload="alert(1)')
    make_commitment(owner=owner, title_en='T"><script>alert(1)</script>')
    html = client.get(url("owner_detail", "tricky")).content.decode()
    snippet = html.split('<textarea id="badge-snippet" readonly rows="3">')[1].split("</textarea>")[0]
    # In the textarea, escaped twice: what the browser shows (and visitors copy) is escaped once.
    assert "&amp;quot;" in snippet and 'onload="' not in snippet and "<" not in snippet
    assert (
        "https://tracker.example.org/en/owners/tricky/" in snippet
    )  # on SITE_URL, whatever host the page came from


@pytest.mark.parametrize(
    "title",
    ['=HYPERLINK("http://evil.example","click")', '==HYPERLINK("x")', "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"],
)
def test_the_csv_never_hands_a_spreadsheet_a_formula(client, title):
    # The admin's export escapes the same way (tracker/spreadsheets.py, tests/test_spreadsheets.py).
    owner = make_owner()
    commitment = make_commitment(slug="formula", owner=owner)
    # Written past the fields' cleaning, which takes a leading tab or CR away: the CSV escapes whatever
    # is stored, however it came there.
    Owner.objects.filter(pk=owner.pk).update(name=title)
    Commitment.objects.filter(pk=commitment.pk).update(title_en=title)
    response = client.get(url("commitment_csv"))
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode(), newline=""))
    assert row["title"] == row["lead"] == "'" + title
    assert row["days_overdue"] == "0" and row["slug"] == "formula"  # numbers and plain text as they are


def test_the_csv_dates_are_iso_with_their_precision(client, gpai):
    response = client.get(url("commitment_csv"))
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert (row["announced_on"], row["announced_precision"]) == ("2025-02-10", "day")
    # The lead owner, named in the language of the address (the supporter is not a lead).
    assert row["lead"] == "Global Partnership on AI"
    french = client.get(url("commitment_csv", language="fr"))
    (row,) = csv.DictReader(io.StringIO(b"".join(french.streaming_content).decode()))
    assert row["lead"] == "Partenariat mondial sur l'IA"


def test_a_shared_date_filter_means_the_same_day_in_both_languages(client, gpai):
    for language in ("fr", "en"):
        response = client.get(url("commitment_list", language=language), {"due_before": "2025-12-01"})
        assert [c.slug for c in response.context["page"]] == ["gpai-growth"]
        assert (
            client.get(url("commitment_list", language=language), {"due_before": "01/12/2025"}).status_code
            == 400
        )


def test_milestone_choices_are_named_in_the_page_language(client, gpai):
    make_milestone(slug="kigali", name_fr="Sommet de Kigali", name_en="Kigali summit")
    english = client.get(url("commitment_list")).content.decode()
    french = client.get(url("commitment_list", language="fr")).content.decode()
    assert '<option value="kigali">Kigali summit</option>' in english
    assert '<option value="kigali">Sommet de Kigali</option>' in french


def test_the_chosen_owner_and_country_stay_chosen_and_what_was_typed_is_escaped(client, gpai):
    make_owner(slug="france", country="FR")
    html = client.get(url("commitment_list"), {"owner": "gpai", "country": "FR"}).content.decode()
    assert 'name="owner" value="gpai"' in html
    assert '<option value="FR" selected>France</option>' in html
    html = client.get(url("commitment_list"), {"owner": '"><b>x</b>'}).content.decode()
    assert 'value="&quot;&gt;&lt;b&gt;x&lt;/b&gt;"' in html and "<b>x</b>" not in html


def test_unknown_addresses_get_the_site_404_page(client):
    response = client.get("/en/nowhere/")
    assert response.status_code == 404
    assert b"Page not found" in response.content and b"site-header" in response.content
