"""FilterSets of the cross-cutting app (shared by pages and API)."""

import django_filters

from aftersales.models import Unit, User
from aftersales.roles import Role


class UserFilterSet(django_filters.FilterSet):
    """Staff directory filters: `username`, `role`, `unit`."""

    username = django_filters.CharFilter(field_name="username")
    role = django_filters.ChoiceFilter(field_name="groups__name", choices=Role.choices)
    unit = django_filters.ModelChoiceFilter(
        field_name="memberships__unit", queryset=Unit.objects.all()
    )

    class Meta:
        model = User
        fields = ["username", "role", "unit"]


class UnitFilterSet(django_filters.FilterSet):
    """Unit filters: `kind`, `parent`."""

    class Meta:
        model = Unit
        fields = ["kind", "parent", "is_active"]
