"""Demo news and campaign, from the GIP's public documents (facts only, our own wording). Idempotent.

The index is created at /actualites/ under the home page only when that slug is free: if another kind of page
already holds it (the foundation's placeholder StandardPage), it is left alone and nothing is created.
"""

import datetime as dt

from django.db import transaction
from wagtail.models import Page, Site

from .feeds import date_to_datetime
from .models import (
    CampaignPage,
    NewsCategory,
    NewsIndexPage,
    NewsPage,
    NewsPageRelatedService,
)

INDEX = {
    "title": "Actualités",
    "slug": "actualites",
    "intro": "Les nouvelles de Gers Solidaire et de ses partenaires : actions, campagnes et nouveaux services.",
    "show_in_menus": True,
}

CATEGORIES = ["Accès aux droits", "Aide alimentaire", "Tiers-lieux solidaires", "Vie du groupement"]


def _p(html):
    return {"type": "paragraph", "value": html}


def _h(text):
    return {"type": "heading", "value": {"text": text, "level": "h2"}}


# Oldest first, so that publication order matches the dates. `services`: directory demo keys, linked when present.
NEWS = [
    {
        "slug": "collecte-novembre-60-tonnes",
        "title": "Collecte de novembre : près de 60 tonnes de denrées",
        "date": dt.date(2020, 12, 3),
        "summary": (
            "La collecte nationale de la Banque Alimentaire a réuni près de 60 tonnes de denrées dans le Gers, "
            "alors que les besoins en aide alimentaire ont bondi d'environ 30 % avec la crise sanitaire."
        ),
        "categories": ["Aide alimentaire"],
        "tags": ["banque alimentaire", "collecte"],
        "image": "hero",
        "body": [
            _p(
                "<p>Fin novembre, les bénévoles de la Banque Alimentaire du Gers et de ses associations "
                "partenaires se sont relayés à l'entrée des magasins du département. Résultat : près de "
                "<b>60 tonnes</b> de denrées collectées, un record salué par tout le réseau.</p>"
            ),
            _h("Des besoins en forte hausse"),
            _p(
                "<p>Cette collecte arrive au bon moment : avec la crise sanitaire, la demande d'aide alimentaire a "
                "augmenté d'environ 30 % dans le Gers. Grâce à la coordination entre associations, la "
                "distribution a pu continuer partout dans le département, y compris pendant le confinement.</p>"
            ),
        ],
        "services": [],
    },
    {
        "slug": "numero-vert-social-bilan-2020",
        "title": "Numéro Vert Social : 4 819 appels en 2020",
        "date": dt.date(2021, 1, 18),
        "summary": (
            "La ligne gratuite de Gers Solidaire a reçu 4 819 appels en 2020, soit 69 % de plus qu'en 2019, "
            "et a appelé plus de 1 100 personnes isolées pendant le confinement."
        ),
        "categories": ["Accès aux droits"],
        "tags": ["numéro vert", "isolement"],
        "image": None,
        "body": [
            _p(
                "<p>L'année 2020 a été celle de tous les records pour le Numéro Vert Social : <b>4 819 appels</b> "
                "reçus, contre environ 2 800 l'année précédente. Chaque appel a pu donner lieu à d'autres "
                "échanges — courriels, rappels, visites — : plus de 14 000 au total.</p>"
            ),
            _h("Des appels de courtoisie pour rompre l'isolement"),
            _p(
                "<p>Dès le premier confinement, les écoutants ont pris l'initiative d'appeler les personnes "
                "isolées, souvent âgées : 1 123 appels de courtoisie, qui ont aussi permis de répondre à des "
                "besoins concrets (colis alimentaires, rendez-vous, accès aux droits).</p>"
            ),
            _p("<p>Le 0800 323 130 répond du lundi au vendredi de 8 h 30 à 18 h ; l'appel est gratuit.</p>"),
        ],
        "services": ["numero-vert-social"],
    },
    {
        "slug": "camping-car-connecte",
        "title": "Le camping-car connecté va à la rencontre des habitants",
        "date": dt.date(2021, 2, 8),
        "summary": (
            "Deux agents à bord, une connexion internet et du temps pour chacun : le service public itinérant "
            "a déjà desservi 26 communes rurales du Gers."
        ),
        "categories": ["Accès aux droits"],
        "tags": ["service public itinérant", "démarches en ligne"],
        "image": None,
        "body": [
            _p(
                "<p>Le camping-car connecté de Gers Solidaire s'arrête dans les communes rurales pour aider les "
                "habitants dans leurs démarches administratives et l'accès à leurs droits. Deux agents "
                "accompagnent chaque tournée.</p>"
            ),
            _p(
                "<p>Depuis son lancement, il a couvert <b>26 communes</b>, assuré 103 jours de permanence et "
                "accueilli près de 200 personnes. Les tournées sont ajustées au fil des évaluations.</p>"
            ),
        ],
        "services": ["service-public-itinerant"],
    },
    {
        "slug": "nouveaux-tiers-lieux",
        "title": "Quatre nouveaux tiers-lieux solidaires à l'étude",
        "date": dt.date(2021, 3, 15),
        "summary": (
            "Après Lombez, Masseube et Lectoure, Gers Solidaire étudie l'ouverture de tiers-lieux solidaires à "
            "Plaisance, Cazaubon, Nogaro et Mirande."
        ),
        "categories": ["Tiers-lieux solidaires", "Aide alimentaire"],
        "tags": ["tiers-lieux"],
        "image": "share",
        "body": [
            _p(
                "<p>Un tiers-lieu solidaire réunit sous un même toit l'aide alimentaire, dans de bonnes "
                "conditions, et d'autres services : permanences sociales, ateliers numériques, prévention "
                "santé. Trois fonctionnent déjà, à Lombez, Masseube et Lectoure.</p>"
            ),
            _p(
                "<p>Le groupement s'est fixé pour objectif d'en accompagner quatre nouveaux. Plaisance, "
                "Cazaubon, Nogaro et Mirande sont à l'étude, avec les communes et les associations locales.</p>"
            ),
        ],
        "services": ["tl-plaisance", "tl-cazaubon", "tl-nogaro", "tl-mirande"],
    },
    {
        "slug": "point-conseil-budget",
        "title": "Gers Solidaire labellisé Point Conseil Budget",
        "date": dt.date(2021, 4, 12),
        "summary": (
            "Fins de mois difficiles, crainte du surendettement : Gers Solidaire peut désormais vous conseiller "
            "gratuitement et en toute confidentialité."
        ),
        "categories": ["Accès aux droits", "Vie du groupement"],
        "tags": ["budget", "surendettement"],
        "image": None,
        "body": [
            _p(
                "<p>Le groupement a obtenu le label <b>Point Conseil Budget</b>. Il complète ainsi les réponses "
                "qu'il apporte aux personnes fragilisées sur les questions d'argent : faire le point sur son "
                "budget, anticiper une baisse de revenus, éviter le surendettement ou y faire face.</p>"
            ),
            _p(
                "<p>Le conseil est gratuit et confidentiel. Pour prendre rendez-vous, appelez le Numéro Vert "
                "Social au 0800 323 130.</p>"
            ),
        ],
        "services": ["point-conseil-budget"],
    },
]

CAMPAIGN = {
    "slug": "couturiere-solidaire",
    "title": "Couturières et couturiers solidaires",
    "start_date": dt.date(2020, 4, 6),
    "end_date": dt.date(2020, 6, 30),
    "hero_text": (
        "Vous savez coudre et vous avez un peu de temps ? Rejoignez le réseau des couturières et couturiers "
        "solidaires du Gers."
    ),
    "body": [
        _p(
            "<p>Pendant la crise sanitaire, Gers Solidaire a lancé un appel aux habitants qui savent manier "
            "l'aiguille, pour mettre leur savoir-faire au service des associations du département.</p>"
        ),
        _p("<p>Merci à toutes celles et ceux qui ont répondu présent.</p>"),
    ],
    "cta_label": "Proposer mon aide",
}


def _backdate(page, day):
    """First published on the article's own date, not the day the demo was loaded (listings, search, feeds)."""
    first = date_to_datetime(day)
    Page.objects.filter(pk=page.pk).update(first_published_at=first)
    page.first_published_at = first


def _service_link_targets(keys):
    from directory.models import Service

    wanted = [f"demo-service-{key}" for key in keys]
    found = {s.source_id: s for s in Service.objects.filter(source_id__in=wanted)}
    return [found[w] for w in wanted if w in found]


def _link_services(page, keys, created):
    """Link demo services once they exist (the directory demo may load after the news)."""
    if not keys or page.related_services.exists():
        return
    services = _service_link_targets(keys)
    if not services:
        return
    page.related_services = [NewsPageRelatedService(service=s, sort_order=i) for i, s in enumerate(services)]
    page.save_revision().publish()
    created.append(f"{len(services)} lien(s) vers l'annuaire")


def _image(key):
    if key is None:
        return None
    from home.demo import demo_image

    return demo_image(key)[0]


def _index(home, created):
    existing = NewsIndexPage.objects.descendant_of(home).first()
    if existing:
        return existing
    if home.get_children().filter(slug=INDEX["slug"]).exists():
        return None  # the slug belongs to another page: left alone (see the module docstring)
    index = NewsIndexPage(**INDEX)
    home.add_child(instance=index)
    index.save_revision().publish()
    created.append("la rubrique Actualités")
    if getattr(home, "news_index_id", "unset") is None:
        home.news_index = index
        home.save_revision().publish()
    return index


@transaction.atomic
def load_news():
    """Create the demo news section if missing. Returns a French summary; a second run creates nothing."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return "Actualités : aucun site par défaut, rien n'est créé."
    home = site.root_page.specific
    created = []
    index = _index(home, created)
    if index is None:
        return (
            "Actualités : l'adresse /actualites/ est déjà prise par une autre page ; "
            "rien n'est créé (supprimez ou renommez cette page, puis relancez)."
        )

    categories = {}
    for name in CATEGORIES:
        category, was_created = NewsCategory.objects.get_or_create(name=name)
        categories[name] = category
        if was_created:
            created.append(f"la catégorie {name}")

    for spec in NEWS:
        page = NewsPage.objects.child_of(index).filter(slug=spec["slug"]).first()
        if page is None:
            page = NewsPage(
                title=spec["title"],
                slug=spec["slug"],
                date=spec["date"],
                summary=spec["summary"],
                body=spec["body"],
                hero_image=_image(spec["image"]),
            )
            page.categories = [categories[name] for name in spec["categories"]]
            page.tags.add(*spec["tags"])
            index.add_child(instance=page)
            page.save_revision().publish()
            _backdate(page, spec["date"])
            created.append(page.title)
        _link_services(page, spec["services"], created)

    if not CampaignPage.objects.child_of(index).filter(slug=CAMPAIGN["slug"]).exists():
        contact = Page.objects.child_of(home).filter(slug="contact").live().first()
        fields = dict(CAMPAIGN)
        if contact is None:
            fields["cta_label"] = ""
        campaign = CampaignPage(cta_page=contact, **fields)
        index.add_child(instance=campaign)
        campaign.save_revision().publish()
        _backdate(campaign, CAMPAIGN["start_date"])
        created.append(campaign.title)

    if not created:
        return "Actualités : rien à créer, tout est déjà en place."
    return f"Actualités créées : {', '.join(created)}."
