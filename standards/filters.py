"""FilterSets of the standards app (pages and API)."""

import django_filters

from standards.models import ChangeRequest, StandardDocument, StandardVersion


class StandardDocumentFilterSet(django_filters.FilterSet):
    """Documents by kind and owner unit."""

    class Meta:
        model = StandardDocument
        fields = ["kind", "owner_unit", "owner"]


class StandardVersionFilterSet(django_filters.FilterSet):
    """Versions by status and standard."""

    standard = django_filters.NumberFilter(field_name="document")

    class Meta:
        model = StandardVersion
        fields = ["status", "standard"]


class ChangeRequestFilterSet(django_filters.FilterSet):
    """Change requests by standard and status."""

    standard = django_filters.NumberFilter(field_name="document")

    class Meta:
        model = ChangeRequest
        fields = ["status", "standard"]
