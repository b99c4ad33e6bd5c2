"""Public form pages over HTTP: rendering, valid submissions and e-mails, honeypot, rate limit, bad input."""

import socket

import pytest
from wagtail.contrib.forms.models import FormSubmission

from forms.demo import load_forms
from tests.forms.conftest import CALLBACK, CONTACT
from tests.html_text import soup, text_of, visible_text

pytestmark = pytest.mark.django_db


def html_of(response):
    return response.content.decode().replace("&#x27;", "'")


def test_demo_forms_are_created_once(client, form_pages):
    assert set(form_pages) == {"contact", "etre-rappele", "inscription-atelier"}
    assert load_forms() == "Formulaires : rien à créer, tout est déjà en place."
    for page in form_pages.values():
        response = client.get(page.url)
        assert response.status_code == 200
        assert page.form_fields.count() >= 4


def test_form_page_is_accessible_markup(client, form_pages):
    page = soup(client.get("/etre-rappele/"))
    form = page.select_one("form.site-form")
    assert (form["method"], form["action"], form.has_attr("novalidate")) == ("post", "/etre-rappele/", True)
    assert form.select_one('input[name="csrfmiddlewaretoken"]')
    # Labels tied to fields, required fields said in words, autocomplete on personal data.
    label = form.select_one('label[for="id_votre_nom"]')
    assert text_of(label).startswith("Votre nom (obligatoire)")
    assert text_of(label.select_one("span.form-field__required")) == "(obligatoire)"
    name = form.select_one('input[name="votre_nom"]')
    assert (name["id"], name["type"], name["autocomplete"]) == ("id_votre_nom", "text", "name")
    phone = form.select_one('input[name="votre_numero_de_telephone"]')
    assert (phone["type"], phone["autocomplete"]) == ("tel", "tel")
    # Radio buttons grouped in a fieldset with a legend; help text tied to its field.
    assert any(
        text_of(legend).startswith("Moment préféré pour l'appel")
        and legend.parent.select('input[type="radio"]')
        for legend in form.select("fieldset > legend")
    )
    assert form.select_one("#id_le_sujet_en_quelques_mots_helptext")
    subject = form.select_one('[name="le_sujet_en_quelques_mots"]')
    assert "id_le_sujet_en_quelques_mots_helptext" in subject["aria-describedby"].split()
    # The honeypot is present but hidden from people and assistive technology; no upload field.
    assert form.select_one('div.honeypot[aria-hidden="true"] [name="site_web"]')
    assert not form.select('input[type="file"]')
    assert "conservées 12 mois" in visible_text(page)


def test_valid_contact_submission_is_stored_and_mailed(client, form_pages, mailoutbox):
    response = client.post("/contact/", CONTACT)
    assert response.status_code == 303
    assert response["Location"] == "/contact/?envoi=ok"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Merci, votre demande a bien été envoyée" in html_of(thanks)

    submission = FormSubmission.objects.get()
    assert submission.page_id == form_pages["contact"].pk
    assert submission.form_data == CONTACT  # the honeypot is not stored

    notification, confirmation = mailoutbox
    assert notification.to == ["equipe@gerssolidaire.test"]
    assert notification.reply_to == ["marie@exemple.fr"]
    assert notification.subject == "Site Gers Solidaire : nouveau message"
    assert "Votre nom : Marie Dupont" in notification.body
    assert "aide alimentaire près de Mirande" in notification.body
    assert f"/admin/forms/submissions/{form_pages['contact'].pk}/" in notification.body
    assert "site_web" not in notification.body and "Ne pas remplir" not in notification.body

    assert confirmation.to == ["marie@exemple.fr"]
    assert "Nous avons bien reçu votre demande" in confirmation.body
    assert "0800 323 130" in confirmation.body
    # Nothing typed by the sender is echoed: the form cannot be used to mail a third party.
    assert "Mirande" not in confirmation.body


def test_page_address_overrides_the_default_and_no_confirmation_without_email_field(
    client, form_pages, mailoutbox
):
    page = form_pages["etre-rappele"]
    page.to_address = "nvs@gerssolidaire.test, chef@gerssolidaire.test"
    page.send_confirmation = True  # no e-mail field on this form: nothing to confirm to
    page.save_revision().publish()
    assert client.post("/etre-rappele/", CALLBACK).status_code == 303
    (notification,) = mailoutbox
    assert notification.to == ["nvs@gerssolidaire.test", "chef@gerssolidaire.test"]
    assert notification.reply_to == []
    assert "Moment préféré pour l'appel : Le matin (8 h 30 – 12 h)" in notification.body
    assert FormSubmission.objects.get().form_data["moment_prefere_pour_lappel"] == "Le matin (8 h 30 – 12 h)"


def test_workshop_registration_with_optional_email_left_empty(client, form_pages, mailoutbox):
    data = {
        "votre_nom": "Ali",
        "votre_numero_de_telephone": "0612345678",
        "votre_adresse_electronique": "",
        "atelier": "Atelier numérique – tiers-lieu de Lombez",
        "nombre_de_personnes": "2",
    }
    assert client.post("/inscription-atelier/", data).status_code == 303
    assert FormSubmission.objects.get().form_data["nombre_de_personnes"] == "2"
    assert len(mailoutbox) == 1  # notification only: no address to confirm to


def test_honeypot_rejects_and_stores_nothing(client, form_pages, mailoutbox):
    response = client.post("/contact/", {**CONTACT, "site_web": "http://spam.example"})
    assert response.status_code == 400
    # Said once, not "Envoi refusé : Envoi refusé : …".
    assert html_of(response).count("Envoi refusé") == 1
    assert "Envoi refusé : formulaire rempli automatiquement." in html_of(response)
    assert FormSubmission.objects.count() == 0
    assert mailoutbox == []


def test_rate_limit_answers_429_in_french_and_keeps_the_typed_data(client, form_pages, mailoutbox):
    for n in range(5):
        assert client.post("/contact/", {**CONTACT, "votre_nom": f"Personne {n}"}).status_code == 303
    message = "Je réécris & j'attends <vraiment> une réponse."
    response = client.post("/contact/", {**CONTACT, "votre_nom": "Sixième", "votre_message": message})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = html_of(response)
    assert "Votre formulaire n'a pas encore été envoyé" in html
    assert "Vos réponses sont conservées ci-dessous" in html
    assert 'value="Sixième"' in html
    assert 'value="marie@exemple.fr"' in html
    assert "Je réécris &amp; j'attends &lt;vraiment&gt; une réponse.</textarea>" in html
    assert FormSubmission.objects.count() == 5
    assert len(mailoutbox) == 10

    # Another client is not affected.
    other = client.post("/contact/", CONTACT, REMOTE_ADDR="192.0.2.55")
    assert other.status_code == 303


def test_mistakes_do_not_count_towards_the_rate_limit(client, form_pages):
    for _ in range(8):
        assert (
            client.post("/contact/", {**CONTACT, "votre_adresse_electronique": "pas-une-adresse"}).status_code
            == 200
        )
    assert client.post("/contact/", CONTACT).status_code == 303


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"votre_nom": ""}, "votre_nom", "Ce champ est obligatoire"),
        (
            {"votre_adresse_electronique": "marie@"},
            "votre_adresse_electronique",
            "adresse de courriel valide",
        ),
        ({"votre_numero_de_telephone": "appelez-moi"}, "votre_numero_de_telephone", "numéro de téléphone"),
        ({"votre_demande_concerne": "<script>x</script>"}, "votre_demande_concerne", "choix valide"),
        ({"votre_message": "x" * 5001}, "votre_message", "5000 caractères"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(
    client, form_pages, mailoutbox, changes, field, message
):
    response = client.post("/contact/", {**CONTACT, **changes})
    assert response.status_code == 200
    html = html_of(response)
    page = soup(response)
    assert message in visible_text(page)
    [summary] = page.select('[role="alert"]')
    assert summary.select_one(f'a[href="#id_{field}"]')  # the summary links to the field
    assert page.select_one(f'[name="{field}"][aria-invalid="true"]')
    assert page.select_one(f'[aria-describedby^="id_{field}_erreur"]')
    assert page.select_one(f"#id_{field}_erreur")
    assert page.title.get_text().startswith("Erreur – ")
    assert "<script>x</script>" not in html
    assert FormSubmission.objects.count() == 0
    assert mailoutbox == []


def test_radio_error_links_to_the_first_option(client, form_pages):
    response = client.post("/etre-rappele/", {**CALLBACK, "moment_prefere_pour_lappel": ""})
    assert '<a href="#id_moment_prefere_pour_lappel_0">' in html_of(response)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"nombre_de_personnes": "beaucoup"},
        {"nombre_de_personnes": "1e999999"},
        {"nombre_de_personnes": "NaN"},
        {"votre_nom": "\x00"},
        {"atelier": ["a", "b"]},
        {"inconnu": "x" * 10000},
    ],
)
def test_garbage_never_500(client, form_pages, data):
    response = client.post("/inscription-atelier/", data)
    assert response.status_code in (200, 400)
    assert FormSubmission.objects.count() == 0


def test_thank_you_parameter_with_another_value_shows_the_form(client, form_pages):
    html = html_of(client.get("/contact/?envoi=nimportequoi"))
    assert 'name="votre_nom"' in html


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mail_server_down_keeps_the_submission_and_thanks_the_sender(client, form_pages, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.EMAIL_TIMEOUT = 2
    response = client.post("/contact/", CONTACT)
    assert response.status_code == 303
    assert FormSubmission.objects.count() == 1
