from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path

from tracker.health import health
from tracker.public import root
from tracker.public.sitemaps import SITEMAPS
from tracker.public.sitemaps import index as sitemap_index
from tracker.workspace.second_factor import AdminSignInForm, SignInView, two_step
from tracker.workspace.views import PasswordResetView

admin.site.site_header = "Summit Tracker"
admin.site.login_form = AdminSignInForm  # asks for the code of those with two-step sign-in
admin.site.site_title = "Summit Tracker"
admin.site.index_title = "Commitments of the Paris AI Action Summit"

urlpatterns = [
    path("admin/", admin.site.urls),
    # At the root, in no language, where crawlers and browsers look for them.
    path("robots.txt", root.robots_txt, name="robots_txt"),
    path("favicon.ico", root.favicon, name="favicon"),
    # An index of sections, each in pages of TrackerSitemap.limit addresses: a sitemap of every
    # commitment in one answer grows with the data (9 MB, 5 s for 10,000 commitments).
    path(
        "sitemap.xml",
        sitemap_index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemaps.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("health/", health, name="health"),
    path("api/", include("tracker.api.urls")),
]

# The public site carries its language in the URL (/fr/…, /en/…), so that a shared link or a feed
# shows the same language to everyone; "/" sends visitors to their browser's language.
urlpatterns += i18n_patterns(
    # Sign in, sign out and password reset (also the one-time link create_editor prints), in the
    # site's style and language (templates/registration/).
    path(
        "accounts/password_reset/",
        PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/two-step/", two_step, name="two_step"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("tracker.urls")),
)

# 404s under /api/ answer JSON, as the API's schema documents; elsewhere the site's page.
handler404 = "tracker.public.views.not_found"
