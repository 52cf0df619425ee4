"""
The OpenAPI schema (drf-spectacular): one English document whatever the reader's language, the
errors every operation can answer, anonymous reads, and the sort orders each list accepts.
"""

from django.utils import translation
from drf_spectacular.extensions import OpenApiFilterExtension
from drf_spectacular.generators import SchemaGenerator as SpectacularGenerator
from drf_spectacular.plumbing import build_basic_type, build_parameter_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

ERROR = {
    "description": "Field errors by name, a `detail` message, or a list of messages.",
    "anyOf": [{"type": "object", "additionalProperties": True}, {"type": "array", "items": {}}],
}


class SchemaGenerator(SpectacularGenerator):
    """
    The schema in English, whatever Accept-Language or ?lang= says: labels, help texts and the
    descriptions of choices are translated, and a client generated from a French schema named its
    models and modules after them. One document for everyone; the answers' texts keep their languages.
    """

    def get_schema(self, request=None, public=False):
        with translation.override("en"):
            return super().get_schema(request, public)


class OrderingParameter(OpenApiFilterExtension):
    """
    `?ordering=` as a list's view allows it (`ordering_fields`), each ascending or, with a leading `-`,
    descending; DRF documents it as any string. A list that sorts by nothing on request declares
    `ordering_fields = []` and documents no such parameter. (Registered when this module is imported,
    which SPECTACULAR_SETTINGS's DEFAULT_GENERATOR_CLASS does before any schema is made.)
    """

    target_class = "rest_framework.filters.OrderingFilter"

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        fields = getattr(auto_schema.view, "ordering_fields", None)
        if fields is None:  # DRF's default: any field of the serializer
            return self.target.get_schema_operation_parameters(auto_schema.view)
        if not fields:
            return []
        return [
            build_parameter_type(
                name=self.target.ordering_param,
                schema=build_basic_type(OpenApiTypes.STR),
                location=OpenApiParameter.QUERY,
                description="Sort by this field; a leading `-` sorts in reverse.",
                enum=[term for field in fields for term in (field, f"-{field}")],
            )
        ]


def document_errors(result, generator, request, public):
    """Add the error answers the API gives (400, 401, 403, 404, 412, 413, 428, 429) where they can occur."""

    def answer(description):
        return {"description": description, "content": {"application/json": {"schema": ERROR}}}

    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", answer("Invalid query parameters or body, with field errors."))
            responses.setdefault("404", answer("No such object, or no such page."))
            responses.setdefault("429", answer("Too many requests from an anonymous client."))
            if method != "get":
                responses.setdefault("401", answer("Authentication is required."))
                responses.setdefault("403", answer("You may not do this."))
                responses.setdefault("413", answer("The request body is too large."))
            if method in ("put", "patch"):
                responses.setdefault("412", answer("The object changed since the If-Match version."))
                responses.setdefault("428", answer("If-Match is missing: send the ETag you read."))
    return result


def document_open_reads(result, generator, request, public):
    """
    Say that every read may be anonymous (`{}` among its security requirements): the API reads for
    everyone, with a token or a session only to see more (editors see drafts). drf-spectacular says
    so only of views whose permission is AllowAny or IsAuthenticatedOrReadOnly, not of ours, composed
    as `ReadOnly | IsEditor` (views.py); tests/test_api_schema.py reads every operation anonymously.
    """
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            security = operation.get("security")
            if method == "get" and security is not None and {} not in security:
                security.append({})
    return result


def untitle_parameters(result, generator, request, public):
    """
    Name query parameters by their names alone: a filter read from a model field carries the field's
    label as a `title` (`kind` on decisions is titled "Decision"), which client generators take for
    the name of its enum, clashing with the model's.
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                parameter.get("schema", {}).pop("title", None)
    return result
