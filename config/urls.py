from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from directory.api import api
from home import views as home_views
from home.login import RateLimitedLoginView
from search import views as search_views

urlpatterns = [
    # Wagtail's login view with a per-client rate limit, in front of the admin's own route.
    path("admin/login/", RateLimitedLoginView.as_view(), name="wagtailadmin_login"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("recherche/", search_views.search, name="search"),
    path("api/v1/", api.urls),
    # Before the directory: /annuaire/carte/ is the officials' map, not a service's slug.
    path("", include("observatory.urls")),
    path("", include("directory.urls")),
    path("lettre/", include("newsletter.urls")),
    path("partenaires/", include("directory.partner_urls")),
    path("sitemap.xml", sitemap, name="sitemap"),
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
