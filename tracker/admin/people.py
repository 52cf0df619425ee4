"""The admin of who answers for commitments: owners, their contacts (invited to report), and user accounts."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ..models import Account, Involvement, Owner, OwnerContact
from ..workspace.accounts import CannotInvite, invite_representative
from .base import HistoryAdmin


class ContactForm(forms.ModelForm):
    """A contact, with the choice to invite it as it is added, where editors add contacts."""

    invite = forms.BooleanField(
        label=_("send an invitation"),
        required=False,
        help_text=_("Once saved, e-mail them a link to sign in and report progress."),
    )


def send_invitations(model_admin, request, contacts) -> None:
    """Invite each contact to sign in and report; say how many were, and why any was not."""
    sent = 0
    for contact in contacts:
        try:
            invite_representative(contact)
        except CannotInvite as refusal:
            model_admin.message_user(request, str(refusal), messages.WARNING)
        else:
            sent += 1
    if sent:
        model_admin.message_user(request, _("Invitations sent: %(n)d.") % {"n": sent}, messages.SUCCESS)


@admin.register(Owner)
class OwnerAdmin(HistoryAdmin):
    list_display = ["name", "short_name", "kind", "country", "commitment_count"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "name_en", "short_name", "short_name_en", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    class ContactInline(admin.TabularInline):
        model = OwnerContact
        form = ContactForm
        autocomplete_fields = ["user"]
        extra = 0

    inlines = [ContactInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is OwnerContact:
            chosen = [f.instance for f in formset.forms if f.cleaned_data.get("invite") and f.instance.pk]
            send_invitations(self, request, chosen)

    def get_queryset(self, request):
        # A subquery rather than a GROUP BY, which would drop the ordering the autocomplete relies on.
        count = (
            Involvement.objects.filter(owner=OuterRef("pk"))
            .values("owner")
            .annotate(n=Count("commitment", distinct=True))
            .values("n")
        )
        return super().get_queryset(request).annotate(commitment_count=Coalesce(Subquery(count), 0))

    @admin.display(description=_("commitments"), ordering="commitment_count")
    def commitment_count(self, obj):
        return obj.commitment_count


class AccountInline(admin.StackedInline):
    model = Account
    can_delete = False


# The user's page also shows the language the tracker writes to them in.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class AccountUserAdmin(UserAdmin):
    inlines = [AccountInline]


@admin.register(OwnerContact)
class OwnerContactAdmin(HistoryAdmin):
    list_display = ["__str__", "owner", "user", "email", "language", "receives_reminders"]
    list_filter = ["language", "receives_reminders"]
    list_select_related = ["owner", "user"]
    search_fields = ["name", "email", "owner__name", "user__username", "user__email"]
    autocomplete_fields = ["owner", "user"]
    form = ContactForm
    actions = ["invite"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("invite"):
            send_invitations(self, request, [obj])

    @admin.action(description=_("Invite to sign in and report progress"), permissions=["change"])
    def invite(self, request, queryset):
        send_invitations(self, request, queryset.select_related("owner", "user"))
