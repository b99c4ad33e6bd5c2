"""Wagtail's default page workflow and its task are named "Moderators approval" (English, from the group name):
editors read "Soumettre à Moderators approval". Renamed in French, only while they still carry the default name."""

from django.db import migrations

DEFAULT_NAME = "Moderators approval"
WORKFLOW_NAME = "Validation des pages"
TASK_NAME = "Relecture par les modérateurs"


def rename(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=DEFAULT_NAME).update(name=WORKFLOW_NAME)
    apps.get_model("wagtailcore", "Task").objects.filter(name=DEFAULT_NAME).update(name=TASK_NAME)


def rename_back(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW_NAME).update(name=DEFAULT_NAME)
    apps.get_model("wagtailcore", "Task").objects.filter(name=TASK_NAME).update(name=DEFAULT_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0001_initial"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
