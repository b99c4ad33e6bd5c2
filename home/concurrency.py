"""Page edits refuse a stale form and never publish someone else's pending submission, as directory snippets do.

Wagtail 7.4's page edit view refuses a stale *autosave* only; this view, routed in front of it, refuses every save.
"""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views.pages.edit import EditView

from directory.partners.concurrency import pending_submission_of_another


class ConcurrentPageEditView(EditView):
    def post(self, request, *args, **kwargs):
        if not self.expects_json_response and not self.page.alias_of_id:
            refusal = self.refusal()
            if refusal is not None:
                text, url, label = refusal
                self.form = self.form_class(
                    request.POST,
                    request.FILES,
                    instance=self.page,
                    subscription=self.subscription,
                    parent_page=self.parent,
                    for_user=request.user,
                )
                messages.error(request, text, buttons=[messages.button(url, label)])
                self.has_unsaved_changes = True
                return self.render_to_response(self.get_context_data())
        return super().post(request, *args, **kwargs)

    def compare_url(self, first, second):
        return reverse("wagtailadmin_pages:revisions_compare", args=[self.page.pk, first, second])

    def refusal(self):
        if self.is_cancelling_workflow:
            return None
        if self.is_out_of_date:
            latest = self.latest_revision
            loaded = self.request.POST.get("overwrite_revision_id") or self.request.POST.get(
                "loaded_revision_id"
            )
            text = _(
                "« %(object)s » a été modifiée par %(user)s le %(date)s, après l'ouverture de votre formulaire : "
                "votre enregistrement est refusé pour ne pas effacer cette modification. Comparez les versions, "
                "puis enregistrez à nouveau ce formulaire pour remplacer la modification ou rechargez la page "
                "pour repartir de la dernière version."
            ) % {
                "object": self.page.get_admin_display_title(),
                "user": get_user_display_name(latest.user) if latest.user else _("un import"),
                "date": date_format(localtime(latest.created_at), "DATETIME_FORMAT"),
            }
            if self.page.revisions.filter(pk=loaded).exists():
                return text, self.compare_url(loaded, latest.pk), _("Voir les différences")
            return text, self.get_history_url(), _("Voir l'historique")
        if self.request.POST.get("action-publish"):
            state = pending_submission_of_another(self.page, self.request.user)
            if state is not None:
                text = _(
                    "Une modification de « %(object)s » soumise par %(user)s attend validation : la publier d'ici "
                    "la mettrait en ligne sans relecture, ou l'effacerait. Validez-la ou demandez des "
                    "modifications avec les boutons de relecture (« Approuver », « Demander des modifications »)."
                ) % {
                    "object": self.page.get_admin_display_title(),
                    "user": get_user_display_name(state.requested_by)
                    if state.requested_by
                    else _("un rédacteur"),
                }
                return text, self.compare_url("live", "latest"), _("Voir la modification en attente")
        return None
