"""The one FilterSet of recourse claims, shared by the claims page and the API
(`?ticket=` id or number, `?party=`, `?status=`; the dashboards' drill-downs:
`settled_from`/`settled_to` (days, included), the case's `case_unit_tree`, `case_owner`,
`product_model`, `source` and `case_type`)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Party
from tickets.cases.filters import CaseOfRowFilterSet
from tickets.models import RecourseClaim


class RecourseClaimFilterSet(CaseOfRowFilterSet):
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

    class Meta:
        model = RecourseClaim
        fields = ["ticket", "party", "status"]

    def filter_ticket(self, queryset, name, value):
        value = value.strip()
        lookup = Q(ticket__number=value)
        if value.isdigit():
            lookup |= Q(ticket_id=int(value))
        return queryset.filter(lookup)
