"""Per-organisation access in the admin: a partner reaches only the objects of the organisations they belong to.

Wagtail's snippet views check model-wide permissions only, so the scope is applied in four places: the permission
policy (instance checks and listings), a guard on every URL of a viewset that names an object, the choosers, and
the forms (choices limited, the organisation set from the user). Staff with the "all organisations" permission
and superusers are not restricted.
"""

import operator
from functools import reduce, wraps

from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.http import Http404
from django.urls import URLPattern
from wagtail.permission_policies import ModelPermissionPolicy

ALL_ORGANISATIONS_PERMISSION = "directory.manage_all_organisations"


def is_unrestricted(user):
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm(ALL_ORGANISATIONS_PERMISSION))
    )


def organisation_ids(user):
    """The ids of the organisations the user is a member of, read once per request (cached on the user)."""
    if not (user and user.is_authenticated):
        return frozenset()
    cached = getattr(user, "_directory_organisation_ids", None)
    if cached is None:
        from directory.partners.models import Membership

        cached = frozenset(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
        user._directory_organisation_ids = cached
    return cached


def managed_organisation_ids(user):
    from directory.partners.models import Membership, Role

    if not (user and user.is_authenticated):
        return frozenset()
    return frozenset(
        Membership.objects.filter(user=user, role=Role.MANAGER).values_list("organisation_id", flat=True)
    )


def scope_filter(paths, ids):
    """A Q object matching rows whose organisation (reached through any of `paths`) is in `ids`."""
    # No empty seed (`Q(pk__in=[])`): the search backends accept filters on their declared fields only.
    conditions = [Q(**{f"{path}__in" if path else "pk__in": ids}) for path in paths]
    return reduce(operator.or_, conditions) if conditions else Q(pk__in=[])


def scope(queryset, user, paths):
    if is_unrestricted(user):
        return queryset
    if not (user and user.is_authenticated):
        return queryset.none()
    return queryset.filter(scope_filter(paths, organisation_ids(user))).distinct()


def organisations_of(instance, paths):
    """The organisations an object belongs to, following each path ("" for an organisation itself)."""
    found = []
    for path in paths:
        targets = [instance]
        for attribute in path.split("__") if path else []:
            reached = []
            for target in targets:
                value = getattr(target, attribute, None)
                # A reverse or many-to-many relation ("place__services__organisation") leads to several.
                if hasattr(value, "all") and callable(value.all):
                    reached.extend(value.all())
                elif value is not None:
                    reached.append(value)
            targets = reached
        found.extend(targets)
    return found


def can_reach(user, instance, paths):
    if is_unrestricted(user):
        return True
    ids = organisation_ids(user)
    return any(organisation.pk in ids for organisation in organisations_of(instance, paths))


class OrganisationPermissionPolicy(ModelPermissionPolicy):
    """Model permissions (from the user's groups) narrowed to the user's organisations.

    `read_only_paths` lead to organisations that may view an object but not change it (a closure of a shared
    place is seen by every organisation whose services stand there; only the place's owner changes it).
    """

    def __init__(self, model, paths, auth_model=None, read_only_paths=()):
        super().__init__(model, auth_model=auth_model)
        self.paths = tuple(paths)
        self.read_paths = self.paths + tuple(read_only_paths)

    def paths_for_actions(self, actions):
        return self.read_paths if set(actions) <= {"view"} else self.paths

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and can_reach(
            user, instance, self.paths_for_actions([action])
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, action, instance) for action in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        allowed = [action for action in actions if self.user_has_permission(user, action)]
        if not allowed:
            return self.model._default_manager.none()
        return scope(self.model._default_manager.all(), user, self.paths_for_actions(allowed))

    def instances_user_has_permission_for(self, user, action):
        return self.instances_user_has_any_permission_for(user, [action])

    def users_with_any_permission_for_instance(self, actions, instance):
        users = self.users_with_any_permission(actions)
        organisation_pks = [organisation.pk for organisation in organisations_of(instance, self.paths)]
        app_label, codename = ALL_ORGANISATIONS_PERMISSION.split(".")
        everywhere = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        return users.filter(
            Q(is_superuser=True)
            | Q(memberships__organisation__in=organisation_pks)
            | Q(user_permissions__in=everywhere)
            | Q(groups__permissions__in=everywhere)
        ).distinct()

    def users_with_permission_for_instance(self, action, instance):
        return self.users_with_any_permission_for_instance([action], instance)


# Object URLs of a snippet viewset that only read the object.
READ_ONLY_URL_NAMES = {"inspect", "history", "history_results", "usage"}


def guard_object_urls(urlpatterns, model, paths, read_only_paths=()):
    """Wrap every URL that names an object (`pk`) so an object out of the user's reach is a 404.

    Objects reached only through `read_only_paths` are open to the URLs that read them, 404 to the others.
    """

    def guarded(view, reach):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            obj = model._default_manager.filter(pk=unquote(str(kwargs["pk"]))).first()
            if obj is not None and not can_reach(request.user, obj, reach):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    read_paths = tuple(paths) + tuple(read_only_paths)
    result = []
    for pattern in urlpatterns:
        if isinstance(pattern, URLPattern) and "pk" in pattern.pattern.regex.groupindex:
            reach = read_paths if pattern.name in READ_ONLY_URL_NAMES else paths
            pattern = URLPattern(
                pattern.pattern, guarded(pattern.callback, reach), pattern.default_args, pattern.name
            )
        result.append(pattern)
    return result


def organisation_members(organisation_ids_):
    """Active users who are members of any of these organisations."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__organisation__in=organisation_ids_)
        .distinct()
    )
