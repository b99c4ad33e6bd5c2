"""Permanences' next dates and a tiers-lieu's agenda on the service page (public holidays, declared closures)."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from directory.listings import hours
from directory.listings import occurrences as agenda
from directory.listings.vocabulary import ServiceKind
from directory.models import DirectoryPage
from directory.search import index
from tests.directory.factories import PlaceFactory, ServiceFactory, commune
from tests.directory.schedule_factories import ClosureFactory

MASSEUBE = "32242"
# Wednesday 1 April 2026, 10:00. Easter Monday is 6 April; 1 May and 8 May 2026 are Fridays.
APRIL_1 = dt.datetime(2026, 4, 1, 10, 0, tzinfo=hours.PARIS)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(APRIL_1, tick=False)


@pytest.fixture
def place(home, gers):
    home.add_child(
        instance=DirectoryPage(title="Trouver de l'aide", slug="annuaire")
    ).save_revision().publish()
    return PlaceFactory(commune=commune(MASSEUBE), name="Tiers-lieu solidaire de Masseube")


def permanence(place, title, opening_hours, **fields):
    return ServiceFactory(
        place=place,
        organisation=place.organisation,
        kind=ServiceKind.PERMANENCE,
        title=title,
        opening_hours=opening_hours,
        **fields,
    )


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def dates_on_page(html):
    return [" ".join(li.get_text().split()) for li in html.select("#titre-prochaines-dates ~ .dates-list li")]


def test_next_six_dates_skip_public_holidays(client, place):
    service = permanence(place, "Assistante sociale", "Mo,Fr 09:00-12:00; PH off", slug="assistante-sociale")
    html = soup(client.get("/annuaire/assistante-sociale/"))
    assert html.find("h2", id="titre-prochaines-dates")
    assert dates_on_page(html) == [
        "Vendredi 3 avril 2026, 9 h 00 – 12 h 00",
        # Monday 6 April (Easter Monday) is skipped.
        "Vendredi 10 avril 2026, 9 h 00 – 12 h 00",
        "Lundi 13 avril 2026, 9 h 00 – 12 h 00",
        "Vendredi 17 avril 2026, 9 h 00 – 12 h 00",
        "Lundi 20 avril 2026, 9 h 00 – 12 h 00",
        "Vendredi 24 avril 2026, 9 h 00 – 12 h 00",
    ]
    assert html.find("a", href="/annuaire/assistante-sociale/agenda.ics")
    # 1 May and 8 May (Fridays) are public holidays too.
    assert [o.date for o in agenda.occurrences(service, count=9)][-3:] == [
        dt.date(2026, 4, 27),
        dt.date(2026, 5, 4),
        dt.date(2026, 5, 11),
    ]


def test_declared_closures_of_the_service_or_of_its_place_are_skipped_and_shown(client, place):
    service = permanence(place, "Point numérique", "Tu[2,4] 14:00-17:00; PH off", slug="point-numerique")
    ClosureFactory(
        service=service, starts_on=dt.date(2026, 4, 14), ends_on=dt.date(2026, 4, 14), reason="Formation"
    )
    ClosureFactory(
        place=place, starts_on=dt.date(2026, 5, 25), ends_on=dt.date(2026, 5, 31), reason="Travaux"
    )
    ClosureFactory(place=PlaceFactory(), starts_on=dt.date(2026, 4, 28), ends_on=dt.date(2026, 4, 28))
    html = soup(client.get("/annuaire/point-numerique/"))
    assert dates_on_page(html)[:4] == [
        # 14 April: the service's own closure; 26 May: the place is closed.
        "Mardi 28 avril 2026, 14 h 00 – 17 h 00",
        "Mardi 12 mai 2026, 14 h 00 – 17 h 00",
        "Mardi 9 juin 2026, 14 h 00 – 17 h 00",
        "Mardi 23 juin 2026, 14 h 00 – 17 h 00",
    ]
    closures = [" ".join(li.get_text().split()) for li in html.select(".closures li")]
    assert closures == [
        "Le mardi 14 avril 2026 : Formation",
        "Du 25 mai 2026 au 31 mai 2026 (fermeture du lieu) : Travaux",
    ]


def test_next_dates_stay_within_six_months(place):
    service = permanence(place, "Rare", "Jan 15 09:00-12:00; PH off")
    assert agenda.occurrences(service) == []
    yearly = permanence(place, "Annuelle", "Sep 15 09:00-12:00")
    assert [o.date for o in agenda.occurrences(yearly)] == [dt.date(2026, 9, 15)]


def test_a_permanence_under_way_shows_its_real_start(place):
    service = permanence(place, "Ce matin", "We 09:00-12:00")
    first = agenda.occurrences(service)[0]
    assert (first.start, first.end) == (
        dt.datetime(2026, 4, 1, 9, 0, tzinfo=hours.PARIS),
        dt.datetime(2026, 4, 1, 12, 0, tzinfo=hours.PARIS),
    )


def test_tiers_lieu_page_shows_the_combined_agenda_of_its_permanences(client, place):
    third_place = ServiceFactory(
        place=place,
        organisation=place.organisation,
        kind=ServiceKind.THIRD_PLACE,
        title="Tiers-lieu solidaire de Masseube",
        slug="tiers-lieu-masseube",
        opening_hours="Mo,We 14:00-17:30; PH off",
    )
    permanence(place, "Assistante sociale de la MDS", "We 09:00-12:00; PH off", appointment_required=True)
    permanence(place, "Mission locale", "Th[1] 14:00-17:00; PH off")
    permanence(PlaceFactory(), "Ailleurs", "We 09:00-12:00")
    ClosureFactory(
        place=place, starts_on=dt.date(2026, 4, 8), ends_on=dt.date(2026, 4, 8), reason="Inventaire"
    )
    html = soup(client.get(f"/annuaire/{third_place.slug}/"))
    section = html.find("section", attrs={"aria-labelledby": "titre-agenda-lieu"})
    days = [h.get_text(strip=True) for h in section.select("h3")]
    assert days[:4] == [
        "Mercredi 1 avril 2026",
        "Jeudi 2 avril 2026",
        "Mercredi 15 avril 2026",
        "Mercredi 22 avril 2026",
    ]
    entries = [" ".join(li.get_text().split()) for li in section.select("li")]
    assert entries[0] == "9 h 00 – 12 h 00 : Assistante sociale de la MDS (sur rendez-vous)"
    assert entries[1] == "14 h 00 – 17 h 00 : Mission locale"
    assert "Ailleurs" not in section.get_text()
    assert section.find("a", href=f"/annuaire/{third_place.slug}/agenda.ics")
    assert "Inventaire" in html.select_one(".closures").get_text()


def test_services_without_dates_show_no_agenda(client, place):
    ServiceFactory(place=place, organisation=place.organisation, slug="sans-horaires", opening_hours="")
    html = soup(client.get("/annuaire/sans-horaires/"))
    assert html.find(id="titre-prochaines-dates") is None and html.find(id="titre-agenda-lieu") is None
    assert "agenda.ics" not in str(html)


# --- Declared closures and what the page says now ---------------------------------------------------------


def status_text(html):
    return " ".join(html.select_one(".service__status").get_text().split())


def week_rows(html):
    return [" ".join(row.get_text(" ").split()) for row in html.select(".hours-table tbody tr")]


def test_a_closure_under_way_closes_the_service_now_with_its_reason_and_next_opening(client, place):
    # Wednesday 1 April, 10:00: open on any other week.
    permanence(place, "Épicerie sociale", "Mo-Fr 09:00-12:00; PH off", slug="epicerie")
    ClosureFactory(
        place=place, starts_on=dt.date(2026, 3, 30), ends_on=dt.date(2026, 4, 3), reason="Congés de printemps"
    )
    html = soup(client.get("/annuaire/epicerie/"))
    assert html.select_one(".badge--closed").get_text() == "Fermé"
    assert html.select_one(".badge--open") is None
    # Easter Monday (6 April) is a public holiday: the next opening is on Tuesday.
    assert status_text(html) == (
        "Fermé du 30 mars 2026 au 3 avril 2026 : Congés de printemps. "
        "Prochaine ouverture : mardi 7 avril à 9 h 00."
    )
    assert week_rows(html)[:7] == [
        "Mercredi 1 avril (aujourd'hui) fermé (Congés de printemps)",
        "Jeudi 2 avril fermé (Congés de printemps)",
        "Vendredi 3 avril fermé (Congés de printemps)",
        "Samedi 4 avril fermé",
        "Dimanche 5 avril fermé",
        "Lundi 6 avril fermé",
        "Mardi 7 avril 9 h 00 – 12 h 00",
    ]
    assert "Ouvert maintenant" not in html.get_text()


def test_closures_in_the_past_or_the_future_do_not_change_today(client, place):
    service = permanence(place, "Épicerie sociale", "Mo-Fr 09:00-12:00; PH off", slug="epicerie")
    ClosureFactory(
        service=service, starts_on=dt.date(2026, 3, 16), ends_on=dt.date(2026, 3, 31), reason="Avant"
    )
    ClosureFactory(
        service=service, starts_on=dt.date(2026, 4, 2), ends_on=dt.date(2026, 4, 3), reason="Après"
    )
    html = soup(client.get("/annuaire/epicerie/"))
    assert html.select_one(".badge--open").get_text() == "Ouvert maintenant"
    assert status_text(html) == "Ouvert maintenant, jusqu'à 12 h 00."
    assert week_rows(html)[:3] == [
        "Mercredi 1 avril (aujourd'hui) 9 h 00 – 12 h 00",
        "Jeudi 2 avril fermé (Après)",
        "Vendredi 3 avril fermé (Après)",
    ]


def test_a_closed_service_shows_fermé_in_the_search_results(client, place):
    closed = permanence(place, "Épicerie fermée", "Mo-Fr 09:00-12:00", slug="epicerie-fermee")
    permanence(place, "Épicerie ouverte", "Mo-Fr 09:00-12:00", slug="epicerie-ouverte")
    ClosureFactory(service=closed, starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 4, 1))
    html = soup(client.get("/annuaire/"))
    results = {
        item.select_one(".result__title").get_text(strip=True): item for item in html.select(".result")
    }
    badges = {
        title: item.select_one(".badge--open, .badge--closed").get_text() for title, item in results.items()
    }
    assert badges == {"Épicerie fermée": "Fermé", "Épicerie ouverte": "Ouvert maintenant"}
    assert "Aujourd'hui Fermé le 1 avril 2026" in " ".join(results["Épicerie fermée"].get_text(" ").split())


def test_the_open_now_filter_leaves_out_services_closed_by_a_declaration(client, place):
    closed = permanence(place, "Épicerie fermée", "Mo-Fr 09:00-12:00", slug="epicerie-fermee")
    permanence(place, "Épicerie ouverte", "Mo-Fr 09:00-12:00", slug="epicerie-ouverte")
    elsewhere = PlaceFactory()
    permanence(elsewhere, "Lieu fermé", "Mo-Fr 09:00-12:00", slug="lieu-ferme")
    ClosureFactory(service=closed, starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 4, 1))
    ClosureFactory(place=elsewhere, starts_on=dt.date(2026, 3, 30), ends_on=dt.date(2026, 4, 2))
    ClosureFactory(place=place, starts_on=dt.date(2026, 4, 2), ends_on=dt.date(2026, 4, 30))

    html = soup(client.get("/annuaire/", {"open_now": "true"}))
    assert [a.get_text(strip=True) for a in html.select(".result__title a")] == ["Épicerie ouverte"]
    # The API's filter is the same one, and answers "closed" too.
    response = client.get("/api/v1/services", {"open_now": "false"})
    assert sorted(r["title"] for r in response.json()["results"]) == ["Lieu fermé", "Épicerie fermée"]
    # Each item says so as well, with the closure for today's hours; the next opening skips the closure.
    items = {r["title"]: r for r in client.get("/api/v1/services").json()["results"]}
    assert [items[t]["open_now"] for t in ("Épicerie fermée", "Lieu fermé", "Épicerie ouverte")] == [
        False,
        False,
        True,
    ]
    assert items["Épicerie fermée"]["today_hours"].startswith("Fermé le 1 avril 2026")
    assert items["Lieu fermé"]["today_hours"].startswith("Fermé du 30 mars 2026 au 2 avril 2026")
    assert items["Épicerie ouverte"]["today_hours"] == "9 h 00 – 12 h 00"
    detail = client.get("/api/v1/services/lieu-ferme").json()
    assert detail["open_now"] is False and detail["next_opening"].startswith("2026-04-03T09:00")
    feature = {
        f["properties"]["title"]: f["properties"]
        for f in client.get("/api/v1/services.geojson").json()["features"]
    }
    assert feature["Épicerie fermée"]["open_now"] is False


def test_the_elasticsearch_open_now_query_leaves_out_services_closed_today():
    body = index.build_search({"open_now": True}, open_expressions=["24/7"], closed_ids=[7, 3]).to_dict()
    assert body["query"]["bool"]["filter"] == [
        {"bool": {"must": [{"terms": {"opening_hours": ["24/7"]}}], "must_not": [{"terms": {"pk": [3, 7]}}]}}
    ]


class Closed:
    def __init__(self, starts_on, ends_on, reason=""):
        self.starts_on, self.ends_on, self.reason = starts_on, ends_on, reason


def test_opening_functions_skip_declared_closures():
    expression = "Mo-Fr 09:00-12:00; PH off"
    back_to_back = [
        Closed(dt.date(2026, 4, 1), dt.date(2026, 4, 3)),
        Closed(dt.date(2026, 4, 4), dt.date(2026, 4, 8)),
    ]
    assert hours.is_open(expression, APRIL_1) is True
    assert hours.is_open(expression, APRIL_1, back_to_back) is False
    # Declared closed even when the hours are unknown.
    assert hours.is_open("", APRIL_1, back_to_back) is False
    # Chained closures, then Thursday 9 April.
    assert hours.next_opening(expression, APRIL_1, back_to_back) == dt.datetime(
        2026, 4, 9, 9, tzinfo=hours.PARIS
    )
    # A closure later on is skipped too: not Thursday 2 April, but Friday.
    later = [Closed(dt.date(2026, 4, 2), dt.date(2026, 4, 2))]
    after_noon = APRIL_1.replace(hour=13)
    assert hours.next_opening(expression, after_noon, later) == dt.datetime(2026, 4, 3, 9, tzinfo=hours.PARIS)
    assert hours.today_label(expression, APRIL_1, later) == "9 h 00 – 12 h 00"
    assert hours.today_label(expression, APRIL_1, back_to_back) == "Fermé du 1 avril 2026 au 3 avril 2026"
    week = hours.week_schedule(expression, APRIL_1, later)
    assert [(d["hours"], d["closed"]) for d in week[:2]] == [
        ("9 h 00 – 12 h 00", False),
        ("fermé (fermeture annoncée)", True),
    ]
    assert [s["validFrom"] for s in hours.schema_org_hours(expression, APRIL_1, later)] == [
        "2026-04-01",
        "2026-04-03",
        "2026-04-07",
    ]


def test_closure_labels():
    assert hours.closure_label(Closed(dt.date(2026, 4, 14), dt.date(2026, 4, 14))) == "fermé le 14 avril 2026"
    assert (
        hours.closure_label(Closed(dt.date(2026, 12, 21), dt.date(2027, 1, 2), "congés"))
        == "fermé du 21 décembre 2026 au 2 janvier 2027 : congés"
    )
