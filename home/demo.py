"""Demo site content, from the GIP's public documents (facts only, our own wording). Idempotent."""

from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from core.site_url import sync_default_site

from . import demo_images
from .models import AccessibilityStatementPage, ContactSettings, HomePage, SitemapPage, StandardPage


def heading(text, level="h2"):
    return {"type": "heading", "value": {"text": text, "level": level}}


def paragraph(html):
    return {"type": "paragraph", "value": html}


def quote(text, attribution=""):
    return {"type": "quote", "value": {"quote": text, "attribution": attribution}}


def cta(title, text, link_label, url):
    return {
        "type": "call_to_action",
        "value": {"title": title, "text": text, "link_label": link_label, "page": None, "url": url},
    }


HOME = {
    "title": "Accueil",
    "slug": "accueil",
    "seo_title": "Gers Solidaire, les solidarités du Gers",
    "search_description": (
        "Gers Solidaire réunit le Département, les associations caritatives et les centres d'action sociale "
        "du Gers pour que chacun trouve de l'aide près de chez lui."
    ),
    "hero_title": "Trouver de l'aide dans le Gers, près de chez vous",
    "hero_text": (
        "Aide alimentaire, accès aux droits, santé, démarches en ligne : Gers Solidaire et ses partenaires "
        "vous accueillent dans tout le département, en tiers-lieu, en permanence ou à bord du camping-car."
    ),
    "intro": (
        "<p>Gers Solidaire est un groupement d'intérêt public créé en 2019. Il rassemble le Département du Gers, "
        "la Banque Alimentaire, la Croix-Rouge, le Secours Catholique, le CIAS Grand Auch Cœur de Gascogne et "
        "l'Union départementale des CCAS pour coordonner l'aide alimentaire et lutter ensemble contre la "
        "précarité et l'isolement.</p>"
    ),
    "key_figures": [
        {
            "type": "figure",
            "value": {"value": "4 819", "label": "appels reçus au Numéro Vert Social en 2020"},
        },
        # Counted from the site's data (home.figures), so that they stay true as the data changes.
        {
            "type": "figure",
            "value": {"value": "", "source": "third_places", "label": "tiers-lieux solidaires ouverts"},
        },
        {
            "type": "figure",
            "value": {
                "value": "",
                "source": "tour_communes",
                "label": "communes où passe le service public itinérant",
            },
        },
        {
            "type": "figure",
            "value": {
                "value": "",
                "source": "epci_portraits",
                "label": "portraits de territoire, un par intercommunalité",
            },
        },
    ],
    "newsletter_text": (
        "Environ 3 000 habitants, bénévoles et professionnels reçoivent déjà nos nouvelles : actions, "
        "campagnes et nouveaux services près de chez eux."
    ),
}

# (slug, title, in menu, intro, body, children)
PAGES = [
    (
        "qui-sommes-nous",
        "Qui sommes-nous ?",
        True,
        "Un groupement d'intérêt public qui fédère les acteurs des solidarités du Gers.",
        [
            paragraph(
                "<p>Gers Solidaire a été constitué en 2019 sous la forme d'un groupement d'intérêt public à "
                "caractère administratif. Son rôle : mettre en cohérence ce que font les associations, les "
                "institutions et les services publics du département, d'abord autour de l'aide alimentaire, puis "
                "plus largement pour l'inclusion sociale et contre toutes les formes d'exclusion.</p>"
            ),
            heading("Nos membres"),
            paragraph(
                "<ul><li>le Département du Gers</li><li>la Banque Alimentaire du Gers</li><li>la Croix-Rouge "
                "française</li><li>le Secours Catholique</li><li>le CIAS Grand Auch Cœur de Gascogne</li>"
                "<li>l'Union départementale des centres communaux d'action sociale (UDCCAS)</li></ul>"
            ),
            heading("Notre façon de travailler"),
            paragraph(
                "<p>Le groupement associe un service public, des collectivités et des associations. Cette nature "
                "hybride lui permet d'intervenir vite, au plus près des habitants, en complément de ses membres : "
                "il relie, coordonne et rend compte aux élus comme aux habitants.</p>"
            ),
            quote("Aider, agir, innover, fédérer.", "La devise de Gers Solidaire"),
            heading("Nous trouver"),
            paragraph(
                "<p>GIP Gers Solidaire, 50 chemin de Baron, 32000 Auch. SIRET 835 240 458 00025. "
                'Courriel : <a href="mailto:gerssolidaire@gerssolidaire.org">gerssolidaire@gerssolidaire.org</a>.</p>'
            ),
        ],
        [],
    ),
    (
        "nos-missions",
        "Nos missions",
        True,
        "Trois familles de services, pour les habitants, les associations et les communes du Gers.",
        [
            paragraph(
                "<p>Les actions du groupement se répartissent en trois grandes familles. Chacune a sa page "
                "ci-dessous.</p>"
            ),
        ],
        [
            (
                "aide-alimentaire-et-tiers-lieux",
                "Coordination associative et aide alimentaire",
                True,
                "Rendre l'aide alimentaire plus digne et réunir autour d'elle les services dont les personnes ont besoin.",
                [
                    heading("Les tiers-lieux solidaires"),
                    paragraph(
                        "<p>Avec les associations caritatives et la Banque Alimentaire, Gers Solidaire crée des "
                        "tiers-lieux solidaires : des lieux d'accueil où la distribution alimentaire se fait dans de "
                        "bonnes conditions et où d'autres services sociaux tiennent leurs permanences. L'objectif "
                        "est d'en ouvrir un dans chaque chef-lieu de canton.</p>"
                        "<p>Trois fonctionnent déjà : Lombez et Masseube avec la Croix-Rouge, Lectoure avec le "
                        "Secours Populaire. On y trouve notamment une Maison France Services et un centre social à "
                        "Masseube, des assistantes sociales du Département, une infirmière de Gers Solidaire, des "
                        "ateliers numériques, des ateliers d'éducation à l'alimentation et des permanences de la "
                        "mission locale ou du Défenseur des droits. Plaisance, Cazaubon, Nogaro et Mirande sont à "
                        "l'étude.</p>"
                    ),
                    heading("Prévention santé et alimentation"),
                    paragraph(
                        "<p>Le programme Man'Gers propose des ateliers d'éducation à l'alimentation ; des "
                        "entretiens de prévention santé sont menés dans les tiers-lieux. Le groupement participe "
                        "aussi au Plan alimentaire territorial du Gers.</p>"
                    ),
                    heading("Au service des associations"),
                    paragraph(
                        "<p>Prêt de salle, communication, relais sur les réseaux sociaux : le groupement met ses "
                        "ressources à la disposition de ses partenaires.</p>"
                    ),
                ],
                [],
            ),
            (
                "telephonie-sociale-et-mediation-numerique",
                "Téléphonie sociale et médiation numérique",
                True,
                "Une ligne gratuite, un camping-car qui va vers les habitants et des outils pour trouver le bon interlocuteur.",
                [
                    heading("Le Numéro Vert Social"),
                    paragraph(
                        "<p>Au 0800 323 130, un écoutant vous répond du lundi au vendredi de 8 h 30 à 18 h ; "
                        "l'appel est gratuit. Il vous oriente vers le service qui peut vous aider. En 2020, la ligne "
                        "a reçu 4 819 appels, soit deux tiers de plus que l'année précédente.</p>"
                    ),
                    heading("Allo Info Élus"),
                    paragraph(
                        "<p>Une ligne réservée aux élus du Gers, au 05 62 67 30 48, pour les aider à orienter "
                        "leurs administrés.</p>"
                    ),
                    heading("Le service public itinérant"),
                    paragraph(
                        "<p>Un camping-car connecté se rend dans les communes rurales avec deux agents à bord pour "
                        "aider aux démarches administratives et à l'accès aux droits. Ses prochains passages sont "
                        "annoncés dans l'annuaire.</p>"
                    ),
                    heading("Et aussi"),
                    paragraph(
                        "<ul><li>l'accompagnement des situations d'incurie, en allant vers les personnes ;</li>"
                        "<li>l'Observatoire des violences faites aux femmes ;</li>"
                        "<li>France Contact, l'annuaire géolocalisé de l'offre sociale du Gers.</li></ul>"
                    ),
                    cta(
                        "Besoin d'aide maintenant ?",
                        "Le Numéro Vert Social est gratuit, du lundi au vendredi.",
                        "Appeler le 0800 323 130",
                        "tel:+33800323130",
                    ),
                ],
                [],
            ),
            (
                "ingenierie-sociale",
                "Ingénierie sociale au service des territoires",
                True,
                "Connaître les besoins sociaux de chaque territoire pour mieux y répondre.",
                [
                    heading("Les portraits de territoire"),
                    paragraph(
                        "<p>Dans le cadre de la Convention territoriale globale gersoise des solidarités, pilotée "
                        "par la CAF du Gers et le Conseil départemental, Gers Solidaire a dressé le portrait de chacune "
                        "des intercommunalités du département à partir d'une quarantaine d'indicateurs.</p>"
                    ),
                    heading("L'analyse de l'offre sociale"),
                    paragraph(
                        "<p>Ce second volet recense, sur le terrain, les besoins et les réponses apportées par les "
                        "acteurs, et se traduit par des cartes détaillées des services présents.</p>"
                    ),
                    heading("Accompagner les communes et les bénévoles"),
                    paragraph(
                        "<p>Conseil aux collectivités pour leurs projets sociaux et leurs analyses des besoins "
                        "sociaux, formation des bénévoles, recherche de financements.</p>"
                    ),
                ],
                [],
            ),
        ],
    ),
    (
        "mentions-legales",
        "Mentions légales",
        False,
        "",
        [
            heading("Éditeur du site"),
            paragraph(
                "<p>GIP Gers Solidaire, groupement d'intérêt public, 50 chemin de Baron, 32000 Auch. "
                "SIRET 835 240 458 00025. Courriel : gerssolidaire@gerssolidaire.org.</p>"
            ),
            heading("Hébergement"),
            paragraph("<p>Le site est hébergé en France par le prestataire retenu par le groupement.</p>"),
            heading("Réutilisation"),
            paragraph(
                "<p>Les données de l'annuaire sont publiées sous Licence Ouverte. Les données géographiques "
                "proviennent de l'INSEE, de la DGCL, de La Poste et de l'IGN (Licence Ouverte).</p>"
            ),
        ],
        [],
    ),
    (
        "donnees-personnelles",
        "Données personnelles",
        False,
        "Comment nous utilisons et protégeons vos données.",
        [
            paragraph(
                "<p>Ce site ne dépose aucun traceur publicitaire ni de mesure d'audience tierce. Les données que "
                "vous nous confiez (formulaires, lettre d'information) servent uniquement à vous répondre et sont "
                "supprimées à l'issue de leur durée de conservation.</p>"
            ),
            heading("Vos droits"),
            paragraph(
                "<p>Vous pouvez accéder à vos données, les rectifier ou les faire effacer en écrivant à "
                "gerssolidaire@gerssolidaire.org. Vous pouvez aussi adresser une réclamation à la CNIL.</p>"
            ),
        ],
        [],
    ),
]

# The accessibility statement (RGAA): what the project knows, no more. No audit yet, hence "non conforme".
ACCESSIBILITY_STATEMENT = {
    "slug": "accessibilite",
    "title": "Déclaration d'accessibilité",
    "intro": (
        "Gers Solidaire s'engage à rendre son site internet accessible conformément à l'article 47 de la loi "
        "n° 2005-102 du 11 février 2005."
    ),
    "body": [
        heading("Résultats des tests"),
        paragraph(
            "<p>Aucun audit de conformité n'a encore été réalisé : le site est donc déclaré non conforme, même si "
            "chaque modèle de page est vérifié à chaque modification. Ces vérifications portent sur :</p>"
            "<ul><li>les erreurs détectées automatiquement par axe-core ;</li>"
            "<li>la validité du code HTML (Nu Html Checker) ;</li>"
            "<li>la navigation au clavier seul : chaque élément atteint, focus visible, aucun piège ;</li>"
            "<li>l'affichage à 320 pixels de large sur 256 de haut (zoom à 400 %) sans défilement horizontal ;</li>"
            "<li>le fonctionnement sans JavaScript.</li></ul>"
        ),
        heading("Pages vérifiées"),
        paragraph(
            "<p>Un exemple de chaque modèle de page : l'accueil, les pages de contenu (dont « Qui sommes-nous ? »), "
            "le plan du site, cette déclaration, les actualités et les campagnes, les formulaires (contact), la "
            "recherche, l'inscription à la lettre d'information, l'annuaire « Trouver de l'aide » et ses fiches, "
            "le signalement d'une erreur, les tournées et les passages du camping-car, la carte des services, "
            "l'observatoire et ses portraits de territoire, l'analyse de la couverture.</p>"
        ),
        heading("Environnement de test"),
        paragraph(
            "<p>Navigateur Chromium sous Linux, sur ordinateur (1280 × 900 pixels) et en taille de téléphone "
            "(360 × 740 et 320 × 256 pixels). Aucun test n'a encore été mené avec un lecteur d'écran (NVDA, JAWS, "
            "VoiceOver) ni avec d'autres navigateurs.</p>"
            "<p>Technologies utilisées : HTML, CSS, JavaScript (en complément : le site fonctionne sans), "
            "SVG.</p>"
        ),
        heading("Contenus non accessibles"),
        paragraph(
            "<p>Non-conformités connues à ce jour :</p>"
            "<ul><li>les cartes interactives (annuaire, carte des services, passages du camping-car) ne sont pas "
            "utilisables au clavier ni avec un lecteur d'écran ; les mêmes informations sont données sous forme de "
            "liste ou de tableau à côté de chaque carte ;</li>"
            "<li>les pages d'édition de l'espace partenaires (interface Wagtail) n'ont pas de titre de niveau 1 "
            "(critère 9.1).</li></ul>"
        ),
        heading("Retour d'information et contact"),
        paragraph(
            "<p>Si vous ne parvenez pas à accéder à un contenu ou à un service, contactez-nous : nous vous "
            "apporterons l'information par un autre moyen.</p>"
            '<ul><li>par courriel : <a href="mailto:gerssolidaire@gerssolidaire.org">'
            "gerssolidaire@gerssolidaire.org</a> ;</li>"
            '<li>par téléphone, au Numéro Vert Social : <a href="tel:+33800323130">0800 323 130</a> (service '
            "et appel gratuits, du lundi au vendredi de 8 h 30 à 18 h) ;</li>"
            "<li>par courrier : GIP Gers Solidaire, 50 chemin de Baron, 32000 Auch.</li></ul>"
        ),
        heading("Voies de recours"),
        paragraph(
            "<p>Si vous nous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à un contenu ou à "
            "un service et que vous n'avez pas obtenu de réponse satisfaisante, vous pouvez saisir le Défenseur "
            "des droits :</p>"
            '<ul><li>par le <a href="https://formulaire.defenseurdesdroits.fr/">formulaire en ligne</a> ;</li>'
            '<li>en contactant <a href="https://www.defenseurdesdroits.fr/carte-des-delegues">le délégué du '
            "Défenseur des droits</a> le plus proche de chez vous ;</li>"
            "<li>par courrier, gratuit et sans timbre : Défenseur des droits, Libre réponse 71120, 75342 Paris "
            "CEDEX 07.</li></ul>"
        ),
        heading("Schéma pluriannuel et plan d'action"),
        paragraph(
            "<p>Le schéma pluriannuel de mise en accessibilité, sur trois ans, n'est pas encore adopté ; il sera "
            "publié sur cette page avec son plan d'action annuel. Les premières actions prévues :</p>"
            "<ul><li>faire réaliser un audit de conformité au RGAA 4.1 et publier ses résultats ;</li>"
            "<li>corriger les non-conformités connues listées ci-dessus ;</li>"
            "<li>tester le site avec des lecteurs d'écran et avec des personnes en situation de handicap ;</li>"
            "<li>former les personnes qui publient sur le site à la rédaction de contenus accessibles.</li></ul>"
        ),
    ],
}

# What the demo said before the statement became its own page type: replaced when found untouched.
OLD_STATEMENT_CLAIM = "Le site est partiellement conforme"


def load_accessibility_statement(home):
    """The demo's statement page; an untouched plain page from an older demo (it claimed "partiellement
    conforme" without an audit) is replaced. Returns (page, created)."""
    existing = home.get_children().filter(slug=ACCESSIBILITY_STATEMENT["slug"]).first()
    if existing is not None and not isinstance(existing.specific, AccessibilityStatementPage):
        old = existing.specific
        if OLD_STATEMENT_CLAIM not in str(getattr(old, "body", "")):
            return old, False  # staff's own page: theirs to change
        old.delete()
    return _child(
        home,
        AccessibilityStatementPage,
        show_in_menus=False,
        search_description=ACCESSIBILITY_STATEMENT["intro"],
        statement_date=timezone.localdate(),
        **ACCESSIBILITY_STATEMENT,
    )


IMAGES = {
    "hero": ("Collines du Gers (illustration)", "demo-collines-gers.png", demo_images.gers_landscape),
    "share": ("Cercles solidaires (illustration)", "demo-cercles.png", demo_images.hands_pattern),
}


def demo_image(key):
    title, filename, draw = IMAGES[key]
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing, False
    import io

    image = Image(title=title)
    image.file.save(filename, ImageFile(io.BytesIO(draw()), name=filename), save=False)
    image.save()
    return image, True


def _child(parent, model, slug, **fields):
    """The child page with this slug, created (and published) only if missing."""
    existing = parent.get_children().filter(slug=slug).first()
    if existing:
        return existing.specific, False
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page, True


def _add_pages(parent, specs, created):
    for slug, title, in_menu, intro, body, children in specs:
        page, was_created = _child(
            parent,
            StandardPage,
            slug,
            title=title,
            show_in_menus=in_menu,
            intro=intro,
            body=body,
            search_description=intro,
        )
        if was_created:
            created.append(page.title)
        _add_pages(page, children, created)


def link_find_help_page(target, home=None):
    """Point the home page's "find help" button at `target` (the directory search once it exists, else the
    missions page). A choice made by staff (any other page) is kept. Returns True when the link changed."""
    home = home or HomePage.objects.first()
    if home is None or target is None or home.find_help_page_id == target.pk:
        return False
    missions = home.get_children().filter(slug="nos-missions").first()
    if home.find_help_page_id not in (None, getattr(missions, "pk", None)):
        return False
    home.find_help_page = target
    home.save_revision().publish()
    return True


@transaction.atomic
def load_site():
    """Build the demo site under a HomePage set as the default site's root. Returns created page titles."""
    created = []
    hero_image, _ = demo_image("hero")
    share_image, _ = demo_image("share")

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = HomePage(hero_image=hero_image, **HOME)
        root.add_child(instance=home)
        home.save_revision().publish()
        created.append(home.title)

    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    if site.root_page_id != home.pk or site.site_name != "Gers Solidaire":
        old_root_id = site.root_page_id
        site.hostname = site.hostname or "localhost"
        site.port = site.port or 80
        site.root_page = home
        site.site_name = "Gers Solidaire"
        site.save()
        sync_default_site()
        # Wagtail's placeholder "Welcome" page is replaced by ours.
        if old_root_id and old_root_id != home.pk:
            old = Page.objects.filter(pk=old_root_id, depth=2).first()
            if old and type(old.specific) is Page:
                old.delete()

    _add_pages(home, PAGES, created)
    statement, was_created = load_accessibility_statement(home)
    if was_created:
        created.append(statement.title)
    sitemap, was_created = _child(
        home,
        SitemapPage,
        "plan-du-site",
        title="Plan du site",
        show_in_menus=False,
        intro="Toutes les pages du site, rubrique par rubrique.",
    )
    if was_created:
        created.append(sitemap.title)

    pages = {p.slug: p for p in home.get_children()}
    pages["accessibilite"] = statement

    contact = ContactSettings.for_site(site)
    wanted = {
        "legal_page_id": pages["mentions-legales"].pk,
        "accessibility_page_id": pages["accessibilite"].pk,
        "privacy_page_id": pages["donnees-personnelles"].pk,
        "sitemap_page_id": sitemap.pk,
        "default_share_image_id": share_image.pk,
    }
    changed = {k: v for k, v in wanted.items() if getattr(contact, k) is None}
    if changed or contact.pk is None:
        for key, value in changed.items():
            setattr(contact, key, value)
        contact.save()
    return created
