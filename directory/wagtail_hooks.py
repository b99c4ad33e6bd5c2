"""Wagtail admin for the directory: one "Annuaire" menu gathering each part's viewsets, and the admin areas."""

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

# Admin areas that only add hooks: the stale report, bulk import/export, the partners' dashboard and team.
from directory.exchange import admin as import_admin  # noqa: F401
from directory.listings.admin import (
    AudienceViewSet,
    CategoryViewSet,
    OrganisationViewSet,
    PlaceViewSet,
    ServiceViewSet,
)
from directory.partners import admin as partner_admin  # noqa: F401
from directory.partners import freshness_admin  # noqa: F401
from directory.partners.access import OrganisationPermissionPolicy
from directory.partners.scopes import OrganisationScopedViewSetMixin, ScopedDeleteBulkAction
from directory.reports.admin import ErrorReportViewSet
from directory.tours.admin import ClosureViewSet, StopPatternViewSet, StopViewSet, TourViewSet


class ScopedTourViewSet(OrganisationScopedViewSetMixin, TourViewSet):
    pass


class ScopedStopPatternViewSet(OrganisationScopedViewSetMixin, StopPatternViewSet):
    organisation_paths = ("tour__organisation",)


class ScopedStopViewSet(OrganisationScopedViewSetMixin, StopViewSet):
    organisation_paths = ("tour__organisation",)


class ScopedClosureViewSet(OrganisationScopedViewSetMixin, ClosureViewSet):
    # A partner closes its own services and the places it owns; the closure of a shared place is shown, read-only,
    # to every organisation whose services stand there.
    organisation_paths = ("service__organisation", "place__organisation")
    read_only_paths = ("place__services__organisation",)


class ReportPermissionPolicy(OrganisationPermissionPolicy):
    """Reports come from the public form only: nobody adds or copies one in the admin."""

    def user_has_permission(self, user, action):
        return action not in ("add", "copy") and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class ScopedErrorReportViewSet(OrganisationScopedViewSetMixin, ErrorReportViewSet):
    organisation_paths = ("service__organisation",)

    @cached_property
    def permission_policy(self):
        return ReportPermissionPolicy(self.model, self.organisation_paths)


class DirectoryViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Annuaire")
    menu_icon = "site"
    menu_order = 250
    items = (
        ServiceViewSet,
        OrganisationViewSet,
        PlaceViewSet,
        ScopedTourViewSet,
        ScopedStopPatternViewSet,
        ScopedStopViewSet,
        ScopedClosureViewSet,
        ScopedErrorReportViewSet,
        CategoryViewSet,
        AudienceViewSet,
    )


register_snippet(DirectoryViewSetGroup)

# After the snippets' own bulk delete (order 0), so this scoped one wins for the directory's models.
hooks.register("register_bulk_action", ScopedDeleteBulkAction, order=1)
