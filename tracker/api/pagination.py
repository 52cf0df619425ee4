from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Pages of 50, up to 200 on request (?page_size=): a whole list never comes in one answer."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
