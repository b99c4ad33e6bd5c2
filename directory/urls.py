from django.urls import path

from . import views

app_name = "directory"

# /annuaire/ itself is the DirectoryPage (a Wagtail page); the paths below it are served here.
urlpatterns = [
    path("annuaire/<slug:slug>/", views.service_page, name="service"),
]
