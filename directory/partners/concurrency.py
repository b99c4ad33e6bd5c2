"""Concurrent edits of moderated snippets: a save based on a stale form is refused, a pending submission is never
published or dropped behind its author's back.

Wagtail 7.4 puts the revision an edit form was loaded from in the form (`loaded_revision_id`,
`loaded_revision_created_at`) and computes `is_out_of_date`, but only refuses stale autosaves: a plain POST from
an old form overwrote whatever was saved or submitted since. This mixin enforces the same check on every save.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import select_template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.utils import get_latest_str, get_user_display_name

# Marks a form loaded while the object had no revision yet (Wagtail then sends no revision id at all).
NO_REVISION = "none"


def loaded_revision_is_stale(view):
    """True when the POST comes from a form loaded before the object's latest revision.

    A POST without any loaded-revision field (a script, an older client) keeps Wagtail's behaviour.
    """
    data = view.request.POST
    if data.get("loaded_revision_id") == NO_REVISION and not data.get("overwrite_revision_id"):
        return view.latest_revision is not None
    return view.is_out_of_date


def pending_submission_of_another(obj, user):
    """The workflow state of a submission by someone else that waits for review, if any."""
    state = getattr(obj, "current_workflow_state", None)
    if state is None or state.status != state.STATUS_IN_PROGRESS:
        return None
    if state.requested_by_id == user.pk:
        return None
    return state


class ConcurrentEditMixin:
    """For a snippet edit view (and its revert view, built on it)."""

    def get_template_names(self):
        # Wraps the viewset's own template: adds the revision marker Wagtail leaves out before a first revision.
        if self.hydrate_create_view:
            return super().get_template_names()
        return ["directory/admin/edit_with_loaded_revision.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["concurrency_base_template"] = select_template(super().get_template_names()).template
        context["concurrency_no_revision"] = NO_REVISION
        return context

    def is_valid(self, form):
        if self.revision_enabled and not self.expects_json_response:
            if loaded_revision_is_stale(self):
                return self.refuse(self.stale_message())
            if self.action == "publish" and self.workflow_enabled:
                state = pending_submission_of_another(self.object, self.request.user)
                if state is not None:
                    return self.refuse(self.pending_message(state))
        return super().is_valid(form)

    def refuse(self, message):
        self.produced_error_code = "invalid_revision"
        self.produced_error_message = None
        self.concurrency_message = message
        return False

    def form_invalid(self, form):
        message = getattr(self, "concurrency_message", None)
        if message is not None and self.action != "cancel-workflow":
            text, url, label = message
            messages.error(self.request, text, buttons=[messages.button(url, label)] if url else None)
            self.concurrency_message = None
        return super().form_invalid(form)

    def compare_url(self, first, second):
        name = self.revisions_compare_url_name
        if not name:
            return None
        return reverse(name, args=[self.object.pk, first, second])

    def stale_message(self):
        latest = self.latest_revision
        loaded = self.request.POST.get("overwrite_revision_id") or self.request.POST.get("loaded_revision_id")
        if loaded and loaded != NO_REVISION and self.object.revisions.filter(pk=loaded).exists():
            url, label = self.compare_url(loaded, latest.pk), _("Voir les différences")
        else:
            url, label = self.get_history_url(), _("Voir l'historique")
        text = _(
            "« %(object)s » a été modifié par %(user)s le %(date)s, après l'ouverture de votre formulaire : "
            "votre enregistrement est refusé pour ne pas effacer cette modification. Comparez les versions, "
            "puis enregistrez à nouveau ce formulaire pour remplacer la modification ou rechargez la page pour "
            "repartir de la dernière version."
        ) % {
            "object": get_latest_str(self.object),
            "user": get_user_display_name(latest.user) if latest.user else _("un import"),
            "date": date_format(localtime(latest.created_at), "DATETIME_FORMAT"),
        }
        return text, url, label

    def pending_message(self, state):
        text = _(
            "Une modification de « %(object)s » soumise par %(user)s attend validation : la publier d'ici la "
            "mettrait en ligne sans relecture, ou l'effacerait. Validez-la ou demandez des modifications avec les "
            "boutons de relecture (« Approuver », « Demander des modifications »)."
        ) % {
            "object": get_latest_str(self.object),
            "user": get_user_display_name(state.requested_by) if state.requested_by else _("un partenaire"),
        }
        return text, self.compare_url("live", "latest"), _("Voir la modification en attente")


def notify_author_of_cancellation(sender, instance, user, **kwargs):
    """Wagtail tells nobody when a submission is cancelled (by staff, or by publishing over it): tell its author."""
    author = instance.requested_by
    if author is None or not author.email or (user is not None and user.pk == author.pk):
        return
    name = get_latest_str(instance.content_object) if instance.content_object else ""
    by = get_user_display_name(user) if user is not None else _("l'équipe Gers Solidaire")
    send_mail(
        _("Votre modification de « %(object)s » n'est plus en attente de validation") % {"object": name},
        _(
            "Bonjour,\n\nLa modification de « %(object)s » que vous aviez soumise à la validation a été retirée "
            "de la relecture par %(user)s : elle ne sera pas publiée telle quelle. Ouvrez la fiche dans "
            "l'administration pour voir sa dernière version et soumettre à nouveau vos changements si besoin.\n\n"
            "L'équipe Gers Solidaire"
        )
        % {"object": name, "user": by},
        settings.DEFAULT_FROM_EMAIL,
        [author.email],
    )
