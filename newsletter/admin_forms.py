"""The forms of the newsletter's admin pages: a test send, a CSV import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .importing import ImportMode

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class TestSendForm(forms.Form):
    recipients = forms.MultipleChoiceField(
        label=_("Destinataires"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un destinataire.")},
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = choices


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "Une colonne « email » (ou « courriel »), et pour garder le consentement d'origine une colonne "
            "« date_consentement » (AAAA-MM-JJ ou JJ/MM/AAAA). Séparateur virgule ou point-virgule."
        ),
    )
    mode = forms.ChoiceField(
        label=_("Consentement"),
        choices=ImportMode.choices,
        widget=forms.RadioSelect,
    )
    origin = forms.CharField(
        label=_("Origine de la liste"),
        max_length=200,
        help_text=_(
            "Par exemple : « inscriptions papier aux ateliers 2024 ». Enregistrée avec chaque consentement."
        ),
    )
    wording = forms.CharField(
        label=_("Texte accepté à l'origine"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Obligatoire pour garder le consentement d'origine : le texte que ces personnes ont accepté."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 5 Mo."))
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Le fichier doit être au format CSV (.csv)."))
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mode") == ImportMode.KEEP and not (cleaned.get("wording") or "").strip():
            self.add_error("wording", _("Indiquez le texte que ces personnes ont accepté."))
        return cleaned
