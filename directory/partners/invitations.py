"""Invitations: the e-mail with its signed link, and the page where the invitee joins (and sets a password)."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login, password_validation
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.protection import rate_limited
from directory.partners.models import Invitation, Membership
from directory.partners.moderation import PARTNERS_GROUP


def invitation_url(invitation, request=None):
    url = reverse("partners:invitation", kwargs={"token": invitation.token()})
    return request.build_absolute_uri(url) if request is not None else url


def send_invitation(invitation, request=None):
    context = {
        "invitation": invitation,
        "url": invitation_url(invitation, request),
        "max_age_days": settings.DIRECTORY_INVITATION_MAX_AGE_DAYS,
    }
    send_mail(
        _("Invitation à gérer les fiches de %(organisation)s sur Gers Solidaire")
        % {"organisation": invitation.organisation},
        render_to_string("directory/email/invitation.txt", context),
        None,
        [invitation.email],
    )


class NewAccountForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("Prénom"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Nom"), max_length=150)
    password1 = forms.CharField(
        label=gettext_lazy("Mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Mot de passe (confirmation)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Les deux mots de passe ne correspondent pas."))
        elif first:
            user = get_user_model()(
                username=self.email, email=self.email, first_name=cleaned.get("first_name", "")
            )
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ExistingAccountForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Votre mot de passe actuel"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mot de passe incorrect."))
        return password


def existing_user(email):
    return get_user_model().objects.filter(email__iexact=email, is_active=True).order_by("pk").first()


@transaction.atomic
def accept(invitation, user):
    Membership.objects.update_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    user.groups.add(Group.objects.get(name=PARTNERS_GROUP))
    invitation.mark_accepted()


def invitation_view(request, token):
    if request.method == "POST" and rate_limited(request, "invitation", limit=10, period=600):
        return render(request, "directory/invitation_invalid.html", {"rate_limited": True}, status=429)
    invitation = Invitation.from_token(token)
    if invitation is None:
        return render(request, "directory/invitation_invalid.html", status=410)
    user = existing_user(invitation.email)
    form_class = ExistingAccountForm if user else NewAccountForm
    kwargs = {"user": user} if user else {"email": invitation.email}
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        if user is None:
            user = get_user_model().objects.create_user(
                username=invitation.email,
                email=invitation.email,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        accept(invitation, user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("wagtailadmin_home")
    return render(
        request,
        "directory/invitation.html",
        {"invitation": invitation, "form": form, "existing": user is not None},
        status=400 if request.method == "POST" else 200,
    )
