"""FilterSets of the tickets app (queue page and API)."""

import django_filters
from django.utils import timezone

from tickets import workflow
from tickets.cases import selectors
from tickets.models import Ticket


class TicketFilterSet(django_filters.FilterSet):
    """The one filter of cases, shared by the queue page and the API (NetBox's pattern):
    status, type, priority, first_owner, handler, customer, unit; overdue=true. The queue
    page shows `PAGE_FIELDS` in its filter bar and honours the others from the URL; the
    page's views (mine, my units, …), search and sort are the selector's and the view's."""

    PAGE_FIELDS = ("status", "type", "priority")

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

    def page_fields(self) -> list:
        """The bound fields of the queue page's filter bar, styled for it."""
        fields = [self.form[name] for name in self.PAGE_FIELDS]
        for field in fields:
            field.field.widget.attrs["class"] = "form-select form-select-sm"
        return fields
