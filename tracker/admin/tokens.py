"""
The admin of API tokens: an editor makes one for an owner's representative (a superuser for any
account) and reads its key once, on the page that follows; afterwards only the key's first
characters, its scope and expiry show. Deleting a token revokes it.

A token acts as its user: an editor who could make one for a staff account would act as that account.
Editors therefore see, make and revoke only the tokens of representatives (`representatives`), and
pick the account from a list of those, not from the accounts' autocomplete (which they may not read).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from knox.models import get_digest_token, get_expiry
from knox.settings import CONSTANTS, knox_settings

from ..models import ApiToken


def representatives():
    """
    Return the accounts an editor may issue tokens for: owners' representatives, active, with no power
    beyond that: not staff, in no group and given no permission (the API takes an account with the
    Editors' permissions for an editor, whatever its staff flag).
    """
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=False, is_superuser=False, representations__isnull=False)
        .filter(groups__isnull=True, user_permissions__isnull=True)
        .distinct()
        .order_by("username")
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "scope", "label", "created", "expiry"]
    list_filter = ["scope"]
    list_select_related = ["user"]
    search_fields = ["token_key", "label", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    fields = ["user", "scope", "label"]
    readonly_fields = ["token_key", "created", "expiry"]

    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        return tokens if request.user.is_superuser else tokens.filter(user__in=representatives())

    def get_autocomplete_fields(self, request):
        return self.autocomplete_fields if request.user.is_superuser else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = representatives()
            kwargs["help_text"] = _(
                "An owner’s representative: a superuser makes the tokens of other accounts."
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else ["token_key", *self.fields, "created", "expiry"]

    def has_change_permission(self, request, obj=None):
        # A token is made, read and deleted, never edited: a new scope or user is a new token.
        return False

    def has_delete_permission(self, request, obj=None):
        # get_queryset already hides the others' tokens; this also refuses a crafted deletion of one.
        allowed = super().has_delete_permission(request, obj)
        if obj is None or request.user.is_superuser:
            return allowed
        return allowed and representatives().filter(pk=obj.user_id).exists()

    def save_model(self, request, obj, form, change):
        obj.digest, obj.key = get_digest_token()
        obj.token_key = obj.key[: CONSTANTS.TOKEN_KEY_LENGTH]
        obj.expiry = get_expiry(knox_settings.TOKEN_TTL)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # Shown on this page rather than in a message, which would keep the key in a cookie or the session.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("API token made"),
            "token": obj,
        }
        return TemplateResponse(request, "admin/tracker/apitoken/made.html", context)
