"""Page edits: a save from a form loaded before another save is refused, with a link to Wagtail's compare view."""

import html
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, streamfield

from home.models import StandardPage
from tests.factories import StandardPageFactory, make_site

HIDDEN = re.compile(
    r'<input type="hidden" name="(loaded_revision_id|loaded_revision_created_at)" value="([^"]*)"'
)


def load(client, page):
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    return {name: html.unescape(value) for name, value in HIDDEN.findall(response.content.decode())}


def post(client, page, loaded, **changes):
    data = nested_form_data(
        {"title": page.title, "slug": page.slug, "intro": page.intro, "body": streamfield([]), **changes}
    )
    return client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]), {**data, **loaded, "action-publish": "1"}
    )


@pytest.mark.django_db
def test_the_second_of_two_editors_publishing_the_same_page_is_refused(django_user_model, capsys):
    _site, home = make_site()
    page = StandardPageFactory(parent=home, title="Qui sommes-nous", intro="Avant.")
    page.save_revision().publish()
    clients = []
    for name in ("redaction1", "redaction2"):
        client = Client()
        client.force_login(
            django_user_model.objects.create_superuser(name, f"{name}@exemple.org", "x-solide-42")
        )
        clients.append(client)
    loaded = [load(client, page) for client in clients]

    first = post(clients[0], page, loaded[0], intro="Chapô de la rédaction 1.")
    assert first.status_code == 302
    second = post(clients[1], page, loaded[1], intro="Chapô de la rédaction 2.")
    assert second.status_code == 200
    (message,) = [str(m) for m in get_messages(second.wsgi_request)]
    assert "refusé" in message and "/compare/" in message
    live = StandardPage.objects.get(pk=page.pk)
    lost = int(live.intro != "Chapô de la rédaction 1.")
    with capsys.disabled():
        print(f"\npage edits: lost edits: {lost}")
    assert lost == 0
