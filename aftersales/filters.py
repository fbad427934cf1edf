"""FilterSets of the cross-cutting app (shared by pages and API), and the filter methods
the lists the dashboards drill down to share (days, a unit with the units below)."""

from datetime import date, datetime, time, timedelta

import django_filters
from django.utils import timezone

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


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the current time zone."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class DrillDownFilters:
    """Filter methods of the lists behind the dashboards' figures (cases, follow-ups,
    claims): `filter_day_from` / `filter_day_to` on the date-time field `name` (days,
    both included) and `filter_unit_tree` on the unit field `name` (the unit and the
    units below)."""

    def filter_day_from(self, queryset, name, value):
        return queryset.filter(**{f"{name}__gte": day_start(value)})

    def filter_day_to(self, queryset, name, value):
        return queryset.filter(**{f"{name}__lt": day_start(value + timedelta(days=1))})

    def filter_unit_tree(self, queryset, name, value):
        unit = Unit.objects.filter(pk=value).first()
        if unit is None:
            return queryset.none()
        subtree = Unit.objects.subtree_of([unit]).values("pk")
        return queryset.filter(**{f"{name}__in": subtree})
