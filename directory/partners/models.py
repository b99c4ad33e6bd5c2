"""Who may edit what: partner users belong to organisations, with a role; managers invite colleagues."""

from django.conf import settings
from django.core import signing
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

INVITATION_SALT = "directory.invitation"


class Role(models.TextChoices):
    EDITOR = "editor", _("rédacteur")
    MANAGER = "manager", _("responsable")


class Membership(models.Model):
    """A partner user's place in an organisation: editors edit its listings, managers also invite colleagues."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("structure"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        ordering = ["organisation__name", "user__last_name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_unique_user_organisation"
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class Invitation(models.Model):
    """An e-mailed invitation to join an organisation; its link carries a signed, expiring token."""

    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("structure"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("adresse électronique"))
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.EDITOR)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invité par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    def token(self):
        return signing.dumps({"invitation": self.pk}, salt=INVITATION_SALT)

    @classmethod
    def from_token(cls, token):
        """The pending invitation behind a token, or None when it is forged, expired or already used."""
        max_age = settings.DIRECTORY_INVITATION_MAX_AGE_DAYS * 24 * 3600
        try:
            data = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
        except signing.BadSignature:
            return None
        return cls.objects.filter(pk=data.get("invitation"), accepted_at=None).first()

    def mark_accepted(self):
        self.accepted_at = timezone.now()
        self.save(update_fields=["accepted_at"])
