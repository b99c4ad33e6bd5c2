"""Bulk import and export of the directory: one CSV staff can fill in a spreadsheet, and data·inclusion v1 JSON.

The CSV has one row per service, with its organisation's and its place's columns repeated on each row (see
`CSV_COLUMNS`; a row with the service columns left empty describes only an organisation and/or a place). It is
read with `;` or `,` as separator, in UTF-8 (with or without BOM) or Windows-1252.

The JSON follows data·inclusion v1: an object `{"structures": [...], "services": [...]}` (what our export writes),
or a plain list of structures and services (the API's own exports). Records are checked with the official models
of `data-inclusion-schema`, then mapped onto the same columns as the CSV, so both formats go through one engine.

Every object is identified by its source and its identifier there (`source` + `source_id`): a re-import updates
what it created before instead of duplicating it. Objects created in our own admin have no `source_id`; they are
exported with their slug as identifier, which the import recognises.

Each row is validated by the models themselves (`full_clean`: opening hours, phone, SIRET…). The import runs in one
transaction and writes nothing if any row fails; a dry run runs the very same code and rolls back. Services are
published directly (staff imports), each created or changed service through a Wagtail revision, so its history
shows the import.
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace

import pydantic
from data_inclusion.schema import v1 as di
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from territories.gazetteer import find_commune
from territories.models import Commune
from territories.text import normalise

from . import data_inclusion
from .models import DEFAULT_SOURCE, Audience, Category, Organisation, Place, Service, unique_slug
from .vocabulary import Fees, Network, OrganisationKind, ServiceKind, ServiceStatus

CSV = "csv"
JSON = "json"
FORMATS = (CSV, JSON)
# Past this size a file is refused before reading: the directory of a département is a few thousand rows.
MAX_FILE_BYTES = 20 * 1024 * 1024
# csv's default field limit (128 KiB) is larger than any cell we store; a larger one is a broken file.
MAX_CELL_CHARS = 20000


def max_file_bytes():
    return getattr(settings, "DIRECTORY_IMPORT_MAX_BYTES", MAX_FILE_BYTES)


def too_big_message():
    return _g("Le fichier dépasse %(size)s : découpez-le en plusieurs fichiers.") % {
        "size": filesizeformat(max_file_bytes())
    }


def user_can_import(user):
    """Staff only: superusers and users allowed to manage every organisation (never a partner)."""
    from .access import is_unrestricted

    return is_unrestricted(user)


# ---------------------------------------------------------------------------------------------------------
# The CSV columns, in export order. Codes or French labels are accepted for the choice columns.

ORGANISATION_COLUMNS = {
    "structure_id": _("Identifiant stable de la structure (vide : calculé depuis son nom)."),
    "structure_nom": _("Nom de la structure (obligatoire)."),
    "structure_type": _("Type de structure : association, CCAS / CIAS, collectivité…"),
    "structure_reseau": _("Réseau (code data·inclusion, p. ex. croix-rouge, france-service)."),
    "structure_siret": _("SIRET, 14 chiffres."),
    "structure_telephone": _("Téléphone de la structure."),
    "structure_courriel": _("Adresse électronique de la structure."),
    "structure_site_web": _("Site web de la structure."),
    "structure_description": _("Présentation de la structure."),
}
PLACE_COLUMNS = {
    "lieu_id": _("Identifiant stable du lieu (vide : calculé depuis son nom et sa commune)."),
    "lieu_nom": _("Nom du lieu."),
    "lieu_adresse": _("Numéro et rue."),
    "lieu_code_postal": _("Code postal."),
    "lieu_commune": _("Nom de la commune."),
    "lieu_code_insee": _("Code INSEE de la commune (ou code postal et nom)."),
    "lieu_latitude": _("Latitude (vide : calculée depuis l'adresse)."),
    "lieu_longitude": _("Longitude."),
    "lieu_plain_pied": _("Accès de plain-pied : oui, non ou vide."),
    "lieu_toilettes_adaptees": _("Toilettes adaptées : oui, non ou vide."),
    "lieu_boucle_magnetique": _("Boucle magnétique : oui, non ou vide."),
    "lieu_accessibilite": _("Précisions sur l'accessibilité."),
    "lieu_comment_venir": _("Comment venir."),
}
SERVICE_COLUMNS = {
    "source": _("Source des données (vide : gers-solidaire)."),
    "id": _("Identifiant stable du service (vide : calculé depuis la structure et le nom)."),
    "nom": _("Nom du service (obligatoire)."),
    "type": _("Tiers-lieu solidaire, permanence, service public itinérant ou offre partenaire."),
    "etat": _("Ouvert ou ouverture prévue."),
    "resume": _("Une phrase : ce que l'on y trouve (obligatoire)."),
    "description": _("Description."),
    "thematiques": _(
        "Thématiques, séparées par des virgules : identifiants (alimentation, sante…) ou codes "
        "data·inclusion."
    ),
    "publics": _("Publics, séparés par des virgules (tous-publics, familles…)."),
    "conditions": _("Conditions d'accès."),
    "frais": _("Gratuit, payant ou sous conditions."),
    "frais_precisions": _("Précisions sur le coût."),
    "sur_place": _("Accueil sur place : oui ou non."),
    "a_distance": _("À distance (en ligne) : oui ou non."),
    "par_telephone": _("Par téléphone : oui ou non."),
    "sur_rendez_vous": _("Sur rendez-vous : oui ou non."),
    "telephone": _("Téléphone (vide : celui de la structure)."),
    "courriel": _("Adresse électronique (vide : celle de la structure)."),
    "site_web": _("Page web."),
    "horaires": _("Horaires au format OpenStreetMap, p. ex. Mo-Fr 09:00-12:00; PH off."),
    "horaires_precisions": _("Précisions sur les horaires."),
    "langues": _("Langues parlées."),
}
CSV_COLUMNS = {**ORGANISATION_COLUMNS, **PLACE_COLUMNS, **SERVICE_COLUMNS}

# Column → model field, for the plain fields (the others are converted by the importer).
ORGANISATION_FIELDS = {
    "structure_nom": "name",
    "structure_type": "kind",
    "structure_reseau": "network",
    "structure_siret": "siret",
    "structure_telephone": "phone",
    "structure_courriel": "email",
    "structure_site_web": "website",
    "structure_description": "description",
}
PLACE_FIELDS = {
    "lieu_nom": "name",
    "lieu_adresse": "address",
    "lieu_code_postal": "postcode",
    "lieu_plain_pied": "step_free_access",
    "lieu_toilettes_adaptees": "accessible_toilets",
    "lieu_boucle_magnetique": "hearing_loop",
    "lieu_accessibilite": "accessibility_notes",
    "lieu_comment_venir": "getting_there",
}
SERVICE_FIELDS = {
    "nom": "title",
    "type": "kind",
    "etat": "status",
    "resume": "summary",
    "description": "description",
    "conditions": "conditions",
    "frais": "fees",
    "frais_precisions": "fees_details",
    "sur_place": "on_site",
    "a_distance": "remote",
    "par_telephone": "by_phone",
    "sur_rendez_vous": "appointment_required",
    "telephone": "phone",
    "courriel": "email",
    "site_web": "website",
    "horaires": "opening_hours",
    "horaires_precisions": "opening_hours_notes",
    "langues": "languages",
}
# Model fields set apart from the mappings above: the column named in their errors.
ERROR_COLUMNS = {
    Organisation: {"source": "source", "source_id": "structure_id"},
    Place: {
        "source_id": "lieu_id",
        "commune": "lieu_commune",
        "latitude": "lieu_latitude",
        "longitude": "lieu_longitude",
    },
    Service: {"source_id": "id", "place": "lieu_nom", "organisation": "structure_nom", "slug": "nom"},
}
CHOICES = {
    "kind": ServiceKind,
    "status": ServiceStatus,
    "fees": Fees,
}
ORGANISATION_CHOICES = {"kind": OrganisationKind, "network": Network}
BOOLEAN_FIELDS = {"on_site", "remote", "by_phone", "appointment_required"}
NULLABLE_BOOLEAN_FIELDS = {"step_free_access", "accessible_toilets", "hearing_loop"}
TRUE_WORDS = {"oui", "o", "vrai", "true", "yes", "y", "1", "x"}
FALSE_WORDS = {"non", "n", "faux", "false", "no", "0"}
LIST_SEPARATORS = re.compile(r"[,;|\n]+")
# What the export prefixes to a cell a spreadsheet would run as a formula: removed again on import.
NEUTRALISED = re.compile(r"^'(?=[=+\-@\t\r])")


# ---------------------------------------------------------------------------------------------------------
# Reports.


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, syntax, columns, size): nothing to report per row."""


@dataclass
class RowError:
    kind: str  # "ligne" (CSV), "structure" or "service" (JSON: position in its list)
    number: int
    column: str
    message: str

    @property
    def row(self):
        if self.kind == "ligne":
            return _g("ligne %(number)s") % {"number": self.number}
        if self.kind == "structure":
            return _g("structure n° %(number)s") % {"number": self.number}
        return _g("service n° %(number)s") % {"number": self.number}

    def __str__(self):
        return (
            f"{self.row}, {self.column} : {self.message}" if self.column else f"{self.row} : {self.message}"
        )


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome):
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class ImportReport:
    file_format: str = CSV
    dry_run: bool = True
    rows: int = 0
    organisations: Counts = field(default_factory=Counts)
    places: Counts = field(default_factory=Counts)
    services: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    @property
    def written(self):
        return self.ok and not self.dry_run

    def totals(self):
        parts = (self.organisations, self.places, self.services)
        return Counts(*(sum(getattr(p, name) for p in parts) for name in ("created", "updated", "unchanged")))

    def summary(self):
        """ "N créations, M mises à jour, K inchangés", over organisations, places and services."""
        totals = self.totals()
        return _g("%(created)s création(s), %(updated)s mise(s) à jour, %(unchanged)s inchangé(s)") % asdict(
            totals
        )

    def details(self):
        lines = []
        for label, counts in (
            (_g("Structures"), self.organisations),
            (_g("Lieux"), self.places),
            (_g("Services"), self.services),
        ):
            lines.append(
                _g("%(label)s : %(created)s créé(s), %(updated)s mis à jour, %(unchanged)s inchangé(s)")
                % {"label": label, **asdict(counts)}
            )
        return lines

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        for name in ("organisations", "places", "services"):
            data[name] = Counts(**data.get(name, {}))
        data["errors"] = [RowError(**e) for e in data.get("errors", [])]
        return cls(**data)


# ---------------------------------------------------------------------------------------------------------
# Records: one row of the import, as column → text (None: not given, keep what exists).


@dataclass
class Record:
    kind: str
    number: int
    values: dict
    # Values used only when an object is created (the JSON carries no place name, for instance).
    defaults: dict = field(default_factory=dict)
    # Column as shown in errors, when the file names it differently (data·inclusion fields).
    column_names: dict = field(default_factory=dict)
    # Errors found while reading (data·inclusion schema): the row fails with them.
    errors: list = field(default_factory=list)
    # The organisation part may come from another record of the file (a data·inclusion structure).
    organisation_origin: tuple | None = None

    def has_any(self, columns):
        return any(self.values.get(c) not in (None, "") for c in columns)

    def error(self, column, message, origin=None):
        kind, number = origin or (self.kind, self.number)
        names = DI_STRUCTURE_COLUMNS if kind == "structure" else self.column_names
        return RowError(kind, number, names.get(column, column), str(message))


def decode(data):
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        _g("Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en CSV UTF-8.")
    )


def _header_key(text):
    return normalise(text).replace(" ", "_")


def _clean_cell(value):
    if value is None:
        return None
    value = value.strip()
    return NEUTRALISED.sub("", value)


def read_csv(data):
    """(records, ignored columns) from the bytes of a CSV file; raises ImportFileError."""
    text = decode(data) if isinstance(data, bytes) else data
    if "\x00" in text:
        raise ImportFileError(_g("Le fichier contient des caractères nuls : ce n'est pas un fichier CSV."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header:
            raise ImportFileError(_g("Le fichier est vide."))
        known = {}
        ignored = []
        for position, name in enumerate(header):
            key = _header_key(name)
            if key in CSV_COLUMNS and key not in known.values():
                known[position] = key
            elif name.strip():
                ignored.append(name.strip())
        if "nom" not in known.values() and "structure_nom" not in known.values():
            raise ImportFileError(
                _g(
                    "La première ligne ne contient pas les colonnes attendues (au moins « structure_nom » ou "
                    "« nom ») : téléchargez le modèle depuis la page d'import."
                )
            )
        records = []
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if any(len(cell) > MAX_CELL_CHARS for cell in row):
                raise ImportFileError(
                    _g("Ligne %(number)s : une cellule dépasse %(max)s caractères.")
                    % {"number": number, "max": MAX_CELL_CHARS}
                )
            values = {key: _clean_cell(row[pos]) if pos < len(row) else "" for pos, key in known.items()}
            records.append(Record("ligne", number, values))
    except csv.Error as exc:
        raise ImportFileError(
            _g("Le fichier CSV est mal formé (ligne %(line)s) : %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from exc
    return records, ignored


# ---------------------------------------------------------------------------------------------------------
# data·inclusion v1 JSON → records.

PYDANTIC_MESSAGES = {
    "missing": _("champ obligatoire manquant."),
    "string_too_short": _("texte trop court."),
    "string_too_long": _("texte trop long."),
    "string_type": _("texte attendu."),
    "float_parsing": _("nombre attendu."),
    "float_type": _("nombre attendu."),
    "date_from_datetime_parsing": _("date attendue (AAAA-MM-JJ)."),
    "date_parsing": _("date attendue (AAAA-MM-JJ)."),
    "date_type": _("date attendue (AAAA-MM-JJ)."),
    "enum": _("valeur inconnue du schéma data·inclusion."),
    "url_parsing": _("adresse web invalide."),
    "url_scheme": _("adresse web invalide."),
    "value_error": _("valeur invalide."),
    "string_pattern_mismatch": _("format invalide."),
    "set_type": _("liste attendue."),
    "list_type": _("liste attendue."),
}
# Our column → the data·inclusion field that fed it, for error messages on JSON files.
DI_SERVICE_COLUMNS = {
    "nom": "nom",
    "resume": "description",
    "description": "description",
    "thematiques": "thematiques",
    "publics": "publics",
    "conditions": "conditions_acces",
    "frais": "frais",
    "frais_precisions": "frais_precisions",
    "sur_place": "modes_accueil",
    "a_distance": "modes_accueil",
    "sur_rendez_vous": "modes_mobilisation",
    "telephone": "telephone",
    "courriel": "courriel",
    "horaires": "horaires_accueil",
    "lieu_adresse": "adresse",
    "lieu_code_postal": "code_postal",
    "lieu_commune": "commune",
    "lieu_code_insee": "code_insee",
    "lieu_latitude": "latitude",
    "lieu_longitude": "longitude",
    "structure_id": "structure_id",
}
DI_STRUCTURE_COLUMNS = {
    "structure_id": "id",
    "structure_nom": "nom",
    "structure_siret": "siret",
    "structure_telephone": "telephone",
    "structure_courriel": "courriel",
    "structure_site_web": "site_web",
    "structure_description": "description",
    "structure_reseau": "reseaux_porteurs",
}
NETWORK_KINDS = {
    Network.CCAS_CIAS: OrganisationKind.CCAS_CIAS,
    Network.DEPARTEMENTS: OrganisationKind.LOCAL_AUTHORITY,
    Network.CAF: OrganisationKind.SOCIAL_BODY,
    Network.CPAM: OrganisationKind.SOCIAL_BODY,
}


def _pydantic_errors(exc, kind, number, names=None):
    errors = []
    for error in exc.errors():
        column = ".".join(str(part) for part in error["loc"][:1]) if error["loc"] else ""
        message = PYDANTIC_MESSAGES.get(error["type"])
        if error["type"] == "value_error" and "ctx" in error and error["ctx"].get("error"):
            # The schema's own validators speak French ("ne doit pas se terminer par un point").
            message = str(error["ctx"]["error"])
        errors.append(RowError(kind, number, column, str(message or _("valeur invalide."))))
    return errors


def local_id(source, identifier):
    """data·inclusion ids read "<source>--<id at the source>": we store the part after the source."""
    identifier = str(identifier or "").strip()
    prefix = f"{source}--"
    return identifier[len(prefix) :] if identifier.startswith(prefix) else identifier


def _text(value):
    if value is None:
        return None
    return str(value).strip()


def _summary_and_description(text):
    """Our export writes the summary, a blank line, then the description: split them back."""
    text = (text or "").strip()
    first, _sep, rest = text.partition("\n\n")
    first = " ".join(first.split())
    summary_max = Service._meta.get_field("summary").max_length
    if len(first) > summary_max:
        return first[: summary_max - 1].rsplit(" ", 1)[0] + "…", text
    return first, rest.strip()


def _structure_values(record):
    source = record.get("source") or DEFAULT_SOURCE
    networks = [n for n in (record.get("reseaux_porteurs") or []) if n in Network.values]
    values = {
        "source": source,
        "structure_id": local_id(source, record.get("id")),
        "structure_nom": _text(record.get("nom")),
        "structure_siret": _text(record.get("siret")) or "",
        "structure_telephone": phone_display(_text(record.get("telephone"))),
        "structure_courriel": _text(record.get("courriel")) or "",
        "structure_site_web": _text(record.get("site_web")) or "",
        "structure_description": _text(record.get("description")) or "",
        "structure_reseau": networks[0] if networks else "",
    }
    defaults = {"structure_type": NETWORK_KINDS.get(networks[0], "") if networks else ""}
    return values, defaults


def _same_phone(a, b):
    digits = re.compile(r"\D")
    return bool(a) and bool(b) and digits.sub("", phone_display(a)) == digits.sub("", phone_display(b))


def _service_values(record, structure):
    source = record.get("source") or DEFAULT_SOURCE
    summary, description = _summary_and_description(record.get("description"))
    modes = set(record.get("modes_accueil") or [])
    values = {
        "source": source,
        "structure_id": local_id(source, record.get("structure_id")),
        "id": local_id(source, record.get("id")),
        "nom": _text(record.get("nom")),
        "resume": summary,
        "description": description,
        "thematiques": ",".join(sorted(record.get("thematiques") or [])),
        "publics": ",".join(
            sorted(p for p in (record.get("publics") or []) if Audience.objects.filter(slug=p).exists())
        ),
        "conditions": _text(record.get("conditions_acces")) or "",
        "horaires": _text(record.get("horaires_accueil")) or "",
    }
    if record.get("frais"):
        details = _text(record.get("frais_precisions")) or ""
        conditional = str(Fees.CONDITIONAL.label)
        if record["frais"] == di.Frais.PAYANT.value and details.startswith(conditional):
            values["frais"] = Fees.CONDITIONAL.value
            details = details[len(conditional) :].lstrip(" —-")
        else:
            values["frais"] = (
                Fees.FREE.value if record["frais"] == di.Frais.GRATUIT.value else Fees.PAID.value
            )
        values["frais_precisions"] = details
    if record.get("modes_accueil") is not None:
        values["sur_place"] = "oui" if di.ModeAccueil.EN_PRESENTIEL.value in modes else "non"
        values["a_distance"] = "oui" if di.ModeAccueil.A_DISTANCE.value in modes else "non"
    # Contacts equal to the structure's are inherited from it rather than copied.
    phone, email = _text(record.get("telephone")) or "", _text(record.get("courriel")) or ""
    if structure is not None:
        if _same_phone(phone, structure.get("telephone")):
            phone = ""
        if email and email.lower() == (structure.get("courriel") or "").lower():
            email = ""
    values["telephone"], values["courriel"] = phone_display(phone), email
    location = [record.get(k) for k in ("adresse", "code_postal", "code_insee", "commune", "latitude")]
    if any(v not in (None, "") for v in location):
        values.update(
            {
                "lieu_adresse": _text(record.get("adresse")) or "",
                "lieu_code_postal": _text(record.get("code_postal")) or "",
                "lieu_code_insee": _text(record.get("code_insee")) or "",
                "lieu_commune": _text(record.get("commune")) or "",
                "lieu_latitude": "" if record.get("latitude") is None else str(record["latitude"]),
                "lieu_longitude": "" if record.get("longitude") is None else str(record["longitude"]),
            }
        )
        place_key = values["lieu_code_insee"] or slugify(values["lieu_commune"])
        values["lieu_id"] = f"{values['structure_id']}--{place_key}--{slugify(values['lieu_adresse'])}"[:120]
        if record.get("modes_mobilisation") is not None and di.ModeAccueil.EN_PRESENTIEL.value in modes:
            se_presenter = di.ModeMobilisation.SE_PRESENTER.value in record["modes_mobilisation"]
            values["sur_rendez_vous"] = "non" if se_presenter else "oui"
    return values


def read_json(data):
    """Records from a data·inclusion v1 JSON document; raises ImportFileError."""
    text = decode(data) if isinstance(data, bytes) else data
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ImportFileError(
            _g("Le fichier JSON est mal formé : %(error)s") % {"error": str(exc)[:200]}
        ) from exc
    if isinstance(document, dict) and ("structures" in document or "services" in document):
        structures, services = document.get("structures") or [], document.get("services") or []
    elif isinstance(document, list):
        structures = [r for r in document if isinstance(r, dict) and "structure_id" not in r]
        services = [r for r in document if isinstance(r, dict) and "structure_id" in r]
    else:
        raise ImportFileError(
            _g(
                "Le fichier JSON doit contenir une liste d'enregistrements data·inclusion, ou un objet avec "
                "les listes « structures » et « services »."
            )
        )
    if not isinstance(structures, list) or not isinstance(services, list):
        raise ImportFileError(_g("« structures » et « services » doivent être des listes."))
    if not structures and not services:
        raise ImportFileError(_g("Le fichier ne contient aucune structure ni aucun service."))

    records = []
    by_id = {}
    used = set()
    for number, raw in enumerate(structures, start=1):
        record = Record("structure", number, {}, column_names=dict(DI_STRUCTURE_COLUMNS))
        if not isinstance(raw, dict):
            record.errors.append(RowError("structure", number, "", _g("objet JSON attendu.")))
            records.append(record)
            continue
        try:
            di.Structure.model_validate(raw)
        except pydantic.ValidationError as exc:
            record.errors += _pydantic_errors(exc, "structure", number)
        else:
            record.values, record.defaults = _structure_values(raw)
        by_id[str(raw.get("id"))] = (number, raw, record)
        records.append(record)

    service_records = []
    for number, raw in enumerate(services, start=1):
        record = Record("service", number, {}, column_names=dict(DI_SERVICE_COLUMNS))
        if not isinstance(raw, dict):
            record.errors.append(RowError("service", number, "", _g("objet JSON attendu.")))
            service_records.append(record)
            continue
        structure = by_id.get(str(raw.get("structure_id")))
        try:
            di.Service.model_validate(raw)
        except pydantic.ValidationError as exc:
            # Values are read only from records the schema accepts: the others fail with its errors.
            record.errors += _pydantic_errors(exc, "service", number)
            if structure is not None:
                used.add(structure[0])
                record.errors += structure[2].errors
            service_records.append(record)
            continue
        record.values = _service_values(raw, structure[1] if structure else None)
        # data·inclusion has no kind of ours: an "accompagnement" is most like a permanence (on creation only).
        accompaniment = raw.get("type") == di.TypeService.ACCOMPAGNEMENT.value
        record.defaults["type"] = ServiceKind.PERMANENCE if accompaniment else ServiceKind.PARTNER_OFFER
        if structure is not None:
            used.add(structure[0])
            structure_record = structure[2]
            record.values.update({k: v for k, v in structure_record.values.items() if k != "source"})
            record.defaults.update(structure_record.defaults)
            record.organisation_origin = ("structure", structure[0])
            record.errors += structure_record.errors
            record.defaults["lieu_nom"] = structure_record.values.get("structure_nom")
        else:
            record.defaults["lieu_nom"] = record.values.get("nom")
        service_records.append(record)
    # Structures without a service in the file are imported on their own, after the services.
    orphans = [r for r in records if r.number not in used]
    return service_records + orphans


def sniff_format(data, filename=""):
    name = (filename or "").lower()
    if name.endswith(".json"):
        return JSON
    if name.endswith(".csv"):
        return CSV
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n") if isinstance(data, bytes) else data[:64].lstrip()
    return JSON if head[:1] in (b"{", b"[", "{", "[") else CSV


def read_file(data, file_format=None, filename=""):
    """(format, records, ignored columns) from a file's bytes; raises ImportFileError."""
    if len(data) > max_file_bytes():
        raise ImportFileError(too_big_message())
    file_format = file_format or sniff_format(data, filename)
    if file_format == JSON:
        return JSON, read_json(data), []
    records, ignored = read_csv(data)
    return CSV, records, ignored


# ---------------------------------------------------------------------------------------------------------
# Conversions of one cell, with a French message on failure.


class CellError(ValueError):
    pass


def phone_display(number):
    """+33 5 62 … (E.164, as data·inclusion writes it) back to the French way: 05 62 …"""
    compact = re.sub(r"[\s.\-()]", "", number or "")
    if re.fullmatch(r"\+33[1-9]\d{8}", compact):
        national = "0" + compact[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return (number or "").strip()


def to_bool(value, nullable=False):
    word = normalise(value)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    if nullable and word in ("", "inconnu", "ne sait pas", "nsp"):
        return None
    if not word and not nullable:
        return False
    raise CellError(_g("« %(value)s » n'est pas compris : écrivez oui ou non.") % {"value": value})


def to_choice(value, choices):
    wanted = normalise(value)
    for choice in choices:
        if wanted in (normalise(choice.value), normalise(choice.label)):
            return choice.value
    possible = ", ".join(str(c.label) for c in choices if c.value)
    raise CellError(
        _g("« %(value)s » n'est pas une valeur possible (%(possible)s).")
        % {"value": value, "possible": possible}
    )


def to_float(value, low, high):
    try:
        number = float(value.replace(",", ".").replace(" ", ""))
    except ValueError:
        raise CellError(
            _g("« %(value)s » n'est pas un nombre (p. ex. 43.6465).") % {"value": value}
        ) from None
    if not low <= number <= high:
        raise CellError(
            _g("%(value)s est hors des bornes (%(low)s à %(high)s).")
            % {"value": value, "low": low, "high": high}
        )
    return number


def split_list(value):
    return [item.strip() for item in LIST_SEPARATORS.split(value or "") if item.strip()]


# ---------------------------------------------------------------------------------------------------------
# The engine.


class RowFailed(Exception):
    pass


@dataclass
class _Seen:
    pk: int
    values: dict
    origin: tuple


class Importer:
    """Applies records to the database; `run` wraps them in one transaction, rolled back on a dry run."""

    def __init__(self, user=None, progress: Callable[[int, int], None] | None = None):
        self.user = user
        self.progress = progress or (lambda done, total: None)
        self.communes = {c.insee_code: c for c in Commune.objects.all()}
        self.categories = list(Category.objects.all())
        self.audiences = {a.slug: a for a in Audience.objects.all()}
        self.seen = {"organisation": {}, "place": {}, "service": {}}

    # -- the whole run ------------------------------------------------------------------------------------

    def run(self, records: list[Record], *, dry_run=True, file_format=CSV, ignored_columns=()):
        report = ImportReport(file_format=file_format, dry_run=dry_run, ignored_columns=list(ignored_columns))
        report.rows = len(records)
        total = len(records)
        self.progress(0, total)
        with transaction.atomic():
            for done, record in enumerate(records, start=1):
                self._run_record(record, report)
                self.progress(done, total)
            if dry_run or report.errors:
                transaction.set_rollback(True)
        return report

    def _run_record(self, record, report):
        errors = list(record.errors)
        outcomes = []
        pending = {name: {} for name in self.seen}
        savepoint = transaction.savepoint()
        try:
            if not errors:
                self.apply(record, errors, outcomes, pending)
        except RowFailed:
            pass
        except DatabaseError as exc:
            errors.append(record.error("", _g("enregistrement impossible : %(error)s") % {"error": exc}))
        if errors:
            transaction.savepoint_rollback(savepoint)
            known = {(e.kind, e.number, e.column, e.message) for e in report.errors[-50:]}
            report.errors += [e for e in errors if (e.kind, e.number, e.column, e.message) not in known]
            return
        transaction.savepoint_commit(savepoint)
        for name, entries in pending.items():
            self.seen[name].update(entries)
        for counts_name, outcome in outcomes:
            getattr(report, counts_name).add(outcome)

    # -- one record ---------------------------------------------------------------------------------------

    def apply(self, record, errors, outcomes, pending):
        """Each part is checked even when an earlier one failed, so a row's errors are all reported at once."""
        values = record.values
        source = (values.get("source") or "").strip() or DEFAULT_SOURCE
        has_service = record.has_any(SERVICE_COLUMNS.keys() - {"source"})
        has_place = record.has_any(PLACE_COLUMNS)
        organisation = place = None
        with suppress(RowFailed):
            organisation = self.organisation(record, source, errors, outcomes, pending)
        if has_place:
            with suppress(RowFailed):
                place = self.place(record, source, organisation, errors, outcomes, pending)
        if has_service:
            with suppress(RowFailed):
                self.service(record, source, organisation, place, has_place, errors, outcomes, pending)
        if errors:
            raise RowFailed

    def _seen(self, kind, key, pending):
        return pending[kind].get(key) or self.seen[kind].get(key)

    def _check_repeat(self, record, kind, seen, values, errors):
        """A later row naming the same object must repeat its values (or leave them empty)."""
        for column, value in values.items():
            if value in (None, "") or column not in seen.values:
                continue
            if seen.values[column] != value:
                origin_kind, origin_number = seen.origin
                errors.append(
                    record.error(
                        column,
                        _g("« %(value)s » diffère de la valeur donnée en %(origin)s (« %(first)s »).")
                        % {
                            "value": value,
                            "first": seen.values[column],
                            "origin": RowError(origin_kind, origin_number, "", "").row,
                        },
                    )
                )

    def _assign(self, instance, record, mapping, choices, errors, origin=None):
        """Set the given columns' values on the instance; True if anything changed."""
        changed = False
        for column, field_name in mapping.items():
            raw = record.values.get(column)
            if raw is None:
                raw = record.defaults.get(column) if instance.pk is None else None
            if raw is None:
                continue
            model_field = instance._meta.get_field(field_name)
            if (
                raw == ""
                and (field_name in choices or field_name in BOOLEAN_FIELDS)
                and not model_field.blank
            ):
                # An empty cell for a required choice keeps what exists (or the default of a new object).
                continue
            if raw == "" and field_name == "postcode":
                # Filled from the commune on save when left empty.
                continue
            try:
                value = self._convert(field_name, raw, choices)
            except CellError as exc:
                errors.append(record.error(column, exc, origin))
                continue
            if getattr(instance, field_name) != value:
                setattr(instance, field_name, value)
                changed = True
        return changed

    def _convert(self, field_name, raw, choices):
        if field_name in choices:
            return to_choice(raw, choices[field_name]) if raw else ""
        if field_name in BOOLEAN_FIELDS:
            return to_bool(raw)
        if field_name in NULLABLE_BOOLEAN_FIELDS:
            return to_bool(raw, nullable=True)
        if field_name == "siret":
            return raw.replace(" ", "")
        return raw

    def _validate(self, instance, record, mapping, errors, exclude=(), origin=None):
        columns = {**ERROR_COLUMNS[type(instance)], **{f: c for c, f in mapping.items()}}
        try:
            instance.full_clean(exclude=list(exclude))
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                column = columns.get(field_name, field_name if field_name != "__all__" else "")
                for message in messages:
                    errors.append(record.error(column, message, origin))
            return False
        return True

    def _check_fields(self, instance, record, mapping, errors, exclude):
        """Field-level checks only, for an object that cannot be saved (its organisation or place failed)."""
        columns = {**ERROR_COLUMNS[type(instance)], **{f: c for c, f in mapping.items()}}
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                errors += [record.error(columns.get(field_name, field_name), m) for m in messages]

    def _find(self, model, source, identifier, extra=None):
        found = model.objects.filter(source=source, source_id=identifier).first()
        if found is None and source == DEFAULT_SOURCE and hasattr(model, "slug"):
            # Created in our admin (no source_id): exported with its slug as identifier.
            found = model.objects.filter(slug=identifier).first()
        if found is None and extra is not None:
            found = extra()
        return found

    def organisation(self, record, source, errors, outcomes, pending):
        values = record.values
        identifier = (values.get("structure_id") or "").strip() or slugify(values.get("structure_nom") or "")
        origin = record.organisation_origin
        if not identifier:
            errors.append(
                record.error("structure_nom", _g("Indiquez le nom ou l'identifiant de la structure."), origin)
            )
            raise RowFailed
        key = (source, identifier)
        org_values = {c: values.get(c) for c in ORGANISATION_COLUMNS}
        seen = self._seen("organisation", key, pending)
        if seen is not None:
            self._check_repeat(record, "organisation", seen, org_values, errors)
            return Organisation.objects.get(pk=seen.pk)
        organisation = self._find(Organisation, source, identifier)
        if organisation is None:
            if not record.has_any(ORGANISATION_FIELDS):
                errors.append(
                    record.error(
                        "structure_id",
                        _g("Structure inconnue : « %(id)s » (ajoutez au moins son nom).")
                        % {"id": identifier},
                        origin,
                    )
                )
                raise RowFailed
            organisation = Organisation(
                source=source, source_id=identifier, kind=OrganisationKind.ASSOCIATION
            )
        created = organisation.pk is None
        changed = self._assign(
            organisation, record, ORGANISATION_FIELDS, ORGANISATION_CHOICES, errors, origin
        )
        if created and not organisation.kind:
            organisation.kind = OrganisationKind.ASSOCIATION
        if not self._validate(
            organisation, record, ORGANISATION_FIELDS, errors, exclude=["slug", "logo"], origin=origin
        ):
            raise RowFailed
        if created or changed:
            organisation.save()
        outcomes.append(("organisations", "created" if created else "updated" if changed else "unchanged"))
        pending["organisation"][key] = _Seen(
            organisation.pk, org_values, origin or (record.kind, record.number)
        )
        return organisation

    def commune(self, record, errors):
        values = record.values
        insee = (values.get("lieu_code_insee") or "").strip()
        postcode = (values.get("lieu_code_postal") or "").strip()
        name = (values.get("lieu_commune") or "").strip()
        if insee:
            commune = self.communes.get(insee)
            if commune is None:
                errors.append(
                    record.error(
                        "lieu_code_insee",
                        _g("Commune inconnue : aucune commune du Gers n'a le code INSEE « %(code)s ».")
                        % {"code": insee},
                    )
                )
            return commune
        if not name and not postcode:
            errors.append(
                record.error(
                    "lieu_commune",
                    _g("Indiquez la commune du lieu : son code INSEE, ou son code postal et son nom."),
                )
            )
            return None
        commune = self._commune_by_name(name, postcode)
        if commune is None:
            column = "lieu_commune" if name else "lieu_code_postal"
            errors.append(
                record.error(
                    column,
                    _g("Commune inconnue : « %(name)s » ne désigne aucune commune du Gers, ou plusieurs.")
                    % {"name": " ".join(p for p in (postcode, name) if p)},
                )
            )
        return commune

    def _commune_by_name(self, name, postcode):
        def compact(text):
            words = normalise(text).split()
            words = [{"st": "saint", "ste": "sainte"}.get(w, w) for w in words]
            return "".join(words)

        candidates = list(self.communes.values())
        if postcode:
            candidates = [c for c in candidates if postcode in c.postal_code_list]
        if name:
            wanted = compact(name)
            named = [c for c in candidates if compact(c.name) == wanted]
            if len(named) == 1:
                return named[0]
            # The gazetteer forgives variants ("L'Isle Jourdain 32600"); its answer must still carry the name.
            found = find_commune(f"{name} {postcode}".strip())
            if (
                found is not None
                and compact(found.name).startswith(wanted)
                and (not postcode or postcode in found.postal_code_list)
            ):
                return found
            return None
        return candidates[0] if len(candidates) == 1 else None

    def place(self, record, source, organisation, errors, outcomes, pending):
        values = record.values
        commune = self.commune(record, errors)
        identifier = (values.get("lieu_id") or "").strip()
        if not identifier:
            name = values.get("lieu_nom") or record.defaults.get("lieu_nom") or ""
            code = commune.insee_code if commune else ""
            owner = (organisation.source_id or organisation.slug) if organisation is not None else ""
            identifier = f"{owner}--{slugify(name)}-{code}"[:120]
        key = (source, identifier)
        place_values = {c: values.get(c) for c in PLACE_COLUMNS}
        seen = self._seen("place", key, pending)
        if seen is not None:
            self._check_repeat(record, "place", seen, place_values, errors)
            return Place.objects.get(pk=seen.pk)

        def same_address():
            # Our own exports: places without source_id are "lieu-<pk>" (CSV) or an address (data·inclusion).
            if organisation is None or organisation.pk is None:
                return None
            match = re.fullmatch(r"lieu-(\d+)", identifier)
            if match and source == DEFAULT_SOURCE:
                return Place.objects.filter(
                    pk=match.group(1), organisation=organisation, source_id=""
                ).first()
            if commune is not None and values.get("lieu_adresse") and not values.get("lieu_nom"):
                return (
                    Place.objects.filter(organisation=organisation, commune=commune)
                    .filter(Q(address__iexact=values["lieu_adresse"]))
                    .order_by("pk")
                    .first()
                )
            return None

        place = self._find(Place, source, identifier, same_address)
        created = place is None
        if created:
            place = Place(source=source, source_id=identifier)
        changed = self._assign(place, record, PLACE_FIELDS, {}, errors)
        if commune is not None and place.commune_id != commune.pk:
            place.commune = commune
            changed = True
        changed |= self._assign_point(place, record, errors, moved=changed and not created)
        if (
            organisation is not None
            and organisation.pk is not None
            and place.organisation_id != organisation.pk
        ):
            place.organisation = organisation
            changed = True
        if commune is None or organisation is None or errors:
            self._check_fields(
                place, record, PLACE_FIELDS, errors, exclude=["organisation", "commune", "location"]
            )
            raise RowFailed
        if not self._validate(place, record, PLACE_FIELDS, errors, exclude=["location"]):
            raise RowFailed
        if created or changed:
            place.save()
        outcomes.append(("places", "created" if created else "updated" if changed else "unchanged"))
        pending["place"][key] = _Seen(place.pk, place_values, (record.kind, record.number))
        return place

    def _assign_point(self, place, record, errors, moved):
        lat, lon = record.values.get("lieu_latitude"), record.values.get("lieu_longitude")
        if lat is None and lon is None:
            if moved:
                # A new address without coordinates: computed again (BAN, else the commune's centre).
                place.latitude = place.longitude = None
                place.location = ""
            return False
        if bool(lat) != bool(lon):
            column = "lieu_longitude" if lat else "lieu_latitude"
            errors.append(record.error(column, _g("Donnez la latitude et la longitude, ou aucune des deux.")))
            return False
        if not lat:
            if moved or place.latitude is None:
                place.latitude = place.longitude = None
                place.location = ""
            return False
        try:
            latitude = to_float(lat, -90, 90)
        except CellError as exc:
            errors.append(record.error("lieu_latitude", exc))
            return False
        try:
            longitude = to_float(lon, -180, 180)
        except CellError as exc:
            errors.append(record.error("lieu_longitude", exc))
            return False
        if (place.latitude, place.longitude) == (latitude, longitude):
            return False
        place.latitude, place.longitude = latitude, longitude
        place.location = f"SRID=4326;POINT({longitude} {latitude})"
        return True

    def _categories(self, record, errors):
        raw = record.values.get("thematiques")
        if raw is None:
            return None
        found = []
        for item in split_list(raw):
            key = normalise(item)
            matches = [
                c
                for c in self.categories
                if key in (normalise(c.slug), normalise(c.name)) or item in c.thematiques
            ]
            if not matches and record.kind == "service" and item in di.Thematique._value2member_map_:
                # A valid data·inclusion theme that none of our categories covers: not an error of the file.
                continue
            if not matches:
                errors.append(
                    record.error(
                        "thematiques",
                        _g(
                            "Thématique inconnue : « %(value)s ». Utilisez l'identifiant d'une thématique de "
                            "l'annuaire (%(slugs)s) ou un code data·inclusion."
                        )
                        % {"value": item, "slugs": ", ".join(c.slug for c in self.categories)},
                    )
                )
            found += [c for c in matches if c not in found]
        if not found and not any(
            e.column == record.column_names.get("thematiques", "thematiques") for e in errors
        ):
            errors.append(record.error("thematiques", _g("Indiquez au moins une thématique de l'annuaire.")))
        return found

    def _audiences(self, record, errors):
        raw = record.values.get("publics")
        if raw is None:
            return None
        found = []
        for item in split_list(raw):
            key = normalise(item)
            match = next(
                (a for a in self.audiences.values() if key in (normalise(a.slug), normalise(a.name))), None
            )
            if match is None:
                errors.append(
                    record.error(
                        "publics",
                        _g("Public inconnu : « %(value)s » (%(slugs)s).")
                        % {"value": item, "slugs": ", ".join(self.audiences)},
                    )
                )
            elif match not in found:
                found.append(match)
        return found

    def service(self, record, source, organisation, place, has_place, errors, outcomes, pending):
        values = record.values
        title = (values.get("nom") or "").strip()
        identifier = (values.get("id") or "").strip()
        if not identifier and organisation is not None:
            identifier = f"{organisation.source_id or organisation.slug}--{slugify(title)}"[:120]
        key = (source, identifier)
        if identifier and self._seen("service", key, pending) is not None:
            errors.append(record.error("id", _g("Ce service figure déjà plus haut dans le fichier.")))
            raise RowFailed
        service = self._find(Service, source, identifier) if identifier else None
        created = service is None
        if created:
            service = Service(source=source, source_id=identifier, kind=ServiceKind.PARTNER_OFFER, live=False)
        if record.kind == "service" and values.get("a_distance") is not None:
            # data·inclusion's "à distance" covers online and by phone alike: keep ours when it already says so.
            values = dict(values)
            if values["a_distance"] == "oui" and (service.remote or service.by_phone):
                del values["a_distance"]
            elif values["a_distance"] == "non":
                values["par_telephone"] = "non"
            record = replace(record, values=values)
        changed = self._assign(service, record, SERVICE_FIELDS, CHOICES, errors)
        categories = self._categories(record, errors)
        audiences = self._audiences(record, errors)
        if created and categories is None:
            errors.append(record.error("thematiques", _g("Indiquez au moins une thématique de l'annuaire.")))
        parents_ok = organisation is not None and (place is not None or not has_place)
        if not parents_ok or errors:
            self._check_fields(
                service, record, SERVICE_FIELDS, errors, exclude=["organisation", "place", "slug"]
            )
            raise RowFailed
        if service.organisation_id != organisation.pk:
            service.organisation = organisation
            changed = True
        if has_place and service.place_id != place.pk:
            service.place = place
            changed = True
        if created:
            service.slug = unique_slug(Service, service.title or "fiche")
        else:
            if categories is not None and set(categories) != set(service.categories.all()):
                changed = True
            if audiences is not None and set(audiences) != set(service.audiences.all()):
                changed = True
        if not self._validate(service, record, SERVICE_FIELDS, errors):
            raise RowFailed
        pending["service"][key] = _Seen(service.pk, {}, (record.kind, record.number))
        if not (created or changed):
            outcomes.append(("services", "unchanged"))
            return service
        if created:
            service.save()
            pending["service"][key].pk = service.pk
        # Kept in memory by modelcluster: the revision records them, publishing it writes them.
        if categories is not None:
            service.categories.set(categories)
        if audiences is not None:
            service.audiences.set(audiences)
        self._publish(service, created)
        outcomes.append(("services", "created" if created else "updated"))
        return service

    def _publish(self, service, created):
        """A revision per created or changed service, published at once: its history shows the import."""
        revision = service.save_revision(user=self.user, log_action=not created, clean=False)
        if created:
            log(
                instance=service,
                action="wagtail.create",
                user=self.user,
                revision=revision,
                content_changed=True,
            )
        revision.publish(user=self.user, skip_permission_checks=True)


def import_records(records, *, dry_run=True, user=None, progress=None, file_format=CSV, ignored_columns=()):
    return Importer(user=user, progress=progress).run(
        records, dry_run=dry_run, file_format=file_format, ignored_columns=ignored_columns
    )


def import_file(data, *, file_format=None, filename="", dry_run=True, user=None, progress=None):
    """Read and import a file's bytes. Raises ImportFileError when the file itself is unreadable."""
    file_format, records, ignored = read_file(data, file_format, filename)
    return import_records(
        records,
        dry_run=dry_run,
        user=user,
        progress=progress,
        file_format=file_format,
        ignored_columns=ignored,
    )


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
        "lieu_latitude": "" if place.latitude is None else repr(place.latitude),
        "lieu_longitude": "" if place.longitude is None else repr(place.longitude),
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


def export_rows():
    """Every service (one row each), then the places and organisations that have none: the whole directory."""
    services = (
        Service.objects.select_related("organisation", "place__commune")
        .prefetch_related("categories", "audiences")
        .order_by("organisation__name", "organisation__pk", "pk")
    )
    used_places, used_organisations = set(), set()
    for service in services.iterator(chunk_size=500):
        used_organisations.add(service.organisation_id)
        if service.place_id:
            used_places.add(service.place_id)
        yield service_row(service)
    for place in (
        Place.objects.select_related("organisation", "commune").exclude(pk__in=used_places).order_by("pk")
    ):
        used_organisations.add(place.organisation_id)
        yield {**organisation_row(place.organisation), **place_row(place)}
    for organisation in Organisation.objects.exclude(pk__in=used_organisations).order_by("pk"):
        yield organisation_row(organisation)


def export_csv(rows: Iterable[dict] | None = None):
    """The CSV as staff open it in a spreadsheet: UTF-8 with BOM, `;` separator, formulas neutralised."""
    rows = export_rows() if rows is None else rows
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    columns = list(CSV_COLUMNS)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([data_inclusion.csv_cell(row.get(column) or None) for column in columns])
    return buffer.getvalue()


def export_json(services=None):
    """data·inclusion v1: the published, open services and their structures, in one document."""
    return {
        "structures": data_inclusion.structure_records(services),
        "services": data_inclusion.service_records(services),
    }


def template_csv():
    """The empty model: the header alone (the columns are explained on the import page)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(list(CSV_COLUMNS))
    return buffer.getvalue()
