"""
The public data as a Frictionless Data Package (v1): a CSV file per table and `datapackage.json`,
which describes each with a Table Schema. One declaration per table (tables.py) gives its query, its
CSV columns, its schema and the data dictionary page (/data/), so that what a column means is
written once; the list of commitments as CSV is declared the same way (public/downloads.py).

The tables are the same in both languages: texts come in both (`title_fr`, `title_en`) and
vocabularies as codes. Only the descriptions in datapackage.json follow the address's language.
Texts are exactly as stored: a spreadsheet's formula escaping (tracker/spreadsheets.py) would change
the data a program reads; the list's CSV, made for spreadsheets, has it.
"""

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from ..addresses import on_site
from ..dates import iso_date
from ..headers import DATA_LICENCE_URL
from ..models import Commitment, Deadline, SourceDocument
from .tables import TABLES

# The package's name, the folder its files unzip into; and the version of its tables: raised when a
# column is added (the minor number) or removed or changed (the major one), so that code can tell.
NAME = "summit-tracker"
VERSION = "1.0.0"
LICENCE = {
    "name": "CC-BY-4.0",
    "path": DATA_LICENCE_URL,
    "title": "Creative Commons Attribution 4.0 International",
}
PUBLISHER = "Summit Tracker"
CREDIT = "Summit Tracker, CC BY 4.0"


def descriptor(created: datetime.datetime) -> dict:
    """Return datapackage.json, its titles and descriptions in the active language."""
    return {
        "profile": "tabular-data-package",
        "name": NAME,
        "title": _("Summit Tracker: the commitments of the Paris AI Action Summit"),
        "description": _description(),
        "homepage": on_site(reverse("tracker:data")),
        "version": VERSION,
        "created": created.isoformat(timespec="seconds"),
        "licenses": [LICENCE],
        "contributors": [{"title": PUBLISHER, "role": "publisher", "path": on_site(reverse("tracker:home"))}],
        "sources": [
            {"title": source.title, **({"path": source.url} if source.url else {})}
            for source in SourceDocument.objects.order_by("-is_reference", "title")
        ],
        "resources": [table.resource() for table in TABLES],
    }


def dataset(downloads: list[tuple[str, str, str]]) -> dict:
    """
    Return the schema.org Dataset that the data page describes itself with (JSON-LD), with the
    `downloads` it offers as (name, media type, absolute address): only what the site holds.
    """
    publisher = _organisation(PUBLISHER, on_site(reverse("tracker:home")))
    described = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": _("Summit Tracker: the commitments of the Paris AI Action Summit"),
        "description": _description(),
        "url": on_site(reverse("tracker:data")),
        "license": LICENCE["path"],
        "isAccessibleForFree": True,
        "creditText": CREDIT,
        "creator": publisher,
        "publisher": publisher,
        "inLanguage": ["fr", "en"],
        "version": VERSION,
        "isBasedOn": [
            {
                "@type": "CreativeWork",
                "name": source.title,
                **({"url": source.url} if source.url else {}),
                **(
                    {"publisher": {"@type": "Organization", "name": source.publisher}}
                    if source.publisher
                    else {}
                ),
            }
            for source in SourceDocument.objects.order_by("-is_reference", "title")
        ],
        "distribution": [
            {"@type": "DataDownload", "name": name, "encodingFormat": media_type, "contentUrl": address}
            for name, media_type, address in downloads
        ],
    }
    if coverage := temporal_coverage():
        described["temporalCoverage"] = coverage
    return described


def temporal_coverage() -> str:
    """
    Return the period the data spans, as an ISO 8601 interval at the precision of its ends: from the
    first announcement to the last date a deliverable is due ("2025-02/2030"); "" without commitments.
    """
    first = (
        Commitment.objects.public()
        .order_by("announced_on")
        .values_list("announced_on", "announced_precision")
    ).first()
    if first is None:
        return ""
    last = (
        Deadline.objects.public().with_due_date().order_by("-due").values_list("due", "due_exactness").first()
    )
    return f"{iso_date(*first)}/{iso_date(*last)}" if last else f"{iso_date(*first)}/.."


def _organisation(name: str, address: str = "") -> dict:
    return {"@type": "Organization", "name": name, **({"url": address} if address else {})}


def _description() -> str:
    return _(
        "The actions and commitments announced at the AI Action Summit (Paris, February 2025): who "
        "stands behind each, what they promised, by when, the money and targets, their deadlines, the "
        "dated assessments of whether they were kept and the evidence, each fact with the passage of "
        "the source documents it comes from."
    )
