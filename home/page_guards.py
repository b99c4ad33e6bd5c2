"""Page admin guards Wagtail leaves open: a user without page permissions (a partner) reads no draft page title,
and no page view of the admin answers 500 to a malformed request."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from wagtail import hooks
from wagtail.admin.forms import choosers
from wagtail.admin.forms.choosers import URLOrAbsolutePathField
from wagtail.admin.views import chooser
from wagtail.admin.views.pages import ordering, workflow
from wagtail.models import GroupPagePermission, Page

from core.admin_views import admin_view


def holds_page_permissions(user):
    return user.is_superuser or GroupPagePermission.objects.filter(group__user=user).exists()


@hooks.register("before_move_page")
def refuse_move_confirmation_without_permission(request, page_to_move, destination):
    # Wagtail checks the permission on POST only: its confirmation page named any page to anyone in the admin.
    if not page_to_move.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied


@hooks.register("construct_page_chooser_queryset")
def published_pages_only_without_page_permissions(pages, request):
    # Partners link to public pages from their texts; drafts are the editors' business.
    if holds_page_permissions(request.user):
        return pages
    return pages.filter(live=True)


class LiveParentPageChooserView(chooser.BrowseView):
    """The page chooser opened on a page: its title heads the list, so a draft opens to page editors only."""

    def get_object_list(self):
        if not self.parent_page.live and not holds_page_permissions(self.request.user):
            raise Http404
        return super().get_object_list()


def set_page_position(request, page_to_move_id):
    # The root page has no parent whose permission Wagtail could read: it answered 500.
    if get_object_or_404(Page, id=page_to_move_id).is_root():
        raise Http404
    return ordering.set_page_position(request, page_to_move_id)


class PresentURLField(URLOrAbsolutePathField):
    def to_python(self, value):
        # A POST without the field gives None, which Wagtail's field read as text (500): it is a missing URL.
        return super().to_python(value or "")


class ExternalLinkChooserForm(choosers.ExternalLinkChooserForm):
    url = PresentURLField(required=True, label=choosers.ExternalLinkChooserForm.base_fields["url"].label)


class ExternalLinkView(chooser.ExternalLinkView):
    form_class = ExternalLinkChooserForm

    def post(self, request):
        if holds_page_permissions(request.user):
            return super().post(request)
        # Wagtail turns an address of our own site into a page link named by the page's draft title: a partner
        # would read unpublished titles. Their links stay the address they typed.
        self.form = self.form_class(request.POST, initial=self.get_initial_data(), prefix=self.form_prefix)
        if self.form.is_valid():
            return self.render_chosen_response(self.get_result_data())
        return self.render_form_response()


class ActionsFirst:
    """Wagtail's page workflow views say "the page '…' is not awaiting moderation" before checking that the
    user acts on the task: anyone in the admin read any page's title in that message. The check comes first."""

    def dispatch(self, request, *args, **kwargs):
        if not self.task.get_actions(self.object, request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class WorkflowAction(ActionsFirst, workflow.WorkflowAction):
    pass


class CollectWorkflowActionData(ActionsFirst, workflow.CollectWorkflowActionData):
    pass


class PreviewRevisionForTask(ActionsFirst, workflow.PreviewRevisionForTask):
    pass


# In front of Wagtail's own routes (config.urls puts them before the admin's).
urlpatterns = [
    path("admin/choose-page/<int:parent_page_id>/", admin_view(LiveParentPageChooserView.as_view())),
    path("admin/choose-external-link/", admin_view(ExternalLinkView.as_view())),
    path("admin/pages/<int:page_to_move_id>/set_position/", admin_view(set_page_position)),
    path(
        "admin/pages/workflow/action/<int:page_id>/<slug:action_name>/<int:task_state_id>/",
        admin_view(WorkflowAction.as_view()),
    ),
    path(
        "admin/pages/workflow/collect_action_data/<int:page_id>/<slug:action_name>/<int:task_state_id>/",
        admin_view(CollectWorkflowActionData.as_view()),
    ),
    path(
        "admin/pages/workflow/preview/<int:page_id>/<int:task_id>/",
        admin_view(PreviewRevisionForTask.as_view()),
    ),
]
