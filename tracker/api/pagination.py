from rest_framework.pagination import CursorPagination, PageNumberPagination

from ..addresses import moved_on_site


class PagesOnSite:
    """
    Pages of 25, as the site's lists, up to 200 on request (?page_size=): a whole list never comes in
    one answer (a commitment comes with its owners, deadlines and targets: a page of 25 is some 50 KB of
    JSON). The next and previous pages' addresses, which DRF builds from the request's host, on
    SITE_URL.
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_next_link(self):
        address = super().get_next_link()
        return address and moved_on_site(address)

    def get_previous_link(self):
        address = super().get_previous_link()
        return address and moved_on_site(address)


class Pagination(PagesOnSite, PageNumberPagination):
    """Pages by number (`?page=`), with the count of the whole list."""


class ByPosition(PagesOnSite, CursorPagination):
    """A page at a time by position (`?cursor=`): no count, no OFFSET over the rows before it."""


class InOrderRecorded(ByPosition):
    """
    Deadlines and readings in the order they were recorded, by position: half a million deadlines and a
    million readings at ten times the benchmark's data, which a page number needed counted and a far
    page skipped by OFFSET. Deadlines ordered by their due date (`?ordering=due`, computed from their
    milestone's too, so from no index) each page sorted them all (docs/performance.md).
    """

    ordering = ("pk",)


class NewestFirst(ByPosition):
    """
    The published updates, newest first, a page at a time by position (`?cursor=`) rather than by
    number: they are the table that grows fastest (2,000,000 at ten times the benchmark's data), and a
    page number needs them counted, and a far page an OFFSET over every one before it
    (docs/performance.md). Read in the order of `update_published_recent_idx`.
    """

    ordering = ("-reported_on", "-created_at", "-pk")
