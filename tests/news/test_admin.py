"""The Wagtail admin for news: editors can create and edit news, campaigns and categories."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from news.models import CampaignPage, NewsCategory, NewsPage
from tests.news.conftest import add_news

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser("admin", "admin@exemple.fr", "motdepasse-solide")
    client.force_login(admin)
    return client


def test_edit_views_render(staff_client, index):
    news = add_news(index, "Collecte", categories=["Aide alimentaire"], tags=["collecte"])
    campaign = CampaignPage(
        title="Campagne", start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 2, 1), hero_text="x"
    )
    index.add_child(instance=campaign)
    for page in (index, news, campaign):
        response = staff_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        assert response.status_code == 200, page
    for model in ("newspage", "campaignpage"):
        response = staff_client.get(reverse("wagtailadmin_pages:add", args=["news", model, index.pk]))
        assert response.status_code == 200


def test_create_news_through_the_admin(staff_client, index):
    from tests.directory.factories import ServiceFactory

    service = ServiceFactory(title="Épicerie sociale", place=None)
    category = NewsCategory.objects.create(name="Aide alimentaire")
    data = nested_form_data(
        {
            "title": "Nouvelle épicerie",
            "slug": "nouvelle-epicerie",
            "date": "2024-05-02",
            "summary": "Une épicerie sociale ouvre.",
            "hero_image_alt": "",
            "body": streamfield([]),
            "tags": "épicerie, alimentation",
            "related_services": inline_formset([{"service": service.pk}]),
            "action-publish": "publish",
        }
    )
    data["categories"] = [category.pk]
    response = staff_client.post(reverse("wagtailadmin_pages:add", args=["news", "newspage", index.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = NewsPage.objects.get(slug="nouvelle-epicerie")
    assert page.live
    assert list(page.categories.all()) == [category]
    assert sorted(t.name for t in page.tags.all()) == ["alimentation", "épicerie"]
    assert page.published_services() == [service]


def test_news_category_snippet(staff_client):
    response = staff_client.get(reverse("wagtailsnippets_news_newscategory:list"))
    assert response.status_code == 200
    category = NewsCategory.objects.create(name="Accès aux droits")
    assert category.slug == "acces-aux-droits"
    assert NewsCategory.objects.create(name="Accès aux droits !").slug == "acces-aux-droits-2"
