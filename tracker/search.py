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

The design: each word is one condition, an OR of "the commitment is among those whose own texts,
owners, passages or updates hold this word", each an uncorrelated subquery; the words' conditions are
ANDed. One query, whatever the number of rows. On PostgreSQL every such subquery is answered by a GIN
index on the very expression it compares (migration 0020), and the rank is computed for the
commitments found alone: a word most commitments hold costs a rank for each (docs/search.md has the
figures). The same SQL runs on both databases: only what the functions named in it compute differs,
and how a text is matched and ranked (`Matches`, `Rank`). A stored search document would have had to
be kept up to date by every write to owners, citations and updates; the indexes are kept by PostgreSQL.
"""

import re
import unicodedata

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import BooleanField, F, FloatField, Func, Q, TextField, Value

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


class Text(Func):
    """Texts of any language as the search reads them: `tracker_search_text`."""

    function = "tracker_search_text"
    output_field = TextField()  # a tsvector on PostgreSQL, folded text on SQLite; never read back


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
    """True when a text (`Text`, `CommitmentText`) holds a `Word`."""

    output_field = BooleanField()
    template = "INSTR(%(expressions)s) > 0"

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" @@ ")


class Rank(Func):
    """How relevant a commitment's own texts are to any of the words (PostgreSQL's ts_rank)."""

    output_field = FloatField()

    def __init__(self, terms: list[str]):
        any_word = Func(*map(Word, terms), template="(%(expressions)s)", arg_joiner=" || ")
        super().__init__(CommitmentText(), any_word, function="ts_rank")

    def as_sql(self, compiler, connection, **extra_context):
        # No ranking elsewhere: every commitment found ranks the same, and the order is by title.
        return compiler.compile(Value(0.0))

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, **extra_context)


def search(queryset, text: str):
    """
    Return the commitments of `queryset` that match every word of `text`, with `search_rank` (an
    alias, for `order_by`): on PostgreSQL how relevant each is, elsewhere 0.
    """
    terms = words(text)
    if not terms:
        return queryset.alias(search_rank=Value(0.0))
    register_functions(connections[queryset.db])
    for term in terms:
        queryset = queryset.filter(_found(queryset.model, Word(term)))
    return queryset.alias(search_rank=Rank(terms))


def relevance() -> list:
    """The order of a search's results: the most relevant first (`search_rank`)."""
    return [F("search_rank").desc()]


def _found(commitment_model, word: Word) -> Q:
    """Return the condition that `word` is among the texts of the commitment (its own or related)."""
    from .models import Involvement, Owner, Passage, ProgressUpdate

    own = commitment_model.objects.filter(Matches(CommitmentText(), word)).values("pk")
    named = Owner.objects.filter(Matches(Text("name", "name_en", "short_name", "short_name_en"), word))
    owners = Involvement.objects.filter(owner__in=named).values("commitment_id")
    passages = Passage.objects.filter(Matches(Text("quote"), word))
    updates = ProgressUpdate.objects.published().filter(Matches(Text("text"), word)).values("commitment_id")
    condition = Q(pk__in=own) | Q(pk__in=owners) | Q(pk__in=updates)
    for citing in _citing(commitment_model, passages):
        condition |= Q(pk__in=citing)
    return condition


def _citing(commitment_model, passages) -> list:
    """
    Return the commitments that cite one of `passages`, or whose facts or assessments do, as subqueries
    of their keys, a kind of fact each: the kinds tracker/citations.py `citing()` reads.
    """
    from .models import Amount, AssessmentEvidence, Deadline, Involvement, StatedCount, Target

    through = commitment_model.citations.through
    found = [through.objects.filter(passage__in=passages).values("commitment_id")]
    for model in (Involvement, StatedCount, Amount, Deadline, Target):
        links = model.citations.through.objects.filter(passage__in=passages)
        found.append(links.values(f"{model._meta.model_name}__commitment_id"))
    found.append(AssessmentEvidence.objects.filter(passage__in=passages).values("assessment__commitment_id"))
    return found


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
