"""Public pages of the directory: the search (/annuaire/) and a service (/annuaire/<slug>/)."""

from django.http import Http404


def search_page(request, page):
    raise Http404


def service_page(request, slug):
    raise Http404
