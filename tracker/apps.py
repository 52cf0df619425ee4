from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Summit commitments")

    def ready(self):
        from . import cache, following  # noqa: F401 - following receives report_published

        cache.connect_signals()
