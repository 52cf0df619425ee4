#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path

from dotenv import load_dotenv


def main():
    # The development settings `make run` writes (DEBUG, a key of this checkout's own, SITE_URL), so
    # that a command typed in any terminal runs as the development server does. Only this entry point
    # reads the file: gunicorn and Celery, as production runs them, never do, and a variable set in
    # the environment always wins over it.
    load_dotenv(Path(__file__).resolve().parent / ".env", override=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "summit.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
