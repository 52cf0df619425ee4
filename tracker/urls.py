from django.urls import path

from . import badges, calendar, feeds, views, workspace

app_name = "tracker"

urlpatterns = [
    path("", views.home, name="home"),
    path("commitments/", views.commitment_list, name="commitment_list"),
    path("commitments.csv", views.commitment_csv, name="commitment_csv"),
    path("commitments/<slug:slug>/", views.commitment_detail, name="commitment_detail"),
    path("commitments/<slug:slug>/updates/", views.commitment_updates, name="commitment_updates"),
    path("commitments/<slug:slug>/updates/<int:pk>/", views.update_detail, name="update_detail"),
    path("owners/<slug:slug>/", views.owner_detail, name="owner_detail"),
    path("milestones/<slug:slug>/", views.milestone_detail, name="milestone_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:slug>/", views.source_detail, name="source_detail"),
    path("overdue/", views.overdue, name="overdue"),
    path("corrections/", views.corrections, name="corrections"),
    path("about/", views.about, name="about"),
    path("reminders/stop/<str:token>/", views.opt_out, name="opt_out"),
    # Feeds, calendar and badges: the open-data side of the same pages.
    path("feeds/updates.atom", feeds.LatestUpdatesFeed(), name="feed_updates"),
    path("feeds/commitments/<slug:slug>.atom", feeds.CommitmentUpdatesFeed(), name="feed_commitment"),
    path("feeds/owners/<slug:slug>.atom", feeds.OwnerUpdatesFeed(), name="feed_owner"),
    path("feeds/corrections.atom", feeds.CorrectionsFeed(), name="feed_corrections"),
    path("calendar.ics", calendar.deadline_calendar, name="calendar"),
    path("badges/commitments/<slug:slug>.svg", badges.commitment_badge, name="badge_commitment"),
    path("badges/owners/<slug:slug>.svg", badges.owner_badge, name="badge_owner"),
    # The workspaces: representatives log progress, editors review (sign-in needed; see workspace.py).
    path("me/", workspace.my_commitments, name="my_commitments"),
    path("commitments/<slug:slug>/log/", workspace.log_progress, name="log_progress"),
    path("review/", workspace.review_queue, name="review_queue"),
    path("review/updates/<int:pk>/", workspace.review_update, name="review_update"),
    path("review/updates/<int:pk>/publish/", workspace.publish, name="publish_update"),
    path("review/updates/<int:pk>/reject/", workspace.reject, name="reject_update"),
    path("review/overdue/", workspace.review_overdue, name="review_overdue"),
    path("review/commitments/<slug:slug>/", workspace.review_commitment, name="review_commitment"),
    path("review/commitments/<slug:slug>/decide/", workspace.decide, name="decide"),
    path("review/commitments/<slug:slug>/hold/", workspace.hold, name="hold_reminders"),
    path("review/commitments/<slug:slug>/remind/", workspace.remind, name="remind_now"),
    path("review/commitments/<slug:slug>/history/", workspace.commitment_audit, name="commitment_history"),
]
