"""The benchmark's URLconf: the product's URLs plus the bare JSON view, the baseline every
work unit is compared with (the same server, middleware and database connection)."""

from django.http import JsonResponse
from django.urls import path

from aftersales.urls import urlpatterns as product_urlpatterns


def bare(request):
    """A bare Django JSON view: no database, no template, no session read."""
    return JsonResponse({"ok": True})


# The product's patterns as they are (i18n_patterns cannot be include()d).
urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *product_urlpatterns]
