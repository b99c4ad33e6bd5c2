"""Directory models and opening hours, without HTTP."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from directory.listings import hours
from directory.models import Place
from tests.directory.factories import OrganisationFactory, PlaceFactory, ServiceFactory, commune

pytestmark = pytest.mark.django_db


def paris(*args):
    return dt.datetime(*args, tzinfo=hours.PARIS)


def test_opening_hours_are_validated_with_a_french_message(gers):
    service = ServiceFactory.build(
        organisation=OrganisationFactory(), place=PlaceFactory(), opening_hours="lundi 9h-12h"
    )
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "format OpenStreetMap" in error.value.message_dict["opening_hours"][0]
    service.opening_hours = "Mo-Fr 09:00-12:00; Tu[2] 14:00-16:00; PH off"
    service.full_clean()


def test_reserved_slug_and_unique_slugs(gers):
    first = ServiceFactory(title="Carte")
    assert first.slug == "carte-2"
    second = ServiceFactory(title="Épicerie solidaire")
    third = ServiceFactory(title="Épicerie solidaire")
    assert (second.slug, third.slug) == ("epicerie-solidaire", "epicerie-solidaire-2")


def test_slugs_spell_out_oe(gers):
    organisation = OrganisationFactory(name="Restos du Cœur", slug="")
    service = ServiceFactory(title="Repas du cœur", organisation=organisation)
    assert (organisation.slug, service.slug) == ("restos-du-coeur", "repas-du-coeur")


def test_on_site_service_needs_a_place(gers):
    service = ServiceFactory.build(organisation=OrganisationFactory(), place=None, on_site=True)
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "place" in error.value.message_dict


def test_contact_details_fall_back_to_the_organisation(gers):
    service = ServiceFactory(
        organisation=OrganisationFactory(phone="05 62 11 22 33", email="asso@exemple.org")
    )
    assert (service.contact_phone, service.contact_email) == ("05 62 11 22 33", "asso@exemple.org")
    service.phone, service.email = "0800 323 130", "service@exemple.org"
    assert (service.contact_phone, service.contact_email) == ("0800 323 130", "service@exemple.org")


def test_map_point_and_indexed_floats_stay_in_step(gers):
    place = PlaceFactory()
    place.location = "SRID=4326;POINT(0.59 43.65)"
    place.save()
    place.refresh_from_db()
    assert (place.latitude, place.longitude, place.geocoding_precision) == (43.65, 0.59, "manual")
    place.latitude, place.longitude = 43.7, 0.6
    place.location = ""
    place.save()
    assert place.location == "SRID=4326;POINT(0.6 43.7)"


def test_place_without_coordinates_is_geocoded_offline_to_its_commune(gers):
    mirande = commune("32256")
    place = Place.objects.create(
        organisation=OrganisationFactory(), name="Mairie", address="Rue inconnue", commune=mirande
    )
    assert (place.latitude, place.longitude) == (mirande.latitude, mirande.longitude)
    assert place.geocoding_precision == "commune"
    assert place.postcode == "32300"


def test_search_text_follows_the_organisation_and_categories(gers):
    service = ServiceFactory(title="Épicerie", categories=["alimentation"])
    assert "alimentation" in service.search_text and "epicerie" in service.search_title
    organisation = service.organisation
    organisation.name = "Secours Populaire Français"
    organisation.save()
    service.refresh_from_db()
    assert "secours populaire francais" in service.search_text


def test_directions_link_points_at_the_place(gers):
    place = PlaceFactory(latitude=43.64652, longitude=0.58551)
    assert place.directions_url().startswith(
        "https://www.openstreetmap.org/directions?route=%3B43.64652%2C0.58551"
    )


class TestHours:
    weekdays = "Mo-Fr 09:00-12:00,14:00-17:00; PH off"

    def test_open_closed_and_unknown(self):
        assert hours.is_open(self.weekdays, paris(2026, 11, 24, 11, 59)) is True
        assert hours.is_open(self.weekdays, paris(2026, 11, 24, 12, 0)) is False
        assert hours.is_open("", paris(2026, 11, 24, 10)) is None
        assert hours.is_open("garbage!", paris(2026, 11, 24, 10)) is None

    def test_french_public_holidays(self):
        # 11 November, 25 December and Easter Monday 2027 (29 March) are closed with "PH off".
        for day in (paris(2026, 11, 11, 10), paris(2026, 12, 25, 10), paris(2027, 3, 29, 10)):
            assert hours.is_open(self.weekdays, day) is False

    def test_week_schedule_and_today(self):
        week = hours.week_schedule(self.weekdays, paris(2026, 11, 23, 8))
        assert [d["day_name"] for d in week][:2] == ["lundi", "mardi"]
        assert week[0]["hours"] == "9 h 00 – 12 h 00, 14 h 00 – 17 h 00" and week[0]["is_today"]
        assert week[5]["hours"] == "fermé"
        assert hours.today_label(self.weekdays, paris(2026, 11, 28, 8)) == "Fermé aujourd'hui"

    def test_next_opening_skips_weekends_and_holidays(self):
        assert hours.next_opening(self.weekdays, paris(2026, 11, 27, 17, 30)) == paris(2026, 11, 30, 9)
        assert hours.next_opening(self.weekdays, paris(2026, 11, 10, 17, 30)) == paris(2026, 11, 12, 9)

    def test_monthly_permanence_across_daylight_saving(self):
        # Second Tuesday of the month, 9:00–12:00 local time, before and after the October change.
        expression = "Tu[2] 09:00-12:00"
        assert hours.next_opening(expression, paris(2026, 10, 1)) == paris(2026, 10, 13, 9)
        november = hours.next_opening(expression, paris(2026, 10, 14))
        assert november == paris(2026, 11, 10, 9) and november.utcoffset() == dt.timedelta(hours=1)
        assert hours.next_opening(expression, paris(2027, 3, 1)).utcoffset() == dt.timedelta(hours=1)
        assert hours.next_opening(expression, paris(2027, 3, 29)).utcoffset() == dt.timedelta(hours=2)

    def test_schema_org_hours(self):
        specs = hours.schema_org_hours(self.weekdays, paris(2026, 11, 23, 8))
        assert specs[0] == {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": "https://schema.org/Monday",
            "opens": "09:00",
            "closes": "12:00",
            "validFrom": "2026-11-23",
            "validThrough": "2026-11-23",
        }
        assert len(specs) == 10


def test_services_follow_their_place_when_it_moves(gers):
    from directory.models import Service
    from directory.search.filters import ServiceFilter

    service = ServiceFactory()
    place = service.place
    place.location = "SRID=4326;POINT(0.35 43.45)"  # from Auch to Mirande's side
    place.save()
    service.refresh_from_db()
    assert (service.latitude, service.longitude) == (43.45, 0.35)
    found = ServiceFilter(
        {"lat": "43.45", "lon": "0.35", "radius": "1"}, queryset=Service.objects.public()
    ).qs
    assert list(found) == [service]
