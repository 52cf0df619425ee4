from django.urls import include, path

from . import views

app_name = "tracker"

urlpatterns = [
    path("", views.home, name="home"),
    path("commitments/", views.commitment_list, name="commitment_list"),
    path("commitments.csv", views.commitment_csv, name="commitment_csv"),
    path("commitments/<slug:slug>/", views.commitment_detail, name="commitment_detail"),
    path("owners/<slug:slug>/", views.owner_detail, name="owner_detail"),
    path("milestones/<slug:slug>/", views.milestone_detail, name="milestone_detail"),
    path("overdue/", views.overdue, name="overdue"),
    path("about/", views.about, name="about"),
    # Feeds, calendar and badges: the open-data side of the same pages.
    path("", include("tracker.feed_urls")),
]
