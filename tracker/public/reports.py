"""
Checkpoint reports (models/reports.py): their list, each report's page, and its PDF, CSV and JSON.

Everything a report shows comes from its frozen content (tracker/reports.py: `Shown`), so a page costs
the same few queries however many commitments it lists, and never changes with the live data. Its
corrections are read beside it. A draft is not found by the public; an editor previews it, computed
as of now, at the same address.
"""

import copy
import csv
import hashlib
import json

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_safe

from ..addresses import on_site
from ..choices import Status
from ..fields import current_language
from ..headers import DATA_LICENCE_URL, with_licence
from ..models import Report
from ..reports import Shown, freeze
from ..spreadsheets import text_cell
from .downloads import Echo

PUBLISHER = "Summit Tracker"
# A published report's PDF never changes but with a correction, which changes its key (Report.version).
PDF_SECONDS = 30 * 24 * 60 * 60


def _published(slug: str) -> Report:
    return get_object_or_404(Report.objects.published(), slug=slug)


def _etag(request, slug) -> str | None:
    """A download's ETag: the report, its corrections, and the address (its language and format)."""
    report = Report.objects.published().filter(slug=slug).first()
    if report is None:
        return None
    return f'W/"{hashlib.sha256(f"{report.version()} {request.path}".encode()).hexdigest()[:32]}"'


conditional = condition(etag_func=_etag)


@require_safe
def report_list(request):
    reports = Report.objects.published().only(
        "slug", "title_fr", "title_en", "cut_off", "published_on", "introduction_fr", "introduction_en"
    )
    return render(request, "tracker/report_list.html", {"reports": reports})


@require_safe
def report_detail(request, slug):
    report = get_object_or_404(Report.objects.select_related("milestone"), slug=slug)
    if report.is_published():
        content = report.content
    elif request.user.has_perm("tracker.view_report"):
        content = freeze(report)  # a preview, as of now: nothing is stored
    else:
        raise Http404(_("There is no such report."))
    return render(request, "tracker/report_detail.html", _context(request, report, content))


def _context(request, report: Report, content: dict) -> dict:
    shown = Shown(content)
    address = on_site(reverse("tracker:report_detail", args=[report.slug]))
    return {
        "report": report,
        "shown": shown,
        "rows": shown.rows(),
        "corrections": list(report.corrections.all()) if report.is_published() else [],
        "address": address,
        "publisher": PUBLISHER,
        "bibtex": bibtex(report, address),
    }


def bibtex(report: Report, address: str) -> str:
    """Return a BibTeX entry citing `report` at `address` (a draft is cited as of today's preview)."""
    published = report.published_on
    fields = {
        "title": _unbraced(report.title),
        "author": f"{{{PUBLISHER}}}",  # braced: a body, not a person's first and last names
        "year": str(published.year) if published else "",
        "month": f"{published.month}" if published else "",
        "url": address,
        "note": _("Verdicts as of %(day)s") % {"day": report.cut_off.isoformat()},
    }
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@misc{{summit-tracker-{report.slug},\n{body}\n}}"


def _unbraced(text: str) -> str:
    # A brace in a title would end BibTeX's field early.
    return text.replace("{", "").replace("}", "")


@require_safe
@with_licence
@conditional
def report_json(request, slug):
    report = _published(slug)
    data = {
        "slug": report.slug,
        "url": on_site(reverse("tracker:report_detail", args=[report.slug])),
        "title_fr": report.title_fr,
        "title_en": report.title_en,
        "introduction_fr": report.introduction_fr,
        "introduction_en": report.introduction_en,
        "cut_off": report.cut_off.isoformat(),
        "published_on": report.published_on.isoformat(),
        "publisher": PUBLISHER,
        "licence": DATA_LICENCE_URL,
        "content": report.content,
        "corrections": [
            {"made_on": c.made_on.isoformat(), "text_fr": c.text_fr, "text_en": c.text_en}
            for c in report.corrections.all()
        ],
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{report.slug}.json"'
    return response


CSV_HEADER = [
    "slug", "title", "axis", "nature", "status", "status_label", "score", "assessed_on",
    "assessed_precision", "lead_owners", "evidence", "rationale", "url",
]  # fmt: skip


@require_safe
@with_licence
@conditional
def report_csv(request, slug):
    """One row a commitment; its verdict's date in ISO 8601 at its precision ("2025-11"), then that."""
    report = _published(slug)
    writer = csv.writer(Echo())
    commitment_url = on_site(reverse("tracker:commitment_detail", args=["slug-placeholder"]))
    lines = [writer.writerow(CSV_HEADER)]
    for row in Shown(report.content).rows():
        evidence = [proof.url if "url" in proof.__dict__ else proof.quote for proof in row.proofs]
        cells = [
            row.slug,
            row.title,
            row.axis,
            row.nature,
            row.status,
            Status(row.status).label,
            "" if row.score is None else row.score,
            row.assessed_iso,
            row.assessed_precision or "",
            "; ".join(row.leads),
            " | ".join(evidence),
            row.rationale,
            commitment_url.replace("slug-placeholder", row.slug),
        ]
        lines.append(writer.writerow([text_cell(cell) for cell in cells]))
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.slug}-{current_language()}.csv"'
    return response


@require_safe
@with_licence
@conditional
def report_pdf(request, slug):
    """The report's page, printed (printing.py), made once for each version and language and kept."""
    report = _published(slug)
    key = f"tracker:report-pdf:{report.version()}:{current_language()}"
    pdf = cache.get(key)
    if pdf is None:
        from .printing import to_pdf  # WeasyPrint loads Pango: only in the processes that print

        # Printed as anybody reads it, once for everyone: without the signed-in reader's header, nor
        # their pending messages (which printing would use up).
        anybody = copy.copy(request)
        anybody.user, anybody._messages = AnonymousUser(), []
        context = {**_context(anybody, report, report.content), "printing": True}
        html = render_to_string("tracker/report_detail.html", context, anybody)
        pdf = to_pdf(html)
        cache.set(key, pdf, PDF_SECONDS)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.slug}-{current_language()}.pdf"'
    return response
