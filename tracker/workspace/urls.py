"""The workspaces' addresses: sign-in needed (see views.py)."""

from django.urls import path

from . import views

urlpatterns = [
    # The workspaces: representatives log progress, editors review (sign-in needed; see views.py).
    path("me/", views.my_commitments, name="my_commitments"),
    path("commitments/<slug:slug>/log/", views.log_progress, name="log_progress"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/updates/<int:pk>/", views.review_update, name="review_update"),
    path("review/updates/<int:pk>/publish/", views.publish, name="publish_update"),
    path("review/updates/<int:pk>/reject/", views.reject, name="reject_update"),
    path("review/overdue/", views.review_overdue, name="review_overdue"),
    path("review/followers/", views.review_followers, name="review_followers"),
    path("review/commitments/<slug:slug>/", views.review_commitment, name="review_commitment"),
    path("review/commitments/<slug:slug>/decide/", views.decide, name="decide"),
    path("review/commitments/<slug:slug>/hold/", views.hold, name="hold_reminders"),
    path("review/commitments/<slug:slug>/remind/", views.remind, name="remind_now"),
    path("review/commitments/<slug:slug>/history/", views.commitment_audit, name="commitment_history"),
]
