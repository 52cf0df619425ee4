"""
Lost-update protection: detail answers carry a weak ETag of what they show; a write sent with
If-Match of another version gets 412 instead of silently overwriting someone else's change.
"""

import hashlib
import json

from django.db import transaction
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "This resource has changed since you read it; fetch it again and reapply your change."
    default_code = "precondition_failed"


def etag_of(data) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


class ETagMixin:
    """ETags on reads, If-Match on writes; writes answer with the object exactly as a read shows it."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # One transaction: a row and what its signals derive from it (Commitment.has_*, first_open_due)
        # are written together or not at all.
        with transaction.atomic():
            self.perform_create(serializer)
        data = self.get_serializer(self.read_back(serializer.instance.pk)).data
        response = Response(data, status=status.HTTP_201_CREATED)
        response["ETag"] = etag_of(data)
        return response

    def read_back(self, pk):
        """Return an object just created as a read shows it (the view's queryset: due date, overdue...)."""
        return self.get_queryset().get(pk=pk)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag_of(response.data)
        return response

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        # Check and write in one transaction, the row locked first (found by the address alone): two
        # editors sending the same If-Match at once cannot both pass the check. Then the object is read
        # once for the permission check, If-Match and the write, and once more for the answer.
        with transaction.atomic():
            found = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
            list(self.get_queryset().model.objects.select_for_update().filter(**found).values_list("pk"))
            instance = self.get_object()
            expected = request.headers.get("If-Match")
            if expected:
                current = etag_of(self.get_serializer(instance).data)
                if expected.strip() not in (current, current.removeprefix("W/"), "*"):
                    raise PreconditionFailed
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
            # Answer with the object as a reader now sees it, so its ETag matches the next GET.
            data = self.get_serializer(self.get_object()).data
        response = Response(data)
        response["ETag"] = etag_of(data)
        return response
