"""The KPI roll-up (dashboards.models, services.kpi_rollup*, measures.settled): the settled
counters of the days it holds are read from its facts, the other days (today, days not
rolled up) live (the same figures either way: test_rollup_demo.py); a day rolled up keeps
its figures until it is rolled up again; the catch-up fills every missing day and the
trailing ones; the command and the nightly job. Cases are made through the services at
their moment (time-machine)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.models import JobRun
from dashboards import kpis, measures, selectors, services
from dashboards.measures import Scope
from dashboards.models import KpiFact, KpiFaultFact, KpiRollupDay
from standards.parameters import CaseType
from tests.customers.factories import product_model
from tests.dashboards import test_kpis
from tests.dashboards.test_kpis import at, opened, registered, scope_of, travel
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

# The KPI tests' people, units and standard (fixtures).
org = test_kpis.org
quality_user = test_kpis.quality_user
standard = test_kpis.standard
zhang = test_kpis.zhang


def live_counters(scope: Scope) -> dict:
    """Every counter counted from the cases alone (no roll-up read)."""
    result: dict = {}
    for name in selectors.ALL_MEASURES:
        result.update(getattr(measures, name)(scope))
    result.update(
        measures.response_percentiles(
            scope, responded=result["responded"], timed=result["timed"]
        )
    )
    return kpis.derive(result)


# --- A day rolled up, today live ------------------------------------------------------------

MARCH_10 = date(2026, 3, 10)


def test_a_rolled_up_day_reads_its_facts_and_today_is_live(zhang, agent_user):
    repair = opened(agent_user, at(2026, 3, 10, 10), zhang)
    opened(agent_user, at(2026, 3, 10, 11), zhang, type=CaseType.COMPLAINT)
    services.kpi_rollup(first=MARCH_10, last=MARCH_10, now=at(2026, 3, 11, 1, 30))
    assert KpiRollupDay.objects.filter(day=MARCH_10).exists()
    # a case opened "today" (the 11th) is counted at once
    opened(agent_user, at(2026, 3, 11, 9), zhang, type=CaseType.COMPLAINT)
    scope = scope_of(MARCH_10, date(2026, 3, 11), now=at(2026, 3, 11, 12))
    assert measures.with_rollup(scope).rolled == frozenset({MARCH_10})
    figures = selectors.counters(scope)
    assert (figures["opened"], figures["complaints"], figures["repairs"]) == (3, 2, 1)

    # the 10th is read from its facts: a correction made later shows once it is rolled
    # up again (the nightly job re-rolls the trailing days)
    Ticket.objects.filter(pk=repair.pk).update(type=CaseType.COMPLAINT)
    assert selectors.counters(scope)["complaints"] == 2
    assert live_counters(scope)["complaints"] == 3
    services.kpi_rollup(first=MARCH_10, last=MARCH_10, now=at(2026, 3, 11, 13))
    assert selectors.counters(scope)["complaints"] == 3


def test_today_and_a_period_not_starting_at_midnight_are_never_read_from_facts(
    zhang, agent_user
):
    opened(agent_user, at(2026, 3, 10, 10), zhang)
    # today is not rolled up
    assert services.kpi_rollup(
        first=MARCH_10, last=MARCH_10, now=at(2026, 3, 10, 23)
    ) == 0  # fmt: skip
    assert not KpiRollupDay.objects.exists()
    services.kpi_rollup(first=MARCH_10, last=MARCH_10, now=at(2026, 3, 12))
    scope = scope_of(MARCH_10, MARCH_10, now=at(2026, 3, 12))
    assert measures.with_rollup(scope).rolled
    odd = replace(scope, start=scope.start + timedelta(hours=1))
    assert measures.with_rollup(odd).rolled == frozenset()


def test_the_facts_keep_the_keys_of_the_case(zhang, agent_user, org):
    case = opened(agent_user, at(2026, 3, 10, 10), zhang, type=CaseType.COMPLAINT)
    services.kpi_rollup(first=MARCH_10, last=MARCH_10, now=at(2026, 3, 12))
    fact = KpiFact.objects.get(opened=1)
    assert (fact.day, fact.unit_id, fact.person_id, fact.channel, fact.case_type) == (
        MARCH_10, case.unit_id, agent_user.pk, case.source, CaseType.COMPLAINT,
    )  # fmt: skip
    assert fact.complaints == 1
    assert fact.completed == 0
    # narrowed to another person or unit, the fact drops out, as the case does live
    now = at(2026, 3, 12)
    other = scope_of(MARCH_10, MARCH_10, now=now, user_id=agent_user.pk + 999)
    assert selectors.counters(other)["opened"] == 0
    north = scope_of(MARCH_10, MARCH_10, now=now, unit_ids=(org["br2"].pk,))
    assert selectors.counters(north)["opened"] == 0
    mine = scope_of(MARCH_10, MARCH_10, now=now, user_id=agent_user.pk)
    assert selectors.counters(mine)["complaints"] == 1


def test_the_pareto_reads_the_fault_facts_of_the_days_held(zhang, agent_user):
    washer = product_model(actor=agent_user, code="W-1", category="washing_machine")
    item = registered(agent_user, zhang, washer, "P-1", date(2026, 3, 1))
    for hour in (9, 10):
        opened(agent_user, at(2026, 3, 10, hour), zhang, product=item, fault_code="E1")
    opened(agent_user, at(2026, 3, 11, 9), zhang, product=item, fault_code="E2")
    services.kpi_rollup(first=MARCH_10, last=MARCH_10, now=at(2026, 3, 11, 12))
    fact = KpiFaultFact.objects.get()
    assert (fact.day, fact.product_model_id, fact.fault_code, fact.cases) == (
        MARCH_10, item.model_id, "E1", 2,
    )  # fmt: skip
    scope = measures.with_rollup(
        scope_of(MARCH_10, date(2026, 3, 11), now=at(2026, 3, 11, 12))
    )
    rows = [(r["fault_code"], r["cases"]) for r in measures.fault_pareto(scope)]
    assert rows == [("E1", 2), ("E2", 1)]
    # narrowed to a channel: the cases alone (the facts have none), the same rows
    by_channel = replace(scope, channel=Ticket.objects.first().source)
    assert measures.fault_pareto(by_channel) == measures.fault_pareto(scope)


def test_the_number_of_queries_does_not_grow_with_the_facts(zhang, agent_user):
    for day in (10, 11):
        opened(agent_user, at(2026, 3, day, 10), zhang)
    services.kpi_rollup(
        first=MARCH_10, last=date(2026, 3, 11), now=at(2026, 3, 20)
    )  # fmt: skip
    scope = scope_of(MARCH_10, date(2026, 3, 20), now=at(2026, 3, 20, 12))
    with CaptureQueriesContext(connection) as small:
        selectors.counters(scope)
    for day in range(12, 20):
        for hour in (9, 10, 11):
            opened(agent_user, at(2026, 3, day, hour), zhang)
    services.kpi_rollup(
        first=MARCH_10, last=date(2026, 3, 19), now=at(2026, 3, 20)
    )  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        figures = selectors.counters(scope)
    assert figures["opened"] == 2 + 8 * 3
    assert len(large.captured_queries) == len(small.captured_queries)


# --- The catch-up, the job, the command -----------------------------------------------------


def test_the_catch_up_fills_the_missing_days_and_the_trailing_ones(zhang, agent_user):
    opened(agent_user, at(2026, 3, 1, 10), zhang)
    opened(agent_user, at(2026, 3, 5, 10), zhang)
    with travel(at(2026, 3, 20, 1, 30)):
        rolled = services.kpi_rollup_catch_up(now=at(2026, 3, 20, 1, 30))
    # from the first case's day to yesterday
    assert rolled == 19
    assert KpiRollupDay.objects.count() == 19
    assert KpiFact.objects.filter(day__lte=date(2026, 3, 5)).count() == 2
    # the next night: the new day and the trailing week again
    rolled = services.kpi_rollup_catch_up(now=at(2026, 3, 21, 1, 30))
    assert rolled == services.ROLLUP_TRAILING_DAYS
    assert KpiRollupDay.objects.count() == 20
    # a day lost is found again, and everything since it rolled up
    KpiRollupDay.objects.filter(day=date(2026, 3, 3)).delete()
    assert services.kpi_rollup_catch_up(now=at(2026, 3, 21, 1, 30)) == 18


def test_the_nightly_job_is_recorded_and_the_command_rolls_up_the_days_asked(
    zhang, agent_user
):
    opened(agent_user, at(2026, 3, 10, 10), zhang)
    with travel(at(2026, 3, 12, 1, 30)):
        assert services.kpi_rollup_nightly(now=at(2026, 3, 12, 1, 30)) == 2
    run = JobRun.objects.get(name="kpi_rollup")
    assert (run.status, run.items) == (JobRun.Status.SUCCEEDED, 2)

    with travel(at(2026, 3, 20, 9)):
        call_command("kpi_rollup", "--from", "2026-03-10", "--to", "2026-03-15")
    assert set(KpiRollupDay.objects.values_list("day", flat=True)) == {
        date(2026, 3, 10) + timedelta(days=n) for n in range(6)
    }
    with pytest.raises(CommandError, match="Not a day"):
        call_command("kpi_rollup", "--from", "10 March")
    with pytest.raises(CommandError, match="after"):
        call_command("kpi_rollup", "--from", "2026-03-15", "--to", "2026-03-10")
