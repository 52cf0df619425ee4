"""The site's addresses plus the benchmark's floor: a view that does nothing, its yardstick."""

from django.urls import path

from bench.hooks import floor
from summit.urls import handler404, urlpatterns

urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *urlpatterns]

__all__ = ["handler404", "urlpatterns"]
