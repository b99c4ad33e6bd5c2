"""Demo tour of the camping-car connecté (service public itinérant), called by directory.demo.load_directory.

From the GIP's documents: a camping-car with two agents on board on tour days (9:00–19:00), helping with online
procedures and access to rights in rural communes (26 communes served). Which communes and which days are not in
the documents: eight small communes far from a tiers-lieu, two stops a day on the first and third Tuesdays and
Thursdays, are a plausible, conservative choice. Idempotent: nothing is created when the tour exists.
"""

import datetime as dt

from wagtail.log_actions import log

from directory.listings import hours
from directory.listings.models import Category, Service
from directory.tours.models import StopPattern, StopStatus, Tour
from directory.tours.stops import generate_stops, upcoming

SLUG = "camping-car-connecte"
TOUR = {
    "name": "Camping-car connecté",
    "slug": SLUG,
    "vehicle": "Camping-car équipé d'ordinateurs, d'une imprimante et d'une connexion internet",
    "team": "Deux agents de Gers Solidaire",
    "phone": "0800 323 130",
    "description": (
        "Le service public itinérant de Gers Solidaire va à la rencontre des habitants des communes rurales qui "
        "peuvent difficilement se déplacer. On y est reçu sans rendez-vous, gratuitement."
    ),
    "onboard_details": (
        "Démarches en ligne (CAF, Assurance maladie, retraite, impôts), dossiers d'aides, accès aux droits, "
        "orientation vers les partenaires. Le Numéro Vert Social (0800 323 130) indique les prochains passages."
    ),
}
# (rule, INSEE code, where the vehicle parks)
PATTERNS = [
    ("Tu[1] 09:30-12:30; PH off", "32032", "place de la Mairie"),  # Bassoues
    ("Tu[1] 14:00-17:30; PH off", "32285", "place de la Mairie"),  # Montesquiou
    ("Th[1] 09:30-12:30; PH off", "32433", "place du Foirail"),  # Simorre
    ("Th[1] 14:00-17:30; PH off", "32412", "place de la Mairie"),  # Saramon
    ("Tu[3] 09:30-12:30; PH off", "32001", "place du Colonel Parisot"),  # Aignan
    ("Tu[3] 14:00-17:30; PH off", "32127", "place de la Mairie"),  # Estang
    ("Th[3] 09:30-12:30; PH off", "32252", "place de la Mairie"),  # Miélan
    ("Th[3] 14:00-17:30; PH off", "32464", "place de la Mairie"),  # Villecomtal-sur-Arros
]
MONTHS = 6
CANCELLATION_REASON = (
    "Camping-car en maintenance : passage reporté au mois prochain. Le Numéro Vert Social (0800 323 130) vous "
    "oriente en attendant."
)


def load_tour(organisation, communes):
    """Create the tour, its recurring stops and their dated stops (one cancelled). Returns (tours, stops) created."""
    if Tour.objects.filter(slug=SLUG).exists():
        return 0, 0
    service = Service.objects.filter(source_id="demo-service-service-public-itinerant").first()
    tour = Tour(organisation=organisation, service=service, live=False, **TOUR)
    tour.save()
    tour.onboard_categories.set(Category.objects.filter(slug__in=["acces-aux-droits", "numerique"]))
    tour.save()
    revision = tour.save_revision()
    log(instance=tour, action="wagtail.create", revision=revision, content_changed=True)
    revision.publish()

    today = hours.local_now().date()
    starts_on = today.replace(day=1)
    year, month = divmod(starts_on.month - 1 + MONTHS, 12)
    ends_on = dt.date(starts_on.year + year, month + 1, 1) - dt.timedelta(days=1)
    created = 0
    for rule, insee, place_name in PATTERNS:
        pattern = StopPattern(
            tour=tour,
            commune=communes[insee],
            place_name=place_name,
            rule=rule,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        pattern.full_clean()
        pattern.save()
        created += len(generate_stops(pattern).created)
    # A cancelled stop stays listed, with its reason: the second stop to come shows how.
    upcoming_stops = list(upcoming(tour.stops.all()).order_by("date", "start_time")[:2])
    if upcoming_stops:
        stop = upcoming_stops[-1]
        stop.status, stop.cancellation_reason = StopStatus.CANCELLED, CANCELLATION_REASON
        stop.full_clean()
        stop.save()
    return 1, created
