"""The one public writer of case events (style.md B.4): every change of a case is an
append-only `TicketEvent` row written here, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from aftersales.models import User
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
