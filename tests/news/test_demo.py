import pytest
from wagtail.models import Page

from news.demo import load_news
from news.models import CampaignPage, NewsCategory, NewsIndexPage, NewsPage, NewsPageRelatedService
from tests.factories import StandardPageFactory

pytestmark = pytest.mark.django_db


def counts():
    return (
        Page.objects.count(),
        NewsCategory.objects.count(),
        NewsPageRelatedService.objects.count(),
    )


def test_load_news_builds_the_section_and_a_second_run_creates_nothing(client, home):
    message = load_news()
    assert message.startswith("Actualités créées")
    index = NewsIndexPage.objects.get()
    assert index.url == "/actualites/"
    assert 4 <= NewsPage.objects.child_of(index).live().count() <= 6
    campaign = CampaignPage.objects.child_of(index).get()
    assert campaign.is_ended
    home.refresh_from_db()
    assert home.news_index_id == index.pk

    before = counts()
    assert load_news() == "Actualités : rien à créer, tout est déjà en place."
    assert counts() == before

    response = client.get("/actualites/")
    assert response.status_code == 200
    assert "Point Conseil Budget" in response.content.decode()
    assert client.get(campaign.url).status_code == 200
    assert "Campagne terminée" in client.get(campaign.url).content.decode()
    for page in NewsPage.objects.live():
        assert client.get(page.url).status_code == 200


def test_load_news_links_directory_services_once_they_exist(home):
    from directory.models import Service
    from tests.directory.factories import ServiceFactory

    load_news()
    assert NewsPageRelatedService.objects.count() == 0
    ServiceFactory(title="Point Conseil Budget", place=None, source_id="demo-service-point-conseil-budget")
    assert "1 lien(s) vers l'annuaire" in load_news()
    link = NewsPageRelatedService.objects.get()
    assert link.page.slug == "point-conseil-budget"
    assert link.service == Service.objects.get()
    assert load_news() == "Actualités : rien à créer, tout est déjà en place."


def test_load_news_leaves_another_page_at_actualites_alone(home):
    placeholder = StandardPageFactory(parent=home, title="Actualités", slug="actualites")
    message = load_news()
    assert "déjà prise" in message
    assert not NewsIndexPage.objects.exists()
    assert Page.objects.get(pk=placeholder.pk).specific_class.__name__ == "StandardPage"
