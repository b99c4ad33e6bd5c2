from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps import Sitemap as PageSitemap
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from core import admin_reports
from core.admin_views import admin_view
from core.login_limits import (
    FrontendLoginView,
    RateLimitedLoginView,
    RateLimitedPasswordResetView,
    UnlockingPasswordResetConfirmView,
    page_password_view,
)
from directory import sitemaps as directory_sitemaps
from directory.api.endpoints import api
from directory.partners.scopes import ScopedSiteHistoryView
from home import page_guards
from home import views as home_views
from home.concurrency import ConcurrentPageEditView
from observatory import sitemaps as observatory_sitemaps
from search import views as search_views

# The CMS pages, then the pages the apps serve themselves (services, tours, stops, observatory).
SITEMAPS = {"pages": PageSitemap, **directory_sitemaps.SITEMAPS, **observatory_sitemaps.SITEMAPS}

urlpatterns = [
    # Wagtail's login view with a per-client rate limit, in front of the admin's own route.
    path("admin/login/", RateLimitedLoginView.as_view(), name="wagtailadmin_login"),
    path("admin/password_reset/", RateLimitedPasswordResetView.as_view(), name="wagtailadmin_password_reset"),
    path(
        "admin/password_reset/confirm/<uidb64>/<token>/",
        UnlockingPasswordResetConfirmView.as_view(),
        name="wagtailadmin_password_reset_confirm",
    ),
    # The private pages' login, limited like the admin's, in front of Wagtail's own (wagtail.urls).
    path("_util/login/", FrontendLoginView.as_view(), name="wagtailcore_login"),
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        page_password_view,
        name="wagtailcore_authenticate_with_password",
    ),
    # The site history cut to a partner's own organisations, in front of Wagtail's report of the same address.
    path("admin/reports/site-history/", admin_view(ScopedSiteHistoryView.as_view())),
    path(
        "admin/reports/site-history/results/",
        admin_view(ScopedSiteHistoryView.as_view(results_only=True)),
    ),
    # Page edits refusing stale forms (home.concurrency), in front of Wagtail's own route.
    path("admin/pages/<int:page_id>/edit/", admin_view(ConcurrentPageEditView.as_view())),
    # Wagtail's page views that named draft pages or answered 500 (home.page_guards), in front of its routes.
    *page_guards.urlpatterns,
    # Wagtail's page reports with their spreadsheet exports neutralised, in front of its own routes.
    *admin_reports.urlpatterns,
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("recherche/", search_views.search, name="search"),
    path("api/v1/", api.urls),
    # Before the directory: /annuaire/carte/ is the officials' map, not a service's slug.
    path("", include("observatory.urls")),
    path("", include("directory.urls")),
    path("lettre/", include("newsletter.urls")),
    path("partenaires/", include("directory.partners.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", home_views.robots_txt, name="robots_txt"),
    path("favicon.ico", home_views.favicon, name="favicon"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving comes last: it answers every path that is not matched above.
urlpatterns += [path("", include(wagtail_urls))]

handler404 = "home.views.page_not_found"
handler500 = "home.views.server_error"
