"""
The anonymous page cache: public pages, feeds and API answers, as a visitor without a session sees
them, kept in the shared cache (Redis in production) and served without touching the database.

Entries are keyed by a *data version*: the time of the last change to the tracker's public data, one
value in the cache that every process reads. Saving or deleting a public model (a published update, an
editor's correction, an import) sets a new version once its transaction commits, so every process
stops serving the old entries at once — a publish is visible at the next request on any machine — and
the old entries simply expire. The same version is each answer's Last-Modified, so browsers and feed
readers revalidate with If-Modified-Since as well as with the ETag stored beside the page.

Writes that bypass model signals (QuerySet.update(), bulk_create(), SQL by hand) must call `bump()`;
the entries' lifetime (PAGE_CACHE_SECONDS) bounds what a forgotten call can cost.
"""

import datetime
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import has_vary_header, patch_cache_control, set_response_etag
from django.utils.http import http_date
from django.utils.translation import get_language_from_request

from .dates import today

VERSION_KEY = "pages:version"
# Bookkeeping that no public page shows: reminders change at every sweep and must not empty the cache.
PRIVATE_MODELS = {"reminder", "reminderoptout", "ownercontact"}
# The request headers an answer may depend on besides its address; anything else it varies on is not
# cached. Cookie is allowed because only requests without cookies (but the language's) are served here.
VARY_ALLOWED = {"accept", "accept-language", "accept-encoding", "cookie"}
# Never from the cache: the admin, the health check (it must see a failing database or broker now),
# and the benchmark's floor (the yardstick of a bare view).
NEVER_CACHED = ("/admin/", "/health/", "/bench/")


# The version as this process last read it, and until when (time.monotonic()) it may be reused.
_seen = (0.0, None)


def version() -> int | None:
    """
    Return the data version (nanoseconds since the epoch of the last change), starting one if none;
    None when the cache does not answer (pages are then computed, and not stored).

    Each process reuses what it read for TRACKER_PAGE_VERSION_SECONDS, which saves a round trip to
    Redis on every cached answer: another machine's change shows within that time, this process's own
    at once (`bump` updates it).
    """
    global _seen
    until, current = _seen
    if current is None or time.monotonic() >= until:
        current = cache.get(VERSION_KEY)
        if current is None:
            # A new or emptied cache: start from now; add() keeps a concurrent process's value if it won.
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
            current = cache.get(VERSION_KEY)
        if current is None:
            return None
        _seen = (time.monotonic() + settings.TRACKER_PAGE_VERSION_SECONDS, current)
    # Pages also change with the day (days overdue, what is due soon, the calendar's window): each
    # day starts a new version, so no page of yesterday is served, nor answered 304, today.
    midnight = timezone.make_aware(datetime.datetime.combine(today(), datetime.time()))
    return max(current, int(midnight.timestamp()) * 10**9)


def bump() -> None:
    """Mark the public data as changed now: every process stops serving the pages cached before."""
    global _seen
    current = time.time_ns()
    cache.set(VERSION_KEY, current, timeout=None)
    _seen = (time.monotonic() + settings.TRACKER_PAGE_VERSION_SECONDS, current)


def _changed(sender, **kwargs):
    meta = sender._meta
    # A history row (simple-history) is as public as the model it records.
    if meta.app_label == "tracker" and meta.model_name.removeprefix("historical") not in PRIVATE_MODELS:
        # After the commit, so that no process caches the old data under the new version.
        transaction.on_commit(bump)


def connect_signals():
    """Called once by the app's ready(): every save and delete of a public model bumps the version."""
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_changed, dispatch_uid=f"pagecache-{signal}")


class AnonymousPageCacheMiddleware:
    """
    Serve GET and HEAD requests that carry no cookie (but the language's) and no credentials from the
    cache, and
    store the answers to them: status 200, not streamed, setting no cookie, not marked private.

    Placed after ConditionalGetMiddleware, which answers 304 from the stored ETag and Last-Modified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._is_anonymous_read(request):
            return self.get_response(request)
        current = version()
        if current is None:
            return self.get_response(request)
        key = self._key(request, current)
        if key and (entry := cache.get(key)) is not None:
            return self._rebuild(entry)
        response = self.get_response(request)
        if self._may_store(request, response):
            response["Last-Modified"] = http_date(current / 1e9)
            # Browsers and proxies may keep a copy but must ask again each time (cheaply: 304).
            patch_cache_control(response, public=True, no_cache=True)
            if not response.has_header("ETag"):  # the API's own (If-Match compares with it)
                set_response_etag(response)
            if key:
                cache.set(key, self._freeze(response), settings.TRACKER_PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def _is_anonymous_read(request) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(NEVER_CACHED)
            and "Authorization" not in request.headers
            # A session, a CSRF token or a pending message makes the answer this visitor's own.
            and set(request.COOKIES) <= {settings.LANGUAGE_COOKIE_NAME}
        )

    @staticmethod
    def _key(request, current: int) -> str | None:
        """The entry's key, or None when the page cache is switched off (Last-Modified still applies)."""
        if not settings.TRACKER_PAGE_CACHE_SECONDS:
            return None
        parts = [
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            # The language the answer will be in: from the URL's prefix, else cookie or Accept-Language.
            get_language_from_request(request, check_path=True),
            request.headers.get("Accept", ""),
            request.headers.get("Accept-Encoding", ""),
        ]
        digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return f"pages:{current}:{digest}"

    @staticmethod
    def _may_store(request, response) -> bool:
        cache_control = response.get("Cache-Control", "").lower()
        vary = {h.strip().lower() for h in response.get("Vary", "").split(",") if h.strip()}
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not any(word in cache_control for word in ("private", "no-store", "no-cache"))
            and not has_vary_header(response, "*")
            and vary <= VARY_ALLOWED
        )

    @staticmethod
    def _freeze(response) -> tuple:
        return (response.status_code, list(response.items()), response.content)

    @staticmethod
    def _rebuild(entry) -> HttpResponse:
        status, headers, content = entry
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        return response
