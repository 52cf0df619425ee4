from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("owners", views.OwnerViewSet, basename="owner")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("deadlines", views.DeadlineViewSet, basename="deadline")
router.register("targets", views.TargetViewSet, basename="target")
router.register("readings", views.ReadingViewSet, basename="reading")
router.register("updates", views.UpdateViewSet, basename="update")
router.register("decisions", views.DecisionViewSet, basename="decision")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("", include(router.urls)),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    # The documentation pages come with a <style> of their own, and ReDoc with an inline script (the
    # Swagger UI's is served apart, from this address): only these pages allow them.
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    path(
        "redoc/",
        csp_update({"script-src": [UNSAFE_INLINE], "style-src": [UNSAFE_INLINE]})(
            SpectacularRedocView.as_view(url_name="api:schema")
        ),
        name="redoc",
    ),
]
