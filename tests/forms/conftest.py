import pytest

from forms.demo import load_forms
from forms.models import FormPage


@pytest.fixture
def form_pages(home, settings):
    settings.FORMS_NOTIFICATION_EMAIL = "equipe@gerssolidaire.test"
    load_forms()
    return {page.slug: page for page in FormPage.objects.all()}


CONTACT = {
    "votre_nom": "Marie Dupont",
    "votre_adresse_electronique": "marie@exemple.fr",
    "votre_numero_de_telephone": "06 12 34 56 78",
    "votre_demande_concerne": "Une aide ou un service",
    "votre_message": "Bonjour, je cherche une aide alimentaire près de Mirande.",
}

CALLBACK = {
    "votre_nom": "Jean",
    "votre_numero_de_telephone": "05 62 00 00 00",
    "moment_prefere_pour_lappel": "Le matin (8 h 30 – 12 h)",
    "le_sujet_en_quelques_mots": "",
}
