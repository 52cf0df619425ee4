"""
The tables of the data package, each with the query that reads it (the list of commitments as CSV,
`LIST`, is declared with its view in tracker/public/downloads.py).

Every table reads through the querysets' own definition of what the public sees
(`Commitment.objects.public()`, `Deadline.objects.public()`, `Reading.objects.public()`,
`Decision.objects.public()`, `ProgressUpdate.objects.on_record()`): a draft, its parts, an
unpublished update or an editors' follow-up note never appear, nor do contacts, editors' notes or
who made a change.
"""

from collections.abc import Iterable

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    TextChoices,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from ..choices import (
    AmountPeriod,
    AssessmentOrigin,
    Axis,
    Basis,
    CommitmentKind,
    DecisionKind,
    Language,
    Nature,
    OwnerKind,
    PublicationState,
    Qualifier,
    Role,
    Status,
    StatusReason,
)
from ..models import (
    Amount,
    Assessment,
    AssessmentEvidence,
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
    SignatoryAssessment,
    SourceDocument,
    StatedCount,
    Target,
)
from .columns import Column, Table, address, at_precision, bilingual, code, day, key, page, slug_of, text

SOURCED = (
    code("basis", Basis, _("How the value follows from the passages it cites (see citations.csv).")),
    *bilingual("reasoning", _("How a worked-out or inferred value follows from the sources")),
)
OF_COMMITMENT = slug_of("commitment", _("commitment"), "commitment__slug")
TO_COMMITMENT = ("commitment", "commitments", "slug")


# What the public sees, as the pages and the API read it.


def public_commitments():
    return Commitment.objects.public()


def _of_public(model):
    return model.objects.filter(commitment__in=public_commitments()).order_by("pk")


def _public_owners(on):
    """The owners a public row names: by a role, an amount or a published (or retracted) update."""
    public = public_commitments()
    named = (
        Exists(Involvement.objects.filter(owner=OuterRef("pk"), commitment__in=public))
        | Exists(Amount.objects.filter(owner=OuterRef("pk"), commitment__in=public))
        | Exists(_updates(on).filter(on_behalf_of=OuterRef("pk")))
    )
    return Owner.objects.filter(named).order_by("slug")


def _updates(on):
    """Updates the public has read: published ones, and retracted ones (marked so), of public commitments."""
    return ProgressUpdate.objects.on_record().filter(commitment__in=public_commitments()).order_by("pk")


def _decisions(on):
    return Decision.objects.public().order_by("pk")


# The facts that cite passages, as (model, its table in the package, the path from its row to its
# commitment): a commitment's own citations are its announcement's; a milestone's, its date's.
CITING = (
    (Commitment, "commitments", "commitment"),
    (Involvement, "involvements", "involvement__commitment"),
    (StatedCount, "stated_counts", "statedcount__commitment"),
    (Amount, "amounts", "amount__commitment"),
    (Deadline, "deadlines", "deadline__commitment"),
    (Target, "targets", "target__commitment"),
    (Milestone, "milestones", ""),
)


def _citations(on) -> Iterable[dict]:
    """Every link from a public fact to a passage it cites, kind by kind."""
    nothing = Value(None, output_field=CharField())
    for model, table, commitment in CITING:
        name = model._meta.model_name
        links = model.citations.through.objects.order_by(f"{name}_id", "passage_id")
        if commitment:
            links = links.filter(**{f"{commitment}__in": public_commitments()})
        own_row = model in (Commitment, Milestone)  # keyed by their slug, not an id
        yield from links.values(
            cited_table=Value(table),
            cited_fact=Value(None, output_field=IntegerField()) if own_row else F(f"{name}_id"),
            cited_commitment=F(f"{commitment}__slug") if commitment else nothing,
            cited_milestone=F("milestone__slug") if model is Milestone else nothing,
            cited_passage=F("passage_id"),
        ).iterator()


class FactTable(TextChoices):
    """The tables whose rows cite passages (citations.csv)."""

    COMMITMENTS = "commitments", _("the commitment itself (its announcement)")
    INVOLVEMENTS = "involvements", _("an owner's role")
    STATED_COUNTS = "stated_counts", _("a stated count")
    AMOUNTS = "amounts", _("an amount")
    DEADLINES = "deadlines", _("a deadline")
    TARGETS = "targets", _("a target")
    MILESTONES = "milestones", _("a milestone")


ID = key("id", _("The row's number, which other tables refer to."), required=True)
SLUG = text("slug", _("Its stable identifier, also part of its address on the site."), required=True)

TABLES = (
    Table(
        "commitments",
        _("Commitments"),
        _("Every public action and commitment announced at the summit, one a row."),
        (
            SLUG,
            *bilingual("title", _("Its title")),
            *bilingual("summary", _("Its summary")),
            *bilingual("description", _("A longer description, when there is one")),
            code("axis", Axis, _("The summit's axis or section it belongs to.")),
            code("kind", CommitmentKind, _("What kind of action it is.")),
            code("nature", Nature, _("What kind of promise it is: what “kept” means depends on it.")),
            *bilingual("success", _("What “kept” means for a promise or a programme")),
            code("status", Status, _("Its status: that of its latest assessment (assessments.csv).")),
            *at_precision("assessed_on", "assessed_precision", _("When its current status was assessed")),
            *at_precision("announced_on", "announced_precision", _("When it was announced"), required=True),
            text("parent", _("The commitment it is part of (its slug), if any."), "parent_slug"),
            Column(
                "is_overdue",
                "boolean",
                _("Whether one of its deliverables is overdue, on the day the package was made."),
            ),
            *at_precision(
                "overdue_since",
                "overdue_precision",
                _("When its oldest overdue deliverable was due, on the day the package was made"),
            ),
            *SOURCED,
            *page("url", "tracker:commitment_detail", _("Its page, in {language}.")),
        ),
        rows=lambda on: (
            public_commitments()
            .with_overdue(on)
            .with_overdue_precision()
            .annotate(parent_slug=Case(When(parent__is_public=True, then=F("parent__slug"))))
            .order_by("slug")
        ),
        primary_key=("slug",),
        foreign_keys=(("parent", "commitments", "slug"),),
    ),
    Table(
        "commitment_sources",
        _("Sources of each commitment"),
        _("Which source documents announce each commitment."),
        (OF_COMMITMENT, slug_of("source", _("source document"), "sourcedocument__slug")),
        rows=lambda on: Commitment.sources.through.objects.filter(
            commitment__in=public_commitments()
        ).order_by("commitment__slug", "sourcedocument__slug"),
        primary_key=("commitment", "source"),
        foreign_keys=(TO_COMMITMENT, ("source", "sources", "slug")),
    ),
    Table(
        "owners",
        _("Owners"),
        _("The countries, bodies, organisations and companies the public rows name."),
        (
            SLUG,
            text("name", _("Its name, as the sources write it (usually in French)."), required=True),
            text("name_en", _("Its English name, when it differs.")),
            text("short_name", _("Its short name or acronym, as the sources write it.")),
            text("short_name_en", _("Its English short name, when it differs.")),
            code("kind", OwnerKind, _("What kind of owner it is (the editors' classification).")),
            text("country", _("The country it is, or is tied to by a source (ISO 3166-1 alpha-2).")),
            address("website", _("Its website.")),
        ),
        rows=_public_owners,
        primary_key=("slug",),
    ),
    Table(
        "involvements",
        _("Owners' roles"),
        _("Who leads, signs, partners, funds or supports each commitment: one row per owner and role."),
        (
            ID,
            OF_COMMITMENT,
            slug_of("owner", _("owner"), "owner__slug"),
            code("role", Role, _("Its role.")),
            *at_precision("since", "since_precision", _("When the owner joined, if known")),
            *SOURCED,
        ),
        rows=lambda on: _of_public(Involvement),
        primary_key=("id",),
        foreign_keys=(TO_COMMITMENT, ("owner", "owners", "slug")),
    ),
    Table(
        "stated_counts",
        _("Stated counts"),
        _("Numbers of participants the sources state without naming them all (“26 countries”)."),
        (
            ID,
            OF_COMMITMENT,
            code("role", Role, _("The role of those counted.")),
            key("count", _("How many.")),
            code("qualifier", Qualifier, _("How the source states the number.")),
            *bilingual("noun", _("What is counted")),
            *SOURCED,
        ),
        rows=lambda on: _of_public(StatedCount),
        primary_key=("id",),
        foreign_keys=(TO_COMMITMENT,),
    ),
    Table(
        "amounts",
        _("Amounts"),
        _(
            "Sums of money a commitment involves: pledged, invested or planned. Do not add up amounts the "
            "sources state separately."
        ),
        (
            ID,
            OF_COMMITMENT,
            text("slug", _("Its identifier within the commitment."), required=True),
            Column("amount", "number", _("The sum, in its currency."), required=True),
            text("currency", _("Its currency (ISO 4217)."), required=True),
            code("qualifier", Qualifier, _("How the source states the sum.")),
            code("period", AmountPeriod, _("Whether it is paid once, each year or in total over a period.")),
            *bilingual("label", _("What the money is for")),
            text("owner", _("Who puts the money in (an owner's slug), when the sources say."), "owner__slug"),
            *SOURCED,
        ),
        rows=lambda on: _of_public(Amount),
        primary_key=("id",),
        foreign_keys=(TO_COMMITMENT, ("owner", "owners", "slug")),
    ),
    Table(
        "milestones",
        _("Milestones"),
        _("Named, dated events that commitments are due at."),
        (
            SLUG,
            *bilingual("name", _("Its name")),
            day("starts_on", _("Its first day, for an event over several days.")),
            *at_precision("date", "date_precision", _("Its date (its last day)"), required=True),
            text("place", _("Where it takes place.")),
            *bilingual("description", _("What it is")),
            *SOURCED,
        ),
        rows=lambda on: Milestone.objects.order_by("slug"),
        primary_key=("slug",),
    ),
    Table(
        "deadlines",
        _("Deadlines"),
        _("What each commitment must deliver, by a date or at a milestone, and whether it was delivered."),
        (
            ID,
            OF_COMMITMENT,
            text("slug", _("Its identifier within the commitment."), required=True),
            *bilingual("title", _("The deliverable")),
            text("milestone", _("The milestone it is due at (its slug), if any."), "milestone__slug"),
            *at_precision(
                "due_on",
                "due_precision",
                _("Its own due date, when it has one (it wins over the milestone's)"),
            ),
            *at_precision("due", "due_exactness", _("The date it is due by: its own, else its milestone's")),
            Column("is_done", "boolean", _("Whether it was delivered.")),
            *at_precision("done_on", "done_precision", _("When it was delivered, if known")),
            Column(
                "is_overdue",
                "boolean",
                _(
                    "Whether it is overdue on the day the package was made: due before that day, not "
                    "delivered, its commitment neither achieved nor withdrawn."
                ),
            ),
            *SOURCED,
        ),
        rows=lambda on: Deadline.objects.public().with_overdue_flag(on).order_by("pk"),
        primary_key=("id",),
        foreign_keys=(TO_COMMITMENT, ("milestone", "milestones", "slug")),
    ),
    Table(
        "targets",
        _("Targets"),
        _(
            "Numbers commitments aim at (members, money, sites), with a baseline; their readings are in "
            "readings.csv."
        ),
        (
            ID,
            OF_COMMITMENT,
            text("slug", _("Its identifier within the commitment."), required=True),
            *bilingual("name", _("What is measured")),
            *bilingual("unit", _("Its unit")),
            text("currency", _("For money, its currency (ISO 4217).")),
            Column("baseline", "number", _("Where it started from, if known.")),
            *at_precision("baseline_on", "baseline_precision", _("When the baseline was measured")),
            Column("target_value", "number", _("The number aimed at."), required=True),
            code("qualifier", Qualifier, _("How the source states the number aimed at.")),
            text("milestone", _("The milestone it is due at (its slug), if any."), "milestone__slug"),
            *at_precision("due_on", "due_precision", _("Its own due date, when it has one")),
            *SOURCED,
        ),
        rows=lambda on: _of_public(Target),
        primary_key=("id",),
        foreign_keys=(TO_COMMITMENT, ("milestone", "milestones", "slug")),
    ),
    Table(
        "readings",
        _("Readings"),
        _("Dated measurements of the targets."),
        (
            ID,
            key("target", _("The target measured (its id in targets.csv)."), "target_id", required=True),
            *at_precision("measured_on", "measured_precision", _("When it was measured"), required=True),
            Column("value", "number", _("The value measured."), required=True),
            text("note", _("A note on the measurement.")),
            address("source_url", _("Where the value was found."), "source_url"),
            key(
                "update",
                _("The published progress update that reported it (its id), if any."),
                "from_update_id",
            ),
        ),
        rows=lambda on: Reading.objects.public().order_by("pk"),
        primary_key=("id",),
        foreign_keys=(("target", "targets", "id"), ("update", "updates", "id")),
    ),
    Table(
        "sources",
        _("Source documents"),
        _("The documents the commitments are taken from; the reference wins where they disagree."),
        (
            SLUG,
            text("title", _("Its title."), required=True),
            text("publisher", _("Who published it.")),
            *at_precision("published_on", "published_precision", _("When it was published")),
            Column("is_reference", "boolean", _("Whether it is the reference where documents disagree.")),
            address("url", _("Where it is published, when known.")),
        ),
        rows=lambda on: SourceDocument.objects.order_by("slug"),
        primary_key=("slug",),
    ),
    Table(
        "passages",
        _("Cited passages"),
        _(
            "The words of the source documents that facts and assessments cite, exactly as the documents "
            "have them."
        ),
        (
            ID,
            slug_of("source", _("source document"), "source__slug"),
            text("quote", _("The document's exact words."), required=True),
            key(
                "position",
                _("Where it starts in the document (in characters): the order to read passages in."),
            ),
        ),
        rows=lambda on: Passage.objects.order_by("pk"),
        primary_key=("id",),
        foreign_keys=(("source", "sources", "slug"),),
    ),
    Table(
        "citations",
        _("Citations"),
        _("Which passage each fact cites: one row per fact and passage."),
        (
            code("fact_table", FactTable, _("The table of the fact that cites the passage."), "cited_table"),
            key(
                "fact_id",
                _("The fact's id in that table (empty for a commitment or a milestone)."),
                "cited_fact",
            ),
            text(
                "commitment",
                _("The commitment the fact belongs to (its slug), for a commitment's facts."),
                "cited_commitment",
            ),
            text("milestone", _("The milestone (its slug), for a milestone's date."), "cited_milestone"),
            key("passage", _("The passage cited (its id in passages.csv)."), "cited_passage", required=True),
        ),
        rows=_citations,
        foreign_keys=(TO_COMMITMENT, ("milestone", "milestones", "slug"), ("passage", "passages", "id")),
    ),
    Table(
        "assessments",
        _("Assessments"),
        _(
            "Every dated verdict on a commitment, with why; a commitment's status is its latest that was not "
            "retracted."
        ),
        (
            ID,
            OF_COMMITMENT,
            code("status", Status, _("The status it gives.")),
            *at_precision("assessed_on", "assessed_precision", _("When it was assessed"), required=True),
            *bilingual("rationale", _("Why")),
            Column(
                "origin",
                "string",
                _("What it was made from."),
                reads=("update_id", "decision_id"),
                get=AssessmentOrigin.of,
                choices=AssessmentOrigin,
            ),
            key("update", _("The progress update it was made from (its id), if any."), "update_id"),
            key("decision", _("The editors' decision it was made from (its id), if any."), "decision_id"),
            key(
                "retracted_by",
                _(
                    "The correction that retracted the update it was made from (its id in decisions.csv); "
                    "empty while it counts."
                ),
                "retracted_by_id",
            ),
        ),
        # Only a public decision sets a status (Decision.clean), so each one named is in decisions.csv.
        rows=lambda on: _of_public(Assessment),
        primary_key=("id",),
        foreign_keys=(
            TO_COMMITMENT,
            ("update", "updates", "id"),
            ("decision", "decisions", "id"),
            ("retracted_by", "decisions", "id"),
        ),
    ),
    Table(
        "assessment_evidence",
        _("Evidence of assessments"),
        _(
            "What each assessment rests on: a passage of a source document, or a web page consulted on a "
            "date."
        ),
        (
            ID,
            key("assessment", _("The assessment (its id)."), "assessment_id", required=True),
            key("passage", _("The passage (its id), for a source document's words."), "passage_id"),
            address("url", _("The web page, otherwise.")),
            day("consulted_on", _("When the web page was consulted.")),
        ),
        rows=lambda on: AssessmentEvidence.objects.filter(
            assessment__commitment__in=public_commitments()
        ).order_by("pk"),
        primary_key=("id",),
        foreign_keys=(("assessment", "assessments", "id"), ("passage", "passages", "id")),
    ),
    Table(
        "signatory_assessments",
        _("Assessments of each signatory"),
        _(
            "Every dated verdict on one named participant of a commitment several made, with why and its one "
            "evidence; a participant's status is its latest. Participants the sources do not name have none."
        ),
        (
            ID,
            key(
                "involvement",
                _("The owner's role it assesses (its id in involvements.csv)."),
                "involvement_id",
                required=True,
            ),
            code("status", Status, _("The status it gives.")),
            *at_precision("assessed_on", "assessed_precision", _("When it was assessed"), required=True),
            *bilingual("rationale", _("Why")),
            key(
                "passage", _("The passage it rests on (its id), for a source document's words."), "passage_id"
            ),
            address("url", _("The web page it rests on, otherwise.")),
            day("consulted_on", _("When the web page was consulted.")),
        ),
        rows=lambda on: SignatoryAssessment.objects.public().order_by("pk"),
        primary_key=("id",),
        foreign_keys=(("involvement", "involvements", "id"), ("passage", "passages", "id")),
    ),
    Table(
        "updates",
        _("Progress updates"),
        _(
            "The progress updates the editors published, and those they later retracted (marked so); never "
            "those unpublished."
        ),
        (
            ID,
            OF_COMMITMENT,
            text(
                "on_behalf_of",
                _("The owner it reports for (its slug); empty for the editors' own."),
                "on_behalf_of__slug",
            ),
            day("reported_on", _("Its date.")),
            code("status", Status, _("The status it reports; empty when unchanged.")),
            code("reason", StatusReason, _("Why the commitment is stalled or not achieved, as reported.")),
            text("text", _("Its text (Markdown).")),
            code("language", Language, _("The language its text is written in.")),
            code(
                "state",
                PublicationState,
                _(
                    "“published”, or “retracted”: withdrawn from the record by a correction, its status and "
                    "readings no longer counting."
                ),
            ),
            key(
                "retracted_by",
                _("The correction that retracted it (its id in decisions.csv), if any."),
                "retraction__id",
            ),
        ),
        rows=_updates,
        primary_key=("id",),
        foreign_keys=(TO_COMMITMENT, ("on_behalf_of", "owners", "slug"), ("retracted_by", "decisions", "id")),
    ),
    Table(
        "update_evidence",
        _("Evidence of updates"),
        _("The links that back each progress update."),
        (
            ID,
            key("update", _("The update (its id)."), "update_id", required=True),
            address("url", _("The link.")),
            text("title", _("What it is.")),
        ),
        rows=lambda on: Evidence.objects.filter(update__in=_updates(on)).order_by("pk"),
        primary_key=("id",),
        foreign_keys=(("update", "updates", "id"),),
    ),
    Table(
        "decisions",
        _("Decisions and corrections"),
        _(
            "The editors' public decisions: deadlines extended, commitments marked missed or achieved, "
            "corrections."
        ),
        (
            ID,
            OF_COMMITMENT,
            code("kind", DecisionKind, _("What was decided.")),
            day("decided_on", _("When.")),
            key("deadline", _("The deadline it extends or finds missed (its id), if any."), "deadline_id"),
            *at_precision("previous_due", "previous_precision", _("The deadline's due date before")),
            *at_precision("new_due", "new_precision", _("Its new due date")),
            code("previous_status", Status, _("The commitment's status before.")),
            code("new_status", Status, _("The status it set, if any.")),
            text("reason", _("Why."), required=True),
            code("language", Language, _("The language the reason is written in.")),
            address("evidence_url", _("The evidence.")),
            key("retracts", _("The progress update it retracts (its id), for a correction."), "retracts_id"),
        ),
        rows=_decisions,
        primary_key=("id",),
        foreign_keys=(TO_COMMITMENT, ("deadline", "deadlines", "id"), ("retracts", "updates", "id")),
    ),
)
