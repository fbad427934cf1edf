"""API authentication (issue #14): tokens expire after AFTERSALES_TOKEN_DAYS and are
revoked when their owner's password changes (aftersales.models.User.set_password)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def token_expires_at(created: datetime) -> datetime:
    """When a token created at `created` stops working."""
    return created + timedelta(days=settings.AFTERSALES_TOKEN_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused (and deleted) once it is older than
    AFTERSALES_TOKEN_DAYS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expires_at(token.created) <= timezone.now():
            token.delete()
            raise AuthenticationFailed(
                _("The token has expired: ask for a new one at /api/v1/auth/token/.")
            )
        return user, token
