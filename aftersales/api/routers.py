"""The API's router: ids are numbers (issue #14). A viewset that looks rows up by its
primary key gets `\\d+` as its id pattern, so `/api/v1/attachments/abc/` is a 404 from
the URL resolver rather than a query with a text id (a 500 on some views); a viewset that
takes another id (a case number) names its own `lookup_value_regex`."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter, SimpleRouter


class _NumericIds:
    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        if getattr(viewset, "lookup_value_regex", None) is None and getattr(
            viewset, "lookup_field", "pk"
        ) in {"pk", "id"}:
            lookup = getattr(viewset, "lookup_url_kwarg", None) or viewset.lookup_field
            return f"(?P<{lookup_prefix}{lookup}>[0-9]+)"
        return super().get_lookup_regex(viewset, lookup_prefix)


class Router(_NumericIds, SimpleRouter):
    """SimpleRouter with numeric ids."""


class RootRouter(_NumericIds, DefaultRouter):
    """DefaultRouter (with the API root) with numeric ids."""
