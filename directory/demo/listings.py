"""Demo directory for France Contact, from the facts in the GIP's public documents (our own wording).

Idempotent: every organisation, place and service carries a `source_id`; what already exists is left alone, so a
second run creates and changes nothing.

What the documents do not say is filled in plausibly and conservatively: street names without house numbers
(except the GIP's own address, which the documents give), opening hours typical of such permanences, and
phone numbers only where the documents give one (otherwise the service falls back to its organisation's, and
most organisations have none rather than an invented one). Points are the commune's centre plus a small
deterministic offset (precision "commune"): nothing is geocoded over the network.
"""

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Page, Site

from directory.demo.tours import load_tour
from directory.listings.models import Audience, Category, Organisation, Place, Service
from directory.listings.vocabulary import (
    Fees,
    GeocodingPrecision,
    Network,
    OrganisationKind,
    ServiceKind,
    ServiceStatus,
)
from directory.search.models import DirectoryPage
from territories.models import Commune

PAGE = {
    "title": "Trouver de l'aide près de chez moi",
    "slug": "annuaire",
    "seo_title": "Trouver de l'aide près de chez moi — annuaire France Contact",
    "search_description": (
        "Aide alimentaire, accès aux droits, santé, démarches en ligne : les lieux, permanences et services "
        "solidaires du Gers près de chez vous, avec leurs horaires et leurs coordonnées."
    ),
    "intro": (
        "<p>Aide alimentaire, accès aux droits, santé, démarches en ligne : indiquez ce que vous cherchez et "
        "votre commune pour voir les tiers-lieux solidaires, les permanences et les services les plus proches, "
        "avec leurs horaires du jour.</p>"
        "<p>Les fiches sont tenues à jour par Gers Solidaire et ses partenaires.</p>"
    ),
    "no_result_text": (
        "<p>Vous ne trouvez pas ce qu'il vous faut ? Appelez le Numéro Vert Social au "
        '<a href="tel:+33800323130">0800 323 130</a> : l\'appel est gratuit, du lundi au vendredi de 8 h 30 '
        "à 18 h, et un écoutant vous oriente vers le bon interlocuteur.</p>"
    ),
}

# key: organisation fields. Phones and e-mails only where the source documents give them.
ORGANISATIONS = {
    "gip": {
        "name": "Gers Solidaire",
        "kind": OrganisationKind.GIP,
        "siret": "83524045800025",
        "website": "https://www.gerssolidaire.org",
        "phone": "0800 323 130",
        "email": "gerssolidaire@gerssolidaire.org",
        "description": (
            "Groupement d'intérêt public créé en 2019 par le Département du Gers, la Banque Alimentaire, la "
            "Croix-Rouge, le Secours Catholique, le CIAS Grand Auch Cœur de Gascogne et l'UDCCAS. Il coordonne "
            "l'aide alimentaire et anime les tiers-lieux solidaires, le Numéro Vert Social et le service public "
            "itinérant."
        ),
    },
    "departement": {
        "name": "Département du Gers",
        "kind": OrganisationKind.LOCAL_AUTHORITY,
        "network": Network.DEPARTEMENTS,
        "website": "https://www.gers.fr",
        "phone": "05 62 67 43 68",
        "description": (
            "Chef de file de l'action sociale. Ses six maisons départementales des solidarités (MDS) "
            "accueillent les habitants et tiennent des permanences d'assistantes sociales dans les tiers-lieux."
        ),
    },
    "croix-rouge": {
        "name": "Croix-Rouge française — Gers",
        "kind": OrganisationKind.ASSOCIATION,
        "network": Network.CROIX_ROUGE,
        "website": "https://www.croix-rouge.fr",
        "description": (
            "Membre de Gers Solidaire. Porte les tiers-lieux solidaires de Lombez et de Masseube et des points "
            "de distribution alimentaire dans le département."
        ),
    },
    "secours-populaire": {
        "name": "Secours populaire français — Gers",
        "kind": OrganisationKind.ASSOCIATION,
        "network": Network.SECOURS_POPULAIRE,
        "website": "https://www.secourspopulaire.fr",
        "description": (
            "Porte le tiers-lieu solidaire de Lectoure et des permanences d'aide alimentaire dans les principales "
            "villes du Gers."
        ),
    },
    "secours-catholique": {
        "name": "Secours Catholique — Gers",
        "kind": OrganisationKind.ASSOCIATION,
        "website": "https://www.secours-catholique.org",
        "description": "Membre de Gers Solidaire : accueil, écoute et aide alimentaire par ses équipes locales.",
    },
    "restos": {
        "name": "Les Restos du cœur — Gers",
        "kind": OrganisationKind.ASSOCIATION,
        "network": Network.RESTOS_DU_COEUR,
        "website": "https://www.restosducoeur.org",
        "description": "Distributions de repas et de colis, surtout pendant la campagne d'hiver.",
    },
    "banque-alimentaire": {
        "name": "Banque Alimentaire du Gers",
        "kind": OrganisationKind.ASSOCIATION,
        "network": Network.BANQUES_ALIMENTAIRES,
        "website": "https://www.banquealimentaire.org",
        "description": (
            "Membre de Gers Solidaire. Collecte et stocke les denrées et approvisionne les associations et les "
            "CCAS qui les distribuent."
        ),
    },
    "france-services-masseube": {
        "name": "France Services de Masseube",
        "kind": OrganisationKind.LOCAL_AUTHORITY,
        "network": Network.FRANCE_SERVICE,
        "description": "Guichet France Services installé au tiers-lieu solidaire de Masseube.",
    },
    "centre-social-masseube": {
        "name": "Centre social de Masseube",
        "kind": OrganisationKind.ASSOCIATION,
        "description": "Centre social présent au tiers-lieu solidaire de Masseube.",
    },
    "mission-locale": {
        "name": "Mission locale — antenne du Gers",
        "kind": OrganisationKind.ASSOCIATION,
        "network": Network.MISSION_LOCALE,
        "description": "Accompagne les jeunes de 16 à 25 ans vers l'emploi, la formation et l'autonomie.",
    },
    "defenseur": {
        "name": "Défenseur des droits",
        "kind": OrganisationKind.STATE,
        "website": "https://www.defenseurdesdroits.fr",
        "description": (
            "Autorité indépendante. Ses délégués reçoivent gratuitement les personnes en litige avec un service "
            "public ou victimes de discrimination."
        ),
    },
}

# key: (organisation, name, INSEE code, street, step-free access)
PLACES = {
    "gip-auch": ("gip", "Gers Solidaire — siège", "32013", "50 chemin de Baron", None),
    "tl-lombez": ("croix-rouge", "Tiers-lieu solidaire de Lombez", "32213", "rue de la République", True),
    "tl-masseube": ("croix-rouge", "Tiers-lieu solidaire de Masseube", "32242", "place du Foirail", True),
    "tl-lectoure": ("secours-populaire", "Tiers-lieu solidaire de Lectoure", "32208", "rue Nationale", True),
    "tl-plaisance": ("gip", "Futur tiers-lieu solidaire de Plaisance", "32319", "", None),
    "tl-cazaubon": ("gip", "Futur tiers-lieu solidaire de Cazaubon", "32096", "", None),
    "tl-nogaro": ("gip", "Futur tiers-lieu solidaire de Nogaro", "32296", "", None),
    "tl-mirande": ("gip", "Futur tiers-lieu solidaire de Mirande", "32256", "", None),
}

FOOD_AID_AUDIENCES = ["familles", "beneficiaires-des-minimas-sociaux", "personnes-en-situation-durgence"]
FOOD_AID_CONDITIONS = (
    "Première venue : un entretien d'accueil, sur orientation d'un travailleur social (MDS, CCAS) ou "
    "directement auprès des bénévoles. Apportez un justificatif de domicile et de ressources si vous en avez."
)


def _service(key, organisation, place, kind, title, summary, categories, **fields):
    return {
        "key": key,
        "organisation": organisation,
        "place": place,
        "kind": kind,
        "title": title,
        "summary": summary,
        "categories": categories,
        **fields,
    }


def _third_places():
    common = {
        "categories": ["alimentation", "vetements", "acces-aux-droits", "numerique"],
        "audiences": ["tous-publics"],
        "fees": Fees.CONDITIONAL,
        "fees_details": "Épicerie sociale : une petite participation est demandée ; l'accueil est gratuit.",
        "conditions": FOOD_AID_CONDITIONS,
    }
    description = (
        "Un lieu ouvert à tous pour être accueilli, écouté et aidé : aide alimentaire sous forme d'épicerie "
        "sociale, vestiaire, point informatique et permanences de services sociaux. La distribution s'y fait dans "
        "des locaux rénovés, pensés pour la dignité de chacun. {extra}"
    )
    return [
        _service(
            "tl-lombez",
            "croix-rouge",
            "tl-lombez",
            ServiceKind.THIRD_PLACE,
            "Tiers-lieu solidaire de Lombez",
            "Épicerie sociale, vestiaire, point informatique et permanences sociales, avec la Croix-Rouge.",
            opening_hours="Tu,Th 09:00-12:00,14:00-17:00; Sa[1] 09:00-12:00; PH off",
            opening_hours_notes="Le premier samedi du mois, ouverture le matin.",
            description=description.format(extra="Animé par la Croix-Rouge avec Gers Solidaire."),
            **common,
        ),
        _service(
            "tl-masseube",
            "croix-rouge",
            "tl-masseube",
            ServiceKind.THIRD_PLACE,
            "Tiers-lieu solidaire de Masseube",
            "Épicerie sociale, France Services, centre social et permanences sociales, avec la Croix-Rouge.",
            opening_hours="Mo,We 14:00-17:30; Fr 09:00-12:00; PH off",
            description=description.format(
                extra="Animé par la Croix-Rouge avec Gers Solidaire ; un guichet France Services et un centre "
                "social y sont installés."
            ),
            **common,
        ),
        _service(
            "tl-lectoure",
            "secours-populaire",
            "tl-lectoure",
            ServiceKind.THIRD_PLACE,
            "Tiers-lieu solidaire de Lectoure",
            "Aide alimentaire, vestiaire, ateliers et permanences sociales, avec le Secours populaire.",
            opening_hours="Tu,Fr 09:00-12:00,14:00-17:00; PH off",
            description=description.format(extra="Animé par le Secours populaire avec Gers Solidaire."),
            **common,
        ),
    ]


def _planned_third_places():
    return [
        _service(
            f"tl-{slug}",
            "gip",
            f"tl-{slug}",
            ServiceKind.THIRD_PLACE,
            f"Tiers-lieu solidaire de {name} (en projet)",
            "Projet à l'étude : aide alimentaire, accès aux droits et ateliers réunis dans un même lieu.",
            ["alimentation", "acces-aux-droits"],
            status=ServiceStatus.PLANNED,
            audiences=["tous-publics"],
            description=(
                f"Gers Solidaire étudie avec la commune et les associations locales l'ouverture d'un tiers-lieu "
                f"solidaire à {name}. En attendant, le Numéro Vert Social vous indique le point d'aide le plus "
                "proche."
            ),
        )
        for slug, name in (
            ("plaisance", "Plaisance"),
            ("cazaubon", "Cazaubon"),
            ("nogaro", "Nogaro"),
            ("mirande", "Mirande"),
        )
    ]


# (tiers-lieu key, town) → opening hours of each permanence held there.
PERMANENCES = {
    "mds": {
        "lombez": "Th 09:00-12:00; PH off",
        "masseube": "We 09:00-12:00; PH off",
        "lectoure": "Mo 14:00-17:00; PH off",
    },
    "sante": {
        "lombez": "Th[1,3] 09:00-12:00; PH off",
        "masseube": "Tu[2] 09:00-12:00; PH off",
        "lectoure": "Tu[4] 09:00-12:00; PH off",
    },
    "numerique": {
        "lombez": "Tu 14:00-17:00; PH off",
        "masseube": "Th 14:00-16:30; PH off",
        "lectoure": "We 14:00-17:00; PH off",
    },
    "mangers": {
        "lombez": "Fr[2] 10:00-12:00; PH off",
        "masseube": "Mo[1] 14:00-16:00; PH off",
        "lectoure": "Th[3] 14:00-16:00; PH off",
    },
    "mission-locale": {"lombez": "We[1,3] 09:30-12:00; PH off", "lectoure": "Tu[2,4] 14:00-17:00; PH off"},
    "defenseur": {"lombez": "Mo[2] 14:00-17:00; PH off", "lectoure": "Fr[1] 09:00-12:00; PH off"},
}
TOWNS = {"lombez": "Lombez", "masseube": "Masseube", "lectoure": "Lectoure"}


def _permanences():
    services = []
    for town, name in TOWNS.items():
        place = f"tl-{town}"
        services.append(
            _service(
                f"mds-{town}",
                "departement",
                place,
                ServiceKind.PERMANENCE,
                f"Assistantes sociales du Département à {name}",
                "Une assistante sociale de la maison départementale des solidarités vous reçoit sur rendez-vous.",
                ["acces-aux-droits", "logement", "budget", "famille"],
                audiences=["tous-publics"],
                appointment_required=True,
                opening_hours=PERMANENCES["mds"][town],
                opening_hours_notes="Prenez rendez-vous auprès de la maison départementale des solidarités.",
                description=(
                    "Aides sociales, logement, budget, enfance et famille : les assistantes sociales du "
                    "Département font le point avec vous et vous accompagnent dans vos démarches, au plus près de "
                    "chez vous."
                ),
            )
        )
        services.append(
            _service(
                f"sante-{town}",
                "gip",
                place,
                ServiceKind.PERMANENCE,
                f"Permanence santé à {name}",
                "Une infirmière de Gers Solidaire répond à vos questions de santé et vous aide à accéder aux soins.",
                ["sante"],
                audiences=["tous-publics"],
                opening_hours=PERMANENCES["sante"][town],
                description=(
                    "Entretien de prévention santé, conseils, aide pour trouver un médecin ou ouvrir ses droits à "
                    "l'Assurance maladie. Sans rendez-vous, en toute confidentialité."
                ),
            )
        )
        services.append(
            _service(
                f"numerique-{town}",
                "gip",
                place,
                ServiceKind.PERMANENCE,
                f"Ateliers numériques à {name}",
                "Apprendre à se servir d'un ordinateur ou d'un téléphone et faire ses démarches en ligne.",
                ["numerique"],
                audiences=["tous-publics", "seniors"],
                opening_hours=PERMANENCES["numerique"][town],
                description=(
                    "Ateliers en petit groupe : messagerie, espace personnel CAF ou Ameli, documents scannés. "
                    "Des ordinateurs sont prêtés sur place ; vous pouvez aussi venir avec votre téléphone."
                ),
            )
        )
        services.append(
            _service(
                f"mangers-{town}",
                "gip",
                place,
                ServiceKind.PERMANENCE,
                f"Ateliers Man'Gers à {name}",
                "Ateliers d'éducation à l'alimentation : cuisiner simple, équilibré et sans gaspiller.",
                ["alimentation", "sante"],
                audiences=["tous-publics", "familles"],
                opening_hours=PERMANENCES["mangers"][town],
                opening_hours_notes="Inscription conseillée auprès des bénévoles du tiers-lieu.",
                description=(
                    "Le programme Man'Gers de Gers Solidaire propose des ateliers pratiques autour des produits de "
                    "l'aide alimentaire : recettes, conservation, équilibre des repas."
                ),
            )
        )
        if town in PERMANENCES["mission-locale"]:
            services.append(
                _service(
                    f"mission-locale-{town}",
                    "mission-locale",
                    place,
                    ServiceKind.PERMANENCE,
                    f"Mission locale à {name}",
                    "Un conseiller aide les 16-25 ans à trouver une formation, un emploi, un logement.",
                    ["emploi", "mobilite"],
                    audiences=["jeunes", "demandeurs-emploi"],
                    conditions="Jeunes de 16 à 25 ans sortis du système scolaire.",
                    opening_hours=PERMANENCES["mission-locale"][town],
                )
            )
        if town in PERMANENCES["defenseur"]:
            services.append(
                _service(
                    f"defenseur-{town}",
                    "defenseur",
                    place,
                    ServiceKind.PERMANENCE,
                    f"Défenseur des droits à {name}",
                    "Un délégué du Défenseur des droits vous aide en cas de litige avec un service public.",
                    ["acces-aux-droits"],
                    audiences=["tous-publics"],
                    appointment_required=True,
                    opening_hours=PERMANENCES["defenseur"][town],
                    description=(
                        "Refus de droits, discrimination, difficulté avec une administration : le délégué écoute, "
                        "conseille et peut intervenir. Gratuit et confidentiel."
                    ),
                )
            )
    services += [
        _service(
            "france-services-masseube",
            "france-services-masseube",
            "tl-masseube",
            ServiceKind.PERMANENCE,
            "France Services à Masseube",
            "Un agent vous aide dans vos démarches : CAF, impôts, retraite, Assurance maladie, carte grise.",
            ["acces-aux-droits", "numerique"],
            audiences=["tous-publics"],
            opening_hours="Mo,We,Fr 09:00-12:00; Tu,Th 09:00-12:00,14:00-17:00; PH off",
            description=(
                "Le guichet France Services du tiers-lieu de Masseube réunit en un seul endroit l'aide aux démarches "
                "des principaux services publics. Un ordinateur est en libre accès."
            ),
        ),
        _service(
            "centre-social-masseube",
            "centre-social-masseube",
            "tl-masseube",
            ServiceKind.PARTNER_OFFER,
            "Centre social de Masseube",
            "Activités pour les familles, sorties, soutien à la parentalité et accompagnement des habitants.",
            ["famille", "acces-aux-droits"],
            audiences=["familles", "tous-publics"],
            opening_hours="Mo-Fr 09:00-12:30,13:30-17:30; PH off",
        ),
    ]
    return services


def _gip_services():
    return [
        _service(
            "numero-vert-social",
            "gip",
            None,
            ServiceKind.PARTNER_OFFER,
            "Numéro Vert Social",
            "Une ligne gratuite pour être écouté et orienté vers le service qui peut vous aider.",
            ["acces-aux-droits", "alimentation", "violences"],
            audiences=["tous-publics"],
            on_site=False,
            by_phone=True,
            phone="0800 323 130",
            opening_hours="Mo-Fr 08:30-18:00; PH off",
            opening_hours_notes="Appel gratuit depuis un fixe ou un mobile.",
            description=(
                "Des écoutants de Gers Solidaire répondent à toutes les questions sociales : aide alimentaire, "
                "droits, logement, isolement, violences. Ils vous orientent, prennent contact avec les partenaires "
                "et vous rappellent si besoin. En 2020, la ligne a reçu 4 819 appels."
            ),
        ),
        _service(
            "point-conseil-budget",
            "gip",
            "gip-auch",
            ServiceKind.PERMANENCE,
            "Point Conseil Budget",
            "Un conseil gratuit et confidentiel pour boucler ses fins de mois et éviter le surendettement.",
            ["budget"],
            audiences=["tous-publics"],
            by_phone=True,
            appointment_required=True,
            opening_hours="Mo-Fr 09:00-12:00,14:00-17:00; PH off",
            opening_hours_notes="Sur rendez-vous, à prendre au Numéro Vert Social.",
            description=(
                "Gers Solidaire est labellisé Point Conseil Budget : un conseiller fait le point sur vos dépenses "
                "et vos dettes, vous aide à négocier avec vos créanciers et, si besoin, à monter un dossier de "
                "surendettement."
            ),
        ),
        _service(
            "allo-info-elus",
            "gip",
            None,
            ServiceKind.PARTNER_OFFER,
            "Allo Info Élus",
            "La ligne des élus du Gers pour orienter un administré en difficulté.",
            ["acces-aux-droits"],
            on_site=False,
            by_phone=True,
            phone="05 62 67 30 48",
            conditions="Ligne réservée aux élus des communes et intercommunalités du Gers.",
            opening_hours="Mo-Fr 08:30-18:00; PH off",
            description=(
                "Un maire ou un conseiller municipal confronté à la situation difficile d'un habitant trouve ici "
                "un conseil et le bon interlocuteur parmi les partenaires de Gers Solidaire."
            ),
        ),
        _service(
            "service-public-itinerant",
            "gip",
            None,
            ServiceKind.ITINERANT,
            "Service public itinérant (camping-car connecté)",
            "Un camping-car équipé vient dans les communes rurales pour aider aux démarches et à l'accès aux droits.",
            ["acces-aux-droits", "numerique"],
            audiences=["tous-publics"],
            opening_hours_notes="Les jours de tournée, de 9 h à 19 h, avec deux agents à bord.",
            description=(
                "Deux agents de Gers Solidaire accueillent à bord du camping-car connecté les habitants qui ne "
                "peuvent pas se déplacer : démarches en ligne, dossiers d'aides, orientation. Il passe dans les "
                "communes rurales du Gers ; le Numéro Vert Social indique ses prochains passages."
            ),
        ),
    ]


# (organisation, INSEE code, street, opening hours, notes)
FOOD_AID_POINTS = [
    ("croix-rouge", "32013", "avenue de la Gare", "Tu,Fr 14:00-17:00; PH off", ""),
    ("secours-populaire", "32013", "place du Foirail", "Mo,Th 09:00-12:00; PH off", ""),
    ("secours-catholique", "32013", "rue de la République", "We 14:00-17:00; PH off", ""),
    ("restos", "32013", "route de Toulouse", "Nov-Mar Tu,Th 09:00-11:30; PH off", "winter"),
    ("banque-alimentaire", "32013", "zone artisanale", "Mo-Fr 08:00-12:00; PH off", "warehouse"),
    ("croix-rouge", "32107", "place de la Mairie", "Tu 14:00-17:00; PH off", ""),
    ("secours-populaire", "32107", "rue Nationale", "We 09:00-12:00; Sa[1] 09:00-12:00; PH off", ""),
    ("restos", "32107", "avenue de la Gare", "Nov-Mar Mo,Th 13:30-16:30; PH off", "winter"),
    ("croix-rouge", "32132", "place de la République", "Th 09:00-12:00; PH off", ""),
    ("secours-catholique", "32132", "rue de l'Église", "Tu[1,3] 14:00-16:30; PH off", ""),
    ("restos", "32132", "boulevard de la Gare", "Nov-Mar Tu,Fr 09:00-11:30; PH off", "winter"),
    ("secours-populaire", "32160", "avenue de la Gare", "Tu,Fr 14:00-17:00; PH off", ""),
    ("restos", "32160", "route de Toulouse", "Nov-Mar We,Sa 09:00-11:30; PH off", "winter"),
    ("croix-rouge", "32160", "place de la Mairie", "Mo 14:00-17:00; PH off", ""),
    ("croix-rouge", "32119", "place de la Mairie", "Fr 09:00-12:00; PH off", ""),
    ("secours-catholique", "32119", "rue de l'Église", "We[2,4] 14:00-16:30; PH off", ""),
    ("secours-populaire", "32256", "rue Nationale", "Tu 09:00-12:00; PH off", ""),
    ("restos", "32256", "avenue de la Gare", "Nov-Mar Th 13:30-16:30; PH off", "winter"),
    ("croix-rouge", "32296", "place de la Mairie", "Th 14:00-17:00; PH off", ""),
    ("secours-populaire", "32462", "place de la Mairie", "We 09:00-12:00; PH off", ""),
    ("restos", "32462", "rue du Stade", "Nov-Mar Tu 13:30-16:30; PH off", "winter"),
    ("restos", "32208", "avenue de la Gare", "Nov-Mar Fr 09:00-11:30; PH off", "winter"),
    ("secours-catholique", "32410", "place de la Mairie", "Th[2,4] 14:00-16:30; PH off", ""),
    ("croix-rouge", "32147", "place de la Mairie", "Tu 09:00-12:00; PH off", ""),
    ("secours-populaire", "32147", "rue Nationale", "We[1,3] 14:00-17:00; PH off", ""),
    ("secours-populaire", "32344", "place de la Mairie", "Mo[2,4] 14:00-17:00; PH off", ""),
    ("secours-catholique", "32233", "place de l'Église", "Tu[1,3] 09:30-11:30; PH off", ""),
]
CHARITY_SHORT = {
    "croix-rouge": "de la Croix-Rouge",
    "secours-populaire": "du Secours populaire",
    "secours-catholique": "du Secours Catholique",
    "restos": "des Restos du cœur",
    "banque-alimentaire": "de la Banque Alimentaire",
}


def _food_aid(communes):
    places, services = {}, []
    for organisation, insee, street, opening_hours, note in FOOD_AID_POINTS:
        commune = communes[insee]
        key = f"aide-alimentaire-{organisation}-{insee}"
        who = CHARITY_SHORT[organisation]
        places[key] = (organisation, f"Local {who} à {commune.name}", insee, street, None)
        fields = {
            "audiences": FOOD_AID_AUDIENCES,
            "conditions": FOOD_AID_CONDITIONS,
            "opening_hours": opening_hours,
        }
        summary = "Colis alimentaires et accueil par les bénévoles."
        # Their local premises usually hold a clothes store too.
        categories = (
            ["alimentation", "vetements"]
            if organisation in {"croix-rouge", "secours-populaire"}
            else ["alimentation"]
        )
        title = f"Aide alimentaire {who} à {commune.name}"
        if note == "winter":
            fields["opening_hours_notes"] = (
                "Distributions de novembre à mars ; le reste de l'année, renseignez-vous au Numéro Vert Social."
            )
            summary = "Repas et colis alimentaires pendant la campagne d'hiver."
        elif note == "warehouse":
            title = f"Banque Alimentaire du Gers à {commune.name}"
            summary = "L'entrepôt qui approvisionne les associations et les CCAS du département."
            fields["audiences"] = []
            fields["conditions"] = (
                "Accueil des associations et des CCAS partenaires. Les particuliers sont orientés vers le point "
                "de distribution le plus proche."
            )
            fields["opening_hours_notes"] = "Livraisons et retraits des associations sur rendez-vous."
            categories = ["alimentation"]
        services.append(
            _service(
                key,
                organisation,
                key,
                ServiceKind.PARTNER_OFFER,
                title,
                summary,
                categories,
                **fields,
            )
        )
    return places, services


def service_specs(communes):
    """Every demo place and service, as plain data (places keyed like PLACES)."""
    food_places, food_services = _food_aid(communes)
    services = _third_places() + _permanences() + _planned_third_places() + _gip_services() + food_services
    return {**PLACES, **food_places}, services


def _offset(key):
    """A small, stable shift from the commune's centre (up to about 300 m), so points in a town do not overlap."""
    digest = hashlib.sha256(key.encode()).digest()
    return (digest[0] / 255 - 0.5) * 0.005, (digest[1] / 255 - 0.5) * 0.007


def _source_id(prefix, key):
    return f"demo-{prefix}-{key}"


class _Loader:
    def __init__(self):
        self.created = {"organisations": 0, "places": 0, "services": 0, "page": 0}
        self.organisations = {}
        self.places = {}

    def organisation(self, key):
        if key not in self.organisations:
            source_id = _source_id("structure", key)
            organisation = Organisation.objects.filter(source_id=source_id).first()
            if organisation is None:
                organisation = Organisation(source_id=source_id, **ORGANISATIONS[key])
                organisation.full_clean()
                organisation.save()
                self.created["organisations"] += 1
            self.organisations[key] = organisation
        return self.organisations[key]

    def place(self, key, spec, communes):
        if key not in self.places:
            source_id = _source_id("lieu", key)
            place = Place.objects.filter(source_id=source_id).first()
            if place is None:
                organisation, name, insee, street, step_free = spec
                commune = communes[insee]
                dlat, dlon = _offset(key)
                place = Place(
                    source_id=source_id,
                    organisation=self.organisation(organisation),
                    name=name,
                    address=street,
                    commune=commune,
                    # Set here so that saving never geocodes over the network.
                    latitude=round(commune.latitude + dlat, 5),
                    longitude=round(commune.longitude + dlon, 5),
                    geocoding_precision=GeocodingPrecision.COMMUNE,
                    step_free_access=step_free,
                )
                place.save()
                self.created["places"] += 1
            self.places[key] = place
        return self.places[key]

    def service(self, spec, places, communes, verified_at):
        source_id = _source_id("service", spec["key"])
        if Service.objects.filter(source_id=source_id).exists():
            return
        fields = {
            k: v
            for k, v in spec.items()
            if k not in {"key", "organisation", "place", "categories", "audiences"}
        }
        service = Service(
            source_id=source_id,
            organisation=self.organisation(spec["organisation"]),
            place=self.place(spec["place"], places[spec["place"]], communes) if spec["place"] else None,
            last_verified_at=verified_at,
            # Created as a draft, then published through a revision, as the admin does: the history shows both.
            live=False,
            **fields,
        )
        service.save()
        service.categories.set(Category.objects.filter(slug__in=spec["categories"]))
        service.audiences.set(Audience.objects.filter(slug__in=spec.get("audiences", [])))
        service.save()
        revision = service.save_revision()
        log(instance=service, action="wagtail.create", revision=revision, content_changed=True)
        revision.publish()
        self.created["services"] += 1


def _directory_page(loader):
    existing = DirectoryPage.objects.first()
    if existing is not None:
        return existing
    site = Site.objects.filter(is_default_site=True).first()
    parent = site.root_page if site else Page.get_first_root_node()
    page = DirectoryPage(show_in_menus=True, **PAGE)
    parent.add_child(instance=page)
    page.save_revision().publish()
    loader.created["page"] += 1
    return page


@transaction.atomic
def load_directory():
    """Create the demo directory (page, organisations, places, services) if missing. Returns a French summary."""
    loader = _Loader()
    _directory_page(loader)
    communes = {c.insee_code: c for c in Commune.objects.all()}
    places, services = service_specs(communes)
    now = timezone.now()
    for position, spec in enumerate(services):
        # Verified "a few weeks ago", spread over a month so the listings do not all look alike.
        verified_at = (now - dt.timedelta(days=14 + (position * 7) % 31)).replace(microsecond=0)
        loader.service(spec, places, communes, verified_at)
    loader.created["tours"], loader.created["stops"] = load_tour(loader.organisation("gip"), communes)
    counts = loader.created
    if not any(counts.values()):
        return "Annuaire : rien à créer, tout est déjà en place."
    parts = []
    if counts["page"]:
        parts.append("la page de recherche")
    parts += [
        f"{counts['organisations']} structure(s)",
        f"{counts['places']} lieu(x)",
        f"{counts['services']} service(s) publié(s)",
    ]
    if counts["tours"]:
        parts.append(f"{counts['tours']} tournée(s) et {counts['stops']} passage(s)")
    return f"Annuaire créé : {', '.join(parts)}."
