"""
What a page answers when the database could not take its write in time. With SQLite (the embedded
default) one connection writes at a time, and a write that waits longer than the busy timeout for
another's fails with "database is locked" (summit/settings.py). That is the other write winning,
not a fault of the server: 409 Conflict, saying to try again, rather than a server error. The API
answers it in JSON (api/errors.py).
"""

import sqlite3

from django.db import OperationalError
from django.shortcuts import render


def database_busy(exc: BaseException) -> bool:
    """Return whether `exc` is SQLite's refusal to wait any longer for another connection's write."""
    cause = exc.__cause__ if isinstance(exc, OperationalError) else None
    # SQLITE_BUSY, with its extended codes (SQLITE_BUSY_SNAPSHOT...) in the higher bits.
    return (
        isinstance(cause, sqlite3.OperationalError) and (cause.sqlite_errorcode & 0xFF) == sqlite3.SQLITE_BUSY
    )


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_busy(exception):
            response = render(request, "409.html", status=409)
            response["Retry-After"] = "5"
            return response
        return None
