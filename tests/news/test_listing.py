"""The news index over HTTP: order, filters, pagination, bad parameters."""

import datetime as dt
import re

import pytest

from tests.news.conftest import add_news

pytestmark = pytest.mark.django_db


def titles(response):
    return re.findall(r'class="news-card__title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


def test_lists_live_news_newest_first_with_feed_links(client, index):
    add_news(index, "Ancienne", date=dt.date(2023, 1, 10))
    add_news(index, "Récente", date=dt.date(2024, 6, 1))
    add_news(index, "Brouillon", date=dt.date(2024, 7, 1), publish=False)
    response = client.get("/actualites/")
    assert response.status_code == 200
    assert titles(response) == ["Récente", "Ancienne"]
    html = response.content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert 'href="/actualites/rss/"' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="/actualites/atom/"' in html
    assert "2 actualités" in html


def test_private_news_are_not_listed(client, index):
    from wagtail.models import PageViewRestriction

    secret = add_news(index, "Réservée")
    add_news(index, "Publique")
    PageViewRestriction.objects.create(page=secret, restriction_type="login")
    assert titles(client.get("/actualites/")) == ["Publique"]


def test_pagination_ten_per_page(client, index):
    for n in range(23):
        add_news(index, f"Actualité {n:02d}", date=dt.date(2024, 1, 1) + dt.timedelta(days=n))
    first = client.get("/actualites/")
    assert titles(first) == [f"Actualité {n:02d}" for n in range(22, 12, -1)]
    html = first.content.decode()
    assert 'aria-label="Pages d\'actualités"' in html or 'aria-label="Pages d&#x27;actualités"' in html
    assert 'href="?page=2" rel="next"' in html
    assert 'aria-current="page"' in html
    last = client.get("/actualites/?page=3")
    assert titles(last) == ["Actualité 02", "Actualité 01", "Actualité 00"]
    assert 'rel="prev"' in last.content.decode()
    assert "page 3 sur 3" in last.content.decode()


@pytest.mark.parametrize(
    ("value", "message", "expected_number"),
    [
        ("abc", "n'est pas valide", 1),
        ("0", "doit être au moins 1", 1),
        ("-4", "doit être au moins 1", 1),
        ("99", "Il n'y a que 2 page(s)", 2),
        ("1e9", "n'est pas valide", 1),
        ("9" * 40, "Il n'y a que 2 page(s)", 2),
    ],
)
def test_bad_page_numbers_fall_back_with_a_message(client, index, value, message, expected_number):
    for n in range(12):
        add_news(index, f"Actualité {n:02d}", date=dt.date(2024, 1, 1) + dt.timedelta(days=n))
    response = client.get("/actualites/", {"page": value})
    assert response.status_code == 200
    html = response.content.decode().replace("&#x27;", "'")
    assert message in html
    assert f'aria-current="page"><span class="visually-hidden">Page </span>{expected_number}<' in html


def test_filter_by_category_tag_and_year(client, index):
    add_news(index, "Collecte", date=dt.date(2020, 12, 3), categories=["Aide alimentaire"], tags=["collecte"])
    add_news(index, "Budget", date=dt.date(2021, 4, 12), categories=["Accès aux droits"], tags=["budget"])
    add_news(
        index, "Tiers-lieux", date=dt.date(2021, 3, 15), categories=["Aide alimentaire"], tags=["budget"]
    )

    assert titles(client.get("/actualites/?category=aide-alimentaire")) == ["Tiers-lieux", "Collecte"]
    assert titles(client.get("/actualites/?tag=budget")) == ["Budget", "Tiers-lieux"]
    assert titles(client.get("/actualites/?year=2021")) == ["Budget", "Tiers-lieux"]
    assert titles(client.get("/actualites/?year=2021&category=aide-alimentaire")) == ["Tiers-lieux"]
    combined = client.get("/actualites/?year=2020&tag=budget")
    assert titles(combined) == []
    assert "Aucune actualité ne correspond à votre choix" in combined.content.decode()


def test_filter_form_offers_existing_values(client, index):
    add_news(index, "Collecte", date=dt.date(2020, 12, 3), categories=["Aide alimentaire"], tags=["collecte"])
    html = client.get("/actualites/").content.decode()
    assert '<option value="aide-alimentaire">Aide alimentaire</option>' in html
    assert '<option value="collecte">collecte</option>' in html
    assert '<option value="2020">2020</option>' in html
    assert '<label for="id_category">Catégorie</label>' in html


def test_filters_survive_pagination(client, index):
    for n in range(12):
        add_news(index, f"Alim {n:02d}", date=dt.date(2024, 1, 1) + dt.timedelta(days=n), categories=["Alim"])
    add_news(index, "Autre", categories=["Autre"])
    html = client.get("/actualites/?category=alim").content.decode()
    assert 'href="?category=alim&amp;page=2" rel="next"' in html
    assert titles(client.get("/actualites/?category=alim&page=2")) == ["Alim 01", "Alim 00"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("category=inconnue", "La catégorie « inconnue » n'existe pas"),
        ("tag=inconnu", "Le mot-clé « inconnu » n'existe pas"),
        ("year=deux-mille", "l'année « deux-mille »"),
        ("year=1999", "l'année « 1999 »"),
        ("year=99999999999999999999", "l'année"),
    ],
)
def test_bad_filter_values_answer_200_with_a_message_and_keep_the_list(client, index, query, message):
    add_news(index, "Collecte", date=dt.date(2020, 12, 3), categories=["Aide alimentaire"], tags=["collecte"])
    response = client.get(f"/actualites/?{query}")
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert titles(response) == ["Collecte"]


def test_a_bad_filter_does_not_cancel_the_good_ones(client, index):
    add_news(index, "Collecte", date=dt.date(2020, 12, 3), tags=["collecte"])
    add_news(index, "Budget", date=dt.date(2021, 4, 12), tags=["budget"])
    response = client.get("/actualites/?tag=budget&category=nope")
    assert titles(response) == ["Budget"]
    assert "n'existe pas" in response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize(
    "query",
    [
        "category=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "tag=%00",
        "year=%F0%9F%98%80",
        "page=%00",
        "category=a&category=b&year=2020&year=x",
        "category=" + "x" * 5000,
    ],
)
def test_hostile_parameters_never_500_and_are_escaped(client, index, query):
    add_news(index, "Collecte")
    response = client.get(f"/actualites/?{query}")
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


def test_campaigns_in_progress_head_the_first_unfiltered_page(client, index):
    from news.models import CampaignPage

    today = dt.date.today()
    running = CampaignPage(
        title="Campagne en cours",
        start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=3),
        hero_text="Participez !",
    )
    ended = CampaignPage(
        title="Campagne passée",
        start_date=today - dt.timedelta(days=30),
        end_date=today - dt.timedelta(days=1),
        hero_text="Merci !",
    )
    for page in (running, ended):
        index.add_child(instance=page)
        page.save_revision().publish()
    add_news(index, "Collecte", categories=["Aide alimentaire"])
    html = client.get("/actualites/").content.decode()
    assert "Campagnes en cours" in html and "Campagne en cours" in html
    assert "Campagne passée" not in html
    assert "Campagnes en cours" not in client.get("/actualites/?category=aide-alimentaire").content.decode()


def test_empty_index(client, index):
    response = client.get("/actualites/")
    assert response.status_code == 200
    assert "Aucune actualité pour le moment" in response.content.decode()


def test_tags_of_drafts_are_not_offered(client, index):
    add_news(index, "Publiée", tags=["collecte"])
    add_news(index, "Sous embargo", tags=["annonce-secrete"], publish=False)
    html = client.get("/actualites/").content.decode()
    assert '<option value="collecte">' in html
    assert "annonce-secrete" not in html
    response = client.get("/actualites/?tag=annonce-secrete")
    assert "n'existe pas" in response.content.decode().replace("&#x27;", "'")
    assert titles(response) == ["Publiée"]
