import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "summit.settings")

app = Celery("summit")
# Every Celery setting lives in summit/settings.py under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
