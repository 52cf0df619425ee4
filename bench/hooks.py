"""
What only the benchmark harness (bench/run.py) serves, through bench/settings.py: the
framework's floor (a view that does nothing) and a header counting each answer's SQL queries.
"""

from django.db import connection
from django.http import HttpResponse


def floor(request):
    """The cheapest answer Django gives through the same middleware: the harness's yardstick."""
    return HttpResponse(b"ok", content_type="text/plain")


class QueryCountMiddleware:
    """Add X-Queries: the number of SQL queries the answer took."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
            if response.streaming:
                # A streamed answer queries while it is read: read it here to count them all.
                response.streaming_content = list(response.streaming_content)
        response["X-Queries"] = str(count)
        return response
