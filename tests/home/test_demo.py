"""`load_demo` builds a credible site and a second run changes nothing."""

import pytest
from django.core.management import call_command
from wagtail.images.models import Image
from wagtail.models import GroupPagePermission, Page, Revision, Site

from home.models import ContactSettings, HomePage
from newsletter.models import Campaign, NewsletterIndexPage, NewsletterIssuePage
from territories.models import Commune, Epci

pytestmark = pytest.mark.django_db


def snapshot():
    site = Site.objects.get(is_default_site=True)
    contact = ContactSettings.for_site(site)
    return {
        "pages": list(
            Page.objects.order_by("path").values_list("path", "slug", "title", "live", "latest_revision_id")
        ),
        "revisions": Revision.objects.count(),
        "images": list(Image.objects.values_list("title", "file")),
        "site": (site.root_page_id, site.site_name),
        "contact": (contact.legal_page_id, contact.sitemap_page_id, contact.default_share_image_id),
        "communes": Commune.objects.count(),
        "epci": Epci.objects.count(),
        "page_permissions": GroupPagePermission.objects.count(),
    }


def test_load_demo_builds_the_site_and_is_idempotent(capsys):
    call_command("load_demo")
    first = snapshot()
    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    slugs = set(home.get_children().values_list("slug", flat=True))
    assert {
        "qui-sommes-nous",
        "nos-missions",
        "actualites",
        "mentions-legales",
        "accessibilite",
        "donnees-personnelles",
        "plan-du-site",
        "lettre-information",
    } <= slugs
    missions = home.get_children().get(slug="nos-missions")
    assert missions.get_children().count() == 3
    assert first["communes"] == 458 and first["epci"] == 17
    assert len(first["images"]) == 2
    # The newsletter: its page (the home block leads to it) and a sample issue, published but never sent.
    newsletter = NewsletterIndexPage.objects.live().get()
    assert home.newsletter_page_id == newsletter.pk
    issue = NewsletterIssuePage.objects.child_of(newsletter).live().get()
    assert issue.news_items.count() == 1 and not Campaign.objects.exists()
    # Wagtail's placeholder page is gone.
    assert not Page.objects.filter(depth=2).exclude(pk=home.pk).exists()

    call_command("load_demo")
    assert snapshot() == first
    assert "rien à créer" in capsys.readouterr().out


def test_demo_images_are_generated_not_downloaded():
    import io

    from PIL import Image as PILImage

    from home import demo_images

    picture = PILImage.open(io.BytesIO(demo_images.gers_landscape(320, 200)))
    assert picture.size == (320, 200)
    assert demo_images.gers_landscape(320, 200) == demo_images.gers_landscape(320, 200)
