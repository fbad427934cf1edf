"""Reads for repairs, field visits and offers (domain §6 "Repairs and visits"), always
scoped through `Ticket.objects.visible_to(user)`, and the product's repair history the
entitlement engine reasons about.

Days are counted like legal periods (tickets/entitlement.py): the hand-in day is day 0, so a
repair handed in on the 1st and returned on the 31st took 30 days.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from aftersales import permissions
from aftersales.models import User
from standards.parameters import get_path
from tickets.models import FieldVisit, Offer, Repair, Ticket
from tickets.workflow import TicketStatus


def repair_days(*, started_on: date, ended_on: date | None, as_of: date) -> int:
    """Days in repair: from hand-in to the end, or to `as_of` while the repair is open."""
    end = ended_on or as_of
    return max(0, (end - started_on).days)


def repair_history(*, product) -> QuerySet[Repair]:
    """Every repair of an owned product (all its cases) within its current validity period
    (an exchange restarts the period, so the old unit's repairs no longer count)."""
    repairs = Repair.objects.filter(product=product)
    if product.validity_start is not None:
        repairs = repairs.filter(started_on__gte=product.validity_start)
    if product.validity_end is not None:
        repairs = repairs.filter(started_on__lte=product.validity_end)
    return repairs


def repair_history_facts(*, ticket: Ticket, as_of: date) -> dict[str, int]:
    """The repair facts of `entitlement.Facts` for the case's product, counted up to
    `as_of` (one query):

    - failed_repairs: failed repairs of the same problem (two → exchange or return);
    - same_problem_repairs: repairs of the same problem (vehicles: more than 4);
    - cumulative_repair_days: all days in repair (vehicles: more than 30);
    - current_repair_days: the open repair of this case so far (vehicles: spare car);
    - parts_wait_days: the longest wait for parts of one repair; an open repair of a case
      waiting for parts counts from hand-in ("not repaired 90 days after hand-in");
    - repairer_fault_repair_days: the longest repair delayed by the repairer's own fault.
    """
    facts = {
        "failed_repairs": 0,
        "same_problem_repairs": 0,
        "cumulative_repair_days": 0,
        "current_repair_days": 0,
        "parts_wait_days": 0,
        "repairer_fault_repair_days": 0,
    }
    if ticket.product_id is None:
        return facts
    rows = repair_history(product=ticket.product).values(
        "ticket_id", "ticket__status", "started_on", "ended_on", "outcome",
        "same_problem", "repairer_fault", "parts_wait_days",
    )  # fmt: skip
    for row in rows:
        days = repair_days(
            started_on=row["started_on"], ended_on=row["ended_on"], as_of=as_of
        )
        is_open = row["ended_on"] is None
        if row["same_problem"]:
            facts["same_problem_repairs"] += 1
            if row["outcome"] == Repair.Outcome.FAILED:
                facts["failed_repairs"] += 1
        facts["cumulative_repair_days"] += days
        parts = row["parts_wait_days"]
        if is_open and row["ticket__status"] == TicketStatus.WAITING_PARTS:
            parts = max(parts, days)
        facts["parts_wait_days"] = max(facts["parts_wait_days"], parts)
        if row["repairer_fault"]:
            facts["repairer_fault_repair_days"] = max(
                facts["repairer_fault_repair_days"], days
            )
        if is_open and row["ticket_id"] == ticket.pk:
            facts["current_repair_days"] = max(facts["current_repair_days"], days)
    return facts


def repair_list(*, ticket: Ticket) -> QuerySet[Repair]:
    """The repairs recorded on the case, oldest first."""
    return ticket.repairs.select_related("technician")


def visit_list(*, ticket: Ticket) -> QuerySet[FieldVisit]:
    """The field visits of the case, by appointment."""
    return ticket.visits.select_related("technician")


def offer_list(*, ticket: Ticket) -> QuerySet[Offer]:
    """The offers made on the case, newest first."""
    return ticket.offers.select_related("offered_by", "decided_by")


def _scoped(model, user: User) -> QuerySet:
    return model.objects.filter(ticket__in=Ticket.objects.visible_to(user)).select_related(
        "ticket__product__model", "ticket__standard_version", "ticket__first_owner",
        "ticket__handler", "ticket__unit",
    )  # fmt: skip


def repair_get(*, user: User, pk: int) -> Repair:
    """A repair of a case `user` may see; 404 otherwise."""
    return get_object_or_404(_scoped(Repair, user), pk=pk)


def visit_get(*, user: User, pk: int) -> FieldVisit:
    """A field visit of a case `user` may see; 404 otherwise."""
    return get_object_or_404(_scoped(FieldVisit, user), pk=pk)


def offer_get(*, user: User, pk: int) -> Offer:
    """An offer on a case `user` may see; 404 otherwise."""
    return get_object_or_404(_scoped(Offer, user), pk=pk)


def conduct_checklist(*, ticket: Ticket) -> list[str]:
    """The on-site conduct checklist of the standard the case pinned (none without one)."""
    parameters = ticket.standard_version.parameters if ticket.standard_version else {}
    items = get_path(parameters, "conduct_checklist", []) or []
    return [str(item) for item in items]


def offer_may_decide(*, user: User, offer: Offer) -> bool:
    """Whether `user` may approve or reject `offer`: a manager, or a supervisor of the
    case's unit or of a unit above it — never the person who made the offer."""
    if not user.is_authenticated or user.pk == offer.offered_by_id:
        return False
    return permissions.oversees(user=user, units=[offer.ticket.unit])


def technicians() -> QuerySet[User]:
    """Active staff who do field and workshop work (technicians first, then the others
    who may stand in: supervisors and agents)."""
    return (
        User.objects.filter(
            is_active=True,
            groups__name__in=permissions.FIELD_WORKERS,
        )
        .distinct()
        .order_by("username")
    )
