"""Submissions in the Wagtail admin and their CSV/XLSX export, with formula injection neutralised."""

import csv
import io
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from forms.views import neutralise
from tests.forms.conftest import CONTACT

pytestmark = pytest.mark.django_db

HOSTILE = {
    **CONTACT,
    "votre_nom": "@SUM(1+1)",
    "votre_numero_de_telephone": "",
    "votre_message": '=HYPERLINK("http://evil.example","Cliquez")',
}


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser("admin", "admin@exemple.fr", "motdepasse-solide")
    client.force_login(admin)
    return client


@pytest.fixture
def hostile_submission(client, form_pages):
    assert client.post("/contact/", HOSTILE).status_code == 303
    assert (
        client.post("/contact/", {**CONTACT, "votre_message": "-2+3", "votre_nom": "+Tab"}).status_code == 303
    )
    return form_pages["contact"]


def export(staff_client, page, fmt):
    url = reverse("wagtailforms:list_submissions", args=[page.pk])
    response = staff_client.get(url, {"export": fmt})
    assert response.status_code == 200
    return response


def test_csv_export_neutralises_formulas(staff_client, hostile_submission):
    response = export(staff_client, hostile_submission, "csv")
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode()
    # For people: French Excel conventions (BOM, `;`), as every people-facing CSV of the site.
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    header, first, second = rows
    assert "Votre message" in header
    message = header.index("Votre message")
    name = header.index("Votre nom")
    assert first[message] == '\'=HYPERLINK("http://evil.example","Cliquez")'
    assert first[name] == "'@SUM(1+1)"
    assert second[message] == "'-2+3"
    assert second[name] == "'+Tab"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_export_opens_in_french_spreadsheets_with_the_times_shown_in_the_admin(
    staff_client, form_pages, client
):
    """Staff open the file in French Excel: UTF-8 with a BOM, `;` between cells, dates in Paris time."""
    from wagtail.contrib.forms.models import FormSubmission

    page = form_pages["contact"]
    assert (
        client.post("/contact/", {**CONTACT, "votre_message": "Bonjour, merci ; à bientôt"}).status_code
        == 303
    )
    submitted = FormSubmission.objects.get(page=page).submit_time
    data = b"".join(export(staff_client, page, "csv").streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[0] == "Date de soumission" and "Votre message" in header
    assert row[header.index("Votre message")] == "Bonjour, merci ; à bientôt"
    paris = timezone.localtime(submitted, zoneinfo.ZoneInfo("Europe/Paris"))
    assert row[0] == paris.strftime("%d/%m/%Y %H:%M")


def test_xlsx_export_neutralises_formulas(staff_client, hostile_submission):
    response = export(staff_client, hostile_submission, "xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    message = header.index("Votre message")
    assert rows[1][message] == '\'=HYPERLINK("http://evil.example","Cliquez")'
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")))


def test_submissions_listing_in_the_admin(staff_client, hostile_submission):
    url = reverse("wagtailforms:list_submissions", args=[hostile_submission.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "@SUM(1+1)" in html
    assert "?export=csv" in html.replace("&amp;", "&") and "export=xlsx" in html
    # The page editor shows the submissions panel with a link to this listing.
    edit = staff_client.get(reverse("wagtailadmin_pages:edit", args=[hostile_submission.pk]))
    assert edit.status_code == 200
    assert url in edit.content.decode()


def test_anonymous_and_non_staff_cannot_export(client, hostile_submission):
    url = reverse("wagtailforms:list_submissions", args=[hostile_submission.pk])
    assert client.get(url, {"export": "csv"}).status_code == 302  # to the login page
    user = get_user_model().objects.create_user("habitant", "h@exemple.fr", "motdepasse-solide")
    client.force_login(user)
    assert client.get(url, {"export": "csv"}).status_code in (302, 403)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Bonjour = salut", "Bonjour = salut"),
        (["=a", "b"], "'=a, b"),
        (3, 3),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_create_a_form_page_with_a_phone_field_through_the_admin(staff_client, home, settings):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    from forms.models import FormPage

    data = nested_form_data(
        {
            "title": "Rappel",
            "slug": "rappel",
            "intro": rich_text("<p>Laissez votre numéro.</p>"),
            "submit_label": "Envoyer",
            "thank_you_text": rich_text("<p>Merci.</p>"),
            "to_address": "",
            "from_address": "",
            "subject": "",
            "confirmation_subject": "",
            "confirmation_text": "",
            "form_fields": inline_formset(
                [
                    {
                        "label": "Téléphone",
                        "field_type": "tel",
                        "required": "on",
                        "choices": "",
                        "default_value": "",
                        "help_text": "",
                    },
                ]
            ),
            "action-publish": "publish",
        }
    )
    response = staff_client.post(reverse("wagtailadmin_pages:add", args=["forms", "formpage", home.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = FormPage.objects.get(slug="rappel")
    assert [f.clean_name for f in page.form_fields.all()] == ["telephone"]
    staff_client.logout()
    html = staff_client.get(page.url).content.decode()
    assert 'type="tel" name="telephone"' in html
    assert staff_client.post(page.url, {"telephone": "pas un numéro"}).status_code == 200
    assert staff_client.post(page.url, {"telephone": "05 62 00 00 00"}).status_code == 303
