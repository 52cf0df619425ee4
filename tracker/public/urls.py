"""The public site's addresses (under the language prefix: /fr/…, /en/…)."""

from django.urls import path

from . import badges, calendar, cards, commitment, downloads, feeds, following, reports, views

urlpatterns = [
    path("", views.home, name="home"),
    path("commitments/", views.commitment_list, name="commitment_list"),
    path("commitments.csv", downloads.commitment_csv, name="commitment_csv"),
    path("commitments-excel.csv", downloads.commitment_csv_excel, name="commitment_csv_excel"),
    path("commitments/<slug:slug>/", commitment.commitment_detail, name="commitment_detail"),
    path("commitments/<slug:slug>/updates/", commitment.commitment_updates, name="commitment_updates"),
    path("commitments/<slug:slug>/updates/<int:pk>/", commitment.update_detail, name="update_detail"),
    path("owners/", views.owner_list, name="owner_list"),
    path("owners/<slug:slug>/", views.owner_detail, name="owner_detail"),
    path("milestones/", views.milestone_list, name="milestone_list"),
    path("milestones/<slug:slug>/", views.milestone_detail, name="milestone_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:slug>/", views.source_detail, name="source_detail"),
    path("overdue/", views.overdue, name="overdue"),
    path("corrections/", views.corrections, name="corrections"),
    path("about/", views.about, name="about"),
    # The data dictionary, and the whole public data as a data package.
    path("data/", downloads.data, name="data"),
    path("data/summit-tracker.zip", downloads.data_package, name="data_package"),
    path("reminders/stop/<str:token>/", views.opt_out, name="opt_out"),
    # Following by e-mail: the sign-up, and the signed links its mails carry.
    path("follow/", following.follow, name="follow"),
    path("follow/sent/", following.follow_sent, name="follow_sent"),
    path("follow/confirm/<str:token>/", following.follow_confirm, name="follow_confirm"),
    path("follow/stop/<str:token>/", following.follow_stop, name="follow_stop"),
    # Feeds, calendar and badges: the open-data side of the same pages.
    path("feeds/updates.atom", feeds.LatestUpdatesFeed(), name="feed_updates"),
    path("feeds/commitments/<slug:slug>.atom", feeds.CommitmentUpdatesFeed(), name="feed_commitment"),
    path("feeds/owners/<slug:slug>.atom", feeds.OwnerUpdatesFeed(), name="feed_owner"),
    path("feeds/corrections.atom", feeds.CorrectionsFeed(), name="feed_corrections"),
    path("calendar.ics", calendar.deadline_calendar, name="calendar"),
    path("badges/commitments/<slug:slug>.svg", badges.commitment_badge, name="badge_commitment"),
    path("badges/owners/<slug:slug>.svg", badges.owner_badge, name="badge_owner"),
    path("badges/owners/<slug:slug>/scorecard.svg", badges.owner_scorecard, name="embed_scorecard"),
    path("badges/milestones/<slug:slug>/kept.svg", badges.milestone_kept, name="embed_milestone"),
    path("badges/axes/<slug:axis>/kept.svg", badges.axis_kept, name="embed_axis"),
    # The pictures a shared link shows (og:image): a commitment's, and the site's for other pages.
    path("cards/commitments/<slug:slug>.png", cards.commitment_card, name="card_commitment"),
    path("cards/site.png", cards.site_card, name="card_site"),
    # Checkpoint reports: frozen once published, each at a stable address, with its downloads.
    path("reports/", reports.report_list, name="report_list"),
    path("reports/<slug:slug>/", reports.report_detail, name="report_detail"),
    path("reports/<slug:slug>.pdf", reports.report_pdf, name="report_pdf"),
    path("reports/<slug:slug>.csv", reports.report_csv, name="report_csv"),
    path("reports/<slug:slug>.json", reports.report_json, name="report_json"),
]
