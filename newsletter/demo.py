"""Demo newsletter: its page (archive and subscription form) under the home page and one sample issue. Idempotent.

The issue is published on the site but never sent: sending stays a deliberate act of the staff.
"""

from django.db import transaction
from wagtail.models import Page, Site

from .models import NewsletterIndexPage, NewsletterIssueNews, NewsletterIssuePage
from .roles import ensure_newsletter_roles

INDEX = {
    "title": "Lettre d'information",
    # Not "lettre": /lettre/ starts the subscription's own addresses.
    "slug": "lettre-information",
    "intro": (
        "<p>Une fois par trimestre, les nouvelles de Gers Solidaire et de ses partenaires : actions, campagnes "
        "et nouveaux services près de chez vous. Gratuite, sans publicité, et vous pouvez vous désinscrire "
        "d'un clic.</p>"
    ),
    "search_description": "S'inscrire à la lettre d'information de Gers Solidaire et lire les lettres précédentes.",
    "show_in_menus": False,
}

ISSUE = {
    "title": "Lettre de l'hiver : collectes, tiers-lieux et Numéro Vert",
    "slug": "lettre-hiver",
    "preheader": "La collecte de novembre, les tiers-lieux solidaires et le Numéro Vert Social.",
    "editorial": (
        "<p>L'hiver est la saison où l'aide alimentaire compte le plus. Merci aux bénévoles, aux donateurs et "
        "aux communes qui rendent possibles les collectes et les distributions partout dans le Gers.</p>"
        "<p>Vous cherchez une aide près de chez vous ? L'annuaire France Contact recense les permanences, "
        "les épiceries solidaires et les passages du service itinérant.</p>"
    ),
    "cta_title": "Besoin d'aide ou d'un conseil ?",
    "cta_text": "Le Numéro Vert Social répond gratuitement, du lundi au vendredi.",
    "cta_label": "Trouver de l'aide près de chez moi",
    # Demo news linked when present (news/demo.py).
    "news": ("collecte-novembre-60-tonnes",),
}


@transaction.atomic
def load_newsletter():
    """Create what is missing; returns a French summary. A second run creates nothing."""
    from home.models import HomePage

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return "Lettre d'information : aucun site par défaut, rien n'est créé."
    home = site.root_page.specific
    created = []

    index = NewsletterIndexPage.objects.first()
    if index is None:
        if Page.objects.child_of(home).filter(slug=INDEX["slug"]).exists():
            return (
                "Lettre d'information : l'adresse /lettre-information/ est déjà prise par une autre page ; "
                "rien n'est créé."
            )
        index = NewsletterIndexPage(**INDEX)
        home.add_child(instance=index)
        index.save_revision().publish()
        created.append(index.title)

    if not NewsletterIssuePage.objects.child_of(index).exists():
        news_slugs = ISSUE["news"]
        fields = {key: value for key, value in ISSUE.items() if key != "news"}
        issue = NewsletterIssuePage(**fields)
        issue.cta_page = Page.objects.live().filter(slug="annuaire").first()
        for sort_order, page in enumerate(Page.objects.live().filter(slug__in=news_slugs)):
            issue.news_items.add(NewsletterIssueNews(news_page=page, sort_order=sort_order))
        index.add_child(instance=issue)
        issue.save_revision().publish()
        created.append(issue.title)

    # The home page's newsletter block leads to the page, unless staff chose another one.
    if isinstance(home, HomePage) and home.newsletter_page_id is None:
        home.newsletter_page = index
        home.save_revision().publish()
        created.append("le lien de l'accueil vers la lettre")

    ensure_newsletter_roles()
    if created:
        return "Lettre d'information : " + ", ".join(created) + "."
    return "Lettre d'information : rien à créer, tout est déjà en place."
