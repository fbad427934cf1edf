"""Authentication backends (issue #14)."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check on every sign-in that comes with a request (the staff
    sign-in, the admin, the API token). An authentication without a request is the
    code's own (a management command, `Client.login` in tests), where no one can guess
    passwords, and is left to the model backend."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(
            request, username=username, password=password, **kwargs
        )
