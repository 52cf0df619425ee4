"""
The REST API: read for everyone, write for editors and owners' representatives.

ViewSets are declarations over the same querysets and the same FilterSet as the public pages.
"""

from types import SimpleNamespace

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from ..access import is_editor, may_report
from ..citations import attach_citations, citing
from ..dates import today
from ..filters import CommitmentFilter
from ..models import (
    Amount,
    AssessmentEvidence,
    Commitment,
    Deadline,
    Decision,
    Involvement,
    Milestone,
    Owner,
    Passage,
    ProgressUpdate,
    Reading,
    SourceDocument,
    StatedCount,
    Target,
)
from ..models.querysets import CommitmentQuerySet
from ..workflow import publish_update, reject_update
from .etags import ETagMixin
from .permissions import IsEditor, IsRepresentative, ReadOnly
from .serializers import (
    CommitmentDetailSerializer,
    CommitmentSerializer,
    DeadlineSerializer,
    DecisionSerializer,
    MilestoneSerializer,
    OwnerSerializer,
    ReadingSerializer,
    RejectSerializer,
    SourceSerializer,
    TargetSerializer,
    UpdateSerializer,
    citations_prefetch,
)

LANG = OpenApiParameter(
    "lang", OpenApiTypes.STR, enum=["fr", "en"], description="Language of texts (else Accept-Language)."
)


def _with_milestone_slug(queryset):
    """
    Annotate `milestone_slug`, all that deadlines and targets show of their milestone (the serializers
    read it): joining every column of the milestone, to build one for each row, cost more than the row.
    """
    return queryset.annotate(milestone_slug=F("milestone__slug"))


class Row(SimpleNamespace):
    """
    A related row of a page of commitments read as plain values, which the serializers read attribute
    by attribute as they read a model instance.
    """

    reasoning = Involvement.reasoning  # a sourced fact's reasoning in the active language

    @property
    def pk(self):
        return self.id


class OwnerRow(Row):
    display_name = Owner.display_name  # the model's own reading of its name in the active language


class TargetRow(Row):
    name, unit = Target.name, Target.unit


# What CommitmentSerializer reads of a commitment itself.
LIST_FIELDS = (
    *("slug", "title_fr", "title_en", "summary_fr", "summary_en", "axis", "kind", "nature", "status"),
    *("assessed_on", "assessed_precision", "announced_on", "announced_precision", "updated_at"),
)
# What the serializers read of every sourced fact (citations are read apart: attach_citations).
SOURCED_VALUES = ("basis", "reasoning_fr", "reasoning_en")
# What the serializers read of each related row (the equivalence test of tests/test_api.py holds them
# to DRF's answer).
INVOLVEMENT_VALUES = ("commitment_id", "id", "role", "since", "since_precision", *SOURCED_VALUES)
OWNER_VALUES = ("slug", "name", "name_en", "kind")
DEADLINE_VALUES = (
    *("commitment_id", "id", "slug", "title_fr", "title_en", "milestone_slug", "due_on", "due_precision"),
    *("due", "due_exactness", "is_done", "done_on", "done_precision", "is_overdue", *SOURCED_VALUES),
)
TARGET_VALUES = (
    *("commitment_id", "id", "slug", "name_fr", "name_en", "unit_fr", "unit_en", "currency", "baseline"),
    *("baseline_on", "baseline_precision", "target_value", "qualifier", "milestone_slug", "due_on"),
    *("due_precision", *SOURCED_VALUES),
)
READING_VALUES = ("target_id", "id", "measured_on", "measured_precision", "value", "note", "source_url")


def with_related_rows(commitments: list[Commitment], *, cited: bool = False) -> None:
    """
    Give each commitment of a page of the list, or a detail, its owners, deadlines and targets with
    their readings, in the lists the serializers read (`<relation>_list`, serializers.prefetched), in
    four queries, and its `next_due_on` from those deadlines; for a detail (`cited`), the passages each
    of these facts cites (citations.attach_citations: one query, two when anything is cited), which a
    list leaves to the detail. Read as values into
    `Row`s: for a page of 50 (the former default), prefetching built some 900 model instances and took
    12 to 14 ms; the values take 7.
    """
    by_pk = {commitment.pk: commitment for commitment in commitments}
    for commitment in commitments:
        commitment.involvements_list, commitment.deadlines_list, commitment.targets_list = [], [], []
    owner_values = [f"owner__{name}" for name in OWNER_VALUES]
    involvements = Involvement.objects.filter(commitment__in=by_pk).values_list(
        *INVOLVEMENT_VALUES, *owner_values
    )
    split = len(INVOLVEMENT_VALUES)
    involvement_rows, deadline_rows = [], []
    for values in involvements:
        involvement = Row(**dict(zip(INVOLVEMENT_VALUES, values[:split], strict=True)))
        involvement.owner = OwnerRow(**dict(zip(OWNER_VALUES, values[split:], strict=True)))
        by_pk[involvement.commitment_id].involvements_list.append(involvement)
        involvement_rows.append(involvement)
    deadlines = _with_milestone_slug(Deadline.objects.with_overdue_flag().filter(commitment__in=by_pk))
    for values in deadlines.values(*DEADLINE_VALUES):
        deadline = Row(**values)
        deadline.commitment = by_pk[deadline.commitment_id]
        deadline.commitment.deadlines_list.append(deadline)
        deadline_rows.append(deadline)
    on = today()
    for commitment in commitments:
        following = CommitmentQuerySet.next_due_from(commitment, commitment.deadlines_list, on)
        commitment.next_due_on = following.due if following else None
        commitment.next_due_exactness = following.due_exactness if following else ""
    targets = {}
    for values in _with_milestone_slug(Target.objects.filter(commitment__in=by_pk)).values(*TARGET_VALUES):
        target = targets[values["id"]] = TargetRow(**values, readings_list=[])
        target.commitment = by_pk[target.commitment_id]
        target.commitment.targets_list.append(target)
    if cited:
        attach_citations(
            (Involvement, involvement_rows), (Deadline, deadline_rows), (Target, targets.values())
        )
    if targets:
        readings = Reading.objects.filter(target__in=targets).order_by("target_id", "measured_on")
        for values in readings.values(*READING_VALUES):
            targets[values["target_id"]].readings_list.append(Row(**values))


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


@extend_schema_view(list=extend_schema(parameters=[LANG]), retrieve=extend_schema(parameters=[LANG]))
class CommitmentViewSet(LanguageMixin, ETagMixin, viewsets.ModelViewSet):
    """Commitments: public ones for everyone; editors create and change them (status excepted)."""

    lookup_field = "slug"
    filterset_class = CommitmentFilter
    permission_classes = [ReadOnly | IsEditor]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        # The parent shows as its slug (read by the serializers): a joined copy of its every column cost
        # more to compile and build than the rest of the row. A subquery rather than a join: the page's
        # count leaves it out and counts from an index alone (a join kept in the count cost 2 ms more).
        parents = Commitment.objects.filter(pk=OuterRef("parent_id")).order_by()
        # `next_due_on` is computed from the deadlines read with each commitment (with_related_rows).
        queryset = Commitment.objects.with_overdue()
        if not is_editor(self.request.user):
            # The public never reads a draft, nor its slug as another commitment's parent.
            queryset, parents = queryset.public(), parents.public()
        queryset = queryset.annotate(parent_slug=Subquery(parents.values("slug")[:1]))
        # Owners, deadlines and targets are read by paginate_queryset() for each page of the list, by
        # get_object() for a detail.
        if self.action == "list":
            # What a commitment of the list shows, not its description and notes (the detail's).
            return queryset.only(*LIST_FIELDS)
        # The rest of a detail is read by get_object().
        return queryset

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            with_related_rows(page)
        return page

    def filter_queryset(self, queryset):
        # The filters choose which commitments a list shows; a detail's address names one. (DRF would
        # filter it too, building the FilterSet and its form on every read and write of one commitment.)
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_object(self):
        return self._with_parts(super().get_object())

    def read_back(self, pk):
        return self._with_parts(super().read_back(pk))

    @staticmethod
    def _with_parts(commitment):
        """Return a commitment with every part its detail shows."""
        with_related_rows([commitment], cited=True)
        # The rest of one commitment, a query each, into the lists the serializers read
        # (serializers.prefetched): for a single object, Django's prefetching cost more than these.
        # Parts are read only when the commitment has one (`Commitment.has_*`): most have few.
        commitment.stated_counts_list = (
            list(commitment.stated_counts.all()) if commitment.has_stated_counts else []
        )
        # Joined: the few amounts' owners in the same query, not one more when any has an owner.
        commitment.amounts_list = (
            list(commitment.amounts.select_related("owner")) if commitment.has_amounts else []
        )
        attach_citations(
            (Commitment, [commitment]),
            (StatedCount, commitment.stated_counts_list),
            (Amount, commitment.amounts_list),
        )
        evidence = Prefetch("evidence", queryset=AssessmentEvidence.objects.select_related("passage__source"))
        # Never assessed (most promises): no history to read.
        commitment.assessments_list = (
            list(commitment.assessments.prefetch_related(evidence)) if commitment.assessed_on else []
        )
        # Sources and children are named by their slug: their texts would be read for nothing.
        commitment.sources_list = list(commitment.sources.only("slug"))
        commitment.children_list = (
            list(commitment.children.public().only("slug", "parent").order_by("slug"))
            if commitment.has_children
            else []
        )
        # Editors read drafts here, whose decisions are not public: `public()` checks the commitment too.
        commitment.public_decisions = list(commitment.decisions.public()) if commitment.has_decisions else []
        # The latest update alone is shown (its evidence, readings and deliverables are read through
        # its managers, a query each). By a plain LIMIT 1: as a prefetch, one update per commitment
        # takes a window function, which took 5 ms to build and compile.
        commitment.published_updates = list(
            commitment.updates.published()
            .select_related("on_behalf_of")
            .order_by("-reported_on", "-created_at")[:1]
        )
        return commitment

    def get_serializer_class(self):
        return CommitmentSerializer if self.action == "list" else CommitmentDetailSerializer


@extend_schema_view(list=extend_schema(parameters=[LANG]), retrieve=extend_schema(parameters=[LANG]))
class OwnerViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Owner.objects.all()
    serializer_class = OwnerSerializer
    lookup_field = "slug"
    search_fields = ["name", "name_en", "short_name", "short_name_en", "slug"]
    ordering_fields = ["name", "slug"]
    filterset_fields = ["kind", "country"]


@extend_schema_view(list=extend_schema(parameters=[LANG]), retrieve=extend_schema(parameters=[LANG]))
class MilestoneViewSet(LanguageMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Milestone.objects.prefetch_related(citations_prefetch())
    serializer_class = MilestoneSerializer
    lookup_field = "slug"
    ordering_fields = ["date", "slug"]


class SourceViewSet(viewsets.ReadOnlyModelViewSet):
    """The source documents, each with every passage the tracker cites and the commitments citing it."""

    queryset = SourceDocument.objects.order_by("-is_reference", "title")
    serializer_class = SourceSerializer
    lookup_field = "slug"
    pagination_class = None  # a handful of documents

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


class DeadlineViewSet(LanguageMixin, ETagMixin, viewsets.ModelViewSet):
    """Deadlines of public commitments; editors add and change them."""

    serializer_class = DeadlineSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [ReadOnly | IsEditor]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["is_done"]
    ordering_fields = ["due", "slug"]

    def get_queryset(self):
        deadlines = _with_milestone_slug(Deadline.objects.with_overdue_flag().select_related("commitment"))
        deadlines = deadlines.prefetch_related(citations_prefetch())
        return _public_unless_editor(self.request, deadlines).order_by("due", "pk")


class TargetViewSet(LanguageMixin, ETagMixin, viewsets.ModelViewSet):
    serializer_class = TargetSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [ReadOnly | IsEditor]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return (
            _with_milestone_slug(_public_unless_editor(self.request, Target.objects.all()))
            .select_related("commitment")
            .prefetch_related(
                Prefetch(
                    "readings", queryset=Reading.objects.order_by("measured_on"), to_attr="readings_list"
                ),
                citations_prefetch(),
            )
            .order_by("pk")
        )


class ReadingViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Editors record a target's readings."""

    serializer_class = ReadingSerializer
    permission_classes = [IsEditor]
    queryset = Reading.objects.all()


class UpdateViewSet(LanguageMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """
    Progress updates. Everyone reads the published ones. Owners' representatives post updates for the
    commitments their owner takes part in; they arrive as submitted, for editors to publish or reject.
    """

    serializer_class = UpdateSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [ReadOnly | IsRepresentative | IsEditor]
    ordering_fields = ["reported_on"]

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

    @extend_schema(request=None, responses={200: UpdateSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsEditor])
    def publish(self, request, pk=None):
        update = _applied(publish_update, get_object_or_404(ProgressUpdate, pk=pk), by=request.user)
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


@extend_schema_view(list=extend_schema(parameters=[LANG]), retrieve=extend_schema(parameters=[LANG]))
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
