"""Abuse protection shared by public forms: a honeypot field and a cache-based rate limit."""

import hashlib
import time

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

HONEYPOT_FIELD = "site_web"


class HoneypotMixin(forms.Form):
    """A field people never see (hidden by CSS and from assistive tech) but robots fill in.

    Render it with `{% include "includes/honeypot.html" with field=form.site_web %}`.
    """

    site_web = forms.CharField(
        required=False,
        label=_("Ne pas remplir ce champ"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_site_web(self):
        if self.cleaned_data.get(HONEYPOT_FIELD):
            raise forms.ValidationError(
                _("Envoi refusé : formulaire rempli automatiquement."), code="honeypot"
            )
        return ""

    @property
    def is_spam(self):
        return HONEYPOT_FIELD in self.errors


def client_address(request):
    """The client's IP address. Behind our own reverse proxy (RATE_LIMIT_BEHIND_PROXY), the address that proxy
    appended to X-Forwarded-For: earlier entries come from the client and could be forged."""
    if getattr(settings, "RATE_LIMIT_BEHIND_PROXY", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded and forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def client_key(request):
    """A stable, non-reversible key for the client (its IP address, hashed)."""
    address = client_address(request)
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def rate_limited(request, scope, limit, period):
    """Count one hit for this client in `scope`; True when it made more than `limit` hits in `period` seconds.

    Fixed windows in the cache: good enough to stop floods from one address without any extra service. The
    cache is Redis when REDIS_URL is set, shared by every worker; without it, each worker counts on its own.
    """
    return rate_limited_key(f"{scope}:{client_key(request)}", limit, period)


def rate_limited_key(identity, limit, period):
    """Count one hit for `identity` (hashed: it may be an e-mail address); True when over `limit` in `period`."""
    window = int(time.time() // period)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:40]
    key = f"ratelimit:{digest}:{window}"
    if cache.add(key, 1, timeout=period + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=period + 5)
            count = 1
    return count > limit
