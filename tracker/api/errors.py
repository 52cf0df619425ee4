"""
How the API answers a body it cannot read, in JSON like its other errors rather than with Django's
HTML page or a server error: too large for DATA_UPLOAD_MAX_MEMORY_SIZE (413), or nested deeper than
Python's JSON reader goes (400); and a write the database could not take in time (409, as pages
answer it: tracker/errors.py).
"""

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status
from rest_framework.views import exception_handler

from ..errors import database_busy


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class Busy(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _(
        "Another change was being saved at the same moment and yours could not wait any longer; nothing "
        "of yours was saved. Send it again in a moment."
    )
    default_code = "busy"


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:  # Python's reader recurses once a level
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from error


def handle(exc, context):
    """
    DRF's exception handler (REST_FRAMEWORK), which also knows a body larger than Django reads and a
    database too busy to take a write.
    """
    if isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge()
    elif database_busy(exc):
        exc = Busy()
        response = exception_handler(exc, context)
        response["Retry-After"] = "5"
        return response
    return exception_handler(exc, context)
