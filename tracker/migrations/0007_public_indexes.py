"""
Indexes for the public pages at scale (issue #7), each chosen from EXPLAIN on PostgreSQL; the models'
Meta says which query each serves.

The search (filters.CommitmentFilter.search) also matches words in owners' names: on PostgreSQL,
trigram indexes (pg_trgm) on the very expressions Django's `icontains` compares, UPPER(column::text),
find the owners without reading them all. They exist on PostgreSQL alone, so they are made here in SQL
rather than declared on the models (SQLite, the development default, keeps its plain scan).
"""

from django.db import migrations, models

# (index, table, expression) for the search's match on owners' names: GIN trigram indexes for
# `icontains`, a B-tree for the `iexact` match on short names. The titles and summaries have none: the
# search ORs them with the owners' EXISTS, which no index serves, and the other filters (status and
# axis, on their own index) narrow the rows first.
SEARCH_INDEXES = [
    ("owner_name_trgm", "tracker_owner", 'gin (UPPER("name"::text) gin_trgm_ops)'),
    ("owner_name_en_trgm", "tracker_owner", 'gin (UPPER("name_en"::text) gin_trgm_ops)'),
    ("owner_short_name_upper", "tracker_owner", 'btree (UPPER("short_name"::text))'),
]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Left in place when the migration is reversed: other indexes or databases may use it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in SEARCH_INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING {expression}')


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in SEARCH_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0006_editors_reminder_permissions"),
    ]

    operations = [
        # Does nothing on other databases.
        migrations.RunPython(create_search_indexes, drop_search_indexes),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["title_en", "id"], name="commitment_title_en_idx"),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["title_fr", "id"], name="commitment_title_fr_idx"),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["announced_on", "id"], name="commitment_announced_idx"),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(
                condition=models.Q(("is_public", True)), fields=["id"], name="commitment_public_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                condition=models.Q(("is_done", False)),
                fields=["commitment", "due_on", "milestone"],
                name="deadline_open_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                condition=models.Q(("is_done", False)), fields=["due_on"], name="deadline_open_due_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="progressupdate",
            index=models.Index(
                condition=models.Q(("state", "published")),
                fields=["-reported_on", "-created_at"],
                name="update_published_recent_idx",
            ),
        ),
    ]
