"""What the customer is told about their case (issue #13, domain §6-§7): each message
once per case and step (or per text staff wrote), in the customer's language, on the
channel they can be reached on, only with their consent to service contact; through the
outbox."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.models import OutboxMessage
from aftersales.services import outbox_enqueue
from customers import selectors as archive_selectors
from standards.parameters import Channel
from tickets.cases import selectors as case_selectors
from tickets.models import Ticket


def customer_language(ticket: Ticket) -> str:
    """The customer's language: their portal login's, else the company's default."""
    user = ticket.customer.user
    return (user.language if user is not None and user.language else "") or (
        settings.LANGUAGE_CODE
    )


def _send(channel: str, address: str, subject: str, body: str, *, key: str):
    return outbox_enqueue(
        channel=channel,
        to=address,
        subject=subject if channel == OutboxMessage.Channel.EMAIL else "",
        body=body,
        key=key,
    )


def _tell(
    *, ticket: Ticket, step: str, subject: str, body: str
) -> OutboxMessage | None:
    customer = ticket.customer
    if not customer.consent_service:
        return None
    route = archive_selectors.message_route(customer=customer)
    if route is None:
        return None
    channel, address = route
    return _send(channel, address, subject, body, key=f"customer:{step}:{ticket.pk}")


def customer_tell_received(*, ticket: Ticket) -> OutboxMessage | None:
    """ "Case received": the number, what happens next and by when (the first-contact
    commitment of the standard pinned on the case), and the tracking link. Not for a
    case the customer filed on the portal, which sends its own link."""
    if ticket.source == Channel.PORTAL:
        return None
    with translation.override(customer_language(ticket)):
        if ticket.first_contact_due_at is not None:
            due = timezone.localtime(ticket.first_contact_due_at)
            next_step = _("We will contact you by %(due)s.") % {
                "due": f"{due:%Y-%m-%d %H:%M}"
            }
        else:
            next_step = _("We will contact you soon.")
        body = _(
            "We have received your case %(number)s (%(title)s). %(next)s Follow it and "
            "reply here: %(url)s (keep this link private)."
        ) % {
            "number": ticket.number,
            "title": ticket.title,
            "next": next_step,
            "url": case_selectors.tracking_link(ticket=ticket),
        }
        subject = _("Your case %(number)s was received") % {"number": ticket.number}
    return _tell(ticket=ticket, step="received", subject=subject, body=body)


def customer_send_text(
    *, ticket: Ticket, channel: str, text: str, key: str
) -> OutboxMessage:
    """A text staff wrote to the customer ("Tell the customer") by SMS or e-mail, with
    the case number and the tracking link below it; sent once per `key`. The caller has
    checked consent and the address (`customers.selectors.customer_address`)."""
    address = archive_selectors.customer_address(
        customer=ticket.customer, channel=channel
    )
    with translation.override(customer_language(ticket)):
        subject = _("About your case %(number)s") % {"number": ticket.number}
        footer = _("Case %(number)s: %(url)s") % {
            "number": ticket.number,
            "url": case_selectors.tracking_link(ticket=ticket),
        }
    return _send(channel, address, subject, f"{text}\n\n{footer}", key=key)


def customer_tell_resolved(
    *, ticket: Ticket, awaiting_follow_up: bool
) -> OutboxMessage | None:
    """ "Resolved": the resolution in the words staff wrote for it, and that a follow-up
    call is coming when the standard covers the case; once per round (a reopened case
    resolved again is told again)."""
    with translation.override(customer_language(ticket)):
        parts = [
            _("Your case %(number)s is resolved.") % {"number": ticket.number},
            ticket.resolution.strip(),
        ]
        if awaiting_follow_up:
            parts.append(_("We will call you soon to ask how we did."))
        parts.append(
            _("Details: %(url)s") % {"url": case_selectors.tracking_link(ticket=ticket)}
        )
        subject = _("Your case %(number)s is resolved") % {"number": ticket.number}
    return _tell(
        ticket=ticket,
        step=f"resolved:{ticket.reopen_count}",
        subject=subject,
        body=" ".join(part for part in parts if part),
    )


def customer_tell_reopened(*, ticket: Ticket) -> OutboxMessage | None:
    """ "Reopened": the case is being worked on again; once per reopening."""
    with translation.override(customer_language(ticket)):
        body = _(
            "Your case %(number)s is open again and back with its first owner; we will "
            "get back to you. Follow it here: %(url)s"
        ) % {
            "number": ticket.number,
            "url": case_selectors.tracking_link(ticket=ticket),
        }
        subject = _("Your case %(number)s is open again") % {"number": ticket.number}
    return _tell(
        ticket=ticket,
        step=f"reopened:{ticket.reopen_count}",
        subject=subject,
        body=body,
    )


def customer_tell_reply(*, ticket: Ticket, event_id: int, text: str):
    """A public reply from staff on the case; once per reply."""
    with translation.override(customer_language(ticket)):
        body = _(
            "A reply on your case %(number)s: %(text)s Answer it here: %(url)s"
        ) % {
            "number": ticket.number,
            "text": text,
            "url": case_selectors.tracking_link(ticket=ticket),
        }
        subject = _("A reply on your case %(number)s") % {"number": ticket.number}
    return _tell(ticket=ticket, step=f"reply:{event_id}", subject=subject, body=body)
