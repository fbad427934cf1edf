"""Fixtures and builders shared by the follow-up tests (tests/feedback/test_followups*.py
import them): an organisation with a hotline, a workshop, a follow-up team and QA; the
company standard (default follow-up policy: window 3–72 h, 3 attempts, phone then SMS,
quiet 21:00–08:00, CSAT ≤ 2 dissatisfied); cases resolved through the tickets services
(the `ticket_resolved` signal schedules the follow-up eagerly)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from feedback.models import FollowUp
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import act, open_ticket, ready_to_resolve, service_standard
from tickets.cases import services as ticket_services
from tickets.models import Ticket
from tickets.workflow import TicketAction

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2 March 2026, 10:00 in Shanghai: outside the quiet hours.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
H = timedelta(hours=1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(unit_tree):
    """The shared unit tree plus a follow-up team (in the branch) and QA (company)."""
    unit_tree["fu"] = UnitFactory(
        code="fu", name="Follow-up Team", kind="followup_team", parent=unit_tree["br"]
    )
    unit_tree["qa"] = UnitFactory(
        code="qa", name="Quality Assurance", kind="qa", parent=unit_tree["co"]
    )
    return unit_tree


@pytest.fixture
def quality_user(org):
    return UserFactory(username="qm", roles=["quality_manager"], supervises=[org["qa"]])


@pytest.fixture
def standard(clock, org, quality_user, manager_user):
    return service_standard(
        author=quality_user, approver=manager_user, owner_unit=org["co"]
    )


@pytest.fixture
def visitor(org):
    return UserFactory(username="huang", roles=["followup_agent"], units=[org["fu"]])


@pytest.fixture
def visitor2(org):
    return UserFactory(username="ma", roles=["followup_agent"], units=[org["fu"]])


@pytest.fixture
def followup_supervisor(org):
    return UserFactory(username="gao", roles=["supervisor"], supervises=[org["fu"]])


@pytest.fixture
def zhang(standard, agent_user):
    return customer(
        actor=agent_user,
        name="Zhang Wei",
        phones=["13800138000"],
        email="zhang@example.com",
    )


def resolve(ticket: Ticket, worker, capture) -> Ticket:
    """acknowledged → in progress → resolved by `worker` (the customer told), with the
    after-commit signal run, so the follow-up is scheduled."""
    if ticket.status == "new":
        act(ticket, worker, TicketAction.ACKNOWLEDGE)
    if ticket.status in {"acknowledged", "reopened"}:
        act(ticket, worker, TicketAction.START)
    ready_to_resolve(ticket, worker)
    ticket.refresh_from_db()
    with capture(execute=True):
        ticket = ticket_services.ticket_resolve(
            ticket=ticket,
            actor=worker,
            cause_code="bearing",
            liability="producer_defect",
            resolution="Drum bearing replaced.",
        )
    ticket.refresh_from_db()
    return ticket


def handed_to(ticket: Ticket, *, owner, worker, unit) -> Ticket:
    """The first owner hands the case to `unit`, where `worker` accepts it."""
    act(ticket, owner, TicketAction.ACKNOWLEDGE)
    handover = ticket_services.handover_request(
        ticket=ticket, actor=owner, to_unit=unit, reason="Needs the workshop"
    )
    ticket_services.handover_accept(handover=handover, actor=worker)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def resolved_case(zhang, agent_user, technician_user, org, visitor, capture):
    """A repair the agent received and the workshop's technician resolved; its
    follow-up went to the follow-up team's agent."""
    ticket = open_ticket(actor=agent_user, customer=zhang)
    ticket = handed_to(ticket, owner=agent_user, worker=technician_user, unit=org["ws"])
    return resolve(ticket, technician_user, capture)


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def task_of(ticket: Ticket, round_: int = 1) -> FollowUp:
    return FollowUp.objects.get(ticket=ticket, round=round_)


def followup_rows(count: int, *, team, agent, opens_at=None) -> list[FollowUp]:
    """`count` due follow-ups of cases waiting for them, each for its own customer with
    a phone and a product, set up directly (only for lists and query counts)."""
    from tests.customers.factories import (
        CustomerFactory,
        CustomerPhoneFactory,
        OwnedProductFactory,
    )
    from tests.tickets.factories import TicketFactory

    opens_at = opens_at or NOW - H
    rows = []
    for _n in range(count):
        person = CustomerFactory()
        CustomerPhoneFactory(customer=person)
        OwnedProductFactory(customer=person)
        ticket = TicketFactory(customer=person, status="awaiting_follow_up")
        rows.append(
            FollowUp.objects.create(
                ticket=ticket,
                customer=person,
                unit=team,
                assigned_to=agent,
                opens_at=opens_at,
                closes_at=opens_at + 69 * H,
                due_at=opens_at + 69 * H,
                status=FollowUp.Status.DUE,
                next_attempt_at=opens_at,
                next_channel="phone",
                policy={"channels": ["phone", "sms"], "retry_after_hours": 23},
            )
        )
    return rows
