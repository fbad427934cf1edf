"""Factories and service-driven builders of the tickets app.

`TicketFactory` sets a row up directly (status, owner, unit as given): use it only where the
path to a state does not matter (visibility, list views, query counts). Cases that a test is
about are opened and moved through tickets/cases/services.py with the builders below, against an
effective service standard made through the standards services.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from aftersales.models import Unit, User
from customers.models import Customer
from standards.models import StandardVersion
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import CustomerFactory
from tests.standards.factories import document, effective
from tickets.cases import services
from tickets.models import Ticket
from tickets.workflow import TicketAction, TicketStatus


class TicketFactory(factory.django.DjangoModelFactory):
    """A case row as given, no clocks (only for unrelated behaviour)."""

    number = factory.Sequence(lambda n: f"T20260101-{n + 1:05d}")
    type = "repair"
    source = "hotline"
    customer = factory.SubFactory(CustomerFactory)
    title = factory.Sequence(lambda n: f"Case {n}")
    description = "The machine is noisy."
    status = TicketStatus.NEW
    first_owner = factory.SubFactory(UserFactory, roles=["agent"])
    handler = factory.SelfAttribute("first_owner")
    unit = factory.SubFactory(UnitFactory)

    class Meta:
        model = Ticket


# --- Builders that go through the services ------------------------------------------------------


def service_standard(
    *,
    author: User,
    approver: User,
    owner_unit: Unit,
    effective_from: date = date(2024, 7, 1),
    parameters: dict[str, Any] | None = None,
) -> StandardVersion:
    """An effective company-wide service standard (the default parameters with
    `parameters` laid over them), drafted by `author` (a quality manager) and approved by
    `approver` (a manager)."""
    doc = document(actor=approver, owner=author, owner_unit=owner_unit)
    return effective(
        doc,
        author=author,
        approver=approver,
        effective_from=effective_from,
        parameters=parameters or {},
    )


def open_ticket(
    *,
    actor: User,
    customer: Customer,
    type: str = "repair",  # noqa: A002  # the service's word
    source: str = "hotline",
    priority: str = "P3",
    title: str = "Washing machine is noisy",
    description: str = "Loud noise when spinning.",
    **fields: Any,
) -> Ticket:
    """A case opened by `actor` through `ticket_open`."""
    return services.ticket_open(
        actor=actor,
        type=type,
        source=source,
        customer=customer,
        title=title,
        description=description,
        priority=priority,
        **fields,
    )


def act(ticket: Ticket, actor: User | None, *actions: str, note: str = "") -> Ticket:
    """Fire `actions` one after another as `actor` (None: the system)."""
    for action in actions:
        ticket = services.ticket_transition(
            ticket=ticket, action=action, actor=actor, note=note
        )
    return ticket


def ready_to_resolve(ticket: Ticket, actor: User) -> Ticket:
    """Record cause and liability and tell the customer (the resolution guard)."""
    services.ticket_set_resolution(
        ticket=ticket,
        actor=actor,
        cause_code="bearing",
        liability="producer_defect",
        resolution="Drum bearing replaced.",
    )
    services.ticket_inform_customer(
        ticket=ticket, actor=actor, message="Fixed: the bearing was replaced."
    )
    return ticket


def resolved(ticket: Ticket, actor: User) -> Ticket:
    """new → acknowledged → in_progress → resolved, through the services."""
    act(ticket, actor, TicketAction.ACKNOWLEDGE, TicketAction.START)
    ready_to_resolve(ticket, actor)
    return act(ticket, actor, TicketAction.RESOLVE)
