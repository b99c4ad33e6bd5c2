from django.urls import path

from . import views

app_name = "observatory"

# Included before directory.urls: /annuaire/carte/ must not be taken for a service's slug.
urlpatterns = [
    path("annuaire/carte/", views.services_map, name="map"),
    path("annuaire/carte/services.csv", views.services_map_csv, name="map_csv"),
    path("annuaire/carte/services.geojson", views.services_map_geojson, name="map_geojson"),
    path("observatoire/", views.departement, name="departement"),
    path("observatoire/couverture/", views.coverage, name="coverage"),
    path("observatoire/couverture.csv", views.coverage_csv, name="coverage_csv"),
    path("observatoire/<str:key>/", views.epci_portrait, name="epci"),
]
