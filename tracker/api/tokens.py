"""
Token authentication for the API: `Authorization: Token <key>`, checked against the digests
django-rest-knox stores (tracker/models/tokens.py). An expired, revoked or unknown key answers 401; a
read-scoped key on a write answers 403, whatever the view's own permissions.
"""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

# Keys are hexadecimal: knox's 64 characters, or the 40 of the DRF tokens made before it (kept by the
# migration *_api_tokens). Anything else is refused before a query, where a NUL would be a server error.
KEY = re.compile(rb"[0-9a-f]{40,64}")


class TokenAuthentication(auth.TokenAuthentication):
    def authenticate(self, request):
        user_and_token = super().authenticate(request)
        # Checked here rather than in each view's permission_classes, so that no view can forget it.
        if user_and_token is not None and not user_and_token[1].allows(request.method):
            raise PermissionDenied(_("This token may only read. Writing needs a token with the write scope."))
        return user_and_token

    def authenticate_credentials(self, token: bytes):
        if not KEY.fullmatch(token):
            raise AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)


class TokenScheme(KnoxTokenScheme):
    """The schema's name for it stays DRF's, which clients of the schema may already know."""

    target_class = TokenAuthentication
    name = "tokenAuth"
