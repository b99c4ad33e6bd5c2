"""The public form built from a form page's fields: a phone type, bounded lengths, accessible attributes."""

import django.forms
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.forms import FormBuilder

from core.phones import phone_validator
from core.protection import HONEYPOT_FIELD

MULTILINE_MAX_LENGTH = 5000

# Autocomplete tokens (RGAA 11.13) guessed from a field's clean name, checked in order.
AUTOCOMPLETE_HINTS = [
    ("prenom", "given-name"),
    ("nom_de_famille", "family-name"),
    ("code_postal", "postal-code"),
    ("commune", "address-level2"),
    ("ville", "address-level2"),
    ("nom", "name"),
]


class SiteFormBuilder(FormBuilder):
    def get_field_options(self, field):
        options = super().get_field_options(field)
        # Django's French "Champ requis." is terse.
        options["error_messages"] = {"required": _("Ce champ est obligatoire.")}
        return options

    def create_tel_field(self, field, options):
        options["max_length"] = 20
        options.setdefault(
            "widget", django.forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
        )
        return django.forms.CharField(validators=[phone_validator], **options)

    def create_multiline_field(self, field, options):
        # No unbounded text from the public internet into the database and staff's mailboxes.
        options["max_length"] = MULTILINE_MAX_LENGTH
        return super().create_multiline_field(field, options)

    def create_email_field(self, field, options):
        options.setdefault("widget", django.forms.EmailInput(attrs={"autocomplete": "email"}))
        return super().create_email_field(field, options)

    def create_date_field(self, field, options):
        options.setdefault("widget", django.forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        return super().create_date_field(field, options)

    def create_number_field(self, field, options):
        options.setdefault("max_digits", 12)
        return super().create_number_field(field, options)


def autocomplete_for(name):
    # Whole words only: "nombre_de_personnes" is not a name.
    padded = f"_{name}_"
    for hint, token in AUTOCOMPLETE_HINTS:
        if f"_{hint}_" in padded:
            return token
    return None


def anchor_id(bound):
    """The id to link an error to: the first option of a radio or checkbox group, else the field."""
    if isinstance(bound.field.widget, django.forms.RadioSelect | django.forms.CheckboxSelectMultiple):
        return f"{bound.auto_id}_0"
    return bound.auto_id


class AccessibleFormMixin:
    """Autocomplete tokens on personal data fields, and each error tied to its field (aria-describedby)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if name == HONEYPOT_FIELD or "autocomplete" in widget.attrs:
                continue
            if isinstance(widget, django.forms.TextInput) and not isinstance(widget, django.forms.EmailInput):
                token = autocomplete_for(name)
                if token:
                    widget.attrs["autocomplete"] = token

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields or name == HONEYPOT_FIELD:
                continue
            bound = self[name]
            ids = [f"{bound.auto_id}_erreur"]
            if self.fields[name].help_text:
                ids.append(f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)

    @property
    def visible_fields_without_honeypot(self):
        return [bound for bound in self if bound.name != HONEYPOT_FIELD]

    @property
    def error_summary(self):
        """[(anchor id or "", label, messages)] for the summary at the top of the form."""
        items = []
        for name, errors in self.errors.items():
            if name == HONEYPOT_FIELD:
                # Its message already says "Envoi refusé : …": no label before it.
                items.append(("", "", list(errors)))
            elif name in self.fields:
                items.append((anchor_id(self[name]), self[name].label, list(errors)))
            else:
                items.append(("", "", list(errors)))
        return items
