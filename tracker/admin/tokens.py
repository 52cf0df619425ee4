"""
The admin of API tokens: a superuser makes one for an account and reads its key once, on the page
that follows; afterwards only the key's first characters, its scope and expiry show. Deleting a token
revokes it. Editors have no permission here: a token acts as its user, whoever that is.
"""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from knox.models import get_digest_token, get_expiry
from knox.settings import CONSTANTS, knox_settings

from ..models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "scope", "label", "created", "expiry"]
    list_filter = ["scope"]
    list_select_related = ["user"]
    search_fields = ["token_key", "label", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    fields = ["user", "scope", "label"]
    readonly_fields = ["token_key", "created", "expiry"]

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else ["token_key", *self.fields, "created", "expiry"]

    def has_change_permission(self, request, obj=None):
        # A token is made, read and deleted, never edited: a new scope or user is a new token.
        return False

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
