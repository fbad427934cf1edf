"""FilterSets of the follow-up worklist and API (one class for both)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from feedback.models import FollowUp
from tickets.cases.filters import CaseOfRowFilterSet


class FollowUpFilterSet(CaseOfRowFilterSet):
    """status, kind, result, ticket (id), customer (id), assigned_to (`me` or a user id),
    due_before (date or date-time: due at or before); the dashboards' drill-downs:
    completed_from/completed_to and due_from/due_to (days, included), has_case=true,
    unit_tree and assignee (the follow-up's), case_unit_tree and case_owner (its case's),
    product_model, source and case_type (its case's)."""

    ticket = django_filters.NumberFilter(field_name="ticket_id", label=_("Case id"))
    customer = django_filters.NumberFilter(
        field_name="customer_id", label=_("Customer id")
    )
    assigned_to = django_filters.CharFilter(
        method="filter_assigned_to", label=_("Assigned to (me or a user id)")
    )
    due_before = django_filters.DateTimeFilter(
        field_name="due_at", lookup_expr="lte", label=_("Due before")
    )
    status = django_filters.ChoiceFilter(
        choices=FollowUp.Status.choices, label=pgettext_lazy("follow-up", "Status")
    )
    kind = django_filters.ChoiceFilter(choices=FollowUp.Kind.choices, label=_("Kind"))
    result = django_filters.ChoiceFilter(
        choices=FollowUp.Result.choices, label=_("Result")
    )

    completed_from = django_filters.DateFilter(
        method="filter_day_from", field_name="completed_at", widget=forms.HiddenInput
    )
    completed_to = django_filters.DateFilter(
        method="filter_day_to", field_name="completed_at", widget=forms.HiddenInput
    )
    due_from = django_filters.DateFilter(
        method="filter_day_from", field_name="due_at", widget=forms.HiddenInput
    )
    due_to = django_filters.DateFilter(
        method="filter_day_to", field_name="due_at", widget=forms.HiddenInput
    )
    has_case = django_filters.BooleanFilter(
        field_name="ticket",
        lookup_expr="isnull",
        exclude=True,
        widget=forms.HiddenInput,
    )
    # Follow-up work: the follow-up's own unit (and the units below) and assignee.
    unit_tree = django_filters.NumberFilter(
        method="filter_unit_tree", field_name="unit_id", widget=forms.HiddenInput
    )
    assignee = django_filters.NumberFilter(
        field_name="assigned_to_id", widget=forms.HiddenInput
    )
    # Outcomes: the case's unit and first owner; both: the case's model, channel and
    # type (CaseOfRowFilterSet).

    class Meta:
        model = FollowUp
        fields = [
            "status",
            "kind",
            "result",
            "ticket",
            "customer",
            "assigned_to",
            "due_before",
        ]

    def filter_assigned_to(self, queryset, name, value):
        value = value.strip()
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(assigned_to=user) if user else queryset.none()
        if value.isdigit():
            return queryset.filter(assigned_to_id=int(value))
        return queryset.none()


class WorklistFilterSet(FollowUpFilterSet):
    """The worklist page's filters (a subset of the API's, same meaning)."""

    class Meta(FollowUpFilterSet.Meta):
        fields = ["status", "kind", "result"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("ticket", "customer", "assigned_to", "due_before"):
            self.filters.pop(name, None)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
