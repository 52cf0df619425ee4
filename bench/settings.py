"""
The production settings plus what only the benchmark harness needs (bench/run.py sets
DJANGO_SETTINGS_MODULE to this): a header counting each answer's SQL queries, and the floor view
(bench/urls.py). Nothing of it ships in the application.
"""

from summit.settings import *  # noqa: F403
from summit.settings import MIDDLEWARE

MIDDLEWARE = ["bench.hooks.QueryCountMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.urls"
