"""Factories for tours, recurring stops, stops and closures (the `gers` fixture loads the communes)."""

import datetime as dt

import factory

from directory.listings.models import Closure
from directory.tours.models import Stop, StopPattern, Tour
from tests.directory.factories import OrganisationFactory, commune


class TourFactory(factory.django.DjangoModelFactory):
    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Camping-car {n}")
    vehicle = "Camping-car"
    live = True

    class Meta:
        model = Tour


class StopPatternFactory(factory.django.DjangoModelFactory):
    tour = factory.SubFactory(TourFactory)
    commune = factory.LazyFunction(lambda: commune("32256"))
    place_name = "place du Foirail"
    rule = "Tu[2] 09:00-12:00"
    starts_on = dt.date(2026, 1, 1)
    ends_on = dt.date(2026, 6, 30)

    class Meta:
        model = StopPattern


class StopFactory(factory.django.DjangoModelFactory):
    tour = factory.SubFactory(TourFactory)
    commune = factory.LazyFunction(lambda: commune("32256"))
    place_name = "place du Foirail"
    date = dt.date(2026, 3, 10)
    start_time = dt.time(9, 0)
    end_time = dt.time(12, 0)

    class Meta:
        model = Stop


class ClosureFactory(factory.django.DjangoModelFactory):
    starts_on = dt.date(2026, 8, 1)
    ends_on = dt.date(2026, 8, 31)
    reason = "Congés d'été"

    class Meta:
        model = Closure
