"""Demo cases: a few hundred cases in every state, opened over the last weeks (some in the
previous calendar month, for its quality notices) by the hotline and the counter, some
handed to the workshop, some overdue and escalated. Built through the services, then moved
back in time (demo only) so clocks look lived-in. On top of them: repairs (one product
failed twice, so it is owed an exchange or a return), field visits with the conduct
checklist, offers below the entitlement (one waiting for approval, one approved),
compensations with recourse claims in every state against a few parties, attachments, a
pending ownership transfer and the workshop's round-robin queue.

Idempotent (each part is skipped when rows of its kind exist); deterministic."""

import random
import struct
import zlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from aftersales.models import Unit, User
from customers.models import Customer, Party
from tickets.attachments import services as attachment_services
from tickets.cases import services as case_services
from tickets.cases import sweep as case_sweep
from tickets.models import (
    Attachment,
    CannedReply,
    Compensation,
    Handover,
    OwnershipTransfer,
    Repair,
    Ticket,
    TicketEvent,
    UnitQueue,
)
from tickets.ownership import services as ownership_services
from tickets.recourse import services as recourse_services
from tickets.repairs import services as repair_services
from tickets.repairs.selectors import conduct_checklist
from tickets.replies import services as reply_services
from tickets.workflow import TicketAction

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
        case_services.ticket_transition(
            ticket=ticket,
            action=TicketAction.CANCEL,
            actor=owner,
            note="Customer solved it.",
        )
        return
    case_services.ticket_transition(
        ticket=ticket, action=TicketAction.ACKNOWLEDGE, actor=owner
    )
    if state == "acknowledged":
        return
    worker = owner
    if ticket.type in {"repair", "installation"} and rng.random() < 0.7:
        handover = case_services.handover_request(
            ticket=ticket, actor=owner, to_unit=workshop, reason="Needs the workshop",
            commitment="diagnose in 48 h", commitment_hours=48,
        )  # fmt: skip
        if state != "acknowledged":
            case_services.handover_accept(handover=handover, actor=technician)
            worker = technician
            ticket.refresh_from_db()
    if ticket.status == "acknowledged":
        case_services.ticket_transition(
            ticket=ticket, action=TicketAction.START, actor=worker
        )
    if state == "in_progress":
        return
    if state in {"waiting_parts", "waiting_customer"}:
        case_services.ticket_pause(
            ticket=ticket, actor=worker, reason=state.split("_")[1]
        )
        return
    case_services.ticket_inform_customer(
        ticket=ticket, actor=worker, message="Fixed; works again."
    )
    ticket.refresh_from_db()
    case_services.ticket_resolve(
        ticket=ticket, actor=worker, cause_code=ticket.fault_code or "ADVICE",
        liability=rng.choice(["producer_defect", "none", "installer", "customer_misuse"]),
        resolution="Replaced the faulty part and tested.",
    )  # fmt: skip
    if state == "closed":
        ticket.refresh_from_db()
        case_services.ticket_record_follow_up(
            ticket=ticket, actor=None, outcome="satisfied"
        )
        case_services.ticket_transition(
            ticket=ticket, action=TicketAction.CLOSE, actor=supervisor
        )


# Hours between opening and the first reply in the demo (the KPIs' response times).
RESPONSE_DELAYS = [0.25, 0.5, 1, 1, 2, 3, 5, 8, 20, 30]
_CLOCK_TIMES = [
    f"{clock}_{kind}_at"
    for clock in ("acknowledge", "first_contact", "onsite", "resolve")
    for kind in ("due", "warn")
]


def _open_earlier(ticket: Ticket, delay: timedelta) -> None:
    """Demo only: the case was opened `delay` before its first reply (its clocks and the
    opening event move with it), so response and resolution times are not zero."""
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=F("created_at") - delay,
        **{
            name: F(name) - delay
            for name in _CLOCK_TIMES
            if getattr(Ticket.objects.get(pk=ticket.pk), name) is not None
        },
    )
    TicketEvent.objects.filter(ticket=ticket, type=TicketEvent.Type.OPENED).update(
        at=F("at") - delay
    )


def _store_durations() -> None:
    """The stored business hours to acknowledgement and resolution, from the demo's
    moved times (the services stored them at the moment of the walk)."""
    cases = Ticket.objects.filter(
        Q(acknowledged_at__isnull=False) | Q(resolved_at__isnull=False)
    ).select_related("unit")
    for ticket in cases:
        Ticket.objects.filter(pk=ticket.pk).update(
            first_response_hours=ticket.acknowledged_at
            and case_services.business_hours_open(ticket, ticket.acknowledged_at),
            resolution_hours=ticket.resolved_at
            and case_services.business_hours_open(ticket, ticket.resolved_at),
        )


def _previous_month_moment(rng: random.Random, now):
    """A working-hours moment on a random day of the previous calendar month (local)."""
    first_this = timezone.localdate(now).replace(day=1)
    last_prev = first_this - timedelta(days=1)
    day = last_prev.replace(day=rng.randint(1, last_prev.day))
    return timezone.make_aware(
        datetime.combine(day, time(rng.randint(9, 17), rng.choice([0, 15, 30, 45])))
    )


def _cases(stdout) -> None:
    """The few hundred cases in every state."""
    rng = random.Random(5)  # noqa: S311  # demo data, not security
    delay_rng = random.Random(17)  # noqa: S311  # how long each case waited for a reply
    month_rng = random.Random(11)  # noqa: S311  # the cases of the previous month
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
        ticket = case_services.ticket_open(
            actor=receiver, type=case_type,
            source="counter" if receiver.username == "counter" else "hotline",
            customer=customer, product=product, title=title, description=description,
            fault_code=fault, priority=rng.choice(["P1", "P2", "P3", "P3", "P3"]),
            safety_incident=index % 60 == 0,
        )  # fmt: skip
        _walk(ticket, state, rng, people)
        # Demo only: move the whole case back in time so the queue has history and some
        # clocks are overdue. Two in three finished cases happened in the previous month
        # (its quality notices need cases), unless the product was sold after that.
        age = timedelta(hours=rng.choice([1, 3, 10, 30, 60, 120, 300, 600]))
        if state in {"closed", "cancelled"} and index % 3:
            moment = _previous_month_moment(month_rng, ticket.created_at)
            if product.sale_date < timezone.localdate(moment):
                age = ticket.created_at - moment
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
        if state != "new":
            _open_earlier(ticket, timedelta(hours=delay_rng.choice(RESPONSE_DELAYS)))
    _store_durations()
    case_sweep.sla_sweep(now=timezone.now())
    if stdout:
        stdout.write(f"  cases: {len(states)} in every state, SLA sweep run")


class _Cast:
    """The demo people and units the parts below act as."""

    def __init__(self) -> None:
        users = User.objects.in_bulk(
            ["agent", "agent2", "supervisor", "technician", "manager"],
            field_name="username",
        )
        self.agent = users["agent"]
        self.agent2 = users["agent2"]
        self.supervisor = users["supervisor"]
        self.technician = users["technician"]
        self.manager = users["manager"]
        self.portal = User.objects.get(username="customer@example.com")
        self.workshop = Unit.objects.get(code="sh-workshop")
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.used: set[int] = set()  # cases a part already used (one story per case)

    def pick(self, queryset, *, where=None, count=1) -> list[Ticket]:
        """Up to `count` cases of `queryset` (oldest first) not used yet, passing the
        optional test `where`."""
        found = []
        for ticket in queryset.exclude(pk__in=self.used).select_related(
            "product__model", "unit", "first_owner", "handler"
        ):
            if where is not None and not where(ticket):
                continue
            found.append(ticket)
            self.used.add(ticket.pk)
            if len(found) == count:
                break
        return found


_WORKING = ["in_progress", "waiting_parts", "waiting_customer"]
_SUPERVISED = ["sh-hotline", "sh-workshop"]  # units the demo supervisor answers for


def _day(ticket: Ticket, days: int, cast: _Cast) -> date:
    """The case's opening day plus `days`, never after today."""
    return min(timezone.localdate(ticket.created_at) + timedelta(days=days), cast.today)


def _options(ticket: Ticket) -> list[str]:
    return list((ticket.entitlement or {}).get("options", []))


def _in_validity(ticket: Ticket, cast: _Cast) -> bool:
    product = ticket.product
    return (
        product.validity_start is not None
        and product.validity_end is not None
        and product.validity_start <= timezone.localdate(ticket.created_at)
        and product.validity_end >= cast.today
        and product.model.category != "vehicle"
    )


# --- Files -----------------------------------------------------------------------------------


def _png() -> bytes:
    """A valid 2×2 PNG (a grey photo placeholder), made in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _pdf(text: str) -> bytes:
    """A valid one-page PDF showing `text` (ASCII), made in memory."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _attachments(cast: _Cast) -> None:
    """The portal customer's photo on their open case; a damage photo and a repair report
    on a finished workshop case, whose compensation `_recourse` claims back with them as
    evidence."""
    portal_case = (
        Ticket.objects.filter(customer__user=cast.portal)
        .exclude(status__in=["closed", "cancelled"])
        .order_by("pk")
        .first()
    )
    if portal_case is not None:
        cast.used.add(portal_case.pk)
        attachment_services.attachment_add(
            ticket=portal_case, actor=cast.portal,
            file=ContentFile(_png(), name="leak-under-the-door.png"),
        )  # fmt: skip
    evidence = cast.pick(
        Ticket.objects.filter(
            status="closed", product__isnull=False, unit__code="sh-workshop",
            product__model__producer__isnull=False,
        ).order_by("created_at", "pk")
    )  # fmt: skip
    for ticket in evidence:
        attachment_services.attachment_add(
            ticket=ticket, actor=ticket.first_owner,
            file=ContentFile(_png(), name="damage-photo.png"),
        )  # fmt: skip
        attachment_services.attachment_add(
            ticket=ticket, actor=cast.technician,
            file=ContentFile(_pdf(f"Repair report {ticket.number}"), name="repair-report.pdf"),
            public=True,
        )  # fmt: skip


# --- Repairs, visits, offers -----------------------------------------------------------------


def _repairs(cast: _Cast) -> None:
    """Repairs on part of the working repair cases (fixed, failed, open), one product with
    two failed repairs (owed an exchange or a return) and an offer of a third repair
    waiting for the supervisor; another offer below the entitlement approved; field visits
    with the conduct checklist (one item missed once) and one booked for tomorrow."""
    working = Ticket.objects.filter(
        status__in=_WORKING, type__in=["repair", "complaint"], product__isnull=False
    ).order_by("created_at", "pk")
    tech = cast.technician
    # One product, two failed repairs of the same problem: exchange or return is owed.
    for ticket in cast.pick(
        working.filter(status="in_progress", unit__code="sh-workshop"),
        where=lambda t: (
            _in_validity(t, cast)
            and _options(t) == ["repair"]
            and timezone.localdate(t.created_at) <= cast.today - timedelta(days=4)
        ),
    ):
        repair_services.repair_record(
            ticket=ticket, actor=tech, technician=tech, started_on=_day(ticket, 0, cast),
            ended_on=_day(ticket, 1, cast), outcome="failed",
            diagnosis="Drain pump seal worn.", work_done="Replaced the pump seal.",
        )  # fmt: skip
        repair_services.repair_record(
            ticket=ticket, actor=tech, technician=tech, started_on=_day(ticket, 2, cast),
            ended_on=_day(ticket, 3, cast), outcome="failed",
            diagnosis="Leak again: the drum bearing housing is cracked.",
            work_done="Sealed the housing; leaks again under load.",
        )  # fmt: skip
        ticket.refresh_from_db()
        repair_services.offer_make(
            ticket=ticket, actor=ticket.first_owner, option="repair",
            reason="The customer asks for a third repair by a senior technician instead "
            "of an exchange.",
        )  # fmt: skip
    # An offer below the entitlement, approved by the supervisor.
    for ticket in cast.pick(
        working.filter(unit__code__in=_SUPERVISED),
        where=lambda t: "exchange" in _options(t),
    ):
        offer = repair_services.offer_make(
            ticket=ticket, actor=ticket.first_owner, option="repair",
            reason="The customer prefers a repair with a one-year extended warranty.",
        )  # fmt: skip
        repair_services.offer_decide(
            offer=offer, actor=cast.supervisor, approve=True,
            note="Agreed: extended warranty recorded in the archive.",
        )  # fmt: skip
    # Repairs: fixed, one failed, and open ones (some waiting for parts).
    outcomes = ["fixed", "fixed", "failed", "fixed", "open", "fixed", "open", "fixed"]
    for ticket, outcome in zip(
        cast.pick(working, count=len(outcomes)), outcomes, strict=False
    ):
        started = _day(ticket, 0, cast)
        if ticket.product.sale_date > started:
            started = ticket.product.sale_date
        finished = outcome != "open"
        ended = max(_day(ticket, 1, cast), started) if finished else None
        waiting = ticket.status == "waiting_parts"
        repair_services.repair_record(
            ticket=ticket, actor=tech, technician=tech, started_on=started,
            ended_on=ended, outcome=outcome if finished else "in_progress",
            parts_wait_days=0 if finished or not waiting else min(
                (cast.today - started).days, 3
            ),
            diagnosis="Control board relay stuck." if finished else "Compressor noisy.",
            work_done="Replaced the relay and tested a full cycle." if finished else "",
        )  # fmt: skip
    # Field visits with the conduct checklist of the pinned standard.
    visiting = Ticket.objects.filter(
        status="in_progress", type__in=["installation", "repair"],
        created_at__lte=cast.now - timedelta(hours=8),
    ).order_by("-created_at", "pk")  # fmt: skip
    for number, ticket in enumerate(cast.pick(visiting, count=3)):
        if number == 2:  # booked for tomorrow morning
            tomorrow = datetime.combine(cast.today + timedelta(days=1), time(10))
            repair_services.visit_schedule(
                ticket=ticket, actor=cast.supervisor, technician=tech,
                appointment_start=timezone.make_aware(tomorrow),
                appointment_end=timezone.make_aware(tomorrow + timedelta(hours=2)),
            )  # fmt: skip
            continue
        start = ticket.created_at + timedelta(hours=2)
        visit = repair_services.visit_schedule(
            ticket=ticket, actor=cast.supervisor, technician=tech,
            appointment_start=start, appointment_end=start + timedelta(hours=2),
        )  # fmt: skip
        items = conduct_checklist(ticket=ticket)
        checklist = dict.fromkeys(items, True)
        if number == 1 and items:
            checklist[items[-1]] = False  # forgot to demonstrate the product
        repair_services.visit_complete(
            visit=visit, actor=tech, arrived_at=start + timedelta(minutes=20),
            departed_at=start + timedelta(hours=1, minutes=30),
            diagnosis="Loose drain hose clamp." if number == 0 else "Installed and levelled.",
            parts="Hose clamp" if number == 0 else "", fees=Decimal(0 if number == 0 else 80),
            checklist=checklist, customer_confirmed=True,
        )  # fmt: skip


# --- Compensation and recourse ---------------------------------------------------------------

# One story per claim: (state to reach, [(kind, amount, liability)], who is liable (a
# party's name; None: the product's producer), recovered amount when settled).
CLAIMS = [
    ("draft", [("refund", "1299.00", "producer_defect"),
               ("transport", "120.00", "producer_defect")], None, None),
    ("ready", [("exchange", "2599.00", "producer_defect")], None, None),
    ("submitted", [("free_repair", "680.00", "producer_defect")], None, None),
    ("negotiating", [("property_damage", "450.00", "carrier")], "Swift Logistics", None),
    ("closed", [("free_repair", "800.00", "installer")], "HomeFit Installers", "800.00"),
    ("settled_partial", [("refund", "4200.00", "producer_defect")], None, "3000.00"),
    ("rejected", [("transport", "380.00", "carrier")], "Swift Logistics", None),
    ("written_off", [("free_repair", "300.00", "installer")], "HomeFit Installers", None),
    ("settled_full", [("exchange", "1899.00", "producer_defect")], None, "1899.00"),
    ("submitted", [("free_repair", "260.00", "installer")], "HomeFit Installers", None),
]  # fmt: skip
# The steps (claim actions) that lead to each state.
CLAIM_PATHS = {
    "draft": [],
    "ready": ["ready"],
    "submitted": ["ready", "submit"],
    "negotiating": ["ready", "submit", "acknowledge", "negotiate"],
    "settled_full": ["ready", "submit", "acknowledge", "settle"],
    "closed": ["ready", "submit", "settle", "close"],
    "settled_partial": ["ready", "submit", "acknowledge", "negotiate", "settle"],
    "rejected": ["ready", "submit", "reject"],
    "written_off": ["ready", "submit", "reject", "write_off"],
}
CLAIM_REASONS = {
    "reject": "The party says the goods left them undamaged (signed delivery note).",
    "write_off": "Below the cost of pursuing it further; approved.",
}


def _paid_on(ticket: Ticket, cast: _Cast) -> date:
    done = ticket.resolved_at or ticket.created_at
    return min(timezone.localdate(done) + timedelta(days=1), cast.today)


def _recourse(cast: _Cast) -> None:
    """Compensations on ~15 cases: third-party ones drafted into recourse claims walked to
    every state (so the party ledger has paid, recovered and outstanding amounts), two
    without a liable third party, one above the approval threshold waiting for the
    supervisor and one approved by them."""
    parties = {party.name: party for party in Party.objects.all()}
    finished = Ticket.objects.filter(
        status__in=["closed", "awaiting_follow_up"], product__isnull=False,
        unit__code__in=_SUPERVISED, product__model__producer__isnull=False,
    ).order_by("created_at", "pk")  # fmt: skip
    evidence_case = (
        Ticket.objects.filter(attachments__isnull=False)
        .exclude(customer__user=cast.portal)
        .order_by("pk")
        .first()
    )
    for target, payments, party_name, recovered in CLAIMS:
        if target == "ready" and evidence_case is not None:
            ticket = evidence_case  # its photo and report are the evidence
        else:
            picked = cast.pick(finished)
            if not picked:
                break
            ticket = picked[0]
        claim = None
        for kind, amount, liability in payments:
            compensation = recourse_services.compensation_record(
                ticket=ticket, actor=ticket.first_owner, kind=kind, amount=Decimal(amount),
                liability=liability, party=parties.get(party_name),
                paid_on=_paid_on(ticket, cast), note="Paid first to the customer.",
            )  # fmt: skip
            claim = compensation.recourse_claim
        if not claim.evidence.exists():
            claim = recourse_services.claim_update(
                claim=claim, actor=ticket.first_owner,
                evidence_notes="Technician's repair report, photos of the damage and "
                "the customer's payment receipt (paper file RC-" + ticket.number + ").",
            )  # fmt: skip
        for action in CLAIM_PATHS[target]:
            claim = recourse_services.claim_transition(
                claim=claim,
                actor=cast.manager if action == "write_off" else ticket.first_owner,
                action=action, reason=CLAIM_REASONS.get(action, ""),
                recovered_amount=Decimal(recovered) if action == "settle" else None,
            )  # fmt: skip
    goodwill = cast.pick(finished, count=2)
    for ticket, (kind, amount) in zip(
        goodwill, [("other", "200.00"), ("transport", "150.00")], strict=False
    ):
        recourse_services.compensation_record(
            ticket=ticket, actor=ticket.first_owner, kind=kind, amount=Decimal(amount),
            liability="none", paid_on=_paid_on(ticket, cast),
            note="Goodwill gesture for the long wait.",
        )  # fmt: skip
    # Above the approval threshold (5,000 by default): recorded by an agent, unpaid until a
    # supervisor approves it; the approved one is then drafted into a claim.
    for number, ticket in enumerate(cast.pick(finished, count=2)):
        compensation = recourse_services.compensation_record(
            ticket=ticket, actor=ticket.first_owner, kind="refund",
            amount=Decimal("6800.00" if number == 0 else "5600.00"),
            liability="producer_defect",
            note="Full refund: the product failed twice within validity.",
        )  # fmt: skip
        if number == 1:
            recourse_services.compensation_approve(
                compensation=compensation, actor=cast.supervisor
            )


# --- Ownership and queues --------------------------------------------------------------------


def _ownership(cast: _Cast) -> None:
    """Agent 2 goes on leave: a transfer of one of their open cases waits for Li Na."""
    for ticket in cast.pick(
        Ticket.objects.filter(
            first_owner=cast.agent2, status__in=["acknowledged", "in_progress"]
        ).order_by("pk")
    ):
        ownership_services.transfer_request(
            ticket=ticket, actor=cast.agent2, to_user=cast.agent,
            reason="Annual leave for three weeks from Monday: please take this case over.",
        )  # fmt: skip


def _queues(cast: _Cast) -> None:
    """The workshop hands out its queue round-robin; two cases just handed to the
    workshop (no person named) are assigned in turn."""
    ownership_services.queue_set_mode(
        unit=cast.workshop, actor=cast.supervisor, mode="round_robin"
    )
    for ticket in cast.pick(
        Ticket.objects.filter(
            status="acknowledged", type="repair", unit__code="sh-hotline"
        ).order_by("-created_at", "pk"),
        count=2,
    ):
        case_services.handover_request(
            ticket=ticket, actor=ticket.handler, to_unit=cast.workshop,
            reason="Needs the workshop", commitment="diagnose in 48 h",
            commitment_hours=48,
        )  # fmt: skip


DEMO_REPLIES = [
    (
        "en",
        "Visit booked",
        "Dear {customer_name}, a technician will visit you for case {case_number}. We "
        "will call you 30 minutes before arriving.",
    ),
    (
        "en",
        "Waiting for parts",
        "Dear {customer_name}, the part for case {case_number} is on its way; we expect "
        "to finish by {due_time}.",
    ),
    (
        "zh-hans",
        "已预约上门",
        "{customer_name}您好，服务单 {case_number} 已安排技术人员上门，到达前 30 分钟我们"
        "会致电您。",
    ),
    (
        "zh-hans",
        "等待配件",
        "{customer_name}您好，服务单 {case_number} 所需配件正在配送中，预计 {due_time} "
        "前完成维修。",
    ),
]


def _replies(cast: _Cast) -> None:
    """Saved replies every team may use, in English and Chinese (by the manager)."""
    for language, title, body in DEMO_REPLIES:
        reply_services.reply_save(
            actor=cast.manager, title=title, body=body, language=language, unit=None
        )


# Each part runs once: skipped when rows of its kind exist (a second run adds nothing).
PARTS = [
    ("attachments", Attachment, _attachments),
    ("repairs, visits and offers", Repair, _repairs),
    ("compensations and recourse claims", Compensation, _recourse),
    ("ownership transfer", OwnershipTransfer, _ownership),
    ("unit queue", UnitQueue, _queues),
    ("saved replies", CannedReply, _replies),
]


@transaction.atomic
def load(stdout=None) -> None:
    """Create the demo cases (skipped when cases exist), then each part on them."""
    if not Ticket.objects.exists():
        _cases(stdout)
    cast = _Cast()
    for label, model, build in PARTS:
        if model.objects.exists():
            continue
        build(cast)
        if stdout:
            stdout.write(f"  cases: {label}")
