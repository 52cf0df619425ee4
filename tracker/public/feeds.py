"""
Atom feeds of the news (all of it, one commitment's, one owner's) and of the editors' corrections.

News is what changes a commitment in public: published progress updates and the editors' public
decisions (a deadline extended, a commitment marked missed or achieved, a correction), newest first.
Each feed reads its items in two queries (commitment and owner joined), whatever their number, and
shows only what the public may read, in the language of the URL. An item's text carries the language
it was written in (`xml:lang`), which may differ from the feed's.

Every feed names "Summit Tracker" its author: RFC 4287 wants an author on each entry or on the feed,
and an update filed by no owner, or a correction, has none of its own. Every feed also states the
data's licence, in <rights> for people and in a link rel="license" (RFC 4946) for programs, as well as
in the answer's Link header.
"""

import datetime
import io
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..addresses import moved_on_site, on_site
from ..choices import Status
from ..headers import DATA_LICENCE_URL, with_licence
from ..markup import render_markdown
from ..models import Commitment, Decision, Involvement, Owner, ProgressUpdate

MAX_ITEMS = 50
# Status labels, translated when a title is written: get_status_display() rebuilds this per item.
STATUS_LABELS = dict(Status.choices)


def published_updates():
    """
    Return the updates the public may read, newest first, with what an item shows already joined, and
    no more (not the commitments' texts, nor the owners' notes).
    """
    # Served by the index update_published_recent_idx (published only; -reported_on, -created_at).
    return (
        ProgressUpdate.objects.public()
        .select_related("commitment", "on_behalf_of")
        .only(
            "status",
            "text",
            "language",
            "reported_on",
            "created_at",
            "updated_at",
            "commitment",
            "on_behalf_of",
            "commitment__slug",
            "commitment__title_fr",
            "commitment__title_en",
            "on_behalf_of__name",
            "on_behalf_of__name_en",
        )  # fmt: skip
        .order_by("-reported_on", "-created_at", "-pk")
    )


def public_decisions():
    """Return the editors' decisions the public reads, newest first, with their commitment and deadline."""
    return (
        Decision.objects.public()
        .select_related("commitment", "deadline")
        .only(
            "kind",
            "reason",
            "language",
            "decided_on",
            "created_at",
            "updated_at",
            "previous_due",
            "previous_precision",
            "new_due",
            "new_precision",
            "previous_status",
            "new_status",
            "commitment__slug",
            "commitment__title_fr",
            "commitment__title_en",
            "deadline__title_fr",
            "deadline__title_en",
        )  # fmt: skip
        .order_by("-decided_on", "-created_at", "-pk")
    )


def news(updates, decisions, limit: int = MAX_ITEMS) -> list:
    """
    Return the `limit` newest of `updates` and `decisions` (querysets, newest first), merged: an update
    is dated by its report, a decision by the day it was made; the time each was recorded settles ties.
    """
    updates = list(updates[:limit])
    if len(updates) == limit:
        # Only decisions no older than the oldest update shown can be among the newest: updates far
        # outnumber decisions, so this reads a few rows where `limit` decisions cost a fifth of a feed.
        decisions = decisions.filter(decided_on__gte=updates[-1].reported_on)
    items = [*updates, *decisions[:limit]]
    items.sort(key=lambda item: (news_date(item), item.created_at), reverse=True)
    return items[:limit]


def news_date(item) -> datetime.date:
    return item.reported_on if isinstance(item, ProgressUpdate) else item.decided_on


def tag_uri(name: str) -> str:
    """
    Return an item's id: a tag URI (RFC 4151) on the site's own host, the same in every language and
    whatever address the feed was fetched from, so that readers never see an item twice.
    """
    host = urlsplit(settings.SITE_URL).hostname
    return f"tag:{host},2025:{name}"


class AtomFeed(Atom1Feed):
    """
    Atom, written into a string and handed to the response at once: written straight into the response,
    each of some 1,500 pieces of XML went through an encoder and HttpResponse.write() on its own.
    An item's summary says its language (`xml:lang`, from the item's `language`).
    """

    def write(self, outfile, encoding):
        buffer = io.StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())

    def add_item_elements(self, handler, item):
        language = item.get("language")
        if not language:
            return super().add_item_elements(handler, item)
        write = handler.addQuickElement

        def with_language(name, contents=None, attrs=None):
            write(name, contents, {**(attrs or {}), "xml:lang": language} if name == "summary" else attrs)

        handler.addQuickElement = with_language  # Atom1Feed writes the summary among other elements
        try:
            super().add_item_elements(handler, item)
        finally:
            del handler.addQuickElement

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        handler.addQuickElement("link", "", {"rel": "license", "href": DATA_LICENCE_URL})


@method_decorator(with_licence, name="__call__")
class SiteFeed(Feed):
    """
    An Atom feed whose addresses are on SITE_URL (Django makes them from the request's host), by the
    site as a whole, under the data's licence.
    """

    feed_type = AtomFeed
    author_name = "Summit Tracker"  # the name of the site, the same in every language

    def author_link(self):
        return on_site(reverse("tracker:home"))

    def feed_copyright(self):
        return _(
            "Summit Tracker, published under the Creative Commons Attribution 4.0 International "
            "licence (CC BY 4.0): %(url)s"
        ) % {"url": DATA_LICENCE_URL}

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        for fields in (feed.feed, *feed.items):
            # The feed's id is its link; an item's is a tag URI (tag_uri), kept as "unique_id".
            for key in ("link", "feed_url", "id"):
                if (fields.get(key) or "").startswith(("http://", "https://")):
                    fields[key] = moved_on_site(fields[key])
        return feed


class LatestUpdatesFeed(SiteFeed):
    """The news: published updates and public decisions (see the module's docstring)."""

    def title(self):
        return _("Summit Tracker: latest progress updates")

    def description(self):
        return _(
            "Published progress reports on the commitments of the Paris AI Action Summit, and the "
            "editors’ verdicts, extensions and corrections."
        )

    # Atom has no <description>: its <subtitle> carries the same text.
    subtitle = description

    def link(self):
        return reverse("tracker:home")

    def items(self):
        return news(published_updates(), public_decisions())

    def item_title(self, item):
        # Atom titles are plain text: the XML writer escapes them once, which is all they need.
        if isinstance(item, Decision):
            return _("%(commitment)s — %(decision)s") % {
                "commitment": item.commitment.title,
                "decision": item.headline(),
            }
        if not item.status:
            return item.commitment.title
        return _("%(commitment)s — %(status)s") % {
            "commitment": item.commitment.title,
            "status": STATUS_LABELS.get(item.status, item.status),
        }

    def item_description(self, item):
        # Atom sends the summary as HTML: the same cleaned HTML as the pages show.
        if isinstance(item, Decision):
            return linebreaks(item.reason, autoescape=True)
        return render_markdown(item.text)

    def item_link(self, item):
        if isinstance(item, Decision):
            return f"{item.commitment.get_absolute_url()}#decision-{item.pk}"
        return item.get_absolute_url()

    def item_guid(self, item):
        return tag_uri(f"{'decision' if isinstance(item, Decision) else 'update'}-{item.pk}")

    def item_author_name(self, item):
        if isinstance(item, Decision):
            return _("Summit Tracker editors")
        return item.on_behalf_of.display_name if item.on_behalf_of else None

    def item_pubdate(self, item):
        # Dated by day: published at midnight in the site's zone, not in the server's.
        midnight = datetime.datetime.combine(news_date(item), datetime.time.min)
        return timezone.make_aware(midnight, timezone.get_default_timezone())

    def item_updateddate(self, item):
        return item.updated_at

    def item_extra_kwargs(self, item):
        return {"language": item.language}


class CommitmentUpdatesFeed(LatestUpdatesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Commitment.objects.public(), slug=slug)

    def title(self, commitment):
        return _("Summit Tracker: %(commitment)s") % {"commitment": commitment.title}

    def description(self, commitment):
        return _("Published progress reports on “%(commitment)s”.") % {"commitment": commitment.title}

    subtitle = description

    def link(self, commitment):
        return commitment.get_absolute_url()

    def items(self, commitment):
        return news(
            published_updates().filter(commitment=commitment),
            public_decisions().filter(commitment=commitment),
        )


class OwnerUpdatesFeed(LatestUpdatesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Owner, slug=slug)

    def title(self, owner):
        return _("Summit Tracker: %(owner)s") % {"owner": owner.display_name}

    def description(self, owner):
        return _("Published progress reports on the commitments %(owner)s is involved in.") % {
            "owner": owner.display_name
        }

    subtitle = description

    def link(self, owner):
        return owner.get_absolute_url()

    def items(self, owner):
        # A subquery rather than a join: an owner with two roles in a commitment must not double its items.
        # A UNION of two indexed lookups rather than one OR, which PostgreSQL could only answer by
        # reading the updates in date order and testing each until it had fifty.
        involved = Involvement.objects.filter(owner=owner).values("commitment")
        theirs = (
            ProgressUpdate.objects.filter(commitment__in=involved)
            .values("pk")
            .order_by()
            .union(ProgressUpdate.objects.filter(on_behalf_of=owner).values("pk").order_by())
        )
        return news(
            published_updates().filter(pk__in=theirs), public_decisions().filter(commitment__in=involved)
        )


class CorrectionsFeed(SiteFeed):
    """The corrections page as a feed: what was published wrong, when it was corrected, and why."""

    def title(self):
        return _("Summit Tracker: corrections")

    def description(self):
        return _("Corrections of facts published about the commitments of the Paris AI Action Summit.")

    subtitle = description

    def link(self):
        return reverse("tracker:corrections")

    def items(self):
        return Decision.objects.corrections().select_related("commitment", "retracts")[:MAX_ITEMS]

    def item_title(self, decision):
        return _("Correction: %(commitment)s") % {"commitment": decision.commitment.title}

    def item_description(self, decision):
        reason = linebreaks(decision.reason, autoescape=True)
        if not decision.retracts_id:
            return reason
        retracted = _("Retracted the progress update of %(date)s.") % {
            "date": date_format(decision.retracts.reported_on)
        }
        return format_html("<p>{}</p>{}", retracted, mark_safe(reason))

    def item_link(self, decision):
        return f"{decision.commitment.get_absolute_url()}#decision-{decision.pk}"

    def item_guid(self, decision):
        return tag_uri(f"decision-{decision.pk}")

    def item_pubdate(self, decision):
        return decision.created_at

    def item_updateddate(self, decision):
        return decision.updated_at

    def item_extra_kwargs(self, decision):
        return {"language": decision.language}
