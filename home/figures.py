"""Key figures of the home page that the site's own data can give: computed when shown, never typed in.

A figure typed by hand goes stale silently (the demo said "15 portraits" while the observatory has one per EPCI
loaded); one that counts the data stays right as partners and staff change it.
"""

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _


def _epci_count():
    from territories.models import Epci

    return Epci.objects.count()


def _tour_communes():
    from directory.tours.models import StopStatus
    from directory.tours.stops import public_stops

    return public_stops().exclude(status=StopStatus.CANCELLED).values("commune").distinct().count()


def _open_third_places():
    from directory.listings.vocabulary import ServiceKind, ServiceStatus
    from directory.models import Service

    return (
        Service.objects.public()
        .filter(kind=ServiceKind.THIRD_PLACE)
        .exclude(status=ServiceStatus.PLANNED)
        .count()
    )


def _published_services():
    from directory.models import Service

    return Service.objects.public().count()


# source → (what editors choose in the admin, how it is counted)
SOURCES = {
    "epci_portraits": (_("Portraits de territoire (une par intercommunalité)"), _epci_count),
    "tour_communes": (_("Communes où passe le service public itinérant"), _tour_communes),
    "third_places": (_("Tiers-lieux solidaires ouverts"), _open_third_places),
    "services": (_("Services publiés dans l'annuaire"), _published_services),
}

SOURCE_CHOICES = [("", _("Chiffre saisi ci-dessus"))] + [(key, label) for key, (label, _f) in SOURCES.items()]


def computed(source):
    """The figure, formatted in French ("1 234"), or "" when the data has none (the figure is then not shown)."""
    if source not in SOURCES:
        return ""
    count = SOURCES[source][1]()
    return number_format(count, force_grouping=True) if count else ""
