from django.urls import path

from directory.listings import views as listing_views
from directory.reports import views as report_views
from directory.tours import views as tour_views

app_name = "directory"

# /annuaire/ itself is the DirectoryPage (a Wagtail page); the paths below it are served here.
urlpatterns = [
    # The camping-car's stops and the calendar feeds (before the service page: "passages" is not a slug).
    path("annuaire/passages/", tour_views.stops_calendar, name="stops"),
    path("annuaire/communes/<str:insee>/passages/", tour_views.commune_stops, name="commune_stops"),
    path("annuaire/communes/<str:insee>/passages.ics", tour_views.commune_feed, name="commune_stops_feed"),
    path("annuaire/tournees/<slug:slug>/", tour_views.tour_page, name="tour"),
    path("annuaire/tournees/<slug:slug>/agenda.ics", tour_views.tour_feed, name="tour_feed"),
    path("annuaire/<slug:slug>/agenda.ics", tour_views.service_feed, name="service_feed"),
    path("annuaire/<slug:slug>/", listing_views.service_page, name="service"),
    path("annuaire/<slug:slug>/signaler/", report_views.report_view, name="report"),
    path("annuaire/<slug:slug>/signaler/merci/", report_views.report_done_view, name="report_done"),
    path("annuaire/<slug:slug>/confirmer/<str:token>/", report_views.confirm_view, name="confirm"),
]
