"""The admin login, rate-limited per client: partners and staff log in here, and so would a password guesser."""

from django.conf import settings
from django.contrib import messages
from django.utils.translation import gettext as _
from wagtail.admin.views.account import LoginView

from .protection import rate_limited


class RateLimitedLoginView(LoginView):
    def post(self, request, *args, **kwargs):
        if rate_limited(request, "login", settings.LOGIN_RATE_LIMIT, settings.LOGIN_RATE_PERIOD):
            messages.error(request, _("Trop de tentatives de connexion. Réessayez dans quelques minutes."))
            response = self.get(request, *args, **kwargs)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)
