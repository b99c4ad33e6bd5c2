from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import redirect
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from core.phones import tel_href
from core.site_url import absolute_url

from .models import ContactSettings


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    sitemap_url = absolute_url("/sitemap.xml")
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /recherche/", f"Sitemap: {sitemap_url}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
def favicon(request):
    return redirect(static("img/favicon.png"), permanent=True)


def page_not_found(request, exception=None):
    return HttpResponseNotFound(loader.render_to_string("404.html", {}, request=request))


def csrf_failure(request, reason=""):
    # Django's own page is in English and speaks to developers: people get the site's page, what happened in
    # plain French, and a link back to the form (a GET of the same address shows it again with a fresh token).
    context = {"retry_url": request.get_full_path()}
    return HttpResponseForbidden(loader.render_to_string("403_csrf.html", context, request=request))


def server_error(request):
    # Rendered without the database (it may be what failed): the helpline comes from the field defaults.
    defaults = {f.name: f.default for f in ContactSettings._meta.fields if isinstance(f.default, str)}
    defaults["helpline_href"] = tel_href(defaults["helpline_number"])
    return HttpResponseServerError(loader.render_to_string("500.html", {"contact": defaults}))
