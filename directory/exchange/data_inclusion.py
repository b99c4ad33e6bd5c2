"""Open-data exports in the national data·inclusion v1 schema (structures and services), JSON and CSV.

Every record is checked against the official models of the `data-inclusion-schema` package before it leaves:
an optional field that does not pass (a malformed e-mail, a postcode outside the pattern…) is left empty rather
than sinking the whole record.
"""

import csv
import datetime as dt
import io
import logging
import re

import pydantic
from data_inclusion.schema import v1 as di

from core import phones, spreadsheets
from directory.listings import hours
from directory.listings.models import Service
from directory.listings.vocabulary import Fees, ServiceKind, ServiceStatus

logger = logging.getLogger(__name__)

SOURCE = "gers-solidaire"
# Code officiel géographique of the Gers: every service of the directory serves the département.
ZONE_ELIGIBILITE = ["32"]
NAME_MAX_LENGTH = 150
DESCRIPTION_MAX_LENGTH = 10000
# data·inclusion asks for 200 to 2,000 characters; below that we add what we know, never invented text.
DESCRIPTION_IDEAL_LENGTH = 200

# Our kinds of service → data·inclusion `type`. A partner offer can be anything: left empty, not guessed.
SERVICE_TYPES = {
    ServiceKind.THIRD_PLACE: di.TypeService.ACCOMPAGNEMENT,
    ServiceKind.PERMANENCE: di.TypeService.ACCOMPAGNEMENT,
    ServiceKind.ITINERANT: di.TypeService.ACCOMPAGNEMENT,
}
# data·inclusion only knows free or paid: "under conditions" means a cost for some, detailed in the precisions.
FEES = {Fees.FREE: di.Frais.GRATUIT, Fees.PAID: di.Frais.PAYANT, Fees.CONDITIONAL: di.Frais.PAYANT}

STRUCTURE_FIELDS = list(di.Structure.model_fields)
SERVICE_FIELDS = list(di.Service.model_fields)


def exported_services():
    """Published services that are open today. A planned place is not yet somewhere people can be sent."""
    return (
        Service.objects.public()
        .filter(status=ServiceStatus.OPEN)
        .select_related("organisation", "place__commune")
        .prefetch_related("categories", "audiences")
        .order_by("pk")
    )


def structure_id(organisation):
    return f"{SOURCE}--{organisation.slug}"


def service_id(service):
    return f"{SOURCE}--{service.slug}"


def phone_e164(number):
    """E.164 (as data·inclusion prefers; short numbers like 3919 as dialled); anything else cleaned of separators."""
    if not number:
        return None
    return phones.e164(number) or re.sub(r"[\s.\-()]", "", number) or None


def clean_name(text):
    """3 to 150 characters, not ending with a full stop (data·inclusion's rule, "etc." aside)."""
    name = " ".join((text or "").split())
    if len(name) > NAME_MAX_LENGTH:
        name = name[: NAME_MAX_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    while name.endswith(".") and not name.endswith("etc."):
        name = name[:-1].rstrip()
    return name


def last_modified(*moments):
    """The latest of the moments as a Paris date, never later than today (the schema refuses the future)."""
    known = [m for m in moments if m is not None]
    if not known:
        return dt.date.today()
    day = max(known).astimezone(hours.PARIS).date()
    return min(day, dt.date.today())


def service_description(service):
    """Summary and description; when that stays short, the organisation's own presentation follows."""
    parts = []
    for text in (service.summary, service.description):
        text = (text or "").strip()
        if text and not any(text in part for part in parts):
            parts.append(text)
    description = "\n\n".join(parts)
    organisation_text = (service.organisation.description or "").strip()
    if (
        len(description) < DESCRIPTION_IDEAL_LENGTH
        and organisation_text
        and organisation_text not in description
    ):
        description = "\n\n".join(p for p in (description, organisation_text) if p)
    if len(description) < 5:
        description = " ".join(p for p in (service.title, description) if p)
    return description[:DESCRIPTION_MAX_LENGTH]


def _location(place):
    if place is None:
        return {}
    return {
        "commune": place.commune.name,
        "code_postal": place.postcode or None,
        "code_insee": place.commune.insee_code,
        "adresse": place.address or None,
        "longitude": place.longitude,
        "latitude": place.latitude,
    }


def structure_record(organisation, place=None):
    record = dict.fromkeys(STRUCTURE_FIELDS)
    record.update(
        {
            "source": SOURCE,
            "id": structure_id(organisation),
            "nom": clean_name(organisation.name),
            "date_maj": last_modified(organisation.updated_at, place.updated_at if place else None),
            "description": organisation.description.strip() or None,
            "siret": organisation.siret or None,
            "telephone": phone_e164(organisation.phone),
            "courriel": organisation.email or None,
            "site_web": organisation.website or None,
            "reseaux_porteurs": [organisation.network] if organisation.network else None,
            **_location(place),
        }
    )
    return record


def service_record(service, *, base_url=""):
    fees_details = [str(Fees(service.fees).label)] if service.fees == Fees.CONDITIONAL else []
    if service.fees_details:
        fees_details.append(service.fees_details)
    modes_accueil = []
    if service.on_site:
        modes_accueil.append(di.ModeAccueil.EN_PRESENTIEL.value)
    if service.remote or service.by_phone:
        modes_accueil.append(di.ModeAccueil.A_DISTANCE.value)
    publics = sorted(a.slug for a in service.audiences.all())
    if di.Public.TOUS_PUBLICS.value in publics:
        # "tous-publics" cannot be combined with others in data·inclusion: open to all is the wider truth.
        publics = [di.Public.TOUS_PUBLICS.value]
    phone, email = service.contact_phone, service.contact_email
    modes_mobilisation = []
    if service.on_site and not service.appointment_required and service.place_id:
        modes_mobilisation.append(di.ModeMobilisation.SE_PRESENTER.value)
    if phone:
        modes_mobilisation.append(di.ModeMobilisation.TELEPHONER.value)
    if email:
        modes_mobilisation.append(di.ModeMobilisation.ENVOYER_UN_COURRIEL.value)
    thematiques = sorted({code for category in service.categories.all() for code in category.thematiques})
    service_type = SERVICE_TYPES.get(service.kind)

    record = dict.fromkeys(SERVICE_FIELDS)
    record.update(
        {
            "source": SOURCE,
            "structure_id": structure_id(service.organisation),
            "id": service_id(service),
            "nom": clean_name(service.title),
            "description": service_description(service),
            "lien_source": f"{base_url}{service.get_absolute_url()}" if base_url else None,
            "date_maj": last_modified(
                service.updated_at,
                service.last_verified_at,
                service.place.updated_at if service.place_id else None,
            ),
            "type": service_type.value if service_type else None,
            "thematiques": thematiques or None,
            "frais": FEES[service.fees].value if service.fees in FEES else None,
            "frais_precisions": " — ".join(fees_details) or None,
            "publics": publics or None,
            "conditions_acces": service.conditions.strip() or None,
            **_location(service.place),
            "telephone": phone_e164(phone),
            "courriel": email or None,
            "modes_accueil": modes_accueil or None,
            "zone_eligibilite": ZONE_ELIGIBILITE,
            "modes_mobilisation": modes_mobilisation or None,
            "horaires_accueil": service.opening_hours or None,
        }
    )
    return record


def validated(model, record):
    """The record once the official model accepts it; optional fields it rejects are emptied; None if hopeless."""
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    for _attempt in range(len(record)):
        try:
            # ignore_warnings=False: the schema's warnings (a name ending with a full stop) count as errors.
            model.model_validate(record, context={"ignore_warnings": False})
            return record
        except pydantic.ValidationError as exc:
            fields = {error["loc"][0] for error in exc.errors() if error["loc"]}
            if not fields or fields & required:
                logger.warning("data·inclusion: %s %s écarté : %s", model.__name__, record.get("id"), exc)
                return None
            for name in fields:
                record[name] = None
    return None


def structure_records(services=None):
    """One structure per organisation with an exported service, placed at its first service's place."""
    services = exported_services() if services is None else services
    by_organisation = {}
    for service in services:
        organisation = service.organisation
        known = by_organisation.get(organisation.pk)
        # The first service with a place gives the structure its address.
        if known is None or (known[1] is None and service.place is not None):
            by_organisation[organisation.pk] = (organisation, service.place)
    records = (structure_record(o, p) for o, p in by_organisation.values())
    return [r for r in (validated(di.Structure, r) for r in records) if r is not None]


def service_records(services=None, *, base_url=""):
    services = exported_services() if services is None else services
    records = (service_record(s, base_url=base_url) for s in services)
    return [r for r in (validated(di.Service, r) for r in records) if r is not None]


# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = spreadsheets.FORMULA_TRIGGERS
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralise(text):
    """Prefix a quote to text a spreadsheet would run as a formula; a plain number (+33…, -0.12) is harmless."""
    if text.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return neutralise(",".join(str(v) for v in value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return str(value)
    return neutralise(str(value))


def to_csv(records, fields):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for record in records:
        writer.writerow([csv_cell(record.get(name)) for name in fields])
    return buffer.getvalue()
