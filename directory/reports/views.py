"""Public pages around a service's accuracy: the error report form and the organisation's confirmation link."""

from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from directory.listings.models import Service
from directory.partners import freshness
from directory.reports import submission
from directory.search.models import DirectoryPage


def _public_service(slug):
    return get_object_or_404(Service.objects.public().select_related("organisation"), slug=slug)


def _render(request, template, context, status=200, private=False):
    context = {"directory_page": DirectoryPage.objects.live().first(), **context}
    response = TemplateResponse(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    if private:
        # A page reached through a personal link: the link is never sent to another site ("same-origin": with
        # "no-referrer" Chromium posts the page's own form with `Origin: null`, which the CSRF check refuses).
        response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def report_view(request, slug):
    service = _public_service(slug)
    if request.method != "POST":
        return _render(
            request, "directory/report_form.html", {"service": service, "form": submission.ReportForm()}
        )
    form = submission.ReportForm(request.POST)
    context = {"service": service, "form": form}
    if form.is_valid():
        if submission.count_towards_rate_limit(request):
            # Nothing is lost: the same form, filled in, with a message.
            response = _render(request, "directory/report_form.html", {**context, "rate_limited": True}, 429)
            response["Retry-After"] = str(submission.retry_after_seconds())
            return response
        submission.submit_report(
            service,
            form.cleaned_data["message"],
            form.cleaned_data["contact"],
            service_url=request.build_absolute_uri(service.get_absolute_url()),
        )
        # Post/Redirect/Get: reloading the thank-you page does not send the report twice.
        response = redirect("directory:report_done", slug=service.slug)
        response.status_code = 303
        return response
    if form.is_spam:
        # Robots count towards the limit too; nothing is stored or sent.
        submission.count_towards_rate_limit(request)
    return _render(request, "directory/report_form.html", context, status=400)


@never_cache
def report_done_view(request, slug):
    return _render(request, "directory/report_done.html", {"service": _public_service(slug)})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_view(request, slug, token):
    try:
        service = freshness.read_confirmation_token(token)
    except freshness.LinkError as error:
        context = {"error": type(error).__name__, "service": getattr(error, "service", None)}
        return _render(request, "directory/confirm_invalid.html", context, status=error.status, private=True)
    context = {
        "service": service,
        "since": freshness.verified_since(service),
        "edit_url": freshness.edit_url(service),
    }
    if request.method == "POST":
        # A button rather than the bare link: mail scanners that open every link must not confirm anything.
        freshness.confirm(service)
        return _render(request, "directory/confirm_done.html", context, private=True)
    return _render(request, "directory/confirm.html", context, private=True)
