"""Public pages: subscribe, confirm (double opt-in), unsubscribe (one click, RFC 8058)."""

from django.conf import settings
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.protection import rate_limited

from .forms import SubscribeForm
from .models import NewsletterIndexPage, Subscriber, SubscriberStatus
from .subscriptions import confirm, current_consent_wording, pending_consent, subscribe, unsubscribe
from .tokens import ExpiredLink, InvalidLink, read_confirmation_token, read_unsubscribe_token


def _render(request, template, context=None, status=200):
    context = {"index_page": NewsletterIndexPage.objects.live().first(), **(context or {})}
    response = TemplateResponse(request, template, context, status=status)
    # Pages reached through a personal link: never cached, never indexed, the link never sent to another site.
    # "same-origin", not "no-referrer": with the latter Chromium sends `Origin: null` on the page's own form and
    # Django's CSRF check refuses it.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def ip_fingerprint(request):
    """A keyed hash of the client's address: proof material for the consent that cannot be reversed by brute force."""
    address = request.META.get("REMOTE_ADDR", "")
    return salted_hmac("newsletter.consent-ip", address).hexdigest()[:32] if address else ""


@never_cache
@require_http_methods(["GET", "POST"])
def subscribe_view(request):
    wording = current_consent_wording()
    status = 200
    if request.method == "POST":
        if rate_limited(
            request,
            "newsletter-subscribe",
            settings.NEWSLETTER_SUBSCRIBE_RATE_LIMIT,
            settings.NEWSLETTER_SUBSCRIBE_RATE_PERIOD,
        ):
            form = SubscribeForm(request.POST, wording=wording)
            return _render(
                request, "newsletter/subscribe.html", {"form": form, "rate_limited": True}, status=429
            )
        form = SubscribeForm(request.POST, wording=wording)
        if form.is_valid():
            subscribe(form.cleaned_data["email"], wording, ip_hash=ip_fingerprint(request))
            # The same answer whether the address is new, waiting, already subscribed or refused: no enumeration.
            return redirect("newsletter:subscribe_done")
        status = 400
    else:
        form = SubscribeForm(wording=wording)
    return _render(request, "newsletter/subscribe.html", {"form": form}, status=status)


@never_cache
def subscribe_done_view(request):
    days = max(1, settings.NEWSLETTER_CONFIRMATION_MAX_AGE // 86400)
    return _render(request, "newsletter/subscribe_done.html", {"days": days})


def _subscriber_for_confirmation(token):
    key = read_confirmation_token(token)
    subscriber = Subscriber.objects.filter(key=key).first()
    if subscriber is None:
        raise InvalidLink
    return subscriber


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_view(request, token):
    try:
        subscriber = _subscriber_for_confirmation(token)
    except ExpiredLink:
        return _render(request, "newsletter/link_invalid.html", {"expired": True}, status=400)
    except InvalidLink:
        return _render(request, "newsletter/link_invalid.html", status=400)
    if subscriber.status == SubscriberStatus.CONFIRMED:
        return _render(request, "newsletter/confirm_done.html")
    if subscriber.status != SubscriberStatus.PENDING:
        return _render(request, "newsletter/link_invalid.html", {"left": True}, status=400)
    if request.method == "POST":
        # A button rather than the bare link: mail scanners that open every link must not subscribe anyone.
        confirm(subscriber)
        return _render(request, "newsletter/confirm_done.html")
    consent = pending_consent(subscriber)
    wording = consent.wording if consent else current_consent_wording()
    return _render(request, "newsletter/confirm.html", {"wording": wording, "email": subscriber.email})


# RFC 8058: a mailbox provider unsubscribes with a bare POST ("List-Unsubscribe=One-Click") carrying no CSRF token;
# the signed link in the URL is what authorises it.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token):
    try:
        subscriber = Subscriber.objects.filter(key=read_unsubscribe_token(token)).first()
    except InvalidLink:
        subscriber = None
    if subscriber is None:
        return _render(request, "newsletter/link_invalid.html", {"unsubscribe": True}, status=400)
    if request.method == "POST":
        unsubscribe(subscriber)
        return _render(request, "newsletter/unsubscribe_done.html")
    already = subscriber.status not in (SubscriberStatus.CONFIRMED, SubscriberStatus.PENDING)
    return _render(request, "newsletter/unsubscribe.html", {"already": already})
