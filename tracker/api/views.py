"""
The REST API: read for everyone, write for editors and owners' representatives.

ViewSets are declarations over the same querysets and the same FilterSet as the public pages.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import translation
from django_countries import countries
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import SearchFilter
from rest_framework.response import Response
from rest_framework.settings import api_settings

from ..access import is_editor, may_report
from ..citations import citing
from ..filters import CommitmentFilter, ReadingFilter, UpdateFilter
from ..models import (
    Commitment,
    Deadline,
    Decision,
    Milestone,
    Owner,
    Passage,
    ProgressUpdate,
    Reading,
    SourceDocument,
    Target,
)
from ..models.querysets import in_order
from ..workflow import publish_update, reject_update
from .etags import ETagMixin
from .fields import SLUG
from .pagination import InOrderRecorded, NewestFirst
from .permissions import IsEditor, IsRepresentative, ReadOnly
from .serializers import (
    CommitmentDetailSerializer,
    CommitmentSerializer,
    DeadlineSerializer,
    DecisionSerializer,
    MilestoneSerializer,
    OwnerSerializer,
    PublishSerializer,
    ReadingSerializer,
    RejectSerializer,
    SourceSerializer,
    TargetSerializer,
    UpdateSerializer,
)

LANG = OpenApiParameter(
    "lang", OpenApiTypes.STR, enum=["fr", "en"], description="Language of texts (else Accept-Language)."
)
IN_LANGUAGE = extend_schema_view(
    list=extend_schema(parameters=[LANG]), retrieve=extend_schema(parameters=[LANG])
)

# What CommitmentFilter's owner, milestone and country filters take, which their own schema leaves
# unsaid (the first two are typed as plain strings, the countries are offered from a callable).
COMMITMENT_FILTERS = [
    OpenApiParameter(
        "owner",
        OpenApiTypes.STR,
        description="An owner's slug, or its name, English name or short name in any case.",
    ),
    OpenApiParameter(
        "milestone",
        OpenApiTypes.STR,
        description="A milestone's slug: the commitments with a deadline or target due at it.",
    ),
    OpenApiParameter(
        "country",
        OpenApiTypes.STR,
        enum=sorted(code for code, _name in countries),
        description="The country of one of the owners (ISO 3166-1 alpha-2 code).",
    ),
    OpenApiParameter(
        "search",
        OpenApiTypes.STR,
        description="The same search as `q` (the two may be combined: every word of both must match).",
    ),
]


def cited():
    """Prefetch the passages a fact cites as `cited`, with their document, in the document's order."""
    return Prefetch(
        "citations", queryset=Passage.objects.select_related("source").order_by("position"), to_attr="cited"
    )


def _public_unless_editor(request, queryset):
    """Editors see drafts' deadlines and targets too, to curate them; everyone else the public ones."""
    return queryset if is_editor(request.user) else queryset.filter(commitment__is_public=True)


class LanguageMixin:
    """`?lang=fr|en` overrides Accept-Language; the Content-Language header says which was used."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.query_params.get("lang") in ("fr", "en"):
            translation.activate(request.query_params["lang"])

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response


@extend_schema_view(
    list=extend_schema(parameters=[LANG, *COMMITMENT_FILTERS]), retrieve=extend_schema(parameters=[LANG])
)
class CommitmentViewSet(LanguageMixin, ETagMixin, viewsets.ModelViewSet):
    """Commitments: public ones for everyone; editors create and change them (status excepted)."""

    lookup_field = "slug"
    lookup_value_regex = SLUG.pattern  # what else, a NUL included, is no address of ours
    filterset_class = CommitmentFilter
    # The FilterSet sorts (`ordering`, as the list page does); DRF's OrderingFilter would read the same
    # parameter as a field's name, and order by `title`, no column, as a 500.
    # Its search (`q`, or `search`) is the FilterSet's, the list page's.
    filter_backends = [DjangoFilterBackend]
    permission_classes = [ReadOnly | IsEditor]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        # The public never reads a draft; editors read drafts to curate them.
        queryset = Commitment.objects.all() if is_editor(self.request.user) else Commitment.objects.public()
        # A list's page is chosen by key, then its rows read (paginate_queryset).
        return queryset if self.action == "list" else queryset.as_shown()

    def filter_queryset(self, queryset):
        # The filters choose which commitments a list shows; a detail's address names one. (DRF would
        # filter it too, building the FilterSet and its form on every read and write of one commitment.)
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def paginate_queryset(self, queryset):
        pks = super().paginate_queryset(queryset.values_list("pk", flat=True))
        rows = Commitment.objects.as_shown()
        return None if pks is None else in_order(rows, pks)

    def get_object(self):
        commitment = super().get_object()
        commitment.read_parts()
        return commitment

    def read_back(self, pk):
        commitment = super().read_back(pk)
        commitment.read_parts()
        return commitment

    def get_serializer_class(self):
        return CommitmentSerializer if self.action == "list" else CommitmentDetailSerializer


@IN_LANGUAGE
class OwnerViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    # Ordered anew: a query that aggregates does not take the model's ordering.
    queryset = Owner.objects.with_scorecard().order_by("name", "slug")
    serializer_class = OwnerSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG.pattern  # what else, a NUL included, is no address of ours
    # The one list besides the commitments' that searches (by name, as `?owner=` on the commitments).
    filter_backends = [*api_settings.DEFAULT_FILTER_BACKENDS, SearchFilter]
    search_fields = ["name", "name_en", "short_name", "short_name_en", "slug"]
    ordering_fields = ["name", "slug"]
    filterset_fields = ["kind", "country"]


@IN_LANGUAGE
class MilestoneViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Milestone.objects.prefetch_related(cited())
    serializer_class = MilestoneSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG.pattern  # what else, a NUL included, is no address of ours
    ordering_fields = ["date", "slug"]


class SourceViewSet(viewsets.ReadOnlyModelViewSet):
    """The source documents, each with every passage the tracker cites and the commitments citing it."""

    queryset = SourceDocument.objects.order_by("-is_reference", "title")
    serializer_class = SourceSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG.pattern  # what else, a NUL included, is no address of ours
    pagination_class = None  # a handful of documents
    ordering_fields = []  # the reference document first, then by title

    def list(self, request, *args, **kwargs):
        sources = list(self.get_queryset())
        self._with_passages(sources)
        return Response(self.get_serializer(sources, many=True).data)

    def get_object(self):
        source = super().get_object()
        self._with_passages([source])
        return source

    @staticmethod
    def _with_passages(sources):
        by_pk = {source.pk: source for source in sources}
        for source in sources:
            source.passages_list = []
        passages = list(Passage.objects.filter(source__in=by_pk))
        citing(passages)
        for passage in passages:
            by_pk[passage.source_id].passages_list.append(passage)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            LANG,
            OpenApiParameter(
                "is_done", OpenApiTypes.BOOL, description="Delivered (true) or not yet (false)."
            ),
        ]
    ),
    retrieve=extend_schema(parameters=[LANG]),
)
class DeadlineViewSet(LanguageMixin, ETagMixin, viewsets.ModelViewSet):
    """Deadlines of public commitments; editors add and change them."""

    serializer_class = DeadlineSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [ReadOnly | IsEditor]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["is_done"]
    ordering_fields = ["due", "slug"]
    pagination_class = InOrderRecorded

    def get_queryset(self):
        deadlines = Deadline.objects.with_overdue_flag().select_related("commitment", "milestone")
        deadlines = deadlines.prefetch_related(cited())
        return _public_unless_editor(self.request, deadlines)


@IN_LANGUAGE
class TargetViewSet(LanguageMixin, ETagMixin, viewsets.ModelViewSet):
    """Targets of public commitments, with their readings; editors add and change them."""

    serializer_class = TargetSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [ReadOnly | IsEditor]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering_fields = []  # in the order they were recorded

    def get_queryset(self):
        return (
            _public_unless_editor(self.request, Target.objects.all())
            .select_related("commitment", "milestone")
            .prefetch_related(Prefetch("readings", queryset=Reading.objects.order_by("measured_on")), cited())
            .order_by("pk")
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("target", OpenApiTypes.INT, description="A target's id: its readings.")]
    )
)
class ReadingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """
    Targets' readings: everyone reads those on public commitments' charts (`?target=` for one
    target's); editors record them, and read drafts' too.
    """

    serializer_class = ReadingSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [ReadOnly | IsEditor]
    filterset_class = ReadingFilter
    ordering_fields = []  # in the order they were recorded
    pagination_class = InOrderRecorded

    def get_queryset(self):
        return Reading.objects.all() if is_editor(self.request.user) else Reading.objects.public()


@IN_LANGUAGE
class UpdateViewSet(LanguageMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """
    Progress updates. Everyone reads the published ones. Owners' representatives post updates for the
    commitments their owner takes part in; they arrive as submitted, for editors to publish or reject.
    """

    serializer_class = UpdateSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [ReadOnly | IsRepresentative | IsEditor]
    ordering_fields = ["reported_on"]
    filterset_class = UpdateFilter
    pagination_class = NewestFirst

    def get_queryset(self):
        return (
            ProgressUpdate.objects.public()
            .select_related("commitment", "on_behalf_of")
            .prefetch_related("evidence", "reported_readings", "marks_done")
            .order_by("-reported_on", "-created_at", "-pk")
        )

    def perform_create(self, serializer):
        user = self.request.user
        commitment, owner = (
            serializer.validated_data["commitment"],
            serializer.validated_data.get("on_behalf_of"),
        )
        if not may_report(user, commitment, owner):
            raise PermissionDenied(
                "You may only report for an owner you represent, on its public commitments."
            )
        serializer.save(author=user)

    @extend_schema(request=PublishSerializer, responses={200: UpdateSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsEditor])
    def publish(self, request, pk=None):
        update = get_object_or_404(ProgressUpdate, pk=pk)
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = _applied(publish_update, update, by=request.user, **serializer.validated_data)
        return Response(UpdateSerializer(update, context=self.get_serializer_context()).data)

    @extend_schema(request=RejectSerializer, responses={200: UpdateSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsEditor])
    def reject(self, request, pk=None):
        update = get_object_or_404(ProgressUpdate, pk=pk)
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = _applied(reject_update, update, by=request.user, reason=serializer.validated_data["reason"])
        return Response(
            UpdateSerializer(update, context=self.get_serializer_context()).data, status=status.HTTP_200_OK
        )


def _applied(step, *args, **kwargs):
    """Run a workflow step; a rule it refuses on (e.g. publishing twice) answers 400, not 500."""
    try:
        return step(*args, **kwargs)
    except DjangoValidationError as error:
        raise serializers.ValidationError(serializers.as_serializer_error(error)) from error


@IN_LANGUAGE
class DecisionViewSet(LanguageMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """
    Editors' review decisions. Everyone reads those that change public facts (extensions, verdicts,
    corrections); editors record them, which applies them, and also read their follow-up notes.
    """

    serializer_class = DecisionSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [ReadOnly | IsEditor]
    filterset_fields = ["kind"]
    ordering_fields = ["decided_on"]

    def get_queryset(self):
        decisions = Decision.objects.all() if is_editor(self.request.user) else Decision.objects.public()
        return decisions.select_related("commitment").order_by("-decided_on", "-created_at", "-pk")

    def perform_create(self, serializer):
        serializer.save(decided_by=self.request.user)


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, in English whatever language was asked for (schema.SchemaGenerator)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = "en"
        return response
