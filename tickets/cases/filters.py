"""FilterSets of the tickets app (queue page and API)."""

import django_filters
from django.utils import timezone

from tickets import workflow
from tickets.cases import selectors
from tickets.models import Ticket


class TicketFilterSet(django_filters.FilterSet):
    """status, type, priority, first_owner, handler, customer; overdue=true."""

    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Ticket
        fields = [
            "status",
            "type",
            "priority",
            "first_owner",
            "handler",
            "customer",
            "unit",
        ]

    def filter_overdue(self, queryset, name, value):
        condition = selectors.overdue_condition(timezone.now())
        open_cases = queryset.filter(status__in=workflow.OPEN_STATES)
        return open_cases.filter(condition) if value else queryset.exclude(condition)


class TicketQueueFilterSet(django_filters.FilterSet):
    """The queue page's filters (the same fields as the API's)."""

    class Meta:
        model = Ticket
        fields = ["status", "type", "priority"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
