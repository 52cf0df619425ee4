"""
The list of commitments as a CSV file: the list page's filters and rows, streamed a chunk at a time so
that memory stays flat however many commitments match. Dates are ISO 8601 at their precision ("2025-11",
"2026"), the precision in the next column; text cells are neutralised for spreadsheets.
"""

import csv

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..addresses import on_site
from ..dates import iso_date, today
from ..fields import current_language
from ..models import Commitment
from ..models.querysets import in_batches, in_order
from ..spreadsheets import text_cell
from .views import filtered

HEADER = [
    "slug", "title", "axis", "kind", "nature", "status", "assessed_on", "assessed_precision",
    "announced_on", "announced_precision", "lead", "next_deadline_on", "next_deadline_precision",
    "days_overdue", "url",
]  # fmt: skip
CHUNK = 500


class Echo:
    """A file-like object that hands back what it is given, for csv.writer into a streamed response."""

    def write(self, value):
        return value


@require_safe
def commitment_csv(request):
    filterset, commitments = filtered(request)
    if commitments is None:
        return render(request, "tracker/commitment_list.html", {"filter": filterset}, status=400)
    language, on = current_language(), today()
    writer = csv.writer(Echo())

    def lines():
        yield writer.writerow(HEADER)
        # The list's order read as bare keys, a chunk at a time (the keys stream too); then each
        # chunk's rows as every list reads them (CommitmentQuerySet.as_rows).
        for chunk in in_batches(commitments.values_list("pk", flat=True), CHUNK):
            rows = in_order(Commitment.objects.as_rows(on), chunk)
            yield "".join(writer.writerow([text_cell(cell) for cell in _row(c, on)]) for c in rows)
            # A prefetched role points back to its commitment: a cycle, freed only when Python's cycle
            # collector runs, which let chunks pile up (25 MB for the 10,085 rows, against 3 MB a
            # chunk). Without the roles each chunk goes as soon as the next is read.
            for commitment in rows:
                del commitment.shown_roles

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="summit-commitments-{language}.csv"'
    return response


def _row(commitment, on) -> list:
    return [
        commitment.slug,
        commitment.title,  # in the active language, else the French (`Translated`)
        commitment.axis,
        commitment.kind,
        commitment.nature,
        commitment.status,
        iso_date(commitment.assessed_on, commitment.assessed_precision),
        commitment.assessed_precision if commitment.assessed_on else "",
        iso_date(commitment.announced_on, commitment.announced_precision),
        commitment.announced_precision,
        "; ".join(owner.display_name for owner in commitment.lead_owners()),
        iso_date(commitment.next_due_on, commitment.next_due_exactness),
        commitment.next_due_exactness or "",
        commitment.days_overdue(on),
        on_site(commitment.get_absolute_url()),
    ]
