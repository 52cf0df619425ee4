"""
Following by e-mail, the visitor's side: the sign-up form (on /follow/, and small on each commitment's and
owner's page), the confirmation link and the stop link. The rules live in tracker/following.py.

The small forms sit on pages the page cache stores for every anonymous visitor (tracker/cache.py), which
therefore hold no CSRF token: a token would set a cookie, and a page that sets one is not stored. The
sign-up accepts a POST that carries a valid token (the /follow/ page's) or that the browser says comes
from this site (the Origin header, which browsers send with every POST and pages cannot forge); any
other is shown the form again, with a token, to send once more. A forged sign-up could do no more than
the form itself: send a confirmation mail, throttled, to an address that must click to follow.
"""

from django import forms
from django.core import signing
from django.db import transaction
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from .. import following
from ..choices import Frequency, Language
from ..fields import current_language
from ..models import Commitment, Owner
from ..tasks import deliver_soon
from ..throttling import follow_allowed


class FollowForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your e-mail address"), max_length=254)
    frequency = forms.ChoiceField(
        label=gettext_lazy("How often"), choices=Frequency.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(label=gettext_lazy("In"), choices=Language.choices, widget=forms.RadioSelect)
    commitment = forms.SlugField(required=False, widget=forms.HiddenInput)
    owner = forms.SlugField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        commitment, owner = data.get("commitment"), data.get("owner")
        data["followed"] = None
        if commitment:
            data["followed"] = Commitment.objects.public().filter(slug=commitment).first()
        elif owner:
            data["followed"] = Owner.objects.public().filter(slug=owner).first()
        if (commitment or owner) and data["followed"] is None:
            raise forms.ValidationError(_("There is no such page to follow."))
        return data


def _from_our_pages(request) -> bool:
    """Return whether a POST comes, as its browser says, from this site, or carries a valid CSRF token."""
    # The Origin first: the small forms carry no token, and the middleware would log each of their
    # sign-ups as a refused forgery.
    origin = request.headers.get("Origin")
    if origin is not None and origin == f"{request.scheme}://{request.get_host()}":
        return True
    return CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {}) is None


def _form_page(request, form, status=200, notice=""):
    return render(request, "tracker/follow.html", {"form": form, "notice": notice}, status=status)


@csrf_exempt  # checked by _from_our_pages: the small forms are on cached pages, without a token
@require_http_methods(["GET", "HEAD", "POST"])
def follow(request):
    """The sign-up: the whole tracker's form (GET), and every form's answer (POST)."""
    if request.method != "POST":
        form = FollowForm(initial={"frequency": Frequency.IMMEDIATE, "language": current_language()})
        return _form_page(request, form)
    form = FollowForm(request.POST)
    if not _from_our_pages(request):
        notice = _("For your safety, please check the form and send it again.")
        return _form_page(request, form, 403, notice)
    if not form.is_valid():
        return _form_page(request, form, 400)
    data = form.cleaned_data
    if not follow_allowed(request, data["email"]):
        notice = _("Too many sign-ups from here or to this address: please try again in an hour.")
        return _form_page(request, form, 429, notice)
    if following.sign_up(data["email"], data["language"], data["frequency"], data["followed"]):
        transaction.on_commit(deliver_soon)  # else the next sweep sends the confirmation
    # The same answer whether or not the address already follows: the form tells nobody who follows.
    return redirect(reverse("tracker:follow_sent"))


@require_safe
def follow_sent(request):
    return render(request, "tracker/follow_sent.html")


@require_http_methods(["GET", "HEAD", "POST"])
def follow_confirm(request, token):
    """Confirm a sign-up: a page with a button (mail scanners open links), confirmed by its POST."""
    try:
        follower = following.follower_to_confirm(token)
    except signing.BadSignature:
        follower = None
    if follower is None:
        return render(request, "tracker/follow_invalid.html", status=404)
    done = request.method == "POST"
    if done:
        following.confirm(follower)
    return render(request, "tracker/follow_confirm.html", {"follower": follower, "done": done})


@csrf_exempt  # authorised by the signed link itself; mail programs POST to it (RFC 8058 one-click)
@require_http_methods(["GET", "HEAD", "POST"])
def follow_stop(request, token):
    """Stop following: a page with a button, or a mail program's one-click POST; again is harmless."""
    try:
        follower = following.follower_to_stop(token)
    except signing.BadSignature:
        return render(request, "tracker/follow_invalid.html", status=404)
    done = request.method == "POST" or follower is None
    if request.method == "POST" and follower is not None:
        following.stop(follower)
    return render(request, "tracker/follow_stop.html", {"follower": follower, "done": done})
