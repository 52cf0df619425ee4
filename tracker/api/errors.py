"""
How the API answers a body it cannot read, in JSON like its other errors rather than with Django's
HTML page or a server error: too large for DATA_UPLOAD_MAX_MEMORY_SIZE (413), or nested deeper than
Python's JSON reader goes (400).
"""

from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, parsers, status
from rest_framework.views import exception_handler


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:  # Python's reader recurses once a level
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from error


def handle(exc, context):
    """DRF's exception handler, which also knows a body larger than Django reads (REST_FRAMEWORK)."""
    if isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge()
    return exception_handler(exc, context)
