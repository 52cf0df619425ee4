from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Summit Tracker"
admin.site.site_title = "Summit Tracker"
admin.site.index_title = "Commitments of the Paris AI Action Summit"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Password reset and the one-time link create_editor prints (the admin styles these pages).
    path("accounts/", include("django.contrib.auth.urls")),
    # The public site arrives with its own issue; until then the root leads editors to the admin.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
