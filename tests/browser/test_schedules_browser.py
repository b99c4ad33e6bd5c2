"""The camping-car's stops and a permanence in a real browser: axe-core, the cancelled stop, the calendar feeds
fetched by the browser, "Autour de moi" on the calendar, a declared closure on the service page."""

import datetime as dt
import re

import pytest

from tests.browser.conftest import axe_violations, scripts_done
from tests.browser.test_directory_browser import track_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIRANDE, MASSEUBE, LECTOURE = "32256", "32242", "32208"
REASON = "Camping-car en maintenance : passage reporté au mois prochain."


@pytest.fixture
def schedules(demo_server, built_once):
    """Demo-like data made with the factories, dated from today: a tour with three stops (one cancelled), and a
    permanence closed by a declared closure since this morning."""
    from directory.listings import hours

    # Dated from today: a run that passes midnight builds the next day's data.
    demo_server.day, demo_server.reopens = built_once(
        f"demo site, schedules of {hours.local_now().date()}", build_schedules
    )
    return demo_server


def build_schedules():
    from wagtail.models import Site

    from directory.listings import hours
    from directory.listings.vocabulary import ServiceKind
    from directory.models import DirectoryPage
    from directory.tours.models import StopStatus
    from territories.loading import load_reference_data
    from tests.directory.factories import PlaceFactory, ServiceFactory, commune
    from tests.directory.schedule_factories import ClosureFactory, StopFactory, TourFactory

    load_reference_data()
    home = Site.objects.get(is_default_site=True).root_page
    home.add_child(
        instance=DirectoryPage(title="Trouver de l'aide", slug="annuaire")
    ).save_revision().publish()
    today = hours.local_now().date()
    day = today + dt.timedelta(days=1)
    itinerant = ServiceFactory(
        kind=ServiceKind.ITINERANT, place=None, title="Service public itinérant", opening_hours=""
    )
    tour = TourFactory(
        organisation=itinerant.organisation,
        service=itinerant,
        name="Camping-car connecté",
        slug="camping-car-connecte",
        description="Deux agents vous aident dans vos démarches en ligne.",
        team="Deux agents de Gers Solidaire",
        phone="0800 323 130",
    )
    at = {"tour": tour, "place_name": "place de la Mairie"}
    StopFactory(commune=commune(MIRANDE), date=day, start_time=dt.time(9, 30), end_time=dt.time(12, 30), **at)
    StopFactory(
        commune=commune(MASSEUBE),
        date=day,
        start_time=dt.time(14),
        end_time=dt.time(17, 30),
        status=StopStatus.CANCELLED,
        cancellation_reason=REASON,
        **at,
    )
    StopFactory(commune=commune(LECTOURE), date=day + dt.timedelta(days=7), **at)
    place = PlaceFactory(commune=commune(MIRANDE), name="Maison des solidarités de Mirande")
    permanence = ServiceFactory(
        place=place,
        organisation=place.organisation,
        title="Permanence de l'assistante sociale",
        slug="permanence-assistante-sociale",
        opening_hours="Mo-Su 09:00-17:00",
    )
    ClosureFactory(
        service=permanence, starts_on=today, ends_on=today + dt.timedelta(days=2), reason="Congés de l'agente"
    )
    return day, today + dt.timedelta(days=3)


def _calendar(schedules):
    return f"/annuaire/passages/?date={schedules.day:%Y-%m-%d}"


def pages(schedules):
    return [
        _calendar(schedules),
        f"/annuaire/communes/{MASSEUBE}/passages/",
        "/annuaire/tournees/camping-car-connecte/",
        "/annuaire/permanence-assistante-sociale/",
        "/annuaire/service-public-itinerant/",
    ]


def test_schedule_pages_have_no_serious_accessibility_violation(page, schedules):
    refused = track_csp(page)
    for path in pages(schedules):
        response = page.goto(schedules.url + path)
        assert response.status == 200, path
        scripts_done(page)
        assert axe_violations(page) == [], path
    assert page.js_errors == []
    assert refused == []


def test_a_cancelled_stop_is_visibly_marked_with_its_reason(page, schedules):
    for path in pages(schedules)[:3]:
        page.goto(schedules.url + path)
        stop = page.locator(".stop--cancelled")
        assert stop.count() == 1, path
        assert stop.locator(".badge--cancelled").is_visible()
        assert stop.locator(".badge--cancelled").inner_text() == "Annulé"
        assert stop.locator(".stop__reason").is_visible()
        assert stop.locator(".stop__reason").inner_text().replace("\xa0", " ") == f"Annulé : {REASON}"
    # On the map too, where the list has a point for it.
    page.goto(schedules.url + "/annuaire/tournees/camping-car-connecte/")
    page.locator(".js-stops-map .leaflet-marker-pane .stop-marker--cancelled").wait_for()


def test_cancelled_stops_differ_on_the_map_by_glyph_not_colour_alone(page, schedules):
    """RGAA 3.1: a cross marks a cancelled stop's marker, a dot the others; the map's legend shows both."""
    page.goto(schedules.url + "/annuaire/tournees/camping-car-connecte/")
    cancelled = page.locator(".leaflet-marker-pane .stop-marker--cancelled").first
    cancelled.wait_for()
    scheduled = page.locator(".leaflet-marker-pane .stop-marker:not(.stop-marker--cancelled)").first

    def glyph(marker):
        return marker.evaluate(
            """el => {
                const glyph = el.querySelector('.stop-marker__glyph');
                const before = getComputedStyle(glyph, '::before');
                return {content: before.content, round: before.borderRadius, width: before.width};
            }"""
        )

    assert glyph(cancelled)["content"] == '"\u2715"'
    assert glyph(scheduled)["content"] == '""' and glyph(scheduled)["round"] == "50%"
    legend = page.locator(".js-stops-map .stops-legend")
    assert legend.is_visible()
    assert legend.locator("li").all_inner_texts() == ["Passage prévu", "Passage annulé"]
    assert glyph(legend.locator(".stop-marker--cancelled"))["content"] == glyph(cancelled)["content"]
    legend_dot = glyph(legend.locator(".stop-marker:not(.stop-marker--cancelled)"))
    assert legend_dot["content"] == '""' and legend_dot["round"] == "50%"


@pytest.mark.parametrize(
    ("path", "uids"),
    [
        (f"/annuaire/communes/{MASSEUBE}/passages/", 1),
        ("/annuaire/tournees/camping-car-connecte/", 3),
        ("/annuaire/permanence-assistante-sociale/", None),
    ],
)
def test_add_to_my_calendar_links_a_feed_the_browser_fetches(page, schedules, path, uids):
    import icalendar

    page.goto(schedules.url + path)
    link = page.get_by_role("link", name=re.compile("^Ajouter à mon agenda"))
    href = link.get_attribute("href")
    assert href.endswith(".ics")
    feed = page.evaluate(
        "async (href) => { const r = await fetch(href); "
        "return {status: r.status, type: r.headers.get('content-type'), text: await r.text()}; }",
        href,
    )
    assert feed["status"] == 200
    assert feed["type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed["text"]).walk("VEVENT")
    if uids is not None:
        assert len(events) == uids
        assert [str(e["STATUS"]) for e in events].count("CANCELLED") == 1
    else:
        # The permanence's dates start after its closure.
        assert events and min(e.decoded("DTSTART").date() for e in events) == schedules.reopens


def test_around_me_on_the_calendar_lists_the_nearby_stops(page, schedules):
    from tests.directory.factories import commune

    refused = track_csp(page)
    mirande = commune(MIRANDE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": mirande.latitude, "longitude": mirande.longitude})
    page.goto(schedules.url + _calendar(schedules) + "&commune=Lectoure")
    assert "Mirande" not in page.locator("#passages-semaine").inner_text()
    page.get_by_role("button", name="Autour de moi").click()
    page.wait_for_url(re.compile(r"lat=43\.\d{3}&lon=0\.\d{3}"))
    assert "commune=Lectoure" not in page.url
    assert page.get_by_label("Commune").input_value() == ""
    listed = page.locator("#passages-semaine .stop__where a").all_inner_texts()
    assert "Mirande" in listed
    assert page.js_errors == []
    assert refused == []


def test_around_me_on_the_directory_search_still_works(page, schedules):
    """The same script serves the directory's search (htmx there)."""
    from tests.directory.factories import commune

    mirande = commune(MIRANDE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": mirande.latitude, "longitude": mirande.longitude})
    page.goto(schedules.url + "/annuaire/?where=Auch")
    page.evaluate("window.__pageNotReloaded = true")
    page.get_by_role("button", name="Autour de moi").click()
    page.locator("#results-heading").filter(has_text="de votre position").wait_for()
    page.wait_for_url(re.compile(r"lat=43\.\d{3}&lon=0\.\d{3}"))
    assert page.evaluate("window.__pageNotReloaded") is True
    assert page.get_by_label("Où ?").input_value() == ""
    assert page.js_errors == []


def test_a_declared_closure_shows_on_the_service_page_and_in_the_results(page, schedules):
    from django.utils.formats import date_format

    page.goto(schedules.url + "/annuaire/permanence-assistante-sociale/")
    assert page.locator(".service__header .badge--closed").inner_text() == "Fermé"
    status = page.locator(".service__status").inner_text().replace("\xa0", " ")
    assert status.startswith("Fermé du ") and "Congés de l'agente" in status
    assert f"Prochaine ouverture : {date_format(schedules.reopens, 'l j F')} à 9 h 00." in status
    assert "Congés de l'agente" in page.locator(".hours-table__today").inner_text()
    page.goto(schedules.url + "/annuaire/?where=Mirande")
    result = page.locator(".js-result", has_text="Permanence de l'assistante sociale")
    assert result.locator(".badge--closed").inner_text() == "Fermé"
