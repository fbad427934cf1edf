"""Drill-downs that follow the KPI's own attribution: a past period's backlog lists the
cases open at its end (not those open now), and the follow-up outcomes of a person list
the follow-ups of that person's cases, the recourse figures the claims settled in the
period; the lists (through the APIs, which share the
pages' filters) hold as many rows as the KPI counts. Every case and follow-up is made
through the services at its moment (time-machine)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest

from customers import services as archive_services
from customers.models import Party
from dashboards import drilldown, kpis, selectors
from tests.dashboards import test_kpis
from tests.dashboards.test_kpis import (
    AFTER_MARCH,
    MARCH,
    A,
    answered,
    at,
    claim_settled,
    fire,
    opened,
    resolved,
    scope_of,
    served,
    travel,
)
from tickets.cases import services as case_services

pytestmark = pytest.mark.django_db

# The KPI tests' people, units and standard (fixtures).
org = test_kpis.org
quality_user = test_kpis.quality_user
standard = test_kpis.standard
zhang = test_kpis.zhang
visitor = test_kpis.visitor
north_agent = test_kpis.north_agent
manager_api = test_kpis.manager_api

DRILL = {kpi.key: kpi.drill for kpi in kpis.CATALOGUE}


def listed(api, list_url: str, api_path: str) -> int:
    """How many rows the list behind `list_url` holds (its query on `api_path`)."""
    with travel(AFTER_MARCH):
        response = api.get(f"{api_path}?{urlsplit(list_url).query}")
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_a_past_periods_backlog_lists_the_cases_open_at_its_end(
    zhang, agent_user, manager_api
):
    # open at the end of March: resolved in April, and still open
    late = opened(agent_user, at(2026, 3, 5, 10), zhang)
    fire(late, agent_user, A.ACKNOWLEDGE, at(2026, 3, 5, 11))
    resolved(late, agent_user, at(2026, 4, 2, 10))
    opened(agent_user, at(2026, 3, 6, 10), zhang)
    # not open then: resolved in March, cancelled, opened in April
    early = opened(agent_user, at(2026, 3, 7, 10), zhang)
    fire(early, agent_user, A.ACKNOWLEDGE, at(2026, 3, 7, 11))
    resolved(early, agent_user, at(2026, 3, 20, 10))
    dropped = opened(agent_user, at(2026, 3, 8, 10), zhang)
    with travel(at(2026, 3, 9, 10)):
        case_services.ticket_transition(
            ticket=dropped, action=A.CANCEL, actor=agent_user, note="Duplicate call."
        )
    opened(agent_user, at(2026, 4, 3, 10), zhang)

    scope = scope_of(*MARCH, now=AFTER_MARCH)
    backlog = selectors.kpi_report(scope).values["backlog"]
    link = drilldown.url_for(DRILL["backlog"], scope)

    assert backlog.value == 2
    assert "open_at=2026-03-31" in link
    assert "open=true" not in link
    assert listed(manager_api, link, "/api/v1/tickets/") == 2
    # this month's backlog is the cases open now
    current = scope_of(date(2026, 4, 1), date(2026, 4, 30), now=AFTER_MARCH)
    now_link = drilldown.url_for(DRILL["backlog"], current)
    assert "open=true" in now_link
    assert listed(manager_api, now_link, "/api/v1/tickets/") == 2  # the 6th's, April's


def test_a_persons_follow_up_outcomes_list_the_follow_ups_of_their_cases(
    zhang, agent_user, north_agent, visitor, manager_api
):
    mine = served(agent_user, zhang, at(2026, 3, 10, 9), at(2026, 3, 10, 15))
    answered(mine, visitor, at(2026, 3, 11, 10), score=2)
    theirs = served(north_agent, zhang, at(2026, 3, 12, 9), at(2026, 3, 12, 15))
    answered(theirs, visitor, at(2026, 3, 13, 10), score=1)

    scope = scope_of(*MARCH, now=AFTER_MARCH, user_id=agent_user.pk)
    report = selectors.kpi_report(scope)
    dissatisfied = report.values["dissatisfaction_rate"]
    link = drilldown.url_for(DRILL["dissatisfaction_rate"], scope)

    assert (dissatisfied.numerator, dissatisfied.denominator) == (1, 1)
    assert f"case_owner={agent_user.pk}" in link
    assert listed(manager_api, link, "/api/v1/followups/") == 1
    # the whole company: both dissatisfied follow-ups
    everyone = scope_of(*MARCH, now=AFTER_MARCH)
    all_link = drilldown.url_for(DRILL["dissatisfaction_rate"], everyone)
    assert listed(manager_api, all_link, "/api/v1/followups/") == 2


def test_the_recourse_figures_list_the_claims_settled_in_the_period(
    zhang, agent_user, north_agent, manager_api
):
    maker = archive_services.party_save(
        actor=agent_user, name="ACME", kind=Party.Kind.PRODUCER
    )
    mine = opened(agent_user, at(2026, 2, 10), zhang)
    theirs = opened(north_agent, at(2026, 2, 11), zhang)
    for case, actor in ((mine, agent_user), (theirs, north_agent)):
        claim_settled(
            case, actor, maker, amount="1000.00", submitted=at(2026, 3, 2, 10),
            settled=at(2026, 3, 12, 10), recovered="500.00",
        )  # fmt: skip
    # settled in April, and still waiting: not March's
    claim_settled(
        mine, agent_user, maker, amount="800.00", submitted=at(2026, 3, 20),
        settled=at(2026, 4, 2), recovered="800.00",
    )  # fmt: skip
    claim_settled(
        mine, agent_user, maker, amount="300.00", submitted=at(2026, 3, 1), settled=None
    )

    everyone = scope_of(*MARCH, now=AFTER_MARCH)
    rate = selectors.kpi_report(everyone).values["recourse_recovery_rate"]
    link = drilldown.url_for(DRILL["recourse_recovery_rate"], everyone)
    assert rate.denominator == 2000
    assert "settled_from=2026-03-01" in link
    assert "settled_to=2026-03-31" in link
    assert listed(manager_api, link, "/api/v1/recourse-claims/") == 2
    # one person's: the claims of their cases
    one = scope_of(*MARCH, now=AFTER_MARCH, user_id=agent_user.pk)
    assert (
        selectors.kpi_report(one).values["recourse_recovery_rate"].denominator == 1000
    )
    mine_link = drilldown.url_for(DRILL["recourse_recovery_rate"], one)
    assert listed(manager_api, mine_link, "/api/v1/recourse-claims/") == 1
