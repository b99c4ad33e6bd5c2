from django.urls import path

from . import invitations

app_name = "partners"

urlpatterns = [
    path("invitation/<str:token>/", invitations.invitation_view, name="invitation"),
]
