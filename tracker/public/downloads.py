"""
Downloads and the page that describes them (/data/): the list of commitments as CSV (the list page's
filters and rows, streamed a chunk at a time so that memory stays flat however many commitments
match), the same for spreadsheet programs, and the whole public data as a data package (a ZIP of CSV
files and datapackage.json, tracker/datapackage/).

Dates are ISO 8601 at their precision ("2025-11", "2026"), the precision in the next column. The
list's text cells are neutralised for spreadsheets (tracker/spreadsheets.py); the package's are exact,
for programs. Each download carries a weak ETag of the data it holds, for the day (the page cache's
generation: tracker/cache.py), so that a client holding it is answered 304 without it being computed
again, and a `Link` header naming its licence.

The package is made once for each state of the public data and each language, inside one snapshot of
the database (its tables agree with one another), and kept in the cache: a client that downloads it
again and again, or many at once after a change, costs a cache read, not a read of every table.
"""

import contextlib
import csv
import datetime
import hashlib
import json
import zipfile
from itertools import islice

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import condition, require_safe

from .. import cache as page_cache
from ..addresses import on_site
from ..choices import AmountPeriod, Axis, CommitmentKind, Nature, Qualifier, Role, Status
from ..datapackage import CREDIT, LICENCE, NAME, dataset, descriptor
from ..datapackage.columns import Column, Table, at_precision
from ..datapackage.tables import TABLES
from ..dates import today
from ..fields import current_language
from ..headers import with_licence
from ..models import Amount, Commitment
from ..models.querysets import in_batches, in_order
from ..spreadsheets import text_cell
from .views import filtered

CHUNK = 500
# How long a made package is kept: a day at most, since the generation changes each day anyway.
PACKAGE_SECONDS = 24 * 60 * 60


def _names(role: str):
    """A commitment's owners in `role`, by name in the active language (from `with_roles()`)."""
    return lambda commitment: "; ".join(
        involvement.owner.display_name for involvement in commitment.shown_roles if involvement.role == role
    )


def _amount(amount, currency, qualifier, period) -> str:
    """An amount in words of the active language: "nearly 290000000 EUR in total over a period"."""
    whole = amount == amount.to_integral_value()
    words = [
        Qualifier(qualifier).label if qualifier != Qualifier.EXACT else "",
        f"{amount.quantize(1) if whole else amount} {currency}",
        AmountPeriod(period).label if period != AmountPeriod.ONE_OFF else "",
    ]
    return " ".join(str(word) for word in words if word)


def listed(name: str, description, get, **options) -> Column:
    """A column of the list, made of the row's commitment."""
    return Column(name, "string", description, ("commitment",), get, **options)


# The list of commitments as CSV. A row is {"commitment": one read by CommitmentQuerySet.as_rows(on),
# "on": that day, "amounts": its (amount, currency, qualifier, period), "sources": its source
# documents' slugs}; texts are in the language of the address. The columns added after the first
# version come last, so that a reader taking columns by position still reads what it did.
LIST = Table(
    "commitments-list",
    gettext_lazy("The list of commitments"),
    gettext_lazy(
        "The commitments of the list page, filtered as on the page (its address's filters), one a row, "
        "texts in the language of the address."
    ),
    (
        listed(
            "slug",
            gettext_lazy("Its stable identifier, also part of its address on the site."),
            lambda c: c.slug,
        ),
        listed("title", gettext_lazy("Its title."), lambda c: c.title),
        listed(
            "axis",
            gettext_lazy("The summit's axis or section it belongs to."),
            lambda c: c.axis,
            choices=Axis,
        ),
        listed("kind", gettext_lazy("What kind of action it is."), lambda c: c.kind, choices=CommitmentKind),
        listed("nature", gettext_lazy("What kind of promise it is."), lambda c: c.nature, choices=Nature),
        listed("status", gettext_lazy("Its status."), lambda c: c.status, choices=Status),
        *at_precision(
            "assessed_on",
            "assessed_precision",
            gettext_lazy("The status date: when its current status was assessed"),
            reads=("commitment",),
            of=lambda c: (c.assessed_on, c.assessed_precision),
        ),
        *at_precision(
            "announced_on",
            "announced_precision",
            gettext_lazy("When it was announced"),
            reads=("commitment",),
            of=lambda c: (c.announced_on, c.announced_precision),
        ),
        listed("lead", gettext_lazy("Its lead owners, by name, separated by “; ”."), _names(Role.LEAD)),
        *at_precision(
            "next_deadline_on",
            "next_deadline_precision",
            gettext_lazy("When its next open deliverable is due"),
            reads=("commitment",),
            of=lambda c: (c.next_due_on, c.next_due_exactness),
        ),
        Column(
            "days_overdue",
            "integer",
            gettext_lazy(
                "How many days its oldest overdue deliverable is late, counted from the last day of the "
                "period it is due in."
            ),
            ("commitment", "on"),
            lambda c, on: c.days_overdue(on),
        ),
        listed("url", gettext_lazy("Its page."), lambda c: on_site(c.get_absolute_url()), format="uri"),
        *(
            listed(
                role,
                format_lazy(
                    gettext_lazy("Its owners with the role “{role}”, by name, separated by “; ”."), role=label
                ),
                _names(role),
            )
            for role, label in Role.choices
            if role != Role.LEAD
        ),
        Column(
            "amounts",
            "string",
            gettext_lazy(
                "The sums of money it involves, separated by “; ” (each is a row of amounts.csv in the "
                "data package)."
            ),
            ("amounts",),
            lambda amounts: "; ".join(_amount(*amount) for amount in amounts),
        ),
        Column(
            "sources",
            "string",
            gettext_lazy("The source documents that announce it, by slug, separated by “; ”."),
            ("sources",),
            "; ".join,
        ),
    ),
    file="commitments.csv",
)


class Echo:
    """A file-like object that hands back what it is given, for csv.writer into a streamed response."""

    def write(self, value):
        return value


class Pipe:
    """
    A file zipfile writes to without seeking (it then follows each entry with its sizes): what was
    written is taken away a chunk at a time, so that the ZIP streams as it is made.
    """

    def __init__(self):
        self.written = []

    def write(self, data) -> int:
        self.written.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self) -> bytes:
        data, self.written = b"".join(self.written), []
        return data


def _etag(request, *args, **kwargs) -> str | None:
    """
    A weak ETag of what a download holds: the generation of the public data (which also changes each
    day: days overdue change with it), the address (its language and variant) and the list's filters.
    None when the cache does not answer: the download is then made, without an ETag.
    """
    current = page_cache.generation()
    if current is None:
        return None
    filters = sorted(
        (name, value)
        for name, values in request.GET.lists()
        if name in page_cache.reads().get(request.resolver_match.view_name, ())
        for value in values
    )
    digest = hashlib.sha256(repr((current, request.path, filters)).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def _last_modified(request, *args, **kwargs) -> datetime.datetime | None:
    current = page_cache.generation()
    return None if current is None else datetime.datetime.fromtimestamp(current / 1e9, tz=datetime.UTC)


conditional = condition(etag_func=_etag, last_modified_func=_last_modified)


@require_safe
@with_licence
@conditional
def commitment_csv(request):
    return _list_csv(request, "")


@require_safe
@with_licence
@conditional
def commitment_csv_excel(request):
    # Excel reads a CSV file in the computer's own encoding unless it starts with a byte order mark.
    return _list_csv(request, "\ufeff")


def _list_csv(request, mark: str):
    filterset, commitments = filtered(request)
    if commitments is None:
        return _bad_filters(filterset)
    language, on = current_language(), today()
    writer = csv.writer(Echo())

    def lines():
        with translation.override(language):
            yield mark + writer.writerow(LIST.header())
            # The list's order read as bare keys, a chunk at a time (the keys stream too); then each
            # chunk's rows as every list reads them (CommitmentQuerySet.as_rows), and their amounts and
            # sources as plain values.
            for chunk in in_batches(commitments.values_list("pk", flat=True), CHUNK):
                amounts, sources = _amounts(chunk), _sources(chunk)
                rows = [
                    {
                        "commitment": c,
                        "on": on,
                        "amounts": amounts.get(c.pk, []),
                        "sources": sources.get(c.pk, []),
                    }
                    for c in in_order(Commitment.objects.as_rows(on), chunk)
                ]
                yield "".join(writer.writerow([text_cell(cell) for cell in LIST.cells(row)]) for row in rows)
                # A prefetched role points back to its commitment: a cycle, freed only when Python's cycle
                # collector runs, which let chunks pile up (25 MB for the 10,085 rows, against 3 MB a
                # chunk). Without the roles each chunk goes as soon as the next is read.
                for row in rows:
                    del row["commitment"].shown_roles

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    variant = "-excel" if mark else ""
    response["Content-Disposition"] = f'attachment; filename="summit-commitments-{language}{variant}.csv"'
    return response


def _amounts(pks) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = {}
    amounts = Amount.objects.filter(commitment__in=pks).order_by("commitment", "-amount", "pk")
    for commitment, *amount in amounts.values_list("commitment", "amount", "currency", "qualifier", "period"):
        found.setdefault(commitment, []).append(amount)
    return found


def _sources(pks) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    links = Commitment.sources.through.objects.filter(commitment__in=pks).order_by("sourcedocument__slug")
    for commitment, slug in links.values_list("commitment", "sourcedocument__slug"):
        found.setdefault(commitment, []).append(slug)
    return found


def _bad_filters(filterset) -> HttpResponse:
    """Say what is wrong with the filters as a CSV file: a program reading CSV can read it too."""
    writer = csv.writer(Echo())
    errors = [(name, message) for name, messages in filterset.errors.items() for message in messages]
    lines = [
        writer.writerow([text_cell(cell) for cell in error]) for error in [("field", "message"), *errors]
    ]
    return HttpResponse("".join(lines), status=400, content_type="text/csv; charset=utf-8")


@require_safe
@with_licence
@conditional
def data_package(request):
    language = current_language()
    response = HttpResponse(_package(language), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{NAME}-{language}.zip"'
    return response


def _package(language: str) -> bytes:
    """
    The data package in `language`, made once for each generation of the public data; each time when
    the page cache is off (PAGE_CACHE=0) or does not answer.
    """
    current = page_cache.generation() if settings.TRACKER_PAGE_CACHE_SECONDS else None
    key = f"tracker:data-package:{current}:{language}"
    package = cache.get(key) if current is not None else None
    if package is None:
        with _snapshot():
            now = timezone.now()
            described = json.dumps(descriptor(now), ensure_ascii=False, indent=2)
            package = b"".join(_zipped(described, today(), now))
        if current is not None:
            cache.set(key, package, PACKAGE_SECONDS)
    return package


@contextlib.contextmanager
def _snapshot():
    """
    Read in one snapshot of the database: on PostgreSQL each statement otherwise sees the rows
    committed when it starts, and a publish between two tables' reads would leave an assessment
    pointing at an update the package lacks. Within a transaction already (as in tests), that one.
    SQLite, the development default, is left as it is: its transactions begin IMMEDIATE (summit/
    settings.py), which would hold every write for as long as the package takes to make.
    """
    if connection.in_atomic_block or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _zipped(package: str, on: datetime.date, now: datetime.datetime):
    """Yield the ZIP file, in a folder of its own: datapackage.json, then each table's CSV file."""

    def file(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(f"{NAME}/{name}", timezone.localtime(now).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16  # readable by all once unzipped, as a downloaded file is
        return info

    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w") as archive:
        archive.writestr(file("datapackage.json"), package)
        writer = csv.writer(Echo())
        for table in TABLES:
            with archive.open(file(table.path), "w") as entry:
                entry.write(writer.writerow(table.header()).encode())
                rows = table.read(on, CHUNK)
                while chunk := list(islice(rows, CHUNK)):
                    entry.write("".join(writer.writerow(map(_cell, row)) for row in chunk).encode())
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()


def _cell(value):
    """A value as a Table Schema reads it: booleans as true and false, nothing as an empty cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


@require_safe
def data(request):
    """The data dictionary: what each download holds, column by column, and how to credit it."""
    downloads = [
        (_("The data package: every table (ZIP)"), "application/zip", reverse("tracker:data_package")),
        (_("The list of commitments (CSV)"), "text/csv", reverse("tracker:commitment_csv")),
        (
            _("The list of commitments for spreadsheets (CSV)"),
            "text/csv",
            reverse("tracker:commitment_csv_excel"),
        ),
        (_("The REST API (JSON)"), "application/json", reverse("api:api-root")),
    ]
    described = dataset([(name, media_type, on_site(path)) for name, media_type, path in downloads])
    context = {
        "downloads": downloads,
        "list": LIST,
        "tables": TABLES,
        "licence": LICENCE,
        "credit": CREDIT,
        "package_name": NAME,
        "dataset": mark_safe(json.dumps(described, ensure_ascii=False).translate(SCRIPT_SAFE)),
        "api_docs": reverse("api:docs"),
        "site_url": settings.SITE_URL,
    }
    return render(request, "tracker/data.html", context)


# What json_script escapes (django.utils.html): JSON in a <script> element then never closes it early.
SCRIPT_SAFE = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
