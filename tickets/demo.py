"""Demo cases: a few hundred cases in every state, opened over the last weeks by the
hotline and the counter, some handed to the workshop, some overdue and escalated. Built
through the services, then moved back in time (demo only) so clocks look lived-in.
Idempotent; deterministic."""

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from aftersales.models import Unit, User
from feedback.models import Customer

from . import services
from .models import Handover, Ticket, TicketEvent
from .workflow import TicketAction

CASES = 240
FAULTS = [
    ("Washing machine leaks", "Water on the floor after every wash.", "LEAK"),
    ("Noisy during spin", "Loud knocking noise when spinning.", "NOISE"),
    ("Fridge does not cool", "Inside is warm since yesterday.", "COOLING"),
    ("Air conditioner error E4", "Shows E4 and stops after ten minutes.", "E4"),
    ("TV has no picture", "Sound but a black screen.", "PANEL"),
    ("Installation appointment", "Please install the new air conditioner.", ""),
    ("How to clean the filter?", "Asks how to clean the filter.", ""),
]
# (final state, share) — the path to each state goes through the services.
STATES = [
    ("new", 0.12), ("acknowledged", 0.12), ("in_progress", 0.2), ("waiting_parts", 0.08),
    ("waiting_customer", 0.05), ("awaiting_follow_up", 0.18), ("closed", 0.2),
    ("cancelled", 0.05),
]  # fmt: skip
TIMESTAMPS = [
    "created_at", "acknowledge_due_at", "first_contact_due_at", "onsite_due_at",
    "resolve_due_at", "acknowledge_warn_at", "first_contact_warn_at", "onsite_warn_at",
    "resolve_warn_at", "acknowledged_at", "first_contact_at", "resolved_at", "closed_at",
    "paused_at", "customer_informed_at", "follow_up_completed_at",
]  # fmt: skip


def _walk(ticket, state, rng, people):
    """Move a new case to `state` the way staff would."""
    agent, technician, supervisor, workshop = people
    owner = ticket.first_owner
    if state == "new":
        return
    if state == "cancelled":
        services.ticket_transition(
            ticket=ticket,
            action=TicketAction.CANCEL,
            actor=owner,
            note="Customer solved it.",
        )
        return
    services.ticket_transition(
        ticket=ticket, action=TicketAction.ACKNOWLEDGE, actor=owner
    )
    if state == "acknowledged":
        return
    worker = owner
    if ticket.type in {"repair", "installation"} and rng.random() < 0.7:
        handover = services.handover_request(
            ticket=ticket, actor=owner, to_unit=workshop, reason="Needs the workshop",
            commitment="diagnose in 48 h", commitment_hours=48,
        )  # fmt: skip
        if state != "acknowledged":
            services.handover_accept(handover=handover, actor=technician)
            worker = technician
            ticket.refresh_from_db()
    if ticket.status == "acknowledged":
        services.ticket_transition(
            ticket=ticket, action=TicketAction.START, actor=worker
        )
    if state == "in_progress":
        return
    if state in {"waiting_parts", "waiting_customer"}:
        services.ticket_pause(ticket=ticket, actor=worker, reason=state.split("_")[1])
        return
    services.ticket_inform_customer(
        ticket=ticket, actor=worker, message="Fixed; works again."
    )
    ticket.refresh_from_db()
    services.ticket_resolve(
        ticket=ticket, actor=worker, cause_code=ticket.fault_code or "ADVICE",
        liability=rng.choice(["producer_defect", "none", "installer", "customer_misuse"]),
        resolution="Replaced the faulty part and tested.",
    )  # fmt: skip
    if state == "closed":
        ticket.refresh_from_db()
        services.ticket_record_follow_up(ticket=ticket, actor=None, outcome="satisfied")
        services.ticket_transition(
            ticket=ticket, action=TicketAction.CLOSE, actor=supervisor
        )


@transaction.atomic
def load(stdout=None) -> None:
    """Create the demo cases (skipped when cases exist)."""
    if Ticket.objects.exists():
        return
    rng = random.Random(5)  # noqa: S311  # demo data, not security
    receivers = [
        User.objects.get(username=name) for name in ("agent", "agent2", "counter")
    ]
    people = (
        User.objects.get(username="agent"),
        User.objects.get(username="technician"),
        User.objects.get(username="supervisor"),
        Unit.objects.get(code="sh-workshop"),
    )
    customers = list(
        Customer.objects.active().filter(products__isnull=False).distinct()[:200]
    )
    states = [state for state, share in STATES for _ in range(round(share * CASES))]
    for index, state in enumerate(states):
        customer = customers[index % len(customers)]
        product = customer.products.first()
        title, description, fault = FAULTS[index % len(FAULTS)]
        case_type = "consultation" if not fault and "How" in title else (
            "installation" if not fault else ("complaint" if index % 9 == 0 else "repair")
        )  # fmt: skip
        receiver = receivers[index % len(receivers)]
        ticket = services.ticket_open(
            actor=receiver, type=case_type,
            source="counter" if receiver.username == "counter" else "hotline",
            customer=customer, product=product, title=title, description=description,
            fault_code=fault, priority=rng.choice(["P1", "P2", "P3", "P3", "P3"]),
            safety_incident=index % 60 == 0,
        )  # fmt: skip
        _walk(ticket, state, rng, people)
        # Demo only: move the whole case back in time so the queue has history and some
        # clocks are overdue.
        age = timedelta(hours=rng.choice([1, 3, 10, 30, 60, 120, 300, 600]))
        Ticket.objects.filter(pk=ticket.pk).update(
            **{
                field: F(field) - age
                for field in TIMESTAMPS
                if getattr(Ticket.objects.get(pk=ticket.pk), field) is not None
            }
        )
        TicketEvent.objects.filter(ticket=ticket).update(at=F("at") - age)
        Handover.objects.filter(ticket=ticket).update(
            requested_at=F("requested_at") - age, decided_at=F("decided_at") - age
        )
    services.sla_sweep(now=timezone.now())
    if stdout:
        stdout.write(f"  cases: {len(states)} in every state, SLA sweep run")
