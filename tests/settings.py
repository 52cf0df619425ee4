"""Test settings: production settings with what makes tests fast and self-contained."""

import os

# Tests run on the production settings (DEBUG off, whatever the shell says), which demand a real
# key: tests bring a throwaway one.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "tests-only-" + "x1y2z3" * 10)
# The address every absolute link starts with (tracker/addresses.py), whatever the shell exports:
# tests compare links with it, and the test client asks at another host ("testserver").
os.environ["SITE_URL"] = "https://tracker.example.org"
# The suite (and the API fuzz run) makes many anonymous requests; the throttle has its own test.
os.environ.setdefault("API_ANON_RATE", "100000/minute")

from summit.settings import *  # noqa: E402, F403

# Hashing passwords slowly protects real accounts, not test ones.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest needs collectstatic; tests render pages without it.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": CACHES["pages"],  # noqa: F405
    # Emptied before each test (tests/conftest.py): one test's counts must not throttle the next.
    "throttles": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttles"},
}
# Tests run inside transactions, whose on-commit hooks (which start the page cache's new generation)
# never run: nothing is stored in the page cache, except in tests/test_cache.py, which runs them.
TRACKER_PAGE_CACHE_SECONDS = 0
# Nor does any process keep copies (tests/test_cache.py turns them on where it tests them): a copy
# kept in one test's process would be read by the next.
TRACKER_PAGE_GENERATION_SECONDS = 0
TRACKER_PAGE_LOCAL_SECONDS = 0
SECURE_SSL_REDIRECT = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The windows the tests are written for, whatever the shell exports.
TRACKER_DUE_SOON_DAYS = 30
TRACKER_STALE_AFTER_DAYS = 90
TRACKER_REMINDER_LEAD_DAYS = [30, 7, 1]
TRACKER_OVERDUE_REPEAT_DAYS = 7
TRACKER_ESCALATE_AFTER = 3
TRACKER_REMINDER_RETRY_SECONDS = 60
TRACKER_REMINDER_MAX_ATTEMPTS = 5
TRACKER_REMINDER_FAILED_ROUNDS = 3
TRACKER_REMINDER_LEASE_SECONDS = 600
TRACKER_REMINDER_BATCH = 200
TRACKER_REMINDER_RECORD_EVERY = 1000  # the query-count tests count one record per batch
