"""
What the API says about each thing, in the language the client asked for (`Translated` fields).

Only public facts appear: published updates, no contacts, no e-mail addresses, no editors' notes.

The serializers a page of commitments nests (a commitment, its owners, deadlines, targets and their
readings: some 300 objects a page), and those a commitment's detail adds, write their answer out in
`to_representation()` instead of DRF's walk over each field, which cost a third of the list's time
(issue #7). They do so without `self.fields`: DRF builds every field of a ModelSerializer from the
model on first use, on each answer, which cost more than writing out the rows (1 to 2 ms a serializer,
some 9 ms for a commitment's detail). The views hand them the nested rows as values read into plain
objects (api/views.py: with_related_rows), which they read attribute by attribute as model instances.
Their declared fields still describe the API (schema, writes); tests/test_api.py checks that both
ways, and the views' answers, give the same.
"""

import copy
import re
from functools import cached_property

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..addresses import PLACEHOLDER, on_site, with_slug
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


def _iso(day):
    """Return a date as DRF's DateField writes it."""
    return day.isoformat() if day else None


def _slug(related):
    """Return a related object's slug as SlugRelatedField writes it."""
    return related.slug if related is not None else None


def _decimal(model, name: str):
    """
    Return a function writing the values of `model`'s decimal field `name` as ModelSerializer's
    DecimalField for it writes them (a string to the field's decimal places). Made once: it needs no
    request.
    """
    field = model._meta.get_field(name)
    drf = serializers.DecimalField(max_digits=field.max_digits, decimal_places=field.decimal_places)
    return lambda value: None if value is None else drf.to_representation(value)


_reading_value = _decimal(Reading, "value")
_reported_value = _decimal(ReportedReading, "value")
_baseline = _decimal(Target, "baseline")
_target_value = _decimal(Target, "target_value")
_amount = _decimal(Amount, "amount")

# A timestamp as DateTimeField writes it, in the time zone active when it is called.
_datetime = serializers.DateTimeField().to_representation


def prefetched(instance, relation: str):
    """
    Return `instance`'s related rows as the API's views read them, into a `<relation>_list` (model
    instances, or values read as `Row`s: api/views.py, with_related_rows), else read the relation.
    """
    rows = getattr(instance, f"{relation}_list", None)
    return getattr(instance, relation).all() if rows is None else rows


def _declared(serializer, name: str):
    """
    Return `serializer`'s declared field `name` alone, bound to it as DRF binds its fields (so that it
    reads the request from the serializer's context), without building every other field with it.
    """
    field = copy.deepcopy(serializer._declared_fields[name])
    field.bind(name, serializer)
    return field


# A slug as SlugField allows it: characters that reverse() leaves as they are.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class SlugIdentityField(serializers.HyperlinkedIdentityField):
    """
    The address of an object looked up by slug, as HyperlinkedIdentityField gives it but on SITE_URL
    (tracker/addresses.py), and reversed once per answer rather than once per object: the others are
    the first one's with their slug in place. (Each serializer instance, so each answer, works on its
    own copy of its fields.)
    """

    def __init__(self, view_name: str):
        super().__init__(view_name=view_name, lookup_field="slug")
        self._addresses = {}

    def get_url(self, obj, view_name, request, format):
        if obj.pk in (None, ""):
            return None
        if not SLUG.fullmatch(obj.slug):
            return on_site(self.reverse(view_name, kwargs={"slug": obj.slug}, format=format))
        if (view_name, format) not in self._addresses:
            address = on_site(self.reverse(view_name, kwargs={"slug": PLACEHOLDER}, format=format))
            self._addresses[view_name, format] = with_slug(address)
        return self._addresses[view_name, format](obj.slug)


class OwnerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    original_name = serializers.CharField(source="name", read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    url = SlugIdentityField(view_name="api:owner-detail")

    class Meta:
        model = Owner
        fields = ["slug", "name", "original_name", "short_name", "kind", "country", "website", "url"]


class OwnerRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Owner
        fields = ["slug", "name", "kind"]

    def to_representation(self, owner):
        return {"slug": owner.slug, "name": owner.display_name, "kind": owner.kind}


class InvolvementSerializer(serializers.ModelSerializer):
    owner = OwnerRefSerializer(read_only=True)

    class Meta:
        model = Involvement
        fields = ["owner", "role", "since", "since_precision"]

    @cached_property
    def _owner(self):
        return OwnerRefSerializer()

    def to_representation(self, involvement):
        return {
            "owner": self._owner.to_representation(involvement.owner),
            "role": involvement.role,
            "since": _iso(involvement.since),
            "since_precision": involvement.since_precision,
        }


class StatedCountSerializer(serializers.ModelSerializer):
    noun = serializers.CharField(read_only=True)

    class Meta:
        model = StatedCount
        fields = ["role", "count", "qualifier", "noun"]

    def to_representation(self, count):
        return {"role": count.role, "count": count.count, "qualifier": count.qualifier, "noun": count.noun}


class AmountSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    owner = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Amount
        fields = ["slug", "amount", "currency", "qualifier", "period", "label", "owner"]

    def to_representation(self, amount):
        return {
            "slug": amount.slug,
            "amount": _amount(amount.amount),
            "currency": amount.currency,
            "qualifier": amount.qualifier,
            "period": amount.period,
            "label": amount.label,
            "owner": _slug(amount.owner),
        }


class MilestoneSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    url = SlugIdentityField(view_name="api:milestone-detail")

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

    def to_representation(self, deadline):
        if not (hasattr(deadline, "is_overdue") and hasattr(deadline, "milestone_slug")):
            # Not read through the views' querysets (DeadlineQuerySet.with_overdue_flag() and the
            # milestone's slug): DRF leaves the annotations out.
            return super().to_representation(deadline)
        return {
            "id": deadline.id,
            "commitment": deadline.commitment.slug,
            "slug": deadline.slug,
            "title_fr": deadline.title_fr,
            "title_en": deadline.title_en,
            "milestone": deadline.milestone_slug,
            "due_on": _iso(deadline.due_on),
            "due_precision": deadline.due_precision,
            "due": _iso(deadline.due),
            "due_exactness": deadline.due_exactness,
            "is_done": deadline.is_done,
            "done_on": _iso(deadline.done_on),
            "done_precision": deadline.done_precision,
            "is_overdue": deadline.is_overdue,
            "days_overdue": self.get_days_overdue(deadline),
        }


class ReadingSerializer(ModelValidated, serializers.ModelSerializer):
    target = serializers.PrimaryKeyRelatedField(queryset=Target.objects.all(), write_only=True)

    class Meta:
        model = Reading
        fields = ["id", "target", "measured_on", "measured_precision", "value", "note", "source_url"]

    def to_representation(self, reading):
        return {
            "id": reading.id,
            "measured_on": _iso(reading.measured_on),
            "measured_precision": reading.measured_precision,
            "value": _reading_value(reading.value),
            "note": reading.note,
            "source_url": reading.source_url,
        }


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

    @cached_property
    def _reading(self):
        return ReadingSerializer()

    def to_representation(self, target):
        if not hasattr(target, "milestone_slug"):
            # Not read through the views' querysets, which annotate the milestone's slug.
            return super().to_representation(target)
        reading = self._reading
        return {
            "id": target.id,
            "commitment": target.commitment.slug,
            "slug": target.slug,
            "name": target.name,
            "unit": target.unit,
            "currency": target.currency,
            "baseline": _baseline(target.baseline),
            "baseline_on": _iso(target.baseline_on),
            "target_value": _target_value(target.target_value),
            "qualifier": target.qualifier,
            "milestone": target.milestone_slug,
            "due_on": _iso(target.due_on),
            "due_precision": target.due_precision,
            "readings": [reading.to_representation(each) for each in prefetched(target, "readings")],
        }


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["url", "title"]

    def to_representation(self, evidence):
        return {"url": evidence.url, "title": evidence.title}


class ReportedReadingSerializer(serializers.ModelSerializer):
    """A target's value as an update reports it; it becomes one of the target's readings on publication."""

    class Meta:
        model = ReportedReading
        fields = ["target", "value"]

    def to_representation(self, reading):
        return {"target": reading.target_id, "value": _reported_value(reading.value)}


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

    @cached_property
    def _evidence(self):
        return EvidenceSerializer()

    @cached_property
    def _reading(self):
        return ReportedReadingSerializer()

    def to_representation(self, update):
        evidence, reading = self._evidence, self._reading
        return {
            "id": update.id,
            "commitment": update.commitment.slug,
            "on_behalf_of": _slug(update.on_behalf_of),
            "reported_on": _iso(update.reported_on),
            "status": update.status,
            "reason": update.reason,
            "text": update.text,
            "evidence": [evidence.to_representation(each) for each in update.evidence.all()],
            "readings": [reading.to_representation(each) for each in update.reported_readings.all()],
            "marks_done": [deadline.pk for deadline in update.marks_done.all()],
            "state": update.state,
        }

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

    def to_representation(self, decision):
        return {
            "id": decision.id,
            "commitment": decision.commitment.slug,
            "kind": decision.kind,
            "decided_on": _iso(decision.decided_on),
            "deadline": decision.deadline_id,
            "previous_due": _iso(decision.previous_due),
            "previous_precision": decision.previous_precision,
            "new_due": _iso(decision.new_due),
            "new_precision": decision.new_precision,
            "previous_status": decision.previous_status,
            "new_status": decision.new_status,
            "reason": decision.reason,
            "language": decision.language,
            "evidence_url": decision.evidence_url,
        }

    def create(self, validated_data):
        try:
            return record_decision(Decision(**validated_data), by=validated_data.get("decided_by"))
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CommitmentSerializer(ModelValidated, serializers.ModelSerializer):
    """
    A commitment as lists show it: its annotations come from CommitmentQuerySet, its related rows and
    `next_due_on` from views.with_related_rows (see views.CommitmentViewSet).
    """

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
    url = SlugIdentityField(view_name="api:commitment-detail")

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

    @cached_property
    def _nested(self):
        """The serializers of the rows each commitment nests, and of its address, made once an answer."""
        return InvolvementSerializer(), DeadlineSerializer(), TargetSerializer(), _declared(self, "url")

    def to_representation(self, commitment):
        if not (hasattr(commitment, "is_overdue") and hasattr(commitment, "parent_slug")):
            # Not read through the view's queryset: DRF leaves the annotations out.
            return super().to_representation(commitment)
        owner, deadline, target, url = self._nested
        return {
            "slug": commitment.slug,
            "title": commitment.title,
            "summary": commitment.summary,
            "axis": commitment.axis,
            "kind": commitment.kind,
            "status": commitment.status,
            "announced_on": _iso(commitment.announced_on),
            "announced_precision": commitment.announced_precision,
            "parent": commitment.parent_slug,
            "owners": [owner.to_representation(each) for each in prefetched(commitment, "involvements")],
            "deadlines": [deadline.to_representation(each) for each in prefetched(commitment, "deadlines")],
            "targets": [target.to_representation(each) for each in prefetched(commitment, "targets")],
            "is_overdue": commitment.is_overdue,
            "days_overdue": self.get_days_overdue(commitment),
            "next_due_on": _iso(commitment.next_due_on),
            "updated_at": _datetime(commitment.updated_at),
            "url": url.to_representation(commitment),
        }


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
        # Read by the view (api/views.py: _with_parts); DRF's walk of a bare instance finds none.
        published = getattr(commitment, "published_updates", [])
        return UpdateSerializer(published[0], context=self.context).data if published else None

    def to_representation(self, commitment):
        if not (hasattr(commitment, "is_overdue") and hasattr(commitment, "parent_slug")):
            return super().to_representation(commitment)
        count, amount, decision = StatedCountSerializer(), AmountSerializer(), DecisionSerializer()
        return {
            **super().to_representation(commitment),
            "description": commitment.description,
            "stated_counts": [
                count.to_representation(each) for each in prefetched(commitment, "stated_counts")
            ],
            "amounts": [amount.to_representation(each) for each in prefetched(commitment, "amounts")],
            "latest_update": self.get_latest_update(commitment),
            "sources": [source.slug for source in prefetched(commitment, "sources")],
            "children": [child.slug for child in prefetched(commitment, "children")],
            "decisions": [decision.to_representation(each) for each in commitment.public_decisions],
        }
