"""Request middleware of the project: the signed-in person's language (issue #13: pages
without a language prefix are shown in the language on their profile, `User.language`,
which the language switcher keeps; a prefixed page, /zh-hans/…, is always in its
language, and an anonymous visitor gets the company's default), and the refusal of NUL
characters in requests (issue #14)."""

from __future__ import annotations

import time
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.urls import LocalePrefixPattern, URLResolver, get_resolver
from django.utils import translation
from django.utils.translation import gettext as _


@lru_cache(maxsize=8)
def _outside_i18n(urlconf: str) -> tuple[str, ...]:
    """The path prefixes of a URLconf's routes outside i18n_patterns (the API, /healthz,
    the language switch…): they keep LocaleMiddleware's choice, and their requests never
    load the user for it."""
    prefixes: list[str] = []

    def walk(patterns, base: str) -> None:
        for entry in patterns:
            pattern = entry.pattern
            if isinstance(pattern, LocalePrefixPattern):
                continue
            route = base + str(pattern).lstrip("^").rstrip("$")
            if isinstance(entry, URLResolver) and not str(pattern):
                walk(entry.url_patterns, base)  # an include() without a prefix
            else:
                prefixes.append("/" + route)

    walk(get_resolver(urlconf).url_patterns, "")
    return tuple(prefixes)


def language_path(path: str, language: str) -> str:
    """`path` of a page in `language`: without a language prefix for the default
    language, else under `/<language>/` (any prefix it had is replaced)."""
    for code, _name in settings.LANGUAGES:
        prefix = f"/{code}/"
        if path.startswith(prefix):
            path = "/" + path[len(prefix) :]
            break
    if not path.startswith("/") or language == settings.LANGUAGE_CODE:
        return path
    return f"/{language}{path}"


def unprefixed(path: str) -> str:
    """`path` without its language prefix: opened by a signed-in person, it is shown in
    their own language."""
    return language_path(path, settings.LANGUAGE_CODE)


class ProfileLanguageMiddleware:
    """After AuthenticationMiddleware: an unprefixed page for a signed-in person is in
    their profile's language. Switched once the URL is resolved (`process_view`): the
    unprefixed patterns only match while the default language is active."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
        if (
            user is not None
            and not request.path_info.startswith(_outside_i18n(urlconf))
            and translation.get_language_from_path(request.path_info) is None
            and user.is_authenticated
            and user.language in self.languages
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return


class RejectNullBytesMiddleware:
    """A NUL character anywhere in a request's path, query, form fields or JSON body is
    refused with a 400 (issue #14): PostgreSQL cannot store one in text, so it would end
    as a 500 at the first query that uses it. File contents are not looked at (a PNG
    holds NUL bytes); their names are checked by the upload code."""

    JSON_NUL = (b"\\u0000", b"\\U0000", b"\x00")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._holds_nul(request):
            message = _("The request holds a NUL character, which is never valid here.")
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain")
        return self.get_response(request)

    def _holds_nul(self, request) -> bool:
        if "\x00" in request.path_info:
            return True
        if any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return True
        if request.method not in {"POST", "PUT", "PATCH"}:
            return False
        content_type = request.content_type or ""
        if content_type == "application/json" or content_type.endswith("+json"):
            body = request.body
            return any(mark in body for mark in self.JSON_NUL)
        if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            return any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.POST.lists()
            )
        return False


class RequestSizeLimitMiddleware:
    """A request whose declared body is larger than settings.AFTERSALES_MAX_REQUEST_BYTES
    (the largest form there is: three portal photos at the attachment limit, and some
    room) is answered 413 before a byte of it is read (issue #14: an anonymous 60 MB POST
    was read in full). Put the same limit in front, at the web server (README)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = max_request_bytes()
        if declared > limit:
            message = _("The request is larger than %(mb)s MB.") % {
                "mb": f"{limit / 1024 / 1024:g}"
            }
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain")
        return self.get_response(request)


def max_request_bytes() -> int:
    """The largest request body accepted (bytes)."""
    return int(settings.AFTERSALES_MAX_REQUEST_BYTES)


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header (settings.PERMISSIONS_POLICY) on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


RENEW_EVERY_SECONDS = 300


def session_seen(sender, request, user, **kwargs) -> None:
    """user_logged_in: the session starts as seen now (its first pages write nothing)."""
    if request is not None and hasattr(request, "session"):
        request.session["seen"] = int(time.time())


class SessionActivityMiddleware:
    """The idle timeout of a signed-in session (SESSION_COOKIE_AGE from the last save):
    each page a signed-in person opens renews the session, at most every
    RENEW_EVERY_SECONDS (a write per request would cost every page), so a session ends
    after SESSION_COOKIE_AGE without a page. Routes outside the pages (the API, health)
    are not looked at."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
        user = getattr(request, "user", None)
        if (
            user is None
            or request.path_info.startswith(_outside_i18n(urlconf))
            or not user.is_authenticated
        ):
            return
        now = int(time.time())
        if now - int(request.session.get("seen", 0)) >= RENEW_EVERY_SECONDS:
            request.session["seen"] = now  # saved, with a fresh expiry
        return
