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
from ..choices import Basis
from ..dates import DatePrecision, iso_date, parse_fuzzy_date, today
from ..models import (
    Amount,
    Assessment,
    Commitment,
    Deadline,
    Decision,
    Evidence,
    Involvement,
    Milestone,
    Owner,
    Passage,
    ProgressUpdate,
    Reading,
    ReportedReading,
    SourceDocument,
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


def _iso(day, precision=DatePrecision.DAY):
    """Return a date as `DateAtPrecisionField` writes it: ISO 8601 at its precision ("2025-11", "2026")."""
    return iso_date(day, precision) if day else None


REDUCED_DATE = re.compile(r"\d{4}(-\d{2})?")


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
        "description": (
            "ISO 8601 at the precision beside it: 2025-02-11 (a day), 2025-11 (a month), 2026 (a year)."
        ),
    }
)
class DateAtPrecisionField(serializers.DateField):
    """
    A date written at the precision its sibling field states (`precision`): "2025-02-11", "2025-11"
    (ISO 8601 reduced precision) or "2026", never a day the sources do not give. Reads those forms too
    (a month or a year stands for its last day, as the models keep it).
    """

    def __init__(self, precision: str, **kwargs):
        self.precision = precision
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        return None if value is None else (value, getattr(instance, self.precision, DatePrecision.DAY))

    def to_representation(self, value):
        return _iso(*value)

    def to_internal_value(self, data):
        if isinstance(data, str) and REDUCED_DATE.fullmatch(data.strip()):
            try:
                return parse_fuzzy_date(data)[0]
            except ValueError:  # "2025-13"
                self.fail("invalid", format="YYYY, YYYY-MM or YYYY-MM-DD")
        return super().to_internal_value(data)


class CitationSerializer(serializers.ModelSerializer):
    """A passage a fact cites: its document's slug (see /api/sources/) and its exact words."""

    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Passage
        fields = ["source", "quote"]

    def to_representation(self, passage):
        return {"source": passage.source.slug, "quote": passage.quote}


_citation = CitationSerializer()


def citations_prefetch():
    """Prefetch the passages facts cite as `_sourced` reads them: with their source, in document order."""
    from django.db.models import Prefetch

    return Prefetch("citations", queryset=Passage.objects.select_related("source").order_by("position"))


class SourcedFields(serializers.Serializer):
    """The fields every sourced fact has: the passages it cites, and how it follows from them."""

    citations = CitationSerializer(many=True, read_only=True)
    basis = serializers.ChoiceField(choices=Basis.choices, read_only=True)
    reasoning = serializers.CharField(
        read_only=True,
        help_text="How the value follows from the passages, when it is worked out or inferred.",
    )

    SOURCED = ("citations", "basis", "reasoning")


def _sourced(fact) -> dict:
    """Return a fact's `citations`, `basis` and `reasoning` as SourcedFields writes them."""
    cited = getattr(fact, "cited", None)
    if cited is None:  # read by the view's prefetch (`citations_prefetch`), else a query
        cited = fact.citations.all()
    return {
        "citations": [_citation.to_representation(passage) for passage in cited],
        "basis": fact.basis,
        "reasoning": fact.reasoning,
    }


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


class SlugReference(serializers.SlugRelatedField):
    """
    A related object written as its slug. What cannot be a slug (a NUL, which PostgreSQL refuses in a
    query) is not found, with the field's message, rather than looked up.
    """

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not SLUG.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


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
    short_name = serializers.CharField(
        source="display_short_name", read_only=True, help_text="The acronym in the requested language."
    )
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


class InvolvementSummarySerializer(serializers.ModelSerializer):
    """An owner's role as a list of commitments shows it; a commitment's detail adds its sources."""

    owner = OwnerRefSerializer(read_only=True)
    since = DateAtPrecisionField("since_precision", read_only=True, allow_null=True)

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
            "since": _iso(involvement.since, involvement.since_precision),
            "since_precision": involvement.since_precision,
        }


class InvolvementSerializer(SourcedFields, InvolvementSummarySerializer):
    class Meta(InvolvementSummarySerializer.Meta):
        fields = [*InvolvementSummarySerializer.Meta.fields, *SourcedFields.SOURCED]

    def to_representation(self, involvement):
        return {**super().to_representation(involvement), **_sourced(involvement)}


class StatedCountSerializer(SourcedFields, serializers.ModelSerializer):
    noun = serializers.CharField(read_only=True)

    class Meta:
        model = StatedCount
        fields = ["role", "count", "qualifier", "noun", *SourcedFields.SOURCED]

    def to_representation(self, count):
        return {
            "role": count.role,
            "count": count.count,
            "qualifier": count.qualifier,
            "noun": count.noun,
            **_sourced(count),
        }


class AmountSerializer(SourcedFields, serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    owner = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Amount
        fields = [
            "slug",
            "amount",
            "currency",
            "qualifier",
            "period",
            "label",
            "owner",
            *SourcedFields.SOURCED,
        ]

    def to_representation(self, amount):
        return {
            "slug": amount.slug,
            "amount": _amount(amount.amount),
            "currency": amount.currency,
            "qualifier": amount.qualifier,
            "period": amount.period,
            "label": amount.label,
            "owner": _slug(amount.owner),
            **_sourced(amount),
        }


class MilestoneSerializer(SourcedFields, serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    date = DateAtPrecisionField("date_precision", read_only=True)
    starts_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="The first day, for an event over several days."
    )
    url = SlugIdentityField(view_name="api:milestone-detail")

    class Meta:
        model = Milestone
        fields = [
            "slug", "name", "starts_on", "date", "date_precision", "place", "description", "url",
            *SourcedFields.SOURCED,
        ]  # fmt: skip


class DeadlineSummarySerializer(ModelValidated, serializers.ModelSerializer):
    """
    A deliverable as a list of commitments shows it; `due`, `due_exactness` and `is_overdue` come from
    DeadlineQuerySet annotations. Its own list and a commitment's detail add its sources.
    """

    commitment = SlugReference(queryset=Commitment.objects.all())
    milestone = SlugReference(queryset=Milestone.objects.all(), required=False, allow_null=True)
    due_on = DateAtPrecisionField("due_precision", required=False, allow_null=True)
    due = DateAtPrecisionField("due_exactness", read_only=True)
    due_exactness = serializers.CharField(read_only=True)
    done_on = DateAtPrecisionField("done_precision", required=False, allow_null=True)
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
            "due_on": _iso(deadline.due_on, deadline.due_precision),
            "due_precision": deadline.due_precision,
            "due": _iso(deadline.due, deadline.due_exactness),
            "due_exactness": deadline.due_exactness,
            "is_done": deadline.is_done,
            "done_on": _iso(deadline.done_on, deadline.done_precision),
            "done_precision": deadline.done_precision,
            "is_overdue": deadline.is_overdue,
            "days_overdue": self.get_days_overdue(deadline),
        }


class DeadlineSerializer(SourcedFields, DeadlineSummarySerializer):
    class Meta(DeadlineSummarySerializer.Meta):
        fields = [*DeadlineSummarySerializer.Meta.fields, *SourcedFields.SOURCED]

    def to_representation(self, deadline):
        return {**super().to_representation(deadline), **_sourced(deadline)}


class ReadingSerializer(ModelValidated, serializers.ModelSerializer):
    target = serializers.PrimaryKeyRelatedField(queryset=Target.objects.all(), write_only=True)
    measured_on = DateAtPrecisionField("measured_precision")

    class Meta:
        model = Reading
        fields = ["id", "target", "measured_on", "measured_precision", "value", "note", "source_url"]

    def to_representation(self, reading):
        return {
            "id": reading.id,
            "measured_on": _iso(reading.measured_on, reading.measured_precision),
            "measured_precision": reading.measured_precision,
            "value": _reading_value(reading.value),
            "note": reading.note,
            "source_url": reading.source_url,
        }


class TargetSummarySerializer(ModelValidated, serializers.ModelSerializer):
    """A target as a list of commitments shows it; its own list and a commitment's detail add sources."""

    commitment = SlugReference(queryset=Commitment.objects.all())
    baseline_on = DateAtPrecisionField("baseline_precision", required=False, allow_null=True)
    due_on = DateAtPrecisionField("due_precision", required=False, allow_null=True)
    milestone = SlugReference(queryset=Milestone.objects.all(), required=False, allow_null=True)
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
            "baseline_on": _iso(target.baseline_on, target.baseline_precision),
            "target_value": _target_value(target.target_value),
            "qualifier": target.qualifier,
            "milestone": target.milestone_slug,
            "due_on": _iso(target.due_on, target.due_precision),
            "due_precision": target.due_precision,
            "readings": [reading.to_representation(each) for each in prefetched(target, "readings")],
        }


class TargetSerializer(SourcedFields, TargetSummarySerializer):
    class Meta(TargetSummarySerializer.Meta):
        fields = [*TargetSummarySerializer.Meta.fields, *SourcedFields.SOURCED]

    def to_representation(self, target):
        return {**super().to_representation(target), **_sourced(target)}


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

    commitment = SlugReference(queryset=Commitment.objects.all())
    on_behalf_of = SlugReference(queryset=Owner.objects.all(), required=False, allow_null=True)
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
            "language",
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
            "language": update.language,
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
            language=validated_data.get("language", ""),
            evidence=validated_data.get("evidence", []),
            readings=[(r["target"], r["value"]) for r in validated_data.get("reported_readings", [])],
            done=validated_data.get("marks_done", []),
        )


class DecisionSerializer(ModelValidated, serializers.ModelSerializer):
    """An editor's review decision; recording one applies it (tracker/workflow.py: record_decision)."""

    commitment = SlugReference(queryset=Commitment.objects.all())
    deadline = serializers.PrimaryKeyRelatedField(
        queryset=Deadline.objects.all(), required=False, allow_null=True
    )
    previous_due = DateAtPrecisionField("previous_precision", read_only=True, allow_null=True)
    new_due = DateAtPrecisionField("new_precision", required=False, allow_null=True)

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
            "previous_due": _iso(decision.previous_due, decision.previous_precision),
            "previous_precision": decision.previous_precision,
            "new_due": _iso(decision.new_due, decision.new_precision),
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


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "oneOf": [
                {
                    "type": "object",
                    "description": "A passage of a source document: its slug and its exact words.",
                    "properties": {"source": {"type": "string"}, "quote": {"type": "string"}},
                    "required": ["source", "quote"],
                },
                {
                    "type": "object",
                    "description": "A web page, with the day it was consulted.",
                    "properties": {
                        "url": {"type": "string", "format": "uri"},
                        "consulted_on": {"type": "string", "format": "date"},
                    },
                    "required": ["url", "consulted_on"],
                },
            ]
        },
    }
)
class EvidenceField(serializers.ListField):
    """What an assessment rests on: `{source, quote}` for a passage, `{url, consulted_on}` for a page."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, evidence):
        return [
            {"source": item.passage.source.slug, "quote": item.passage.quote}
            if item.passage_id
            else {"url": item.url, "consulted_on": _iso(item.consulted_on)}
            for item in evidence.all()
        ]


class AssessmentSerializer(serializers.ModelSerializer):
    """A dated verdict: the commitment's status is that of its latest assessment."""

    assessed_on = DateAtPrecisionField("assessed_precision", read_only=True)
    rationale = serializers.CharField(
        read_only=True, help_text="In the requested language when written in it."
    )
    rationale_language = serializers.CharField(read_only=True, help_text="The language `rationale` is in.")
    origin = serializers.SerializerMethodField(help_text="What it was made from.")
    evidence = EvidenceField()

    class Meta:
        model = Assessment
        fields = [
            "status", "assessed_on", "assessed_precision", "rationale", "rationale_language", "origin",
            "update", "decision", "evidence",
        ]  # fmt: skip

    @extend_schema_field(
        {"type": "string", "enum": ["source_documents", "progress_update", "editors_decision"]}
    )
    def get_origin(self, assessment) -> str:
        if assessment.update_id:
            return "progress_update"
        return "editors_decision" if assessment.decision_id else "source_documents"

    @cached_property
    def _evidence(self):
        return EvidenceField()

    def to_representation(self, assessment):
        return {
            "status": assessment.status,
            "assessed_on": _iso(assessment.assessed_on, assessment.assessed_precision),
            "assessed_precision": assessment.assessed_precision,
            "rationale": assessment.rationale,
            "rationale_language": assessment.rationale_language(),
            "origin": self.get_origin(assessment),
            "update": assessment.update_id,
            "decision": assessment.decision_id,
            "evidence": self._evidence.to_representation(assessment.evidence),
        }


class PassageSerializer(serializers.ModelSerializer):
    """A cited passage: the document's exact words, and the public commitments and milestones citing it."""

    commitments = serializers.ListField(child=serializers.SlugField(), read_only=True)
    milestones = serializers.ListField(
        child=serializers.SlugField(), read_only=True, help_text="The milestones whose date it gives."
    )

    class Meta:
        model = Passage
        fields = ["quote", "commitments", "milestones"]

    def to_representation(self, passage):
        return {
            "quote": passage.quote,
            "commitments": sorted(c.slug for c in passage.commitments),
            "milestones": sorted(m.slug for m in passage.milestones),
        }


class SourceSerializer(serializers.ModelSerializer):
    """A source document and the passages the tracker cites from it, in the document's order."""

    published_on = DateAtPrecisionField("published_precision", read_only=True, allow_null=True)
    document_url = serializers.URLField(
        source="url", read_only=True, allow_null=True, help_text="Where it is published, when known."
    )
    page = serializers.SerializerMethodField(help_text="Its page on the site.")
    passages = PassageSerializer(source="passages_list", many=True, read_only=True)
    url = SlugIdentityField(view_name="api:source-detail")

    class Meta:
        model = SourceDocument
        fields = [
            "slug", "title", "publisher", "published_on", "published_precision", "is_reference",
            "document_url", "page", "url", "passages",
        ]  # fmt: skip

    def get_page(self, source) -> str:
        return on_site(source.get_absolute_url())

    def to_representation(self, source):
        return {**super().to_representation(source), "document_url": source.url or None}


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CommitmentSerializer(ModelValidated, serializers.ModelSerializer):
    """
    A commitment as lists show it: its annotations come from CommitmentQuerySet, its related rows and
    `next_due_on` from views.with_related_rows (see views.CommitmentViewSet).
    """

    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    parent = SlugReference(queryset=Commitment.objects.all(), required=False, allow_null=True)
    owners = InvolvementSummarySerializer(source="involvements", many=True, read_only=True)
    deadlines = DeadlineSummarySerializer(many=True, read_only=True)
    targets = TargetSummarySerializer(many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    days_overdue = serializers.SerializerMethodField()
    next_due_on = DateAtPrecisionField("next_due_exactness", read_only=True, allow_null=True)
    announced_on = DateAtPrecisionField("announced_precision")
    assessed_on = DateAtPrecisionField("assessed_precision", read_only=True, allow_null=True)
    url = SlugIdentityField(view_name="api:commitment-detail")

    class Meta:
        model = Commitment
        fields = [
            "slug",
            "title",
            "summary",
            "axis",
            "kind",
            "nature",
            "status",
            "assessed_on",
            "assessed_precision",
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
        read_only_fields = ["status", "assessed_precision", "updated_at"]
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
        return (
            InvolvementSummarySerializer(),
            DeadlineSummarySerializer(),
            TargetSummarySerializer(),
            _declared(self, "url"),
        )

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
            "nature": commitment.nature,
            "status": commitment.status,
            "assessed_on": _iso(commitment.assessed_on, commitment.assessed_precision),
            "assessed_precision": commitment.assessed_precision,
            "announced_on": _iso(commitment.announced_on, commitment.announced_precision),
            "announced_precision": commitment.announced_precision,
            "parent": commitment.parent_slug,
            "owners": [owner.to_representation(each) for each in prefetched(commitment, "involvements")],
            "deadlines": [deadline.to_representation(each) for each in prefetched(commitment, "deadlines")],
            "targets": [target.to_representation(each) for each in prefetched(commitment, "targets")],
            "is_overdue": commitment.is_overdue,
            "days_overdue": self.get_days_overdue(commitment),
            "next_due_on": _iso(commitment.next_due_on, commitment.next_due_exactness),
            "updated_at": _datetime(commitment.updated_at),
            "url": url.to_representation(commitment),
        }


class CommitmentDetailSerializer(SourcedFields, CommitmentSerializer):
    """A commitment with all it shows; `citations`, `basis` and `reasoning` are those of its announcement."""

    description = serializers.CharField(read_only=True)
    # The detail's owners, deadlines and targets name the passages they come from.
    owners = InvolvementSerializer(source="involvements", many=True, read_only=True)
    deadlines = DeadlineSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    success = serializers.CharField(
        read_only=True, help_text="What “kept” means for a promise or a programme."
    )
    assessments = AssessmentSerializer(many=True, read_only=True, help_text="Newest first.")
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
            "success",
            "success_fr",
            "success_en",
            *SourcedFields.SOURCED,
            "assessments",
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
            "success_fr": {"write_only": True},
            "success_en": {"write_only": True},
        }

    @cached_property
    def _nested(self):
        return InvolvementSerializer(), DeadlineSerializer(), TargetSerializer(), _declared(self, "url")

    @extend_schema_field(UpdateSerializer(allow_null=True))
    def get_latest_update(self, commitment):
        # Read by the view (api/views.py: _with_parts); DRF's walk of a bare instance finds none.
        published = getattr(commitment, "published_updates", [])
        return UpdateSerializer(published[0], context=self.context).data if published else None

    def to_representation(self, commitment):
        if not (hasattr(commitment, "is_overdue") and hasattr(commitment, "parent_slug")):
            return super().to_representation(commitment)
        count, amount, decision = StatedCountSerializer(), AmountSerializer(), DecisionSerializer()
        assessment = AssessmentSerializer()
        return {
            **super().to_representation(commitment),
            "description": commitment.description,
            "success": commitment.success,
            **_sourced(commitment),
            "assessments": [
                assessment.to_representation(each) for each in prefetched(commitment, "assessments")
            ],
            "stated_counts": [
                count.to_representation(each) for each in prefetched(commitment, "stated_counts")
            ],
            "amounts": [amount.to_representation(each) for each in prefetched(commitment, "amounts")],
            "latest_update": self.get_latest_update(commitment),
            "sources": [source.slug for source in prefetched(commitment, "sources")],
            "children": [child.slug for child in prefetched(commitment, "children")],
            "decisions": [decision.to_representation(each) for each in commitment.public_decisions],
        }
