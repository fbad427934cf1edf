"""The one FilterSet of recourse claims, shared by the claims page and the API
(`?ticket=` id or number, `?party=`, `?status=`; the dashboards' drill-downs:
`settled_from`/`settled_to` (days, included), the case's `unit_tree`, `case_owner`,
`product_model`, `source` and `case_type`)."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import Unit
from customers.models import Party
from tickets.models import RecourseClaim


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class RecourseClaimFilterSet(django_filters.FilterSet):
    """ticket (id or number), party, status."""

    ticket = django_filters.CharFilter(
        method="filter_ticket", label=_("Case (id or number)")
    )
    party = django_filters.ModelChoiceFilter(
        queryset=Party.objects.all(), label=_("Liable party")
    )
    status = django_filters.ChoiceFilter(
        choices=RecourseClaim.Status.choices, label=_("Status")
    )

    settled_from = django_filters.DateFilter(
        method="filter_settled_from", widget=forms.HiddenInput
    )
    settled_to = django_filters.DateFilter(
        method="filter_settled_to", widget=forms.HiddenInput
    )
    unit_tree = django_filters.NumberFilter(
        method="filter_unit_tree", widget=forms.HiddenInput
    )
    case_owner = django_filters.NumberFilter(
        field_name="ticket__first_owner_id", widget=forms.HiddenInput
    )
    product_model = django_filters.NumberFilter(
        field_name="ticket__product__model_id", widget=forms.HiddenInput
    )
    source = django_filters.CharFilter(
        field_name="ticket__source", widget=forms.HiddenInput
    )
    case_type = django_filters.CharFilter(
        field_name="ticket__type", widget=forms.HiddenInput
    )

    class Meta:
        model = RecourseClaim
        fields = ["ticket", "party", "status"]

    def filter_settled_from(self, queryset, name, value):
        return queryset.filter(settled_at__gte=_day_start(value))

    def filter_settled_to(self, queryset, name, value):
        return queryset.filter(settled_at__lt=_day_start(value + timedelta(days=1)))

    def filter_unit_tree(self, queryset, name, value):
        """Claims of cases of the unit `value` and the units below."""
        unit = Unit.objects.filter(pk=value).first()
        if unit is None:
            return queryset.none()
        subtree = Unit.objects.subtree_of([unit]).values("pk")
        return queryset.filter(ticket__unit_id__in=subtree)

    def filter_ticket(self, queryset, name, value):
        value = value.strip()
        lookup = Q(ticket__number=value)
        if value.isdigit():
            lookup |= Q(ticket_id=int(value))
        return queryset.filter(lookup)
