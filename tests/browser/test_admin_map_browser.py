"""The place form's map in the admin: Leaflet from /static/ runs under the admin CSP (no CDN allowed)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "tournesol-gascon-2026"


def test_the_place_map_draws_with_leaflet_from_static(page, demo_server, django_user_model):
    from territories.loading import load_reference_data
    from tests.directory.factories import PlaceFactory

    load_reference_data()
    place = PlaceFactory()
    django_user_model.objects.create_superuser("equipe", "equipe@exemple.org", PASSWORD)
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security" in message.text else None,
    )
    scripts = []
    page.on("request", lambda request: scripts.append(request.url) if "leaflet" in request.url else None)

    page.goto(f"{demo_server.url}/admin/login/")
    page.fill("#id_username", "equipe")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo_server.url}/admin/")
    page.goto(f"{demo_server.url}/admin/snippets/directory/place/edit/{place.pk}/")
    page.locator(".leaflet-container").first.wait_for()
    assert page.evaluate("typeof window.L") == "object"
    assert f"{demo_server.url}/static/leaflet/leaflet.js" in scripts
    assert not [url for url in scripts if not url.startswith(demo_server.url)]
    assert not refused, refused
