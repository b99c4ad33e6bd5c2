"""Factories for pages and settings used across the test suite."""

import factory
import wagtail_factories
from wagtail.models import Site

from home.models import HomePage, StandardPage


class HomePageFactory(wagtail_factories.PageFactory):
    title = "Accueil"
    hero_title = "Trouver de l'aide dans le Gers"
    hero_text = "Un texte d'accueil."

    class Meta:
        model = HomePage


class StandardPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Page {n}")
    intro = "Une introduction."

    class Meta:
        model = StandardPage


def make_site(**home_fields):
    """A default site whose root is a fresh HomePage (Wagtail's welcome page is left aside)."""
    from wagtail.models import Page

    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root, **home_fields)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site(hostname="localhost", port=80, is_default_site=True)
    site.root_page = home
    site.site_name = "Gers Solidaire"
    site.save()
    return site, home
