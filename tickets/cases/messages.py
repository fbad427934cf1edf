"""What the customer is told about their case (issue #13, domain §6-§7): each message
once per case and step (or per text staff wrote), in the customer's language, on the
channel they can be reached on, only with their consent to service contact, held past
the quiet hours (the pinned standard's and the customer's own); through the outbox, as
one e-mail thread per case, and on the customer's timeline as an outbound contact. The
texts are the quality manager's (tickets/replies/notices.py)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from aftersales.models import OutboxMessage
from aftersales.services import outbox_enqueue
from customers import selectors as archive_selectors
from customers import services as archive_services
from customers.models import Contact
from standards import quiet
from standards.parameters import Channel, get_path
from tickets import entitlement
from tickets.cases import selectors as case_selectors
from tickets.models import CompensationKind, FieldVisit, Handover, Ticket
from tickets.replies.notices import notice_text


def customer_language(ticket: Ticket) -> str:
    """The customer's language: their portal login's, else the company's default."""
    user = ticket.customer.user
    return (user.language if user is not None and user.language else "") or (
        settings.LANGUAGE_CODE
    )


def quiet_until(*, ticket: Ticket, now: datetime | None = None) -> datetime | None:
    """When an automatic message may go if `now` is inside the quiet hours of the
    standard pinned on the case or of the customer; None when it may go now."""
    parameters = ticket.standard_version.parameters if ticket.standard_version else {}
    customer = ticket.customer
    spans = quiet.quiet_spans(
        get_path(parameters or {}, "followup.quiet_hours", None),
        (customer.quiet_hours_start, customer.quiet_hours_end),
    )
    local = timezone.localtime(now or timezone.now())
    if not quiet.in_quiet_hours(local, spans):
        return None
    return quiet.next_outside_quiet_hours(local, spans)


def _send(channel, address, subject, body, *, key, ticket, not_before=None):
    return outbox_enqueue(
        channel=channel,
        to=address,
        subject=subject if channel == OutboxMessage.Channel.EMAIL else "",
        body=body,
        key=key,
        not_before=not_before,
        thread=ticket.number,
    )


def _tell(*, ticket: Ticket, event: str, step: str, values: dict | None = None):
    """Send the event's message once per `step`: consent, a route, quiet hours; logged
    as an outbound contact on the customer's timeline. None when not sent."""
    customer = ticket.customer
    if not customer.consent_service:
        return None
    route = archive_selectors.message_route(customer=customer)
    if route is None:
        return None
    key = f"customer:{step}:{ticket.pk}"
    if OutboxMessage.objects.filter(key=key).exists():
        return None
    channel, address = route
    language = customer_language(ticket)
    with translation.override(language):
        filled = {
            "number": ticket.number,
            "customer_name": customer.name,
            "url": case_selectors.tracking_link(ticket=ticket),
            **{name: str(value) for name, value in (values or {}).items()},
        }
        subject, body = notice_text(event=event, language=language, values=filled)
    message = _send(
        channel, address, subject, body, key=key, ticket=ticket,
        not_before=quiet_until(ticket=ticket),
    )  # fmt: skip
    archive_services.contact_log(
        actor=None,
        customer=customer,
        channel=channel,
        direction=Contact.Direction.OUTBOUND,
        disposition=Contact.Disposition.LINKED,
        summary=body,
        reference=ticket.number,
    )
    return message


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def customer_tell_received(*, ticket: Ticket) -> OutboxMessage | None:
    """ "Case received": the number, what happens next and by when (the first-contact
    commitment of the standard pinned on the case), and the tracking link. Not for a
    case the customer filed on the portal, which sends its own link."""
    if ticket.source == Channel.PORTAL:
        return None
    with translation.override(customer_language(ticket)):
        if ticket.first_contact_due_at is not None:
            next_step = _("We will contact you by %(due)s.") % {
                "due": _local(ticket.first_contact_due_at)
            }
        else:
            next_step = _("We will contact you soon.")
    return _tell(
        ticket=ticket,
        event="received",
        step="received",
        values={"title": ticket.title, "next_step": next_step},
    )


def _window(visit: FieldVisit) -> str:
    start = timezone.localtime(visit.appointment_start)
    if visit.appointment_end is None:
        return f"{start:%Y-%m-%d %H:%M}"
    end = timezone.localtime(visit.appointment_end)
    if end.date() == start.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


def customer_tell_visit_booked(*, visit: FieldVisit) -> OutboxMessage | None:
    """ "Visit booked": the time window; once per visit."""
    return _tell(
        ticket=visit.ticket,
        event="visit_booked",
        step=f"visit:{visit.pk}",
        values={"window": _window(visit)},
    )


def customer_tell_visit_reminder(*, visit: FieldVisit) -> OutboxMessage | None:
    """The reminder the day before a visit; once per visit."""
    return _tell(
        ticket=visit.ticket,
        event="visit_reminder",
        step=f"visit-reminder:{visit.pk}",
        values={"window": _window(visit)},
    )


def customer_tell_workshop(*, handover: Handover) -> OutboxMessage | None:
    """ "Handed to a workshop": the case went to a repair workshop (what the customer
    waits for is now the workshop's repair); once per handover."""
    return _tell(
        ticket=handover.ticket,
        event="workshop",
        step=f"workshop:{handover.pk}",
        values={"workshop": handover.to_unit.name},
    )


def customer_tell_parts(*, ticket: Ticket, event_id: int) -> OutboxMessage | None:
    """ "Waiting for parts"; once per pause."""
    return _tell(ticket=ticket, event="parts", step=f"parts:{event_id}")


def _owed(ticket: Ticket) -> str:
    """What the customer is owed, in their language: the compensations recorded on the
    case (kind and amount), else the remedy agreed (an accepted or approved offer)."""
    items = [
        f"{CompensationKind(kind).label} {formats.number_format(amount, 2)}"
        for kind, amount in ticket.compensations.order_by("pk").values_list(
            "kind", "amount"
        )
    ]
    if not items:
        items = [
            str(entitlement.OPTION_LABELS.get(option, option))
            for option in ticket.offers.filter(status__in=["accepted", "approved"])
            .order_by("pk")
            .values_list("option", flat=True)
        ]
    if not items:
        return ""
    return _("What we owe you: %(items)s.") % {"items": ", ".join(items)}


def customer_tell_resolved(
    *, ticket: Ticket, awaiting_follow_up: bool
) -> OutboxMessage | None:
    """ "Resolved": the resolution in the words staff wrote for it, what the customer is
    owed, and that a follow-up call is coming when the standard covers the case; once
    per round (a reopened case resolved again is told again)."""
    with translation.override(customer_language(ticket)):
        values = {
            "resolution": ticket.resolution.strip(),
            "owed": _owed(ticket),
            "follow_up": _("We will call you soon to ask how we did.")
            if awaiting_follow_up
            else "",
        }
    return _tell(
        ticket=ticket,
        event="resolved",
        step=f"resolved:{ticket.reopen_count}",
        values=values,
    )


def customer_tell_reopened(*, ticket: Ticket) -> OutboxMessage | None:
    """ "Reopened": the case is being worked on again; once per reopening."""
    return _tell(
        ticket=ticket, event="reopened", step=f"reopened:{ticket.reopen_count}"
    )


def customer_tell_reply(*, ticket: Ticket, event_id: int, text: str):
    """A public reply from staff on the case; once per reply."""
    return _tell(
        ticket=ticket, event="reply", step=f"reply:{event_id}", values={"text": text}
    )


def customer_send_text(
    *, ticket: Ticket, channel: str, text: str, key: str
) -> OutboxMessage:
    """A text staff wrote to the customer ("Tell the customer") by SMS or e-mail, with
    the case number and the tracking link below it; sent once per `key`, at once (a
    person chose to send it now). The caller has checked consent and the address
    (`customers.selectors.customer_address`) and logs the contact."""
    address = archive_selectors.customer_address(
        customer=ticket.customer, channel=channel
    )
    with translation.override(customer_language(ticket)):
        subject = _("About your case %(number)s") % {"number": ticket.number}
        footer = _("Case %(number)s: %(url)s") % {
            "number": ticket.number,
            "url": case_selectors.tracking_link(ticket=ticket),
        }
    return _send(
        channel, address, subject, f"{text}\n\n{footer}", key=key, ticket=ticket
    )
