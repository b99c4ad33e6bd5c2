import datetime as dt

from django.utils import timezone

from directory.models import Stop, Tour
from directory.tours.models import StopStatus
from tests.directory.factories import OrganisationFactory, commune


def make_tour(name="Camping-car solidaire", service=None, onboard=(), live=True, organisation=None):
    from directory.models import Category

    tour = Tour.objects.create(
        organisation=organisation or (service.organisation if service else OrganisationFactory()),
        service=service,
        name=name,
        live=live,
    )
    if onboard:
        tour.onboard_categories.set(Category.objects.filter(slug__in=onboard))
        tour.save()
    return tour


def add_stops(tour, insee_code, days, status=StopStatus.SCHEDULED, **point):
    """Stops of `tour` at a commune (its centre unless latitude/longitude are given), `days` from today."""
    today = timezone.localdate()
    stops = []
    for day in days:
        stops.append(
            Stop.objects.create(
                tour=tour,
                commune=commune(insee_code),
                place_name="Place de la mairie",
                date=today + dt.timedelta(days=day),
                start_time=dt.time(9, 0),
                end_time=dt.time(12, 0),
                status=status,
                cancellation_reason="Panne" if status == StopStatus.CANCELLED else "",
                **point,
            )
        )
    return stops
