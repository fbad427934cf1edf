"""Reads of the customer portal (domain §6 "Customer portal"). Every lookup is scoped to a
customer: a signed tracking token, or the signed-in customer's own archive (style.md B.1,
"Portal selectors add customer=user.customer"). No `Model.objects.get(pk=...)` here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.models import Unit, User
from customers.models import Customer, CustomerPhone, OwnedProduct, ProductModel
from tickets.models import Attachment, Ticket, TicketEvent
from tickets.workflow import TicketStatus

PORTAL_UNIT_DEFAULT = "sh-hotline"

# What a customer reads for each status: plain words, no internal steps.
CUSTOMER_STATUS_LABELS = {
    TicketStatus.NEW: pgettext_lazy("portal status", "Received"),
    TicketStatus.ACKNOWLEDGED: pgettext_lazy("portal status", "Received"),
    TicketStatus.IN_PROGRESS: pgettext_lazy("portal status", "Being worked on"),
    TicketStatus.WAITING_PARTS: pgettext_lazy("portal status", "Waiting for parts"),
    TicketStatus.WAITING_CUSTOMER: pgettext_lazy(
        "portal status", "Waiting for your answer"
    ),
    TicketStatus.RESOLVED: pgettext_lazy("portal status", "Resolved"),
    TicketStatus.AWAITING_FOLLOW_UP: pgettext_lazy("portal status", "Resolved"),
    TicketStatus.REOPENED: pgettext_lazy("portal status", "Reopened"),
    TicketStatus.CLOSED: pgettext_lazy("portal status", "Closed"),
    TicketStatus.CANCELLED: pgettext_lazy("portal status", "Cancelled"),
    TicketStatus.DUPLICATE: pgettext_lazy("portal status", "Merged with another case"),
}
STATUS_EVENT_TITLES = {
    TicketStatus.RESOLVED: _("Your case was resolved."),
    TicketStatus.CLOSED: _("Your case was closed."),
    TicketStatus.REOPENED: _("Your case was reopened."),
}


def customer_status_label(status: str) -> str:
    """The status as a customer reads it."""
    return CUSTOMER_STATUS_LABELS.get(status, status)


# --- The signed-in customer's cases and products ------------------------------------------


def customer_for_user(*, user: User) -> Customer | None:
    """The archive of a signed-in portal customer (none for staff or without a link)."""
    if not user.is_authenticated or user.is_staff_member:
        return None
    return Customer.objects.filter(user=user).first()


def ticket_list_for_customer(*, user: User) -> QuerySet[Ticket]:
    """The signed-in customer's cases, newest first, with the time of the last update the
    customer can see (one query)."""
    return (
        Ticket.objects.visible_to(user)
        .filter(customer__user=user)
        .select_related("product__model")
        .annotate(
            last_public_at=Max("events__at", filter=Q(events__public=True)),
        )
        .order_by("-created_at", "-pk")
    )


def ticket_get_for_customer(*, user: User, number: str) -> Ticket:
    """One case of the signed-in customer by number; another customer's case is a 404."""
    return get_object_or_404(
        Ticket.objects.visible_to(user)
        .filter(customer__user=user, number=number)
        .select_related("product__model", "customer")
    )


def product_list_for_customer(*, user: User) -> QuerySet[OwnedProduct]:
    """The signed-in customer's products with their model (one query)."""
    return (
        OwnedProduct.objects.filter(customer__user=user)
        .select_related("model")
        .order_by("-sale_date", "-pk")
    )


# --- A case as the customer sees it -----------------------------------------------------------


def _event_entry(event: TicketEvent) -> dict[str, Any]:
    data = event.data or {}
    from_customer = bool(data.get("from_customer"))
    body = ""
    if event.type == TicketEvent.Type.OPENED:
        title = _("We received your request.")
    elif event.type == TicketEvent.Type.STATUS_CHANGED:
        title = STATUS_EVENT_TITLES.get(
            data.get("new"), customer_status_label(data.get("new", ""))
        )
    elif event.type == TicketEvent.Type.CUSTOMER_INFORMED:
        title, body = _("Message from our service team"), data.get("message", "")
    elif event.type == TicketEvent.Type.COMMENT and from_customer:
        title, body = _("Your message"), data.get("body", "")
    elif event.type == TicketEvent.Type.COMMENT:
        title, body = _("Reply from our service team"), data.get("body", "")
    elif event.type == TicketEvent.Type.ATTACHMENT:
        title = _("A file was added.")
    else:
        title = event.get_type_display()
    return {
        "at": event.at,
        "type": event.type,
        "title": title,
        "body": body,
        "from_customer": from_customer,
    }


def public_timeline(*, ticket: Ticket) -> list[dict[str, Any]]:
    """The events of the case the customer may see (public ones only), oldest first, in
    customer words (who on the staff did it is not shown)."""
    events = TicketEvent.objects.filter(ticket=ticket, public=True).order_by("at", "pk")
    return [_event_entry(event) for event in events]


def public_attachments(*, ticket: Ticket) -> QuerySet[Attachment]:
    """The files of the case the customer may see, oldest first."""
    return Attachment.objects.filter(ticket=ticket, public=True).order_by(
        "uploaded_at", "pk"
    )


def public_attachment_get(*, ticket: Ticket, pk: int) -> Attachment:
    """One customer-visible file of this case (404 for any other)."""
    return get_object_or_404(public_attachments(ticket=ticket), pk=pk)


# --- Intake: who a portal case goes to ---------------------------------------------------------


def intake_unit() -> Unit | None:
    """The unit that receives portal cases: settings.AFTERSALES_PORTAL_UNIT (a unit code,
    default "sh-hotline") when it exists, else the first active hotline."""
    code = getattr(settings, "AFTERSALES_PORTAL_UNIT", PORTAL_UNIT_DEFAULT)
    units = Unit.objects.active()
    return (
        units.filter(code=code).first()
        or units.filter(kind=Unit.Kind.HOTLINE).order_by("path", "pk").first()
    )


# --- Finding a customer by a verified contact -------------------------------------------------


def customer_find_by_contact(*, channel: str, value: str) -> Customer | None:
    """The archive a verified phone number (E.164) or e-mail address belongs to: active,
    not anonymised; the oldest when several share it. None when nobody has it."""
    customers = Customer.objects.active().filter(anonymised_at__isnull=True)
    if channel == "sms":
        customers = customers.filter(
            pk__in=CustomerPhone.objects.filter(number=value).values("customer")
        )
    else:
        customers = customers.filter(email__iexact=value)
    return customers.order_by("pk").first()


def customer_contact(*, customer: Customer) -> tuple[str, str] | None:
    """Where to send a customer a message: ("sms", primary phone) or ("email", address)."""
    phone = customer.phones.order_by("-is_primary", "pk").first()
    if phone is not None:
        return "sms", phone.number
    if customer.email:
        return "email", customer.email
    return None


def tickets_for_contact(*, channel: str, value: str, limit: int = 10) -> list[Ticket]:
    """The recent cases (newest first) of every archive a contact belongs to."""
    customers = Customer.objects.filter(anonymised_at__isnull=True)
    if channel == "sms":
        customers = customers.filter(
            pk__in=CustomerPhone.objects.filter(number=value).values("customer")
        )
    else:
        customers = customers.filter(email__iexact=value)
    return list(
        Ticket.objects.filter(customer__in=customers).order_by("-created_at", "-pk")[
            :limit
        ]
    )


def product_model_choices() -> QuerySet[ProductModel]:
    """Product models a customer may pick from, by code."""
    return ProductModel.objects.order_by("code")
