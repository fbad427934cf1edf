"""Reads of first ownership and unit queues (domain §6), permission-scoped: a transfer is
visible on a case the user sees, or when it is addressed to them or asked by them."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from aftersales import permissions
from aftersales.models import Unit, User
from tickets.models import OwnershipTransfer, Ticket, UnitQueue


def transfer_pending(*, ticket: Ticket) -> OwnershipTransfer | None:
    """The transfer of the case waiting for an answer, if any."""
    return (
        ticket.ownership_transfers.filter(status=OwnershipTransfer.Status.REQUESTED)
        .select_related("from_user", "to_user", "requested_by")
        .first()
    )


def transfer_list(*, user: User) -> QuerySet[OwnershipTransfer]:
    """Transfers `user` may see: on cases they see, addressed to them or asked by them."""
    return (
        OwnershipTransfer.objects.filter(
            Q(ticket__in=Ticket.objects.visible_to(user))
            | Q(to_user=user)
            | Q(requested_by=user)
        )
        .select_related("ticket", "from_user", "to_user", "requested_by")
        .order_by("-requested_at", "-pk")
    )


def transfer_get(*, user: User, pk: int) -> OwnershipTransfer:
    """One transfer `user` may see; Http404 otherwise."""
    try:
        return transfer_list(user=user).get(pk=pk)
    except OwnershipTransfer.DoesNotExist:
        raise Http404 from None


def transfer_list_awaiting(*, user: User) -> QuerySet[OwnershipTransfer]:
    """Transfers waiting for `user` to accept or reject, oldest first."""
    return (
        OwnershipTransfer.objects.filter(
            to_user=user, status=OwnershipTransfer.Status.REQUESTED
        )
        .select_related("ticket", "from_user", "requested_by")
        .order_by("requested_at", "pk")
    )


def queue_get(*, unit: Unit) -> UnitQueue:
    """The unit's queue settings (an unsaved manual queue when none were set)."""
    try:
        return UnitQueue.objects.select_related("last_assigned").get(unit=unit)
    except UnitQueue.DoesNotExist:
        return UnitQueue(unit=unit, mode=UnitQueue.Mode.MANUAL)


def queue_list_manageable(*, user: User) -> QuerySet[Unit]:
    """Active units whose queue `user` may set (all for managers; the supervised subtrees
    for supervisors), with their queue."""
    return permissions.units_overseen(
        user=user, within=Unit.objects.active().select_related("queue")
    )
