"""Admin pieces that keep partners inside their organisations: viewset mixin, scoped forms, choosers, bulk delete.

The rules themselves are in directory.access; this module plugs them into Wagtail's snippet machinery.
"""

from django import forms
from django.http import Http404
from django.utils.functional import cached_property, classproperty
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
)

from .access import (
    OrganisationPermissionPolicy,
    can_reach,
    guard_object_urls,
    is_unrestricted,
    organisation_ids,
    scope,
)

# Fields a partner sees but cannot change.
STAFF_ONLY_FIELDS = {"trusted", "source", "source_id"}

# model → the paths from the model to its organisation, filled as scoped viewsets are declared.
SCOPES = {}


def paths_for(model):
    return SCOPES.get(model)


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
            paths = paths_for(model)
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


class ScopedChooserViewSet(SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


class OrganisationScopedViewSetMixin:
    """For a SnippetViewSet: listings, object URLs, choosers and forms limited to the user's organisations."""

    organisation_paths = ("organisation",)
    chooser_viewset_class = ScopedChooserViewSet
    # Partners who may not change an object can still read it in full.
    inspect_view_enabled = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        SCOPES[self.model] = tuple(self.organisation_paths)

    @cached_property
    def permission_policy(self):
        return OrganisationPermissionPolicy(self.model, self.organisation_paths)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if queryset is None:
            queryset = self.model._default_manager.all()
        return scope(queryset, request.user, self.organisation_paths)

    def get_urlpatterns(self):
        return guard_object_urls(super().get_urlpatterns(), self.model, self.organisation_paths)

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
        return scope(self.model._default_manager.all(), self.request.user, paths_for(self.model)).values_list(
            "pk", flat=True
        )

    @cached_property
    def _actionable_objects(self):
        objects, extra = super()._actionable_objects
        paths = paths_for(self.model)
        if paths is not None and not all(can_reach(self.request.user, obj, paths) for obj in objects):
            raise Http404
        return objects, extra
