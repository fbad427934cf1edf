"""FilterSets of the voice loop, shared by the list pages and the API."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import Unit
from feedback.models import FeedbackItem, ImprovementAction, QaRecall, QualityNotice


class FeedbackItemFilterSet(django_filters.FilterSet):
    """status, source, customer; overdue=true (open and past the reply due date)."""

    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = FeedbackItem
        fields = ["status", "source", "customer"]

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        late = queryset.filter(
            status__in=FeedbackItem.OPEN_STATES, reply_due_on__lt=today
        )
        return late if value else queryset.exclude(pk__in=late.values("pk"))


class QualityNoticeFilterSet(django_filters.FilterSet):
    """product_model, period_start (the month's first day), unit (addressed unit),
    acknowledged=false (some addressed unit has not acknowledged)."""

    unit = django_filters.ModelChoiceFilter(
        field_name="recipients__unit", queryset=Unit.objects.all(), label=_("Unit")
    )
    acknowledged = django_filters.BooleanFilter(
        method="filter_acknowledged", label=_("Acknowledged by all")
    )

    class Meta:
        model = QualityNotice
        fields = ["product_model", "period_start", "unit"]

    def filter_acknowledged(self, queryset, name, value):
        pending = queryset.filter(recipients__acknowledged_at__isnull=True).values("pk")
        return (
            queryset.exclude(pk__in=pending)
            if value
            else queryset.filter(pk__in=pending)
        )


class QaRecallFilterSet(django_filters.FilterSet):
    """status, sampled_on, is_mismatch."""

    class Meta:
        model = QaRecall
        fields = ["status", "sampled_on", "is_mismatch"]


class ImprovementActionFilterSet(django_filters.FilterSet):
    """status, unit, owner, notice; kpi_key (the KPI a breach action answers);
    source=kpi|notice."""

    source = django_filters.ChoiceFilter(
        choices=[("kpi", _("A KPI breach")), ("notice", _("A quality notice"))],
        method="filter_source",
        label=_("Answers"),
    )

    class Meta:
        model = ImprovementAction
        fields = ["status", "unit", "owner", "notice", "kpi_key"]

    def filter_source(self, queryset, name, value):
        if value == "kpi":
            return queryset.exclude(kpi_key="")
        return queryset.filter(kpi_key="")
