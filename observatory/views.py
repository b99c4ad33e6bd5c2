"""Public pages of the observatory: the services map, the territory portraits, the coverage analysis."""

import json

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import http_date
from django.utils.translation import gettext as _

from core import spreadsheets
from core.maps import map_settings
from core.pagination import page_nav
from directory.listings.vocabulary import ServiceKind
from directory.models import Category, Service
from territories.models import Canton, Epci

from . import exports, portraits
from .coverage import latest_run
from .models import THRESHOLDS_KM
from .selection import on_map, select

PAGE_SIZE = 50
BOOTSTRAP_KEY = "observatory:bootstrap-enqueued"


def _base_url(request):
    return settings.SITE_URL


def _run_or_schedule():
    """The stored results; when there are none yet, ask for them once (the page says they are coming)."""
    run = latest_run()
    if run is None and cache.add(BOOTSTRAP_KEY, True, 600):
        from .signals import schedule_computation

        schedule_computation()
        run = latest_run()  # the immediate backend (tests, development) has computed it already
    return run


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# ---------------------------------------------------------------------------------------------------------
# The map: /annuaire/carte/


def services_map(request):
    selection = select(request.GET)
    rows = selection.queryset.select_related(
        "organisation", "place__commune__epci", "place__commune__canton"
    ).prefetch_related("categories")
    page = _page(request, rows)
    map_url = reverse("observatory:map")
    context = {
        "selection": selection,
        "results": page,
        "page_nav": page_nav(page, lambda n: selection.query_string(page=str(n)), on_each_side=2),
        "sort_links": selection.sort_links(),
        "categories": Category.objects.all(),
        "kinds": ServiceKind.choices,
        "epcis": Epci.objects.order_by("name"),
        "cantons": Canton.objects.order_by("name"),
        "map": map_settings(),
        "map_url": map_url,
        "geojson_url": reverse("observatory:map_geojson") + selection.filter_query,
        "csv_url": reverse("observatory:map_csv") + selection.filter_query,
        "unlocated": Service.objects.public().filter(latitude__isnull=True).count(),
        "now": timezone.now(),
    }
    return TemplateResponse(request, "observatory/map.html", context)


def _refused(errors):
    """400 for an export: each refused parameter by its name (for scripts), with the French reason."""
    # Messages may be lazy strings: formatted one by one, never joined as they are.
    text = "\n".join(
        _("Paramètre « %(name)s » — %(message)s") % {"name": name, "message": message}
        for name, message in errors
    )
    return HttpResponseBadRequest(
        _("Paramètres refusés :") + "\n" + text + "\n", content_type="text/plain; charset=utf-8"
    )


def _export_errors(selection):
    return _refused(selection.errors) if selection.errors else None


def services_map_csv(request):
    selection = select(request.GET)
    refused = _export_errors(selection)
    if refused:
        return refused
    text = exports.services_csv(exports.service_rows(selection.queryset, _base_url(request)))
    return spreadsheets.response(text, "services-gers.csv")


def services_map_geojson(request):
    selection = select(request.GET)
    refused = _export_errors(selection)
    if refused:
        return refused
    collection = exports.services_geojson(exports.service_rows(selection.queryset, _base_url(request)))
    response = HttpResponse(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")),
        content_type="application/geo+json; charset=utf-8",
    )
    if request.GET.get("download"):
        response["Content-Disposition"] = 'attachment; filename="services-gers.geojson"'
    return response


# ---------------------------------------------------------------------------------------------------------
# Portraits: /observatoire/ and /observatoire/<epci>/


def departement(request):
    run = _run_or_schedule()
    context = {"run": run, "map_url": reverse("observatory:map")}
    if run is not None:
        # Computed only when the cached fragment of this run is missing.
        context["figures"] = SimpleLazyObject(lambda: portraits.departement(run))
    return TemplateResponse(request, "observatory/departement.html", context)


def epci_portrait(request, key):
    epci = portraits.find_epci(key)
    if epci is None:
        raise Http404(_("Intercommunalité inconnue."))
    slug = portraits.epci_slug(epci)
    if key != slug:
        # One address per EPCI: the SIREN (or any other spelling) leads to the slug.
        return redirect("observatory:epci", key=slug, permanent=True)
    run = _run_or_schedule()
    services = on_map().filter(place__commune__epci=epci).order_by("search_title", "pk")
    page = _page(request, services.values(*exports.FIELDS))
    context = {
        "run": run,
        "epci": epci,
        "results": page,
        "service_list": exports.decorate(list(page.object_list)),
        "map": map_settings(),
        "map_url": reverse("observatory:map") + f"?epci={epci.siren}",
        "geojson_url": reverse("observatory:map_geojson") + f"?epci={epci.siren}",
        "csv_url": reverse("observatory:map_csv") + f"?epci={epci.siren}",
        "stops": _upcoming_stops_in(epci, run),
        "page_nav": page_nav(page, lambda n: f"?page={n}", on_each_side=2),
        "thresholds": THRESHOLDS_KM,
        "kinds": ServiceKind.choices,
    }
    if run is not None:
        context["figures"] = SimpleLazyObject(lambda: portraits.epci_portrait(run, epci))
    return TemplateResponse(request, "observatory/epci.html", context)


def _upcoming_stops_in(epci, run):
    from django.db.models import Count

    from .coverage import HORIZON_DAYS, upcoming_stops

    horizon = run.horizon_days if run else HORIZON_DAYS
    rows = (
        upcoming_stops(horizon_days=horizon)
        .filter(commune__epci=epci)
        .values("tour__name", "tour__service__slug", "commune__name")
        .annotate(passages=Count("pk"))
        .order_by("tour__name", "commune__name")
    )
    return [{**row, "frequency": portraits.frequency_label(row["passages"], horizon)} for row in rows]


# ---------------------------------------------------------------------------------------------------------
# Coverage: /observatoire/couverture/


def _category(request):
    """The category asked for, or the first one with a French message when the value is unknown."""
    categories = list(Category.objects.all())
    slug = request.GET.get("category", "").strip()
    chosen = next((c for c in categories if c.slug == slug), None)
    error = None
    if slug and chosen is None:
        error = _("Thématique inconnue : « %(value)s ». Choisissez-en une dans la liste.") % {
            "value": slug[:60]
        }
    return chosen or (categories[0] if categories else None), categories, error


def coverage(request):
    category, categories, error = _category(request)
    run = _run_or_schedule()
    context = {"run": run, "category": category, "categories": categories, "error": error}
    if run is not None and category is not None:
        context["figures"] = SimpleLazyObject(lambda: portraits.coverage_page(run, category))
        context["csv_url"] = reverse("observatory:coverage_csv") + f"?category={category.slug}"
    context["csv_all_url"] = reverse("observatory:coverage_csv")
    return TemplateResponse(request, "observatory/coverage.html", context)


def coverage_csv(request):
    from .models import CommuneCoverage

    run = latest_run()
    if run is None:
        return HttpResponse(
            _("Les données de couverture ne sont pas encore calculées. Réessayez dans quelques minutes.")
            + "\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    cells = CommuneCoverage.objects.filter(run=run).select_related("commune__epci", "category")
    slug = request.GET.get("category", "").strip()
    if slug:
        # Looked up among the few categories, not in SQL: any text is safe here (PostgreSQL refuses NUL).
        category = next((c for c in Category.objects.all() if c.slug == slug), None)
        if category is None:
            return _refused([("category", _("thématique inconnue « %(value)s ».") % {"value": slug[:60]})])
        cells = cells.filter(category=category)
    cells = cells.order_by("category__position", "category__name", "commune__insee_code")
    name = f"couverture-{slug}.csv" if slug else "couverture-gers.csv"
    response = spreadsheets.response(exports.coverage_csv(cells), name)
    response["Last-Modified"] = http_date(run.computed_at.timestamp())
    return response
