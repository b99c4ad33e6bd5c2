"""A partner imports a CSV of its own listings: dry-run report, import, and nothing public until staff approve."""

import csv
import io

import pytest

from tests.browser.test_partner_browser import log_in, make_listing, open_more_actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_HOURS = "Tu,Th 14:00-18:00; PH off"


@pytest.fixture
def listing(demo_server, django_user_model, built_once):
    return built_once("demo site, partner listing", lambda: make_listing(django_user_model))


def test_partner_imports_own_listings_staff_approves_then_public_sees_them(
    page, demo_server, listing, tmp_path
):
    service = listing
    server = demo_server

    log_in(page, server, "benevole")
    page.get_by_role("link", name="Import / export de l'annuaire").first.click()
    page.wait_for_url(f"{server.url}/admin/annuaire-import/")
    assert page.get_by_role("heading", name="Importer").is_visible()

    # The partner's model: the CSV of its own listings, downloaded from the page.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Vos fiches en CSV").click()
    text = download_info.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [row["nom"] for row in rows] == ["Épicerie de Fleurance"]
    rows[0]["horaires"] = NEW_HOURS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    upload = tmp_path / "mes-fiches.csv"
    upload.write_text(buffer.getvalue(), encoding="utf-8")

    page.set_input_files("#id_file", str(upload))
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.get_by_role("heading", name="Vérification réussie").wait_for()
    report = page.locator("#import-job").inner_text()
    assert "0 création(s), 1 mise(s) à jour, 2 inchangé(s)" in report
    assert "1 fiche sera soumise à la validation de l'équipe Gers Solidaire" in report

    page.get_by_role("button", name="Importer").click()
    page.get_by_role("heading", name="Import terminé").wait_for()
    assert "1 fiche soumise à la validation" in page.locator("#import-job").inner_text()
    service.refresh_from_db()
    assert service.workflow_in_progress

    # The public page is unchanged until staff approve.
    page.goto(f"{server.url}{service.get_absolute_url()}")
    assert "18 h 00" not in page.locator("main").inner_text()

    page.context.clear_cookies()
    log_in(page, server, "equipe")
    page.goto(f"{server.url}/admin/snippets/directory/service/edit/{service.pk}/")
    open_more_actions(page)
    page.locator("button[data-workflow-action-name='approve']").first.click()
    page.wait_for_load_state()

    page.goto(f"{server.url}{service.get_absolute_url()}")
    assert "14 h 00 – 18 h 00" in page.locator("main").inner_text()
