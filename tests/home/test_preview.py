"""Previews in the admin: the page is drawn inside the admin's own iframe, so its policy must let the admin frame it."""

import re

import pytest
from django.test import RequestFactory
from wagtail.models import Page

pytestmark = pytest.mark.django_db


def test_a_preview_may_be_framed_by_the_admin_and_keeps_the_public_policy(demo_site, django_user_model):
    # Wagtail renders a preview through the middleware again, with a dummy request for the page's own address:
    # the public policy applies to it, and its "frame-ancestors 'none'" blanked the admin's preview panel.
    page = Page.objects.get(url_path="/accueil/qui-sommes-nous/").specific
    request = RequestFactory().get(f"/admin/pages/{page.pk}/edit/preview/?in_preview_panel=true")
    request.user = django_user_model.objects.create_superuser(
        "redaction", "redaction@exemple.org", "x-Secret-9"
    )
    response = page.make_preview_request(request, page.default_preview_mode)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert re.search(r"frame-ancestors 'self'(;|$)", csp), csp
    # Only framing changes: the page's scripts stay as strict as on the public site.
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


def test_public_pages_still_refuse_to_be_framed(client, demo_site):
    assert "frame-ancestors 'none'" in client.get("/qui-sommes-nous/")["Content-Security-Policy"]
