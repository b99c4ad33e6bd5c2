"""Login and password-reset views, limited per client, and the lockout of an account after failed logins.

Partners and staff log in at /admin/login/, visitors of private pages at /_util/login/; a password guesser would
use either. django-axes counts failures per account and client in the database and refuses a locked account in
the authentication backend, so every view that calls `authenticate()` is covered; these views add a per-client
limit (cache) and show the lockout before that limit.
"""

import ipaddress

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as reset_lockouts
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import views as wagtail_views
from wagtail.admin.views.account import LoginView, PasswordResetConfirmView, PasswordResetView

from core.protection import client_address, rate_limited, rate_limited_key

LOCKED_STATUS = 429


class FrenchLabelsMixin:
    """Wagtail's login form gives its password field no label, so Django shows the field name: "Password"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = gettext_lazy("Mot de passe")


def axes_client_ip(request):
    """The client's address as the rate limits see it (proxy-aware), or None: django-axes stores it in an IP
    address column, and a request without a usable address (test clients, a Unix socket) must not fail."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def lockout_minutes():
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def account_locked_response(request, original_response=None, credentials=None):
    """The page a locked account gets, whichever login view it used (django-axes' AXES_LOCKOUT_CALLABLE)."""
    return render(
        request,
        "core/account_locked.html",
        {"minutes": lockout_minutes(), "failures": settings.AXES_FAILURE_LIMIT},
        status=LOCKED_STATUS,
    )


class LimitedLoginMixin:
    def post(self, request, *args, **kwargs):
        credentials = {"username": request.POST.get("username", "")}
        # A locked account hears so, even from a client that also went over the per-client limit.
        if not AxesProxyHandler.is_allowed(request, credentials):
            return account_locked_response(request)
        if rate_limited(request, "login", settings.LOGIN_RATE_LIMIT, settings.LOGIN_RATE_PERIOD):
            messages.error(request, _("Trop de tentatives de connexion. Réessayez dans quelques minutes."))
            response = self.get(request, *args, **kwargs)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)


class RateLimitedLoginView(LimitedLoginMixin, LoginView):
    def get_form_class(self):
        form_class = super().get_form_class()
        return type(form_class.__name__, (FrenchLabelsMixin, form_class), {})


class FrontendLoginView(LimitedLoginMixin, auth_views.LoginView):
    """Wagtail's login for private pages (/_util/login/), with the same limits as the admin's."""

    template_name = getattr(settings, "WAGTAIL_FRONTEND_LOGIN_TEMPLATE", "wagtailcore/login.html")


class RateLimitedPasswordResetView(PasswordResetView):
    """Reset e-mails limited per client and per address: the form must not become a way to flood a mailbox.

    The same answer whether the address has an account or not, so the limit tells nothing about accounts.
    """

    def post(self, request, *args, **kwargs):
        address = request.POST.get("email", "").strip().lower()
        period = settings.PASSWORD_RESET_RATE_PERIOD
        by_client = rate_limited(request, "password_reset", settings.PASSWORD_RESET_RATE_LIMIT, period)
        by_address = bool(address) and rate_limited_key(
            f"password_reset_address:{address}", settings.PASSWORD_RESET_ADDRESS_RATE_LIMIT, period
        )
        if by_client or by_address:
            form = self.get_form()
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Trop de demandes de réinitialisation du mot de passe. Réessayez plus tard ou "
                    "demandez à l'équipe de Gers Solidaire."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class UnlockingPasswordResetConfirmView(PasswordResetConfirmView):
    """A new password chosen from the reset e-mail lifts the account's lockouts: its owner proved who they are."""

    def form_valid(self, form):
        response = super().form_valid(form)
        reset_lockouts(username=form.user.get_username())
        return response


def page_password_view(request, page_view_restriction_id, page_id):
    """Wagtail's form for a page's shared password, with the per-client login limit: it is one more place to guess.

    No lockout here: the password belongs to the page, not to an account.
    """
    if request.method == "POST" and rate_limited(
        request, "page_password", settings.LOGIN_RATE_LIMIT, settings.LOGIN_RATE_PERIOD
    ):
        return render(request, "core/too_many_attempts.html", status=429)
    return wagtail_views.authenticate_with_password(request, page_view_restriction_id, page_id)
