"""Reads of the tickets app, always starting from `Ticket.objects.visible_to(user)`."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from aftersales.models import User

from . import workflow
from .models import CLOCK_DONE_FIELDS, Handover, Ticket, TicketEvent

CLOCKS = ("acknowledge", "first_contact", "onsite", "resolve")


def _done_field(clock: str) -> str:
    return CLOCK_DONE_FIELDS[clock]


def overdue_condition(now: datetime) -> Q:
    """Cases with a clock past due and not yet met."""
    condition = Q()
    for clock in CLOCKS:
        condition |= Q(
            **{f"{clock}_due_at__lt": now, f"{_done_field(clock)}__isnull": True}
        )
    return condition


def ticket_list(
    *, user: User, view: str = "", q: str = "", now: datetime | None = None
) -> QuerySet[Ticket]:
    """The staff queue: `view` is mine (first owner or handler), units, awaiting (handovers
    waiting for me or my units), overdue, or all visible; `q` finds number, title or
    customer. Customer, owner, handler and unit are loaded (a constant number of queries)."""
    tickets = Ticket.objects.visible_to(user)
    if view == "mine":
        tickets = tickets.filter(Q(first_owner=user) | Q(handler=user))
    elif view == "units":
        tickets = tickets.filter(unit__in=user.units.all())
    elif view == "awaiting":
        # One filter() call, so both conditions hold for the same handover.
        tickets = tickets.filter(
            Q(handovers__status=Handover.Status.REQUESTED)
            & (Q(handovers__to_user=user) | Q(handovers__to_unit__in=user.units.all()))
        )
    elif view == "overdue" and now is not None:
        tickets = tickets.filter(status__in=workflow.OPEN_STATES).filter(
            overdue_condition(now)
        )
    if q.strip():
        tickets = tickets.filter(
            Q(number__icontains=q.strip())
            | Q(title__icontains=q.strip())
            | Q(customer__search_name__startswith=q.strip().casefold())
        )
    return tickets.select_related(
        "customer", "first_owner", "handler", "unit"
    ).distinct()


def ticket_get(*, user: User, number: str) -> Ticket:
    """One case by number (or id) that `user` may see; 404 otherwise."""
    lookup = Q(number=number) | (Q(pk=int(number)) if number.isdigit() else Q())
    return get_object_or_404(
        Ticket.objects.visible_to(user)
        .select_related(
            "customer", "product__model", "first_owner", "handler", "unit",
            "standard_version__document",
        )
        .filter(lookup)
    )  # fmt: skip


def ticket_events(
    *, ticket: Ticket, public_only: bool = False
) -> QuerySet[TicketEvent]:
    """The case timeline, oldest first."""
    events = ticket.events.select_related("actor")
    return events.filter(public=True) if public_only else events


def pending_handovers(*, ticket: Ticket) -> QuerySet[Handover]:
    """Handovers of the case waiting for acceptance."""
    return ticket.handovers.filter(status=Handover.Status.REQUESTED).select_related(
        "to_unit", "to_user", "from_user"
    )
