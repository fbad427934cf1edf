"""The one FilterSet of recourse claims, shared by the claims page and the API
(`?ticket=` id or number, `?party=`, `?status=`; the dashboards' drill-downs:
`settled_from`/`settled_to` (days, included), the case's `unit_tree`, `case_owner`,
`product_model`, `source` and `case_type`)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.filters import DrillDownFilters
from customers.models import Party
from tickets.models import RecourseClaim


class RecourseClaimFilterSet(DrillDownFilters, django_filters.FilterSet):
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
        method="filter_day_from", field_name="settled_at", widget=forms.HiddenInput
    )
    settled_to = django_filters.DateFilter(
        method="filter_day_to", field_name="settled_at", widget=forms.HiddenInput
    )
    unit_tree = django_filters.NumberFilter(
        method="filter_unit_tree",
        field_name="ticket__unit_id",
        widget=forms.HiddenInput,
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

    def filter_ticket(self, queryset, name, value):
        value = value.strip()
        lookup = Q(ticket__number=value)
        if value.isdigit():
            lookup |= Q(ticket_id=int(value))
        return queryset.filter(lookup)
