"""Locked logins in the admin: staff see which accounts django-axes locked and lift a lockout by deleting it."""

from axes.models import AccessAttempt
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy

from directory.partners.access import is_unrestricted


class LockoutPermissionPolicy(ModelPermissionPolicy):
    """Staff (every organisation) and superusers may see and lift lockouts; nobody creates or edits one."""

    def user_has_permission(self, user, action):
        return action in {"view", "delete"} and is_unrestricted(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class LockedIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)


class LockedLoginViewSet(ModelViewSet):
    model = AccessAttempt
    name = "connexions-bloquees"
    icon = "lock"
    menu_label = _("Connexions bloquées")
    add_to_settings_menu = True
    copy_view_enabled = False
    index_view_class = LockedIndexView
    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    list_filter = []
    search_fields = None
    form_fields = ["username"]

    @property
    def permission_policy(self):
        return LockoutPermissionPolicy(self.model)


@hooks.register("register_admin_viewset")
def register_locked_logins():
    return LockedLoginViewSet()
