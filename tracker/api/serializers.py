"""
What the API says about each thing, in the language the client asked for (`Translated` fields).

Only public facts appear: published updates, no contacts, no e-mail addresses, no editors' notes.
"""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..dates import today
from ..models import (
    Amount,
    Commitment,
    Deadline,
    Decision,
    Evidence,
    Involvement,
    Milestone,
    Owner,
    ProgressUpdate,
    Reading,
    ReportedReading,
    StatedCount,
    Target,
)
from ..workflow import record_decision, report_problems, submit_update


class ModelValidated:
    """
    Validate a write as the model does (field rules, clean(), constraints), so that a bad combination
    answers 400 with the model's message instead of failing in the database.
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        names = {field.name for field in model._meta.concrete_fields}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in names:
                setattr(instance, name, value)
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        return attrs


class OwnerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    original_name = serializers.CharField(source="name", read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:owner-detail", lookup_field="slug")

    class Meta:
        model = Owner
        fields = ["slug", "name", "original_name", "short_name", "kind", "country", "website", "url"]


class OwnerRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Owner
        fields = ["slug", "name", "kind"]


class InvolvementSerializer(serializers.ModelSerializer):
    owner = OwnerRefSerializer(read_only=True)

    class Meta:
        model = Involvement
        fields = ["owner", "role", "since", "since_precision"]


class StatedCountSerializer(serializers.ModelSerializer):
    noun = serializers.CharField(read_only=True)

    class Meta:
        model = StatedCount
        fields = ["role", "count", "qualifier", "noun"]


class AmountSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    owner = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Amount
        fields = ["slug", "amount", "currency", "qualifier", "period", "label", "owner"]


class MilestoneSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:milestone-detail", lookup_field="slug")

    class Meta:
        model = Milestone
        fields = ["slug", "name", "date", "date_precision", "place", "description", "url"]


class DeadlineSerializer(ModelValidated, serializers.ModelSerializer):
    """A deliverable; `due`, `due_exactness` and `is_overdue` come from DeadlineQuerySet annotations."""

    commitment = serializers.SlugRelatedField(slug_field="slug", queryset=Commitment.objects.all())
    milestone = serializers.SlugRelatedField(
        slug_field="slug", queryset=Milestone.objects.all(), required=False, allow_null=True
    )
    due = serializers.DateField(read_only=True)
    due_exactness = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    days_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Deadline
        fields = [
            "id",
            "commitment",
            "slug",
            "title_fr",
            "title_en",
            "milestone",
            "due_on",
            "due_precision",
            "due",
            "due_exactness",
            "is_done",
            "done_on",
            "done_precision",
            "is_overdue",
            "days_overdue",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_days_overdue(self, deadline) -> int:
        return (today() - deadline.due).days if getattr(deadline, "is_overdue", False) else 0


class ReadingSerializer(ModelValidated, serializers.ModelSerializer):
    target = serializers.PrimaryKeyRelatedField(queryset=Target.objects.all(), write_only=True)

    class Meta:
        model = Reading
        fields = ["id", "target", "measured_on", "measured_precision", "value", "note", "source_url"]


class TargetSerializer(ModelValidated, serializers.ModelSerializer):
    commitment = serializers.SlugRelatedField(slug_field="slug", queryset=Commitment.objects.all())
    milestone = serializers.SlugRelatedField(
        slug_field="slug", queryset=Milestone.objects.all(), required=False, allow_null=True
    )
    name = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)
    readings = ReadingSerializer(many=True, read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "commitment",
            "slug",
            "name",
            "name_fr",
            "name_en",
            "unit",
            "unit_fr",
            "unit_en",
            "currency",
            "baseline",
            "baseline_on",
            "target_value",
            "qualifier",
            "milestone",
            "due_on",
            "due_precision",
            "readings",
        ]
        extra_kwargs = {
            "name_fr": {"write_only": True},
            "name_en": {"write_only": True},
            "unit_fr": {"write_only": True},
            "unit_en": {"write_only": True},
        }


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["url", "title"]


class ReportedReadingSerializer(serializers.ModelSerializer):
    """A target's value as an update reports it; it becomes one of the target's readings on publication."""

    class Meta:
        model = ReportedReading
        fields = ["target", "value"]


class UpdateSerializer(ModelValidated, serializers.ModelSerializer):
    """
    A progress update (its text is Markdown). Created as submitted, through the same workflow as the
    web form; only editors publish or reject it, which applies its status, readings and done deliverables.
    """

    commitment = serializers.SlugRelatedField(slug_field="slug", queryset=Commitment.objects.all())
    on_behalf_of = serializers.SlugRelatedField(
        slug_field="slug", queryset=Owner.objects.all(), required=False, allow_null=True
    )
    evidence = EvidenceSerializer(many=True, required=False)
    readings = ReportedReadingSerializer(source="reported_readings", many=True, required=False)
    marks_done = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Deadline.objects.all(), required=False
    )
    text = serializers.CharField(max_length=10_000)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "commitment",
            "on_behalf_of",
            "reported_on",
            "status",
            "reason",
            "text",
            "evidence",
            "readings",
            "marks_done",
            "state",
        ]
        read_only_fields = ["state"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        commitment = attrs["commitment"]
        problems = report_problems(
            commitment,
            status=attrs.get("status", ""),
            reason=attrs.get("reason", ""),
            reported_on=attrs.get("reported_on"),
            evidence=attrs.get("evidence", []),
            readings=[(r["target"], r["value"]) for r in attrs.get("reported_readings", [])],
            done=attrs.get("marks_done", []),
        )
        if problems:
            raise serializers.ValidationError(problems)
        return attrs

    def create(self, validated_data):
        return submit_update(
            commitment=validated_data["commitment"],
            author=validated_data.get("author"),
            on_behalf_of=validated_data.get("on_behalf_of"),
            reported_on=validated_data.get("reported_on"),
            status=validated_data.get("status", ""),
            reason=validated_data.get("reason", ""),
            text=validated_data["text"],
            evidence=validated_data.get("evidence", []),
            readings=[(r["target"], r["value"]) for r in validated_data.get("reported_readings", [])],
            done=validated_data.get("marks_done", []),
        )


class DecisionSerializer(ModelValidated, serializers.ModelSerializer):
    """An editor's review decision; recording one applies it (tracker/workflow.py: record_decision)."""

    commitment = serializers.SlugRelatedField(slug_field="slug", queryset=Commitment.objects.all())
    deadline = serializers.PrimaryKeyRelatedField(
        queryset=Deadline.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "commitment",
            "kind",
            "decided_on",
            "deadline",
            "previous_due",
            "previous_precision",
            "new_due",
            "new_precision",
            "previous_status",
            "new_status",
            "reason",
            "language",
            "evidence_url",
        ]
        read_only_fields = ["decided_on", "previous_due", "previous_precision", "previous_status"]

    def create(self, validated_data):
        try:
            return record_decision(Decision(**validated_data), by=validated_data.get("decided_by"))
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CommitmentSerializer(ModelValidated, serializers.ModelSerializer):
    """A commitment as lists show it; annotations come from CommitmentQuerySet (see views)."""

    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    parent = serializers.SlugRelatedField(
        slug_field="slug", queryset=Commitment.objects.all(), required=False, allow_null=True
    )
    owners = InvolvementSerializer(source="involvements", many=True, read_only=True)
    deadlines = DeadlineSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    days_overdue = serializers.SerializerMethodField()
    next_due_on = serializers.DateField(read_only=True, allow_null=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:commitment-detail", lookup_field="slug")

    class Meta:
        model = Commitment
        fields = [
            "slug",
            "title",
            "summary",
            "axis",
            "kind",
            "status",
            "announced_on",
            "announced_precision",
            "parent",
            "owners",
            "deadlines",
            "targets",
            "is_overdue",
            "days_overdue",
            "next_due_on",
            "updated_at",
            "url",
            "title_fr",
            "title_en",
            "summary_fr",
            "summary_en",
            "is_public",
        ]
        read_only_fields = ["status", "updated_at"]
        extra_kwargs = {
            name: {"write_only": True}
            for name in ("title_fr", "title_en", "summary_fr", "summary_en", "is_public")
        }

    @extend_schema_field(OpenApiTypes.INT)
    def get_days_overdue(self, commitment) -> int:
        return commitment.days_overdue()


class CommitmentDetailSerializer(CommitmentSerializer):
    description = serializers.CharField(read_only=True)
    stated_counts = StatedCountSerializer(many=True, read_only=True)
    amounts = AmountSerializer(many=True, read_only=True)
    latest_update = serializers.SerializerMethodField()
    sources = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    children = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    decisions = DecisionSerializer(source="public_decisions", many=True, read_only=True)

    class Meta(CommitmentSerializer.Meta):
        fields = [
            *CommitmentSerializer.Meta.fields,
            "description",
            "description_fr",
            "description_en",
            "stated_counts",
            "amounts",
            "latest_update",
            "sources",
            "children",
            "decisions",
        ]
        extra_kwargs = {
            **CommitmentSerializer.Meta.extra_kwargs,
            "description_fr": {"write_only": True},
            "description_en": {"write_only": True},
        }

    @extend_schema_field(UpdateSerializer(allow_null=True))
    def get_latest_update(self, commitment):
        # Prefetched by the view; a commitment just created through the API has none yet.
        published = getattr(commitment, "published_updates", [])
        return UpdateSerializer(published[0], context=self.context).data if published else None
