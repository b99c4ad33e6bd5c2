"""The managed vocabularies of the directory and their data·inclusion v1 equivalents."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Our categories of need → data·inclusion v1 `thematiques` (categorie--sous-theme).
CATEGORIES = [
    (
        "alimentation",
        "Alimentation",
        "Colis, épiceries sociales, repas, éducation à l'alimentation.",
        ["equipement-et-alimentation--alimentation"],
    ),
    (
        "sante",
        "Santé",
        "Accès aux soins, prévention, santé mentale.",
        ["sante--acces-aux-soins", "sante--sante-mentale"],
    ),
    (
        "acces-aux-droits",
        "Accès aux droits",
        "Démarches administratives, aides sociales, litiges.",
        ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
    ),
    (
        "numerique",
        "Numérique",
        "Démarches en ligne, ateliers, accès à un ordinateur ou à internet.",
        ["numerique--acceder-a-des-services-en-ligne", "numerique--maitriser-les-fondamentaux-du-numerique"],
    ),
    (
        "logement",
        "Logement",
        "Trouver, garder ou adapter son logement, hébergement d'urgence.",
        [
            "logement-hebergement--se-maintenir-dans-le-logement",
            "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
        ],
    ),
    (
        "mobilite",
        "Mobilité",
        "Se déplacer : transport solidaire, permis, véhicule.",
        ["mobilite--etre-accompagne-dans-son-parcours-mobilite"],
    ),
    (
        "emploi",
        "Emploi et insertion",
        "Chercher un emploi, se former, être accompagné.",
        ["preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi"],
    ),
    (
        "famille",
        "Famille",
        "Parentalité, garde d'enfants, aidants.",
        ["famille--soutien-a-la-parentalite-et-a-leducation", "famille--soutien-aidants"],
    ),
    (
        "budget",
        "Budget",
        "Gérer son budget, prévenir le surendettement.",
        ["difficultes-financieres--ameliorer-sa-gestion-budgetaire"],
    ),
    (
        "violences",
        "Violences et écoute",
        "Violences conjugales ou familiales, isolement, écoute.",
        ["famille--surmonter-conflits-separation-violence"],
    ),
    (
        "vetements",
        "Vêtements et équipement",
        "Vestiaires solidaires, équipement de la maison.",
        ["equipement-et-alimentation--habillement", "equipement-et-alimentation--electromenager"],
    ),
]

# data·inclusion v1 `publics`, with labels for residents.
AUDIENCES = [
    ("tous-publics", "Tout public"),
    ("familles", "Familles"),
    ("jeunes", "Jeunes"),
    ("seniors", "Personnes âgées"),
    ("personnes-en-situation-de-handicap", "Personnes en situation de handicap"),
    ("femmes", "Femmes"),
    ("beneficiaires-des-minimas-sociaux", "Bénéficiaires des minima sociaux"),
    ("demandeurs-emploi", "Demandeurs d'emploi"),
    ("etudiants", "Étudiants"),
    ("personnes-en-situation-durgence", "Personnes en situation d'urgence"),
    ("personnes-exilees", "Personnes exilées"),
    ("actifs", "Actifs"),
]


class ServiceKind(models.TextChoices):
    THIRD_PLACE = "third_place", _("Tiers-lieu solidaire")
    PERMANENCE = "permanence", _("Permanence")
    ITINERANT = "itinerant", _("Service public itinérant")
    PARTNER_OFFER = "partner_offer", _("Offre partenaire")


class ServiceStatus(models.TextChoices):
    OPEN = "open", _("Ouvert")
    PLANNED = "planned", _("Ouverture prévue")


class Fees(models.TextChoices):
    FREE = "free", _("Gratuit")
    PAID = "paid", _("Payant")
    CONDITIONAL = "conditional", _("Sous conditions")


class OrganisationKind(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    CCAS_CIAS = "ccas_cias", _("CCAS / CIAS")
    LOCAL_AUTHORITY = "local_authority", _("Collectivité")
    STATE = "state", _("Service de l'État")
    GIP = "gip", _("Groupement d'intérêt public")
    SOCIAL_BODY = "social_body", _("Organisme social")


class Network(models.TextChoices):
    """Networks, named as data·inclusion v1 `reseaux_porteurs`."""

    NONE = "", _("Aucun")
    CROIX_ROUGE = "croix-rouge", _("Croix-Rouge française")
    SECOURS_POPULAIRE = "secours-populaire", _("Secours populaire")
    BANQUES_ALIMENTAIRES = "banques-alimentaires", _("Banques alimentaires")
    RESTOS_DU_COEUR = "restos-du-coeur", _("Restos du cœur")
    EMMAUS = "emmaus", _("Emmaüs")
    FRANCE_SERVICE = "france-service", _("France Services")
    MISSION_LOCALE = "mission-locale", _("Missions locales")
    CCAS_CIAS = "ccas-cias", _("CCAS et CIAS")
    DEPARTEMENTS = "departements", _("Départements")
    CAF = "caf", _("Caisse d'allocations familiales")
    CPAM = "cpam", _("Assurance maladie")


class GeocodingPrecision(models.TextChoices):
    HOUSENUMBER = "housenumber", _("Numéro de rue")
    STREET = "street", _("Rue")
    COMMUNE = "commune", _("Commune")
    MANUAL = "manual", _("Placé à la main")
