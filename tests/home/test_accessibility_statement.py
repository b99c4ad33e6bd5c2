"""The accessibility statement (RGAA): "non conforme" until an audit, with every part the RGAA requires."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from wagtail.models import Page, Site

from home.demo import load_site
from home.models import AccessibilityStatementPage, Compliance, ContactSettings, StandardPage
from tests.factories import StandardPageFactory

pytestmark = pytest.mark.django_db


def footer_links(client):
    footer = BeautifulSoup(client.get("/").content, "html.parser").find("footer")
    return {a.get_text(strip=True): a["href"] for a in footer.select("nav a")}


def test_the_demo_statement_says_non_conforme_and_carries_what_the_rgaa_requires(client, demo_site):
    statement = AccessibilityStatementPage.objects.get()
    assert statement.compliance == Compliance.NONE and statement.audit_date is None
    assert footer_links(client)["Accessibilité\xa0: non conforme"] == statement.url
    html = BeautifulSoup(client.get(statement.url).content, "html.parser")
    text = html.find("main").get_text(" ", strip=True)
    assert (
        "Gers Solidaire est non conforme avec le référentiel général d'amélioration de l'accessibilité"
        in text
    )
    assert "partiellement" not in text
    assert "Aucun audit de conformité n'a encore été réalisé." in text
    assert html.find("time")["datetime"] == statement.statement_date.isoformat()
    headings = [h.get_text(strip=True) for h in html.find("main").find_all("h2")]
    assert headings == [
        "État de conformité",
        "Résultats des tests",
        "Pages vérifiées",
        "Environnement de test",
        "Contenus non accessibles",
        "Retour d'information et contact",
        "Voies de recours",
        "Schéma pluriannuel et plan d'action",
    ]
    assert html.find("a", href="https://formulaire.defenseurdesdroits.fr/")
    assert "Libre réponse 71120, 75342 Paris CEDEX 07" in text
    assert html.find("a", href="mailto:gerssolidaire@gerssolidaire.org")


def test_a_compliance_claim_needs_an_audit(demo_site):
    statement = AccessibilityStatementPage.objects.get()
    statement.compliance = Compliance.PARTIAL
    with pytest.raises(ValidationError) as error:
        statement.full_clean()
    assert "compliance" in error.value.message_dict
    statement.audit_date = dt.date(2026, 11, 20)
    statement.audit_result = "62 % des critères respectés"
    statement.full_clean()


def test_the_footer_and_the_page_follow_the_audited_status(client, demo_site):
    statement = AccessibilityStatementPage.objects.get()
    statement.compliance = Compliance.PARTIAL
    statement.audit_date = dt.date(2026, 11, 20)
    statement.audit_result = "62 % des critères respectés"
    statement.save_revision().publish()
    assert "Accessibilité\xa0: partiellement conforme" in footer_links(client)
    text = (
        BeautifulSoup(client.get(statement.url).content, "html.parser").find("main").get_text(" ", strip=True)
    )
    assert "Audit de conformité réalisé le 20 novembre 2026 : 62 % des critères respectés." in text


def test_a_plain_page_chosen_as_statement_makes_no_compliance_claim(client, demo_site):
    home = demo_site.root_page
    page = StandardPageFactory(parent=home, title="Accessibilité du site", slug="accessibilite-du-site")
    contact = ContactSettings.for_site(demo_site)
    contact.accessibility_page = page
    contact.save()
    assert footer_links(client)["Accessibilité\xa0: non conforme"] == "/accessibilite-du-site/"


def test_the_demo_replaces_its_old_unaudited_claim_but_not_a_page_staff_wrote(demo_site):
    home = demo_site.root_page
    AccessibilityStatementPage.objects.get().delete()
    old = StandardPage(
        title="Déclaration d'accessibilité",
        slug="accessibilite",
        body=[{"type": "paragraph", "value": "<p>Le site est partiellement conforme au référentiel…</p>"}],
    )
    home.add_child(instance=old)
    load_site()
    statement = AccessibilityStatementPage.objects.get()
    assert not Page.objects.filter(pk=old.pk).exists()
    assert (
        ContactSettings.for_site(Site.objects.get(is_default_site=True)).accessibility_page_id == statement.pk
    )

    statement.delete()
    own = StandardPage(title="Accessibilité", slug="accessibilite", body=[])
    home.add_child(instance=own)
    load_site()
    assert Page.objects.filter(pk=own.pk).exists()
    assert not AccessibilityStatementPage.objects.exists()
