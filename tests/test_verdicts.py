"""
Verdicts you can defend, as the public reads them: every fact linked to its passage, the passages on
their documents' pages, the history of verdicts, and promises counted apart from what the summit
itself delivered. Read on the summit's own data, loaded as `make run` loads it.
"""

import datetime
import re

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from tracker.choices import DecisionKind, Nature, Status
from tracker.models import Commitment, Decision, Passage
from tracker.workflow import record_decision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def summit():
    with time_machine.travel(datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC), tick=False):
        call_command("load_summit", verbosity=0)
        yield


def page(client, name, *args, language="en") -> str:
    with translation.override(language):
        address = reverse(f"tracker:{name}", args=args)
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def footnotes(html: str) -> dict[int, str]:
    """Return the numbered passages at the foot of a commitment's page: {number: its quote}."""
    listed = re.findall(r'<li id="cite-(\d+)"><blockquote lang="fr"[^>]*><p>« (.*?) »</p>', html)
    return {int(number): quote for number, quote in listed}


def test_each_fact_links_to_the_passage_it_comes_from(client):
    html = page(client, "commitment_detail", "international-ai-safety-report")
    notes = footnotes(html)
    assert notes and list(notes) == list(range(1, len(notes) + 1))  # numbered in the page's order
    # Every number a fact shows is a passage listed at the foot, with a link to it on its document's page.
    shown = {int(n) for n in re.findall(r'<a class="cite" href="#cite-(\d+)"', html)}
    assert shown == set(notes)
    report = Commitment.objects.get(slug="international-ai-safety-report")
    for passage in Passage.objects.filter(cited_by_involvement__commitment=report):
        assert passage.quote.replace("'", "&#x27;") in notes.values()
        assert f'href="/en/sources/paris-actions-summary/#passage-{passage.pk}"' in html
    assert "Delivered at the summit itself: it is not counted among the promises kept." in html
    assert "Last assessed: February 2025" in html and "Last updated" not in html


def test_a_worked_out_date_says_so_and_shows_the_words_and_the_other_documents_claim(client):
    html = page(client, "commitment_detail", "european-ai-champions")
    assert "February 2030" in html and "(worked out from the sources)" in html
    assert "How we got this" in html  # the reasoning, behind a disclosure that works without JavaScript
    quotes = footnotes(html).values()
    assert any("sur 5 ans" in quote for quote in quotes)
    assert any("sur cinq ans" in quote for quote in quotes)  # the Yélé recap's own words, cited too
    assert 'href="/en/sources/yele-summit-recap/#passage-' in html
    french = page(client, "commitment_detail", "european-ai-champions", language="fr")
    assert "février 2030" in french and "déduit des mots des sources" in french


def test_a_commitment_the_sources_name_no_one_for_says_so(client):
    html = page(client, "commitment_detail", "ai-cultural-weekend")
    assert "The sources name no one for this commitment, and we do not guess." in html


def test_the_history_of_verdicts_is_public_newest_first_with_what_changed(client, django_user_model):
    editor = django_user_model.objects.create_user("ed")
    commitment = Commitment.objects.get(slug="gpai-membership-expansion")
    assert commitment.status == Status.NOT_ASSESSED  # the documents only announce it
    html = page(client, "commitment_detail", commitment.slug)
    assert ">Not yet assessed</span>" in html and "Not yet assessed: nobody has checked" in html
    record_decision(
        Decision(
            commitment=commitment, kind=DecisionKind.MISSED, reason="Only two states joined by Bratislava.",
            language="en", evidence_url="https://example.org/gpai-members",
            decided_on=datetime.date(2025, 12, 5),
        ),
        by=editor,
    )  # fmt: skip
    record_decision(
        Decision(
            commitment=commitment, kind=DecisionKind.CORRECTION, new_status=Status.PARTIALLY_ACHIEVED,
            reason="Quatre États ont finalement adhéré.", language="fr",
            evidence_url="https://example.org/gpai-update", decided_on=datetime.date(2026, 1, 10),
        ),
        by=editor,
    )  # fmt: skip
    html = page(client, "commitment_detail", commitment.slug)
    history = html.split('aria-labelledby="verdicts"')[1].split("</section>")[0]
    assert history.index("10 January 2026") < history.index("5 December 2025")  # newest first
    assert "Status changed from “not achieved” to “partially achieved”." in history
    assert "Status changed from “not yet assessed” to “not achieved”." not in history  # a first verdict
    assert "First assessment." in history
    assert '<div class="rationale" lang="fr"><p>Quatre États ont finalement adhéré.</p></div>' in history
    assert "https://example.org/gpai-update" in history and "consulted on 10 January 2026" in history
    assert "Last assessed: 10 January 2026" in html


def test_each_document_lists_its_cited_passages_in_order_with_who_cites_them(client):
    listing = page(client, "source_list")
    assert "Les actions de Paris pour l&#x27;intelligence artificielle" in listing
    html = page(client, "source_detail", "paris-actions-summary")
    passages = list(Passage.objects.filter(source__slug="paris-actions-summary"))
    assert [p.position for p in passages] == sorted(p.position for p in passages)
    anchors = [int(pk) for pk in re.findall(r'<li id="passage-(\d+)">', html)]
    assert anchors == [p.pk for p in passages]
    bengio = next(p for p in passages if "piloté par Yoshua Bengio" in p.quote)
    entry = html.split(f'id="passage-{bengio.pk}"')[1].split("</li>")[0]
    assert 'href="/en/commitments/international-ai-safety-report/"' in entry
    summit_days = next(p for p in passages if p.quote == "se sont réunis du 6 au 11 février 2025 à Paris")
    assert 'href="/en/milestones/paris-summit-2025/"' in html.split(f'id="passage-{summit_days.pk}"')[1]
    recap = page(client, "source_detail", "yele-summit-recap")
    assert "the official summary is the reference" in recap
    with translation.override("en"):
        assert client.get(reverse("tracker:source_detail", args=["nowhere"])).status_code == 404


def test_promises_are_counted_apart_from_what_the_summit_delivered(client):
    delivered = Commitment.objects.filter(nature=Nature.DELIVERED_AT_SUMMIT).count()
    promises = Commitment.objects.exclude(nature=Nature.DELIVERED_AT_SUMMIT).count()
    kept = (
        Commitment.objects.exclude(nature=Nature.DELIVERED_AT_SUMMIT).filter(status=Status.ACHIEVED).count()
    )
    assert delivered and promises
    html = page(client, "home")
    assert (
        f"{delivered} of them were delivered at the summit itself (a report published, an event held) and "
        f"are counted apart. Of the {promises} promises and programmes that remain, {kept} are assessed as "
        "kept."
    ) in html
    # The chart counts promises only: no report published at the summit among the "achieved".
    chart = html.split('aria-labelledby="by-status"')[1].split("</section>")[0]
    achieved_row = chart.split("Achieved</th>")[1].split("</td>")[0]
    assert achieved_row.endswith(f">{kept}")
    # The summit's own dates, as the documents give them.
    assert "AI Action Summit, Paris</a> — 6–11 February 2025" in html
    french = page(client, "home", language="fr")
    assert "6–11 février 2025" in french
