"""
The sitemap (/sitemap.xml): every public page in French and English, each with its hreflang alternates.

`x_default` points search engines at the address without a language prefix, which sends each visitor to
the language of their browser.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max, QuerySet
from django.urls import reverse

from ..addresses import moved_on_site
from ..models import Commitment, Milestone, Owner, Report, SourceDocument


class InEachLanguage:
    """
    The (item, language) pairs an i18n sitemap pages over, counted and sliced by the database. Django
    builds the list of every pair, reading every item, even for the index to count a section's pages
    (half a second at 10,000 commitments).
    """

    def __init__(self, items, languages):
        self.items, self.languages = items, languages

    def count(self) -> int:
        return self.items.count() * len(self.languages)

    def __len__(self):
        return self.count()

    def __getitem__(self, pairs: slice) -> list:
        n, first = len(self.languages), pairs.start or 0
        items = self.items[first // n : -(-pairs.stop // n)]  # the items the pairs come from
        every = [(item, language) for item in items for language in self.languages]
        return every[first % n : first % n + pairs.stop - first]


class TrackerSitemap(Sitemap):
    # Languages come from settings.LANGUAGES (fr, en).
    i18n = True
    alternates = True
    x_default = True
    # Addresses a page (each item once per language): small answers, whatever the number of items.
    limit = 1000

    # On SITE_URL, as every absolute address (tracker/addresses.py), not the request's host.
    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def _items(self):
        # Every item in every language (get_languages_for_item() is not overridden here).
        items = self.items()
        if isinstance(items, QuerySet):
            return InEachLanguage(items, self._languages())
        return super()._items()


class PageSitemap(TrackerSitemap):
    changefreq = "daily"

    def items(self):
        return [
            "tracker:home",
            "tracker:commitment_list",
            "tracker:overdue",
            "tracker:owner_list",
            "tracker:milestone_list",
            "tracker:corrections",
            "tracker:source_list",
            "tracker:about",
            "tracker:data",
            "tracker:report_list",
        ]

    def location(self, name):
        return reverse(name)


class CommitmentSitemap(TrackerSitemap):
    def items(self):
        # Only what an address and its date need.
        return Commitment.objects.public().only("slug", "updated_at").order_by("slug")

    def lastmod(self, commitment):
        return commitment.updated_at

    def get_latest_lastmod(self):
        # For the index, in one query: Django's default reads every item to take the latest.
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


class OwnerSitemap(TrackerSitemap):
    def items(self):
        # Only owners the public can reach, as the owners' list shows them.
        return Owner.objects.public().only("slug", "updated_at").order_by("slug")

    def lastmod(self, owner):
        return owner.updated_at

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


class MilestoneSitemap(TrackerSitemap):
    def items(self):
        return Milestone.objects.order_by("slug")


class SourceSitemap(TrackerSitemap):
    def items(self):
        return SourceDocument.objects.only("slug").order_by("slug")


class ReportSitemap(TrackerSitemap):
    def items(self):
        # Published reports alone: a draft is not found by the public.
        return Report.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, report):
        return report.updated_at

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


SITEMAPS = {
    "pages": PageSitemap,
    "commitments": CommitmentSitemap,
    "owners": OwnerSitemap,
    "milestones": MilestoneSitemap,
    "sources": SourceSitemap,
    "reports": ReportSitemap,
}


def index(request, **kwargs):
    """Django's sitemap index, its sections' addresses on SITE_URL (Django's index takes the request's)."""
    response = sitemap_views.index(request, **kwargs)
    for section in response.context_data["sitemaps"]:
        section.location = moved_on_site(section.location)
    return response
