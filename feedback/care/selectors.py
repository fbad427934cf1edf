"""Reads of the care programmes: programmes, their runs and their touches (touches
permission-scoped by the customer archives the user may see)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from aftersales.models import User
from customers.models import Customer
from feedback.models import CareProgramme, CareRun, CareTouch


def care_programme_list(*, filters: dict[str, Any] | None = None) -> QuerySet:
    """Programmes with owner and the number of runs (a constant number of queries)."""
    programmes = (
        CareProgramme.objects.select_related("owner", "created_by")
        .prefetch_related("product_models")
        .annotate(run_count=Count("runs", distinct=True))
    )
    for name, value in (filters or {}).items():
        if value not in (None, ""):
            programmes = programmes.filter(**{name: value})
    return programmes


def care_programme_get(*, pk: int) -> CareProgramme:
    """One programme (404 otherwise)."""
    return get_object_or_404(care_programme_list(), pk=pk)


def care_run_list(*, programme: CareProgramme) -> QuerySet[CareRun]:
    """A programme's runs, newest first."""
    return programme.runs.select_related("actor").order_by("-started_at", "-pk")


def care_touch_list(*, user: User) -> QuerySet[CareTouch]:
    """Touches of the customers `user` may see, newest first."""
    return (
        CareTouch.objects.filter(customer__in=Customer.objects.visible_to(user))
        .select_related("programme", "customer", "product__model", "outbox_message")
        .order_by("-at", "-pk")
    )


def care_touch_counts(*, programme: CareProgramme) -> dict[str, int]:
    """A programme's touches by status and, for skips, by reason (one query)."""
    counts: dict[str, int] = {}
    rows = (
        CareTouch.objects.filter(programme=programme)
        .order_by()
        .values_list("status", "skip_reason")
        .annotate(n=Count("pk"))
    )
    for status, reason, n in rows:
        key = reason if status == CareTouch.Status.SKIPPED else status
        counts[key] = counts.get(key, 0) + n
    return counts


def customer_care_touches(*, customer: Customer) -> QuerySet[CareTouch]:
    """A customer's touches (the archive timeline)."""
    return (
        CareTouch.objects.filter(customer=customer)
        .select_related("programme", "product__model", "run__actor")
        .order_by("-at", "-pk")
    )
