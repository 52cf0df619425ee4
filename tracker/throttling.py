"""
Who a request comes from, and how often they may ask. The API's anonymous reads, sign-in (django-axes,
through AXES_CLIENT_IP_CALLABLE) and password-reset mails all count by the same client address, and
the counters live in a cache that refuses rather than lets through when Redis cannot be reached.
"""

import hashlib
import logging

from django.core.cache import caches
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """
    Return the address `request` comes from: REMOTE_ADDR, or behind NUM_PROXIES trusted proxies the
    address the nearest of them saw, read from the right of X-Forwarded-For (DRF's rule). Whatever a
    client writes further left in that header is never read.
    """
    return BaseThrottle().get_ident(request)


class FailingClosed:
    """
    A rate counted in the `throttles` cache, which raises when Redis is down (the default cache lets
    pages through as misses): the request is refused, for one interval, rather than let through
    uncounted.
    """

    @property
    def cache(self):
        return caches["throttles"]

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except (ConnectionInterrupted, RedisError):
            logger.warning("Throttle %s refused a request: its cache cannot be reached.", self.scope)
            self.history, self.now = [], self.timer()
            return False


class AnonymousRate(FailingClosed, AnonRateThrottle):
    """The API's rate for anonymous clients, by client address (`API_ANON_RATE`)."""


class CountedRate(FailingClosed, SimpleRateThrottle):
    """A rate of `scope` (REST_FRAMEWORK's DEFAULT_THROTTLE_RATES) counted for one `key`."""

    def __init__(self, scope: str, key: str):
        self.scope, self.key = scope, key
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.key}


def _mail_allowed(request, email: str, scope: str) -> bool:
    """
    Count one mail of `scope` asked by `request` for `email`; return whether it may go out: a few an
    hour to one address (mail flooding an inbox), more from one client address. Counted whether or not
    anything is sent to that address, so that the answer reveals nothing.
    """
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return CountedRate(f"{scope}_client", client_address(request)).allow_request(
        request, None
    ) and CountedRate(f"{scope}_address", address).allow_request(request, None)


def password_reset_allowed(request, email: str) -> bool:
    """Count one password-reset mail asked for `email` (whether or not an account has it)."""
    return _mail_allowed(request, email, "password_reset")


def follow_allowed(request, email: str) -> bool:
    """Count one sign-up to follow, for `email` (whether or not it already follows)."""
    return _mail_allowed(request, email, "follow")
