from django.urls import path

from directory.partners import invitations

app_name = "partners"

urlpatterns = [
    path("invitation/<str:token>/", invitations.invitation_view, name="invitation"),
]
