"""Reads of case attachments (domain §6), permission-scoped: staff reach a file through a
case they see (`Ticket.objects.visible_to(user)`), customers only the files shared with
them on their own cases."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from aftersales.models import User
from customers.models import Customer
from tickets.models import Attachment, Ticket


def attachment_list(
    *, ticket: Ticket, public_only: bool = False
) -> QuerySet[Attachment]:
    """The files of a case (the caller has scoped the case), oldest first."""
    files = ticket.attachments.select_related("uploaded_by")
    return files.filter(public=True) if public_only else files


def attachment_get(*, user: User, pk: int, ticket: Ticket | None = None) -> Attachment:
    """One file of a case `user` (staff) may see, optionally of the given case; Http404
    for anything else (out of scope answers 404, not 403)."""
    files = Attachment.objects.filter(
        ticket__in=Ticket.objects.visible_to(user)
    ).select_related("ticket", "uploaded_by")
    if ticket is not None:
        files = files.filter(ticket=ticket)
    try:
        return files.get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None


def attachment_get_for_customer(
    *,
    pk: int,
    ticket: Ticket | None = None,
    customer: Customer | None = None,
) -> Attachment:
    """A file the customer may download: public, on the given case (the portal scoped it,
    e.g. by a tracking link) and/or on a case of the given customer. Http404 otherwise;
    with neither scope nothing is found."""
    if ticket is None and customer is None:
        raise Http404
    files = Attachment.objects.filter(public=True).select_related("ticket")
    if ticket is not None:
        files = files.filter(ticket=ticket)
    if customer is not None:
        files = files.filter(ticket__customer=customer)
    try:
        return files.get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None
