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
import threading
import time
from collections import OrderedDict

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
# Part of every entry's key, changed with the layout of `_freeze`: a release never reads an entry an
# earlier one stored.
ENTRY_LAYOUT = 2
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

# The answers this process served most recently, by the same keys as the shared cache, with when each
# expires (time.monotonic()). A hot page then costs no round trip to Redis, nor Redis's own time on a
# machine it shares; the version in the key retires them with the shared entries. Bounded in number
# (TRACKER_PAGE_CACHE_LOCAL_ENTRIES) and size (LOCAL_MAX_BYTES an answer).
_local: OrderedDict[str, tuple[float, tuple]] = OrderedDict()
_local_lock = threading.Lock()
LOCAL_MAX_BYTES = 1 << 20


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
        if key and (entry := _recall(key)) is not None:
            return self._rebuild(entry)
        response = self.get_response(request)
        if self._may_store(request, response):
            response["Last-Modified"] = http_date(current / 1e9)
            # Browsers and proxies may keep a copy but must ask again each time (cheaply: 304).
            patch_cache_control(response, public=True, no_cache=True)
            if not response.has_header("ETag"):  # the API's own (If-Match compares with it)
                set_response_etag(response)
            if key:
                entry = self._freeze(response)
                cache.set(key, entry, settings.TRACKER_PAGE_CACHE_SECONDS)
                _keep(key, entry)
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
        return f"pages:{ENTRY_LAYOUT}:{current}:{digest}"

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
        # With when the shared entry expires (time.time()): a process's own copy goes at the same time.
        expires = time.time() + settings.TRACKER_PAGE_CACHE_SECONDS
        return (response.status_code, list(response.items()), response.content, expires)

    @staticmethod
    def _rebuild(entry) -> HttpResponse:
        status, headers, content, _expires = entry
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        return response


def _recall(key: str) -> tuple | None:
    """Return the entry stored under `key`: this process's copy, else the shared cache's (then kept)."""
    with _local_lock:
        if (held := _local.get(key)) is not None:
            if held[0] > time.monotonic():
                _local.move_to_end(key)
                return held[1]
            del _local[key]
    entry = cache.get(key)
    if entry is not None:
        _keep(key, entry)
    return entry


def _keep(key: str, entry: tuple) -> None:
    """Hold `entry` in this process (the least recently served copy goes when full)."""
    limit = settings.TRACKER_PAGE_CACHE_LOCAL_ENTRIES
    if not limit or len(entry[2]) > LOCAL_MAX_BYTES:
        return
    # No longer than the shared entry lives: that bounds a write that bypassed the signals here too.
    expires = time.monotonic() + entry[3] - time.time()
    with _local_lock:
        _local[key] = (expires, entry)
        _local.move_to_end(key)
        while len(_local) > limit:
            _local.popitem(last=False)


def forget_local() -> None:
    """Drop this process's copies (tests start from an empty cache)."""
    with _local_lock:
        _local.clear()
