"""
The search of commitments: what a visitor types in the header's box, or sends as `q` (or `search`)
to the list, its CSV and the API (filters.CommitmentFilter, by way of CommitmentQuerySet.search).

The text is cut into words (runs of letters and digits). A commitment matches when every word is
found somewhere among its texts, not necessarily all in the same one:

- its own: titles, summaries and details, in French and in English, and its slug;
- the names and short names of its owners, in both languages;
- the passages of the source documents that it, its facts (owners' roles, stated numbers, amounts,
  deadlines, targets) and its assessments cite: where the documents spell a name their own way
  ("Pleais", "D3Ita"), the passage finds the commitment;
- the texts of its published updates (never one waiting for review or rejected; nor a retracted
  one, whose page shows it withdrawn: its words no longer say what became of the commitment).

On PostgreSQL it is full-text search: each text is read as words without their accents, reduced to
their stems in French and in English (migration 0020), so that "democratie" finds "démocratie" and
"weapon" finds "weapons". The commitments come by relevance (`search_rank`): how often and where the
words appear in their own texts, titles first, then summaries, then details; a commitment found
through its owners, passages or updates alone comes after those, by title.

On SQLite (the development default) it is slower and plainer: each word must appear, without regard
to case or accents, inside one of the texts (Python functions registered on each connection); the
order stays by title.

The design: each word is one condition, an OR of "the commitment's own texts, its owners, its
passages or its updates hold this word"; the words' conditions are ANDed. One query, whatever the
number of rows. On PostgreSQL each part is read from an index (migration 0020), and what costs is
the common word: a quarter of the benchmark's 200,000 updates hold "data". So:

- Commitments, owners and passages are small tables: the rows whose texts hold the word are found by
  GIN indexes on the very expressions the query compares, as one set each (`pk IN (…)`), which
  PostgreSQL reads once and hashes (the 1,702 of 10,000 commitments that hold "data": under 1 ms).
- The updates are a correlated `EXISTS`, so that PostgreSQL may answer it either way and picks the
  cheaper by its estimates: the set of every update that holds the word, read once from its index
  (right for a rare word, or for a list no other filter narrows; 53,523 updates for "data", some
  20 ms, and the list asks twice, its count and its page), or, for each commitment the other filters
  keep, its published updates by their index on the commitment until one holds the word (a few
  microseconds a commitment). That second way compares each update's words stored with it
  (`search_document`, a column PostgreSQL generates from the text, migration 0020): working them out
  again from the text costs some 18 µs an update: more, in all, than the first way.
- The rank (ts_rank of the commitment's own texts, which it works out again: some 50 µs a
  commitment) is computed only for the commitments whose own texts hold a word, found by their
  index; any other ranks 0, as ts_rank would rank it.

The condition's SQL is written once a process (`_found_sql`): built through the ORM, its dozen
subqueries a word cost some 7 ms of Python a page, as much as PostgreSQL spent. The word is written
into it rather than bound, so that the plan PostgreSQL keeps for a statement run again and again is
made for that word, not for "any word" (which reads every update that holds it).

docs/search.md has the figures. The commitments' own words are not stored: a column generated from
the titles would forbid a later migration to change their type (a longer `max_length`). Nor is one
search document a commitment, which every write to owners, citations and updates would have to keep
up to date.
"""

import functools
import re
import unicodedata

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import BooleanField, Case, Expression, F, FloatField, Func, TextField, Value, When

from .choices import PublicationState

# Runs of letters and digits: the words a search looks for (punctuation alone finds nothing).
WORD = re.compile(r"[^\W_]+")
# Each word is a condition of some ten subqueries: a long paste or a hostile text stays a query
# PostgreSQL plans at once. The form's field bounds the text to 200 characters.
MOST_WORDS = 12
# Letters that Unicode does not decompose into a base letter and an accent.
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def fold(text: str | None) -> str:
    """Return `text` without accents and case, as the search compares texts on SQLite."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """Return the words of `text` a search looks for, each once (by `fold`), at most MOST_WORDS."""
    found: dict[str, str] = {}
    for word in WORD.findall(text):
        found.setdefault(fold(word), word)
    return list(found.values())[:MOST_WORDS]


class CommitmentText(Func):
    """A commitment's own texts, weighted on PostgreSQL for the rank: `tracker_search_commitment`."""

    function = "tracker_search_commitment"
    output_field = TextField()

    def __init__(self):
        super().__init__(
            "title_fr", "title_en", "summary_fr", "summary_en", "description_fr", "description_en", "slug"
        )


class Word(Func):
    """A word as the search looks for it: `tracker_search_query` (a tsquery, or the folded word)."""

    function = "tracker_search_query"
    output_field = TextField()

    def __init__(self, word: str):
        super().__init__(Value(word))


class Matches(Func):
    """True when a commitment's texts (`CommitmentText`) hold a `Word`."""

    output_field = BooleanField()
    template = "INSTR(%(expressions)s) > 0"

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" @@ ")


class Rank(Func):
    """How relevant a commitment's own texts are to any of the words (PostgreSQL alone: ts_rank)."""

    output_field = FloatField()

    function = "ts_rank"

    def __init__(self, terms: list[str]):
        super().__init__(CommitmentText(), _any(terms))


def _any(terms: list[str]) -> Func:
    """Any of the words (PostgreSQL: the tsqueries ORed)."""
    return Func(*map(Word, terms), template="(%(expressions)s)", arg_joiner=" || ")


def search(queryset, text: str):
    """
    Return the commitments of `queryset` that match every word of `text`, with `search_rank` (an
    alias, for `order_by`): on PostgreSQL how relevant each is, elsewhere 0.
    """
    terms = words(text)
    if not terms:
        return queryset.alias(search_rank=Value(0.0))
    connection = connections[queryset.db]
    register_functions(connection)
    for term in terms:
        queryset = queryset.filter(Found(term))
    if connection.vendor != "postgresql":
        return queryset.alias(search_rank=Value(0.0))
    # Ranked only where the commitment's own texts hold a word (their index tells which): elsewhere the
    # rank is 0 anyway, and working out a commitment's words again to rank it is what costs.
    own = queryset.model.objects.filter(Matches(CommitmentText(), _any(terms))).values("pk")
    return queryset.alias(search_rank=Case(When(pk__in=own, then=Rank(terms)), default=Value(0.0)))


def relevance() -> list:
    """The order of a search's results: the most relevant first (`search_rank`)."""
    return [F("search_rank").desc()]


class Found(Expression):
    """True when a word is among a commitment's texts, its own or related: the SQL of `_found_sql`."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, word: str, pk=None):
        super().__init__()
        self.word = word
        self.pk = F("pk") if pk is None else pk

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, expressions):
        (self.pk,) = expressions

    def as_sql(self, compiler, connection):
        # The word written into the SQL, not bound: PostgreSQL keeps the plan of a statement it has run
        # a few times, and a plan made for "any word" reads every update that holds it, 53,523 for
        # "data" (the module's docstring). A word is letters and digits alone (`words`), never a quote.
        if not WORD.fullmatch(self.word):
            raise ValueError(f"Not a word: {self.word!r}")
        pk, params = compiler.compile(self.pk)
        return _found_sql(connection.vendor).format(pk=pk, word=f"'{self.word}'"), params


@functools.cache
def _found_sql(vendor: str) -> str:
    """
    Return the SQL of `Found` for a commitment's key `{pk}` and a `{word}`. Written once a process
    rather than built by the ORM a search: its dozen subqueries a word cost more to build and compile
    than PostgreSQL spends answering them.
    """
    from .models import (
        Amount,
        Assessment,
        AssessmentEvidence,
        Commitment,
        Deadline,
        Involvement,
        Owner,
        Passage,
        ProgressUpdate,
        StatedCount,
        Target,
    )

    def table(model) -> str:
        return f'"{model._meta.db_table}"'

    def column(model, name: str) -> str:
        return f'"{model._meta.get_field(name).column}"'

    def holds(document: str) -> str:
        if vendor == "postgresql":
            return f"({document} @@ tracker_search_query({{word}}))"
        return f"INSTR({document}, tracker_search_query({{word}})) > 0"

    texts = ("title_fr", "title_en", "summary_fr", "summary_en", "description_fr", "description_en", "slug")
    own = ", ".join(f"c.{column(Commitment, name)}" for name in texts)
    names = ", ".join(column(Owner, name) for name in ("name", "name_en", "short_name", "short_name_en"))
    # On PostgreSQL the updates' words are stored (migration 0020); elsewhere read from the text.
    text = column(ProgressUpdate, "text")
    update_words = "u.search_document" if vendor == "postgresql" else f"tracker_search_text(u.{text})"
    quote = column(Passage, "quote")
    passages = f"(SELECT id FROM {table(Passage)} WHERE {holds(f'tracker_search_text({quote})')})"
    # The commitments that cite a passage, or whose facts or assessments do: the kinds
    # tracker/citations.py `citing()` reads.
    through = Commitment.citations.through
    citing = [
        f"SELECT {column(through, 'commitment')} FROM {table(through)} "
        f"WHERE {column(through, 'passage')} IN {passages}"
    ]
    for model in (Involvement, StatedCount, Amount, Deadline, Target):
        through = model.citations.through
        citing.append(
            f"SELECT f.{column(model, 'commitment')} FROM {table(through)} x "
            f"JOIN {table(model)} f ON f.id = x.{column(through, model._meta.model_name)} "
            f"WHERE x.{column(through, 'passage')} IN {passages}"
        )
    citing.append(
        f"SELECT a.{column(Assessment, 'commitment')} FROM {table(AssessmentEvidence)} x "
        f"JOIN {table(Assessment)} a ON a.id = x.{column(AssessmentEvidence, 'assessment')} "
        f"WHERE x.{column(AssessmentEvidence, 'passage')} IN {passages}"
    )
    # The small tables as sets of keys (IN), the updates correlated (EXISTS): the module's docstring.
    updates = column(ProgressUpdate, "commitment")
    state = column(ProgressUpdate, "state")
    parts = [
        f"{{pk}} IN (SELECT c.id FROM {table(Commitment)} c "
        f"WHERE {holds(f'tracker_search_commitment({own})')})",
        f"{{pk}} IN (SELECT r.{column(Involvement, 'commitment')} FROM {table(Involvement)} r "
        f"WHERE r.{column(Involvement, 'owner')} IN "
        f"(SELECT id FROM {table(Owner)} WHERE {holds(f'tracker_search_text({names})')}))",
        f"EXISTS (SELECT 1 FROM {table(ProgressUpdate)} u WHERE u.{updates} = {{pk}} "
        f"AND u.{state} = '{PublicationState.PUBLISHED}' AND {holds(update_words)})",
        f"{{pk}} IN ({' UNION ALL '.join(citing)})",
    ]
    return "(" + " OR ".join(parts) + ")"


# SQLite: what the functions that migration 0020 makes on PostgreSQL stand for, as plain text to find a
# word in (`Matches`), without accents and case.


def _folded(*texts) -> str:
    return fold(" ".join(text for text in texts if text))


def register_functions(connection, **kwargs) -> None:
    """Give an SQLite connection the search's functions (on connection_created, and before a search)."""
    if connection.vendor != "sqlite":
        return
    connection.ensure_connection()
    sqlite = connection.connection
    sqlite.create_function("tracker_search_text", -1, _folded, deterministic=True)
    sqlite.create_function("tracker_search_commitment", 7, _folded, deterministic=True)
    sqlite.create_function("tracker_search_query", 1, fold, deterministic=True)


connection_created.connect(register_functions, dispatch_uid="tracker.search.register_functions")
