from django.urls import path

from . import badges, calendar, feeds, views

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
    path("feeds/updates.atom", feeds.LatestUpdatesFeed(), name="feed_updates"),
    path("feeds/commitments/<slug:slug>.atom", feeds.CommitmentUpdatesFeed(), name="feed_commitment"),
    path("feeds/owners/<slug:slug>.atom", feeds.OwnerUpdatesFeed(), name="feed_owner"),
    path("calendar.ics", calendar.deadline_calendar, name="calendar"),
    path("badges/commitments/<slug:slug>.svg", badges.commitment_badge, name="badge_commitment"),
    path("badges/owners/<slug:slug>.svg", badges.owner_badge, name="badge_owner"),
]
