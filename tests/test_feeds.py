"""What other programs read from the tracker: Atom feeds, the iCalendar feed, badges and the sitemap."""

import datetime
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from tests.factory import make_commitment, make_deadline, make_milestone, make_owner, make_source, make_update
from tracker.choices import STATUS_COLOURS, DecisionKind, Nature, PublicationState, Role, Status
from tracker.dates import today
from tracker.models import Involvement, ProgressUpdate
from tracker.public import calendar
from tracker.public.sitemaps import CommitmentSitemap

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def entries(response) -> list[dict]:
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.findtext(f"{ATOM}id"),
            "published": entry.findtext(f"{ATOM}published"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "summary": entry.findtext(f"{ATOM}summary"),
        }
        for entry in ET.fromstring(response.content).iter(f"{ATOM}entry")
    ]


def summaries(response) -> list[str]:
    return [entry["summary"] for entry in entries(response)]


def events(response) -> dict[str, dict]:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {
        str(event["UID"]): {
            "summary": str(event["SUMMARY"]),
            "start": event.start,
            "end": event.end,
            "description": str(event.get("DESCRIPTION", "")),
            "url": str(event["URL"]),
        }
        for event in calendar.walk("VEVENT")
    }


# Atom feeds


def test_the_updates_feed_shows_only_published_updates_of_public_commitments(client):
    public = make_commitment()
    make_update(public, text="published")
    make_update(public, text="submitted", state=PublicationState.SUBMITTED)
    make_update(public, text="rejected", state=PublicationState.REJECTED, rejection_reason="No source.")
    make_update(make_commitment(is_public=False), text="draft's")

    response = client.get(url("tracker:feed_updates"))

    assert response.status_code == 200
    assert summaries(response) == ["<p>published</p>"]


def test_the_updates_feed_puts_the_newest_first_and_stops_at_fifty(client):
    commitment = make_commitment()
    first = datetime.date(2025, 3, 1)
    for day in range(52):
        make_update(commitment, text=f"day {day}", reported_on=first + datetime.timedelta(days=day))
    # Two reports of the same day: the one entered last comes first.
    make_update(commitment, text="late entry", reported_on=first + datetime.timedelta(days=51))

    shown = summaries(client.get(url("tracker:feed_updates")))

    assert len(shown) == 50
    assert shown[:3] == ["<p>late entry</p>", "<p>day 51</p>", "<p>day 50</p>"]
    assert "<p>day 0</p>" not in shown


def test_an_item_names_the_commitment_and_status_and_links_to_the_update(client):
    commitment = make_commitment(slug="gpai", title_en="Join GPAI", title_fr="Rejoindre le GPAI")
    update = make_update(commitment, status=Status.ACHIEVED, reported_on=datetime.date(2025, 6, 1))
    unchanged = make_update(commitment, reported_on=datetime.date(2025, 5, 1))

    item, plain = entries(client.get(url("tracker:feed_updates")))

    assert item["title"] == "Join GPAI — achieved"
    assert plain["title"] == "Join GPAI"
    # Each item links to the update's own page, which stays where it is as newer updates come.
    assert item["link"] == f"https://tracker.example.org/en/commitments/gpai/updates/{update.pk}/"
    assert plain["link"] == f"https://tracker.example.org/en/commitments/gpai/updates/{unchanged.pk}/"
    # Midnight in Paris, where 1 June is in summer time.
    assert item["published"] == "2025-06-01T00:00:00+02:00"
    assert datetime.datetime.fromisoformat(item["updated"]) == update.updated_at


def test_verdicts_extensions_and_corrections_are_news_in_the_feeds(client):
    commitment = make_commitment(slug="gpai", title_en="Join GPAI")
    deadline = make_deadline(
        commitment, title_en="Sixty members", due_on=datetime.date(2025, 11, 30), due_precision="month"
    )
    make_update(commitment, text="Seven asked.", reported_on=datetime.date(2025, 9, 1), language="en")
    commitment.decisions.create(
        kind=DecisionKind.EXTENDED, deadline=deadline, previous_due=datetime.date(2025, 11, 30),
        previous_precision="month", new_due=datetime.date(2026, 6, 30), new_precision="month",
        reason="Bratislava moved.", language="en", decided_on=datetime.date(2025, 10, 1),
    )  # fmt: skip
    commitment.decisions.create(
        kind=DecisionKind.MISSED, new_status=Status.NOT_ACHIEVED, reason="Seulement deux adhésions.",
        language="fr", evidence_url="https://example.org", decided_on=datetime.date(2026, 1, 10),
    )  # fmt: skip
    commitment.decisions.create(
        kind=DecisionKind.FOLLOWED_UP, reason="Called them.", decided_on=datetime.date(2026, 1, 11)
    )

    for name, kwargs in (("tracker:feed_updates", {}), ("tracker:feed_commitment", {"slug": "gpai"})):
        response = client.get(url(name, **kwargs))
        shown = entries(response)
        assert [entry["title"] for entry in shown] == [
            "Join GPAI — status changed to “not achieved”",
            "Join GPAI — “Sixty members” moved from November 2025 to June 2026",
            "Join GPAI",
        ]  # newest first, and the editors' follow-up notes are not news
        # Each text says the language it was written in, whatever the feed's.
        languages = [
            entry.find(f"{ATOM}summary").get("{http://www.w3.org/XML/1998/namespace}lang")
            for entry in ET.fromstring(response.content).iter(f"{ATOM}entry")
        ]
        assert languages == ["fr", "en", "en"]
    home = client.get(url("tracker:home")).content.decode()
    assert "“Sixty members” moved from November 2025 to June 2026" in home and "Called them" not in home


def test_an_items_id_is_the_same_in_both_languages_and_on_every_download(client):
    update = make_update(make_commitment())

    french = entries(client.get(url("tracker:feed_updates", "fr")))[0]["id"]
    english = entries(client.get(url("tracker:feed_updates", "en")))[0]["id"]

    assert french == english == entries(client.get(url("tracker:feed_updates")))[0]["id"]
    assert french.startswith("tag:") and french.endswith(f":update-{update.pk}")


def test_an_items_markdown_is_cleaned_and_its_title_is_plain_text(client):
    text = '<script>alert("x")</script>\n\nA **step** [on](javascript:alert(1)) <b onclick="x">it</b>'
    make_update(make_commitment(title_en="<b>Bold</b> & co"), text=text)

    (item,) = entries(client.get(url("tracker:feed_updates")))

    # The summary is the page's cleaned HTML: no script, no handler, and no link to javascript:, which
    # stays the text it was written as.
    assert item["summary"].strip() == "<p>A <strong>step</strong> [on](javascript:alert(1)) it</p>"

    # The title is Atom plain text: the XML carries it once escaped, read back as written.
    assert item["title"] == "<b>Bold</b> & co"


def test_an_edited_text_reaches_the_feed_and_a_long_one_is_cleaned_too(client):
    # Each process remembers the HTML of the texts it converted (tracker/markup.py), keyed by the text.
    update = make_update(make_commitment(), text="First *draft*")
    assert summaries(client.get(url("tracker:feed_updates"))) == ["<p>First <em>draft</em></p>"]
    update.text = "Second *version* <script>x</script>" + " word" * 3000
    update.save()

    (summary,) = summaries(client.get(url("tracker:feed_updates")))

    assert summary.startswith("<p>Second <em>version</em>  word word") and "script" not in summary


def test_the_feeds_speak_the_language_of_the_url(client):
    make_update(make_commitment(title_fr="Engagement climat", title_en="Climate commitment"))

    french = client.get(url("tracker:feed_updates", "fr"))
    english = client.get(url("tracker:feed_updates", "en"))

    assert ET.fromstring(french.content).get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert [e["title"] for e in entries(french)] == ["Engagement climat"]
    assert [e["title"] for e in entries(english)] == ["Climate commitment"]
    assert entries(french)[0]["link"].startswith("https://tracker.example.org/fr/commitments/")


def test_a_commitments_feed_shows_only_its_own_updates(client):
    commitment = make_commitment(slug="observatory", title_en="Observatory")
    make_update(commitment, text="ours")
    make_update(commitment, text="not yet", state=PublicationState.SUBMITTED)
    make_update(make_commitment(), text="another's")

    response = client.get(url("tracker:feed_commitment", slug="observatory"))

    assert summaries(response) == ["<p>ours</p>"]
    assert ET.fromstring(response.content).findtext(f"{ATOM}title") == "Summit Tracker: Observatory"


def test_an_owners_feed_shows_its_commitments_updates_and_those_made_on_its_behalf(client):
    owner = make_owner(slug="india")
    led = make_commitment(owner=owner)
    signed = make_commitment(owner=owner, role=Role.SIGNATORY)
    # Two roles in one commitment must not show its updates twice.
    Involvement.objects.create(commitment=signed, owner=owner, role=Role.FUNDER)
    elsewhere = make_commitment()
    make_update(led, text="led", reported_on=datetime.date(2025, 6, 3))
    make_update(signed, text="signed", reported_on=datetime.date(2025, 6, 2))
    make_update(elsewhere, text="on its behalf", on_behalf_of=owner, reported_on=datetime.date(2025, 6, 1))
    make_update(elsewhere, text="not its own")
    make_update(make_commitment(owner=owner, is_public=False), text="draft")

    response = client.get(url("tracker:feed_owner", slug="india"))

    assert summaries(response) == ["<p>led</p>", "<p>signed</p>", "<p>on its behalf</p>"]


@pytest.mark.parametrize("name", ["tracker:feed_commitment", "tracker:feed_owner"])
def test_a_feed_for_an_unknown_slug_is_not_found(client, name):
    assert client.get(url(name, slug="nobody")).status_code == 404


def test_a_drafts_feed_is_not_found(client):
    make_commitment(slug="secret", is_public=False)

    assert client.get(url("tracker:feed_commitment", slug="secret")).status_code == 404


# The iCalendar feed

# The calendar holds what is due from 30 days before today to a year after: these tests live on 1
# September 2025, before the dates they use.
CALENDAR_DAY = datetime.datetime(2025, 9, 1, 10, tzinfo=datetime.UTC)


@pytest.fixture
def calendar_day():
    with time_machine.travel(CALENDAR_DAY, tick=False):
        yield


def test_the_calendar_has_an_all_day_event_per_deadline_and_per_milestone(client, calendar_day):
    commitment = make_commitment(slug="fund", title_en="The fund")
    summit = make_milestone(name_en="Bratislava summit", date=datetime.date(2025, 11, 5), place="Bratislava")
    on_day = make_deadline(commitment, title_en="Statutes", due_on=datetime.date(2025, 9, 15))
    at_summit = make_deadline(commitment, title_en="Report", milestone=summit)
    make_deadline(make_commitment(is_public=False), title_en="Secret")

    response = client.get(url("tracker:calendar"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="summit-tracker.ics"'
    found = events(response)
    assert set(found) == {
        f"deadline-{on_day.pk}@summit-tracker",
        f"deadline-{at_summit.pk}@summit-tracker",
        f"milestone-{summit.pk}@summit-tracker",
    }
    statutes = found[f"deadline-{on_day.pk}@summit-tracker"]
    assert statutes["summary"] == "Due: Statutes — The fund"
    assert (statutes["start"], statutes["end"]) == (datetime.date(2025, 9, 15), datetime.date(2025, 9, 16))
    assert statutes["url"] == "https://tracker.example.org/en/commitments/fund/"
    assert "only" not in statutes["description"]
    # A deadline without its own date is due at its milestone.
    assert found[f"deadline-{at_summit.pk}@summit-tracker"]["start"] == datetime.date(2025, 11, 5)
    event = found[f"milestone-{summit.pk}@summit-tracker"]
    assert event["summary"] == "Bratislava summit"
    assert event["url"] == f"https://tracker.example.org/en/milestones/{summit.slug}/"
    assert Calendar.from_ical(response.content).walk("VEVENT")[-1]["LOCATION"] == "Bratislava"


@pytest.mark.parametrize("precision", ["day", "year"])
def test_a_milestone_on_the_last_day_a_date_can_hold_does_not_break_the_calendar(
    client, calendar_day, precision
):
    far = make_milestone(date=datetime.date.max, date_precision=precision)
    response = client.get(url("tracker:calendar"))
    assert response.status_code == 200
    # Read as the reference library reads it (its computed end would overflow where ours cannot).
    (event,) = [
        e
        for e in Calendar.from_ical(response.content).walk("VEVENT")
        if e["UID"] == f"milestone-{far.pk}@summit-tracker"
    ]
    assert event.decoded("DTSTART") == (
        datetime.date.max if precision == "day" else datetime.date(9999, 1, 1)
    )


def test_the_calendar_holds_the_month_gone_and_the_year_to_come(client, calendar_day):
    commitment = make_commitment()
    today = CALENDAR_DAY.date()
    missed = make_deadline(commitment, due_on=today - datetime.timedelta(days=30))
    make_deadline(commitment, due_on=today - datetime.timedelta(days=31))
    last = make_deadline(commitment, due_on=today + datetime.timedelta(days=365))
    make_deadline(commitment, due_on=today + datetime.timedelta(days=366))
    # A milestone outside the window is still in it, but not the deadlines due at it.
    old = make_milestone(date=datetime.date(2024, 1, 1))
    make_deadline(commitment, milestone=old)
    soon = make_deadline(commitment, milestone=make_milestone(date=datetime.date(2025, 10, 1)))

    found = events(client.get(url("tracker:calendar")))

    assert {uid for uid in found if uid.startswith("deadline-")} == {
        f"deadline-{d.pk}@summit-tracker" for d in (missed, last, soon)
    }
    assert f"milestone-{old.pk}@summit-tracker" in found


def test_over_its_cap_the_calendar_keeps_the_coming_deadlines_then_the_latest_missed(
    client, calendar_day, monkeypatch
):
    monkeypatch.setattr(calendar, "MAX_DEADLINES", 4)
    commitment = make_commitment()
    today = CALENDAR_DAY.date()

    def due_in(*days):
        return [make_deadline(commitment, due_on=today + datetime.timedelta(days=n)) for n in days]

    def at_milestone_in(days):
        milestone = make_milestone(date=today + datetime.timedelta(days=days))
        return make_deadline(commitment, milestone=milestone)

    def deadlines():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("tracker:calendar"))
        uids = [str(event["UID"]) for event in Calendar.from_ical(response.content).walk("VEVENT")]
        return [uid for uid in uids if uid.startswith("deadline-")], len(queries)

    soon, later = due_in(1, 200)
    at_summit = at_milestone_in(5)
    at_milestone_in(400)  # after the window
    _last_week, yesterday, _long_ago = due_in(-7, -1, -20)

    # Three coming deadlines leave room for one missed: the latest. Events come in date order.
    found, queries = deadlines()
    assert found == [f"deadline-{d.pk}@summit-tracker" for d in (yesterday, soon, at_summit, later)]
    # As many coming deadlines as room: the soonest, nothing missed, and no query for the month gone.
    tomorrow_but_one, in_three_days = due_in(2, 3)
    soonest = [f"deadline-{d.pk}@summit-tracker" for d in (soon, tomorrow_but_one, in_three_days, at_summit)]
    assert deadlines() == (soonest, queries - 1)
    # More data, the same answer and the same queries.
    due_in(*range(6, 30), -2)
    assert deadlines() == (soonest, queries - 1)


def test_a_delivered_deliverable_and_a_closed_commitments_deadlines_leave_the_calendar(client, calendar_day):
    commitment = make_commitment()
    make_deadline(commitment, is_done=True, done_on=datetime.date(2025, 10, 2))
    open_one = make_deadline(commitment)
    make_deadline(make_commitment(status=Status.ACHIEVED))
    make_deadline(make_commitment(status=Status.WITHDRAWN))

    found = events(client.get(url("tracker:calendar")))

    assert set(found) == {f"deadline-{open_one.pk}@summit-tracker"}


def test_long_and_special_texts_are_escaped_and_folded_as_rfc_5545_says(client, calendar_day):
    title = "Un livrable très, très long; avec des virgules \\ et des accents: " + "é" * 80
    commitment = make_commitment(
        title_fr=title, title_en="", summary_fr="Ligne un\nligne deux", summary_en=""
    )
    deadline = make_deadline(commitment, title_fr="Statuts", title_en="")

    response = client.get(url("tracker:calendar"))

    # No line longer than 75 octets, none cut inside a character (decoding would fail).
    assert max(len(line) for line in response.content.split(b"\r\n")) <= 75
    response.content.decode()
    # English texts missing: the French ones, as the pages show them.
    event = events(response)[f"deadline-{deadline.pk}@summit-tracker"]
    assert event["summary"] == f"Due: Statuts — {title}"
    assert event["description"] == "Ligne un\nligne deux"


def test_a_date_known_to_a_month_or_a_year_spans_that_period_and_says_so(client, calendar_day):
    commitment = make_commitment()
    by_month = make_deadline(commitment, due_on=datetime.date(2025, 11, 1), due_precision="month")
    by_year = make_deadline(commitment, due_on=datetime.date(2025, 1, 1), due_precision="year")
    g7 = make_milestone(date=datetime.date(2026, 6, 1), date_precision="month")
    at_g7 = make_deadline(commitment, milestone=g7)

    english = events(client.get(url("tracker:calendar")))
    french = events(client.get(url("tracker:calendar", "fr")))

    month = english[f"deadline-{by_month.pk}@summit-tracker"]
    assert (month["start"], month["end"]) == (datetime.date(2025, 11, 1), datetime.date(2025, 12, 1))
    assert month["summary"].startswith("Due in November 2025 (no day given): ")
    assert "only the month (November 2025)" in month["description"]
    assert "novembre 2025" in french[f"deadline-{by_month.pk}@summit-tracker"]["summary"]
    year = english[f"deadline-{by_year.pk}@summit-tracker"]
    assert (year["start"], year["end"]) == (datetime.date(2025, 1, 1), datetime.date(2026, 1, 1))
    assert year["summary"].startswith("Due in 2025 (no day given): ")
    # A deadline at a milestone takes the milestone's precision as well as its date.
    at_milestone = english[f"deadline-{at_g7.pk}@summit-tracker"]
    assert (at_milestone["start"], at_milestone["end"]) == (
        datetime.date(2026, 6, 1),
        datetime.date(2026, 7, 1),
    )
    assert "only the month (June 2026)" in at_milestone["description"]
    milestone = english[f"milestone-{g7.pk}@summit-tracker"]
    assert milestone["summary"] == f"{g7.name_en} (June 2026, no day given)"


def test_an_event_over_several_days_spans_them(client, calendar_day):
    summit = make_milestone(
        name_en="AI Action Summit", date=datetime.date(2025, 2, 11), starts_on=datetime.date(2025, 2, 6)
    )
    event = events(client.get(url("tracker:calendar")))[f"milestone-{summit.pk}@summit-tracker"]
    assert (event["start"], event["end"], event["summary"]) == (
        datetime.date(2025, 2, 6),
        datetime.date(2025, 2, 12),  # the day after its last, as iCalendar ends all-day events
        "AI Action Summit",
    )


def test_the_calendar_speaks_the_language_of_the_url(client, calendar_day):
    commitment = make_commitment(title_fr="Le fonds", title_en="The fund")
    deadline = make_deadline(commitment, title_fr="Statuts", title_en="Statutes")

    event = events(client.get(url("tracker:calendar", "fr")))[f"deadline-{deadline.pk}@summit-tracker"]

    assert event["summary"].endswith("Statuts — Le fonds")
    assert event["url"].startswith("https://tracker.example.org/fr/commitments/")


# Badges


def svg(response) -> ET.Element:
    assert response["Content-Type"] == "image/svg+xml"
    return ET.fromstring(response.content)


def test_a_commitment_badge_shows_its_status_in_its_colour(client):
    make_commitment(slug="label", title_en="AI label", status=Status.STALLED)

    response = client.get(url("tracker:badge_commitment", slug="label"))

    assert response.status_code == 200
    assert "max-age=300" in response["Cache-Control"]
    badge = svg(response)
    assert badge.get("role") == "img"
    assert badge.get("aria-label") == "Summit Tracker — AI label: stalled"
    assert badge.findtext("{http://www.w3.org/2000/svg}title") == "Summit Tracker — AI label: stalled"
    texts = [text.text for text in badge.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["Summit Tracker", "stalled"]
    fills = [rect.get("fill") for rect in badge.iter("{http://www.w3.org/2000/svg}rect")]
    assert Status.STALLED.colour in fills


def test_a_badge_is_as_wide_as_its_text(client):
    make_commitment(slug="short", status=Status.STALLED)
    make_commitment(slug="long", status=Status.PARTIALLY_ACHIEVED)

    short = svg(client.get(url("tracker:badge_commitment", slug="short")))
    long = svg(client.get(url("tracker:badge_commitment", slug="long")))

    assert int(long.get("width")) - int(short.get("width")) == 7 * (
        len("partially achieved") - len("stalled")
    )


def test_a_badge_escapes_a_malicious_title(client):
    make_commitment(slug="evil", title_en='</title><script>alert("x")</script><title>')

    response = client.get(url("tracker:badge_commitment", slug="evil"))

    assert b"<script>" not in response.content
    # Still well-formed, and the title reads back as it was written.
    assert (
        svg(response).get("aria-label")
        == 'Summit Tracker — </title><script>alert("x")</script><title>: in progress'
    )


def test_the_badge_speaks_the_language_of_the_url(client):
    make_commitment(slug="fund", title_fr="Le fonds", title_en="The fund")

    badge = svg(client.get(url("tracker:badge_commitment", "fr", slug="fund")))

    assert "Le fonds" in badge.get("aria-label")


@pytest.mark.parametrize("name", ["tracker:badge_commitment", "tracker:badge_owner"])
def test_a_badge_for_an_unknown_slug_is_not_found(client, name):
    assert client.get(url(name, slug="nobody")).status_code == 404


def test_a_drafts_badge_is_not_found(client):
    make_commitment(slug="secret", is_public=False)

    assert client.get(url("tracker:badge_commitment", slug="secret")).status_code == 404


def test_an_owners_badge_counts_its_public_promises_and_those_kept(client):
    owner = make_owner(slug="canada", name="Canada")
    make_commitment(owner=owner, status=Status.ACHIEVED)
    twice = make_commitment(owner=owner)
    Involvement.objects.create(commitment=twice, owner=owner, role=Role.FUNDER)
    make_commitment(owner=owner, status=Status.ACHIEVED, is_public=False)
    # A report published at the summit is not a promise kept.
    make_commitment(owner=owner, status=Status.ACHIEVED, nature=Nature.DELIVERED_AT_SUMMIT)

    badge = svg(client.get(url("tracker:badge_owner", slug="canada")))

    assert badge.get("aria-label") == "Summit Tracker — Canada: 2 promises · 1 kept"


def test_an_owners_badge_says_promise_in_the_singular(client):
    make_commitment(owner=make_owner(slug="chile"))

    badge = svg(client.get(url("tracker:badge_owner", slug="chile")))

    assert badge.get("aria-label").endswith(": 1 promise · 0 kept")


def contrast_with_white(colour: str) -> float:
    """Return the WCAG contrast ratio of white text on `colour` ("#rrggbb")."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_every_status_has_a_colour_white_text_can_be_read_on():
    assert set(STATUS_COLOURS) == set(Status)
    for status in Status:
        assert contrast_with_white(status.colour) >= 4.5, status


# The sitemap


def test_the_sitemap_lists_the_pages_in_both_languages_with_hreflang_alternates(client):
    owner = make_owner(slug="kenya")
    commitment = make_commitment(owner=owner, slug="open-data")
    make_commitment(owner=make_owner(slug="hidden"), slug="draft", is_public=False)
    milestone = make_milestone(slug="g7-2026")
    make_source(slug="summary")

    index = client.get(reverse("sitemap"))

    assert index.status_code == 200
    sections = [
        node.findtext(f"{SITEMAP}loc") for node in ET.fromstring(index.content).iter(f"{SITEMAP}sitemap")
    ]
    assert sections == [
        f"https://tracker.example.org/sitemap-{name}.xml"
        for name in ("pages", "commitments", "owners", "milestones", "sources", "reports")
    ]
    urls = {}
    for section in sections:
        response = client.get(section)
        assert response.status_code == 200
        urls.update(
            (node.findtext(f"{SITEMAP}loc"), node)
            for node in ET.fromstring(response.content).iter(f"{SITEMAP}url")
        )
    for language in ("fr", "en"):
        for path in [
            "/", "/commitments/", "/overdue/", "/about/", "/sources/", "/sources/summary/", "/owners/kenya/",
            "/milestones/g7-2026/",
        ]:  # fmt: skip
            assert f"https://tracker.example.org/{language}{path}" in urls
    assert not any("draft" in loc or "hidden" in loc for loc in urls)
    page = urls["https://tracker.example.org/en/commitments/open-data/"]
    assert page.findtext(f"{SITEMAP}lastmod") == timezone.localdate(commitment.updated_at).isoformat()
    alternates = {link.get("hreflang"): link.get("href") for link in page.iter(f"{XHTML}link")}
    assert alternates == {
        "fr": "https://tracker.example.org/fr/commitments/open-data/",
        "en": "https://tracker.example.org/en/commitments/open-data/",
        "x-default": "https://tracker.example.org/commitments/open-data/",
    }
    assert milestone.slug in "".join(urls)


def test_sitemap_pages_hold_each_item_once_per_language_across_page_boundaries():
    for n in range(5):
        make_commitment(slug=f"c{n}")
    sitemap = CommitmentSitemap()
    sitemap.limit = 3  # odd: pages start in the middle of an item's languages
    pages = [sitemap.paginator.page(number).object_list for number in sitemap.paginator.page_range]
    pairs = [(item.slug, language) for page in pages for item, language in page]
    assert [len(page) for page in pages] == [3, 3, 3, 1]
    assert pairs == [(f"c{n}", language) for n in range(5) for language in ("fr", "en")]


# Queries: the same number whatever the amount of data


def grow(owner, focus, size):
    """Bring `owner` to `size` public commitments, each with updates, two deadlines and a milestone."""
    while ProgressUpdate.objects.filter(commitment=focus).count() < size:
        commitment = make_commitment(owner=owner)
        make_update(commitment, status=Status.IN_PROGRESS, on_behalf_of=owner)
        make_update(focus)
        make_deadline(commitment, milestone=make_milestone(), is_done=True)
        make_deadline(commitment, due_on=datetime.date(2026, 1, 1), due_precision="year")


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        # The updates, joined with their commitments and owners; the public decisions, with theirs.
        ("tracker:feed_updates", {}, 2),
        # The commitment; its updates; its decisions.
        ("tracker:feed_commitment", {"slug": "focus"}, 3),
        # The owner; its updates; the decisions on its commitments.
        ("tracker:feed_owner", {"slug": "busy"}, 3),
        # The milestones; the coming deadlines, then the month gone's, each joined with their commitments
        # and milestones (and those due at a milestone of the window, when one falls in it).
        ("tracker:calendar", {}, 3),
        # The commitment.
        ("tracker:badge_commitment", {"slug": "focus"}, 1),
        # The owner; its counts.
        ("tracker:badge_owner", {"slug": "busy"}, 2),
        # The index: how many pages and the latest change of commitments, owners and reports;
        # milestones' and sources' pages.
        ("sitemap", {}, 8),
        # A section's page: how many items (to check the page exists); the page's items.
        ("sitemap_section", {"section": "commitments"}, 2),
    ],
)
def test_each_answers_in_the_same_number_of_queries_at_two_sizes(client, name, kwargs, expected):
    owner = make_owner(slug="busy")
    focus = make_commitment(owner=owner, slug="focus")
    counts = []
    for size in (3, 30):
        grow(owner, focus, size)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(name, **kwargs))
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts == [expected, expected], [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_absolute_link_is_on_the_sites_address_whatever_host_served_it(client, settings, language):
    # Asked through another host name (an internal one behind a proxy), over plain HTTP.
    settings.ALLOWED_HOSTS = ["web-3.internal"]
    served = {"HTTP_HOST": "web-3.internal"}
    site = "https://tracker.example.org"
    # Titled so that "gpai" comes first in the API's list (by title, in either language), whatever
    # numbers the factory gives them ("Engagement 10" sorts before "Engagement 9").
    gpai = make_commitment(slug="gpai", title_en="Partnership", title_fr="Partenariat")
    update = make_update(gpai, reported_on=datetime.date(2025, 6, 1))
    make_commitment(slug="other", title_en="Zero", title_fr="Zéro")
    make_deadline(update.commitment, due_on=today())

    feed = client.get(url("tracker:feed_updates", language=language), **served)
    (item,) = entries(feed)
    assert item["link"] == f"{site}/{language}/commitments/gpai/updates/{update.pk}/"
    root = ET.fromstring(feed.content)
    # The site's own links, not the licence's (on creativecommons.org).
    links = [link.get("href") for link in root.iter(f"{ATOM}link") if link.get("rel") != "license"]
    assert links and all(link.startswith(f"{site}/{language}/") for link in links), links
    assert root.find(f"{ATOM}id").text == f"{site}/{language}/"

    api = client.get("/api/commitments/?page_size=1", **served).json()
    assert api["results"][0]["url"] == f"{site}/api/commitments/gpai/"
    assert api["next"] == f"{site}/api/commitments/?page=2&page_size=1"

    page = client.get(url("tracker:commitment_detail", language=language, slug="gpai"), **served)
    assert f'<link rel="canonical" href="{site}/{language}/commitments/gpai/">' in page.content.decode()

    calendar = Calendar.from_ical(client.get(url("tracker:calendar", language=language), **served).content)
    assert all(str(event["url"]).startswith(f"{site}/{language}/") for event in calendar.walk("VEVENT"))

    index = ET.fromstring(client.get("/sitemap.xml", **served).content)
    assert all(location.text.startswith(f"{site}/sitemap-") for location in index.iter(f"{SITEMAP}loc"))


def test_the_news_merges_updates_and_decisions_newest_first():
    from tracker.public.feeds import news, news_date, public_decisions, published_updates

    commitment = make_commitment()
    for day in (1, 5, 9):
        make_update(commitment, text=f"day {day}", reported_on=datetime.date(2025, 6, day))
    for day in (2, 5, 10):
        commitment.decisions.create(
            kind=DecisionKind.CORRECTION, reason=f"on the {day}th", decided_on=datetime.date(2025, 6, day)
        )
    everything = [*published_updates(), *public_decisions()]
    everything.sort(key=lambda item: (news_date(item), item.created_at), reverse=True)
    # Whatever the limit, the same as sorting everything: reading fewer decisions changes nothing.
    for limit in range(1, 7):
        assert news(published_updates(), public_decisions(), limit) == everything[:limit]
    assert [getattr(item, "text", None) or item.reason for item in everything[:4]] == [
        "on the 10th",
        "day 9",
        "on the 5th",  # the same day as an update, recorded after it
        "day 5",
    ]
