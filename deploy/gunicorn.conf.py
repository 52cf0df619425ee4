"""
Gunicorn's settings for Summit Tracker, read from the environment (the Procfile's `web` process and
deploy/smoke.py both use it):

    gunicorn -c deploy/gunicorn.conf.py summit.wsgi

PORT (8000) and HOST (0.0.0.0) say where to listen; WEB_CONCURRENCY (2 × CPUs + 1) how many worker
processes serve requests.
"""

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)

# A request taking longer than this is killed and answers 502; a restart (SIGTERM, or SIGHUP on a
# deploy) lets requests in flight finish for up to graceful_timeout seconds.
timeout = 30
graceful_timeout = 30
# Behind a load balancer that keeps connections open between requests.
keepalive = 5

# One line per request on stdout, and errors on stderr, for the platform to collect.
accesslog = "-"
errorlog = "-"

# Gunicorn 25+ opens a control socket at one fixed path per user ($XDG_RUNTIME_DIR or ~/.gunicorn);
# a second gunicorn on the same machine would take it over. Nothing here uses gunicornc.
control_socket_disable = True


def post_worker_init(worker):
    """
    Move what loading Django created out of the garbage collector's sight: a full collection would
    otherwise walk those objects again and again, pausing requests for 100 ms and more (measured on
    the API list). Objects made by requests are collected as usual.
    """
    gc.collect()
    gc.freeze()
