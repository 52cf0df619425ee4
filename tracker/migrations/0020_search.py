"""
The search (tracker/search.py) on PostgreSQL: full-text search in French and in English, without
accents, and the indexes that find the matching rows without reading every text.

Made on PostgreSQL alone, in SQL (SQLite, the development default, registers Python functions of the
same names instead: tracker/search.py). The functions are written in SQL-standard form (`RETURN`,
PostgreSQL 14 and later): their bodies are parsed here, so that the configurations they name are
found whatever the search_path of a later session, a restore's empty one included.

- `unaccent`, a trusted extension: the database's owner may create it (docs/search.md).
- `tracker_french` and `tracker_english`: French and English stems of words without their accents,
  and no stop words, so that every word a visitor types stands for something to find ("de", "the").
- `tracker_search_text(texts…)`: texts of unknown language (owners' names, cited passages, updates)
  read as both French and English; `tracker_search_commitment(…)`: a commitment's own texts, each in
  its language, weighted for the rank (titles A, summaries B, details C, slug D);
  `tracker_search_query(word)`: a word read as French or as English.
- `search_document` on the updates' table: each update's text as `tracker_search_text` reads it, a
  column PostgreSQL works out and stores whenever the text changes (a generated column). A search
  narrowed by other filters reads the updates of each commitment they keep: on the benchmark's
  "2 filters + search" (243 commitments), 2 ms with the words stored, 34 ms worked out again from
  each text (docs/search.md, "What it costs"). Without their positions (`strip`), which nothing
  ranks nor quotes: 150 bytes an update on the benchmark's data rather than 227. The models do not
  declare it: SQLite has no such column, and Django never writes it.
- GIN indexes on that column and, for the other tables, on the very expressions the search's queries
  repeat word for word.
"""

from django.db import migrations

FUNCTIONS = [
    """
    CREATE FUNCTION tracker_search_text(VARIADIC texts text[]) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_tsvector('tracker_french'::regconfig, array_to_string(texts, ' '))
        || to_tsvector('tracker_english'::regconfig, array_to_string(texts, ' '))
    """,
    """
    CREATE FUNCTION tracker_search_commitment(
        title_fr text, title_en text, summary_fr text, summary_en text,
        details_fr text, details_en text, slug text
    ) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN setweight(to_tsvector('tracker_french'::regconfig, coalesce(title_fr, ''))
                     || to_tsvector('tracker_english'::regconfig, coalesce(title_en, '')), 'A')
        || setweight(to_tsvector('tracker_french'::regconfig, coalesce(summary_fr, ''))
                     || to_tsvector('tracker_english'::regconfig, coalesce(summary_en, '')), 'B')
        || setweight(to_tsvector('tracker_french'::regconfig, coalesce(details_fr, ''))
                     || to_tsvector('tracker_english'::regconfig, coalesce(details_en, '')), 'C')
        || setweight(to_tsvector('tracker_english'::regconfig, coalesce(slug, '')), 'D')
    """,
    """
    CREATE FUNCTION tracker_search_query(word text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN plainto_tsquery('tracker_french'::regconfig, word)
        || plainto_tsquery('tracker_english'::regconfig, word)
    """,
]

# The updates' texts as the search reads them, stored (see above). Generated columns: PostgreSQL 12.
DOCUMENT = (
    "ALTER TABLE tracker_progressupdate ADD COLUMN search_document tsvector "
    "GENERATED ALWAYS AS (strip(tracker_search_text(text))) STORED"
)

# (index, table, expression, condition): what each part of the search matches (tracker/search.py).
# The updates' is on published ones alone, as their other partial indexes: a common word is found in a
# quarter of the benchmark's 200,000 updates, which the index then gives without checking each one's
# state in another (45 ms against 76).
INDEXES = [
    (
        "commitment_search_idx",
        "tracker_commitment",
        "tracker_search_commitment(title_fr, title_en, summary_fr, summary_en, description_fr, "
        "description_en, slug)",
        "",
    ),
    (
        "owner_search_idx",
        "tracker_owner",
        "tracker_search_text(name, name_en, short_name, short_name_en)",
        "",
    ),
    ("passage_search_idx", "tracker_passage", "tracker_search_text(quote)", ""),
    ("update_search_idx", "tracker_progressupdate", "search_document", "WHERE state = 'published'"),
]

# Words of letters go through unaccent then the stemmer; words with digits in them ("D3lta") through
# unaccent then `simple` (lower case, as the copied configurations map them). Numbers, addresses and
# the like keep the copied mappings.
WORDS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"
WORDS_WITH_DIGITS = "numword, numhword, hword_numpart"


def create_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Left in place when the migration is reversed: other databases' objects may use it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for language in ("french", "english"):
        schema_editor.execute(
            f"CREATE TEXT SEARCH DICTIONARY tracker_{language}_stem "
            f"(TEMPLATE = pg_catalog.snowball, LANGUAGE = {language})"
        )
        schema_editor.execute(
            f"CREATE TEXT SEARCH CONFIGURATION tracker_{language} (COPY = pg_catalog.{language})"
        )
        schema_editor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION tracker_{language} "
            f"ALTER MAPPING FOR {WORDS} WITH unaccent, tracker_{language}_stem"
        )
        schema_editor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION tracker_{language} "
            f"ALTER MAPPING FOR {WORDS_WITH_DIGITS} WITH unaccent, simple"
        )
    for function in FUNCTIONS:
        schema_editor.execute(function)
    schema_editor.execute(DOCUMENT)
    for name, table, expression, condition in INDEXES:
        schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" USING gin (({expression})) {condition}')


def drop_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, *_ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    schema_editor.execute("ALTER TABLE tracker_progressupdate DROP COLUMN IF EXISTS search_document")
    for function in ("tracker_search_text", "tracker_search_commitment", "tracker_search_query"):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")
    for language in ("french", "english"):
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS tracker_{language}")
        schema_editor.execute(f"DROP TEXT SEARCH DICTIONARY IF EXISTS tracker_{language}_stem")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0019_api_tokens"),
    ]

    operations = [
        # Does nothing on other databases.
        migrations.RunPython(create_search, drop_search),
    ]
