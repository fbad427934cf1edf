"""The benchmark's URLconf: the product's URLs plus the bare JSON view, the baseline every
work unit is compared with (the same server, middleware and database connection)."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.response import Response

from aftersales.urls import urlpatterns as product_urlpatterns


def bare(request):
    """A bare Django JSON view: no database, no template, no session read."""
    return JsonResponse({"ok": True})


@login_required
def shell(request):
    """The floor of every page: the product's shell alone (navigation, unread badge,
    language switcher) for a signed-in user, with no content of its own."""
    return render(request, "base.html")


@api_view(["GET"])
def me(request):
    """The floor of every API call: the API's authentication and permission checks, and
    the signed-in user's name as JSON."""
    return Response({"username": request.user.username})


# The product's patterns as they are (i18n_patterns cannot be include()d).
urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/shell/", shell, name="bench-shell"),
    path("bench/me/", me, name="bench-me"),
    *product_urlpatterns,
]
