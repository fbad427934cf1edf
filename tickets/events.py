"""The one public writer of case events (style.md B.4): every change of a case is an
append-only `TicketEvent` row written here, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from aftersales.models import User
from aftersales.services import bulk_insert_once
from tickets.models import Ticket, TicketEvent


def ticket_event_record(
    ticket: Ticket,
    type_: str,
    actor: User | None,
    *,
    data: dict[str, Any] | None = None,
    public: bool = False,
    key: str | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    """Append an event to the case's timeline. `actor` None is the system; `public`
    events show on the customer's tracking page; a `key` makes the step once-only (the
    unique constraint on (ticket, key) refuses a second row); `at` defaults to now."""
    return TicketEvent.objects.create(
        ticket=ticket,
        type=type_,
        actor=actor,
        at=at or timezone.now(),
        data=data or {},
        public=public,
        key=key,
    )


def ticket_events_record_once(
    events: Iterable[tuple[int, str, str, dict[str, Any]]],
    *,
    at: datetime,
    actor: User | None = None,
) -> set[str]:
    """Append many once-only events at once, in one statement: each `(ticket id, type, key,
    data)` is recorded unless its key already is (by an earlier run, or by a concurrent
    transaction that commits first). Returns the keys this call recorded: the caller acts
    (alerts, escalates) on those only, so a step happens exactly once."""
    rows = [
        TicketEvent(
            ticket_id=ticket_id, type=type_, actor=actor, at=at, data=data, key=key
        )
        for ticket_id, type_, key, data in events
    ]
    return {event.key for event in bulk_insert_once(rows, unique="key")}
