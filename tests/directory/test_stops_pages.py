"""The public pages of the camping-car's stops: the week calendar, a commune's stops, a tour, the home block."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from directory.listings import hours
from directory.models import DirectoryPage
from directory.tours import stops as tours
from directory.tours.models import StopStatus
from tests.directory.factories import commune
from tests.directory.schedule_factories import StopFactory, StopPatternFactory, TourFactory
from tests.html_text import visible_text

MIRANDE, MASSEUBE, LECTOURE, BERDOUES = "32256", "32242", "32208", "32045"
# Tuesday 10 March 2026, 8:00 (week 2026-W11: 9–15 March).
TUESDAY = dt.datetime(2026, 3, 10, 8, 0, tzinfo=hours.PARIS)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(TUESDAY, tick=False)


@pytest.fixture
def site(home, gers):
    page = home.add_child(instance=DirectoryPage(title="Trouver de l'aide", slug="annuaire"))
    page.save_revision().publish()
    return home


@pytest.fixture
def tour(site):
    tour = TourFactory(
        name="Camping-car connecté",
        slug="camping-car-connecte",
        description="Deux agents vous aident dans vos démarches.",
        team="Deux agents de Gers Solidaire",
        phone="0800 323 130",
    )
    for rule, insee, place in (
        ("Tu[2] 09:00-12:00", MIRANDE, "place du Foirail"),
        ("Tu[2] 14:00-17:00", MASSEUBE, "place de la Mairie"),
        ("Th[2] 09:30-12:30", LECTOURE, "cours Gambetta"),
    ):
        tours.generate_stops(
            StopPatternFactory(
                tour=tour,
                commune=commune(insee),
                place_name=place,
                rule=rule,
                starts_on=dt.date(2026, 1, 1),
                ends_on=dt.date(2026, 12, 31),
            )
        )
    cancelled = tour.stops.get(date=dt.date(2026, 3, 12))
    cancelled.status, cancelled.cancellation_reason = StopStatus.CANCELLED, "Véhicule en réparation"
    cancelled.save()
    return tour


def text(response):
    return visible_text(response)


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def assert_csp_friendly(response):
    html = soup(response)
    assert all(tag.get("src") for tag in html.find_all("script"))
    assert not html.find_all("style") and not html.select("[style]")


def test_week_calendar_groups_the_weeks_stops_by_day(client, tour):
    response = client.get("/annuaire/passages/")
    assert response.status_code == 200
    html = soup(response)
    assert html.find("h1").get_text(strip=True) == "Passages du camping-car"
    assert "Semaine du 9 au 15 mars 2026" in html.find("h2", id="titre-semaine").get_text()
    days = [h.get_text(strip=True) for h in html.select(".stops-day h3")]
    assert days == ["Mardi 10 mars 2026", "Jeudi 12 mars 2026"]
    body = text(response)
    assert "9 h 00 – 12 h 00" in body and "Mirande, place du Foirail" in body
    assert "14 h 00 – 17 h 00" in body and "Masseube, place de la Mairie" in body
    # The cancelled stop is still listed, clearly marked, with its reason.
    cancelled = html.select_one(".stop--cancelled")
    assert "Lectoure" in cancelled.get_text() and "Annulé : Véhicule en réparation" in " ".join(
        cancelled.get_text().split()
    )
    assert "3 passages" in body
    # Map data on the list items (no inline script), and the calendar links.
    assert len(html.select(".js-stop[data-lat][data-lon]")) == 3
    assert html.select_one(".js-stops-map")["data-list"] == "passages-semaine"
    assert html.find("a", href="/annuaire/tournees/camping-car-connecte/agenda.ics")
    assert_csp_friendly(response)


def test_weeks_are_chosen_by_iso_week_or_by_date(client, tour):
    html = soup(client.get("/annuaire/passages/?semaine=2026-W15"))
    assert "Semaine du 6 au 12 avril 2026" in html.find("h2", id="titre-semaine").get_text()
    # Second Thursday, 9 April; second Tuesday, 14 April: next week.
    assert [h.get_text(strip=True) for h in html.select(".stops-day h3")] == ["Jeudi 9 avril 2026"]
    by_date = soup(client.get("/annuaire/passages/?date=16/04/2026"))
    assert "Semaine du 13 au 19 avril 2026" in by_date.find("h2", id="titre-semaine").get_text()
    assert [h.get_text(strip=True) for h in by_date.select(".stops-day h3")] == ["Mardi 14 avril 2026"]
    iso = soup(client.get("/annuaire/passages/?date=2026-04-14"))
    assert iso.select_one(".stops-day--highlighted h3").get_text(strip=True) == "Mardi 14 avril 2026"
    # A date picked in the form wins over the week the form carries.
    both = soup(client.get("/annuaire/passages/?semaine=2026-W15&date=14/04/2026"))
    assert "Semaine du 13 au 19 avril 2026" in both.find("h2", id="titre-semaine").get_text()
    nav = html.select(".week-nav a")
    assert [a["href"] for a in nav] == [
        "/annuaire/passages/?semaine=2026-W14",
        "/annuaire/passages/",
        "/annuaire/passages/?semaine=2026-W16",
    ]
    assert html.select_one("form input[name=semaine]")["value"] == "2026-W15"
    assert soup(client.get("/annuaire/passages/?semaine=2025-W53")).select_one(
        ".error-summary"
    )  # 52 weeks in 2025
    assert (
        "28 décembre 2026 au 3 janvier 2027"
        in soup(client.get("/annuaire/passages/?semaine=2026-W53")).find("h2").get_text()
    )
    assert soup(client.get("/annuaire/passages/?semaine=2026W11")).select_one(".error-summary") is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("semaine=2026-W60", "La semaine « 2026-W60 » n'est pas valide"),
        ("semaine=n%27importe%20quoi", "n'est pas valide"),
        ("semaine=99999-W01", "n'est pas valide"),
        ("date=31/02/2026", "La date « 31/02/2026 » n'est pas valide"),
        ("date=2026-13-01", "n'est pas valide"),
        ("commune=Atlantis", "Nous ne trouvons pas la commune « Atlantis »"),
        ("lat=abc&lon=0.4", "La position reçue n'est pas valide"),
        ("lat=43.5&lon=999", "La position reçue n'est pas valide"),
        ("lat=nan&lon=0.4", "La position reçue n'est pas valide"),
        ("lat=43.5&lon=0.4&rayon=-3", "Le rayon doit être un nombre"),
        ("lat=43.5&lon=0.4&rayon=1e309", "Le rayon doit être un nombre"),
        ("commune=%00%00", "Nous ne trouvons pas la commune"),
        ("insee=99999", "Aucune commune du Gers n'a le code INSEE « 99999 »"),
        ("insee=%3Cb%3E", "Aucune commune du Gers n'a le code INSEE"),
    ],
)
def test_bad_parameters_get_a_french_message_and_the_page_still_works(client, tour, query, message):
    response = client.get(f"/annuaire/passages/?{query}")
    assert response.status_code == 200
    errors = soup(response).select_one(".error-summary")
    assert errors is not None and message in " ".join(errors.get_text().split())
    assert soup(response).find("h2", id="titre-semaine")


def test_filter_by_commune_name_code_or_postcode(client, tour):
    for value in ("commune=Mirande", "commune=32256", "commune=32300", "commune=mirande", "insee=32256"):
        html = soup(client.get(f"/annuaire/passages/?{value}"))
        places = [li.select_one(".stop__where").get_text(strip=True) for li in html.select(".stop")]
        assert places == ["Mirande, place du Foirail"], value
        assert html.find("a", href=f"/annuaire/communes/{MIRANDE}/passages.ics")
        assert html.select_one("#passages-commune")["value"] in ("Mirande", "mirande", "32256", "32300")
    # 32300 typed by a person is Mirande's postcode; the page's links carry the exact INSEE code instead.
    nav = soup(client.get("/annuaire/passages/?commune=32300")).select(".week-nav a")
    assert nav[-1]["href"] == "/annuaire/passages/?insee=32256&semaine=2026-W12"
    orbessan = soup(client.get("/annuaire/passages/?insee=32300"))
    assert "Aucun passage à Orbessan" in orbessan.select_one(".stops-count").get_text()


def test_an_unknown_commune_gets_suggestions(client, tour):
    html = soup(client.get("/annuaire/passages/?commune=Mirandr"))
    links = {a.get_text(): a["href"] for a in html.select(".error-summary .suggestions__list a")}
    assert links["Mirande (32300)"] == "/annuaire/passages/?insee=32256"


def test_a_week_without_stops_in_the_commune_points_to_the_next_one(client, tour):
    response = client.get(f"/annuaire/passages/?commune={MIRANDE}&semaine=2026-W12")
    html = soup(response)
    assert "Aucun passage à Mirande cette semaine-là" in text(response)
    link = html.select_one("#passages-semaine a")
    assert link["href"] == "/annuaire/passages/?insee=32256&semaine=2026-W16"
    assert "mardi 14 avril 2026" in link.get_text()


def test_around_me_lists_the_stops_within_the_radius_with_distances(client, tour):
    mirande = commune(MIRANDE)
    response = client.get(f"/annuaire/passages/?lat={mirande.latitude}&lon={mirande.longitude}&rayon=10")
    html = soup(response)
    where = [li.select_one(".stop__where").get_text(strip=True) for li in html.select(".stop")]
    assert where == ["Mirande, place du Foirail"]  # Masseube is about 17 km away, Lectoure about 47 km
    assert "à moins de 100 m" in text(response)
    assert "1 passage à moins de 10 km de votre position" in text(response)
    wider = soup(client.get(f"/annuaire/passages/?lat={mirande.latitude}&lon={mirande.longitude}&rayon=20"))
    assert [li.select_one(".stop__where a").get_text() for li in wider.select(".stop")] == [
        "Mirande",
        "Masseube",
    ]
    assert "à 17" in wider.select(".stop__distance")[1].get_text()
    assert wider.select_one("#passages-rayon option[selected]")["value"] == "20"


def test_unpublished_tours_are_not_shown(client, tour):
    draft = TourFactory(live=False, name="Tournée en préparation")
    StopFactory(tour=draft, commune=commune(BERDOUES), date=dt.date(2026, 3, 11))
    response = client.get("/annuaire/passages/")
    assert "Berdoues" not in text(response) and "Tournée en préparation" not in text(response)
    assert client.get(f"/annuaire/tournees/{draft.slug}/").status_code == 404


def test_commune_page_lists_its_next_stops_and_those_nearby(client, tour):
    StopFactory(
        tour=tour, commune=commune(BERDOUES), date=dt.date(2026, 3, 19), place_name="place de l'Église"
    )
    StopFactory(
        tour=tour, commune=commune(BERDOUES), date=dt.date(2026, 5, 19), place_name="place de l'Église"
    )
    response = client.get(f"/annuaire/communes/{MIRANDE}/passages/")
    assert response.status_code == 200
    html = soup(response)
    assert html.find("h1").get_text(strip=True) == "Passages du camping-car à Mirande"
    days = [h.get_text(strip=True) for h in html.select(".stops-day h3")]
    assert days[:3] == ["Mardi 10 mars 2026", "Mardi 14 avril 2026", "Mardi 12 mai 2026"]
    # Within 15 km and the next month: Berdoues (about 5 km) in March, not in May; Masseube is 17 km away.
    nearby = html.find("section", attrs={"aria-labelledby": "titre-proximite"})
    assert [li.select_one(".stop__where a").get_text() for li in nearby.select(".stop")] == ["Berdoues"]
    assert (
        "Jeudi 19 mars 2026" in nearby.get_text() and "à 5" in nearby.select_one(".stop__distance").get_text()
    )
    assert html.find("a", href=f"/annuaire/communes/{MIRANDE}/passages.ics")
    assert html.find("a", href=f"/annuaire/passages/?insee={MIRANDE}")
    assert_csp_friendly(response)
    for insee in ("00000", "abcde", "322561"):
        assert client.get(f"/annuaire/communes/{insee}/passages/").status_code == 404


def test_commune_without_stops(client, tour):
    response = client.get(f"/annuaire/communes/{BERDOUES}/passages/")
    assert response.status_code == 200
    assert "Aucun passage n'est prévu à Berdoues pour le moment." in text(response)


def test_tour_page(client, tour):
    response = client.get("/annuaire/tournees/camping-car-connecte/")
    assert response.status_code == 200
    html = soup(response)
    assert html.find("h1").get_text(strip=True) == "Camping-car connecté"
    body = text(response)
    assert "Deux agents de Gers Solidaire" in body
    assert html.find("a", href="tel:+33800323130")
    first_days = [h.get_text(strip=True) for h in html.select(".stops-day h3")][:2]
    assert first_days == ["Mardi 10 mars 2026", "Jeudi 12 mars 2026"]
    assert "Annulé : Véhicule en réparation" in body
    assert html.find("a", href="/annuaire/tournees/camping-car-connecte/agenda.ics")
    assert_csp_friendly(response)
    assert client.get("/annuaire/tournees/inconnue/").status_code == 404


def test_home_page_block_shows_the_next_stops(client, tour):
    response = client.get("/")
    html = soup(response)
    block = html.find("section", attrs={"aria-labelledby": "home-stops-title"})
    assert block.find("h2").get_text(strip=True) == "Prochains passages du camping-car"
    items = [" ".join(li.get_text().split()) for li in block.select(".stop")]
    assert len(items) == 3
    assert items[0].startswith("Mardi 10 mars 2026, 9 h 00 – 12 h 00") and "Mirande" in items[0]
    assert "Annulé" in items[2] and "Véhicule en réparation" in items[2]
    assert block.find("a", href="/annuaire/passages/")
    assert_csp_friendly(response)


def test_home_page_block_is_absent_without_stops(client, site):
    html = soup(client.get("/"))
    assert html.find("section", attrs={"aria-labelledby": "home-stops-title"}) is None
