"""The import's file formats: the CSV columns, reading CSV and data·inclusion v1 JSON into records, the report.

The CSV has one row per service, with its organisation's and its place's columns repeated on each row (see
`CSV_COLUMNS`; a row with the service columns left empty describes only an organisation and/or a place). It is
read with `;` or `,` as separator, in UTF-8 (with or without BOM) or Windows-1252.

The JSON follows data·inclusion v1: an object `{"structures": [...], "services": [...]}` (what our export writes),
or a plain list of structures and services (the API's own exports). Records are checked with the official models
of `data-inclusion-schema`, then mapped onto the same columns as the CSV, so both formats go through one engine
(directory.exchange.importing).
"""

import json
import re
from dataclasses import asdict, dataclass, field

import pydantic
from data_inclusion.schema import v1 as di
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from core import csv_files
from core.slugs import slugify
from directory.listings.models import (
    DEFAULT_SOURCE,
    Audience,
    Organisation,
    Place,
    Service,
)
from directory.listings.vocabulary import Fees, Network, OrganisationKind, ServiceKind, ServiceStatus
from territories.text import normalise

CSV = "csv"
JSON = "json"
FORMATS = (CSV, JSON)
# Past this size a file is refused before reading: the directory of a département is a few thousand rows.
MAX_FILE_BYTES = 20 * 1024 * 1024
# csv's default field limit (128 KiB) is larger than any cell we store; a larger one is a broken file.
MAX_CELL_CHARS = 20000

FEE_SEPARATOR = re.compile(r"^\s*[—–-](?:\s+|$)|^\s+")


def max_file_bytes():
    return getattr(settings, "DIRECTORY_IMPORT_MAX_BYTES", MAX_FILE_BYTES)


def too_big_message():
    return _g("Le fichier dépasse %(size)s : découpez-le en plusieurs fichiers.") % {
        "size": filesizeformat(max_file_bytes())
    }


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
    # A partner's import: created or changed services and places wait for staff (or, for a trusted
    # organisation, are published at once).
    moderated: bool = False
    to_review: int = 0
    published: int = 0

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
    # data·inclusion records as read (structure, service): a field equal to what we would export keeps ours.
    structure_raw: dict | None = None
    service_raw: dict | None = None
    # The place a service keeps because the record repeats its location (counted as unchanged, once).
    kept_place: int | None = None

    def has_any(self, columns):
        return any(self.values.get(c) not in (None, "") for c in columns)

    def error(self, column, message, origin=None):
        kind, number = origin or (self.kind, self.number)
        names = DI_STRUCTURE_COLUMNS if kind == "structure" else self.column_names
        return RowError(kind, number, names.get(column, column), str(message))


def decode(data):
    try:
        return csv_files.decode(data)
    except csv_files.UndecodableFile:
        raise ImportFileError(
            _g("Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en CSV UTF-8.")
        ) from None


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
    lines = csv_files.rows(text)
    try:
        _, header = next(lines, (1, None))
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
        for number, row in lines:
            if not any(cell.strip() for cell in row):
                continue
            if any(len(cell) > MAX_CELL_CHARS for cell in row):
                raise ImportFileError(
                    _g("Ligne %(number)s : une cellule dépasse %(max)s caractères.")
                    % {"number": number, "max": MAX_CELL_CHARS}
                )
            values = {key: _clean_cell(row[pos]) if pos < len(row) else "" for pos, key in known.items()}
            records.append(Record("ligne", number, values))
    except csv_files.MalformedCsv as exc:
        raise ImportFileError(
            _g("Le fichier CSV est mal formé (ligne %(line)s) : %(error)s")
            % {"line": exc.line, "error": exc.error}
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
# data·inclusion fields → the columns they feed. Our export is lossy (E.164 phones, the structure's text completing
# a short description, "tous-publics" absorbing other publics, contacts inherited from the structure): a field
# whose value is what we would export today is no news, and keeps what we have (fields of a tuple go together).
DI_STRUCTURE_SOURCES = {
    ("nom",): ("structure_nom",),
    ("siret",): ("structure_siret",),
    ("telephone",): ("structure_telephone",),
    ("courriel",): ("structure_courriel",),
    ("site_web",): ("structure_site_web",),
    ("description",): ("structure_description",),
    ("reseaux_porteurs",): ("structure_reseau",),
}
DI_SERVICE_SOURCES = {
    ("nom",): ("nom",),
    ("description",): ("resume", "description"),
    ("thematiques",): ("thematiques",),
    ("publics",): ("publics",),
    ("conditions_acces",): ("conditions",),
    ("frais", "frais_precisions"): ("frais", "frais_precisions"),
    ("modes_accueil",): ("sur_place", "a_distance"),
    ("modes_mobilisation",): ("sur_rendez_vous",),
    ("telephone",): ("telephone",),
    ("courriel",): ("courriel",),
    ("horaires_accueil",): ("horaires",),
    # The same location keeps the service's place (shared by several organisations, named, described).
    ("adresse", "code_postal", "code_insee", "commune", "longitude", "latitude"): tuple(PLACE_COLUMNS),
}


def _comparable(value):
    """A value as the JSON file carries it, lists in a stable order."""
    value = json.loads(json.dumps(value, default=str))
    return sorted(value, key=str) if isinstance(value, list) else value


def drop_repeated(values, raw, current, sources):
    """The values without the columns fed by fields whose value equals our current export's."""
    values = dict(values)
    for fields, columns in sources.items():
        if all(_comparable(raw.get(f)) == _comparable(current.get(f)) for f in fields):
            for column in columns:
                values[column] = None
    return values


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
    # A field the record does not carry (absent or null) is None: it keeps what we have, never erases it.
    phone = _text(record.get("telephone"))
    values = {
        "source": source,
        "structure_id": local_id(source, record.get("id")),
        "structure_nom": _text(record.get("nom")),
        "structure_siret": _text(record.get("siret")),
        "structure_telephone": None if phone is None else phone_display(phone),
        "structure_courriel": _text(record.get("courriel")),
        "structure_site_web": _text(record.get("site_web")),
        "structure_description": _text(record.get("description")),
        "structure_reseau": networks[0] if networks else None,
    }
    defaults = {"structure_type": NETWORK_KINDS.get(networks[0], "") if networks else ""}
    return values, defaults


def _same_phone(a, b):
    digits = re.compile(r"\D")
    return bool(a) and bool(b) and digits.sub("", phone_display(a)) == digits.sub("", phone_display(b))


def _without_structure_text(text, structure):
    """Our export completes a short description with the structure's presentation: that part is not the
    service's own text (the export adds it again)."""
    text = (text or "").strip()
    organisation_text = _text((structure or {}).get("description"))
    if organisation_text and text.endswith(f"\n\n{organisation_text}"):
        return text[: -len(organisation_text)].strip()
    return text


def _list(record, name):
    """A data·inclusion list as our comma-separated cell; None when the record does not carry it."""
    items = record.get(name)
    return None if items is None else ",".join(sorted(items))


def _service_values(record, structure):
    source = record.get("source") or DEFAULT_SOURCE
    summary, description = _summary_and_description(
        _without_structure_text(record.get("description"), structure)
    )
    modes = set(record.get("modes_accueil") or [])
    publics = record.get("publics")
    if publics is not None:
        known = set(Audience.objects.filter(slug__in=publics).values_list("slug", flat=True))
        publics = [p for p in publics if p in known]
    # A field the record does not carry (absent or null) is None: it keeps what we have, never erases it.
    values = {
        "source": source,
        "structure_id": local_id(source, record.get("structure_id")),
        "id": local_id(source, record.get("id")),
        "nom": _text(record.get("nom")),
        "resume": summary,
        "description": description,
        "thematiques": _list(record, "thematiques"),
        "publics": None if publics is None else ",".join(sorted(publics)),
        "conditions": _text(record.get("conditions_acces")),
        "horaires": _text(record.get("horaires_accueil")),
    }
    if record.get("frais"):
        details = _text(record.get("frais_precisions")) or ""
        conditional = str(Fees.CONDITIONAL.label)
        if record["frais"] == di.Frais.PAYANT.value and details.startswith(conditional):
            values["frais"] = Fees.CONDITIONAL.value
            # Our export joins the label and the details with " — "; other sources may use a hyphen. Only that one
            # separator goes: details of their own may start with a dash.
            details = FEE_SEPARATOR.sub("", details[len(conditional) :], count=1)
        else:
            values["frais"] = (
                Fees.FREE.value if record["frais"] == di.Frais.GRATUIT.value else Fees.PAID.value
            )
        values["frais_precisions"] = details
    if record.get("modes_accueil") is not None:
        values["sur_place"] = "oui" if di.ModeAccueil.EN_PRESENTIEL.value in modes else "non"
        values["a_distance"] = "oui" if di.ModeAccueil.A_DISTANCE.value in modes else "non"
    # Contacts equal to the structure's are inherited from it rather than copied.
    phone, email = _text(record.get("telephone")), _text(record.get("courriel"))
    if structure is not None:
        if _same_phone(phone, structure.get("telephone")):
            phone = ""
        if email and email.lower() == (structure.get("courriel") or "").lower():
            email = ""
    values["telephone"] = None if phone is None else phone_display(phone)
    values["courriel"] = email
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
            record.structure_raw = raw
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
        record.service_raw = raw
        record.structure_raw = structure[1] if structure else None
        # data·inclusion has no kind of ours: an "accompagnement" is most like a permanence (on creation only).
        accompaniment = raw.get("type") == di.TypeService.ACCOMPAGNEMENT.value
        record.defaults["type"] = ServiceKind.PERMANENCE if accompaniment else ServiceKind.PARTNER_OFFER
        in_person = di.ModeAccueil.EN_PRESENTIEL.value in (raw.get("modes_accueil") or [])
        if raw.get("modes_accueil") is None:
            # No way to be received is not "in person": our export says "en-presentiel" for every service on site,
            # so a service at an address but not on site (remote only, or by appointment elsewhere) comes back so;
            # without an address, our model needs a place to be on site anyway.
            record.defaults["sur_place"] = "non"
        elif in_person and "lieu_id" not in record.values:
            # In person with no address: in our directory only a service that travels (its stops) is that.
            record.defaults["type"] = ServiceKind.ITINERANT
        elif in_person and raw.get("modes_mobilisation") is None:
            # Nobody says one may just come: a new service asks to call or write first (ours export it so).
            record.defaults["sur_rendez_vous"] = "oui"
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
