"""Errors reported by the public on a service page: a to-do list for the organisation and staff."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    NEW = "new", _("nouveau")
    HANDLED = "handled", _("traité")
    DISMISSED = "dismissed", _("écarté")


class ErrorReport(models.Model):
    service = models.ForeignKey(
        "directory.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="error_reports"
    )
    message = models.TextField(_("ce qui est inexact"))
    contact = models.CharField(
        _("contact (facultatif)"),
        max_length=200,
        blank=True,
        help_text=_("Adresse électronique ou téléphone, si vous acceptez d'être recontacté."),
    )
    status = models.CharField(
        _("état"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.NEW
    )
    staff_notes = models.TextField(_("notes de traitement"), blank=True)
    created_at = models.DateTimeField(_("signalé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="errorreport_status_created")]

    def __str__(self):
        return f"{self.service} — {self.created_at:%d/%m/%Y}"
