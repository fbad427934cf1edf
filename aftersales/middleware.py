"""The signed-in person's language (issue #13): pages without a language prefix are
shown in the language on their profile (`User.language`), which the language switcher
keeps; a prefixed page (/zh-hans/…) is always in its language, and an anonymous visitor
gets the company's default."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

# Paths outside i18n_patterns: they keep LocaleMiddleware's choice.
UNPREFIXED_PATHS = ("/api/", "/healthz", "/i18n/", "/static/", "/media/")


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
        if (
            user is not None
            and user.is_authenticated
            and user.language in self.languages
            and not request.path_info.startswith(UNPREFIXED_PATHS)
            and translation.get_language_from_path(request.path_info) is None
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return
