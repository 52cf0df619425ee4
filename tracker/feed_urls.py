"""Feeds, calendar and badges; included inside the "tracker" namespace by tracker/urls.py."""

from django.urls import path

from . import badges, calendar, feeds

urlpatterns = [
    path("feeds/updates.atom", feeds.LatestUpdatesFeed(), name="feed_updates"),
    path("feeds/commitments/<slug:slug>.atom", feeds.CommitmentUpdatesFeed(), name="feed_commitment"),
    path("feeds/owners/<slug:slug>.atom", feeds.OwnerUpdatesFeed(), name="feed_owner"),
    path("calendar.ics", calendar.deadline_calendar, name="calendar"),
    path("badges/commitments/<slug:slug>.svg", badges.commitment_badge, name="badge_commitment"),
    path("badges/owners/<slug:slug>.svg", badges.owner_badge, name="badge_owner"),
]
