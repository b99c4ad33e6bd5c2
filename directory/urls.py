from django.urls import path

from . import feedback_views, schedule_views, views

app_name = "directory"

# /annuaire/ itself is the DirectoryPage (a Wagtail page); the paths below it are served here.
urlpatterns = [
    # The camping-car's stops and the calendar feeds (before the service page: "passages" is not a slug).
    path("annuaire/passages/", schedule_views.stops_calendar, name="stops"),
    path("annuaire/communes/<str:insee>/passages/", schedule_views.commune_stops, name="commune_stops"),
    path(
        "annuaire/communes/<str:insee>/passages.ics", schedule_views.commune_feed, name="commune_stops_feed"
    ),
    path("annuaire/tournees/<slug:slug>/", schedule_views.tour_page, name="tour"),
    path("annuaire/tournees/<slug:slug>/agenda.ics", schedule_views.tour_feed, name="tour_feed"),
    path("annuaire/<slug:slug>/agenda.ics", schedule_views.service_feed, name="service_feed"),
    path("annuaire/<slug:slug>/", views.service_page, name="service"),
    path("annuaire/<slug:slug>/signaler/", feedback_views.report_view, name="report"),
    path("annuaire/<slug:slug>/signaler/merci/", feedback_views.report_done_view, name="report_done"),
    path("annuaire/<slug:slug>/confirmer/<str:token>/", feedback_views.confirm_view, name="confirm"),
]
