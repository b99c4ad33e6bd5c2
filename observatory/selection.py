"""The officials' map: which published services are selected (filters, sort), as rows for pages and exports.

Filtering goes through the directory's FilterSet (one set of rules for the search, the API and this map), with a
canton filter added here. A bad value is reported in French and left out; the other filters still apply.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

import django_filters
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from directory.models import Category, Service
from directory.search.filters import ServiceFilter
from territories.models import Canton

# Sort keys of the table (?tri=…, "-" for descending) → ORM fields.
SORTS = {
    "nom": ("search_title", _("Service")),
    "structure": ("organisation__name", _("Structure")),
    "type": ("kind", _("Type")),
    "commune": ("place__commune__search_name", _("Commune")),
    "epci": ("place__commune__epci__name", _("Intercommunalité")),
    "canton": ("place__commune__canton__name", _("Canton")),
}
DEFAULT_SORT = "nom"
# The map's form offers category, kind, epci and canton; the directory's other filters (q, commune, audience…)
# also work in the URL.
LABELS = {
    "category": _("Thématiques"),
    "kind": _("Type de lieu"),
    "epci": _("Intercommunalité"),
    "canton": _("Canton"),
    "tri": _("Tri"),
}


class MapFilter(ServiceFilter):
    canton = django_filters.ModelChoiceFilter(
        field_name="place__commune__canton",
        to_field_name="code",
        queryset=Canton.objects.all(),
        label=_("Canton"),
    )

    class Meta(ServiceFilter.Meta):
        pass


def on_map():
    """Published services with a point: the others (telephone, online, itinerant) have no place on a map."""
    return Service.objects.public().filter(latitude__isnull=False, longitude__isnull=False)


@dataclass
class Selection:
    queryset: object
    sort: str
    descending: bool
    params: dict  # the valid parameters, {name: [values]}
    errors: list = field(default_factory=list)  # [(parameter, French message as str)]

    @property
    def error_dict(self):
        found = {}
        for name, message in self.errors:
            found.setdefault(name, []).append(message)
        return found

    def query_string(self, **changes):
        """This selection's query, with some parameters replaced (None removes one)."""
        params = {k: list(v) for k, v in self.params.items()}
        for name, value in changes.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = [value]
        pairs = [(k, v) for k, values in params.items() for v in values if v != ""]
        return "?" + urlencode(pairs) if pairs else ""

    @property
    def filter_query(self):
        """The filters alone (no sort, no page): for the exports and the map's data."""
        return self.query_string(tri=None, page=None)

    def sort_links(self):
        links = []
        for key, (_field, label) in SORTS.items():
            current = key == self.sort
            descending = current and not self.descending
            links.append(
                {
                    "key": key,
                    "label": label,
                    "url": self.query_string(tri=f"-{key}" if descending else key, page=None),
                    "aria_sort": ("descending" if self.descending else "ascending") if current else None,
                    "next_direction": _("décroissant") if descending else _("croissant"),
                }
            )
        return links

    def selected(self, name):
        return self.params.get(name, [])


def _params(data):
    if isinstance(data, QueryDict):
        return {k: list(data.getlist(k)) for k in data}
    return {k: list(v) if isinstance(v, list | tuple) else [v] for k, v in data.items()}


def _label(name):
    """What people read for a parameter: the map form's label, else the filter's own."""
    if name in LABELS:
        return LABELS[name]
    declared = MapFilter.base_filters.get(name)
    return declared.label if declared is not None and declared.label else name


def select(data, base=None):
    """Filter and sort published services from GET data; never raises on user input."""
    params = _params(data)
    errors = []
    sort_value = (params.get("tri") or [DEFAULT_SORT])[0]
    descending = sort_value.startswith("-")
    sort = sort_value.lstrip("-")
    if sort not in SORTS:
        errors.append(("tri", str(_("Tri inconnu : le tableau est trié par nom de service."))))
        sort, descending = DEFAULT_SORT, False
        params.pop("tri", None)

    base = on_map() if base is None else base
    for _attempt in range(len(params) + 1):
        query = QueryDict(mutable=True)
        for name, values in params.items():
            query.setlist(name, values)
        service_filter = MapFilter(query, queryset=base)
        if service_filter.is_valid():
            break
        for name, messages in service_filter.form.errors.items():
            label = _label(name)
            for message in messages:
                errors.append((name, f"{label} : {message}"))
            if name == "__all__" or name in ("lat", "lon"):
                for dropped in ("lat", "lon", "radius"):
                    params.pop(dropped, None)
            elif name == "category":
                # Compared in Python: any text is safe (PostgreSQL refuses NUL in a query).
                known = set(Category.objects.values_list("slug", flat=True))
                params["category"] = [v for v in params.get("category", []) if v in known]
                errors.append(("category", str(_("Les thématiques inconnues ont été ignorées."))))
            else:
                params.pop(name, None)
    else:
        service_filter = MapFilter(QueryDict(), queryset=base)
        params = {}

    field_name = SORTS[sort][0]
    order = [f"-{field_name}" if descending else field_name]
    if sort != "nom":
        order.append("search_title")
    queryset = service_filter.qs.order_by(*order, "pk")
    return Selection(queryset=queryset, sort=sort, descending=descending, params=params, errors=errors)
