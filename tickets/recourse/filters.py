"""The one FilterSet of recourse claims, shared by the claims page and the API
(`?ticket=` id or number, `?party=`, `?status=`)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Party
from tickets.models import RecourseClaim


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

    class Meta:
        model = RecourseClaim
        fields = ["ticket", "party", "status"]

    def filter_ticket(self, queryset, name, value):
        value = value.strip()
        lookup = Q(ticket__number=value)
        if value.isdigit():
            lookup |= Q(ticket_id=int(value))
        return queryset.filter(lookup)
