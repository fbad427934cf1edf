"""Writes of the tickets app: opening a case with its first owner and pinned SLA clocks,
every lifecycle step (with its guards), comments, informing the customer, and handovers
with the no-bounce rule (the SLA and handover sweeps are in sweep.py). Every change writes
a TicketEvent in the same transaction (style.md B.4)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales import permissions
from aftersales.exceptions import DomainError, StaleObject
from aftersales.models import Unit, User
from aftersales.roles import Role
from aftersales.services import NotificationDraft, notify, notify_many
from aftersales.workflow import run_guards
from customers import selectors as archive_selectors
from customers import services as archive_services
from customers.models import Contact, Customer, OwnedProduct
from standards import calendar as business_calendar
from standards import selectors as standard_selectors
from standards import sla
from standards.parameters import Channel, get_path
from tickets import entitlement, signals, workflow
from tickets.cases import messages
from tickets.events import ticket_event_record
from tickets.models import CLOCK_DONE_FIELDS, Handover, Ticket, TicketEvent
from tickets.ownership.services import queue_assign
from tickets.repairs.selectors import repair_history_facts
from tickets.workflow import TicketAction, TicketStatus

CLOCK_LABELS = {
    "acknowledge": pgettext_lazy("case", "acknowledgement"),
    "first_contact": _("first contact"),
    "onsite": _("on-site visit"),
    "resolve": _("resolution"),
}
SAFETY_PRIORITY = "P1"


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff work on cases."))


def _home_unit(user: User) -> Unit:
    """The unit a person works from (their first unit)."""
    unit = user.units.order_by("path").first()
    if unit is None:
        raise ValidationError({"first_owner": [_("You are not a member of any unit.")]})
    return unit


def _due_times(ticket: Ticket, start: datetime) -> dict[str, datetime | None]:
    """Due times (and their 80 % warning points) of every clock started at `start`, from
    the pinned standard and the unit's calendar (standards/sla.py)."""
    version = ticket.standard_version
    if version is None or not ticket.has_sla:
        return sla.no_clock_times()
    return sla.clock_times(
        version.parameters,
        priority=ticket.priority,
        start=start,
        calendar=standard_selectors.calendar_for_unit(unit=ticket.unit),
        region=ticket.customer.region,
        needs_onsite=ticket.type in {"repair", "installation"},
    )


# The sources where the customer is in contact with the person who opens the case: the
# case is also a contact on record (domain §5, "record every contact"). The portal records
# its own (portal.services); dealers, regulators and ODR platforms are not the customer.
# How staff tell the customer (ticket_inform_customer): a call, recorded; or a text
# sent by SMS or e-mail. The value: the channel of the contact on record.
INFORM_CHANNELS = {
    "call": Contact.Channel.PHONE,
    "sms": Contact.Channel.SMS,
    "email": Contact.Channel.EMAIL,
}
CONTACT_OF_SOURCE = {
    Channel.HOTLINE: Contact.Channel.PHONE,
    Channel.COUNTER: Contact.Channel.COUNTER,
    Channel.EMAIL: Contact.Channel.EMAIL,
}


@transaction.atomic
def ticket_open(
    *,
    actor: User,
    type: str,  # noqa: A002  # the domain's word
    source: str,
    customer: Customer,
    title: str,
    description: str,
    priority: str = "P3",
    product: OwnedProduct | None = None,
    fault_code: str = "",
    safety_incident: bool = False,
    has_sla: bool = True,
    linked_to: Ticket | None = None,
) -> Ticket:
    """Register a case. The person who receives it is its first owner (首问负责) and first
    handler; the service-standard version in force is pinned and the SLA clocks are
    computed once. Opened by phone, at the counter or from an e-mail, the case is also
    the customer's contact on record (disposition: case created); the customer is told
    it was received (tickets.cases.messages). A safety incident raises the priority to P1
    and alerts the managers."""
    _require_staff(actor)
    if product is not None and product.customer_id != customer.pk:
        raise ValidationError(
            {"product": [_("This product belongs to another customer.")]}
        )
    if safety_incident:
        priority = SAFETY_PRIORITY
    unit = _home_unit(actor)
    category = product.model.category if product is not None else ""
    version = standard_selectors.service_standard_resolve(
        category=category, channel=source, unit=unit
    )
    ticket = Ticket(
        number=f"TMP-{timezone.now().timestamp()}",
        type=type,
        source=source,
        customer=customer,
        product=product,
        title=title,
        description=description,
        fault_code=fault_code,
        priority=priority,
        safety_incident=safety_incident,
        first_owner=actor,
        handler=actor,
        unit=unit,
        standard_version=version,
        has_sla=has_sla and version is not None,
        linked_to=linked_to,
    )
    # The related rows were passed in as objects, so validating them again would only
    # re-read them (one query each).
    ticket.full_clean(
        exclude=[
            "number", "first_owner", "handler", "unit", "status",
            "customer", "product", "standard_version", "linked_to",
        ]
    )  # fmt: skip
    ticket.save()
    now = ticket.created_at
    ticket.number = f"T{timezone.localtime(now):%Y%m%d}-{ticket.pk:05d}"
    for name, value in _due_times(ticket, now).items():
        setattr(ticket, name, value)
    ticket.entitlement = _entitlement_snapshot(ticket)
    ticket.save(
        update_fields=[
            "number",
            "entitlement",
            *(f"{c}_{k}_at" for c in sla.CLOCKS for k in ("due", "warn")),
        ]
    )
    ticket_event_record(
        ticket,
        TicketEvent.Type.OPENED,
        actor,
        data={
            "priority": ticket.priority,
            "standard_version": version.pk if version else None,
            "safety_incident": safety_incident,
            **({"linked_to": linked_to.number} if linked_to else {}),
        },
        public=True,
    )
    if source in CONTACT_OF_SOURCE:
        archive_services.contact_log(
            actor=actor,
            customer=customer,
            channel=CONTACT_OF_SOURCE[source],
            summary=title,
            disposition=Contact.Disposition.TICKET_CREATED,
            at=now,
            reference=ticket.number,
        )
    messages.customer_tell_received(ticket=ticket)
    if safety_incident:
        for manager in User.objects.filter(is_active=True, groups__name=Role.MANAGER):
            notify(
                recipient=manager,
                kind="safety_incident",
                key=f"safety:{ticket.pk}:{manager.pk}",
                title=_("Safety incident: %(number)s %(title)s"),
                title_params={"number": ticket.number, "title": ticket.title},
                url=ticket.get_absolute_url(),
                email=True,
            )
    return ticket


def entitlement_facts(
    ticket: Ticket, *, report_date, as_of: date | None = None
) -> entitlement.Facts:
    """Gather what the entitlement engine needs from the case, its product and the
    product's repair history (all its cases within validity; repair days counted up to
    `as_of` (today by default), or to `report_date` when that is later)."""
    product = ticket.product
    if product is None:
        return entitlement.Facts(
            category="", report_date=report_date, validity_start=None, validity_end=None
        )
    history = repair_history_facts(
        ticket=ticket, as_of=max(report_date, as_of or timezone.localdate())
    )
    return entitlement.Facts(
        category=product.model.category,
        report_date=report_date,
        validity_start=product.validity_start,
        validity_end=product.validity_end,
        performance_fault=ticket.type in {"repair", "return", "exchange", "complaint"},
        invoice_price=product.invoice_price,
        price_paid=product.price_paid,
        is_distance_sale=product.is_distance_sale,
        received_date=product.delivery_date or product.sale_date,
        **history,
    )


@transaction.atomic
def ticket_compute_entitlement(*, ticket: Ticket, as_of: date | None = None) -> dict:
    """Run the entitlement engine for the case now and store the snapshot on it."""
    result = _entitlement_snapshot(ticket, as_of=as_of)
    Ticket.objects.filter(pk=ticket.pk).update(entitlement=result)
    ticket.entitlement = result
    return result


def _entitlement_snapshot(ticket: Ticket, *, as_of: date | None = None) -> dict:
    """The entitlement engine's answer for the case now, as stored on it."""
    legal_sets = standard_selectors.legal_rule_sets_for_validation()
    parameters = ticket.standard_version.parameters if ticket.standard_version else {}
    standard = parameters.get("entitlement", {})
    code = (ticket.product.legal_rule_set if ticket.product else "") or standard.get(
        "legal_rule_set", ""
    )
    if code != standard.get("legal_rule_set"):
        # The standard's values were checked against its own law only (e.g. household
        # goods); a product under another law (vehicles) gets that law's values.
        standard = {}
    legal = legal_sets.get(code, {"parameters": {}, "citations": {}})
    result = entitlement.compute(
        entitlement_facts(
            ticket, report_date=timezone.localdate(ticket.created_at), as_of=as_of
        ),
        standard=standard,
        legal=legal["parameters"],
        citations=legal["citations"],
    ).as_snapshot()
    result["legal_rule_set"] = code
    return result


def _resumed_clock_times(ticket: Ticket, *, now: datetime) -> dict[str, Any]:
    """The open clocks' due and warn times moved by the pause that ends at `now`, in the
    clock's own time base (business hours when the pinned standard counts them)."""
    parameters = ticket.standard_version.parameters if ticket.standard_version else {}
    business = sla.counts_business_hours(parameters)
    calendar = standard_selectors.calendar_for_unit(unit=ticket.unit)
    fields: dict[str, Any] = {}
    for clock in sla.CLOCKS:
        if getattr(ticket, f"{clock}_due_at") is None:
            continue
        if getattr(ticket, CLOCK_DONE_FIELDS[clock]) is not None:
            continue
        for kind in ("due", "warn"):
            fields[f"{clock}_{kind}_at"] = sla.shift_for_pause(
                getattr(ticket, f"{clock}_{kind}_at"),
                paused_at=ticket.paused_at,
                resumed_at=now,
                calendar=calendar,
                business_hours=business,
            )
    return fields


def business_hours_open(ticket: Ticket, moment: datetime) -> Decimal:
    """The business hours (the case's unit calendar) from the case's opening to `moment`,
    to the hundredth: stored when a clock stops, read by the KPIs."""
    calendar = standard_selectors.calendar_for_unit(unit=ticket.unit)
    hours = business_calendar.business_hours_between(
        calendar, ticket.created_at, moment
    )
    return Decimal(str(round(hours, 2)))


def _set_status(ticket: Ticket, target: str, **fields: Any) -> None:
    """Compare-and-set the status (StaleObject when someone moved the case first)."""
    if not Ticket.objects.filter(pk=ticket.pk, status=ticket.status).update(
        status=target, **fields
    ):
        raise StaleObject()
    old = ticket.status
    ticket.status = target
    for name, value in fields.items():
        setattr(ticket, name, value)
    return old


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket,
    action: str,
    actor: User | None,
    note: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Fire a lifecycle action as `actor` (None: the system, e.g. the follow-up loop).

    Pausing stops the SLA clocks; resuming moves every open due time later by the time
    paused. Records a status event; the first owner is told about reopenings."""
    now = now or timezone.now()
    target = workflow.target_of(ticket.status, action)
    roles = set(actor.role_names) if actor is not None else None
    rule = workflow.check(ticket.status, target, roles=roles)
    if rule.needs_note and not note.strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    run_guards(
        rule.guards,
        ticket,
        now=now,
        has_open_repair=lambda: ticket.repairs.filter(ended_on__isnull=True).exists(),
    )
    fields: dict[str, Any] = {}
    if action == TicketAction.ACKNOWLEDGE:
        fields["acknowledged_at"] = now
        fields["first_response_hours"] = business_hours_open(ticket, now)
    elif rule.pauses_sla:
        fields["paused_at"] = now
    elif action == TicketAction.RESUME and ticket.paused_at:
        fields["paused_at"] = None
        fields.update(_resumed_clock_times(ticket, now=now))
    elif action == TicketAction.RESOLVE:
        fields["resolved_at"] = now
        fields["resolution_hours"] = business_hours_open(ticket, now)
    elif action == TicketAction.CLOSE:
        fields["closed_at"] = now
    elif action == TicketAction.REOPEN:
        # Back to the same first owner and their unit; the rework gets a fresh resolve
        # clock of the pinned standard's length.
        fields["reopen_count"] = F("reopen_count") + 1
        fields["handler"] = ticket.first_owner
        fields["unit"] = _home_unit(ticket.first_owner)
        fields["resolved_at"] = None
        # The rework needs its own follow-up before the case may close again.
        fields["follow_up_completed_at"] = None
        fresh = _due_times(ticket, now)
        fields["resolve_due_at"] = fresh["resolve_due_at"]
        fields["resolve_warn_at"] = fresh["resolve_warn_at"]
        # A new round: its SLA steps are still to come (tickets.cases.sweep).
        fields.update({f"{clock}_steps_done": False for clock in sla.CLOCKS})
    old = _set_status(ticket, target, **fields)
    ticket.refresh_from_db()
    event = ticket_event_record(
        ticket,
        TicketEvent.Type.STATUS_CHANGED,
        actor,
        data={"old": old, "new": target, "action": action, "note": note},
        public=target
        in {TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.REOPENED},
        at=now,
    )
    ended = {
        TicketAction.CANCEL: _("%(number)s was cancelled"),
        TicketAction.MARK_DUPLICATE: _("%(number)s was marked as a duplicate"),
    }
    if action in ended and ticket.first_owner_id != getattr(actor, "pk", None):
        notify(
            recipient=ticket.first_owner,
            kind="ticket_ended",
            key=f"ended:{ticket.pk}",
            title=ended[action],
            title_params={"number": ticket.number},
            body=note,
            url=ticket.get_absolute_url(),
        )
    if action == TicketAction.RESOLVE:
        messages.customer_tell_resolved(
            ticket=ticket, awaiting_follow_up=_followed_up(ticket)
        )
    if action == TicketAction.PAUSE_PARTS:
        messages.customer_tell_parts(ticket=ticket, event_id=event.pk)
    if action == TicketAction.REOPEN:
        messages.customer_tell_reopened(ticket=ticket)
        notify(
            recipient=ticket.first_owner,
            kind="ticket_reopened",
            key=f"reopened:{ticket.pk}:{ticket.reopen_count}",
            title=_("%(number)s was reopened"),
            title_params={"number": ticket.number},
            body=note,
            url=ticket.get_absolute_url(),
        )
    return ticket


@transaction.atomic
def ticket_set_resolution(
    *,
    ticket: Ticket,
    actor: User,
    cause_code: str,
    liability: str,
    resolution: str = "",
) -> Ticket:
    """Record cause, liability and resolution text (needed before resolving)."""
    _require_staff(actor)
    ticket.cause_code, ticket.liability, ticket.resolution = (
        cause_code,
        liability,
        resolution,
    )
    ticket.full_clean(exclude=["number"])
    Ticket.objects.filter(pk=ticket.pk).update(
        cause_code=cause_code, liability=liability, resolution=resolution
    )
    ticket_event_record(
        ticket,
        TicketEvent.Type.COMMENT,
        actor,
        data={"cause_code": cause_code, "liability": liability},
    )
    return ticket


@transaction.atomic
def ticket_inform_customer(
    *, ticket: Ticket, actor: User, message: str, channel: str = "call"
) -> Ticket:
    """Tell the customer (the first contact, and the result before resolving): after a
    call it is recorded; by SMS or e-mail the text is also sent (with the case number and
    the tracking link), which needs an address on that channel and the customer's consent
    to service contact. Either way it is on the customer-visible timeline and in the
    customer's contact log (outbound)."""
    _require_staff(actor)
    if not message.strip():
        raise ValidationError({"message": [_("Say what the customer was told.")]})
    if channel not in INFORM_CHANNELS:
        raise ValidationError({"channel": [_("Choose a call, an SMS or an e-mail.")]})
    customer = ticket.customer
    if channel != "call":
        if not customer.consent_service:
            raise ValidationError(
                {"channel": [_("The customer does not consent to service messages: "
                               "call them instead.")]}
            )  # fmt: skip
        if not archive_selectors.customer_address(customer=customer, channel=channel):
            raise ValidationError(
                {"channel": [_("The customer has no address on this channel.")]}
            )
    now = timezone.now()
    fields = {"customer_informed_at": now}
    if ticket.first_contact_at is None:
        fields["first_contact_at"] = now
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    for name, value in fields.items():
        setattr(ticket, name, value)
    event = ticket_event_record(
        ticket,
        TicketEvent.Type.CUSTOMER_INFORMED,
        actor,
        data={"message": message, "channel": channel},
        public=True,
    )
    archive_services.contact_log(
        actor=actor,
        customer=customer,
        channel=INFORM_CHANNELS[channel],
        summary=message,
        disposition=Contact.Disposition.LINKED,
        direction=Contact.Direction.OUTBOUND,
        at=now,
        reference=ticket.number,
    )
    if channel != "call":
        messages.customer_send_text(
            ticket=ticket,
            channel=channel,
            text=message,
            key=f"customer:told:{event.pk}",
        )
    return ticket


@transaction.atomic
def ticket_comment(
    *, ticket: Ticket, actor: User, body: str, public: bool = False
) -> TicketEvent:
    """An internal note, or a reply the customer sees (`public`), which is also sent
    to the customer (tickets.cases.messages)."""
    _require_staff(actor)
    if not body.strip():
        raise ValidationError({"body": [_("Write something.")]})
    event = ticket_event_record(
        ticket, TicketEvent.Type.COMMENT, actor, data={"body": body}, public=public
    )
    if public:
        messages.customer_tell_reply(ticket=ticket, event_id=event.pk, text=body)
    return event


# --- Handovers --------------------------------------------------------------------------------


def handover_request(
    *,
    ticket: Ticket,
    actor: User,
    reason: str,
    to_unit: Unit | None = None,
    to_user: User | None = None,
    commitment: str = "",
    commitment_hours: Decimal | None = None,
) -> Handover:
    """Hand the work to a person or a unit. The receiver accepts or rejects to a
    coordinator; a case can never go straight back to the unit it came from (no bounce).
    A refused bounce is still counted (domain §8), so the refusal is outside the
    transaction that would roll the count back."""
    try:
        return _handover_request(
            ticket=ticket, actor=actor, reason=reason, to_unit=to_unit, to_user=to_user,
            commitment=commitment, commitment_hours=commitment_hours,
        )  # fmt: skip
    except _Bounce as bounce:
        Ticket.objects.filter(pk=ticket.pk).update(bounce_count=F("bounce_count") + 1)
        raise DomainError(
            _("No bounce: this case came from %(unit)s. Accept it, or reject it to your "
              "coordinator with a reason.") % {"unit": bounce.unit.name}
        ) from None  # fmt: skip


class _Bounce(Exception):  # noqa: N818  # internal signal, never leaves this module
    def __init__(self, unit: Unit) -> None:
        self.unit = unit


@transaction.atomic
def _handover_request(
    *,
    ticket: Ticket,
    actor: User,
    reason: str,
    to_unit: Unit | None,
    to_user: User | None,
    commitment: str,
    commitment_hours: Decimal | None,
) -> Handover:
    _require_staff(actor)
    if not workflow.is_open(ticket.status):
        raise DomainError(_("Only an open case is handed over."))
    if to_unit is None and to_user is None:
        raise ValidationError({"to_unit": [_("Choose a person or a unit.")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    if to_unit is None:
        to_unit = _home_unit(to_user)
    last = (
        ticket.handovers.filter(status=Handover.Status.ACCEPTED)
        .order_by("-decided_at")
        .first()
    )
    if (
        last is not None
        and to_unit.pk == last.from_unit_id
        and ticket.unit_id == last.to_unit_id
    ):
        raise _Bounce(to_unit)
    now = timezone.now()
    hours = get_path(
        ticket.standard_version.parameters if ticket.standard_version else {},
        "sla.handover_acceptance_hours",
        None,
    )
    handover = Handover(
        ticket=ticket,
        from_user=actor,
        from_unit=ticket.unit,
        to_user=to_user,
        to_unit=to_unit,
        reason=reason,
        commitment=commitment,
        commitment_hours=commitment_hours,
        requested_at=now,
        accept_due_at=sla.hours_after(now, hours),
    )
    try:
        with transaction.atomic():
            handover.save()
    except IntegrityError as exc:
        raise DomainError(
            _("This case already has a handover waiting for acceptance.")
        ) from exc
    ticket_event_record(
        ticket,
        TicketEvent.Type.HANDOVER_REQUESTED,
        actor,
        data={"handover": handover.pk, "to_unit": to_unit.pk,
              "to_user": to_user.pk if to_user else None, "reason": reason,
              "commitment": commitment},
    )  # fmt: skip
    if to_user is not None:
        receivers = [to_user]
    elif queue_assign(handover=handover) is None:  # the unit's queue may name one
        receivers = list(
            User.objects.filter(memberships__unit_id=to_unit.pk, is_active=True)
            .exclude(pk=actor.pk)
            .order_by("pk")
        )
    else:
        receivers = []  # (the queue told the member it named)
    notify_many(
        NotificationDraft(
            recipient=person,
            kind="handover_requested",
            key=f"handover:{handover.pk}:{person.pk}",
            title=_("%(number)s is handed over to you: accept or reject it"),
            title_params={"number": ticket.number},
            body=reason,
            url=ticket.get_absolute_url(),
        )
        for person in receivers
        if person.is_active and person.pk != actor.pk
    )
    return handover


def _may_receive(handover: Handover, user: User) -> bool:
    if handover.to_user_id:
        return handover.to_user_id == user.pk
    return user.units.filter(pk=handover.to_unit_id).exists()


@transaction.atomic
def handover_accept(*, handover: Handover, actor: User) -> Handover:
    """The receiver takes the work: it becomes the handler and unit; the commitment clock
    starts now; the first owner stays accountable. An acknowledged case starts."""
    if not _may_receive(handover, actor):
        raise PermissionDenied(_("This handover is addressed to someone else."))
    if not workflow.is_open(handover.ticket.status):
        raise DomainError(
            _("This case is no longer open; the handover cannot be accepted.")
        )
    now = timezone.now()
    commitment_due = sla.hours_after(now, handover.commitment_hours)
    if not Handover.objects.filter(
        pk=handover.pk, status=Handover.Status.REQUESTED
    ).update(
        status=Handover.Status.ACCEPTED,
        decided_at=now,
        decided_by=actor,
        commitment_due_at=commitment_due,
    ):
        raise StaleObject(_("This handover was already decided."))
    handover.refresh_from_db()
    ticket = handover.ticket
    Ticket.objects.filter(pk=ticket.pk).update(handler=actor, unit=handover.to_unit)
    ticket.refresh_from_db()
    ticket_event_record(
        ticket,
        TicketEvent.Type.HANDOVER_ACCEPTED,
        actor,
        data={"handover": handover.pk},
    )
    if ticket.status in {TicketStatus.ACKNOWLEDGED, TicketStatus.REOPENED}:
        ticket_transition(ticket=ticket, action=TicketAction.START, actor=actor)
    workshop = Unit.Kind.REPAIR_WORKSHOP
    if handover.to_unit.kind == workshop and handover.from_unit.kind != workshop:
        messages.customer_tell_workshop(handover=handover)
    notify(
        recipient=ticket.first_owner,
        kind="handover_accepted",
        key=f"handover-accepted:{handover.pk}",
        title=_("%(number)s was accepted by %(name)s"),
        title_params={"number": ticket.number, "name": actor.name},
        url=ticket.get_absolute_url(),
    )
    return handover


@transaction.atomic
def handover_reject(*, handover: Handover, actor: User, reason: str) -> Handover:
    """The receiver refuses with a reason; the case goes to its coordinator (the receiving
    unit's supervisor decides), never straight back."""
    if not _may_receive(handover, actor):
        raise PermissionDenied(_("This handover is addressed to someone else."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    if not Handover.objects.filter(
        pk=handover.pk, status=Handover.Status.REQUESTED
    ).update(
        status=Handover.Status.REJECTED,
        decided_at=timezone.now(),
        decided_by=actor,
        rejection_reason=reason,
        to_coordinator=True,
    ):
        raise StaleObject(_("This handover was already decided."))
    handover.refresh_from_db()
    ticket = handover.ticket
    ticket_event_record(
        ticket,
        TicketEvent.Type.HANDOVER_REJECTED,
        actor,
        data={"handover": handover.pk, "reason": reason},
    )
    for supervisor in permissions.supervisors_of(unit_ids=[handover.to_unit_id]):
        notify(
            recipient=supervisor,
            kind="handover_rejected",
            key=f"handover-rejected:{handover.pk}:{supervisor.pk}",
            title=_("Decide where %(number)s goes: rejected by %(name)s"),
            title_params={"number": ticket.number, "name": actor.name},
            body=reason,
            url=ticket.get_absolute_url(),
        )
    return handover


# --- Alerts -------------------------------------------------------------------------------------


def _supervisors(unit_id: int) -> set[User]:
    return set(permissions.supervisors_of(unit_ids=[unit_id]))


def _followed_up(ticket: Ticket) -> bool:
    """Whether the pinned standard follows up cases of this type (default: yes)."""
    return bool(
        get_path(
            ticket.standard_version.parameters if ticket.standard_version else {},
            f"followup.coverage.{ticket.type}",
            1,
        )
    )


@transaction.atomic
def ticket_resolve(
    *,
    ticket: Ticket,
    actor: User,
    cause_code: str,
    liability: str,
    resolution: str = "",
) -> Ticket:
    """Record cause, liability and resolution, then resolve (the guards still apply: the
    customer must have been told). The case then waits for its follow-up when the standard
    covers its type."""
    ticket_set_resolution(
        ticket=ticket, actor=actor, cause_code=cause_code, liability=liability,
        resolution=resolution,
    )  # fmt: skip
    ticket.refresh_from_db()
    ticket = ticket_transition(ticket=ticket, action=TicketAction.RESOLVE, actor=actor)
    coverage = _followed_up(ticket)
    if coverage:
        ticket = ticket_transition(
            ticket=ticket, action=TicketAction.AWAIT_FOLLOW_UP, actor=None
        )
    ticket_id = ticket.pk
    transaction.on_commit(
        lambda: signals.ticket_resolved.send(
            sender=Ticket, ticket_id=ticket_id, awaiting_follow_up=bool(coverage)
        )
    )
    return ticket


def ticket_pause(*, ticket: Ticket, actor: User, reason: str, note: str = "") -> Ticket:
    """Wait for parts or for the customer (SLA clocks pause)."""
    actions = {
        "parts": TicketAction.PAUSE_PARTS,
        "customer": TicketAction.PAUSE_CUSTOMER,
    }
    if reason not in actions:
        raise ValidationError({"reason": [_("Choose “parts” or “customer”.")]})
    return ticket_transition(
        ticket=ticket, action=actions[reason], actor=actor, note=note
    )


@transaction.atomic
def ticket_record_follow_up(
    *,
    ticket: Ticket,
    actor: User | None,
    outcome: str,
    note: str = "",
    at: datetime | None = None,
) -> Ticket:
    """Record a follow-up outcome on the case (called by the follow-up loop): "satisfied"
    or "dissatisfied" complete it; "unreachable" completes it only with a supervisor's
    note (domain §6 close guard). Unreachable is never counted as satisfied."""
    if outcome not in {"satisfied", "dissatisfied", "unreachable"}:
        raise ValidationError({"outcome": [_("Unknown follow-up outcome.")]})
    if outcome == "unreachable" and not (
        note.strip() and actor is not None and permissions.can_close_unreachable(actor)
    ):
        raise ValidationError(
            {
                "note": [
                    _(
                        "An unreachable customer needs a supervisor's note to close the case."
                    )
                ]
            }
        )
    at = at or timezone.now()
    if outcome in {"satisfied", "unreachable"}:
        Ticket.objects.filter(pk=ticket.pk).update(follow_up_completed_at=at)
        ticket.follow_up_completed_at = at
    ticket_event_record(
        ticket,
        TicketEvent.Type.FOLLOW_UP,
        actor,
        data={"outcome": outcome, "note": note},
        at=at,
    )
    return ticket
