"""Builders and fixtures shared by the voice-of-the-customer tests (test_voice_*.py); no
tests here.

Everything a test is about is reached through the services: the service standard through
the standards services, cases through the tickets services, follow-ups through
`followup_schedule_for_ticket` and `followup_complete`, feedback items, notices and
re-calls through feedback/voice/services."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aftersales.models import Unit, User
from customers.models import Customer
from feedback.models import FollowUp
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.standards.factories import service_parameters
from tests.tickets.factories import act, open_ticket, service_standard
from tickets.cases import services as ticket_services
from tickets.workflow import TicketAction

__all__ = [  # the fixtures; the test modules import them with `import *`
    "org",
    "qa_staff",
    "quality_manager",
    "standard_for",
    "team_supervisor",
    "visitor",
    "zhang",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
A = TicketAction


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware Shanghai time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def quality_manager(unit_tree):
    return UserFactory(
        username="qm", roles=["quality_manager"], units=[unit_tree["co"]]
    )


@pytest.fixture
def standard_for(unit_tree, manager_user, quality_manager):
    """Make the effective company service standard with `{path: value}` changes."""

    def make(changes: dict[str, Any] | None = None):
        return service_standard(
            author=quality_manager,
            approver=manager_user,
            owner_unit=unit_tree["co"],
            parameters=service_parameters(changes),
        )

    return make


@pytest.fixture
def org(unit_tree):
    """The units of the loop: a follow-up team, QA, design, production, purchasing."""
    branch = unit_tree["br"]
    company = unit_tree["co"]
    return {
        "team": UnitFactory(
            code="fu",
            name="Follow-up team",
            kind=Unit.Kind.FOLLOWUP_TEAM,
            parent=branch,
        ),
        "qa": UnitFactory(code="qa", name="QA", kind=Unit.Kind.QA, parent=company),
        "design": UnitFactory(
            code="design", name="Design", kind=Unit.Kind.DESIGN, parent=company
        ),
        "production": UnitFactory(
            code="prod", name="Production", kind=Unit.Kind.PRODUCTION, parent=company
        ),
        "purchasing": UnitFactory(
            code="purch", name="Purchasing", kind=Unit.Kind.PURCHASING, parent=company
        ),
    }


@pytest.fixture
def visitor(org):
    """The follow-up agent (回访员) of the follow-up team."""
    return UserFactory(
        username="visitor", roles=["followup_agent"], units=[org["team"]]
    )


@pytest.fixture
def team_supervisor(org):
    return UserFactory(
        username="fu-boss", roles=["supervisor"], supervises=[org["team"]]
    )


@pytest.fixture
def qa_staff(org):
    """A QA unit member (agent role) who makes the re-calls."""
    return UserFactory(username="qa-li", roles=["agent"], units=[org["qa"]])


@pytest.fixture
def zhang(agent_user) -> Customer:
    return customer(
        actor=agent_user,
        name="Zhang Wei",
        phones=["13800138000"],
        email="zw@example.com",
    )


def completed_followup(
    *,
    agent: User,
    visitor: User | None,
    person: Customer,
    score: int = 5,
    resolved: bool = True,
    comment: str = "",
    when: datetime,
    **ticket_fields: Any,
) -> FollowUp:
    """A repair case opened and resolved by `agent`, its follow-up scheduled and completed
    at `when` by `visitor` (None: the customer through the answer link)."""
    from feedback.followups import services as followup_services

    ticket = open_ticket(actor=agent, customer=person, **ticket_fields)
    act(ticket, agent, A.ACKNOWLEDGE, A.START)
    ticket_services.ticket_inform_customer(
        ticket=ticket, actor=agent, message="Fixed: the bearing was replaced."
    )
    ticket_services.ticket_resolve(
        ticket=ticket,
        actor=agent,
        cause_code="bearing",
        liability="producer_defect",
        resolution="Drum bearing replaced.",
    )
    followup_services.followup_schedule_for_ticket(ticket_id=ticket.pk)
    followup = FollowUp.objects.get(ticket=ticket)
    return followup_services.followup_complete(
        followup=followup,
        actor=visitor,
        score=score,
        resolved=resolved,
        comment=comment,
        now=when,
    )


def money(value: str) -> Decimal:
    return Decimal(value)
