"""Bulk export of the directory in the import's own formats: the CSV (one row per service) and data·inclusion JSON.

directory.exchange.importing reads back what is exported here (tests/directory/test_round_trip.py).
"""

from collections.abc import Iterable

from core import spreadsheets
from directory.exchange import data_inclusion
from directory.exchange.formats import CSV_COLUMNS
from directory.listings.models import Organisation, Place, Service

# ---------------------------------------------------------------------------------------------------------
# Export: the same formats.


def _yes_no(value):
    if value is None:
        return ""
    return "oui" if value else "non"


def _export_id(instance):
    if instance.source_id:
        return instance.source_id
    if isinstance(instance, Place):
        return f"lieu-{instance.pk}"
    return instance.slug


def organisation_row(organisation):
    return {
        "source": organisation.source,
        "structure_id": _export_id(organisation),
        "structure_nom": organisation.name,
        "structure_type": organisation.get_kind_display(),
        "structure_reseau": organisation.network,
        "structure_siret": organisation.siret,
        "structure_telephone": organisation.phone,
        "structure_courriel": organisation.email,
        "structure_site_web": organisation.website,
        "structure_description": organisation.description,
    }


def place_row(place):
    if place is None:
        return {}
    return {
        "lieu_id": _export_id(place),
        "lieu_nom": place.name,
        "lieu_adresse": place.address,
        "lieu_code_postal": place.postcode,
        "lieu_commune": place.commune.name,
        "lieu_code_insee": place.commune.insee_code,
        "lieu_latitude": spreadsheets.number(place.latitude),
        "lieu_longitude": spreadsheets.number(place.longitude),
        "lieu_plain_pied": _yes_no(place.step_free_access),
        "lieu_toilettes_adaptees": _yes_no(place.accessible_toilets),
        "lieu_boucle_magnetique": _yes_no(place.hearing_loop),
        "lieu_accessibilite": place.accessibility_notes,
        "lieu_comment_venir": place.getting_there,
    }


def service_row(service):
    return {
        **organisation_row(service.organisation),
        **place_row(service.place),
        "source": service.source,
        "id": _export_id(service),
        "nom": service.title,
        "type": service.get_kind_display(),
        "etat": service.get_status_display(),
        "resume": service.summary,
        "description": service.description,
        "thematiques": ", ".join(c.slug for c in service.categories.all()),
        "publics": ", ".join(a.slug for a in service.audiences.all()),
        "conditions": service.conditions,
        "frais": service.get_fees_display(),
        "frais_precisions": service.fees_details,
        "sur_place": _yes_no(service.on_site),
        "a_distance": _yes_no(service.remote),
        "par_telephone": _yes_no(service.by_phone),
        "sur_rendez_vous": _yes_no(service.appointment_required),
        "telephone": service.phone,
        "courriel": service.email,
        "site_web": service.website,
        "horaires": service.opening_hours,
        "horaires_precisions": service.opening_hours_notes,
        "langues": service.languages,
    }


def export_rows(organisation_ids=None):
    """Every service (one row each), then the places and organisations that have none: the whole directory, or
    the listings of the given organisations (a partner's own file, to correct and import again)."""
    services = (
        Service.objects.select_related("organisation", "place__commune")
        .prefetch_related("categories", "audiences")
        .order_by("organisation__name", "organisation__pk", "pk")
    )
    places = Place.objects.select_related("organisation", "commune")
    organisations = Organisation.objects.all()
    if organisation_ids is not None:
        services = services.filter(organisation__in=organisation_ids)
        places = places.filter(organisation__in=organisation_ids)
        organisations = organisations.filter(pk__in=organisation_ids)
    used_places, used_organisations = set(), set()
    for service in services.iterator(chunk_size=500):
        used_organisations.add(service.organisation_id)
        if service.place_id:
            used_places.add(service.place_id)
        yield service_row(service)
    for place in places.exclude(pk__in=used_places).order_by("pk"):
        used_organisations.add(place.organisation_id)
        yield {**organisation_row(place.organisation), **place_row(place)}
    for organisation in organisations.exclude(pk__in=used_organisations).order_by("pk"):
        yield organisation_row(organisation)


def export_csv(rows: Iterable[dict] | None = None):
    """The CSV as staff open it in a spreadsheet: UTF-8 with BOM, `;` separator, formulas neutralised."""
    rows = export_rows() if rows is None else rows
    columns = list(CSV_COLUMNS)
    return spreadsheets.to_text(
        columns, ([data_inclusion.csv_cell(row.get(column) or None) for column in columns] for row in rows)
    )


def export_json(services=None):
    """data·inclusion v1: the published, open services and their structures, in one document."""
    return {
        "structures": data_inclusion.structure_records(services),
        "services": data_inclusion.service_records(services),
    }


def template_csv():
    """The empty model: the header alone (the columns are explained on the import page)."""
    return spreadsheets.to_text(list(CSV_COLUMNS), [])
