"""News and campaign pages: content, related directory services, campaign period, Open Graph image."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from pytest_django.asserts import assertInHTML
from wagtail.images import get_image_model

from news.models import CampaignPage, CampaignState, NewsPageRelatedService
from tests.html_text import soup, text_of, visible_text
from tests.news.conftest import add_news

pytestmark = pytest.mark.django_db


def make_image(title, colour="red"):
    buffer = io.BytesIO()
    PILImage.new("RGB", (1600, 900), colour).save(buffer, "PNG")
    image = get_image_model()(title=title)
    image.file.save(f"{title}.png", ImageFile(buffer, name=f"{title}.png"), save=False)
    image.save()
    return image


def og_image(html):
    meta = soup(html).select_one('meta[property="og:image"]')
    return meta["content"] if meta else None


def test_news_page_shows_date_summary_body_categories_and_tags(client, index):
    page = add_news(
        index,
        "Point Conseil Budget",
        date=dt.date(2021, 4, 12),
        summary="Un conseil gratuit.",
        categories=["Accès aux droits"],
        tags=["budget"],
        body=[{"type": "paragraph", "value": "<p>Le label est obtenu.</p>"}],
    )
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assertInHTML("<h1>Point Conseil Budget</h1>", html)
    assertInHTML('<time datetime="2021-04-12">12 avril 2021</time>', html)
    assertInHTML("<p>Le label est obtenu.</p>", html)
    assertInHTML('<meta name="description" content="Un conseil gratuit.">', html)
    assertInHTML('<meta property="og:type" content="article">', html)
    assert 'href="/actualites/?category=acces-aux-droits">Accès aux droits</a>' in html
    assert 'href="/actualites/?tag=budget">budget</a>' in html
    assert 'href="/actualites/rss/"' in html


def test_related_services_only_when_published(client, index):
    from tests.directory.factories import ServiceFactory

    published = ServiceFactory(title="Point Conseil Budget d'Auch", place=None)
    draft = ServiceFactory(title="Service en brouillon", place=None, live=False)
    page = add_news(index, "Budget")
    page.related_services = [
        NewsPageRelatedService(service=draft, sort_order=0),
        NewsPageRelatedService(service=published, sort_order=1),
    ]
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    assert "Dans l'annuaire France Contact" in html.replace("&#x27;", "'")
    assert f'<a href="/annuaire/{published.slug}/">Point Conseil Budget d&#x27;Auch</a>' in html
    assert "Service en brouillon" not in html

    published.live = False
    published.save()
    html = client.get(page.url).content.decode()
    assert "France Contact" not in html


def test_og_image_is_the_news_image_unless_a_share_image_is_chosen(client, index, settings):
    photo = make_image("photo")
    page = add_news(index, "Avec image", hero_image=photo, hero_image_alt="Des bénévoles trient des denrées")
    html = client.get(page.url).content.decode()
    url = og_image(html)
    assert url and url.startswith(settings.SITE_URL + "/") and "photo" in url
    assert 'alt="Des bénévoles trient des denrées"' in html

    page.share_image = make_image("partage", "blue")
    page.save_revision().publish()
    assert "partage" in og_image(client.get(page.url).content.decode())


def test_news_without_image_has_no_og_image_and_decorative_alt_is_empty(client, index):
    page = add_news(index, "Sans image")
    assert og_image(client.get(page.url).content.decode()) is None
    decorative = add_news(index, "Décorative", hero_image=make_image("deco"))
    img = soup(client.get(decorative.url)).select_one('img[src*="deco"]')
    assert img["alt"] == ""


def _campaign(index, start, end, **fields):
    fields.setdefault("hero_text", "Rejoignez-nous.")
    page = CampaignPage(
        title=fields.pop("title", "Couturières solidaires"), start_date=start, end_date=end, **fields
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_campaign_running_shows_its_call_to_action(client, index, home):
    today = dt.date.today()
    page = _campaign(
        index,
        today - dt.timedelta(days=1),
        today + dt.timedelta(days=10),
        cta_label="Je participe",
        cta_page=home,
    )
    html = client.get(page.url).content.decode()
    assert page.state() == CampaignState.RUNNING
    assert '<a class="button button--large" href="/">Je participe</a>' in html
    assert "Campagne terminée" not in html


def test_campaign_after_its_end_date_says_it_is_over_and_hides_the_button(client, index):
    today = dt.date.today()
    page = _campaign(
        index,
        today - dt.timedelta(days=60),
        today - dt.timedelta(days=1),
        cta_label="Je participe",
        cta_url="https://exemple.org/participer",
    )
    html = client.get(page.url).content.decode()
    assert page.is_ended
    assertInHTML("<strong>Campagne terminée</strong>", html)
    assert "Je participe" not in html


def test_campaign_last_day_is_still_running_and_upcoming_is_announced(client, index):
    today = dt.date.today()
    last_day = _campaign(index, today - dt.timedelta(days=5), today, title="Dernier jour")
    assert last_day.state() == CampaignState.RUNNING
    upcoming = _campaign(index, today + dt.timedelta(days=2), today + dt.timedelta(days=9), title="Bientôt")
    assert "Campagne à venir" in client.get(upcoming.url).content.decode()


def test_campaign_validation(index):
    page = CampaignPage(
        title="Mauvaises dates",
        slug="x",
        start_date=dt.date(2024, 5, 2),
        end_date=dt.date(2024, 5, 1),
        hero_text="x",
    )
    with pytest.raises(ValidationError) as excinfo:
        page.clean()
    assert "end_date" in excinfo.value.message_dict
    page = CampaignPage(
        title="Bouton sans cible",
        slug="y",
        start_date=dt.date(2024, 5, 1),
        end_date=dt.date(2024, 5, 2),
        hero_text="x",
        cta_label="Go",
    )
    with pytest.raises(ValidationError) as excinfo:
        page.clean()
    assert "cta_page" in excinfo.value.message_dict


def test_home_page_latest_news_shows_the_summary(client, home, index):
    home.news_index = index
    home.save_revision().publish()
    add_news(index, "Collecte", summary="Soixante tonnes collectées.")
    html = client.get("/").content.decode()
    assert "Collecte" in html and "Soixante tonnes collectées." in html


def home_cards(client):
    """(title, date line) of each card on the home page, the date line as a parsed element."""
    cards = soup(client.get("/")).select("li.card")
    return [(visible_text(card, ".card__title a"), card.select_one("p.card__meta")) for card in cards]


def test_home_lists_campaigns_under_way_first_never_ended_ones_and_news_by_their_date(client, home, index):
    home.news_index = index
    home.save_revision().publish()
    today = dt.date.today()
    add_news(index, "Ancienne", date=dt.date(2021, 1, 18))
    add_news(index, "Récente", date=dt.date(2024, 5, 1))
    # Published last, as the demo does: it must not come first for that.
    _campaign(index, dt.date(2020, 4, 6), dt.date(2020, 6, 30), title="Campagne finie")
    titles = [title for title, _meta in home_cards(client)]
    assert titles == ["Récente", "Ancienne"]

    _campaign(index, today - dt.timedelta(days=1), today + dt.timedelta(days=9), title="Campagne en cours")
    cards = home_cards(client)
    assert [title for title, _meta in cards] == ["Campagne en cours", "Récente", "Ancienne"]
    meta = dict(cards)
    # Each card says its own date, not the day it went online.
    assert text_of(meta["Récente"]) == "Publié le 1 mai 2024"
    assert meta["Récente"].time["datetime"] == "2024-05-01"
    assert meta["Campagne en cours"].time["datetime"] == f"{today - dt.timedelta(days=1):%Y-%m-%d}"
    assert text_of(meta["Campagne en cours"]).startswith("Campagne du")
