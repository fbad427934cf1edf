"""FilterSets of the tickets app (queue page and API)."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.filters import DrillDownFilters, day_start
from standards.parameters import Channel
from tickets import workflow
from tickets.cases import selectors
from tickets.cases.services import CLOCK_LABELS
from tickets.models import CLOCK_DONE_FIELDS, Ticket


class CaseOfRowFilterSet(DrillDownFilters, django_filters.FilterSet):
    """The drill-down filters on the case a row belongs to (follow-ups, claims): its unit
    and the units below (`case_unit_tree`), first owner (`case_owner`), product model,
    channel (`source`) and type (`case_type`); hidden on the pages."""

    case_unit_tree = django_filters.NumberFilter(
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


class TicketFilterSet(DrillDownFilters, django_filters.FilterSet):
    """The one filter of cases, shared by the queue page and the API (NetBox's pattern):
    status, type, priority, first_owner, handler, customer, unit; overdue=true; and the
    dashboards' drill-downs: source, product_model, fault_code, unit_tree (a unit and the
    units below), opened_from/opened_to and resolved_from/resolved_to (days, included),
    open=true, open_at=<day> (open at the end of that day), reopened=true,
    clock_missed=<clock> (with clock_due_to: come due by the end of that day, as a past
    period counts it). The queue page shows `PAGE_FIELDS` in
    its filter bar and honours the others from the URL; the page's views (mine, my units,
    …), search and sort are the selector's and the view's."""

    PAGE_FIELDS = ("status", "type", "priority")

    overdue = django_filters.BooleanFilter(method="filter_overdue")
    source = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    product_model = django_filters.NumberFilter(
        field_name="product__model_id", label=_("Product model id")
    )
    fault_code = django_filters.CharFilter(label=_("Fault code"))
    unit_tree = django_filters.NumberFilter(
        method="filter_unit_tree",
        field_name="unit_id",
        label=_("Unit id, with the units below"),
    )
    opened_from = django_filters.DateFilter(
        method="filter_day_from", field_name="created_at", label=_("Opened from")
    )
    opened_to = django_filters.DateFilter(
        method="filter_day_to", field_name="created_at", label=_("Opened to")
    )
    resolved_from = django_filters.DateFilter(
        method="filter_day_from", field_name="resolved_at", label=_("Resolved from")
    )
    resolved_to = django_filters.DateFilter(
        method="filter_day_to", field_name="resolved_at", label=_("Resolved to")
    )
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open"))
    open_at = django_filters.DateFilter(
        method="filter_open_at", label=_("Open at the end of")
    )
    reopened = django_filters.BooleanFilter(
        method="filter_reopened", label=_("Reopened")
    )
    clock_missed = django_filters.ChoiceFilter(
        choices=[(clock, CLOCK_LABELS[clock]) for clock in CLOCK_DONE_FIELDS],
        method="filter_clock_missed",
        label=_("Clock missed"),
    )
    clock_due_to = django_filters.DateFilter(
        method="filter_clock_due_to", label=_("Clock due by")
    )

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

    def filter_open(self, queryset, name, value):
        states = sorted(workflow.OPEN_STATES)
        return (
            queryset.filter(status__in=states)
            if value
            else queryset.exclude(status__in=states)
        )

    def filter_open_at(self, queryset, name, value):
        """Cases open at the end of day `value` (a past period's backlog): opened before
        it and not resolved by then (open now, or resolved later), cancelled and
        duplicate cases left out."""
        end = day_start(value + timedelta(days=1))
        return (
            queryset.filter(created_at__lt=end)
            .filter(
                Q(status__in=sorted(workflow.OPEN_STATES)) | Q(resolved_at__gte=end)
            )
            .exclude(status__in=[workflow.TicketStatus.CANCELLED,
                                 workflow.TicketStatus.DUPLICATE])
        )  # fmt: skip

    def filter_reopened(self, queryset, name, value):
        return (
            queryset.filter(reopen_count__gt=0)
            if value
            else queryset.filter(reopen_count=0)
        )

    def filter_clock_missed(self, queryset, name, value):
        """Cases whose clock has come due (by now, and by the end of `clock_due_to` when
        given) and was not met by its due time."""
        due, done = f"{value}_due_at", CLOCK_DONE_FIELDS[value]
        until = timezone.now()
        last_day = self.form.cleaned_data.get("clock_due_to")
        if last_day is not None:
            until = min(until, day_start(last_day + timedelta(days=1)))
        return queryset.filter(
            has_sla=True, **{f"{due}__isnull": False, f"{due}__lt": until}
        ).filter(Q(**{f"{done}__isnull": True}) | Q(**{f"{done}__gt": F(due)}))

    def filter_clock_due_to(self, queryset, name, value):
        """Only a bound of clock_missed (filter_clock_missed reads it)."""
        return queryset

    def page_fields(self) -> list:
        """The bound fields of the queue page's filter bar, styled for it."""
        fields = [self.form[name] for name in self.PAGE_FIELDS]
        for field in fields:
            field.field.widget.attrs["class"] = "form-select form-select-sm"
        return fields
