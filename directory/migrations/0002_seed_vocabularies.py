from django.db import migrations


def seed(apps, schema_editor):
    from directory.listings.vocabulary import AUDIENCES, CATEGORIES

    Category = apps.get_model("directory", "Category")
    Audience = apps.get_model("directory", "Audience")
    for position, (slug, name, description, thematiques) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "thematiques": thematiques,
                "position": position,
            },
        )
    for position, (slug, name) in enumerate(AUDIENCES):
        Audience.objects.update_or_create(slug=slug, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
