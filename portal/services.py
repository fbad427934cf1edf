"""Writes of the customer portal (domain §6 "Customer portal"): one-time codes that verify
a contact, a complaint filed without an account, replies from the tracking page, and
tracking links sent again on request.

Not re-exported by `tickets.services`; import it as `from tickets.services import portal`.

One-time codes live in the cache (LocMem on the embedded default, Redis when configured),
keyed by an HMAC of the contact: 6 digits, stored only as an HMAC, valid 10 minutes, at most
5 tries, single use. Codes and links leave through the outbox (aftersales.services).
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.exceptions import DomainError
from aftersales.models import OutboxMessage, User
from aftersales.services import notify, outbox_enqueue
from customers import services as archive_services
from customers.models import Contact, Customer, OwnedProduct, ProductModel
from portal import selectors as portal_selectors
from tickets.attachments import services as attachments
from tickets.cases import selectors as case_selectors
from tickets.cases.services import ticket_open
from tickets.events import ticket_event_record
from tickets.models import Ticket, TicketEvent
from tickets.ownership import services as ownership

CODE_DIGITS = 6
CODE_TTL_SECONDS = 10 * 60
CODE_MAX_TRIES = 5
REPLY_MAX_LENGTH = 4000
MAX_PHOTOS = 3
PORTAL_TYPES = ("complaint", "repair", "return", "exchange", "consultation")
CHANNELS = (OutboxMessage.Channel.SMS, OutboxMessage.Channel.EMAIL)


def contact_key(value: str) -> str:
    """A stable, non-reversible key of a normalised contact (cache keys, rate limits)."""
    return salted_hmac(
        "aftersales.portal.contact", value.casefold(), algorithm="sha256"
    ).hexdigest()


def _code_hash(key: str, code: str) -> str:
    return salted_hmac(
        "aftersales.portal.code", f"{key}:{code}", algorithm="sha256"
    ).hexdigest()


def _code_cache_key(key: str) -> str:
    return f"portal:code:{key}"


def _tries_cache_key(key: str) -> str:
    return f"portal:code-tries:{key}"


def _now() -> float:
    return timezone.now().timestamp()


# --- One-time codes --------------------------------------------------------------------------


def portal_code_send(*, channel: str, contact: str) -> None:
    """Send a fresh 6-digit code to a phone (SMS) or e-mail address and forget any earlier
    one. Whether the contact belongs to a customer is never looked at (no enumeration)."""
    if channel not in CHANNELS:
        raise ValidationError({"contact": [_("Give a mobile number or an e-mail.")]})
    key = contact_key(contact)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    cache.set(
        _code_cache_key(key),
        {"hash": _code_hash(key, code), "expires": _now() + CODE_TTL_SECONDS},
        CODE_TTL_SECONDS,
    )
    cache.set(_tries_cache_key(key), 0, CODE_TTL_SECONDS)
    minutes = CODE_TTL_SECONDS // 60
    body = gettext(
        "Your verification code is %(code)s. It is valid for %(minutes)s minutes. "
        "Do not share it with anyone."
    ) % {"code": code, "minutes": minutes}
    outbox_enqueue(
        channel=channel,
        to=contact,
        subject=gettext("Your verification code"),
        body=body,
        key=f"portal-code:{key[:24]}:{secrets.token_hex(8)}",
        secret=True,
    )


def portal_code_verify(*, contact: str, code: str) -> None:
    """Check a code sent to `contact`: right (and then used up), or a ValidationError on
    "code" (wrong, expired, or too many tries: after the 5th wrong try the code is gone)."""
    key = contact_key(contact)
    stored = cache.get(_code_cache_key(key))
    if not stored or stored["expires"] <= _now():
        cache.delete_many([_code_cache_key(key), _tries_cache_key(key)])
        raise ValidationError(
            {"code": [_("This code has expired. Ask for a new one.")]}
        )
    cache.add(_tries_cache_key(key), 0, CODE_TTL_SECONDS)
    try:
        tries = cache.incr(_tries_cache_key(key))
    except ValueError:  # the counter expired between add and incr
        tries = CODE_MAX_TRIES + 1
    if tries > CODE_MAX_TRIES:
        cache.delete_many([_code_cache_key(key), _tries_cache_key(key)])
        raise ValidationError({"code": [_("Too many wrong codes. Ask for a new one.")]})
    given = (code or "").strip()
    if not constant_time_compare(stored["hash"], _code_hash(key, given)):
        left = CODE_MAX_TRIES - tries
        if left <= 0:
            cache.delete_many([_code_cache_key(key), _tries_cache_key(key)])
            raise ValidationError(
                {"code": [_("Too many wrong codes. Ask for a new one.")]}
            )
        raise ValidationError(
            {
                "code": [
                    _("This code is not right. %(left)s tries left.") % {"left": left}
                ]
            }
        )
    cache.delete_many([_code_cache_key(key), _tries_cache_key(key)])


# --- Filing a complaint ----------------------------------------------------------------------


def intake_owner() -> User:
    """The staff member who becomes the first owner of a portal (or e-mail) case: the least-loaded
    active member of the intake unit (the unit queue's pick)."""
    unit = portal_selectors.intake_unit()
    if unit is None:
        raise DomainError(_("Cases cannot be filed online right now. Please call us."))
    member = ownership.queue_pick_member(unit=unit)
    if member is None:
        raise DomainError(_("Cases cannot be filed online right now. Please call us."))
    return member


def _find_or_create_customer(
    *, channel: str, contact: str, name: str, consent_service: bool
) -> Customer:
    customer = portal_selectors.customer_find_by_contact(channel=channel, value=contact)
    if customer is not None:
        return customer
    fields: dict[str, Any] = (
        {"phones": [contact], "preferred_channel": "sms"}
        if channel == OutboxMessage.Channel.SMS
        else {"email": contact, "preferred_channel": "email"}
    )
    return archive_services.customer_create(
        actor=None,
        name=name,
        consent_service=consent_service,
        source="portal",
        **fields,
    )


def _product_for(
    *,
    customer: Customer,
    product_model: ProductModel | None,
    serial: str,
    purchase_date: date | None,
) -> OwnedProduct | None:
    """The customer's product by model and serial, registered when it is not known yet. A
    serial registered to someone else is not attached (and not revealed)."""
    if product_model is None or not serial:
        return None
    known = OwnedProduct.objects.filter(model=product_model, serial=serial).first()
    if known is not None:
        return known if known.customer_id == customer.pk else None
    if purchase_date is None:
        raise ValidationError(
            {"purchase_date": [_("Give the purchase date to register the product.")]}
        )
    try:
        return archive_services.product_register(
            actor=None,
            customer=customer,
            model=product_model,
            serial=serial,
            sale_date=purchase_date,
        )
    except ValidationError as exc:
        renamed = {"sale_date": "purchase_date", "model": "product_model"}
        raise ValidationError(
            {
                renamed.get(field, field): msgs
                for field, msgs in exc.message_dict.items()
            }
        ) from exc


def _description(
    *,
    description: str,
    name: str,
    customer: Customer,
    product_model: ProductModel | None,
    product_text: str,
    serial: str,
    purchase_date: date | None,
) -> str:
    """The customer's words plus what they said about the product, for the staff."""
    lines = []
    if product_model is not None:
        lines.append(gettext("Product: %(model)s") % {"model": product_model})
    elif product_text:
        lines.append(gettext("Product: %(model)s") % {"model": product_text})
    if serial:
        lines.append(gettext("Serial number: %(serial)s") % {"serial": serial})
    if purchase_date:
        lines.append(
            gettext("Purchased on: %(date)s") % {"date": purchase_date.isoformat()}
        )
    if name and name.strip() != customer.name:
        lines.append(gettext("Name given: %(name)s") % {"name": name.strip()})
    block = "\n".join(lines)
    return f"{description.strip()}\n\n{block}" if block else description.strip()


@transaction.atomic
def portal_complaint_submit(
    *,
    actor: User | None,
    channel: str,
    contact: str,
    name: str,
    type: str,  # noqa: A002  # the domain's word
    description: str,
    customer: Customer | None = None,
    product_model: ProductModel | None = None,
    product_text: str = "",
    serial: str = "",
    purchase_date: date | None = None,
    photos: list | tuple = (),
    safety_incident: bool = False,
    consent_service: bool = True,
) -> Ticket:
    """File a case from the portal for a verified contact (or the signed-in customer's own
    archive `customer`): find the archive by the contact or open one, register the product
    when a model and serial are new, open the case (source portal) with a member of the
    intake unit as first owner, attach the photos (customer-visible), log the contact,
    tell the first owner, and send the tracking link to the contact. All or nothing."""
    if actor is not None and actor.is_staff_member:
        raise PermissionDenied(_("Staff log cases on the case pages."))
    if customer is not None and (actor is None or customer.user_id != actor.pk):
        raise PermissionDenied(_("Only the signed-in customer files on their archive."))
    if type not in PORTAL_TYPES:
        raise ValidationError({"type": [_("Choose what you need.")]})
    if not description.strip():
        raise ValidationError({"description": [_("Describe the problem.")]})
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": [_("At most %(n)s photos.") % {"n": MAX_PHOTOS}]}
        )
    if channel not in CHANNELS:
        raise ValidationError({"contact": [_("Give a mobile number or an e-mail.")]})
    serial = serial.strip()
    if customer is None:
        if not name.strip():
            raise ValidationError({"name": [_("Tell us your name.")]})
        customer = _find_or_create_customer(
            channel=channel,
            contact=contact,
            name=name.strip(),
            consent_service=consent_service,
        )
    product = _product_for(
        customer=customer,
        product_model=product_model,
        serial=serial,
        purchase_date=purchase_date,
    )
    owner = intake_owner()
    first_line = description.strip().splitlines()[0]
    ticket = ticket_open(
        actor=owner,
        type=type,
        source="portal",
        customer=customer,
        product=product,
        title=Truncator(first_line).chars(80),
        description=_description(
            description=description,
            name=name,
            customer=customer,
            product_model=product_model,
            product_text=product_text.strip(),
            serial=serial,
            purchase_date=purchase_date,
        ),
        safety_incident=safety_incident,
    )
    for photo in photos:
        try:
            attachments.attachment_add(
                ticket=ticket, actor=actor, file=photo, public=True
            )
        except ValidationError as exc:
            raise ValidationError(
                {
                    ("photos" if field == "file" else field): msgs
                    for field, msgs in exc.message_dict.items()
                }
            ) from exc
    archive_services.contact_log(
        actor=None,
        customer=customer,
        channel=Contact.Channel.PORTAL,
        summary=ticket.title,
        disposition=Contact.Disposition.TICKET_CREATED,
        reference=ticket.number,
    )
    notify(
        recipient=owner,
        kind="portal_case",
        key=f"portal-case:{ticket.pk}",
        title=_("New case from the portal: %(number)s"),
        title_params={"number": ticket.number},
        body=ticket.title,
        url=ticket.get_absolute_url(),
    )
    _send_tracking_link(ticket=ticket, channel=channel, contact=contact)
    return ticket


def _send_tracking_link(*, ticket: Ticket, channel: str, contact: str) -> None:
    url = case_selectors.tracking_link(ticket=ticket)
    body = gettext(
        "We received your request %(number)s. Follow it and reply here: %(url)s "
        "(this link is valid for %(days)s days; keep it private)."
    ) % {"number": ticket.number, "url": url, "days": case_selectors.tracking_days()}
    outbox_enqueue(
        channel=channel,
        to=contact,
        subject=gettext("Your request %(number)s") % {"number": ticket.number},
        body=body,
        key=f"portal-tracking:{ticket.pk}",
    )


# --- Replies and links -----------------------------------------------------------------------


@transaction.atomic
def portal_reply(
    *,
    actor: User | None,
    ticket: Ticket,
    body: str,
    channel: str = Contact.Channel.PORTAL,
) -> TicketEvent:
    """A message from the customer on the case (tracking page, their case page, or an
    e-mail answer: `channel`): a public comment marked as from the customer; the first
    owner and the handler are notified and the contact is logged. `actor` is the
    signed-in customer (None: by tracking link or e-mail)."""
    if actor is not None and (
        actor.is_staff_member or ticket.customer.user_id != actor.pk
    ):
        raise PermissionDenied(_("Only the customer replies here."))
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": [_("Write your message.")]})
    if len(text) > REPLY_MAX_LENGTH:
        raise ValidationError(
            {"body": [_("At most %(n)s characters, please.") % {"n": REPLY_MAX_LENGTH}]}
        )
    event = ticket_event_record(
        ticket,
        TicketEvent.Type.COMMENT,
        actor,
        data={"body": text, "from_customer": True},
        public=True,
    )
    for person in {ticket.first_owner, ticket.handler} - {None}:
        notify(
            recipient=person,
            kind="portal_reply",
            key=f"portal-reply:{event.pk}:{person.pk}",
            title=_("%(number)s: the customer replied"),
            title_params={"number": ticket.number},
            body=Truncator(text).chars(300),
            url=ticket.get_absolute_url(),
        )
    archive_services.contact_log(
        actor=None,
        customer=ticket.customer,
        channel=channel,
        summary=Truncator(text).chars(300),
        disposition=Contact.Disposition.LINKED,
        reference=ticket.number,
    )
    return event


@transaction.atomic
def portal_links_send(*, channel: str, contact: str) -> int:
    """Send the tracking links of the recent cases of a contact to that contact (for a
    customer whose link expired or got lost). Nothing is sent to an unknown contact, and
    the caller answers the same either way. Returns the number of links sent."""
    if channel not in CHANNELS:
        raise ValidationError({"contact": [_("Give a mobile number or an e-mail.")]})
    tickets = portal_selectors.tickets_for_contact(channel=channel, value=contact)
    if not tickets:
        return 0
    lines = [
        f"{ticket.number}: {case_selectors.tracking_link(ticket=ticket)}"
        for ticket in tickets
    ]
    body = gettext(
        "Your requests (each link is valid for %(days)s days; keep them private):"
    ) % {"days": case_selectors.tracking_days()}
    outbox_enqueue(
        channel=channel,
        to=contact,
        subject=gettext("Links to your requests"),
        body="\n".join([body, *lines]),
        key=f"portal-links:{contact_key(contact)[:24]}:{secrets.token_hex(8)}",
    )
    return len(tickets)
