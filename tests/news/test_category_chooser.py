"""The team (not superusers) creates news categories from the chooser of a news page."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from directory.partners.moderation import STAFF_GROUP
from news.models import NewsCategory

pytestmark = pytest.mark.django_db

CREATE = "wagtailsnippetchoosers_news_newscategory:create"


@pytest.fixture
def staff_client(django_user_model):
    staff = django_user_model.objects.create_user("equipe", "equipe@exemple.org", "motdepasse-solide-42")
    group = Group.objects.get(name=STAFF_GROUP)
    # No migration grants the categories to the team: the 500 was met by team accounts granted them by hand.
    group.permissions.add(*Permission.objects.filter(content_type__model="newscategory"))
    staff.groups.add(group)
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    return client


def test_staff_create_a_category_from_the_chooser(staff_client):
    form = staff_client.get(reverse(CREATE))
    assert form.status_code == 200
    response = staff_client.post(reverse(CREATE), {"name": "Aide alimentaire", "slug": ""})
    assert response.status_code == 200
    assert response.json()["step"] == "chosen"
    assert NewsCategory.objects.get(name="Aide alimentaire").slug == "aide-alimentaire"


def test_empty_category_from_the_chooser_answers_the_form_error(staff_client):
    response = staff_client.post(reverse(CREATE), {})
    assert response.status_code == 200
    answer = response.json()
    assert answer["step"] == "reshow_creation_form"
    assert "Champ requis." in answer["htmlFragment"]
    assert not NewsCategory.objects.exists()


def test_without_the_permission_the_chooser_creates_nothing(django_user_model):
    user = django_user_model.objects.create_user("autre", "autre@exemple.org", "motdepasse-solide-42")
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.post(reverse(CREATE), {"name": "Aide alimentaire"})
    assert response.status_code == 302
    assert not NewsCategory.objects.exists()
