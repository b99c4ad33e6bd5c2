"""Demo form pages under the home page: contact, call-back by the Numéro Vert Social, workshop registration.

Idempotent: a page whose slug already exists under the home page is left as it is.
"""

from django.db import transaction
from wagtail.models import Site

from .models import FormField, FormPage

TIME_SLOTS = (
    "Le matin (8 h 30 – 12 h)\nEn début d'après-midi (12 h – 14 h)\nEn fin d'après-midi (14 h – 18 h)"
)
WORKSHOPS = (
    "Atelier numérique – tiers-lieu de Lombez\n"
    "Atelier numérique – tiers-lieu de Masseube\n"
    "Atelier numérique – tiers-lieu de Lectoure\n"
    "Atelier Man'Gers (cuisine et alimentation) – Lombez\n"
    "Atelier Man'Gers (cuisine et alimentation) – Masseube\n"
    "Atelier Man'Gers (cuisine et alimentation) – Lectoure"
)


def _field(label, field_type, required=True, help_text="", choices="", default_value=""):
    return {
        "label": label,
        "field_type": field_type,
        "required": required,
        "help_text": help_text,
        "choices": choices,
        "default_value": default_value,
    }


FORMS = [
    {
        "slug": "contact",
        "title": "Nous écrire",
        "intro": "<p>Une question sur une aide, un partenariat, le site ? Écrivez-nous : nous vous répondons "
        "sous quelques jours ouvrés.</p>",
        "submit_label": "Envoyer mon message",
        "thank_you_text": "<p>Nous avons bien reçu votre message et vous répondrons sous quelques jours ouvrés. "
        "Un accusé de réception vient de vous être envoyé par courriel.</p>",
        "send_confirmation": True,
        "subject": "Site Gers Solidaire : nouveau message",
        "fields": [
            _field("Votre nom", "singleline"),
            _field("Votre adresse électronique", "email", help_text="Par exemple : prenom.nom@exemple.fr"),
            _field("Votre numéro de téléphone", "tel", required=False, help_text="Facultatif."),
            _field(
                "Votre demande concerne",
                "dropdown",
                choices="Une aide ou un service\nUn partenariat\nLe site internet\nAutre chose",
            ),
            _field("Votre message", "multiline"),
        ],
    },
    {
        "slug": "etre-rappele",
        "title": "Être rappelé par le Numéro Vert Social",
        "intro": "<p>Laissez-nous votre numéro : un écoutant du Numéro Vert Social vous rappelle gratuitement, "
        "du lundi au vendredi, au moment qui vous convient.</p>",
        "submit_label": "Demander à être rappelé",
        "thank_you_text": "<p>C'est noté : un écoutant vous rappelle au plus tard le jour ouvré suivant, sur le "
        "créneau que vous avez choisi. L'appel sera présenté comme venant de Gers Solidaire.</p>",
        "send_confirmation": False,
        "subject": "Numéro Vert Social : demande de rappel",
        "fields": [
            _field("Votre nom", "singleline", help_text="Ou un prénom : ce qui vous convient."),
            _field("Votre numéro de téléphone", "tel", help_text="Par exemple : 06 12 34 56 78"),
            _field("Moment préféré pour l'appel", "radio", choices=TIME_SLOTS),
            _field(
                "Le sujet en quelques mots",
                "multiline",
                required=False,
                help_text="Facultatif. N'indiquez pas d'informations sur votre santé.",
            ),
        ],
    },
    {
        "slug": "inscription-atelier",
        "title": "S'inscrire à un atelier",
        "intro": "<p>Ateliers numériques et ateliers Man'Gers sont gratuits et ouverts à tous, dans les "
        "tiers-lieux solidaires. Inscrivez-vous : nous vous confirmons la date et l'heure.</p>",
        "submit_label": "M'inscrire",
        "thank_you_text": "<p>Merci, votre inscription est enregistrée. Nous vous contactons pour vous "
        "confirmer la date et l'heure de l'atelier.</p>",
        "send_confirmation": True,
        "subject": "Inscription à un atelier",
        "fields": [
            _field("Votre nom", "singleline"),
            _field("Votre numéro de téléphone", "tel"),
            _field(
                "Votre adresse électronique",
                "email",
                required=False,
                help_text="Facultatif : pour recevoir un accusé de réception.",
            ),
            _field("Atelier", "dropdown", choices=WORKSHOPS),
            _field("Nombre de personnes", "number", default_value="1"),
            _field(
                "Besoins particuliers",
                "multiline",
                required=False,
                help_text="Facultatif : accessibilité, interprète, garde d'enfant…",
            ),
        ],
    },
]


@transaction.atomic
def load_forms():
    """Create the demo form pages if missing. Returns a French summary; a second run creates nothing."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return "Formulaires : aucun site par défaut, rien n'est créé."
    home = site.root_page
    created = []
    for spec in FORMS:
        if home.get_children().filter(slug=spec["slug"]).exists():
            continue
        spec = dict(spec)
        fields = spec.pop("fields")
        page = FormPage(show_in_menus=False, search_description=_plain(spec["intro"]), **spec)
        page.form_fields = [FormField(sort_order=i, **field) for i, field in enumerate(fields)]
        home.add_child(instance=page)
        page.save_revision().publish()
        created.append(page.title)
    if not created:
        return "Formulaires : rien à créer, tout est déjà en place."
    return f"Formulaires créés : {', '.join(created)}."


def _plain(html):
    from django.utils.html import strip_tags

    return strip_tags(html).strip()
