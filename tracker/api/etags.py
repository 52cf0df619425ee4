"""
Lost-update protection: detail answers carry a weak ETag of what they show and of every stored field,
the other language's included; a change must send the ETag it read in If-Match (428 without one)
and gets 412 when the object has changed since, instead of silently overwriting someone else's
change.
"""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from ..versions import digest, stored_values


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "This resource has changed since you read it; fetch it again and reapply your change."
    default_code = "precondition_failed"


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send the ETag you read in If-Match, so that your change cannot overwrite another's unseen."
    )
    default_code = "precondition_required"


def etag_of(data) -> str:
    return f'W/"{digest(data)}"'


def version_of(instance, shown) -> str:
    """
    Return the ETag of `instance` as answered (`shown`, in the request's language) and as stored:
    every column, so that an edit of a field the answer does not show (the other language's name)
    is a new version too.
    """
    return etag_of({"shown": shown, "stored": stored_values(instance)})


def check_if_match(request, current: str) -> None:
    """Refuse a write that does not name, in If-Match, the version `current` it was made against."""
    expected = request.headers.get("If-Match")
    if not expected:
        raise PreconditionRequired
    if expected.strip() not in (current, current.removeprefix("W/"), "*"):
        raise PreconditionFailed


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the version read: 428 without it, 412 when the object has changed since.",
)


class ETagMixin:
    """ETags on reads, If-Match on changes; writes answer with the object exactly as a read shows it."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # One transaction: a row and what its signals derive from it (Commitment.has_*, first_open_due)
        # are written together or not at all.
        with transaction.atomic():
            self.perform_create(serializer)
        created = self.read_back(serializer.instance.pk)
        data = self.get_serializer(created).data
        response = Response(data, status=status.HTTP_201_CREATED)
        response["ETag"] = version_of(created, data)
        return response

    def read_back(self, pk):
        """Return an object just created as a read shows it (the view's queryset: due date, overdue...)."""
        return self.get_queryset().get(pk=pk)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        data = self.get_serializer(instance).data
        response = Response(data)
        response["ETag"] = version_of(instance, data)
        return response

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        # Check and write in one transaction, the row locked first (found by the address alone): two
        # editors sending the same If-Match at once cannot both pass the check. Then the object is read
        # once for the permission check, If-Match and the write, and once more for the answer.
        with transaction.atomic():
            found = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
            list(self.get_queryset().model.objects.select_for_update().filter(**found).values_list("pk"))
            instance = self.get_object()
            check_if_match(request, version_of(instance, self.get_serializer(instance).data))
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
            # Answer with the object as a reader now sees it, so its ETag matches the next GET.
            updated = self.get_object()
            data = self.get_serializer(updated).data
        response = Response(data)
        response["ETag"] = version_of(updated, data)
        return response
