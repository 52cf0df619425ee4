from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
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
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
