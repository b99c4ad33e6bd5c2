"""The public subscription form (the staff's forms are in admin_forms, apart: they need the import's modes, which
need the models, and the models' archive page shows this form)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.protection import HoneypotMixin


class SubscribeForm(HoneypotMixin):
    email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        max_length=254,
        error_messages={
            "required": _("Indiquez votre adresse électronique."),
            "invalid": _("Cette adresse électronique n'est pas valide (exemple : nom@exemple.fr)."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={"required": _("Cochez la case pour accepter de recevoir la lettre d'information.")},
    )

    def __init__(self, *args, wording, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = wording
        # Errors are announced and linked to their fields (RGAA 11.10).
        for name, field in self.fields.items():
            if name != "site_web" and self.is_bound and name in self.errors:
                field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"erreur-{name}"})
