"""
The passages each fact on a page cites, read in one query per kind of fact whatever their number, for
the commitment's page and the API alike.
"""

from collections.abc import Iterable

from django.db.models import CharField, Value

from .models import (
    Amount,
    AssessmentEvidence,
    Commitment,
    Deadline,
    Involvement,
    Milestone,
    Passage,
    StatedCount,
    Target,
)


def attach_citations(*groups: tuple[type, Iterable]) -> None:
    """
    Give each fact of each (`Sourced` model, facts) group a `cited` list: the passages it cites, with
    their source, in the documents' order. Facts are model instances or the API's rows, with a `pk`.

    Two queries whatever the number of facts and of kinds: the links of every kind in one UNION, then
    the passages they name (none when nothing is cited). A query a kind, each joining the passages and
    their documents, cost a page more to build than to run.
    """
    facts: dict[str, dict] = {}
    links = None
    for model, rows in groups:
        kind = model._meta.model_name
        by_pk = facts.setdefault(kind, {})
        for fact in rows:
            fact.cited = []
            by_pk[fact.pk] = fact
        if not by_pk:
            continue
        query = model.citations.through.objects.filter(**{f"{kind}_id__in": by_pk}).values_list(
            Value(kind, output_field=CharField()), f"{kind}_id", "passage_id"
        )
        links = query if links is None else links.union(query, all=True)
    links = list(links) if links is not None else []
    if not links:
        return
    passages = Passage.objects.select_related("source").in_bulk({passage for *_, passage in links})
    for kind, pk, passage in sorted(links, key=lambda link: passages[link[2]].order_key()):
        facts[kind][pk].cited.append(passages[passage])


def numbered(facts: Iterable) -> list[Passage]:
    """
    Number the passages `facts` cite in the order the page shows them, and give each fact `footnotes`,
    its (number, passage) pairs; return the passages in that order for the page's list of sources.
    """
    numbers: dict[int, int] = {}
    passages = []
    for fact in facts:
        fact.footnotes = []
        for passage in fact.cited:
            if passage.pk not in numbers:
                passages.append(passage)
                numbers[passage.pk] = len(passages)
            fact.footnotes.append((numbers[passage.pk], passage))
    return passages


def citing(passages: Iterable[Passage]) -> None:
    """
    Give each passage `commitments` (the public commitments whose facts or verdicts cite it, by title)
    and `milestones` (those whose date it gives): a query per kind of fact, whatever their number.
    """
    by_pk = {passage.pk: passage for passage in passages}
    pairs = set()
    for model in (Involvement, StatedCount, Amount, Deadline, Target):
        through = model.citations.through.objects.filter(passage_id__in=by_pk)
        pairs |= set(through.values_list("passage_id", f"{model._meta.model_name}__commitment_id"))
    pairs |= set(
        Commitment.citations.through.objects.filter(passage_id__in=by_pk).values_list(
            "passage_id", "commitment_id"
        )
    )
    evidence = AssessmentEvidence.objects.filter(passage_id__in=by_pk)
    pairs |= set(evidence.values_list("passage_id", "assessment__commitment_id"))
    commitments = (
        Commitment.objects.public().only("slug", "title_fr", "title_en").in_bulk({c for _, c in pairs})
    )
    milestones = Milestone.citations.through.objects.filter(passage_id__in=by_pk).select_related("milestone")
    for passage in by_pk.values():
        passage.commitments, passage.milestones = [], []
    for passage_pk, commitment_pk in pairs:
        if commitment_pk in commitments:
            by_pk[passage_pk].commitments.append(commitments[commitment_pk])
    for link in milestones:
        by_pk[link.passage_id].milestones.append(link.milestone)
    for passage in by_pk.values():
        passage.commitments.sort(key=lambda commitment: commitment.title)
