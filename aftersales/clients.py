"""Who is asking (issue #14): the client's address behind the trusted proxies, the one
key of every per-address limit (django-ratelimit's `RATELIMIT_IP_META_KEY`, django-axes'
`AXES_CLIENT_IP_CALLABLE`), and the one sign-in budget per address that the staff
sign-in, the admin's and the API token share."""

from __future__ import annotations

from django.conf import settings
from django_ratelimit.core import is_ratelimited


def client_ip(request) -> str:
    """REMOTE_ADDR; behind `AFTERSALES_TRUSTED_PROXIES` proxies (each appends the
    address it received the request from to X-Forwarded-For), the address the first
    trusted proxy saw: the N-th from the right of X-Forwarded-For. Addresses further
    left were written by the client and are not believed."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "AFTERSALES_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote  # not through all our proxies: what connected is all we know
    return forwarded[-proxies]


def axes_client_ip(request, *args, **kwargs) -> str:
    """`client_ip` for django-axes (which may pass the credentials too)."""
    return client_ip(request)


SIGN_IN_GROUP = "sign-in"  # one budget per client address for every sign-in path


def sign_in_limited(request) -> bool:
    """Counts this sign-in attempt against the client address's budget (staff sign-in,
    admin and API token share it: settings.LOGIN_RATE_LIMIT) and tells whether it is
    spent."""
    return is_ratelimited(
        request,
        group=SIGN_IN_GROUP,
        key="ip",
        rate=settings.LOGIN_RATE_LIMIT,
        method="POST",
        increment=True,
    )
