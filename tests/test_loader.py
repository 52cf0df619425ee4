"""The summit's data: it loads completely, idempotently, in one transaction, and bad rows are named."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tracker.choices import Role, Status
from tracker.dates import DatePrecision
from tracker.loader import FixtureError, SummitLoader
from tracker.models import Commitment, Deadline, Involvement, Milestone, Owner, StatedCount, Target

pytestmark = pytest.mark.django_db

SMALL = """
[[source]]
slug = "doc"
title = "Document"

[[milestone]]
slug = "bratislava"
name_fr = "Bratislava"
name_en = "Bratislava"
date = "2025-11"

[[owner]]
slug = "gpai"
name = "Partenariat mondial sur l'IA"
kind = "coalition"

[[commitment]]
slug = "gpai-growth"
axis = "governance"
kind = "network"
status = "in_progress"
announced = "2025-02"
sources = ["doc"]
title_fr = "Élargir le PMIA"
title_en = "Grow GPAI"
summary_fr = "Résumé."
summary_en = "Summary."
owners = [{ owner = "gpai", role = "lead" }]
counts = [
  { role = "partner", count = 44, qualifier = "exact", noun_fr = "pays", noun_en = "member countries" },
]

[[commitment.targets]]
slug = "members"
name_fr = "Membres"
name_en = "Members"
baseline = 44
target = 60
qualifier = "about"
milestone = "bratislava"
readings = [{ date = "2025-02", value = 44 }]

[[commitment.deadlines]]
slug = "sixty-members"
title_fr = "Une soixantaine de membres"
title_en = "About sixty members"
milestone = "bratislava"
"""


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


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('axis = "governance"', 'axis = "everything"'), "axis"),
        (
            ('{ owner = "gpai", role = "lead" }', '{ owner = "nobody", role = "lead" }'),
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
    assert row_counts() == [0, 0, 0, 0, 0, 0]


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


def test_editors_changes_are_kept_unless_updating_and_status_is_never_reset(data_dir):
    SummitLoader(data_dir).load()
    Commitment.objects.filter(slug="gpai-growth").update(title_en="Edited", status=Status.ACHIEVED)
    SummitLoader(data_dir).load()
    assert Commitment.objects.values_list("title_en", "status").get() == ("Edited", Status.ACHIEVED)
    counts = SummitLoader(data_dir, update=True).load()
    assert counts["Commitment"]["updated"] == 1
    assert Commitment.objects.values_list("title_en", "status").get() == ("Grow GPAI", Status.ACHIEVED)


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
    (data_dir / "10-data.toml").write_text(SMALL.replace('role = "lead" }', 'role = "partner" }'))
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
        for field in ("title_fr", "title_en", "summary_fr", "summary_en", "axis", "kind", "status"):
            assert getattr(commitment, field).strip(), f"{commitment.slug} has no {field}"
        assert commitment.summary_fr != commitment.summary_en, f"{commitment.slug}: English copies French"
        assert commitment.involvements.all(), f"{commitment.slug} has no owner"
        assert commitment.sources.all(), f"{commitment.slug} has no source"
        assert commitment.status in (Status.NOT_ASSESSED, Status.IN_PROGRESS, Status.ACHIEVED)


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
