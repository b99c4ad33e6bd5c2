"""Admin pieces that keep partners inside their organisations: viewset mixin, scoped forms, choosers, bulk delete.

The rules themselves are in directory.partners.access; this module plugs them into Wagtail's snippet machinery.
"""

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.functional import cached_property, classproperty
from django.utils.translation import gettext as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.utils import get_latest_str
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.models import ModelLogEntry
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
    SnippetCreateView,
)

from core.spreadsheets import NeutralisedExportMixin
from directory.partners.access import (
    OrganisationPermissionPolicy,
    can_reach,
    guard_object_urls,
    is_unrestricted,
    organisation_ids,
    scope,
)
from directory.partners.concurrency import ConcurrentEditMixin

# Fields a partner sees but cannot change.
STAFF_ONLY_FIELDS = {"trusted", "source", "source_id"}

# model → the paths from the model to the organisations that may read it, filled as scoped viewsets are
# declared; WRITE_SCOPES: those that may change it (the same unless the viewset has `read_only_paths`).
SCOPES = {}
WRITE_SCOPES = {}


def paths_for(model):
    return SCOPES.get(model)


def write_paths_for(model):
    return WRITE_SCOPES.get(model)


class OrganisationScopedForm(WagtailAdminModelForm):
    """Choices limited to the user's organisations; with a single organisation, it is set and cannot be changed.

    A disabled field ignores what the browser sends, so the organisation cannot be forged in the POST; with
    several organisations, a value outside the limited choices is a validation error.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None or is_unrestricted(user):
            return
        ids = organisation_ids(user)
        for name in STAFF_ONLY_FIELDS & set(self.fields):
            self.fields[name].disabled = True
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            model = field.queryset.model
            # Only what the user may change is offered: a place hosting their service is not theirs to close.
            paths = write_paths_for(model)
            if paths is None:
                continue
            field.queryset = scope(field.queryset, user, paths)
            # A plain list of their few own choices is simpler for partners than a chooser pop-up.
            if not isinstance(field.widget, forms.Select):
                field.widget = forms.Select()
            field.widget.choices = field.choices
            if name == "organisation" and len(ids) == 1:
                field.initial = next(iter(ids))
                field.disabled = True
                field.help_text = ""


def scoped_choices(queryset):
    """A filter's choices (a queryset, or django-filter's callable taking the request) cut to the user's scope."""

    def choices(request):
        found = queryset(request) if callable(queryset) else queryset
        paths = None if found is None else paths_for(found.model)
        if paths is None:
            return found
        return scope(found, getattr(request, "user", None), paths)

    return choices


class ScopedFilterSetMixin:
    """Listing filters offer only the user's own organisations, places, tours…: never other organisations' names."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for listing_filter in self.filters.values():
            if isinstance(
                listing_filter, (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)
            ):
                listing_filter.queryset = scoped_choices(listing_filter.queryset)


class ScopedChooserMixin:
    def scoped(self, queryset):
        return scope(queryset, self.request.user, paths_for(self.model_class))


class ScopedChooseView(ScopedChooserMixin, ChooseView):
    def get_object_list(self):
        return self.scoped(super().get_object_list())


class ScopedChooseResultsView(ScopedChooserMixin, ChooseResultsView):
    def get_object_list(self):
        return self.scoped(super().get_object_list())


class ScopedChosenView(ScopedChooserMixin, SnippetChosenView):
    def get_object(self, pk):
        return self.scoped(self.model_class._default_manager.all()).get(pk=pk)


class ScopedChosenMultipleView(ScopedChooserMixin, SnippetChosenMultipleView):
    def get_objects(self, pks):
        return self.scoped(super().get_objects(pks))


class ChooserCreateView(SnippetCreateView):
    """Without a creation form the chooser has no "create" tab, yet Wagtail keeps its URL and a POST there
    answered 500 (the missing form was read): it is a 404."""

    def dispatch(self, request, *args, **kwargs):
        if self.get_creation_form_class() is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class ChooserViewSet(SnippetChooserViewSet):
    create_view_class = ChooserCreateView


class ScopedChooserViewSet(ChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


class SubmittedMessageMixin:
    """For create and edit views: say plainly what a submission or a review decision means (Wagtail's French
    catalogue says "planifié(e) pour la publication" on submission, which is what scheduling means)."""

    def get_success_message(self, instance=None):
        name = get_latest_str(instance or self.object)
        if self.action == "workflow-action":
            # Wagtail says only "modifié(e)" after staff approve or ask for changes from the edit view.
            if self.workflow_action == "approve":
                return _("La modification de « %(object)s » est validée : le public la voit désormais.") % {
                    "object": name
                }
            if self.workflow_action == "reject":
                return _(
                    "Modifications demandées pour « %(object)s » : le partenaire est prévenu par courriel."
                ) % {"object": name}
        if self.action != "submit":
            return super().get_success_message(instance)
        if self.view_name == "create":
            message = _(
                "La nouvelle fiche « %(object)s » est soumise à la validation de l'équipe Gers Solidaire : le "
                "public la verra une fois validée."
            )
        else:
            message = _(
                "Votre modification de « %(object)s » est soumise à la validation de l'équipe Gers "
                "Solidaire : le public la verra une fois validée."
            )
        return message % {"object": name}


class InstanceScopedListingMixin:
    """For an index view: edit, copy and delete links only on the rows the user may change (other rows are listed
    read-only, with their inspect link)."""

    def _can(self, action, instance):
        return self.user_has_permission_for_instance(action, instance)

    def get_edit_url(self, instance):
        return super().get_edit_url(instance) if self._can("change", instance) else None

    def get_copy_url(self, instance):
        return super().get_copy_url(instance) if self._can("change", instance) else None

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if self._can("delete", instance) else None


class OrganisationScopedViewSetMixin:
    """For a SnippetViewSet: listings, object URLs, choosers and forms limited to the user's organisations."""

    organisation_paths = ("organisation",)
    # Paths to organisations that may read an object but not change it.
    read_only_paths = ()
    chooser_viewset_class = ScopedChooserViewSet
    # Partners who may not change an object can still read it in full.
    inspect_view_enabled = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        SCOPES[self.model] = tuple(self.organisation_paths) + tuple(self.read_only_paths)
        WRITE_SCOPES[self.model] = tuple(self.organisation_paths)
        # Wrapped rather than replaced: a viewset may have its own views.
        for name in ("add_view_class", "edit_view_class"):
            view_class = getattr(self, name)
            setattr(self, name, type(view_class.__name__, (SubmittedMessageMixin, view_class), {}))
        # The revert view is built on the edit view, so it refuses stale forms too.
        self.edit_view_class = type(
            self.edit_view_class.__name__, (ConcurrentEditMixin, self.edit_view_class), {}
        )
        if self.read_only_paths:
            view_class = self.index_view_class
            self.index_view_class = type(view_class.__name__, (InstanceScopedListingMixin, view_class), {})

    @cached_property
    def permission_policy(self):
        return OrganisationPermissionPolicy(
            self.model, self.organisation_paths, read_only_paths=self.read_only_paths
        )

    def get_index_view_kwargs(self, **kwargs):
        view_kwargs = super().get_index_view_kwargs(**kwargs)
        filterset_class = view_kwargs.get("filterset_class")
        if filterset_class and filterset_class is not self.UNDEFINED:
            view_kwargs["filterset_class"] = type(
                filterset_class.__name__, (ScopedFilterSetMixin, filterset_class), {}
            )
        else:
            # The filter set Wagtail builds from `list_filter`.
            view_kwargs["base_filterset_class"] = type(
                "ScopedWagtailFilterSet", (ScopedFilterSetMixin, WagtailFilterSet), {}
            )
        return view_kwargs

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if queryset is None:
            queryset = self.model._default_manager.all()
        return scope(queryset, request.user, tuple(self.organisation_paths) + tuple(self.read_only_paths))

    def get_urlpatterns(self):
        return guard_object_urls(
            super().get_urlpatterns(), self.model, self.organisation_paths, self.read_only_paths
        )

    def get_edit_handler(self):
        handler = super().get_edit_handler()
        if handler.base_form_class and issubclass(handler.base_form_class, OrganisationScopedForm):
            return handler
        base = handler.base_form_class
        # Keep a viewset's own form (its extra fields and checks), scoped on top.
        form_class = (
            type(f"Scoped{base.__name__}", (OrganisationScopedForm, base), {})
            if base
            else OrganisationScopedForm
        )
        kwargs = {**handler.clone_kwargs(), "base_form_class": form_class}
        return type(handler)(**kwargs).bind_to_model(self.model)


class ScopedDeleteBulkAction(DeleteBulkAction):
    """The snippets' bulk delete, refusing (404) a selection that reaches outside the user's organisations."""

    @classproperty
    def models(cls):
        return list(SCOPES)

    def get_all_objects_in_listing_query(self, parent_id):
        return scope(
            self.model._default_manager.all(), self.request.user, write_paths_for(self.model)
        ).values_list("pk", flat=True)

    @cached_property
    def _actionable_objects(self):
        objects, extra = super()._actionable_objects
        paths = write_paths_for(self.model)
        # The objects the user may not delete count too: the confirmation page lists their titles.
        selected = [*objects, *extra.get("items_with_no_access", ())]
        if paths is not None and not all(can_reach(self.request.user, obj, paths) for obj in selected):
            raise Http404
        return objects, extra


class ScopedSiteHistoryView(NeutralisedExportMixin, LogEntriesView):
    """Wagtail's "Historique du site" lists every entry of a model the user holds any permission on: a partner
    read other organisations' titles, drafts and reviewers there. Entries of the organisation-scoped models are
    cut to the objects the user reaches (staff and superusers see everything, as before)."""

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        user = self.request.user
        if is_unrestricted(user) or queryset.model is not ModelLogEntry:
            return queryset
        hidden = Q()
        for model, paths in SCOPES.items():
            reachable = scope(model._default_manager.all(), user, paths).annotate(
                key=Cast("pk", output_field=CharField())
            )
            hidden |= Q(content_type=ContentType.objects.get_for_model(model)) & ~Q(
                object_id__in=reachable.values("key")
            )
        return queryset.exclude(hidden) if hidden else queryset
