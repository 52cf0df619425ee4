"""
Two-step sign-in: whoever turns it on (editors above all) signs in with their password and the code
their authenticator app shows (TOTP, RFC 6238, by django-otp, which keeps the key, allows for clock
drift, refuses a code used twice and slows down repeated wrong codes). The site's and the admin's
sign-in forms ask for the code; accounts without it sign in as before.
"""

from base64 import b32encode

from django import forms
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        **kwargs,
    )


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def code_is_right(device: TOTPDevice, code: str) -> bool:
    """Whether `code` is the one `device` shows now (a wrong one counts towards its slowing down)."""
    allowed, _details = device.verify_is_allowed()
    return bool(allowed and code.strip() and device.verify_token(code.strip()))


class AsksForTheCode:
    """A sign-in form that also checks the code of those who turned two-step sign-in on."""

    def clean(self):
        cleaned = super().clean()  # the password, counted by django-axes when wrong
        device = confirmed_device(self.get_user())
        if device is not None and not code_is_right(device, cleaned.get("code") or ""):
            raise ValidationError(
                _("This account signs in in two steps: enter the code your authenticator app shows now."),
                code="code_needed",
            )
        return cleaned


class SignInForm(AsksForTheCode, AuthenticationForm):
    code = code_field(
        label=_("Code from your authenticator app"),
        required=False,
        help_text=_("Only if you turned on two-step sign-in."),
    )


class AdminSignInForm(AsksForTheCode, AdminAuthenticationForm):
    code = SignInForm.base_fields["code"]


class SignInView(auth_views.LoginView):
    form_class = SignInForm


class CodeForm(forms.Form):
    code = code_field(label=_("Code from your authenticator app"))

    def __init__(self, *args, device: TOTPDevice, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not code_is_right(self.device, code):
            raise ValidationError(
                _("This is not the code the app shows now; try the next one."), code="wrong"
            )
        return code


@login_required
@require_http_methods(["GET", "POST"])
def two_step(request):
    """Turn two-step sign-in on (a new key, confirmed by a code) or off (confirmed by a code)."""
    device = confirmed_device(request.user)
    if device is None:
        # A key waits, unconfirmed, until a code from it proves the app holds it.
        device, _created = TOTPDevice.objects.get_or_create(
            user=request.user, confirmed=False, defaults={"name": "authenticator"}
        )
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        if device.confirmed:
            TOTPDevice.objects.filter(user=request.user).delete()
            messages.success(request, _("Two-step sign-in is off: your password alone signs you in."))
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            messages.success(request, _("Two-step sign-in is on: from now on, sign in with a code too."))
        return redirect("two_step")
    context = {
        "form": form,
        "is_on": device.confirmed,
        "key": b32encode(device.bin_key).decode(),
        "setup_address": device.config_url,
    }
    return render(request, "registration/two_step.html", context, status=400 if form.errors else 200)
