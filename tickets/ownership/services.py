"""Tickets services: first ownership and unit queues (domain §6, first responsibility
rules 1 and 6).

- The first owner of a case changes only by an ownership transfer (leave, departure) that
  the new owner accepts: requested → accepted | rejected | cancelled, one pending per case.
- The nightly orphan sweep raises live cases whose first owner is inactive to the
  supervisors of the case's unit (the nearest unit up the tree that has one; else the
  managers), once per case and owner.
- A handover to a unit without a named person lands in the unit's queue; a unit may switch
  on automatic assignment (round-robin or least-loaded among its active members). The
  member named still accepts the handover as usual, so the no-bounce rule and the
  acceptance clock keep working.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales import permissions
from aftersales.exceptions import DomainError, StaleObject
from aftersales.models import Membership, Unit, User
from aftersales.roles import Role
from aftersales.services import job_run, notify
from tickets import workflow
from tickets.events import ticket_event_record
from tickets.models import Handover, OwnershipTransfer, Ticket, TicketEvent, UnitQueue

__all__ = [
    "orphan_sweep",
    "queue_assign",
    "queue_may_manage",
    "queue_pick_member",
    "queue_set_mode",
    "transfer_accept",
    "transfer_cancel",
    "transfer_may_request",
    "transfer_reject",
    "transfer_request",
]


def _is_live(ticket: Ticket) -> bool:
    """Not closed, cancelled or a duplicate: a resolved case may still reopen to its first
    owner, so its ownership still matters."""
    return ticket.status not in workflow.FINAL_STATES


# --- Ownership transfers --------------------------------------------------------------------


def transfer_may_request(*, ticket: Ticket, actor: User) -> bool:
    """Who may ask for a case's first ownership to move: its first owner, a manager, or a
    supervisor of the case's unit or of the first owner's units (or of a unit above)."""
    if not (actor.is_active and actor.is_staff_member):
        return False
    if actor.pk == ticket.first_owner_id or permissions.is_manager(actor):
        return True
    units = [ticket.unit, *Unit.objects.filter(members=ticket.first_owner_id)]
    return permissions.supervises(user=actor, units=units)


def _notify_people(
    people: Iterable[User | None],
    *,
    ticket: Ticket,
    kind: str,
    key: str,
    title,
    title_params: dict,
    body: str = "",
    email: bool = False,
) -> None:
    for person in {p for p in people if p is not None and p.is_active}:
        notify(recipient=person, kind=kind, key=f"{key}:{person.pk}", title=title,
               title_params=title_params, body=body, url=ticket.get_absolute_url(),
               email=email)  # fmt: skip


@transaction.atomic
def transfer_request(
    *, ticket: Ticket, actor: User, to_user: User | None, reason: str
) -> OwnershipTransfer:
    """Ask `to_user` to become the case's first owner (leave, departure). Only they can
    accept it; one transfer per case waits at a time. Notifies the receiver."""
    if not transfer_may_request(ticket=ticket, actor=actor):
        raise PermissionDenied(
            _("Only the first owner, a supervisor of the case or a manager moves its "
              "first ownership.")
        )  # fmt: skip
    if not _is_live(ticket):
        raise DomainError(_("This case is finished: its first ownership stays."))
    errors: dict[str, list] = {}
    if to_user is None or not (to_user.is_active and to_user.is_staff_member):
        errors["to_user"] = [_("Choose an active member of staff.")]
    elif to_user.pk == ticket.first_owner_id:
        errors["to_user"] = [_("This person already is the first owner.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Give a reason (leave, departure…).")]
    if errors:
        raise ValidationError(errors)
    transfer = OwnershipTransfer(
        ticket=ticket,
        from_user_id=ticket.first_owner_id,
        to_user=to_user,
        reason=reason.strip(),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"ticket": [_("This case already has an ownership transfer waiting for an "
                          "answer.")]}
        ) from exc  # fmt: skip
    ticket_event_record(ticket, TicketEvent.Type.OWNERSHIP_TRANSFER, actor,
            data={"transfer": transfer.pk, "step": "requested",
                  "from_user": transfer.from_user_id, "to_user": to_user.pk,
                  "note": transfer.reason})  # fmt: skip
    _notify_people(
        [to_user],
        ticket=ticket,
        kind="ownership_transfer_requested",
        key=f"transfer-requested:{transfer.pk}",
        title=_("%(name)s asks you to become the first owner of %(number)s"),
        title_params={"name": actor.name, "number": ticket.number},
        body=transfer.reason,
        email=True,
    )
    return transfer


def _decide(transfer: OwnershipTransfer, status: str, **fields) -> None:
    """Compare-and-set the transfer out of `requested` (StaleObject when already decided)."""
    if not OwnershipTransfer.objects.filter(
        pk=transfer.pk, status=OwnershipTransfer.Status.REQUESTED
    ).update(status=status, decided_at=timezone.now(), **fields):
        raise StaleObject(_("This transfer was already decided."))
    transfer.refresh_from_db()


@transaction.atomic
def transfer_accept(*, transfer: OwnershipTransfer, actor: User) -> OwnershipTransfer:
    """The receiver accepts: they become the first owner (compare-and-set on the case's
    first owner, so a case whose owner changed meanwhile is not touched). Work the former
    owner still handled comes with it (handler and unit), so nothing is left with a person
    who left. Tells the requester (and the former owner)."""
    if actor.pk != transfer.to_user_id:
        raise PermissionDenied(_("This transfer is addressed to someone else."))
    _decide(transfer, OwnershipTransfer.Status.ACCEPTED)
    ticket = transfer.ticket
    if not Ticket.objects.filter(
        pk=ticket.pk, first_owner_id=transfer.from_user_id
    ).update(first_owner=actor):
        raise StaleObject(_("The first owner of this case changed meanwhile."))
    ticket.refresh_from_db()
    handler_moved = False
    if ticket.handler_id == transfer.from_user_id:
        unit = actor.units.order_by("path").first() or ticket.unit
        handler_moved = bool(
            Ticket.objects.filter(
                pk=ticket.pk, handler_id=transfer.from_user_id
            ).update(handler=actor, unit=unit)
        )
        ticket.refresh_from_db()
    ticket_event_record(ticket, TicketEvent.Type.OWNERSHIP_TRANSFER, actor,
            data={"transfer": transfer.pk, "step": "accepted",
                  "from_user": transfer.from_user_id, "to_user": actor.pk,
                  "handler_moved": handler_moved})  # fmt: skip
    _notify_people(
        [transfer.requested_by, transfer.from_user],
        ticket=ticket,
        kind="ownership_transfer_accepted",
        key=f"transfer-accepted:{transfer.pk}",
        title=_("%(name)s is now the first owner of %(number)s"),
        title_params={"name": actor.name, "number": ticket.number},
    )
    return transfer


@transaction.atomic
def transfer_reject(
    *, transfer: OwnershipTransfer, actor: User, reason: str
) -> OwnershipTransfer:
    """The receiver refuses with a reason; ownership stays. Tells the requester."""
    if actor.pk != transfer.to_user_id:
        raise PermissionDenied(_("This transfer is addressed to someone else."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give a reason.")]})
    _decide(
        transfer, OwnershipTransfer.Status.REJECTED, rejection_reason=reason.strip()
    )
    ticket = transfer.ticket
    ticket_event_record(ticket, TicketEvent.Type.OWNERSHIP_TRANSFER, actor,
            data={"transfer": transfer.pk, "step": "rejected",
                  "to_user": actor.pk, "note": transfer.rejection_reason})  # fmt: skip
    _notify_people(
        [transfer.requested_by],
        ticket=ticket,
        kind="ownership_transfer_rejected",
        key=f"transfer-rejected:{transfer.pk}",
        title=_("%(name)s declined the first ownership of %(number)s"),
        title_params={"name": actor.name, "number": ticket.number},
        body=transfer.rejection_reason,
    )
    return transfer


@transaction.atomic
def transfer_cancel(*, transfer: OwnershipTransfer, actor: User) -> OwnershipTransfer:
    """The requester withdraws the transfer; the receiver is told."""
    if actor.pk != transfer.requested_by_id:
        raise PermissionDenied(_("Only the person who asked withdraws a transfer."))
    _decide(transfer, OwnershipTransfer.Status.CANCELLED)
    ticket = transfer.ticket
    ticket_event_record(ticket, TicketEvent.Type.OWNERSHIP_TRANSFER, actor,
            data={"transfer": transfer.pk, "step": "cancelled",
                  "to_user": transfer.to_user_id})  # fmt: skip
    _notify_people(
        [transfer.to_user],
        ticket=ticket,
        kind="ownership_transfer_cancelled",
        key=f"transfer-cancelled:{transfer.pk}",
        title=_("The request to take over %(number)s was withdrawn"),
        title_params={"number": ticket.number},
    )
    return transfer


# --- Orphan sweep ---------------------------------------------------------------------------


def _orphan_key(ticket_id: int, owner_id: int) -> str:
    return f"orphan:{ticket_id}:{owner_id}"


def _orphan_recipients(unit: Unit) -> set[User]:
    """Supervisors of the unit, else of the nearest unit above it that has one, else the
    managers."""
    chain = unit.lineage_ids
    by_unit: dict[int, set[User]] = defaultdict(set)
    for membership in Membership.objects.filter(
        unit_id__in=chain, is_supervisor=True, user__is_active=True
    ).select_related("user"):
        by_unit[membership.unit_id].add(membership.user)
    for unit_id in reversed(chain):
        if by_unit[unit_id]:
            return by_unit[unit_id]
    return set(User.objects.filter(is_active=True, groups__name=Role.MANAGER))


def orphan_sweep(*, now: datetime) -> int:
    """Nightly (domain §6 rule 6): live cases whose first owner is inactive and that have
    no transfer waiting get an ORPHANED event and their unit's supervisors (else the
    managers) are alerted, once per case and owner. Set-based: one query selects only such
    cases, skipping those already raised (the unique event key). Returns cases raised."""
    with job_run("orphan_sweep") as run:
        key = Concat(
            Value("orphan:"),
            Cast("pk", CharField()),
            Value(":"),
            Cast("first_owner_id", CharField()),
            output_field=CharField(),
        )
        orphans = (
            Ticket.objects.exclude(status__in=workflow.FINAL_STATES)
            .filter(first_owner__is_active=False)
            .exclude(
                Exists(
                    OwnershipTransfer.objects.filter(
                        ticket=OuterRef("pk"),
                        status=OwnershipTransfer.Status.REQUESTED,
                    )
                )
            )
            .annotate(orphan_key=key)
            .exclude(Exists(TicketEvent.objects.filter(key=OuterRef("orphan_key"))))
            .select_related("first_owner", "unit")
            .order_by("pk")
        )
        recipients: dict[int, set[User]] = {}
        for ticket in orphans:
            event_key = _orphan_key(ticket.pk, ticket.first_owner_id)
            try:
                with transaction.atomic():
                    ticket_event_record(ticket, TicketEvent.Type.ORPHANED, None,
                            data={"first_owner": ticket.first_owner_id},
                            key=event_key, at=now)  # fmt: skip
            except IntegrityError:
                continue  # a concurrent sweep raised it
            if ticket.unit_id not in recipients:
                recipients[ticket.unit_id] = _orphan_recipients(ticket.unit)
            _notify_people(
                recipients[ticket.unit_id],
                ticket=ticket,
                kind="orphaned_case",
                key=event_key,
                title=_("%(number)s: its first owner %(name)s is no longer active"),
                title_params={"number": ticket.number, "name": ticket.first_owner.name},
                body=_("Ask someone to take over its first ownership."),
                email=True,
            )
            run.items += 1
    return run.items


# --- Unit queues ----------------------------------------------------------------------------


def queue_may_manage(*, unit: Unit, actor: User) -> bool:
    """Supervisors of the unit (or of a unit above it) and managers set its queue mode."""
    return actor.is_active and permissions.oversees(user=actor, units=[unit])


@transaction.atomic
def queue_set_mode(*, unit: Unit, actor: User, mode: str) -> UnitQueue:
    """Switch how the unit's queue hands out cases: manual, round-robin, least-loaded."""
    if not queue_may_manage(unit=unit, actor=actor):
        raise PermissionDenied(
            _("Only a supervisor of the unit or a manager sets its queue.")
        )
    if mode not in UnitQueue.Mode.values:
        raise ValidationError(
            {"mode": [_("Choose manual, round-robin or least-loaded.")]}
        )
    queue, _created = UnitQueue.objects.update_or_create(
        unit=unit, defaults={"mode": mode}
    )
    return queue


def _members(unit_id: int, exclude: Iterable[int | User]) -> QuerySet[User]:
    """Active members of the unit, each marked `coordinator` when they supervise it: the
    pickers below order coordinators last, so a supervisor is only picked when the unit
    has nobody else."""
    excluded = {p.pk if isinstance(p, User) else p for p in exclude if p is not None}
    return (
        User.objects.filter(memberships__unit_id=unit_id, is_active=True)
        .exclude(pk__in=excluded)
        .annotate(
            coordinator=Exists(
                Membership.objects.filter(
                    user=OuterRef("pk"), unit_id=unit_id, is_supervisor=True
                )
            )
        )
    )


def _least_loaded(members: QuerySet[User]) -> User | None:
    """The member with the fewest open cases handled plus handovers waiting for them (so
    a burst of assignments spreads before anyone accepts); ties by id. One query."""
    return (
        members.annotate(
            load=Count(
                "handled_tickets",
                filter=Q(handled_tickets__status__in=workflow.OPEN_STATES),
                distinct=True,
            )
            + Count(
                "handovers_received",
                filter=Q(handovers_received__status=Handover.Status.REQUESTED),
                distinct=True,
            )
        )
        .order_by("coordinator", "load", "pk")
        .first()
    )


def _next_in_turn(members: QuerySet[User], last_id: int | None) -> User | None:
    """The first member (by id) after `last_id`, wrapping round. One query."""
    if last_id is None:
        return members.order_by("coordinator", "pk").first()
    return members.order_by(
        "coordinator", Case(When(pk__gt=last_id, then=Value(0)), default=Value(1)), "pk"
    ).first()


def queue_pick_member(*, unit: Unit, exclude: Iterable[int | User] = ()) -> User | None:
    """The least-loaded active member of the unit (e.g. the first owner of a portal case),
    leaving out `exclude`; None when nobody is left."""
    return _least_loaded(_members(unit.pk, exclude))


@transaction.atomic
def queue_assign(*, handover: Handover) -> User | None:
    """Name the member who receives a handover to a unit without a named person, when the
    unit's queue is automatic: round-robin after the last one assigned, or least-loaded;
    never the sender. Records an ASSIGNED event and tells the member, who still accepts it
    as usual. Returns the member, or None (manual queue, nobody eligible, or already
    named)."""
    if handover.to_user_id or handover.status != Handover.Status.REQUESTED:
        return None
    try:
        queue = UnitQueue.objects.get(unit_id=handover.to_unit_id)
    except UnitQueue.DoesNotExist:
        return None
    if queue.mode == UnitQueue.Mode.MANUAL:
        return None
    members = _members(handover.to_unit_id, [handover.from_user_id])
    member = None
    for _attempt in range(3):
        if queue.mode == UnitQueue.Mode.ROUND_ROBIN:
            member = _next_in_turn(members, queue.last_assigned_id)
        else:
            member = _least_loaded(members)
        if member is None:
            return None
        # Two handovers at once must not both take the same turn.
        if UnitQueue.objects.filter(
            pk=queue.pk, last_assigned_id=queue.last_assigned_id
        ).update(last_assigned=member):
            break
        queue.refresh_from_db()
    else:
        return None
    if not Handover.objects.filter(
        pk=handover.pk, status=Handover.Status.REQUESTED, to_user__isnull=True
    ).update(to_user=member):
        return None
    handover.to_user = member
    ticket = handover.ticket
    ticket_event_record(ticket, TicketEvent.Type.ASSIGNED, None,
            data={"handover": handover.pk, "to_user": member.pk,
                  "to_unit": handover.to_unit_id, "mode": queue.mode})  # fmt: skip
    _notify_people(
        [member],
        ticket=ticket,
        kind="handover_assigned",
        key=f"handover-assigned:{handover.pk}",
        title=_("%(number)s was assigned to you from your unit's queue"),
        title_params={"number": ticket.number},
        body=handover.reason,
    )
    return member
