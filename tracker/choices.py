"""The tracker's vocabularies, each a TextChoices named after its concept (docs/architecture.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OwnerKind(models.TextChoices):
    COUNTRY = "country", _("country")
    GOVERNMENT_BODY = "government_body", _("government body")
    INTERNATIONAL_ORG = "international_org", _("international organisation")
    COMPANY = "company", _("company")
    CIVIL_SOCIETY = "civil_society", _("civil-society group")
    RESEARCH = "research", _("research body")
    MEDIA = "media", _("media group")
    FOUNDATION = "foundation", _("foundation")
    COALITION = "coalition", _("coalition")


class Axis(models.TextChoices):
    """The three axes of the summit, plus the science and investment sections of its summary."""

    EVERYONE = "everyone", _("AI that benefits everyone")
    SUSTAINABLE = "sustainable", _("Sustainable and trustworthy AI")
    GOVERNANCE = "governance", _("Effective and inclusive governance")
    SCIENCE = "science", _("Science")
    INVESTMENT = "investment", _("Investment in France")


class CommitmentKind(models.TextChoices):
    DECLARATION = "declaration", _("declaration")
    CHARTER = "charter", _("charter")
    COALITION = "coalition", _("coalition")
    FOUNDATION = "foundation", _("foundation")
    FUND = "fund", _("fund or investment")
    TOOL = "tool", _("tool")
    DATASET = "dataset", _("dataset")
    OBSERVATORY = "observatory", _("observatory")
    REPORT = "report", _("report")
    NETWORK = "network", _("network")
    LABEL = "label", _("label")
    CHALLENGE = "challenge", _("challenge")
    INITIATIVE = "initiative", _("initiative")


class Status(models.TextChoices):
    """
    Where a commitment stands. Interim statuses can still move; final ones are a verdict.

    "Not yet assessed" means nobody has checked, which is not the same as "nothing happened".
    """

    NOT_ASSESSED = "not_assessed", _("not yet assessed")
    IN_PROGRESS = "in_progress", _("in progress")
    STALLED = "stalled", _("stalled")
    UNVERIFIABLE = "unverifiable", _("unverifiable")
    PARTIALLY_ACHIEVED = "partially_achieved", _("partially achieved")
    ACHIEVED = "achieved", _("achieved")
    NOT_ACHIEVED = "not_achieved", _("not achieved")
    WITHDRAWN = "withdrawn", _("withdrawn")

    @classmethod
    def interim(cls):
        return (cls.NOT_ASSESSED, cls.IN_PROGRESS, cls.STALLED, cls.UNVERIFIABLE)

    @classmethod
    def final(cls):
        return (cls.PARTIALLY_ACHIEVED, cls.ACHIEVED, cls.NOT_ACHIEVED, cls.WITHDRAWN)

    @classmethod
    def closed(cls):
        """Statuses after which deadlines no longer count: nothing can be overdue or stale."""
        return (cls.ACHIEVED, cls.WITHDRAWN)

    @classmethod
    def scores(cls) -> dict[str, int]:
        """
        Return the score of each verdict, in the G7 Research Group's manner: +1 kept, 0 kept in part,
        -1 not kept. Only final statuses are verdicts (docs/architecture.md, "Status vocabulary"): an
        interim one ("not yet assessed", "in progress", "stalled", "unverifiable") can still move, so
        it is not assessed and never scored. A promise its owners withdrew was not kept.
        """
        return {cls.ACHIEVED: 1, cls.PARTIALLY_ACHIEVED: 0, cls.NOT_ACHIEVED: -1, cls.WITHDRAWN: -1}

    @classmethod
    def needing_reason(cls):
        """Statuses a report must explain with a `StatusReason`."""
        return (cls.STALLED, cls.NOT_ACHIEVED)

    @property
    def meaning(self) -> str:
        """Return what the status means, as the method page and the admin explain it."""
        return STATUS_MEANINGS[self]

    @property
    def is_final(self) -> bool:
        return self in Status.final()

    @property
    def colour(self) -> str:
        """Return the colour the pages, charts and badges draw the status in."""
        return STATUS_COLOURS[self]


STATUS_MEANINGS = {
    Status.NOT_ASSESSED: _("Nobody has checked yet. This is not the same as “nothing happened”."),
    Status.IN_PROGRESS: _("Work has started and is under way."),
    Status.STALLED: _("Started, but blocked or without visible movement for a while."),
    Status.UNVERIFIABLE: _("What happened cannot be checked from public evidence, for now."),
    Status.PARTIALLY_ACHIEVED: _("Delivered in part."),
    Status.ACHIEVED: _("Delivered as announced."),
    Status.NOT_ACHIEVED: _("The deadline passed and it was not delivered."),
    Status.WITHDRAWN: _("Its owners dropped it."),
}

# The one place status colours are defined. White text sits on each of them (badges, chart labels), so
# every colour keeps a contrast of at least 4.5:1 against white (WCAG AA for normal text); the tests
# check it. Greys for "nobody looked" and "dropped", warm for trouble, green for delivered.
STATUS_COLOURS = {
    Status.NOT_ASSESSED: "#5f6b76",  # grey
    Status.IN_PROGRESS: "#0b63c5",  # blue
    Status.STALLED: "#8a5a00",  # dark amber
    Status.UNVERIFIABLE: "#6f42c1",  # purple
    Status.PARTIALLY_ACHIEVED: "#0f766e",  # teal
    Status.ACHIEVED: "#1a7f37",  # green
    Status.NOT_ACHIEVED: "#b42318",  # red
    Status.WITHDRAWN: "#3f4349",  # dark grey
}


class Nature(models.TextChoices):
    """What kind of promise a commitment is: "kept" means something different for each."""

    DELIVERED_AT_SUMMIT = "delivered_at_summit", _("delivered at the summit")
    PROMISE = "promise", _("promise")
    ONGOING = "ongoing", _("ongoing programme")

    @classmethod
    def judged(cls):
        """Natures whose verdicts count as promises kept or broken (what the summit delivered does not)."""
        return (cls.PROMISE, cls.ONGOING)

    @property
    def meaning(self) -> str:
        """Return what the nature means, as the method page explains it."""
        return NATURE_MEANINGS[self]


NATURE_MEANINGS = {
    Nature.DELIVERED_AT_SUMMIT: _(
        "Done at the summit itself: a report published, an event held, a text signed."
    ),
    Nature.PROMISE: _("Something to be done later, by a date or a milestone when the sources give one."),
    Nature.ONGOING: _("A programme that runs on: an observatory, a coalition, a fund at work."),
}


class Basis(models.TextChoices):
    """How a fact follows from the passages it cites (fixtures/README.md, "Citations")."""

    STATED = "stated", _("stated in the sources")
    WORKED_OUT = "worked_out", _("worked out from the sources")
    INFERRED = "inferred", _("the editors’ inference")


class StatusReason(models.TextChoices):
    """Why a commitment is stalled or was not achieved, as its owner reports it."""

    NO_FUNDING = "no_funding", _("no funding")
    NO_MAJORITY = "no_majority", _("no majority")
    CHANGED_PRIORITY = "changed_priority", _("changed priority")
    SUPERSEDED = "superseded", _("superseded by another commitment")
    OTHER = "other", _("other reason")


class DecisionKind(models.TextChoices):
    """What an editor decides when reviewing a commitment (tracker/workflow.py applies it)."""

    EXTENDED = "extended", _("deadline extended")
    MISSED = "missed", _("marked missed")
    ACHIEVED = "achieved", _("marked achieved")
    FOLLOWED_UP = "followed_up", _("followed up")
    CORRECTION = "correction", _("correction")

    @classmethod
    def public(cls):
        """Decisions that change what the public sees, and so are shown on the public pages."""
        return (cls.EXTENDED, cls.MISSED, cls.ACHIEVED, cls.CORRECTION)

    @property
    def sets_status(self) -> str:
        """Return the status this decision gives the commitment ("" when it leaves it, or the editor says)."""
        verdicts = {DecisionKind.MISSED: Status.NOT_ACHIEVED, DecisionKind.ACHIEVED: Status.ACHIEVED}
        return verdicts.get(self, "")


class AssessmentOrigin(models.TextChoices):
    """What an assessment was made from (`Assessment.origin()`: the API's and the data package's `origin`)."""

    SOURCE_DOCUMENTS = "source_documents", _("the source documents")
    PROGRESS_UPDATE = "progress_update", _("a published progress update")
    EDITORS_DECISION = "editors_decision", _("an editors' decision")

    @classmethod
    def of(cls, update_id: int | None, decision_id: int | None) -> "AssessmentOrigin":
        """
        Return the origin of an assessment made from the update `update_id` or the decision
        `decision_id`, when either is set (the data package reads them as values, not as assessments).
        """
        if update_id:
            return cls.PROGRESS_UPDATE
        return cls.EDITORS_DECISION if decision_id else cls.SOURCE_DOCUMENTS


class ReminderKind(models.TextChoices):
    """What a reminder e-mail is about (tracker/reminders.py)."""

    DUE_SOON = "due_soon", _("deadline coming up")
    OVERDUE = "overdue", _("deadline passed")
    STALE = "stale", _("no news for a long time")
    ESCALATION = "escalation", _("unanswered reminders (to editors)")
    DIGEST = "digest", _("editors’ weekly digest")
    MANUAL = "manual", _("reminder sent by an editor")
    SUBMITTED = "submitted", _("update waiting for review (to editors)")
    # Mail to the public's followers (tracker/following.py), through the same log and delivery.
    FOLLOW_CONFIRM = "follow_confirm", _("confirmation of a follow")
    FOLLOW_NEWS = "follow_news", _("news to a follower")
    FOLLOW_DIGEST = "follow_digest", _("weekly news to a follower")


class ReminderState(models.TextChoices):
    PENDING = "pending", _("to send")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("not sent: no longer due")


class Role(models.TextChoices):
    LEAD = "lead", _("lead")
    SIGNATORY = "signatory", _("signatory")
    PARTNER = "partner", _("partner")
    FUNDER = "funder", _("funder")
    SUPPORTER = "supporter", _("supporter")

    @classmethod
    def assessed_each(cls):
        """
        Roles whose named participants each make the promise themselves, so each can keep it or not
        and editors may assess them one by one (tracker/models/signatories.py): those who signed, lead,
        declared their support or pledged money. Partners take part in someone else's promise (the
        applicants, participants and experts the sources count) and are not assessed apart.
        """
        return (cls.LEAD, cls.SIGNATORY, cls.SUPPORTER, cls.FUNDER)


class Qualifier(models.TextChoices):
    """How a source states a number: "96", "about 60", "nearly 600", "more than 1,000", "up to 1 GW"."""

    EXACT = "exact", _("exactly")
    ABOUT = "about", _("about")
    NEARLY = "nearly", _("nearly")
    MORE_THAN = "more_than", _("more than")
    UP_TO = "up_to", _("up to")


class AmountPeriod(models.TextChoices):
    ONE_OFF = "one_off", _("one-off")
    PER_YEAR = "per_year", _("per year")
    TOTAL_OVER_PERIOD = "total_over_period", _("in total over a period")


class PublicationState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")
    # Withdrawn from the public record by an editor's correction, which says why (Decision.retracts).
    RETRACTED = "retracted", _("retracted")


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class Frequency(models.TextChoices):
    """How often a follower hears of what happened (tracker/following.py)."""

    IMMEDIATE = "immediate", _("at once, one e-mail each time")
    WEEKLY = "weekly", _("once a week, a digest")


class EventKind(models.TextChoices):
    """What a follower hears of (tracker/following.py: SOURCES)."""

    UPDATE = "update", _("progress update published")
    VERDICT = "verdict", _("status changed")
    EXTENDED = "extended", _("deadline extended")
    MISSED = "missed", _("marked missed")
    ACHIEVED = "achieved", _("marked achieved")
    CORRECTION = "correction", _("correction")
    REPORT = "report", _("checkpoint report published")


class ReportState(models.TextChoices):
    """Where a checkpoint report stands: a draft editors prepare, or published and frozen for good."""

    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
