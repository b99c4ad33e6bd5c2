"""Admin texts in French that say what happened: corrections to Wagtail's catalogue and to its default workflow.

The partner's submission message is tested in tests/directory/test_moderation.py."""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import translation
from wagtail.models import Page, Workflow, WorkflowPage

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def catalogue_entries():
    text = CATALOGUE.read_text(encoding="utf-8")
    return [
        (msgid, msgstr)
        for msgid, msgstr in re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', text, flags=re.MULTILINE)
    ]


def test_the_compiled_catalogue_matches_its_source():
    entries = catalogue_entries()
    assert len(entries) >= 3
    with translation.override("fr"):
        for msgid, msgstr in entries:
            assert translation.gettext(msgid) == msgstr, "recompile: msgfmt -o …/django.mo …/django.po"


@pytest.mark.django_db
def test_the_default_page_workflow_has_a_french_name(admin_client):
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    workflow = Workflow.objects.get(name="Validation des pages")
    assert [task.name for task in workflow.tasks] == ["Relecture par les modérateurs"]
    root = Page.objects.get(depth=1)
    assert WorkflowPage.objects.filter(page=root, workflow=workflow).exists()
    page = root.get_children().first()
    body = admin_client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "Soumettre au circuit « Validation des pages »" in body.replace("&laquo;", "«").replace(
        "&raquo;", "»"
    )
    assert "Moderators approval" not in body


@pytest.mark.django_db
def test_a_workflow_renamed_by_staff_is_left_alone():
    migration = importlib.import_module("home.migrations.0002_french_default_workflow_name")
    Workflow.objects.filter(name="Validation des pages").update(name="Circuit de l'équipe")
    Workflow.objects.create(name="Moderators approval", active=False)
    migration.rename(django_apps, None)
    assert set(Workflow.objects.values_list("name", flat=True)) >= {
        "Circuit de l'équipe",
        "Validation des pages",
    }
    assert Workflow.objects.filter(name="Circuit de l'équipe").exists()
