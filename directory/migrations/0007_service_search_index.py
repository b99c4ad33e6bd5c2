from django.db import migrations, models


class Migration(migrations.Migration):
    """A covering index for radius searches (issue 3's performance bar): see Service.Meta.indexes."""

    dependencies = [
        ("directory", "0006_import_jobs"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="service",
            index=models.Index(
                fields=[
                    "longitude",
                    "latitude",
                    "live",
                    "unit_x",
                    "unit_y",
                    "unit_z",
                    "search_title",
                    "opening_hours",
                ],
                name="service_lon_lat_cover",
            ),
        ),
    ]
