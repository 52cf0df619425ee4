"""The summit's data: it loads completely, idempotently, in one transaction, and bad rows are named."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import translation

from tests.factory import make_assessment
from tracker.choices import Basis, Nature, Role, Status
from tracker.dates import DatePrecision
from tracker.loader import FixtureError, SummitLoader
from tracker.models import (
    Amount,
    Assessment,
    Commitment,
    Deadline,
    Involvement,
    Milestone,
    Owner,
    Passage,
    SourceDocument,
    StatedCount,
    Target,
)
from tracker.passages import document_text, normalise, position_in

pytestmark = pytest.mark.django_db

# The official summary's own words, as the real data cites them.
SMALL = """
[[source]]
slug = "doc"
title = "Document"
file = "000_3695b22376ebf171.txt"
is_reference = true

[[milestone]]
slug = "bratislava"
name_fr = "Bratislava"
name_en = "Bratislava"
date = "2025-11"
cite = ["d'ici le sommet de Bratislava en novembre 2025"]

[[owner]]
slug = "gpai"
name = "Partenariat mondial sur l'IA"
kind = "coalition"

[[commitment]]
slug = "gpai-growth"
axis = "governance"
kind = "network"
nature = "promise"
success_fr = "Le PMIA compte une soixantaine de membres."
success_en = "GPAI has about sixty members."
announced = "2025-02"
cite = ["avec l'objectif d'atteindre une soixantaine de membres"]
sources = ["doc"]
title_fr = "Élargir le PMIA"
title_en = "Grow GPAI"
summary_fr = "Résumé."
summary_en = "Summary."
owners = [{ owner = "gpai", role = "lead", cite = ["du **Partenariat mondial sur l'IA (PMIA)**"] }]

[[commitment.counts]]
role = "partner"
count = 44
qualifier = "exact"
noun_fr = "pays"
noun_en = "member countries"
cite = ["des 44 pays membres"]

[commitment.assessment]
status = "in_progress"
assessed = "2025-02"
rationale_fr = "Sept États ont dit vouloir adhérer."
rationale_en = "Seven states said they wanted to join."
evidence = ["aura permis d'annoncer l'intérêt de 7 États"]

[[commitment.targets]]
slug = "members"
name_fr = "Membres"
name_en = "Members"
baseline = 44
target = 60
qualifier = "about"
milestone = "bratislava"
readings = [{ date = "2025-02", value = 44 }]
cite = ["atteindre une soixantaine de membres d'ici le sommet de Bratislava"]

[[commitment.deadlines]]
slug = "sixty-members"
title_fr = "Une soixantaine de membres"
title_en = "About sixty members"
milestone = "bratislava"
cite = ["atteindre une soixantaine de membres d'ici le sommet de Bratislava"]
"""


COUNT_CITED = 'cite = ["des 44 pays membres"]\n'
EVIDENCE = "evidence = [\"aura permis d'annoncer l'intérêt de 7 États\"]"


@pytest.fixture
def data_dir(tmp_path):
    (tmp_path / "10-data.toml").write_text(SMALL, encoding="utf-8")
    return tmp_path


def row_counts():
    return [model.objects.count() for model in (Commitment, Owner, Milestone, Involvement, Deadline, Target)]


def test_a_small_file_loads_with_its_dates_counts_and_targets(data_dir):
    SummitLoader(data_dir).load()
    commitment = Commitment.objects.get(slug="gpai-growth")
    assert commitment.announced_on == datetime.date(2025, 2, 28)
    assert commitment.announced_precision == DatePrecision.MONTH
    assert commitment.involvements.get().role == Role.LEAD
    assert commitment.stated_counts.get().count == 44
    target = commitment.targets.get()
    assert (target.baseline, target.target_value, target.due_date()) == (44, 60, datetime.date(2025, 11, 30))
    assert target.readings.get().measured_precision == DatePrecision.MONTH
    assert list(commitment.sources.values_list("slug", flat=True)) == ["doc"]
    # Each fact cites its passage, kept once however many facts cite it, in the document's order.
    assert [p.quote for p in commitment.involvements.get().citations.all()] == [
        "du Partenariat mondial sur l'IA (PMIA)"  # the bold markers are the document's layout
    ]
    assert target.citations.get() == commitment.deadlines.get().citations.get()
    positions = list(Passage.objects.values_list("position", flat=True))
    assert positions == sorted(positions) and positions[0] > 0
    # The documents' verdict is the commitment's first assessment, resting on a quoted passage.
    assessment = commitment.assessments.get()
    assert (commitment.status, commitment.assessed_on, commitment.assessed_precision) == (
        Status.IN_PROGRESS,
        datetime.date(2025, 2, 28),
        DatePrecision.MONTH,
    )
    assert (assessment.from_sources, assessment.assessed_by) == (True, None)
    assert assessment.evidence.get().passage.quote == "aura permis d'annoncer l'intérêt de 7 États"


def test_a_commitment_the_documents_give_no_verdict_on_is_not_yet_assessed(data_dir):
    start = SMALL.index("[commitment.assessment]")
    (data_dir / "10-data.toml").write_text(SMALL[:start] + SMALL[SMALL.index("[[commitment.targets]]") :])
    SummitLoader(data_dir).load()
    commitment = Commitment.objects.get()
    assert (commitment.status, commitment.assessed_on) == (Status.NOT_ASSESSED, None)
    assert not commitment.assessments.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('axis = "governance"', 'axis = "everything"'), "axis"),
        (
            ('{ owner = "gpai",', '{ owner = "nobody",'),
            "no owner with slug 'nobody'",
        ),
        (
            ('milestone = "bratislava"\nreadings', 'milestone = "oslo"\nreadings'),
            "no milestone with slug 'oslo'",
        ),
        (('announced = "2025-02"', 'announced = "February"'), "not a date"),
        (('title_en = "Grow GPAI"', 'titel_en = "Grow GPAI"'), "unknown key(s) titel_en"),
        (('title_en = "Grow GPAI"\n', ""), "title_en"),
        (("target = 60", 'target = "sixty"'), "'sixty' is not a number"),
        (('sources = ["doc"]', "sources = []"), "needs at least one source"),
        # Citations: the words must be the document's, and every fact must cite some.
        (
            ("des 44 pays membres", "des 45 pays membres"),
            "not found word for word in doc: 'des 45 pays membres'",
        ),
        ((COUNT_CITED, ""), "counts #1: cite the passage(s)"),
        (
            (COUNT_CITED, COUNT_CITED + 'basis = "worked_out"\n'),
            "counts #1: a worked_out fact says how (reasoning_fr, reasoning_en)",
        ),
        ((COUNT_CITED, 'cite = [{ source = "nowhere", quote = "x" }]\n'), "no source document"),
        (('nature = "promise"', 'nature = "wish"'), "nature is one of"),
        (('success_en = "GPAI has about sixty members."\n', ""), "what kept means"),
        ((EVIDENCE, "evidence = []"), "assessment: at least one piece of evidence"),
        (('status = "in_progress"', 'status = "not_assessed"'), "assessment: status is an assessed status"),
        (('rationale_en = "Seven states said they wanted to join."\n', ""), "both languages"),
        ((EVIDENCE, 'evidence = [{ url = "https://example.org" }]'), "the date it was consulted"),
    ],
)
def test_a_bad_row_stops_the_load_naming_the_row_and_writes_nothing(data_dir, change, message):
    # A good file read first proves that nothing before the bad row is kept either.
    (data_dir / "00-good.toml").write_text('[[owner]]\nslug = "kept-out"\nname = "X"\nkind = "company"\n')
    path = data_dir / "10-data.toml"
    path.write_text(SMALL.replace(*change), encoding="utf-8")
    with pytest.raises(FixtureError) as error:
        SummitLoader(data_dir).load()
    assert "10-data.toml: [[commitment]] #1 (gpai-growth)" in str(error.value)
    assert message in str(error.value)
    assert row_counts() == [0, 0, 0, 0, 0, 0] and not Passage.objects.exists()


def test_a_slug_defined_twice_is_refused(data_dir):
    (data_dir / "20-again.toml").write_text('[[owner]]\nslug = "gpai"\nname = "Again"\nkind = "coalition"\n')
    with pytest.raises(FixtureError, match=r"20-again.toml: \[\[owner\]\] #1 \(gpai\): slug already defined"):
        SummitLoader(data_dir).load()


def test_invalid_toml_is_named(data_dir):
    (data_dir / "30-broken.toml").write_text("[[owner]\nslug = ")
    with pytest.raises(FixtureError, match="30-broken.toml: not valid TOML"):
        SummitLoader(data_dir).load()


def test_the_command_reports_errors_without_a_traceback(data_dir):
    (data_dir / "10-data.toml").write_text(SMALL.replace('kind = "network"', 'kind = "nonsense"'))
    with pytest.raises(CommandError, match=r"Nothing was loaded\. 10-data.toml: \[\[commitment\]\] #1"):
        call_command("load_summit", directory=data_dir)


def test_loading_twice_changes_nothing_and_writes_no_history(data_dir):
    SummitLoader(data_dir).load()
    # The loader saves rows one by one: the signals keep the derived fields (overdue date, parts).
    assert (
        Commitment.objects.exclude(first_open_due=None).exists() and not Commitment.objects.derived_drifted()
    )
    before = row_counts(), Commitment.history.count(), Target.history.count()
    counts = SummitLoader(data_dir).load()
    assert all(counter["created"] == counter["updated"] == 0 for counter in counts.values())
    assert (row_counts(), Commitment.history.count(), Target.history.count()) == before


def test_editors_changes_are_kept_unless_updating_and_a_later_verdict_stands(data_dir):
    SummitLoader(data_dir).load()
    Commitment.objects.filter(slug="gpai-growth").update(title_en="Edited")
    make_assessment(Commitment.objects.get(), Status.ACHIEVED, on=datetime.date(2025, 12, 1))
    SummitLoader(data_dir).load()
    assert Commitment.objects.values_list("title_en", "status").get() == ("Edited", Status.ACHIEVED)
    # The documents' own verdict, changed in the files, is rewritten by --update; the later one stays
    # the status, and the history keeps both.
    (data_dir / "10-data.toml").write_text(SMALL.replace("Seven states said", "Seven states say"))
    counts = SummitLoader(data_dir, update=True).load()
    assert counts["Commitment"]["updated"] == 1 and counts["Assessment"]["updated"] == 1
    commitment = Commitment.objects.get()
    assert (commitment.title_en, commitment.status) == ("Grow GPAI", Status.ACHIEVED)
    assert [a.rationale_en for a in commitment.assessment_history()] == [
        "Checked.",
        "Seven states say they wanted to join.",
    ]


def test_a_row_added_to_the_files_is_created_on_the_next_load(data_dir):
    SummitLoader(data_dir).load()
    (data_dir / "20-more.toml").write_text(
        '[[owner]]\nslug = "oecd"\nname = "OCDE"\nkind = "international_org"\n'
    )
    counts = SummitLoader(data_dir).load()
    assert counts["Owner"] == {"created": 1, "unchanged": 1}


def test_a_bad_row_is_caught_even_when_its_object_is_loaded_already(data_dir):
    SummitLoader(data_dir).load()
    (data_dir / "10-data.toml").write_text(SMALL.replace('kind = "coalition"', 'kind = "planet"'))
    for loader in (SummitLoader(data_dir), SummitLoader(data_dir, update=True)):
        with pytest.raises(FixtureError, match=r"\[\[owner\]\] #1 \(gpai\): kind"):
            loader.load(dry_run=True)
    assert Owner.objects.get().kind == "coalition"


def test_rows_editors_changed_are_reported_as_kept(data_dir):
    SummitLoader(data_dir).load()
    Owner.objects.update(name="Renamed by an editor")
    counts = SummitLoader(data_dir).load()
    assert counts["Owner"] == {"kept": 1}
    assert Owner.objects.get().name == "Renamed by an editor"


def test_update_replaces_a_changed_role_instead_of_adding_one(data_dir):
    SummitLoader(data_dir).load()
    (data_dir / "10-data.toml").write_text(SMALL.replace('role = "lead",', 'role = "partner",'))
    SummitLoader(data_dir, update=True).load()
    assert list(Involvement.objects.values_list("role", flat=True)) == ["partner"]


def test_update_keeps_a_deliverable_marked_done_since_the_load(data_dir):
    SummitLoader(data_dir).load()
    Deadline.objects.update(is_done=True, done_on=datetime.date(2025, 11, 20))
    SummitLoader(data_dir, update=True).load()
    assert Deadline.objects.values_list("is_done", "done_on").get() == (True, datetime.date(2025, 11, 20))


def test_if_empty_loads_an_empty_database_only(data_dir):
    call_command("load_summit", directory=data_dir, if_empty=True, stdout=io.StringIO())
    assert Commitment.objects.count() == 1
    Deadline.objects.all().delete()  # an editor removed it
    out = io.StringIO()
    call_command("load_summit", directory=data_dir, if_empty=True, stdout=out)
    assert "nothing to do" in out.getvalue()
    assert Deadline.objects.count() == 0  # not brought back


def test_a_dry_run_writes_nothing(data_dir):
    counts = SummitLoader(data_dir).load(dry_run=True)
    assert counts["Commitment"]["created"] == 1
    assert row_counts() == [0, 0, 0, 0, 0, 0]


# The real data


@pytest.fixture
def summit(db):
    call_command("load_summit", verbosity=0)


def test_the_summit_data_loads_idempotently(summit, tmp_path):
    before = row_counts()
    counts = SummitLoader().load()
    assert sum(c["created"] + c["updated"] for c in counts.values()) == 0
    assert row_counts() == before
    # --update against the same files finds nothing to change either: the files and the stored
    # values agree field by field (dates, decimals, countries).
    counts = SummitLoader(update=True).load()
    assert sum(c["created"] + c["updated"] for c in counts.values()) == 0


def test_every_summit_commitment_is_complete_in_both_languages(summit):
    commitments = Commitment.objects.prefetch_related("involvements", "sources")
    # Every action of the two documents (see fixtures/summit); a change here is a change to the data.
    assert commitments.count() == 84
    for commitment in commitments:
        for field in ("title_fr", "title_en", "summary_fr", "summary_en", "axis", "kind", "nature", "status"):
            assert getattr(commitment, field).strip(), f"{commitment.slug} has no {field}"
        assert commitment.summary_fr != commitment.summary_en, f"{commitment.slug}: English copies French"
        assert commitment.sources.all(), f"{commitment.slug} has no source"
        if commitment.nature in Nature.judged():
            assert commitment.success_fr and commitment.success_en, f"{commitment.slug}: what is kept?"
    # Where the documents name no one, no owner is made up: those commitments state numbers or nothing.
    unnamed = Commitment.objects.filter(involvements__isnull=True)
    assert unnamed.exists() and not Involvement.objects.filter(owner__slug="france", basis=Basis.INFERRED)


# What makes a verdict defensible: every quote is the documents' own, every fact and every verdict
# cites one.

SOURCED_FACTS = (Commitment, Involvement, StatedCount, Amount, Deadline, Target, Milestone)


@pytest.mark.parametrize(
    ("written", "document"),
    [
        ("l'IA « Alice Recoque »", "l’IA « Alice Recoque »"),  # typographic quotes
        ("des  44\npays", "des 44 pays"),  # whitespace
        ("du Partenariat mondial", "du **Partenariat mondial**"),  # the summary's bold
        ("un kit open source", "un kit *open source*"),  # and its italics
    ],
)
def test_a_quote_is_compared_with_whitespace_quotes_and_emphasis_set_aside(written, document):
    assert normalise(written) == normalise(document)


def test_a_quote_must_be_word_for_word():
    assert position_in("des 44 pays membres", "000_3695b22376ebf171.txt") is not None
    for changed in ("des 45 pays membres", "des 44 Pays membres", "des 44 pays membre s"):
        assert position_in(changed, "000_3695b22376ebf171.txt") is None


def test_every_quote_is_in_its_document_word_for_word(summit):
    passages = list(Passage.objects.select_related("source"))
    assert len(passages) > 200 and {p.source.slug for p in passages} == {
        "paris-actions-summary",
        "yele-summit-recap",
    }
    for passage in passages:
        # Read afresh from the file, not through the loader: the rows are what the site shows.
        assert normalise(passage.quote) in document_text(passage.source.file), passage.quote


@pytest.mark.parametrize("model", SOURCED_FACTS, ids=lambda model: model.__name__)
def test_every_owner_role_figure_date_and_target_cites_a_passage(summit, model):
    uncited = model.objects.filter(citations__isnull=True)
    assert not uncited.exists(), [str(fact) for fact in uncited]
    # A value worked out from the words, or inferred, says how, in both languages.
    unexplained = model.objects.exclude(basis=Basis.STATED).filter(Q(reasoning_fr="") | Q(reasoning_en=""))
    assert not unexplained.exists(), [str(fact) for fact in unexplained]


def test_every_status_rests_on_a_dated_assessment_with_evidence(summit):
    assessed = Commitment.objects.exclude(status=Status.NOT_ASSESSED).prefetch_related(
        "assessments__evidence"
    )
    assert assessed.exists()
    for commitment in assessed:
        latest = commitment.assessments.all()[0]
        assert (latest.status, latest.assessed_on) == (commitment.status, commitment.assessed_on)
        assert latest.rationale_fr and latest.rationale_en, commitment.slug
        assert latest.evidence.all(), commitment.slug
    assert not Assessment.objects.filter(evidence__isnull=True).exists()
    # Announcing something is not progress: a promise the documents only announce is not yet assessed.
    assert Commitment.objects.filter(nature=Nature.PROMISE, status=Status.NOT_ASSESSED).count() > 10


def test_no_day_is_stated_that_its_passages_do_not_give(summit):
    # A date known to the day names that day in the passages its fact cites ("10 février 2025").
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre"]  # fmt: skip

    def named(day, passages):
        words = f"{day.day} {months[day.month - 1]}"
        return any(words in normalise(p.quote) or f"{day.day} et" in p.quote for p in passages)

    for commitment in Commitment.objects.filter(announced_precision=DatePrecision.DAY):
        passages = [
            *commitment.citations.all(),
            *Passage.objects.filter(cited_by_deadline__commitment=commitment),
        ]
        assert named(commitment.announced_on, passages), commitment.slug
    for deadline in Deadline.objects.filter(Q(due_on__isnull=False, due_precision=DatePrecision.DAY)):
        assert named(deadline.due_on, deadline.citations.all()), deadline
    for deadline in Deadline.objects.filter(done_on__isnull=False, done_precision=DatePrecision.DAY):
        assert named(deadline.done_on, deadline.citations.all()), deadline
    summit_days = Milestone.objects.get(slug="paris-summit-2025")
    assert (summit_days.starts_on, summit_days.date) == (
        datetime.date(2025, 2, 6),
        datetime.date(2025, 2, 11),
    )


def test_the_summit_facts_carry_over_exactly(summit):
    gpai = Target.objects.get(commitment__slug="gpai-membership-expansion")
    assert (gpai.baseline, gpai.target_value, gpai.milestone.slug) == (44, 60, "gpai-bratislava-2025")
    bratislava = Milestone.objects.get(slug="gpai-bratislava-2025")
    assert (bratislava.date, bratislava.date_precision) == (datetime.date(2025, 11, 30), DatePrecision.MONTH)
    g7 = Milestone.objects.get(slug="g7-summit-2026")
    assert (g7.date, g7.date_precision) == (datetime.date(2026, 12, 31), DatePrecision.YEAR)

    current_ai = Commitment.objects.get(slug="current-ai")
    assert current_ai.amounts.filter(amount=Decimal("400000000"), currency="EUR").exists()
    assert Commitment.objects.get(slug="human-control-weapons-declaration").stated_counts.get().count == 26
    coalition = {
        c.noun_en: c.count for c in StatedCount.objects.filter(commitment__slug="sustainable-ai-coalition")
    }
    assert sorted(coalition.values()) == [6, 13, 39, 96]
    assert Commitment.objects.get(slug="trustworthy-ai-at-work").deadlines.filter(milestone=g7).exists()
    with translation.override("en"):
        assert Commitment.objects.get(slug="roost").parent.slug == "current-ai"
    # What the pages read of them: the parent knows it has parts, each commitment which parts it has.
    assert current_ai.has_children and current_ai.has_amounts and not Commitment.objects.derived_drifted()


def test_a_passage_an_editor_pastes_is_stored_as_the_loader_stores_quotes(db):
    source = SourceDocument.objects.create(slug="doc", title="Document", file="000_3695b22376ebf171.txt")
    pasted = Passage(source=source, quote="des  44 pays\nmembres du **Partenariat mondial sur l'IA (PMIA)**")
    pasted.full_clean()
    assert pasted.quote == "des 44 pays membres du Partenariat mondial sur l'IA (PMIA)"
    assert pasted.position == position_in(pasted.quote, source.file) > 0
    with pytest.raises(ValidationError):
        Passage(source=source, quote="des 45 pays membres").full_clean()
