"""Groups and the "Validation Gers Solidaire" workflow, kept in place after every migrate (idempotent).

Partners edit drafts and submit them; the staff group approves or asks for changes. Members of a trusted
organisation see their submission approved at once (see `approve_if_trusted`), so history still records it.
"""

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

PARTNERS_GROUP = "Partenaires"
STAFF_GROUP = "Équipe Gers Solidaire"
WORKFLOW_NAME = "Validation Gers Solidaire"
TASK_NAME = "Relecture par l'équipe Gers Solidaire"

# Models under moderation: a partner's change to them waits for approval.
MODERATED_MODELS = ("service", "place", "tour", "organisation", "stop", "stoppattern")

PARTNER_PERMISSIONS = {
    "service": ("add", "change", "view"),
    # No delete: removing a published place would bypass moderation (staff delete; partners unpublish nothing).
    "place": ("add", "change", "view"),
    "organisation": ("change", "view"),
    "tour": ("add", "change", "view"),
    "stoppattern": ("add", "change", "delete", "view"),
    "stop": ("add", "change", "delete", "view"),
    "closure": ("add", "change", "delete", "view"),
    "errorreport": ("change", "view"),
    "category": ("view",),
    "audience": ("view",),
}


def _permissions(app_label, model, actions):
    return Permission.objects.filter(
        content_type__app_label=app_label,
        content_type__model=model,
        codename__in=[f"{action}_{model}" for action in actions],
    )


@transaction.atomic
def ensure_groups_and_workflow():
    from django.apps import apps
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowContentType, WorkflowTask

    # Permissions are created by another post_migrate receiver that may not have run yet for these apps.
    for label in ("directory", "wagtailadmin"):
        create_permissions(apps.get_app_config(label), verbosity=0)
    # Wagtail's publish/lock/unlock permissions of snippet models.
    from wagtail.snippets.models import create_extra_permissions

    create_extra_permissions(apps.get_app_config("wagtailsnippets"))

    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")

    partners, _created = Group.objects.get_or_create(name=PARTNERS_GROUP)
    partners.permissions.add(access_admin)
    for model, actions in PARTNER_PERMISSIONS.items():
        partners.permissions.add(*_permissions("directory", model, actions))
    # Permissions partners held in earlier versions and no longer should.
    partners.permissions.remove(*_permissions("directory", "place", ("delete",)))

    staff, _created = Group.objects.get_or_create(name=STAFF_GROUP)
    staff.permissions.add(access_admin)
    staff.permissions.add(*Permission.objects.filter(content_type__app_label="directory"))

    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
        task.groups.set([staff])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for model in MODERATED_MODELS:
        content_type = ContentType.objects.get(app_label="directory", model=model)
        WorkflowContentType.objects.get_or_create(content_type=content_type, defaults={"workflow": workflow})
    return partners, staff, workflow


def on_post_migrate(sender, app_config=None, using="default", **kwargs):
    if app_config is None or app_config.label != "directory":
        return
    ensure_groups_and_workflow()


def organisation_of(instance):
    """The organisation a moderated object belongs to: itself, its own, or its tour's (a stop)."""
    from directory.listings.models import Organisation

    if isinstance(instance, Organisation):
        return instance
    if hasattr(instance, "organisation"):
        return instance.organisation
    tour = getattr(instance, "tour", None)
    return tour.organisation if tour is not None else None


def approve_if_trusted(instance, user):
    """A trusted organisation's submission is approved straight away, in the submitter's name.

    Partners hold no publish permission, so the workflow's own finish (which checks it) is replaced by the same
    steps with the check skipped: the task is approved and logged, the workflow closed, the revision published.
    """
    from wagtail.models import WorkflowState

    organisation = organisation_of(instance)
    if organisation is None or not organisation.trusted:
        return False
    task_state = getattr(instance, "current_workflow_task_state", None)
    if task_state is None:
        return False
    with transaction.atomic():
        task_state.approve(user=user, update=False, comment=_("Publié directement : structure de confiance."))
        workflow_state = task_state.workflow_state
        workflow_state.status = WorkflowState.STATUS_APPROVED
        workflow_state.current_task_state = None
        workflow_state.save()
        instance.get_latest_revision().publish(user=user, skip_permission_checks=True)
    return True


def submit_for_moderation(instance, user):
    """Submit the object's latest revision to its workflow, as the admin's "Submit" button does; True if published.

    A workflow waiting for changes is resumed; one already in progress is left as it is (staff approve, and so
    publish, the latest revision). A trusted organisation's submission is then approved at once.
    """
    from wagtail.models import WorkflowState

    state = instance.current_workflow_state
    if state is None:
        workflow = instance.get_workflow()
        if workflow is None:  # moderation switched off: the draft waits for staff to publish it
            return False
        workflow.start(instance, user)
    elif state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user)
    return approve_if_trusted(instance, user)
