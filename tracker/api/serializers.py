"""
What the API says about each thing, in the language the client asked for (`Translated` fields).

Only public facts appear: published updates, no contacts, no e-mail addresses, no editors' notes.
DRF serializers over the querysets' own reads (models/querysets.py: `as_shown`, `with_parts`),
which the public pages read too: each field is declared once, here. They answer as DRF
does, walking the fields by a plan made once an answer (fields.Planned).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..addresses import on_site
from ..choices import AssessmentOrigin, Basis, Status
from ..fields import clean_text
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
    SignatoryAssessment,
    SourceDocument,
    StatedCount,
    Target,
)
from ..workflow import record_decision, report_problems, submit_update
from .fields import (
    AddressField,
    DateAtPrecisionField,
    EvidenceField,
    MarkdownAsHTML,
    ModelValidated,
    ParentReference,
    Planned,
    SlugReference,
)


class ModelSerializer(Planned, serializers.ModelSerializer):
    """DRF's, reading as planned once an answer (fields.Planned)."""


class CitationSerializer(ModelSerializer):
    """A passage a fact cites: its document's slug (see /api/sources/) and its exact words."""

    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Passage
        fields = ["source", "quote"]


class SourcedFields(serializers.Serializer):
    """
    The fields every sourced fact has: the passages it cites (`cited`: Commitment.cite_facts, or the
    milestones' prefetch), and how it follows from them.
    """

    citations = CitationSerializer(source="cited", many=True, read_only=True)
    basis = serializers.ChoiceField(choices=Basis.choices, read_only=True)
    reasoning = serializers.CharField(
        read_only=True,
        help_text="How the value follows from the passages, when it is worked out or inferred.",
    )

    SOURCED = ("citations", "basis", "reasoning")


class ScorecardSerializer(serializers.Serializer):
    """
    An owner's scorecard, as /owners/ and its page show it (`OwnerQuerySet.with_scorecard()`), over the
    public commitments it takes part in; /fr/about/#score explains it.
    """

    promises = serializers.IntegerField(read_only=True, help_text="Its promises and programmes.")
    by_status = serializers.SerializerMethodField(help_text="Its promises and programmes by status.")
    delivered = serializers.IntegerField(
        read_only=True, help_text="What it delivered at the summit itself: counted apart, never scored."
    )
    assessed = serializers.IntegerField(
        read_only=True, help_text="Its promises with a final verdict, which the score averages."
    )
    score = serializers.SerializerMethodField(
        help_text="+1 achieved, 0 partially achieved, -1 not achieved or withdrawn, averaged over the "
        "assessed promises, to two places; null when none is assessed."
    )

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
    def get_by_status(self, owner) -> dict:
        return {status.value: n for status, n in owner.verdict_counts()}

    def get_score(self, owner) -> float | None:
        return None if owner.score is None else round(owner.score, 2)


class OwnerSerializer(ModelSerializer):
    """A country, body, organisation or company that leads, signs, funds or supports commitments."""

    name = serializers.CharField(source="display_name", read_only=True)
    original_name = serializers.CharField(source="name", read_only=True)
    short_name = serializers.CharField(
        source="display_short_name", read_only=True, help_text="The acronym in the requested language."
    )
    country = serializers.CharField(source="country.code", read_only=True)
    url = AddressField(view_name="api:owner-detail")
    scorecard = ScorecardSerializer(source="*", read_only=True)

    class Meta:
        model = Owner
        fields = [
            "slug",
            "name",
            "original_name",
            "short_name",
            "kind",
            "country",
            "website",
            "scorecard",
            "url",
        ]


class OwnerRefSerializer(ModelSerializer):
    """An owner as a commitment names it (its slug leads to /api/owners/<slug>/)."""

    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Owner
        fields = ["slug", "name", "kind"]


class InvolvementSummarySerializer(ModelSerializer):
    """An owner's role as a list of commitments shows it; a commitment's detail adds its sources."""

    owner = OwnerRefSerializer(read_only=True)
    since = DateAtPrecisionField("since_precision", read_only=True, allow_null=True)

    class Meta:
        model = Involvement
        fields = ["owner", "role", "since", "since_precision"]


class InvolvementSerializer(SourcedFields, InvolvementSummarySerializer):
    """An owner's role in a commitment, with the passages it comes from."""

    class Meta(InvolvementSummarySerializer.Meta):
        fields = [*InvolvementSummarySerializer.Meta.fields, *SourcedFields.SOURCED]


class StatedCountSerializer(SourcedFields, ModelSerializer):
    """A number of participants the sources state without naming them all ("26 countries")."""

    noun = serializers.CharField(read_only=True)

    class Meta:
        model = StatedCount
        fields = ["role", "count", "qualifier", "noun", *SourcedFields.SOURCED]


class AmountSerializer(SourcedFields, ModelSerializer):
    """A sum of money a commitment involves (pledged, invested or planned), with its passages."""

    label = serializers.CharField(read_only=True)
    owner = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Amount
        fields = [
            "slug", "amount", "currency", "qualifier", "period", "label", "owner", *SourcedFields.SOURCED,
        ]  # fmt: skip


class MilestoneSerializer(SourcedFields, ModelSerializer):
    """A named, dated event commitments are due at, with the passages its date comes from."""

    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    date = DateAtPrecisionField("date_precision", read_only=True)
    starts_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="The first day, for an event over several days."
    )
    url = AddressField(view_name="api:milestone-detail")

    class Meta:
        model = Milestone
        fields = [
            "slug", "name", "starts_on", "date", "date_precision", "place", "description", "url",
            *SourcedFields.SOURCED,
        ]  # fmt: skip


class DeadlineSummarySerializer(ModelValidated, ModelSerializer):
    """
    A deliverable as a list of commitments shows it; `due`, `due_exactness` and `is_overdue` come from
    DeadlineQuerySet.with_overdue_flag(). Its own list and a commitment's detail add its sources.
    """

    commitment = SlugReference(queryset=Commitment.objects.all())
    milestone = SlugReference(queryset=Milestone.objects.all(), required=False, allow_null=True)
    due_on = DateAtPrecisionField("due_precision", required=False, allow_null=True)
    due = DateAtPrecisionField("due_exactness", read_only=True)
    due_exactness = serializers.CharField(read_only=True)
    done_on = DateAtPrecisionField("done_precision", required=False, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    days_overdue = serializers.IntegerField(read_only=True)

    class Meta:
        model = Deadline
        fields = [
            "id", "commitment", "slug", "title_fr", "title_en", "milestone", "due_on", "due_precision",
            "due", "due_exactness", "is_done", "done_on", "done_precision", "is_overdue", "days_overdue",
        ]  # fmt: skip


class DeadlineSerializer(SourcedFields, DeadlineSummarySerializer):
    """A deliverable a commitment owes at a milestone or a date, with the passages it comes from."""

    class Meta(DeadlineSummarySerializer.Meta):
        fields = [*DeadlineSummarySerializer.Meta.fields, *SourcedFields.SOURCED]


class ReadingSerializer(ModelValidated, ModelSerializer):
    """A target's value on a date, from its source: an editor's record or a published progress update."""

    target = serializers.PrimaryKeyRelatedField(queryset=Target.objects.all())
    measured_on = DateAtPrecisionField("measured_precision")

    class Meta:
        model = Reading
        fields = ["id", "target", "measured_on", "measured_precision", "value", "note", "source_url"]


class TargetSummarySerializer(ModelValidated, ModelSerializer):
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
            "id", "commitment", "slug", "name", "name_fr", "name_en", "unit", "unit_fr", "unit_en",
            "currency", "baseline", "baseline_on", "target_value", "qualifier", "milestone", "due_on",
            "due_precision", "readings",
        ]  # fmt: skip
        extra_kwargs = {name: {"write_only": True} for name in ("name_fr", "name_en", "unit_fr", "unit_en")}


class TargetSerializer(SourcedFields, TargetSummarySerializer):
    """A number a commitment aims at, with its readings and the passages it comes from."""

    class Meta(TargetSummarySerializer.Meta):
        fields = [*TargetSummarySerializer.Meta.fields, *SourcedFields.SOURCED]


class EvidenceSerializer(ModelSerializer):
    """A public link that backs a progress update."""

    class Meta:
        model = Evidence
        fields = ["url", "title"]


class ReportedReadingSerializer(ModelSerializer):
    """A target's value as an update reports it; it becomes one of the target's readings on publication."""

    class Meta:
        model = ReportedReading
        fields = ["target", "value"]


class UpdateSerializer(ModelValidated, ModelSerializer):
    """
    A progress update (its text is Markdown, `text_html` as its page shows it). Created as submitted,
    through the same workflow as the web form; only editors publish or reject it, which applies its
    status, readings and done deliverables.
    """

    commitment = SlugReference(queryset=Commitment.objects.all())
    text_html = MarkdownAsHTML(
        source="text", help_text="`text` as HTML, cleaned as the update's page shows it."
    )
    on_behalf_of = SlugReference(queryset=Owner.objects.all(), required=False, allow_null=True)
    evidence = EvidenceSerializer(many=True, required=False)
    readings = ReportedReadingSerializer(source="reported_readings", many=True, required=False)
    marks_done = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Deadline.objects.all(), required=False
    )

    class Meta:
        model = ProgressUpdate
        fields = [
            "id", "commitment", "on_behalf_of", "reported_on", "status", "reason", "text", "text_html",
            "language", "evidence", "readings", "marks_done", "state",
        ]  # fmt: skip
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
            language=validated_data.get("language", ""),
            evidence=validated_data.get("evidence", []),
            readings=[(r["target"], r["value"]) for r in validated_data.get("reported_readings", [])],
            done=validated_data.get("marks_done", []),
        )


class DecisionSerializer(ModelValidated, ModelSerializer):
    """An editor's review decision; recording one applies it (tracker/workflow.py: record_decision)."""

    commitment = SlugReference(queryset=Commitment.objects.all())
    deadline = serializers.PrimaryKeyRelatedField(
        queryset=Deadline.objects.all(), required=False, allow_null=True
    )
    previous_due = DateAtPrecisionField("previous_precision", read_only=True, allow_null=True)
    new_due = DateAtPrecisionField("new_precision", required=False, allow_null=True)
    retracts = serializers.PrimaryKeyRelatedField(
        queryset=ProgressUpdate.objects.all(),
        required=False,
        allow_null=True,
        help_text="For a correction: the id of the published update it retracts.",
    )

    class Meta:
        model = Decision
        fields = [
            "id", "commitment", "kind", "decided_on", "deadline", "previous_due", "previous_precision",
            "new_due", "new_precision", "previous_status", "new_status", "reason", "language",
            "evidence_url", "retracts",
        ]  # fmt: skip
        read_only_fields = ["decided_on", "previous_due", "previous_precision", "previous_status"]

    def create(self, validated_data):
        try:
            return record_decision(Decision(**validated_data), by=validated_data.get("decided_by"))
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error


class AssessmentSerializer(ModelSerializer):
    """A dated verdict: the commitment's status is that of its latest assessment."""

    assessed_on = DateAtPrecisionField("assessed_precision", read_only=True)
    rationale = serializers.CharField(
        read_only=True, help_text="In the requested language when written in it."
    )
    rationale_html = serializers.CharField(
        read_only=True,
        help_text=(
            "`rationale` as HTML, as the commitment's page shows it (Markdown when an update wrote it)."
        ),
    )
    rationale_language = serializers.CharField(read_only=True, help_text="The language `rationale` is in.")
    origin = serializers.SerializerMethodField(help_text="What it was made from.")
    evidence = EvidenceField()
    retracted_by = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=(
            "The correction (a decision's id) that retracted the update this verdict was made from; "
            "null while it counts."
        ),
    )

    class Meta:
        model = Assessment
        fields = [
            "status", "assessed_on", "assessed_precision", "rationale", "rationale_html",
            "rationale_language", "origin", "update", "decision", "evidence", "retracted_by",
        ]  # fmt: skip

    @extend_schema_field({"type": "string", "enum": AssessmentOrigin.values})
    def get_origin(self, assessment) -> str:
        return assessment.origin()


class PassageSerializer(ModelSerializer):
    """A cited passage: the document's exact words, and the public commitments and milestones citing it."""

    commitments = serializers.SerializerMethodField()
    milestones = serializers.SerializerMethodField(help_text="The milestones whose date it gives.")

    class Meta:
        model = Passage
        fields = ["quote", "commitments", "milestones"]

    # Read by citations.citing(), as the source's page reads them.
    def get_commitments(self, passage) -> list[str]:
        return sorted(commitment.slug for commitment in passage.commitments)

    def get_milestones(self, passage) -> list[str]:
        return sorted(milestone.slug for milestone in passage.milestones)


class SourceSerializer(ModelSerializer):
    """A source document and the passages the tracker cites from it, in the document's order."""

    published_on = DateAtPrecisionField("published_precision", read_only=True, allow_null=True)
    document_url = serializers.SerializerMethodField(help_text="Where it is published, when known.")
    page = serializers.SerializerMethodField(help_text="Its page on the site.")
    passages = PassageSerializer(source="passages_list", many=True, read_only=True)
    url = AddressField(view_name="api:source-detail")

    class Meta:
        model = SourceDocument
        fields = [
            "slug", "title", "publisher", "published_on", "published_precision", "is_reference",
            "document_url", "page", "url", "passages",
        ]  # fmt: skip

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_document_url(self, source) -> str | None:
        return source.url or None

    def get_page(self, source) -> str:
        return on_site(source.get_absolute_url())


class PublishSerializer(serializers.Serializer):
    reconsider = serializers.BooleanField(
        default=False,
        help_text=(
            "Publish an update that was rejected. Without it, publishing a rejected update is refused, so "
            "that a publication and a rejection sent at the same moment cannot both succeed."
        ),
    )


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)

    def validate_reason(self, reason: str) -> str:
        # The reason as it will be stored (a CleanTextField): unwanted characters alone are no reason,
        # and would be saved empty, against the rejection's constraint (a 500).
        reason = clean_text(reason).strip()
        if not reason:
            self.fields["reason"].fail("blank")
        return reason


class CommitmentSerializer(ModelValidated, ModelSerializer):
    """
    A commitment as lists show it, read by CommitmentQuerySet.as_shown(): its overdue flags are
    annotated, its owners, deadlines and targets prefetched, its next deadline the first of those still
    due (Commitment.next_deadline).
    """

    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    parent = ParentReference(queryset=Commitment.objects.all(), required=False, allow_null=True)
    owners = InvolvementSummarySerializer(source="shown_roles", many=True, read_only=True)
    deadlines = DeadlineSummarySerializer(source="shown_deadlines", many=True, read_only=True)
    targets = TargetSummarySerializer(source="shown_targets", many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    days_overdue = serializers.IntegerField(read_only=True)
    next_due_on = DateAtPrecisionField(
        "due_exactness", source="next_deadline.due", read_only=True, allow_null=True
    )
    announced_on = DateAtPrecisionField("announced_precision")
    assessed_on = DateAtPrecisionField("assessed_precision", read_only=True, allow_null=True)
    url = AddressField(view_name="api:commitment-detail")

    class Meta:
        model = Commitment
        fields = [
            "slug", "title", "summary", "axis", "kind", "nature", "status", "assessed_on",
            "assessed_precision", "announced_on", "announced_precision", "parent", "owners", "deadlines",
            "targets", "is_overdue", "days_overdue", "next_due_on", "updated_at", "url", "title_fr",
            "title_en", "summary_fr", "summary_en", "is_public",
        ]  # fmt: skip
        read_only_fields = ["status", "assessed_precision", "updated_at"]
        extra_kwargs = {
            name: {"write_only": True}
            for name in ("title_fr", "title_en", "summary_fr", "summary_en", "is_public")
        }


class SignatoryAssessmentSerializer(ModelSerializer):
    """An editors' dated verdict on one named participant, with its one evidence."""

    assessed_on = DateAtPrecisionField("assessed_precision", read_only=True)
    rationale = serializers.CharField(
        read_only=True, help_text="In the requested language when written in it."
    )
    rationale_language = serializers.CharField(read_only=True, help_text="The language `rationale` is in.")
    passage = CitationSerializer(
        read_only=True, allow_null=True, help_text="The passage it rests on, if any."
    )
    consulted_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="When the web page `url` was read, if it rests on one."
    )

    class Meta:
        model = SignatoryAssessment
        fields = [
            "status", "assessed_on", "assessed_precision", "rationale", "rationale_language",
            "passage", "url", "consulted_on",
        ]  # fmt: skip


class SignatorySerializer(ModelSerializer):
    """
    A named participant assessed apart (its role names two or more): its verdict's status, "not_assessed"
    until editors assess it, and its assessments, newest first. The unnamed are in `stated_counts`.
    """

    owner = OwnerRefSerializer(read_only=True)
    status = serializers.SerializerMethodField(help_text="Its latest assessment's status.")
    assessments = SignatoryAssessmentSerializer(
        source="shown_assessments", many=True, read_only=True, help_text="Newest first."
    )

    class Meta:
        model = Involvement
        fields = ["owner", "role", "status", "assessments"]

    @extend_schema_field({"type": "string", "enum": Status.values})
    def get_status(self, involvement) -> str:
        return involvement.verdict.status if involvement.verdict else Status.NOT_ASSESSED


class CommitmentDetailSerializer(SourcedFields, CommitmentSerializer):
    """
    A commitment with all it shows, read by CommitmentQuerySet.as_shown() and Commitment.read_parts();
    `citations`, `basis` and
    `reasoning` are those of its announcement.
    """

    description = serializers.CharField(read_only=True)
    # The detail's owners, deadlines and targets name the passages they come from.
    owners = InvolvementSerializer(source="shown_roles", many=True, read_only=True)
    deadlines = DeadlineSerializer(source="shown_deadlines", many=True, read_only=True)
    targets = TargetSerializer(source="shown_targets", many=True, read_only=True)
    success = serializers.CharField(
        read_only=True, help_text="What “kept” means for a promise or a programme."
    )
    # Read by Commitment.read_parts(), as the commitment's page reads them.
    assessments = AssessmentSerializer(
        source="shown_assessments", many=True, read_only=True, help_text="Newest first."
    )
    stated_counts = StatedCountSerializer(source="shown_counts", many=True, read_only=True)
    amounts = AmountSerializer(source="shown_amounts", many=True, read_only=True)
    latest_update = serializers.SerializerMethodField()
    sources = serializers.SerializerMethodField(help_text="The source documents, by slug.")
    children = serializers.SerializerMethodField(help_text="Its public parts, by slug.")
    decisions = DecisionSerializer(source="shown_decisions", many=True, read_only=True)
    signatories = SignatorySerializer(
        source="shown_signatories",
        many=True,
        read_only=True,
        help_text="Each signatory, lead, supporter or funder of a role naming two or more, with its verdict.",
    )

    class Meta(CommitmentSerializer.Meta):
        fields = [
            *CommitmentSerializer.Meta.fields, "description", "description_fr", "description_en",
            "success", "success_fr", "success_en", *SourcedFields.SOURCED, "assessments",
            "stated_counts", "amounts", "latest_update", "sources", "children", "decisions",
            "signatories",
        ]  # fmt: skip
        extra_kwargs = {
            **CommitmentSerializer.Meta.extra_kwargs,
            **{name: {"write_only": True} for name in ("description_fr", "description_en")},
            **{name: {"write_only": True} for name in ("success_fr", "success_en")},
        }

    def get_sources(self, commitment) -> list[str]:
        return [source.slug for source in commitment.shown_sources]

    def get_children(self, commitment) -> list[str]:
        return [child.slug for child in commitment.shown_children]

    @extend_schema_field(UpdateSerializer(allow_null=True))
    def get_latest_update(self, commitment):
        latest = commitment.latest_published_update()
        return UpdateSerializer(latest, context=self.context).data if latest else None
