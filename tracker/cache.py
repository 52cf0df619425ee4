"""
The page cache: public pages, feeds and API answers as an anonymous visitor gets them, kept in Django's
cache (a Redis of its own in production, docs/deployment.md) and served without touching the database.

An entry's key is made of its address (host, path, language; under /api/ also whether HTML or JSON was
asked for) and of the query parameters its view reads, declared by URL name in `reads()`. The others
are dropped before the view runs, so `?utm_source=…` shares the entry; an address not declared is never
cached.

Every key also carries the *generation*: one number in the cache, the time of the last change the public
can see (`PUBLIC`: a publish, a public decision, an editor's edit of public data), which every process
reads. Such a change starts a new generation once its transaction commits, so the next request on any
machine is computed afresh and the old entries expire unread. A submitted or rejected update, a
follow-up note or a reminder leaves the cache alone. The generation is also each answer's
Last-Modified, for If-Modified-Since, beside the ETag stored with the page.

Writes that bypass model signals (QuerySet.update(), bulk_create(), SQL by hand) must call `bump()`;
the entries' lifetime (TRACKER_PAGE_CACHE_SECONDS) bounds what a forgotten call can cost.

Each process also keeps what it last read: the generation, for TRACKER_PAGE_GENERATION_SECONDS, and
the entries it served, in a cache of its own memory (the `pages` alias, Django's LocMemCache, bounded
in entries). A warm page then costs no round trip to Redis: two of them halved the warm pages'
throughput (docs/performance.md). A change made in this process shows at once; one made in another
process, within those seconds.
"""

import datetime
import functools
import hashlib
import time
from urllib.parse import urlencode

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, set_response_etag
from django.utils.http import http_date

from .choices import DecisionKind, PublicationState
from .dates import today
from .languages import FOREIGN_FALLBACK, foreign_browser
from .models import (
    Amount,
    Assessment,
    AssessmentEvidence,
    Commitment,
    Deadline,
    Decision,
    Evidence,
    Involvement,
    Milestone,
    Owner,
    Passage,
    ProgressUpdate,
    Reading,
    Report,
    ReportCorrection,
    ReportedReading,
    SignatoryAssessment,
    SourceDocument,
    StatedCount,
    Target,
)

GENERATION_KEY = "pages:generation"
# Part of every entry's key, changed with what an entry holds: a release never reads an entry an
# earlier one stored.
LAYOUT = 3
# The request headers an answer may depend on besides its key; an answer that varies on another one is
# not stored. Cookie is allowed because only requests without cookies (but the language's) are cached.
VARY_ALLOWED = {"accept", "accept-language", "cookie"}


@functools.cache
def reads() -> dict[str, frozenset[str]]:
    """
    Return the query parameters each cached view reads, by URL name. A view not named here is never
    cached: the admin, /health/, sign-in, the workspaces, the opt-out links.
    """
    # Imported here: the API's views import much of the project, which is not ready when apps.py
    # imports this module.
    from .api.views import DeadlineViewSet, DecisionViewSet, OwnerViewSet
    from .filters import CommitmentFilter, OwnerFilter

    # `search` too: the FilterSet reads it as `q` (filters.CommitmentFilter.__init__).
    commitment_filters = set(CommitmentFilter.base_filters) | {"search"}
    page = {"page"}
    # Every API answer reads ?format= (DRF) and ?lang= (LanguageMixin); a list also its page, its size
    # and ?ordering= (OrderingFilter reads it on every list). Two lists search: the commitments' (its
    # FilterSet) and the owners' (SearchFilter).
    api = {"format", "lang"}
    api_list = api | {"page", "page_size", "ordering"}
    declared = {
        "tracker:home": set(),
        "tracker:commitment_list": commitment_filters | {"page", "page_size"},
        # Streamed, so never stored; declared for its Last-Modified.
        "tracker:commitment_csv": commitment_filters,
        "tracker:commitment_csv_excel": commitment_filters,
        "tracker:data": set(),
        "tracker:commitment_detail": set(),
        "tracker:commitment_updates": page,
        "tracker:update_detail": set(),
        "tracker:owner_list": set(OwnerFilter.base_filters) | page,
        "tracker:owner_detail": page,
        "tracker:milestone_list": set(),
        "tracker:milestone_detail": set(),
        "tracker:source_list": set(),
        "tracker:source_detail": set(),
        "tracker:overdue": page,
        "tracker:corrections": page,
        "tracker:about": set(),
        "tracker:feed_updates": set(),
        "tracker:feed_commitment": set(),
        "tracker:feed_owner": set(),
        "tracker:feed_corrections": set(),
        "tracker:calendar": set(),
        "tracker:badge_commitment": set(),
        "tracker:badge_owner": set(),
        "tracker:embed_scorecard": set(),
        "tracker:embed_milestone": set(),
        "tracker:embed_axis": set(),
        # A published report changes only with a correction (PUBLIC); its PDF has a cache of its own.
        "tracker:report_list": set(),
        "tracker:report_detail": set(),
        "tracker:report_csv": set(),
        "tracker:report_json": set(),
        "sitemap": set(),
        "sitemap_section": {"p"},  # Django's sitemap view pages with ?p=
        "api:api-root": {"format"},
        "api:commitment-list": api_list | commitment_filters,
        "api:commitment-detail": api,
        "api:owner-list": api_list | set(OwnerViewSet.filterset_fields) | {"search"},
        "api:owner-detail": api,
        "api:milestone-list": api_list,
        "api:milestone-detail": api,
        "api:deadline-list": api_list | set(DeadlineViewSet.filterset_fields) | {"cursor"},
        "api:deadline-detail": api,
        "api:target-list": api_list,
        "api:target-detail": api,
        "api:reading-list": api_list | {"cursor", "target"},
        "api:reading-detail": api,
        # Pages by position (api/pagination.py: NewestFirst); one commitment's (filters.UpdateFilter).
        "api:update-list": api_list | {"cursor", "commitment"},
        "api:update-detail": api,
        "api:decision-list": api_list | set(DecisionViewSet.filterset_fields),
        "api:decision-detail": api,
        "api:source-list": {"format"},  # no pages, no filters, no ?lang
        "api:source-detail": {"format"},
    }
    return {name: frozenset(parameters) for name, parameters in declared.items()}


def generation() -> int | None:
    """
    Return the current generation: nanoseconds since the epoch of the last public change, or of today's
    midnight when later. Start one when the cache has none; None when the cache does not answer (pages
    are then computed, and not stored). Read again from the shared cache once this process's copy is
    TRACKER_PAGE_GENERATION_SECONDS old.
    """
    stored = _local().get(GENERATION_KEY)
    if stored is None:
        stored = cache.get(GENERATION_KEY)
        if stored is None:
            # A new or emptied cache: start from now; add() keeps a concurrent process's value if it won.
            cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
            stored = cache.get(GENERATION_KEY)
        if stored is None:
            return None
        _remember(GENERATION_KEY, stored, settings.TRACKER_PAGE_GENERATION_SECONDS)
    # Pages also change with the day (days overdue, what is due soon, the calendar's window): each day
    # starts a generation, so no page of yesterday is served, nor answered 304, today.
    midnight = timezone.make_aware(datetime.datetime.combine(today(), datetime.time()))
    return max(stored, int(midnight.timestamp()) * 10**9)


def bump() -> None:
    """Start a new generation: every page cached before is computed again at its next request."""
    # Later than the one it follows even when this machine's clock is behind the one that stored it:
    # Last-Modified must never go back, or a client could be answered 304 for a changed page.
    stored = cache.get(GENERATION_KEY) or 0
    current = max(time.time_ns(), stored + 1)
    cache.set(GENERATION_KEY, current, timeout=None)
    _remember(GENERATION_KEY, current, settings.TRACKER_PAGE_GENERATION_SECONDS)


def _local():
    """This process's cache (settings.CACHES["pages"], in its memory)."""
    return caches["pages"]


def _remember(key: str, value, seconds: int, version: int | None = None) -> None:
    if seconds:
        _local().set(key, value, seconds, version=version)


class AnonymousPageCacheMiddleware:
    """
    Serve GET and HEAD requests that carry no cookie (but the language's) and no credentials, to a
    declared view, from the cache; store the answers to them that are status 200, not streamed, set no
    cookie and are not private.

    Placed after ConditionalGetMiddleware, which answers 304 from the stored ETag and Last-Modified,
    and before the session, language, CSRF, authentication and message middlewares: a stored answer
    already carries their headers, and skipping them brought warm pages from 0.7-0.9 of make bench's
    floor to about 1 (docs/performance.md, "Warm pages"). So the address is resolved here, in the
    language LocaleMiddleware will choose, to know which view answers and which parameters it reads.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        computed = _look_up(request)
        if isinstance(computed, HttpResponse):
            return computed
        response = self.get_response(request)
        if computed is None or not _may_store(response):
            return response
        current, key = computed
        response["Last-Modified"] = http_date(current / 1e9)
        # Browsers and proxies may keep a copy but must ask again each time (cheaply: 304).
        patch_cache_control(response, public=True, no_cache=True)
        if not response.has_header("ETag"):  # the API's own (If-Match compares with it)
            set_response_etag(response)
        if key:
            # What the answer sends, as a plain HttpResponse: DRF's Response would also pickle the data
            # it rendered, tripling an API entry (docs/deployment.md, "Redis").
            entry = HttpResponse(response.content, status=response.status_code, headers=response.headers)
            cache.set(key, entry, settings.TRACKER_PAGE_CACHE_SECONDS, version=current)
            _remember(key, entry, settings.TRACKER_PAGE_LOCAL_SECONDS, version=current)
        return response


def _look_up(request) -> HttpResponse | tuple[int, str | None] | None:
    """
    Return the stored answer to `request`; else, when its answer may be stored, the generation and the
    key to store it under (None for the key when entries are switched off); else None.
    """
    if not _is_anonymous_read(request):
        return None
    language = _language(request)
    try:
        with translation.override(language):
            match = resolve(request.path_info)
    except Resolver404:
        return None
    parameters = reads().get(match.view_name)
    if parameters is None:
        return None
    current = generation()
    if current is None:
        return None
    key = None
    if settings.TRACKER_PAGE_CACHE_SECONDS:  # else no entry: Last-Modified and ETags still apply
        key = _key(request, match, language, _only(request, parameters))
        if (cached := _local().get(key, version=current)) is not None:
            return cached
        if (cached := cache.get(key, version=current)) is not None:
            _remember(key, cached, settings.TRACKER_PAGE_LOCAL_SECONDS, version=current)
            return cached
    return current, key


def _language(request) -> str:
    """
    The language the locale middleware will activate for `request` (its process_request, read
    without it; tracker/languages.py).
    """
    i18n_patterns_used, prefixed_default_language = is_language_prefix_patterns_used(settings.ROOT_URLCONF)
    if (
        i18n_patterns_used
        and not prefixed_default_language
        and not translation.get_language_from_path(request.path_info)
    ):
        return settings.LANGUAGE_CODE
    if foreign_browser(request):
        return FOREIGN_FALLBACK
    return translation.get_language_from_request(request, check_path=i18n_patterns_used)


def _is_anonymous_read(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and "Authorization" not in request.headers
        # A session, a CSRF token or a pending message makes the answer this visitor's own.
        and set(request.COOKIES) <= {settings.LANGUAGE_COOKIE_NAME}
    )


def _only(request, parameters: frozenset[str]) -> str:
    """
    Leave in the request only the query `parameters` (sorted by name), and return them as a query
    string: the view then computes the same answer for every request the key covers, pagination links
    included (they repeat the query string).
    """
    kept = [(name, value) for name, values in request.GET.lists() if name in parameters for value in values]
    kept.sort(key=lambda pair: pair[0])  # a name's values stay in their order
    query = urlencode(kept)
    if query != request.META.get("QUERY_STRING", ""):
        request.GET = QueryDict(query)
        request.META["QUERY_STRING"] = query
    return query


def _key(request, match, language: str, query: str) -> str:
    parts = [request.scheme, request.get_host(), request.path, language, query]
    if match.namespace == "api":
        # DRF answers HTML (the browsable API) to browsers, JSON to the rest.
        parts.append("html" if "text/html" in request.headers.get("Accept", "") else "json")
    # Hashed: the key's length stays the same whatever the query.
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"page:{LAYOUT}:{digest}"


def _may_store(response) -> bool:
    cache_control = response.get("Cache-Control", "").lower()
    vary = {header.strip().lower() for header in response.get("Vary", "").split(",") if header.strip()}
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not any(word in cache_control for word in ("private", "no-store", "no-cache"))
        and vary <= VARY_ALLOWED  # "*" included
    )


# Invalidation. Rows that say themselves whether the public sees them: the test on a row, and the same
# as a query, read before a save so that a row leaving the public pages counts (a commitment made a
# draft again, a correction turned into a follow-up note).
SHOWN = {
    Commitment: (lambda commitment: commitment.is_public, Q(is_public=True)),
    # Retracted ones too: their pages stay, saying so.
    ProgressUpdate: (
        lambda update: update.is_on_record(),
        Q(state__in=[PublicationState.PUBLISHED, PublicationState.RETRACTED]),
    ),
    Decision: (Decision.is_public, Q(kind__in=DecisionKind.public())),
}


def _shown(row) -> bool:
    """Return True when the row is public, or was before this save."""
    shown_now, _query = SHOWN[type(row)]
    return shown_now(row) or getattr(row, "_was_shown", False)


def _of_public_commitment(row) -> bool:
    # Most writes come with their commitment already read (the workflow, the API): no query then.
    if type(row).commitment.is_cached(row):
        return row.commitment.is_public
    return Commitment.objects.filter(pk=row.commitment_id, is_public=True).exists()


def _of_published_update(row) -> bool:
    return ProgressUpdate.objects.on_record().filter(pk=row.update_id).exists()


def _always(row) -> bool:
    return True


# Whether a save or delete of a row changes what the public sees, by model. Models not named never do:
# reminders, opt-outs, contacts, accounts, users, sessions, tokens, and the history tables (the row they
# record sends its own signal).
PUBLIC = {
    Commitment: _shown,
    ProgressUpdate: _shown,
    Decision: lambda decision: _shown(decision) and _of_public_commitment(decision),
    Evidence: _of_published_update,
    ReportedReading: _of_published_update,
    Involvement: _of_public_commitment,
    Deadline: _of_public_commitment,
    Target: _of_public_commitment,
    StatedCount: _of_public_commitment,
    Amount: _of_public_commitment,
    Assessment: _of_public_commitment,
    Reading: lambda reading: Commitment.objects.filter(targets=reading.target_id, is_public=True).exists(),
    AssessmentEvidence: lambda evidence: Commitment.objects.filter(
        assessments=evidence.assessment_id, is_public=True
    ).exists(),
    Owner: _always,
    Milestone: _always,
    SourceDocument: _always,
    Passage: _always,
    # A draft is the editors' own; its publication, and each correction, the public sees.
    Report: lambda report: report.is_published(),
    ReportCorrection: _always,
    # A verdict on one signatory shows on its commitment's page, its owner's and the scorecards.
    SignatoryAssessment: lambda assessment: Commitment.objects.filter(
        involvements=assessment.involvement_id, is_public=True
    ).exists(),
}


# Fields no public page shows: a save of these alone changes nothing a visitor sees (an editor's hold
# on a commitment's reminders; its `updated_at` in the API then lags until the next public change).
PRIVATE_FIELDS = {Commitment: {"reminders_paused_until", "reminders_pause_reason", "updated_at"}}


def _private_save(sender, update_fields) -> bool:
    return bool(update_fields) and update_fields <= PRIVATE_FIELDS.get(sender, set())


def _read_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    shown_now, query = SHOWN[sender]
    # Read only when it matters: a row public now is a visible change anyway, a new one was nowhere.
    instance._was_shown = (
        not raw
        and not instance._state.adding
        and not _private_save(sender, update_fields)
        and not shown_now(instance)
        and sender._base_manager.filter(query, pk=instance.pk).exists()
    )


def _changed(sender, instance, raw=False, update_fields=None, **kwargs):
    if _private_save(sender, update_fields):
        return
    # A fixture load (raw) is an import: its related rows may not be there yet to ask.
    if raw or PUBLIC[sender](instance):
        # After the commit, so that no process caches the old data under the new generation.
        transaction.on_commit(bump)


def _links_changed(sender, instance, action, **kwargs):
    # The sources of a commitment, the passages a fact cites: a change of the row that holds them.
    if action.startswith("post_") and type(instance) in PUBLIC:
        _changed(type(instance), instance)


def connect_signals():
    """Called once by the app's ready()."""
    for model in SHOWN:
        pre_save.connect(_read_before_save, sender=model, dispatch_uid="page-cache-before")
    for model in PUBLIC:
        post_save.connect(_changed, sender=model, dispatch_uid="page-cache-saved")
        post_delete.connect(_changed, sender=model, dispatch_uid="page-cache-deleted")
    m2m_changed.connect(_links_changed, dispatch_uid="page-cache-links")
