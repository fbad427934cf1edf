"""The KPI roll-up on the demo data (which runs it): every day from the first case to
yesterday is held, and the figures read from the facts are those counted from the cases,
for every period kind (current and previous), narrowed or not, and the satisfaction
trend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from aftersales.models import Unit, User
from customers.models import ProductModel
from dashboards import measures, periods, selectors
from dashboards.measures import Scope
from dashboards.models import KpiFact, KpiRollupDay
from standards.parameters import CaseType
from tests.dashboards.test_kpis import SHANGHAI
from tests.dashboards.test_rollup import live_counters
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data set, once for the module, in a transaction rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_data", verbosity=0)
        yield
        transaction.set_rollback(True)


def demo_scopes():
    now = timezone.now()
    today = now.astimezone(SHANGHAI).date()
    branch = Unit.objects.filter(kind="branch").order_by("pk").first()
    subtree = tuple(Unit.objects.subtree_of([branch]).values_list("pk", flat=True))
    agent = User.objects.get(username="agent").pk
    model = ProductModel.objects.order_by("pk").first().pk
    filters = (
        {},
        {"unit_ids": subtree},
        {"unit_ids": subtree, "case_type": CaseType.REPAIR},
        {"user_id": agent},
        {"product_model_id": model, "channel": "phone"},
    )
    for kind in ("day", "week", "month", "quarter"):
        current = periods.period_containing(kind, today)
        for period in (current, current.previous()):
            start, end = period.span(SHANGHAI)
            for narrowed in filters:
                yield Scope(start=start, end=end, now=now, **narrowed)


def test_the_demo_is_rolled_up_and_its_figures_are_those_of_the_cases(demo):
    # the demo ran the roll-up: every day from its first case to yesterday is held
    first_case = Ticket.objects.order_by("created_at").first().created_at
    yesterday = timezone.now().astimezone(SHANGHAI).date() - timedelta(days=1)
    days = (yesterday - first_case.astimezone(SHANGHAI).date()).days + 1
    assert KpiRollupDay.objects.count() == days
    assert KpiFact.objects.exists()

    compared = 0
    for scope in demo_scopes():
        rolled = measures.with_rollup(scope)
        figures = selectors.counters(scope)
        assert figures == live_counters(scope), scope
        # the Pareto of fault codes: the fault facts and the cases agree
        assert measures.fault_pareto(rolled) == measures.fault_pareto(scope), scope
        compared += bool(rolled.rolled)
    # most periods were read (at least in part) from the facts
    assert compared >= 16


def test_the_trend_from_the_facts_is_the_trend_of_the_cases(demo):
    now = timezone.now()
    today = now.astimezone(SHANGHAI).date()
    months = [periods.period_containing("month", today)]
    for _ in range(5):
        months.insert(0, months[0].previous())
    base = Scope(start=now, end=now, now=now)
    with_facts = selectors.voice_trend(base, months)
    held = list(KpiRollupDay.objects.values_list("day", "rolled_at"))
    KpiRollupDay.objects.all().delete()  # nothing held: every follow-up counted live
    try:
        live = selectors.voice_trend(base, months)
    finally:
        KpiRollupDay.objects.bulk_create(
            [KpiRollupDay(day=day, rolled_at=when) for day, when in held]
        )
    assert with_facts == live
    assert sum(row["completed"] for row in live) > 0
