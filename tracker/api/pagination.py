from rest_framework.pagination import PageNumberPagination

from ..addresses import moved_on_site


class Pagination(PageNumberPagination):
    """
    Pages of 25, as the site's lists, up to 200 on request (?page_size=): a whole list never comes in
    one answer. (A commitment comes with its owners, deadlines and targets: a page of 25 is some 50 KB
    of JSON.)
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    # DRF builds the next and previous pages' addresses from the request's host.
    def get_next_link(self):
        address = super().get_next_link()
        return address and moved_on_site(address)

    def get_previous_link(self):
        address = super().get_previous_link()
        return address and moved_on_site(address)
