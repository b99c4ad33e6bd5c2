"""Bulk import of the directory: records read from a CSV or a data·inclusion v1 JSON file
(directory.exchange.formats) written as organisations, places and services.

Every object is identified by its source and its identifier there (`source` + `source_id`): a re-import updates
what it created before instead of duplicating it. Objects created in our own admin have no `source_id`; they are
exported with their slug as identifier, which the import recognises.

Each row is validated by the models themselves (`full_clean`: opening hours, phone, SIRET…). The import runs in one
transaction and writes nothing if any row fails; a dry run runs the very same code and rolls back. Each created
or changed service goes through a Wagtail revision, so its history shows the import.

Staff imports publish directly. A partner's import is limited to the partner's own organisations (a row naming
another one, or an object of another one, is refused with a message that reveals nothing of it; organisations
themselves are not changed by a partner's import) and goes through moderation like the partner's edits in the
admin: created or changed services and places are drafts submitted to the "Validation Gers Solidaire" workflow,
published at once only for a trusted organisation (see directory.partners.moderation).
"""

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace

from data_inclusion.schema import v1 as di
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _g
from wagtail.log_actions import log

from core.slugs import legacy_slugify, slugify
from directory.exchange import data_inclusion
from directory.exchange.formats import (
    BOOLEAN_FIELDS,
    CHOICES,
    CSV,
    DI_SERVICE_SOURCES,
    DI_STRUCTURE_SOURCES,
    ERROR_COLUMNS,
    NULLABLE_BOOLEAN_FIELDS,
    ORGANISATION_CHOICES,
    ORGANISATION_COLUMNS,
    ORGANISATION_FIELDS,
    PLACE_COLUMNS,
    PLACE_FIELDS,
    SERVICE_COLUMNS,
    SERVICE_FIELDS,
    CellError,
    ImportReport,
    Record,
    RowError,
    drop_repeated,
    read_file,
    split_list,
    to_bool,
    to_choice,
    to_float,
)
from directory.listings.models import (
    DEFAULT_SOURCE,
    Audience,
    Category,
    Organisation,
    Place,
    Service,
    unique_slug,
)
from directory.listings.vocabulary import OrganisationKind, ServiceKind
from directory.partners.access import is_unrestricted, organisation_ids
from territories.gazetteer import find_commune
from territories.models import Commune
from territories.text import normalise


def user_can_import(user):
    """Staff (superusers, users allowed to manage every organisation) and partners, for their organisations."""
    return is_unrestricted(user) or is_partner_importer(user)


def is_partner_importer(user):
    """A member of organisations who may edit their services: imports within them, under moderation."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and not is_unrestricted(user)
        and organisation_ids(user)
        and user.has_perm("directory.change_service")
    )


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
        # No user: the command line, run by whoever runs the server. A partner is kept to their organisations.
        self.restricted = user is not None and not is_unrestricted(user)
        self.own_organisations = organisation_ids(user) if self.restricted else frozenset()
        # (object, organisation) drafts to submit for moderation once every row has passed.
        self.to_submit = []
        self.dry_run = True
        self.progress = progress or (lambda done, total: None)
        self.communes = {c.insee_code: c for c in Commune.objects.all()}
        self.categories = list(Category.objects.all())
        self.audiences = {a.slug: a for a in Audience.objects.all()}
        self.seen = {"organisation": {}, "place": {}, "service": {}}

    # -- the whole run ------------------------------------------------------------------------------------

    def run(self, records: list[Record], *, dry_run=True, file_format=CSV, ignored_columns=()):
        report = ImportReport(file_format=file_format, dry_run=dry_run, ignored_columns=list(ignored_columns))
        report.rows = len(records)
        report.moderated = self.restricted
        self.dry_run = dry_run
        total = len(records)
        self.progress(0, total)
        with transaction.atomic():
            for done, record in enumerate(records, start=1):
                self._run_record(record, report)
                self.progress(done, total)
            if not report.errors:
                self._moderate(report)
            if dry_run or report.errors:
                transaction.set_rollback(True)
        return report

    def _moderate(self, report):
        """Submit a partner's drafts, after every row passed: no e-mail to staff for an import that fails."""
        from directory.partners.moderation import submit_for_moderation

        for instance, organisation in self.to_submit:
            # A dry run predicts (and sends no e-mail): a trusted organisation's drafts are published at once.
            published = organisation.trusted if self.dry_run else submit_for_moderation(instance, self.user)
            if published:
                report.published += 1
            else:
                report.to_review += 1

    def _run_record(self, record, report):
        errors = list(record.errors)
        outcomes = []
        pending = {name: {} for name in self.seen}
        submitted = len(self.to_submit)
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
            del self.to_submit[submitted:]
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
        source = (record.values.get("source") or "").strip() or DEFAULT_SOURCE
        record = self._without_repeats(record, source)
        has_service = record.has_any(SERVICE_COLUMNS.keys() - {"source"})
        has_place = record.has_any(PLACE_COLUMNS)
        organisation = place = None
        with suppress(RowFailed):
            organisation = self.organisation(record, source, errors, outcomes, pending)
        if record.kept_place and self._seen("place", ("kept", record.kept_place), pending) is None:
            outcomes.append(("places", "unchanged"))
            pending["place"][("kept", record.kept_place)] = _Seen(
                record.kept_place, {}, (record.kind, record.number)
            )
        if has_place:
            with suppress(RowFailed):
                place = self.place(record, source, organisation, errors, outcomes, pending)
        if has_service:
            with suppress(RowFailed):
                self.service(record, source, organisation, place, has_place, errors, outcomes, pending)
        if errors:
            raise RowFailed

    def _without_repeats(self, record, source):
        """A data·inclusion record's fields that say what we would export today change nothing of ours."""
        values = record.values
        if record.structure_raw is not None and values.get("structure_id"):
            organisation = self._find(Organisation, source, values["structure_id"])
            if organisation is not None:
                current = data_inclusion.structure_record(organisation)
                values = drop_repeated(values, record.structure_raw, current, DI_STRUCTURE_SOURCES)
        if record.service_raw is not None and values.get("id"):
            service = self._find(Service, source, values["id"])
            if service is not None:
                current = data_inclusion.service_record(service)
                values = drop_repeated(values, record.service_raw, current, DI_SERVICE_SOURCES)
                if (
                    service.place_id
                    and record.has_any(PLACE_COLUMNS)
                    and not any(values.get(c) for c in PLACE_COLUMNS)
                ):
                    return replace(record, values=values, kept_place=service.place_id)
        return replace(record, values=values) if values is not record.values else record

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

    def _find(self, model, source, identifier, extra=None, legacy=None):
        # `legacy`: the identifier made from the same name before slugs spelt out "œ" and "æ".
        candidates = [identifier] + ([legacy] if legacy and legacy != identifier else [])
        found = model.objects.filter(source=source, source_id__in=candidates).order_by("pk").first()
        if found is None and source == DEFAULT_SOURCE and hasattr(model, "slug"):
            # Created in our admin (no source_id): exported with its slug as identifier.
            found = model.objects.filter(slug__in=candidates).order_by("pk").first()
        if found is None and extra is not None:
            found = extra()
        return found

    def _not_yours_message(self, identifier):
        yours = Organisation.objects.filter(pk__in=self.own_organisations).order_by("name")
        return _g(
            "Structure « %(id)s » inconnue ou qui n'est pas la vôtre : vous ne pouvez importer que les fiches de "
            "vos structures (%(yours)s)."
        ) % {
            "id": identifier,
            "yours": ", ".join(f"« {o.source_id or o.slug} » : {o.name}" for o in yours),
        }

    def _locked_for_user(self, instance):
        lock = instance.get_lock() if instance.pk else None
        return lock is not None and lock.for_user(self.user)

    def _draft(self, instance, created, organisation):
        """A partner's created or changed object: a revision awaiting moderation, the public row untouched."""
        revision = instance.save_revision(user=self.user, log_action=not created, clean=False)
        if created:
            log(
                instance=instance,
                action="wagtail.create",
                user=self.user,
                revision=revision,
                content_changed=True,
            )
        self.to_submit.append((instance, organisation))

    def organisation(self, record, source, errors, outcomes, pending):
        values = record.values
        identifier = (values.get("structure_id") or "").strip() or slugify(values.get("structure_nom") or "")
        legacy = (values.get("structure_id") or "").strip() or legacy_slugify(
            values.get("structure_nom") or ""
        )
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
        organisation = self._find(Organisation, source, identifier, legacy=legacy)
        if self.restricted and (organisation is None or organisation.pk not in self.own_organisations):
            # The same answer whether the organisation exists elsewhere or not: nothing of it is revealed.
            column = "structure_id" if (values.get("structure_id") or "").strip() else "structure_nom"
            errors.append(record.error(column, self._not_yours_message(identifier), origin))
            raise RowFailed
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
        before = {name: getattr(organisation, name) for name in ORGANISATION_FIELDS.values()}
        changed = self._assign(
            organisation, record, ORGANISATION_FIELDS, ORGANISATION_CHOICES, errors, origin
        )
        if self.restricted and changed:
            # An organisation's identity shows on all its pages: partners change it in its form, under review.
            for column, name in ORGANISATION_FIELDS.items():
                if getattr(organisation, name) != before[name]:
                    errors.append(
                        record.error(
                            column,
                            _g(
                                "Les informations de la structure ne se modifient pas par import : recopiez la "
                                "valeur actuelle (« %(current)s ») ou laissez la case vide, puis modifiez la "
                                "structure depuis sa fiche."
                            )
                            % {"current": before[name]},
                            origin,
                        )
                    )
            raise RowFailed
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
        identifier = legacy = (values.get("lieu_id") or "").strip()
        if not identifier:
            name = values.get("lieu_nom") or record.defaults.get("lieu_nom") or ""
            code = commune.insee_code if commune else ""
            owner = (organisation.source_id or organisation.slug) if organisation is not None else ""
            identifier = f"{owner}--{slugify(name)}-{code}"[:120]
            legacy = f"{owner}--{legacy_slugify(name)}-{code}"[:120]
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
                # Any owner: a service row names the service's organisation, not the shared place's.
                return Place.objects.filter(pk=match.group(1), source_id="").first()
            if commune is not None and values.get("lieu_adresse") and not values.get("lieu_nom"):
                return (
                    Place.objects.filter(organisation=organisation, commune=commune)
                    .filter(Q(address__iexact=values["lieu_adresse"]))
                    .order_by("pk")
                    .first()
                )
            return None

        place = self._find(Place, source, identifier, same_address, legacy=legacy)
        created = place is None
        if created:
            place = Place(source=source, source_id=identifier)
        changed = self._assign(place, record, PLACE_FIELDS, {}, errors)
        if commune is not None and place.commune_id != commune.pk:
            place.commune = commune
            changed = True
        changed |= self._assign_point(place, record, errors, moved=changed and not created)
        if self.restricted and not created and place.organisation_id not in self.own_organisations:
            return self._foreign_place(record, place, changed, errors, outcomes, pending, key, place_values)
        # A row of a service names the service's organisation, not the place's owner: a place shared by several
        # organisations keeps its owner. Only a row of the place alone (no service) names its owner.
        owner_named = created or not record.has_any(SERVICE_COLUMNS.keys() - {"source"})
        if (
            owner_named
            and organisation is not None
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
        if self.restricted and changed and not created and self._locked_for_user(place):
            errors.append(
                record.error("lieu_nom", _g("Ce lieu est verrouillé : l'équipe Gers Solidaire le modifie."))
            )
            raise RowFailed
        if (created or changed) and self.restricted:
            if created:
                place.live = False
                place.save()
            self._draft(place, created, organisation)
            # Services read the published place (its point, whether it is live), never the draft.
            place = Place.objects.get(pk=place.pk)
        elif created or changed:
            place.save()
        outcomes.append(("places", "created" if created else "updated" if changed else "unchanged"))
        pending["place"][key] = _Seen(place.pk, place_values, (record.kind, record.number))
        return place

    def _foreign_place(self, record, place, changed, errors, outcomes, pending, key, place_values):
        """Another organisation's place, for a partner: usable as it is where their services already are."""
        shared = Service.objects.filter(place=place, organisation__in=self.own_organisations).exists()
        if changed or not shared or errors:
            errors.append(
                record.error(
                    "lieu_id",
                    _g(
                        "Le lieu « %(id)s » appartient à une autre structure : vous ne pouvez pas le modifier. "
                        "Laissez « lieu_id » vide pour créer votre propre lieu."
                    )
                    % {"id": key[1]},
                )
            )
            raise RowFailed
        outcomes.append(("places", "unchanged"))
        pending["place"][key] = _Seen(place.pk, place_values, (record.kind, record.number))
        return Place.objects.get(pk=place.pk)

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
        identifier = legacy = (values.get("id") or "").strip()
        if not identifier and organisation is not None:
            identifier = f"{organisation.source_id or organisation.slug}--{slugify(title)}"[:120]
            legacy = f"{organisation.source_id or organisation.slug}--{legacy_slugify(title)}"[:120]
        key = (source, identifier)
        if identifier and self._seen("service", key, pending) is not None:
            errors.append(record.error("id", _g("Ce service figure déjà plus haut dans le fichier.")))
            raise RowFailed
        service = self._find(Service, source, identifier, legacy=legacy) if identifier else None
        if self.restricted and service is not None and service.organisation_id not in self.own_organisations:
            errors.append(
                record.error(
                    "id",
                    _g(
                        "Le service « %(id)s » appartient à une autre structure : vous ne pouvez pas le modifier. "
                        "Laissez « id » vide ou donnez un identifiant nouveau."
                    )
                    % {"id": identifier},
                )
            )
            raise RowFailed
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
        if self.restricted and changed and not created and self._locked_for_user(service):
            errors.append(
                record.error("nom", _g("Ce service est verrouillé : l'équipe Gers Solidaire le modifie."))
            )
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
        if self.restricted:
            self._draft(service, created, organisation)
        else:
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
