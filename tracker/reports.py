"""
What a checkpoint report freezes (`freeze`), and how its frozen content reads back in the active
language (`Shown`). docs/reports.md gives the rules; the model is models/reports.py.

The content is one JSON document, written once when the report is published and never read from the
live tables again: commitments' rows, the changes since the previous report, the summaries by axis and
by owner. Texts are kept in both languages; statuses, axes and natures as their codes, whose labels
come from choices.py; dates as the stored day with its precision, so "November 2025" stays a month.
"""

import datetime
from collections import Counter, defaultdict
from types import SimpleNamespace

from django.db.models import OuterRef, Prefetch, Subquery

from .choices import Axis, Nature, Role, Status
from .dates import format_fuzzy_date, iso_date
from .fields import in_language
from .models import Assessment, AssessmentEvidence, Commitment, Involvement

# Changed when the content's shape changes, so that a reader can tell which shape a report has.
CONTENT_VERSION = 1


def freeze(report) -> dict:
    """Return the report's content as of its cut-off day, read now (publish() reads in one snapshot)."""
    rows = commitment_rows(report.cut_off)
    previous = report.__class__.objects.before(report).first()
    return {
        "version": CONTENT_VERSION,
        "cut_off": report.cut_off.isoformat(),
        "milestone": _milestone(report.milestone) if report.milestone_id else None,
        "previous": _previous(previous) if previous else None,
        "commitments": rows,
        "changes": changes(previous.content["commitments"], rows) if previous else [],
        "axes": axis_summaries(rows),
        "owners": owner_summaries(rows),
    }


def verdicts_as_of(cut_off: datetime.date):
    """
    Return the public commitments known by `cut_off`, each annotated with `verdict_id`: its latest
    assessment dated on or before `cut_off` and not retracted, None when it had none.

    Dates known to a month or a year are stored at the end of their period (tracker/dates.py), and
    compared as stored: an assessment of "November 2025" is not counted on 15 November, since it may
    have been made later that month; it is on 30 November. A commitment announced in a period not
    over by the cut-off is left out the same way. Retractions are those known when the report is
    frozen: a retracted assessment never counts, whenever it was retracted.
    """
    latest = (
        Assessment.objects.filter(commitment=OuterRef("pk"), retracted_by=None, assessed_on__lte=cut_off)
        .order_by("-assessed_on", "-pk")
        .values("pk")[:1]
    )
    return (
        Commitment.objects.public()
        .filter(announced_on__lte=cut_off)
        .annotate(verdict_id=Subquery(latest))
        .only("slug", "title_fr", "title_en", "axis", "nature")
        .order_by("slug")
    )


def commitment_rows(cut_off: datetime.date) -> list[dict]:
    """Return a row for each public commitment known by `cut_off`: its verdict then, evidence, owners."""
    commitments = list(verdicts_as_of(cut_off))
    evidence = AssessmentEvidence.objects.select_related("passage__source").order_by("pk")
    ids = [c.verdict_id for c in commitments if c.verdict_id]
    verdicts = Assessment.objects.filter(pk__in=ids).prefetch_related(Prefetch("evidence", evidence))
    verdicts = verdicts.in_bulk()
    owners = defaultdict(list)
    roles = Involvement.objects.filter(commitment__in=[c.pk for c in commitments]).select_related("owner")
    for involvement in roles.order_by("owner__name", "role"):
        owners[involvement.commitment_id].append(involvement)
    return [_row(c, verdicts.get(c.verdict_id), owners[c.pk]) for c in commitments]


def _row(commitment, verdict, involvements) -> dict:
    status = verdict.status if verdict else Status.NOT_ASSESSED
    scored = commitment.nature in Nature.judged()
    seen, involved = set(), []
    for involvement in involvements:  # each owner once, whatever its roles
        if involvement.owner_id not in seen:
            seen.add(involvement.owner_id)
            involved.append(_owner(involvement.owner))
    return {
        "slug": commitment.slug,
        "title_fr": commitment.title_fr,
        "title_en": commitment.title_en,
        "axis": commitment.axis,
        "nature": commitment.nature,
        "status": status,
        "score": Status.scores().get(status) if scored else None,
        "assessed_on": verdict.assessed_on.isoformat() if verdict else None,
        "assessed_precision": verdict.assessed_precision if verdict else None,
        "rationale_fr": verdict.rationale_fr if verdict else "",
        "rationale_en": verdict.rationale_en if verdict else "",
        "evidence": [_evidence(e) for e in verdict.evidence.all()] if verdict else [],
        "lead_owners": [_owner(i.owner) for i in involvements if i.role == Role.LEAD],
        "owners": involved,
    }


def _owner(owner) -> dict:
    return {"slug": owner.slug, "name": owner.name, "name_en": owner.name_en}


def _evidence(evidence) -> dict:
    if evidence.passage_id:
        source = evidence.passage.source
        return {"source": source.slug, "source_title": source.title, "quote": evidence.passage.quote}
    return {"url": evidence.url, "consulted_on": evidence.consulted_on.isoformat()}


def _milestone(milestone) -> dict:
    return {
        "slug": milestone.slug,
        "name_fr": milestone.name_fr,
        "name_en": milestone.name_en,
        "date": milestone.date.isoformat(),
        "date_precision": milestone.date_precision,
    }


def _previous(report) -> dict:
    return {
        "slug": report.slug,
        "title_fr": report.title_fr,
        "title_en": report.title_en,
        "cut_off": report.cut_off.isoformat(),
    }


def changes(before: list[dict], after: list[dict]) -> list[dict]:
    """
    Return what changed between two reports' rows, by commitment: a status that moved, a commitment
    new to this report (`before` None), one no longer in it (`after` None: made private since).
    """
    was = {row["slug"]: row for row in before}
    now = {row["slug"]: row for row in after}
    found = []
    for slug in sorted(was.keys() | now.keys()):
        old, new = was.get(slug), now.get(slug)
        if old and new and old["status"] == new["status"]:
            continue
        named = new or old
        found.append(
            {
                "slug": slug,
                "title_fr": named["title_fr"],
                "title_en": named["title_en"],
                "before": old["status"] if old else None,
                "after": new["status"] if new else None,
            }
        )
    return found


def _summary(rows: list[dict]) -> dict:
    """
    Count rows as an owner's scorecard does (OwnerQuerySet.with_scorecard): promises and programmes by
    status; what was delivered at the summit apart, never scored; `score` the mean over the assessed.
    """
    judged = [row for row in rows if row["nature"] in Nature.judged()]
    scores = [row["score"] for row in judged if row["score"] is not None]
    counts = Counter(row["status"] for row in judged)
    return {
        "promises": len(judged),
        "delivered": len(rows) - len(judged),
        "counts": {status: counts[status] for status in Status.values},
        "assessed": len(scores),
        "score": round(sum(scores) / len(scores), 2) if scores else None,
    }


def axis_summaries(rows: list[dict]) -> list[dict]:
    """Return each axis's summary, in the axes' order, for the axes the report has commitments in."""
    by_axis = defaultdict(list)
    for row in rows:
        by_axis[row["axis"]].append(row)
    return [{"axis": axis, **_summary(by_axis[axis])} for axis in Axis.values if by_axis[axis]]


def owner_summaries(rows: list[dict]) -> list[dict]:
    """Return each owner's summary over the commitments it takes part in, in any role, by name."""
    by_owner, named = defaultdict(list), {}
    for row in rows:
        for owner in row["owners"]:
            by_owner[owner["slug"]].append(row)
            named[owner["slug"]] = owner
    ordered = sorted(named.values(), key=lambda owner: (owner["name"].casefold(), owner["slug"]))
    return [{**owner, **_summary(by_owner[owner["slug"]])} for owner in ordered]


def _translated(item: dict, base: str) -> str:
    return in_language(item.get(f"{base}_fr") or "", item.get(f"{base}_en") or "")


def _date(value: str | None, precision: str | None) -> str:
    return format_fuzzy_date(datetime.date.fromisoformat(value), precision) if value else ""


def _owner_name(owner: dict) -> str:
    return in_language(owner["name"], owner["name_en"])


class Shown:
    """A report's frozen content as its page, CSV and PDF read it, in the active language."""

    def __init__(self, content: dict):
        self.content = content
        self.cut_off = datetime.date.fromisoformat(content["cut_off"])
        self.milestone = content["milestone"] and SimpleNamespace(
            slug=content["milestone"]["slug"],
            name=_translated(content["milestone"], "name"),
            date=_date(content["milestone"]["date"], content["milestone"]["date_precision"]),
        )
        self.previous = content["previous"] and SimpleNamespace(
            slug=content["previous"]["slug"],
            title=_translated(content["previous"], "title"),
            cut_off=_date(content["previous"]["cut_off"], "day"),
        )

    def rows(self) -> list[SimpleNamespace]:
        """Return the commitments' rows, by title in the active language."""
        rows = [
            SimpleNamespace(
                **row,
                title=_translated(row, "title"),
                rationale=_translated(row, "rationale"),
                axis_label=Axis(row["axis"]).label,
                nature_label=Nature(row["nature"]).label,
                assessed=_date(row["assessed_on"], row["assessed_precision"]),
                assessed_iso=iso_date(
                    row["assessed_on"] and datetime.date.fromisoformat(row["assessed_on"]),
                    row["assessed_precision"] or "day",
                ),
                leads=[_owner_name(owner) for owner in row["lead_owners"]],
                proofs=[
                    SimpleNamespace(**proof, consulted=_date(proof.get("consulted_on"), "day"))
                    for proof in row["evidence"]
                ],
            )
            for row in self.content["commitments"]
        ]
        return sorted(rows, key=lambda row: (row.title.casefold(), row.slug))

    def changes(self) -> list[SimpleNamespace]:
        changes = self.content["changes"]
        return [SimpleNamespace(**change, title=_translated(change, "title")) for change in changes]

    def axes(self) -> list[SimpleNamespace]:
        return [_summary_shown(axis, name=Axis(axis["axis"]).label) for axis in self.content["axes"]]

    def owners(self) -> list[SimpleNamespace]:
        """Return the owners' summaries, by name in the active language (an English name may differ)."""
        owners = [_summary_shown(owner, name=_owner_name(owner)) for owner in self.content["owners"]]
        return sorted(owners, key=lambda owner: (owner.name.casefold(), owner.slug))

    def totals(self) -> SimpleNamespace:
        return _summary_shown(_summary(self.content["commitments"]), name="")


def _summary_shown(summary: dict, name: str) -> SimpleNamespace:
    # The statuses with a count, in the vocabulary's order: what a row of the summary tables lists.
    counts = [(Status(status), n) for status, n in summary["counts"].items() if n]
    return SimpleNamespace(**{**summary, "name": name, "counted": counts})
