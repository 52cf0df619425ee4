from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Summit commitments")

    def ready(self):
        from . import cache

        cache.connect_signals()
